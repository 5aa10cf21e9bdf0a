"""The first-cut schedulers: one rule per test, times checked against the travel formula by hand."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from plancc.model import CargoItem, Leg, Market, Policy, Ship, Task, Waypoint
from plancc.schedule import ScheduleError, schedule, verify
from plancc.schedule.problem import build_problem

POLICY = Policy(dock_seconds=5, flight_mode="CRUISE")
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def wp(symbol: str, x: int, y: int, market: bool = True) -> Waypoint:
    return Waypoint(symbol, "X1", "PLANET", x, y, ("MARKETPLACE",) if market else ())


def ship(
    symbol: str,
    at: str,
    *,
    speed: int = 10,
    cargo: int = 40,
    fuel: int = 400,
    held: int = 0,
    status: str = "DOCKED",
    arrival: datetime | None = None,
) -> Ship:
    items = (CargoItem("IRON", held),) if held else ()
    return Ship(
        symbol,
        "HAULER",
        "FRAME",
        speed,
        cargo,
        items,
        fuel,
        fuel,
        at,
        "X1",
        status,
        "CRUISE",
        arrival,
    )  # type: ignore[arg-type]


def leg(
    name: str,
    load_at: str,
    unload_at: str,
    qty: int = 10,
    *,
    deps: tuple[str, ...] = (),
    lag: int = 0,
    load_type: str = "ACQUIRE",
    unload_type: str = "DELIVER",
) -> tuple[list[Task], Leg]:
    load = Task(f"{name}/load", load_type, "P", "GOOD", qty, load_at, deps, lag)  # type: ignore[arg-type]
    unload = Task(f"{name}/unload", unload_type, "P", "GOOD", qty, unload_at, (load.id,))  # type: ignore[arg-type]
    return [load, unload], Leg(name, load.id, unload.id, "GOOD", qty, "P")


def build(*specs: tuple[list[Task], Leg]) -> tuple[list[Task], list[Leg]]:
    tasks = [t for ts, _ in specs for t in ts]
    return tasks, [lg for _, lg in specs]


def by_leg(result) -> dict:
    return {sl.leg: sl for plan in result.ships for sl in plan.legs}


def run(tasks, legs, ships, wps, method="list", **kw):
    result = schedule(tasks, legs, ships, wps, POLICY, method=method, epoch=EPOCH, **kw)
    assert verify(tasks, legs, result, ships, wps, POLICY, epoch=EPOCH, **kw) == []
    return result


A, B, C = wp("A", 0, 0), wp("B", 30, 40), wp("C", 30, 0)


@pytest.mark.parametrize("method", ["list", "greedy"])
def test_single_leg_times_follow_the_travel_formula(method):
    tasks, legs = build(leg("L", "B", "C"))
    result = run(tasks, legs, [ship("S", "A", speed=10)], [A, B, C], method)
    sl = by_leg(result)["L"]
    # A->B: d=50, round(50*25/10 + 15) = 140; B->C: d=40, round(40*25/10 + 15) = 115; dock 5.
    assert (sl.start_s, sl.load_s, sl.unload_s, sl.end_s) == (0, 140, 140 + 5 + 115, 265)
    assert result.makespan_s == 265
    assert result.status == "HEURISTIC" and result.scheduler == method


def test_collect_waits_for_every_delivery_into_its_factory_plus_lag():
    d1 = leg("D1", "A", "C")
    d2 = leg("D2", "B", "C")
    collect = leg(
        "K",
        "C",
        "A",
        deps=(d1[1].unload, d2[1].unload),
        lag=600,
        load_type="COLLECT",
        unload_type="SELL",
    )
    tasks, legs = build(d1, d2, collect)
    result = run(tasks, legs, [ship("S1", "A"), ship("S2", "B"), ship("S3", "C")], [A, B, C])
    got = by_leg(result)
    last_delivery = max(got["D1"].end_s, got["D2"].end_s)
    assert got["K"].load_s == last_delivery + 600


def test_two_ships_share_two_independent_legs():
    tasks, legs = build(leg("L1", "A", "C"), leg("L2", "B", "C"))
    result = run(tasks, legs, [ship("S1", "A"), ship("S2", "B")], [A, B, C])
    got = by_leg(result)
    assert {got["L1"].ship, got["L2"].ship} == {"S1", "S2"}
    assert got["L1"].start_s == got["L2"].start_s == 0


@pytest.mark.parametrize("method", ["list", "greedy"])
def test_leg_too_big_for_a_ships_hold_goes_to_a_bigger_ship(method):
    tasks, legs = build(leg("L", "B", "C", qty=30))
    ships = [ship("SMALL", "B", cargo=20), ship("BIG", "A", cargo=40)]
    assert by_leg(run(tasks, legs, ships, [A, B, C], method))["L"].ship == "BIG"


def test_cargo_already_held_leaves_less_room():
    tasks, legs = build(leg("L", "B", "C", qty=30))
    ships = [ship("FULLISH", "B", cargo=40, held=20), ship("EMPTY", "A", cargo=40)]
    assert by_leg(run(tasks, legs, ships, [A, B, C]))["L"].ship == "EMPTY"


@pytest.mark.parametrize("method", ["list", "greedy"])
def test_probe_gets_no_legs(method):
    tasks, legs = build(leg("L", "B", "C"))
    ships = [ship("PROBE", "B", cargo=0, fuel=0), ship("HAULER", "A")]
    result = run(tasks, legs, ships, [A, B, C], method)
    assert {p.ship: len(p.legs) for p in result.ships} == {"HAULER": 1, "PROBE": 0}


@pytest.mark.parametrize("method", ["list", "greedy"])
def test_fuel_infeasible_hop_is_avoided(method):
    # B->C is 40 units of fuel in CRUISE: the 30-unit tank cannot fly it, the 100-unit one can.
    tasks, legs = build(leg("L", "B", "C"))
    ships = [ship("SMALLTANK", "B", fuel=30), ship("BIGTANK", "A", fuel=100)]
    assert by_leg(run(tasks, legs, ships, [A, B, C], method))["L"].ship == "BIGTANK"


def test_leg_no_ship_can_fuel_is_reported_with_its_dependents():
    first = leg("L", "B", "C")
    after = leg("M", "C", "A", deps=(first[1].unload,))
    tasks, legs = build(first, after)
    result = run(tasks, legs, [ship("S", "B", fuel=30)], [A, B, C])
    reasons = {u.leg: u.reason for u in result.unscheduled}
    assert "fuel" in reasons["L"] and "L" in reasons["M"]
    assert result.status == "PARTIAL"


def test_ship_without_fuel_market_on_route_runs_dry():
    # No market sells FUEL: a 60-unit tank flies A->B (50) but not on to C (40 more).
    tasks, legs = build(leg("L", "B", "C"))
    result = run(tasks, legs, [ship("S", "A", fuel=60)], [A, B, C], markets=[Market("A")])
    assert [u.leg for u in result.unscheduled] == ["L"]


def test_list_beats_greedys_nearest_ship_when_the_nearest_is_slow():
    far = wp("FAR", 0, 300)
    tasks, legs = build(leg("L", "B", "FAR"))
    # SLOW sits at the load market; FAST is 50 away but three times quicker on the long haul.
    ships = [ship("SLOW", "B", speed=3), ship("FAST", "A", speed=30)]
    greedy = run(tasks, legs, ships, [A, B, far], "greedy")
    listed = run(tasks, legs, ships, [A, B, far], "list")
    assert by_leg(greedy)["L"].ship == "SLOW" and by_leg(listed)["L"].ship == "FAST"
    assert listed.makespan_s < greedy.makespan_s


def test_in_transit_ship_starts_at_its_destination_on_arrival():
    tasks, legs = build(leg("L", "B", "C"))
    moving = ship("S", "B", status="IN_TRANSIT", arrival=EPOCH + timedelta(seconds=100))
    sl = by_leg(run(tasks, legs, [moving], [A, B, C]))["L"]
    assert (sl.start_s, sl.load_s) == (100, 100)


def test_in_transit_ship_needs_the_epoch():
    tasks, legs = build(leg("L", "B", "C"))
    moving = ship("S", "B", status="IN_TRANSIT", arrival=EPOCH)
    with pytest.raises(ScheduleError, match="epoch"):
        schedule(tasks, legs, [moving], [A, B, C], POLICY)


def test_bound_equals_makespan_when_the_only_ship_waits_at_the_load_market():
    tasks, legs = build(leg("L", "B", "C"))
    result = run(tasks, legs, [ship("S", "B")], [A, B, C])
    assert result.bound_s == result.makespan_s == 5 + 115 + 5


def test_no_legs_is_an_empty_schedule():
    result = run([], [], [ship("S", "A")], [A, B, C])
    assert (result.status, result.makespan_s, result.bound_s) == ("EMPTY", 0, 0)


def test_ship_order_in_the_input_does_not_change_the_schedule():
    tasks, legs = build(leg("L1", "A", "C"), leg("L2", "B", "C"), leg("L3", "C", "B"))
    ships = [ship("S1", "A"), ship("S2", "B", speed=20), ship("S3", "C")]
    assert run(tasks, legs, ships, [A, B, C]) == run(tasks, legs, ships[::-1], [C, A, B])


def test_unknown_dependency_is_refused():
    (load, unload), lg = leg("L", "B", "C", deps=("nope",))
    with pytest.raises(ScheduleError, match="nope"):
        schedule([load, unload], [lg], [ship("S", "A")], [A, B, C], POLICY)


def test_legs_waiting_on_each_other_in_a_cycle_are_refused():
    (l1, u1), g1 = leg("L1", "A", "B", deps=("L2/unload",))
    (l2, u2), g2 = leg("L2", "B", "C", deps=("L1/unload",))
    with pytest.raises(ScheduleError, match="cycle"):
        schedule([l1, u1, l2, u2], [g1, g2], [ship("S", "A")], [A, B, C], POLICY)


def test_unknown_method_is_refused():
    with pytest.raises(ScheduleError, match="scheduler"):
        schedule([], [], [], [], POLICY, method="magic")


def _shift(result, leg_id: str, **changes):
    ships = tuple(
        dataclasses.replace(
            p,
            legs=tuple(
                dataclasses.replace(sl, **changes) if sl.leg == leg_id else sl for sl in p.legs
            ),
        )
        for p in result.ships
    )
    return dataclasses.replace(result, ships=ships)


def test_verify_reports_a_load_before_the_ship_can_arrive():
    tasks, legs = build(leg("L", "B", "C"))
    ships = [ship("S", "A")]
    bad = _shift(run(tasks, legs, ships, [A, B, C]), "L", load_s=10)
    assert any("cannot reach B" in v for v in verify(tasks, legs, bad, ships, [A, B, C], POLICY))


def test_verify_reports_a_collect_that_does_not_wait_for_its_lag():
    d = leg("D", "A", "C")
    k = leg("K", "C", "A", deps=(d[1].unload,), lag=600, load_type="COLLECT", unload_type="SELL")
    tasks, legs = build(d, k)
    ships = [ship("S1", "A"), ship("S2", "C")]
    good = run(tasks, legs, ships, [A, B, C])
    sl = by_leg(good)["K"]
    bad = _shift(good, "K", load_s=sl.load_s - 1, unload_s=sl.unload_s - 1, end_s=sl.end_s - 1)
    assert any(
        "K/load" in v and "lag 600" in v for v in verify(tasks, legs, bad, ships, [A, B, C], POLICY)
    )


def test_verify_reports_overlapping_legs_on_one_ship():
    tasks, legs = build(leg("L1", "A", "C"), leg("L2", "C", "B"))
    ships = [ship("S", "A")]
    good = run(tasks, legs, ships, [A, B, C])
    bad = _shift(good, "L2", start_s=0)
    assert any(
        "before the ship is free" in v for v in verify(tasks, legs, bad, ships, [A, B, C], POLICY)
    )


def test_verify_reports_a_leg_missing_from_the_result():
    tasks, legs = build(leg("L", "B", "C"))
    ships = [ship("S", "A")]
    good = run(tasks, legs, ships, [A, B, C])
    empty = dataclasses.replace(
        good, ships=tuple(dataclasses.replace(p, legs=()) for p in good.ships)
    )
    assert any(
        "neither scheduled" in v for v in verify(tasks, legs, empty, ships, [A, B, C], POLICY)
    )


def test_ship_stops_to_refuel_when_the_direct_hop_exceeds_its_tank():
    # D is 80 from A; the 50-unit tank cannot fly it direct, so the ship refuels at M (40, 0).
    far, mid = wp("D", 80, 0), wp("M", 40, 0)
    tasks, legs = build(leg("L", "D", "A"))
    result = run(tasks, legs, [ship("S", "A", speed=10, fuel=50)], [A, far, mid])
    sl = by_leg(result)["L"]
    hop = round(40 * 25 / 10 + 15)  # 115 s for each 40-unit hop
    assert sl.load_s - sl.start_s == hop + 5 + hop  # fly, refuel stop (dock), fly
    assert sl.unload_s - sl.load_s == 5 + hop + 5 + hop  # trade, then the same two hops back


def test_the_refuel_stops_are_there_for_the_runner_to_fly():
    far, mid = wp("D", 80, 0), wp("M", 40, 0)
    tasks, legs = build(leg("L", "D", "A"))
    problem = build_problem(tasks, legs, [ship("S", "A", fuel=50)], [A, far, mid], POLICY)
    assert problem.stops("S", "A", "D", 50) == ("M", "D")
    assert problem.stops("S", "A", "M", 50) == ("M",)


@pytest.mark.parametrize("method", ["list", "greedy"])
def test_each_scheduled_leg_records_the_refuel_stops_its_timing_assumes(method):
    far, mid = wp("D", 80, 0), wp("M", 40, 0)
    tasks, legs = build(leg("L", "D", "A"))
    ships = [ship("S", "A", speed=10, fuel=50)]
    sl = by_leg(run(tasks, legs, ships, [A, far, mid], method=method))["L"]
    assert (sl.refuel_to_load, sl.refuel_to_unload) == (("M",), ("M",))


def test_verify_reports_refuel_stops_that_differ_from_the_route_flown():
    far, mid = wp("D", 80, 0), wp("M", 40, 0)
    tasks, legs = build(leg("L", "D", "A"))
    ships = [ship("S", "A", speed=10, fuel=50)]
    good = run(tasks, legs, ships, [A, far, mid])
    assert verify(tasks, legs, good, ships, [A, far, mid], POLICY) == []
    bad = _shift(good, "L", refuel_to_load=())
    assert any(
        "refuel stops to the load market" in v
        for v in verify(tasks, legs, bad, ships, [A, far, mid], POLICY)
    )


def test_ship_leaving_a_market_without_fuel_uses_what_is_left_in_its_tank():
    # Only M sells FUEL, 40 from A: a ship with 50 units in its tank gets there, one with 30 does not.
    far, mid = wp("D", 80, 0), wp("M", 40, 0)
    tasks, legs = build(leg("L", "M", "D"))
    fuel_market = [Market("M", exchange=("FUEL",))]
    ok = run(tasks, legs, [ship("S", "A", fuel=50)], [A, far, mid], markets=fuel_market)
    assert ok.status == "HEURISTIC"
    low = dataclasses.replace(ship("S", "A", fuel=50), fuel_current=30)
    dry = run(tasks, legs, [low], [A, far, mid], markets=fuel_market)
    assert [u.leg for u in dry.unscheduled] == ["L"]


BURN = dataclasses.replace(POLICY, flight_mode="BURN")


def test_a_burn_hop_the_tank_cannot_take_is_flown_in_cruise_and_the_rest_in_burn():
    # A->B is 60 units: BURN needs 120 fuel, more than the 80-unit tank; CRUISE needs 60.
    # B->C is 40 units: BURN's 80 fits (B sells fuel, so the ship leaves B full).
    a, b, c = wp("A", 0, 0), wp("B", 60, 0), wp("C", 60, 40)
    tasks, legs = build(leg("L", "B", "C"))
    ships = [ship("S", "A", speed=10, fuel=80)]
    result = schedule(tasks, legs, ships, [a, b, c], BURN, method="list", epoch=EPOCH)
    assert verify(tasks, legs, result, ships, [a, b, c], BURN, epoch=EPOCH) == []
    sl = by_leg(result)["L"]
    assert (sl.modes_to_load, sl.modes_to_unload) == (("CRUISE",), ("BURN",))
    # A->B in CRUISE: round(60*25/10 + 15) = 165; B->C in BURN: round(40*12.5/10 + 15) = 65
    assert (sl.load_s, sl.unload_s) == (165, 165 + 5 + 65)


def test_a_cruise_policy_never_falls_back_to_drift_per_hop():
    tasks, legs = build(leg("L", "B", "C"))
    ships = [ship("S", "A", speed=10, fuel=30)]  # 50 fuel to reach B: CRUISE cannot
    result = schedule(tasks, legs, ships, [A, B, C], POLICY, method="list", epoch=EPOCH)
    assert [u.leg for u in result.unscheduled] == ["L"]
