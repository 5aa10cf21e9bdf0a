"""Ships as they are (issue 8): which ships haul is policy, and legs are cut to the hold of the
ship that flies them, not to the smallest hold in the fleet.

The live case: four 15-unit mining drones beside a 40-unit frigate made every leg 15 units, so
the frigate flew a third full. Here the recorded X1-AD75 frigate gets four such drones.
"""

from __future__ import annotations

import dataclasses

from recorded import INPUTS, recorded

from plancc import fleet
from plancc.compile import compile_plan
from plancc.model import CargoItem, Plan, Policy, Ship, Snapshot


def _frigate(snap: Snapshot) -> Ship:
    return next(s for s in snap.ships if s.cargo_capacity == 40)


def _drone(like: Ship, n: int, role: str = "EXCAVATOR", hold: int = 15) -> Ship:
    return dataclasses.replace(like, symbol=f"DRONE-{n}", role=role, cargo_capacity=hold)


def _with_drones(snap: Snapshot, role: str = "EXCAVATOR") -> Snapshot:
    frigate = _frigate(snap)
    drones = tuple(_drone(frigate, n, role) for n in range(1, 5))
    return dataclasses.replace(snap, ships=(*snap.ships, *drones))


def _compile(snap: Snapshot, policy: Policy, progress=None) -> Plan:
    book, _, _ = recorded()
    return compile_plan(book, policy, snap, inputs=INPUTS, scheduler="list", progress=progress)


def _ships_with_legs(plan: Plan) -> set[str]:
    return {s.ship for s in plan.ships if s.legs}


def test_mining_drones_surveyors_and_probes_do_not_haul_by_default() -> None:
    _, policy, snap = recorded()
    frigate = _frigate(snap)
    ships = [
        frigate,
        _drone(frigate, 1, "EXCAVATOR"),
        _drone(frigate, 2, "SURVEYOR"),
        _drone(frigate, 3, "SATELLITE"),
        _drone(frigate, 4, "HAULER"),
    ]
    keep, out = fleet.haulers(ships, policy)
    assert [s.symbol for s in keep] == [frigate.symbol, "DRONE-4"]
    assert {o.ship: o.reason for o in out} == {
        "DRONE-1": "role EXCAVATOR does not haul (hauler_exclude_roles)",
        "DRONE-2": "role SURVEYOR does not haul (hauler_exclude_roles)",
        "DRONE-3": "role SATELLITE does not haul (hauler_exclude_roles)",
    }


def test_a_hold_below_the_policys_minimum_does_not_haul() -> None:
    _, policy, snap = recorded()
    frigate = _frigate(snap)
    small = _drone(frigate, 1, "HAULER", hold=15)
    keep, out = fleet.haulers([frigate, small], dataclasses.replace(policy, hauler_min_cargo=20))
    assert keep == (frigate,)
    assert out == (fleet.LeftOut("DRONE-1", "hold 15 < hauler_min_cargo 20"),)


def test_legs_are_cut_to_the_biggest_free_hold_among_the_haulers() -> None:
    _, _, snap = recorded()
    frigate = _frigate(snap)
    drone = _drone(frigate, 1, "HAULER")
    assert fleet.leg_hold([drone, frigate]) == 40
    half_full = dataclasses.replace(frigate, cargo=(CargoItem("IRON", 30),))
    assert fleet.leg_hold([drone, half_full]) == 15


def test_drones_beside_a_frigate_no_longer_shrink_its_legs() -> None:
    _, policy, snap = recorded()
    plan = _compile(_with_drones(snap), policy)
    assert plan.legs
    assert max(leg.quantity for leg in plan.legs) == 40
    assert _ships_with_legs(plan) == {_frigate(snap).symbol}


def test_with_drones_kept_off_cargo_work_the_plan_is_the_frigates_alone() -> None:
    _, policy, snap = recorded()
    alone = _compile(snap, policy)
    with_drones = _compile(_with_drones(snap), policy)
    assert with_drones.legs == alone.legs and with_drones.ships == alone.ships
    assert with_drones.objective.expected_profit == alone.objective.expected_profit


def test_drones_the_policy_lets_haul_fly_only_legs_that_fit_their_hold() -> None:
    _, policy, snap = recorded()
    plan = _compile(_with_drones(snap, role="HAULER"), policy)
    holds = {s.symbol: s.cargo_capacity for s in _with_drones(snap, role="HAULER").ships}
    quantity = {leg.id: leg.quantity for leg in plan.legs}
    assert {s.ship for s in plan.ships if s.legs} > {_frigate(snap).symbol}  # drones work too
    for ship in plan.ships:
        assert all(quantity[sl.leg] <= holds[ship.ship] for sl in ship.legs)


def test_the_compile_progress_names_the_ships_left_out_and_why() -> None:
    _, policy, snap = recorded()
    lines: list[tuple[str, str]] = []
    _compile(_with_drones(snap), policy, progress=lambda phase, d: lines.append((phase, d)))
    demand = dict(lines)["demand"]
    assert "not hauling: " in demand
    assert "DRONE-1 (role EXCAVATOR does not haul (hauler_exclude_roles))" in demand
