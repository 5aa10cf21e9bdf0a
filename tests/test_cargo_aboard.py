"""Cargo already aboard a hauler at compile time is part of the plan (issue 8): unloaded from
the ship that holds it, to a factory the plan feeds or at a sell market, instead of buying it
again; what no batch takes is sold on its own where it fetches the most."""

from __future__ import annotations

import dataclasses
from functools import cache

import pytest
import yaml
from chainworld import LASER_BOOK, LASER_RAW, World, book, wp

from plancc import schedule
from plancc.compile import compile_plan
from plancc.errors import InputError
from plancc.model import CargoItem, Plan, Policy, Snapshot
from plancc.planfile import dump_plan, parse_plan
from tests.recorded import INPUTS, recorded

AC = "ADVANCED_CIRCUITRY"
POLICY = Policy(max_batches=1)  # one batch of the one product: purchases compare one to one


def laser_world() -> World:
    """LASER_RIFLES made at A2 from DIAMONDS, PLATINUM and ADVANCED_CIRCUITRY, each bought at
    HIGH supply; A2 pays too little for circuitry to sell it there on its own."""
    w = World()
    w.sell("B7", "DIAMONDS", buy=90, supply="HIGH", tv=100)
    w.sell("B8", "PLATINUM", buy=200, supply="HIGH", tv=100)
    w.sell("E1", AC, buy=1200, supply="HIGH", tv=100)
    w.factory(
        "A2", "LASER_RIFLES", buy=15000, supply="MODERATE", tv=100,
        inputs={"DIAMONDS": 300, "PLATINUM": 500, AC: 1250},
    )  # fmt: skip
    w.demand("A1", "LASER_RIFLES", sell=31699, tv=100)
    return w


def aboard(snap: Snapshot, *cargo: tuple[str, int], ship: int = 0) -> Snapshot:
    """``snap`` with ``cargo`` (good, units) in the hold of its ``ship``-th ship."""
    ships = list(snap.ships)
    ships[ship] = dataclasses.replace(ships[ship], cargo=tuple(CargoItem(g, n) for g, n in cargo))
    return dataclasses.replace(snap, ships=tuple(ships))


def compiled(snap: Snapshot, policy: Policy = POLICY) -> Plan:
    return compile_plan(book(LASER_BOOK, LASER_RAW), policy, snap, inputs={}, scheduler="list")


def units(plan: Plan, task_type: str, good: str) -> int:
    return sum(t.quantity for t in plan.tasks if t.type == task_type and t.good == good)


def ship_of(plan: Plan, leg: str) -> str:
    return next(sp.ship for sp in plan.ships for sl in sp.legs if sl.leg == leg)


@cache
def without_and_with_30() -> tuple[Plan, Plan]:
    snap = laser_world().snapshot()
    return compiled(snap), compiled(aboard(snap, (AC, 30)))


def test_circuitry_aboard_is_delivered_to_the_factory_from_the_ship_that_holds_it():
    _, plan = without_and_with_30()
    (leg,) = [leg for leg in plan.legs if leg.ship]
    load, unload = plan.task(leg.load), plan.task(leg.unload)
    assert (leg.good, leg.quantity, leg.ship) == (AC, 30, "S-1")
    assert (load.type, load.unit_price, load.lots) == ("ABOARD", 0, ())
    assert (unload.type, unload.market) == ("DELIVER", wp("A2"))
    assert ship_of(plan, leg.id) == "S-1"


def test_the_plan_buys_30_fewer_circuitry_when_30_are_aboard():
    before, after = without_and_with_30()
    assert units(before, "ACQUIRE", AC) >= 30
    assert units(after, "ACQUIRE", AC) == units(before, "ACQUIRE", AC) - 30
    # the factory gets the same inputs and the product is the same
    assert units(after, "DELIVER", AC) == units(before, "DELIVER", AC)
    assert [(p.product, p.quantity) for p in after.pipelines] == [
        (p.product, p.quantity) for p in before.pipelines
    ]


def test_cargo_aboard_costs_the_plan_nothing():
    before, after = without_and_with_30()
    (circuitry,) = [c for c in after.pipelines[0].chain.children if c.good == AC]
    bought_at = next(c for c in before.pipelines[0].chain.children if c.good == AC).unit_price
    assert [(a.ship, a.units) for a in circuitry.aboard] == [("S-1", 30)]
    assert after.objective.expected_cost == before.objective.expected_cost - 30 * bought_at
    assert after.objective.expected_revenue == before.objective.expected_revenue


def test_an_input_the_plan_makes_is_made_only_for_what_is_not_aboard():
    w = laser_world()
    w.rows[wp("E1")] = []  # no one sells circuitry at HIGH supply: it is made at D1
    w.sell("C1", "ELECTRONICS", buy=300, supply="HIGH", tv=100)
    w.sell("C2", "MICROPROCESSORS", buy=400, supply="HIGH", tv=100)
    w.factory(
        "D1", AC, buy=1200, supply="MODERATE", tv=100,
        inputs={"ELECTRONICS": 310, "MICROPROCESSORS": 410},
    )  # fmt: skip
    snap = w.snapshot()
    before, after = compiled(snap), compiled(aboard(snap, (AC, 10)))
    made = units(before, "COLLECT", AC)
    assert made > 10
    assert units(after, "ABOARD", AC) == 10
    assert units(after, "COLLECT", AC) == made - 10
    for raw in ("ELECTRONICS", "MICROPROCESSORS"):
        assert units(after, "ACQUIRE", raw) == units(before, "ACQUIRE", raw) - 10
    assert units(after, "DELIVER", AC) == units(before, "DELIVER", AC)


def test_more_aboard_than_the_batch_takes_is_sold_on_its_own():
    snap = laser_world().snapshot()
    before = compiled(snap)
    needed = units(before, "DELIVER", AC)
    plan = compiled(aboard(snap, (AC, needed + 7)))
    (sale,) = [p for p in plan.pipelines if p.id.startswith("ABOARD-")]
    assert (sale.product, sale.quantity, sale.expected_cost) == (AC, 7, 0)
    assert sale.expected_revenue > 0
    sold = [t for t in plan.tasks if t.pipeline == sale.id and t.type == "SELL"]
    assert [(t.quantity, t.market) for t in sold] == [(7, sale.sell_market)]
    assert units(plan, "ACQUIRE", AC) == 0


def test_nothing_aboard_is_left_unplanned():
    snap = laser_world().snapshot()
    plan = compiled(aboard(snap, (AC, 55), ("DIAMONDS", 12), ("LASER_RIFLES", 3)))
    moved: dict[str, int] = {}
    for t in plan.tasks:
        if t.type == "ABOARD":
            moved[t.good] = moved.get(t.good, 0) + t.quantity
    assert moved == {AC: 55, "DIAMONDS": 12, "LASER_RIFLES": 3}


def test_a_good_no_market_takes_is_a_rejection_naming_the_ship():
    snap = laser_world().snapshot()
    plan = compiled(aboard(snap, ("QUANTUM_STABILIZERS", 5)))
    assert not any(t.type == "ABOARD" for t in plan.tasks)
    (why,) = [r for r in plan.rejected if r.good == "QUANTUM_STABILIZERS"]
    assert "5 QUANTUM_STABILIZERS aboard S-1" in why.reason


def test_a_full_hold_unloads_its_own_cargo_first_then_takes_other_legs():
    w = laser_world()
    w.ships = [(40, 30), (40, 30)]
    plan = compiled(aboard(w.snapshot(), (AC, 40)))
    pinned = {leg.id: leg.ship for leg in plan.legs}
    flown = [pinned[sl.leg] for sp in plan.ships if sp.ship == "S-1" for sl in sp.legs]
    assert units(plan, "ABOARD", AC) == 40
    n = flown.count("S-1")
    assert n >= 1 and flown[:n] == ["S-1"] * n  # its own cargo's legs come first
    assert len(flown) > n  # then the emptied hold takes the plan's other legs


def test_a_ships_aboard_legs_fly_one_after_the_other_from_where_it_is():
    snap = laser_world().snapshot()
    plan = compiled(aboard(snap, (AC, 35)))  # the batch takes 30, a sale on its own the rest
    loads = [plan.task(leg.load) for leg in plan.legs if leg.ship]
    assert len(loads) == 2
    first, second = sorted(loads, key=lambda t: len(t.depends_on))
    assert first.market == snap.ships[0].waypoint and not first.depends_on
    (before,) = second.depends_on
    assert plan.task(before).type in ("DELIVER", "SELL")
    assert second.market == plan.task(before).market


def test_compiling_with_cargo_aboard_twice_gives_the_same_bytes():
    snap = aboard(laser_world().snapshot(), (AC, 35), ("DIAMONDS", 4))
    assert dump_plan(compiled(snap)) == dump_plan(compiled(snap))


def test_the_optimising_scheduler_gives_the_same_bytes_with_cargo_aboard():
    w = laser_world()
    w.ships = [(40, 30), (40, 30)]
    snap = aboard(w.snapshot(), (AC, 35), ("DIAMONDS", 4))

    def once() -> str:
        plan = compile_plan(book(LASER_BOOK, LASER_RAW), POLICY, snap, inputs={}, time_limit_s=2)
        return dump_plan(plan)

    text = once()
    assert "type: ABOARD" in text and text == once()


def test_a_plan_with_cargo_aboard_round_trips_through_the_file():
    _, plan = without_and_with_30()
    text = dump_plan(plan)
    assert parse_plan(text, "p.yaml") == plan
    legs = yaml.safe_load(text)["legs"]
    assert [leg["ship"] for leg in legs if "ship" in leg] == ["S-1"]


def test_a_plan_flying_cargo_aboard_on_another_ship_is_refused():
    _, plan = without_and_with_30()
    (leg,) = [leg for leg in plan.legs if leg.ship]
    text = dump_plan(plan).replace(f"ship: {leg.ship}\n", "ship: S-9\n", 1)
    with pytest.raises(InputError, match="carries cargo aboard S-9, not S-1"):
        parse_plan(text, "p.yaml")


def test_the_schedule_checker_refuses_cargo_aboard_on_another_ship():
    w = laser_world()
    w.ships = [(40, 30), (40, 30)]
    snap = aboard(w.snapshot(), (AC, 30))
    plan = compiled(snap)
    (leg,) = [leg for leg in plan.legs if leg.ship]
    moved = tuple(
        dataclasses.replace(
            sp,
            legs=tuple(sl for sl in sp.legs if sl.leg != leg.id)
            + tuple(sl for other in plan.ships if other.ship == "S-1" for sl in other.legs
                    if sl.leg == leg.id and sp.ship == "S-2"),
        )
        for sp in plan.ships
    )  # fmt: skip
    result = schedule.ScheduleResult(moved, plan.objective.makespan_s, 0, "HEURISTIC", "list")
    problems = schedule.verify(
        plan.tasks, plan.legs, result, snap.ships, snap.waypoints, POLICY, markets=snap.markets
    )
    assert any(f"leg {leg.id}: its cargo is aboard S-1" in p for p in problems)


# ---------------------------------------------------------------------------------------------
# The recorded X1-AD75 system: its frigate holding 30 DRUGS, a product the plan sells


@cache
def recorded_with_drugs() -> tuple[Plan, Plan]:
    book_, policy, snap = recorded()
    frigate = next(i for i, s in enumerate(snap.ships) if s.cargo_capacity)
    held = aboard(snap, ("DRUGS", 30), ship=frigate)
    return (
        compile_plan(book_, policy, snap, inputs=INPUTS, scheduler="list"),
        compile_plan(book_, policy, held, inputs=INPUTS, scheduler="list"),
    )


def test_recorded_frigate_sells_the_drugs_it_holds_before_buying_any():
    before, after = recorded_with_drugs()
    assert units(after, "ABOARD", "DRUGS") == 30
    sold_from_hold = [after.task(leg.unload) for leg in after.legs if leg.ship == "FLWI_TEST-1"]
    assert {(t.type, t.good) for t in sold_from_hold} == {("SELL", "DRUGS")}
    assert sum(t.quantity for t in sold_from_hold) == 30
    # the batches that took the cargo bought none; every later DRUGS purchase pays on its own
    assert units(after, "ACQUIRE", "DRUGS") < units(before, "ACQUIRE", "DRUGS")
    assert after.objective.expected_profit > before.objective.expected_profit


def test_the_plan_report_draws_cargo_aboard_in_its_own_colour():
    from plancc.render.report import TYPE_COLOURS, render_report_html

    _, plan = without_and_with_30()
    html = render_report_html(plan)
    (leg,) = [leg for leg in plan.legs if leg.ship]
    bar = f'data-task="{leg.load}"'
    assert bar in html
    drawn = html[html.rindex("<rect", 0, html.index(bar)) : html.index(">", html.index(bar))]
    assert 'data-type="ABOARD"' in drawn and TYPE_COLOURS["ABOARD"] in drawn
