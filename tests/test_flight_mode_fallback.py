"""The flight mode a plan flies (issue 8): the policy's mode on every hop its tank allows, CRUISE
on a BURN plan's hops the tank cannot burn across, and a whole plan one mode slower only where
the policy's mode flies nothing. Before hop modes, a BURN policy gave an empty plan on X1-AD75:
BURN needs twice the fuel per hop, and the recorded frigate (400 fuel) could not burn its way
out of the first market."""

from __future__ import annotations

import dataclasses

from chainworld import World, book
from planhops import hops
from recorded import INPUTS, recorded

from plancc.compile import compile_plan
from plancc.model import Plan, Snapshot
from plancc.travel import fuel_cost


def _plan(mode: str, snap: Snapshot | None = None) -> Plan:
    book, policy, as_recorded = recorded()
    return compile_plan(
        book,
        dataclasses.replace(policy, flight_mode=mode),
        snap or as_recorded,
        inputs=INPUTS,
        scheduler="list",
    )


def _modes(plan: Plan) -> set[str]:
    return {
        m for s in plan.ships for sl in s.legs for m in (*sl.modes_to_load, *sl.modes_to_unload)
    }


def _big_tanks(snap: Snapshot) -> Snapshot:
    ships = tuple(dataclasses.replace(s, fuel_capacity=4000, fuel_current=4000) for s in snap.ships)
    return dataclasses.replace(snap, ships=ships)


def test_a_burn_plan_flies_cruise_exactly_on_the_hops_its_tank_cannot_burn() -> None:
    """Per hop, not per plan: before, one hop out of reach in BURN made the whole plan CRUISE."""
    _, _, snap = recorded()
    plan = _plan("BURN")
    flown = hops(plan, snap)
    assert plan.pipelines and {m for _, _, m in flown} == {"BURN", "CRUISE"}
    for d, tank, mode in flown:
        burn_fuel = fuel_cost(d, "BURN")
        assert (mode == "CRUISE") == (burn_fuel > tank), (burn_fuel, tank, mode)


def test_burn_is_flown_where_the_fuel_reaches() -> None:
    _, _, snap = recorded()
    plan = _plan("BURN", _big_tanks(snap))
    assert plan.pipelines and _modes(plan) == {"BURN"}
    assert plan.objective.makespan_s < _plan("CRUISE", _big_tanks(snap)).objective.makespan_s


def test_drift_is_not_chosen_while_cruise_flies_something() -> None:
    plan = _plan("CRUISE")
    assert plan.pipelines and "DRIFT" not in _modes(plan)


def test_a_slower_plan_that_does_not_earn_the_profit_floor_is_not_taken() -> None:
    """Markets 5,000+ units out: only DRIFT reaches them, in days; the plan stays empty."""
    w = World()
    w.at("A0", 0).at("X", 6000).at("F2", 6010).at("D2", 6020)
    w.sell("X", "RAW2", buy=100, supply="HIGH")
    w.factory("F2", "P2", buy=1000, inputs={"RAW2": 150})
    w.demand("D2", "P2", sell=2000)
    w.sell("A0", "FUEL", buy=70, kind="EXCHANGE")
    _, policy, _ = recorded()
    plan = compile_plan(
        book({"P2": ["RAW2"]}, {"RAW2"}),
        dataclasses.replace(policy, max_batches=1),
        w.snapshot(),
        inputs=INPUTS,
        scheduler="list",
    )
    assert not plan.pipelines and any("no ship can fly" in r.reason for r in plan.rejected)
