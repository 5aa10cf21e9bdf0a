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
    """Every hop of every route flown in ``mode`` (one mode per hop: refuel stops + 1)."""
    return tuple(
        replace(
            s,
            legs=tuple(
                replace(
                    sl,
                    modes_to_load=(mode,) * (len(sl.refuel_to_load) + 1),
                    modes_to_unload=(mode,) * (len(sl.refuel_to_unload) + 1),
                )
                for sl in s.legs
            ),
        )
        for s in ships
    )
