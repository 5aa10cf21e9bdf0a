"""Refuelling: at a planned refuel stop always; at any other fuel market only when the fuel
aboard is short of the planned hops up to the next place the ship can refuel (a planned stop
or a market known to sell fuel), plus a margin. Hop fuel comes from the waypoints'
coordinates (read once per system) and ``plancc.travel``; the plan's compiler assumes a full
tank leaving every fuel market, so the hops it planned up to the next one always fit a tank.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

from test_runner_decide import LOAD, POLICY, UNLOAD, only, quote, world

from runner.model import ShipState, TaskState, View
from tests.runner_world import RunnerWorld

# MKT-X (where the ship is, sells fuel) -> MKT-A (load) -> MKT-B (unload): 100 fuel a hop
COORDS = {"MKT-X": (0, 0), "MKT-A": (100, 0), "MKT-B": (200, 0), "MKT-S": (50, 0)}
FUEL_X = quote("MKT-X", "FUEL", purchase=70, type_="EXCHANGE")
FUEL_A = quote("MKT-A", "FUEL", purchase=70, type_="EXCHANGE")
MARGIN = math.ceil(POLICY.refuel_margin * 400)


def docked_at_x(fuel: int) -> ShipState:
    return ShipState("S-1", "MKT-X", "DOCKED", fuel=fuel, fuel_capacity=400, cargo_capacity=40)


def _with_via(view: View, via: tuple[str, ...]) -> View:
    return replace(view, legs=tuple(replace(leg, via_to_load=via) for leg in view.legs))


def test_fuel_for_the_hops_to_the_next_fuel_market_is_enough_no_refuel() -> None:
    # X -> A is 100; A sells fuel, so the ship can top up there if it needs to
    view = replace(world(ship=docked_at_x(100 + MARGIN), quotes=(FUEL_X, FUEL_A)), coords=COORDS)
    assert only(view).kind == "ORBIT"


def test_fuel_short_of_those_hops_plus_the_margin_refuels() -> None:
    view = replace(world(ship=docked_at_x(99 + MARGIN), quotes=(FUEL_X, FUEL_A)), coords=COORDS)
    assert only(view).kind == "REFUEL"


def test_a_market_whose_trade_lists_name_fuel_is_a_refuel_point_before_any_price_is_read() -> None:
    # A's FUEL price was never read, but the snapshot applied with the plan lists FUEL there
    unknown = replace(world(ship=docked_at_x(100 + MARGIN), quotes=(FUEL_X,)), coords=COORDS)
    assert only(unknown).kind == "REFUEL"  # as far as it knows, B is the end of its fuel
    listed = replace(unknown, fuel_markets=frozenset({"MKT-A"}))
    assert only(listed).kind == "ORBIT"


def test_a_ship_at_a_market_known_only_from_its_lists_refuels_there_when_short() -> None:
    ship = replace(docked_at_x(10), waypoint="MKT-S")  # S -> A is 50
    unknown = replace(world(ship=ship), coords=COORDS)
    assert only(unknown).kind != "REFUEL"
    listed = replace(unknown, fuel_markets=frozenset({"MKT-S"}))
    assert only(listed).kind == "REFUEL"


def test_past_a_destination_that_sells_no_fuel_the_plans_next_hops_count_too() -> None:
    # A sells no fuel, B does: the ship leaves A with what it has, so X -> A -> B must fit now
    fuel_b = quote("MKT-B", "FUEL", purchase=70, type_="EXCHANGE")
    short = replace(world(ship=docked_at_x(150), quotes=(FUEL_X, fuel_b)), coords=COORDS)
    assert only(short).kind == "REFUEL"
    enough = replace(world(ship=docked_at_x(200 + MARGIN), quotes=(FUEL_X, fuel_b)), coords=COORDS)
    assert only(enough).kind == "ORBIT"


def test_a_plan_ending_away_from_fuel_leaves_its_last_fuel_market_with_a_full_tank() -> None:
    # the plan ends at B, which sells no fuel: the next plan starts the ship from there
    view = replace(world(ship=docked_at_x(399), quotes=(FUEL_X,)), coords=COORDS)
    assert only(view).kind == "REFUEL"


def test_a_planned_refuel_stop_always_refuels_even_with_fuel_to_spare() -> None:
    ship = replace(docked_at_x(390), waypoint="MKT-S")
    view = _with_via(replace(world(ship=ship), coords=COORDS), ("MKT-S",))
    assert only(view).kind == "REFUEL"


def test_without_coordinates_the_old_rule_applies_refuel_below_a_fraction() -> None:
    below = world(ship=docked_at_x(int(POLICY.refuel_below * 400) - 1), quotes=(FUEL_X,))
    assert only(below).kind == "REFUEL"
    above = world(ship=docked_at_x(int(POLICY.refuel_below * 400) + 1), quotes=(FUEL_X,))
    assert only(above).kind == "ORBIT"


def test_a_state_that_never_read_the_waypoints_reads_them_before_deciding_a_refuel() -> None:
    view = replace(world(ship=docked_at_x(300), quotes=(FUEL_X,)), coords_unread=True)
    a = only(view)
    assert (a.kind, a.market) == ("READ_WAYPOINTS", "MKT-X")
    full = replace(view, ships={"S-1": docked_at_x(400)})
    assert only(full).kind == "ORBIT"  # a full tank needs no decision, so no read


def test_a_hop_longer_than_the_fuel_aboard_drifts_at_once_rather_than_be_refused() -> None:
    # at A (no fuel sold) with 50 fuel, bound for B 100 away: the server would answer 4203
    ship = ShipState(
        "S-1", "MKT-A", "IN_ORBIT", fuel=50, fuel_capacity=400, cargo_capacity=40,
        cargo={"IRON": 40},
    )  # fmt: skip
    view = replace(
        world(
            ship=ship,
            load=TaskState(LOAD, "COMPLETED", "S-1", done_units=40),
            unload=TaskState(UNLOAD, "ACTIVE", "S-1"),
        ),
        coords=COORDS,
    )
    a = only(view)
    assert (a.kind, a.mode) == ("FLIGHT_MODE", "DRIFT")
    assert only(replace(view, ships={"S-1": replace(ship, fuel=100)})).kind == "NAVIGATE"


def test_a_refused_navigation_still_refuels_then_drifts_whatever_the_coordinates_say() -> None:
    ship = replace(docked_at_x(300), fuel_fails=1)
    view = replace(world(ship=ship, quotes=(FUEL_X, FUEL_A)), coords=COORDS)
    assert only(view).kind == "REFUEL"
    drifting = replace(view, ships={"S-1": replace(ship, status="IN_ORBIT", fuel=400)})
    a = only(drifting)
    assert (a.kind, a.mode) == ("FLIGHT_MODE", "DRIFT")


def test_on_the_twin_no_ship_is_ever_refused_for_fuel_and_refuels_only_when_short(
    tmp_path: Path,
) -> None:
    world_ = RunnerWorld.build(tmp_path, seed=1, haulers=5)
    world_.run_until_done()
    store = world_.store()
    assert store.coords()  # read once, kept
    refused = store.conn.execute(
        "SELECT COUNT(*) FROM events WHERE message LIKE '%4203%'"
    ).fetchone()[0]
    assert refused == 0
    world_.check()
