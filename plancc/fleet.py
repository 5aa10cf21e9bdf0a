"""Which ships of the fleet haul the plan's cargo, and the hold its legs are cut to.

Pure: ships and policy in, ships out. A ship hauls when its role is not one the policy keeps
off cargo work (by default mining drones, surveyors and probes: they earn more at their own
job, and a 15-unit drone flying a leg cut for it makes a 40-unit frigate fly a third full)
and its hold is at least ``hauler_min_cargo``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from plancc.model import Policy, Ship


@dataclass(frozen=True)
class LeftOut:
    """A ship the plan does not give cargo work, with the reason."""

    ship: str
    reason: str


def haulers(ships: Sequence[Ship], policy: Policy) -> tuple[tuple[Ship, ...], tuple[LeftOut, ...]]:
    """(the ships that haul, in the given order; the others with why)."""
    keep: list[Ship] = []
    out: list[LeftOut] = []
    for s in ships:
        if s.cargo_capacity <= 0:
            out.append(LeftOut(s.symbol, "no cargo hold"))
        elif s.role in policy.hauler_exclude_roles:
            out.append(LeftOut(s.symbol, f"role {s.role} does not haul (hauler_exclude_roles)"))
        elif s.cargo_capacity < policy.hauler_min_cargo:
            out.append(
                LeftOut(
                    s.symbol,
                    f"hold {s.cargo_capacity} < hauler_min_cargo {policy.hauler_min_cargo}",
                )
            )
        else:
            keep.append(s)
    return tuple(keep), tuple(out)


def leg_hold(ships: Sequence[Ship], kept: Mapping[str, int] | None = None) -> int:
    """The hold legs are cut to: the largest free hold among the haulers, so the biggest ship
    flies full; a smaller or partly full hold takes the legs that fit it (the remainders).
    ``kept``: ship -> units aboard that the plan leaves aboard (default: all its cargo); the
    cargo the plan unloads is gone before the ship's other legs (see plancc.schedule)."""
    return max(
        (
            s.cargo_capacity - (s.cargo_units if kept is None else kept.get(s.symbol, 0))
            for s in ships
        ),
        default=0,
    )
