"""Every hop a compiled plan flies, for the flight-mode tests."""

from __future__ import annotations

import itertools

from plancc.model import Plan, Snapshot
from plancc.travel import distance


def hops(plan: Plan, snap: Snapshot) -> list[tuple[float, int, str]]:
    """(distance, the ship's tank, the mode flown) of every hop between two waypoints."""
    wp = {w.symbol: w for w in snap.waypoints}
    market = {t.id: t.market for t in plan.tasks}
    legs = {lg.id: lg for lg in plan.legs}
    ships = {s.symbol: s for s in snap.ships}
    out = []
    for sp in plan.ships:
        here, tank = ships[sp.ship].waypoint, ships[sp.ship].fuel_capacity
        for sl in sp.legs:
            load, unload = market[legs[sl.leg].load], market[legs[sl.leg].unload]
            for stops, modes in (
                ((here, *sl.refuel_to_load, load), sl.modes_to_load),
                ((load, *sl.refuel_to_unload, unload), sl.modes_to_unload),
            ):
                for (a, b), mode in zip(itertools.pairwise(stops), modes, strict=True):
                    if a != b:
                        out.append((distance(wp[a].x, wp[a].y, wp[b].x, wp[b].y), tank, mode))
            here = unload
    return out
