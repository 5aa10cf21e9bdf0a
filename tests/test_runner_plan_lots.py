"""The runner executes a format-2 plan's own figures: its lots, its price limits, its hop modes."""

from __future__ import annotations

from dataclasses import replace

from test_runner_decide import LOAD, NOW, UNLOAD, only, quote, world

from runner.model import ShipState, TaskState
from runner.planview import TaskSpec

LOTS = replace(LOAD, lots=(6, 6, 6, 6, 6, 6, 4), limit_price=105)


def test_buy_takes_the_plans_lot_not_the_whole_trade_volume() -> None:
    a = only(world(load_spec=LOTS, quotes=(quote("MKT-A", tv=20, purchase=100),)))
    assert (a.kind, a.units) == ("BUY", 6)


def test_buy_finishes_a_lot_left_part_done_before_starting_the_next() -> None:
    load = TaskState(LOTS, "ACTIVE", "S-1", done_units=8)
    ship = ShipState("S-1", "MKT-A", "DOCKED", cargo_capacity=40, cargo={"IRON": 8}, quote_ok=True)
    a = only(world(ship=ship, load=load, quotes=(quote("MKT-A", tv=20),)))
    assert (a.kind, a.units) == ("BUY", 4)


def test_buy_stops_at_the_plans_ceiling() -> None:
    assert only(world(load_spec=LOTS, quotes=(quote("MKT-A", purchase=106),))).kind == "STALL"
    a = only(world(load_spec=LOTS, quotes=(quote("MKT-A", purchase=105),)))
    assert (a.kind, a.price) == ("BUY", 105)


def test_sale_takes_the_plans_lot_and_stops_at_its_floor() -> None:
    unload_spec: TaskSpec = replace(UNLOAD, lots=(15, 15, 10), limit_price=190)
    ship = ShipState("S-1", "MKT-B", "DOCKED", cargo_capacity=40, cargo={"IRON": 40}, quote_ok=True)
    load = TaskState(LOAD, "COMPLETED", "S-1", done_units=40, completed_at=NOW - 100)
    unload = TaskState(unload_spec, "ACTIVE", "S-1")
    low = quote("MKT-B", sell=189, type_="IMPORT", tv=20)
    assert only(world(ship=ship, load=load, unload=unload, quotes=(low,))).kind == "STALL"
    ok = quote("MKT-B", sell=190, type_="IMPORT", tv=20)
    a = only(world(ship=ship, load=load, unload=unload, quotes=(ok,)))
    assert (a.kind, a.units) == ("SELL", 15)


def test_each_hop_is_flown_in_the_plans_mode() -> None:
    view = world(ship=ShipState("S-1", "MKT-X", "IN_ORBIT", fuel=400, fuel_capacity=400))
    leg = replace(view.legs[0], via_to_load=("MKT-S",), modes_to_load=("CRUISE", "BURN"))
    first = only(replace(view, legs=(leg,)))
    assert (first.kind, first.market, first.mode) == ("NAVIGATE", "MKT-S", "CRUISE")
    at_stop = ShipState("S-1", "MKT-S", "IN_ORBIT", fuel=400, fuel_capacity=400)
    view = world(ship=at_stop)
    second = only(replace(view, legs=(leg,)))
    assert (second.kind, second.mode) == ("FLIGHT_MODE", "BURN")


def test_the_runner_reads_lots_limits_and_hop_modes_from_the_example_plan() -> None:
    from conftest import REPO

    from runner.planview import read_plan

    view = read_plan(REPO / "plans" / "example.yaml")
    assert all(sum(t.lots) == t.quantity and t.limit_price > 0 for t in view.tasks)
    assert all(len(leg.modes_to_load) == len(leg.via_to_load) + 1 for leg in view.legs)
