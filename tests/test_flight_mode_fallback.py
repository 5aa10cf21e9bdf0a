"""The flight mode a plan flies (issue 8): the policy's mode on every hop its tank allows, CRUISE
on a BURN plan's hops the tank cannot burn across, and a whole plan one mode slower only where
the policy's mode flies nothing. Before hop modes, a BURN policy gave an empty plan on X1-AD75:
BURN needs twice the fuel per hop, and the recorded frigate (400 fuel) could not burn its way
out of the first market."""

from __future__ import annotations

import dataclasses
import itertools

from chainworld import World, book
from recorded import INPUTS, recorded

from plancc.compile import compile_plan
from plancc.model import Plan, Snapshot
from plancc.travel import distance, fuel_cost


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
    hops = _hops(plan, snap)
    assert plan.pipelines and {m for _, _, m in hops} == {"BURN", "CRUISE"}
    for burn_fuel, tank, mode in hops:
        assert (mode == "CRUISE") == (burn_fuel > tank), (burn_fuel, tank, mode)


def _hops(plan: Plan, snap: Snapshot) -> list[tuple[int, int, str]]:
    """(fuel the hop needs in BURN, the ship's tank, the mode flown) for every hop of the plan."""
    wp = {w.symbol: w for w in snap.waypoints}
    market = {t.id: t.market for t in plan.tasks}
    legs = {lg.id: lg for lg in plan.legs}
    ships = {s.symbol: s for s in snap.ships}
    out = []
    for sp in plan.ships:
        pos, tank = ships[sp.ship].waypoint, ships[sp.ship].fuel_capacity
        for sl in sp.legs:
            load, unload = market[legs[sl.leg].load], market[legs[sl.leg].unload]
            for stops, modes in (
                ((pos, *sl.refuel_to_load, load), sl.modes_to_load),
                ((load, *sl.refuel_to_unload, unload), sl.modes_to_unload),
            ):
                for (a, b), mode in zip(itertools.pairwise(stops), modes, strict=True):
                    if a != b:
                        d = distance(wp[a].x, wp[a].y, wp[b].x, wp[b].y)
                        out.append((fuel_cost(d, "BURN"), tank, mode))
            pos = unload
    return out


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
