"""An idle hauler takes over a leg that is ready to load but queued behind another leg on a
busy ship, when it is nearer to that leg's load market than the busy ship will be. Idle: no
leg to fly now (none open, or only a COLLECT whose factory is not ready).

The plan puts every leg on one ship. Between loop passes the realised times drift from the
planned ones (a production wait runs long, a redirect adds a hop), and a ready leg can then
wait behind its ship's current work for most of an hour while other haulers sit empty (the
headline flights showed 2-8 such legs per 6 h, waiting 5-48 min each). Pure: a ``View`` in,
``TAKE_OVER`` actions out; the executor moves the leg in one state write (no request), so a
kill before or after it loses nothing.

Flight times when both ships' engine speeds are known (read from the server), so a slow
hauler does not take a leg a fast one would reach first; else distances. Either way the busy
ship's route counts its flights only (trades and waits would make it later still), so a
take-over is never made on an over-estimate of what it saves.
"""

from __future__ import annotations

from collections.abc import Iterable

from plancc.travel import distance, travel_seconds
from runner.decide import collect_not_ready, current_leg, deps_met, open_legs
from runner.model import OPEN_TASK, ShipState, View
from runner.planview import LegSpec
from runner.policy import RunnerPolicy


def _waiting_only(view: View, ship: str, policy: RunnerPolicy) -> bool:
    """The ship has no leg to fly now: none open, or only a COLLECT its factory is not ready
    for (``current_leg`` falls back to it when nothing else can load, and the ship waits)."""
    leg = current_leg(view, ship, policy=policy)
    if leg is None:
        return True
    load = view.tasks[leg.load]
    return load.done_units == 0 and collect_not_ready(view, load, policy)


def idle_haulers(view: View, policy: RunnerPolicy) -> list[ShipState]:
    """Ships with a hold and nothing aboard, not moving, parked or liquidating, with no leg
    to fly now (``_waiting_only``)."""
    liquidating = {q.ship for q in view.liquidations if q.status == "OPEN"}
    return [
        s
        for _, s in sorted(view.ships.items())
        if s.cargo_capacity > 0
        and not s.cargo_units
        and s.verified
        and not s.pending
        and s.not_before <= view.now
        and s.status_at(view.now) != "IN_TRANSIT"
        and s.symbol not in liquidating
        and _waiting_only(view, s.symbol, policy)
    ]


def _ready(view: View, leg: LegSpec, policy: RunnerPolicy) -> bool:
    """The leg's load has not begun, is not cargo found aboard, and could begin now."""
    load, unload = view.tasks[leg.load], view.tasks[leg.unload]
    return (
        load.status == "PENDING"
        and load.done_units == 0
        and unload.done_units == 0
        and load.spec.type != "ABOARD"
        and deps_met(view, load)
        and not collect_not_ready(view, load, policy)
    )


def _path(view: View, start: str, stops: Iterable[str], speed: int = 0) -> float | None:
    """The flights from ``start`` through ``stops``: their seconds in CRUISE at engine
    ``speed``, or their length when ``speed`` is 0 (None: a coordinate unknown)."""
    total, here = 0.0, start
    for stop in stops:
        a, b = view.coords.get(here), view.coords.get(stop)
        if a is None or b is None:
            return None
        if stop != here:
            d = distance(a[0], a[1], b[0], b[1])
            total += travel_seconds(d, speed) if speed else d
        here = stop
    return total


def _owner_path(
    view: View, owner: str, leg: LegSpec, policy: RunnerPolicy, timed: bool
) -> float | None:
    """How far (``timed``: how long) ``owner`` flies before it reaches ``leg``'s load market:
    the rest of its current leg, then each leg before ``leg`` that is ready now
    (``current_leg`` takes legs up in order, skipping the ones not ready), then to the load
    market. None: ``owner`` would fly ``leg`` next, or a coordinate is unknown."""
    ship = view.ships.get(owner)
    now_leg = current_leg(view, owner, policy=policy)
    if ship is None or now_leg is None or now_leg.id == leg.id:
        return None
    before = [now_leg] + [
        g
        for g in open_legs(view, owner)
        if g.seq < leg.seq and g.id not in (now_leg.id, leg.id) and _ready(view, g, policy)
    ]
    stops: list[str] = []
    for g in before:
        load = view.tasks[g.load]
        if load.status in OPEN_TASK and load.spec.type != "ABOARD":
            stops.append(load.spec.market)
        stops.append(view.tasks[g.unload].spec.market)
    stops.append(view.tasks[leg.load].spec.market)
    return _path(view, ship.waypoint, stops, ship.speed if timed else 0)


def takeovers(view: View, policy: RunnerPolicy) -> list[tuple[LegSpec, ShipState, float]]:
    """(leg, idle ship, flight saved) for each leg an idle hauler should take over: the
    largest saving first, each leg and each idle ship at most once. Savings are seconds when
    every ship's speed is known, else distances."""
    idle = idle_haulers(view, policy) if policy.take_over_legs else []
    if not idle:
        return []
    timed = all(s.speed > 0 for s in view.ships.values() if s.cargo_capacity > 0)
    options: list[tuple[float, str, str, LegSpec, ShipState]] = []
    for leg in view.legs:
        if leg.ship not in view.ships or not _ready(view, leg, policy):
            continue
        owner = _owner_path(view, leg.ship, leg, policy, timed)
        if owner is None:
            continue
        market = view.tasks[leg.load].spec.market
        for ship in idle:
            if ship.symbol == leg.ship or ship.cargo_capacity < leg.quantity:
                continue
            mine = _path(view, ship.waypoint, (market,), ship.speed if timed else 0)
            if mine is not None and mine < owner:
                options.append((owner - mine, ship.symbol, leg.id, leg, ship))
    chosen: list[tuple[LegSpec, ShipState, float]] = []
    taken_legs: set[str] = set()
    taken_ships: set[str] = set()
    for saving, _, _, leg, ship in sorted(options, key=lambda o: (-o[0], o[1], o[2])):
        if leg.id in taken_legs or ship.symbol in taken_ships:
            continue
        taken_legs.add(leg.id)
        taken_ships.add(ship.symbol)
        chosen.append((leg, ship, saving))
    return chosen
