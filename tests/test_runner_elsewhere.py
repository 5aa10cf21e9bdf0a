"""A market that no longer pays sends the trade to another market, not into stalls.

A SELL whose bid fell below its floor goes to the best other importer read within the hour
whose bid clears the floor; an ACQUIRE whose ask rose above its ceiling (nothing bought yet)
goes to the cheapest other exporter under the ceiling. Without such a market the runner stalls
and, after its patience, fails the pipeline as before (its cargo then liquidated).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from test_runner_decide import LOAD, NOW, UNLOAD, only, quote, world

from runner.actions import Executor
from runner.model import ShipState, TaskState
from runner.policy import RunnerPolicy

AT_B = ShipState(
    "S-1", "MKT-B", "DOCKED", fuel=400, fuel_capacity=400, cargo_capacity=40,
    cargo={"IRON": 40}, quote_ok=True,
)  # fmt: skip
BOUGHT = TaskState(LOAD, "COMPLETED", "S-1", done_units=40)
SELLING = TaskState(UNLOAD, "ACTIVE", "S-1")
CRASHED = quote("MKT-B", sell=120, type_="IMPORT")  # floor: 200 x 0.8 = 160


def test_a_sale_below_its_floor_goes_to_the_best_other_importer_that_clears_it() -> None:
    others = (
        quote("MKT-C", sell=170, type_="IMPORT", at=NOW - 600),
        quote("MKT-D", sell=190, type_="IMPORT", at=NOW - 900),
        quote("MKT-E", sell=250, type_="EXPORT", at=NOW - 60),  # an exporter: not a taker
    )
    action = only(world(ship=AT_B, load=BOUGHT, unload=SELLING, quotes=(CRASHED, *others)))
    assert (action.kind, action.market, action.task) == ("REDIRECT", "MKT-D", UNLOAD.id)
    assert "below floor 160" in action.reason


def test_without_a_fresh_market_that_clears_the_floor_the_sale_stalls() -> None:
    others = (
        quote("MKT-C", sell=150, type_="IMPORT", at=NOW - 60),  # under the floor too
        quote("MKT-D", sell=190, type_="IMPORT", at=NOW - 7200),  # two hours old
    )
    action = only(world(ship=AT_B, load=BOUGHT, unload=SELLING, quotes=(CRASHED, *others)))
    assert action.kind == "STALL"


def test_a_purchase_above_its_ceiling_goes_to_the_cheapest_exporter_under_it() -> None:
    # ceiling: 100 x 1.25 = 125
    quotes = (
        quote("MKT-A", purchase=140),
        quote("MKT-C", purchase=120, at=NOW - 300),
        quote("MKT-D", purchase=110, at=NOW - 300),
    )
    action = only(world(quotes=quotes))
    assert (action.kind, action.market, action.task) == ("REDIRECT", "MKT-D", LOAD.id)


def test_a_purchase_under_way_is_not_moved() -> None:
    load = TaskState(LOAD, "ACTIVE", "S-1", done_units=20)
    ship = ShipState(
        "S-1", "MKT-A", "DOCKED", fuel=400, fuel_capacity=400, cargo_capacity=40,
        cargo={"IRON": 20}, quote_ok=True,
    )  # fmt: skip
    quotes = (quote("MKT-A", purchase=140), quote("MKT-D", purchase=110, at=NOW - 300))
    assert only(world(ship=ship, load=load, quotes=quotes)).kind == "STALL"


def test_a_redirected_sale_trades_at_its_new_market_and_flies_there_direct(
    tmp_path: Path,
) -> None:
    from runner_world import mini

    from runner.decide import Action
    from tests.twin_fixtures import HAULER

    world = mini(tmp_path)
    store = world.store()
    task = next(t for t in store.tasks().values() if not t.spec.is_load)
    planned = task.spec.market
    ex = Executor(store, world.client, world.clock(), RunnerPolicy())
    ex.run(Action("REDIRECT", ship=HAULER, task=task.id, market="X1-T-ELSEWHERE", reason="test"))
    moved = store.tasks()[task.id]
    assert (moved.spec.market, moved.moved_from) == ("X1-T-ELSEWHERE", planned)
    assert replace(moved.spec, market=planned) == task.spec
    events = [e["message"] for e in store.events(10) if e["kind"] == "redirect"]
    assert events and "X1-T-ELSEWHERE" in events[0]


def test_cargo_whose_sell_market_crashed_on_the_way_is_sold_at_another_importer(
    tmp_path: Path,
) -> None:
    """On the twin: seed 4's one pipeline sells CLOTHING at K17. Once the hauler has it
    aboard, a competitor dumps CLOTHING at K17 (its bid falls far below the floor) and a probe
    has read I15, which also imports it. The sale moves to I15, completes there, and the ledger
    reconciles."""
    from runner_world import RunnerWorld, listing

    from runner.model import Quote
    from runner.planview import read_plan

    world = RunnerWorld.build(tmp_path, seed=4, haulers=5, pipelines=1)
    sale = next(t for t in read_plan(world.plan).tasks if t.type == "SELL")
    assert (sale.good, sale.market) == ("CLOTHING", "X1-TW4-K17")
    loaded = False
    for _ in range(200):
        world.tick()
        store = world.store()
        load = next(t for t in store.tasks().values() if t.spec.id == sale.depends_on[0])
        if load.status == "COMPLETED":
            loaded = True
            break
    assert loaded, "the hauler never loaded its cargo"
    now = world.twin.now()
    world.twin.world.markets[sale.market].sell(sale.good, 3000, now)  # the competitor's dump
    assert listing(world.twin, sale.market, sale.good)["sellPrice"] < sale.limit_price
    alt = "X1-TW4-I15"
    g = listing(world.twin, alt, sale.good)
    assert g["sellPrice"] >= sale.limit_price
    with store.tx() as c:  # a probe read I15 just now
        store.observe_market(c, alt, now, [
            Quote(alt, sale.good, now, g["type"], g["supply"], g["purchasePrice"],
                  g["sellPrice"], g["tradeVolume"], g.get("activity") or "")
        ])  # fmt: skip
    world.run_until_done(check_each=True)
    store = world.store()
    moved = store.tasks()[sale.id]
    assert (moved.status, moved.spec.market, moved.moved_from) == ("COMPLETED", alt, sale.market)
    assert moved.done_units == sale.quantity
    assert any(e["kind"] == "redirect" for e in store.events(100000))
    assert world.check() == []
