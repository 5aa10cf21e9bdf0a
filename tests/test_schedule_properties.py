"""Property tests: random task DAGs, legs, ships and waypoints; every schedule keeps every rule.

The rules are re-checked here from the tasks and the travel formula directly, not only through
``verify`` (which shares the problem tables with the schedulers).
"""

from __future__ import annotations

import heapq
import random
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from plancc.model import Leg, Market, Policy, Ship, Task, Waypoint
from plancc.schedule import build_problem, schedule, verify
from plancc.schedule.problem import Problem
from plancc.travel import distance, fuel_cost, travel_seconds

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
METHODS = ("list", "greedy")


@st.composite
def instances(draw: st.DrawFn) -> dict:
    n_wp = draw(st.integers(2, 6))
    waypoints = [
        Waypoint(
            f"W{i}",
            "X1",
            "PLANET",
            draw(st.integers(-150, 150)),
            draw(st.integers(-150, 150)),
            ("MARKETPLACE",),
        )
        for i in range(n_wp)
    ]
    symbols = [w.symbol for w in waypoints]
    fuel_sellers = draw(
        st.none() | st.lists(st.sampled_from(symbols), unique=True, max_size=n_wp - 1)
    )
    markets = (
        None
        if fuel_sellers is None
        else [Market(s, exchange=("FUEL",)) for s in sorted(fuel_sellers)]
    )

    ships = []
    for i in range(draw(st.integers(1, 4))):
        cap = draw(st.sampled_from([0, 10, 20, 40, 80]))
        fuel_cap = draw(st.sampled_from([0, 100, 200, 400]))
        in_transit = draw(st.booleans())
        ships.append(
            Ship(
                symbol=f"S{i}",
                role="HAULER",
                frame="F",
                engine_speed=draw(st.integers(1, 40)),
                cargo_capacity=cap,
                cargo=(),
                fuel_current=draw(st.sampled_from([0, 20, fuel_cap // 4, fuel_cap]))
                if fuel_cap
                else 0,
                fuel_capacity=fuel_cap,
                waypoint=draw(st.sampled_from(symbols)),
                system="X1",
                status="IN_TRANSIT" if in_transit else "DOCKED",
                arrival=EPOCH + timedelta(seconds=draw(st.integers(-50, 400)))
                if in_transit
                else None,
            )
        )

    tasks: list[Task] = []
    legs: list[Leg] = []
    for i in range(draw(st.integers(0, 8))):
        earlier = [t.id for t in tasks]
        deps = (
            tuple(draw(st.lists(st.sampled_from(earlier), unique=True, max_size=3)))
            if earlier
            else ()
        )
        qty = draw(st.integers(1, 50))
        load = Task(
            f"T{i}/load",
            "COLLECT" if deps else "ACQUIRE",
            "P",
            "G",
            qty,
            draw(st.sampled_from(symbols)),
            deps,
            draw(st.sampled_from([0, 0, 60, 600])),
        )
        unload = Task(
            f"T{i}/unload",
            "DELIVER",
            "P",
            "G",
            qty,
            draw(st.sampled_from(symbols)),
            (load.id,),
            draw(st.sampled_from([0, 0, 300])),
        )
        tasks += [load, unload]
        legs.append(Leg(f"L{i}", load.id, unload.id, "G", qty, "P"))
    policy = Policy(
        dock_seconds=draw(st.integers(0, 30)),
        flight_mode=draw(st.sampled_from(["CRUISE", "BURN", "DRIFT"])),
    )
    return {
        "tasks": tasks,
        "legs": legs,
        "ships": ships,
        "waypoints": waypoints,
        "policy": policy,
        "markets": markets,
    }


def built(inst: dict) -> Problem:
    """The scheduling problem of an instance, as the schedulers see it."""
    return build_problem(
        inst["tasks"],
        inst["legs"],
        inst["ships"],
        inst["waypoints"],
        inst["policy"],
        markets=inst["markets"],
        epoch=EPOCH,
    )


def run(inst: dict, method: str):
    return schedule(
        inst["tasks"],
        inst["legs"],
        inst["ships"],
        inst["waypoints"],
        inst["policy"],
        method=method,
        markets=inst["markets"],
        epoch=EPOCH,
    )


def independent_violations(inst: dict, result) -> list[str]:
    """The rules, straight from the model objects and plancc.travel (own route search).

    Flight times are checked against the fastest route a ship could fly, hop by hop with the
    travel formula, refuelling only at FUEL markets. Where the fuel on board is not known
    exactly (after arriving at a market without FUEL) a full tank is assumed, so the check
    there is a weaker, still necessary condition.
    """
    out = []
    policy: Policy = inst["policy"]
    dock = policy.dock_seconds
    wp = {w.symbol: w for w in inst["waypoints"]}
    task = {t.id: t for t in inst["tasks"]}
    leg = {lg.id: lg for lg in inst["legs"]}
    ship = {s.symbol: s for s in inst["ships"]}
    refuel = set(wp) if inst["markets"] is None else {m.symbol for m in inst["markets"]}

    def hop(s: Ship, a: str, b: str) -> tuple[int, int]:
        """The policy's mode; a BURN hop whose fuel exceeds the tank is flown in CRUISE."""
        d = distance(wp[a].x, wp[a].y, wp[b].x, wp[b].y)
        mode = policy.flight_mode
        if mode == "BURN" and s.fuel_capacity and fuel_cost(d, mode) > s.fuel_capacity:
            mode = "CRUISE"
        return travel_seconds(d, s.engine_speed, mode), fuel_cost(d, mode)

    def fastest(s: Ship, a: str, b: str, tank: int) -> int | None:
        """Dijkstra: least seconds from a to b, stopping (dock) only at refuel points."""
        if a == b:
            return 0
        if s.fuel_capacity == 0:
            return hop(s, a, b)[0]
        best = {a: 0}
        heap = [(0, a)]
        while heap:
            t, u = heapq.heappop(heap)
            if u == b:
                return t
            if t > best[u]:
                continue
            have = s.fuel_capacity if u in refuel else tank
            for v in wp:
                if v == u or (v != b and v not in refuel):
                    continue
                secs, cost = hop(s, u, v)
                if cost > have:
                    continue
                nt = t + secs + (dock if v != b else 0)
                if nt < best.get(v, nt + 1):
                    best[v] = nt
                    heapq.heappush(heap, (nt, v))
        return None

    start: dict[str, int] = {}
    end: dict[str, int] = {}
    for plan in result.ships:
        s = ship[plan.ship]
        free = 0
        if s.status == "IN_TRANSIT" and s.arrival is not None:
            free = max(0, int((s.arrival - EPOCH).total_seconds()))
        pos, tank = s.waypoint, s.fuel_current
        for sl in plan.legs:
            lg = leg[sl.leg]
            load, unload = task[lg.load], task[lg.unload]
            if lg.quantity > s.cargo_capacity - s.cargo_units:
                out.append(f"{sl.leg}: capacity")
            t1 = fastest(s, pos, load.market, tank)
            t2 = fastest(s, load.market, unload.market, s.fuel_capacity)
            if t1 is None or t2 is None:
                out.append(f"{sl.leg}: no route with the fuel on board")
            elif not (
                free <= sl.start_s
                and sl.start_s + t1 <= sl.load_s
                and sl.load_s + dock + t2 <= sl.unload_s
            ):
                out.append(f"{sl.leg}: times")
            if sl.end_s != sl.unload_s + dock:
                out.append(f"{sl.leg}: end")
            start[load.id], end[load.id] = sl.load_s, sl.load_s + dock
            start[unload.id], end[unload.id] = sl.unload_s, sl.end_s
            free, pos, tank = sl.end_s, unload.market, s.fuel_capacity
    for tid, t0 in start.items():
        t = task[tid]
        for dep in t.depends_on:
            if dep not in end:
                out.append(f"{tid}: dependency {dep} unscheduled")
            elif t0 < end[dep] + t.lag_s:
                out.append(f"{tid}: precedence")
    ends = [sl.end_s for p in result.ships for sl in p.legs]
    if result.makespan_s != max(ends, default=0):
        out.append("makespan")
    return out


PROPS = settings(max_examples=60, deadline=None)


@PROPS
@given(instances())
def test_every_schedule_keeps_precedence_capacity_exclusivity_travel_and_fuel(inst):
    for method in METHODS:
        result = run(inst, method)
        assert independent_violations(inst, result) == [], method
        assert (
            verify(
                inst["tasks"],
                inst["legs"],
                result,
                inst["ships"],
                inst["waypoints"],
                inst["policy"],
                markets=inst["markets"],
                epoch=EPOCH,
            )
            == []
        ), method


@PROPS
@given(instances())
def test_every_leg_is_placed_or_reported_with_a_reason(inst):
    for method in METHODS:
        result = run(inst, method)
        placed = [sl.leg for p in result.ships for sl in p.legs]
        reported = [u.leg for u in result.unscheduled]
        assert sorted(placed + reported) == sorted(lg.id for lg in inst["legs"])
        assert all(u.reason for u in result.unscheduled)


@PROPS
@given(instances())
def test_same_input_gives_the_same_schedule_whatever_the_ship_order(inst):
    shuffled = dict(inst, ships=random.Random(0).sample(inst["ships"], len(inst["ships"])))
    for method in METHODS:
        assert run(inst, method) == run(inst, method) == run(shuffled, method)


@PROPS
@given(instances())
def test_bound_never_exceeds_a_complete_schedules_makespan(inst):
    for method in METHODS:
        result = run(inst, method)
        if not result.unscheduled:
            assert 0 <= result.bound_s <= result.makespan_s


@PROPS
@given(instances())
def test_when_every_leg_fits_a_fuelless_ship_nothing_is_left_out(inst):
    ships = [s for s in inst["ships"] if s.status != "IN_TRANSIT"]
    fuelless = [
        Ship(
            s.symbol, s.role, s.frame, s.engine_speed, 80, (), 0, 0, s.waypoint, s.system, "DOCKED"
        )
        for s in ships
    ]
    if not fuelless:
        return
    for method in METHODS:
        result = run(dict(inst, ships=fuelless), method)
        assert result.unscheduled == ()
        assert result.status == ("EMPTY" if not inst["legs"] else "HEURISTIC")


@PROPS
@given(instances(), st.integers(1, 40))
def test_bound_holds_when_one_ship_must_fly_every_leg(inst, speed):
    # One ship makes the work bound (inbound flights + trades + hauls) the binding one.
    lone = Ship(
        "S0", "HAULER", "F", speed, 80, (), 0, 0, inst["waypoints"][0].symbol, "X1", "DOCKED"
    )
    for method in METHODS:
        result = run(dict(inst, ships=[lone]), method)
        assert result.unscheduled == ()
        assert result.bound_s <= result.makespan_s
