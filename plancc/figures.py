"""What a schedule amounts to over the plan's horizon: hauler utilisation, hop flight modes.

Pure functions over the scheduled legs; the compiler writes their results into the plan header
(``objective.horizon_s``, ``objective.utilisation``) and each scheduled leg
(``modes_to_load``/``modes_to_unload``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from plancc.model import ScheduledLeg, ShipPlan


def busy_s(legs: Sequence[ScheduledLeg], horizon_s: int) -> int:
    """Seconds within ``[0, horizon_s)`` the legs keep their ship busy (overlaps counted once)."""
    spans = sorted((max(0, sl.start_s), min(horizon_s, sl.end_s)) for sl in legs)
    total, reach = 0, 0
    for start, end in spans:
        start = max(start, reach)
        if end > start:
            total += end - start
            reach = end
    return total


def utilisation(ships: Sequence[ShipPlan], haulers: int, horizon_s: int) -> float:
    """Hauler busy time over ``haulers x horizon_s`` (0 with no hauler or no horizon)."""
    if haulers <= 0 or horizon_s <= 0:
        return 0.0
    return sum(busy_s(s.legs, horizon_s) for s in ships) / (haulers * horizon_s)


def with_flight_modes(ships: Sequence[ShipPlan], mode: str) -> tuple[ShipPlan, ...]:
    """One flight mode per hop (refuel stops + 1) on every route: the mode the scheduler chose
    for each hop where it recorded one (a BURN plan crosses a gap its tank cannot burn across in
    CRUISE), else ``mode`` (a route of no hop, or a scheduler that records none)."""

    def modes(chosen: tuple[str, ...], stops: tuple[str, ...]) -> tuple[str, ...]:
        return chosen if len(chosen) == len(stops) + 1 else (mode,) * (len(stops) + 1)

    return tuple(
        replace(
            s,
            legs=tuple(
                replace(
                    sl,
                    modes_to_load=modes(sl.modes_to_load, sl.refuel_to_load),
                    modes_to_unload=modes(sl.modes_to_unload, sl.refuel_to_unload),
                )
                for sl in s.legs
            ),
        )
        for s in ships
    )
