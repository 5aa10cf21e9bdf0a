"""Fleet-scale planning rules: batches over the horizon, pricing after earlier trades, budget,
reserve, the adaptive rule for the product, its own margin, activity drift, stale data."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from chainworld import World, book
from hypothesis import given, settings
from hypothesis import strategies as st

from plancc.chain import (
    MarketIndex,
    cash_at,
    fill_horizon,
    find_demand,
    plan_pipelines,
    production_wait_s,
    recovered,
)
from plancc.model import ChainNode, Policy

BOOK = book({"WIDGETS": ["IRON"]}, {"IRON"})
POLICY = Policy(min_margin=0.08, horizon_s=7200)


def widget_world(credits: int = 10_000_000) -> World:
    w = World(credits=credits)
    w.at("MINE", 0).at("FAB", 10).at("SHOP", 20)
    w.sell("MINE", "IRON", buy=100, supply="HIGH", tv=20)
    w.factory("FAB", "WIDGETS", buy=1000, inputs={"IRON": 150}, supply="HIGH", tv=20)
    w.demand("SHOP", "WIDGETS", sell=2000, tv=20)
    return w


def deep_world() -> World:
    """Markets far apart and deep: a hauler's time, not the markets, limits the batches."""
    w = World()
    w.at("MINE", 0).at("FAB", 300).at("SHOP", 600)
    for market in ("MINE", "FAB", "SHOP"):
        w.sell(market, "FUEL", buy=70, kind="EXCHANGE")
    w.sell("MINE", "IRON", buy=100, supply="HIGH", tv=400)
    w.factory("FAB", "WIDGETS", buy=1000, inputs={"IRON": 150}, supply="HIGH", tv=400)
    w.demand("SHOP", "WIDGETS", sell=2000, tv=400)
    return w


def test_a_later_batch_is_priced_after_the_earlier_batches_trades():
    pipes, _ = plan_pipelines(widget_world().snapshot(), BOOK, POLICY, haulers=3)
    first, second = pipes[0], pipes[1]
    assert (first.batch, second.batch) == (1, 2)
    assert second.id == "WIDGETS@X1-T-SHOP+2"
    per_unit = [p.expected_cost / p.quantity for p in (first, second)]
    assert per_unit[1] > per_unit[0]  # the market still feels batch 1's buying


def test_earlier_trades_recover_with_the_policy_half_life():
    events = [(("M", "IRON", "buy"), 40, 0.0)]
    assert recovered(events, 0.0, 3600) == {("M", "IRON", "buy"): 40}
    assert recovered(events, 3600.0, 3600) == {("M", "IRON", "buy"): 20}
    assert recovered(events, 36_000.0, 3600) == {}


def test_more_haulers_get_more_batches_over_the_horizon():
    snap = deep_world().snapshot()
    one, _ = plan_pipelines(snap, BOOK, POLICY, haulers=1)
    five, _ = plan_pipelines(snap, BOOK, POLICY, haulers=5)
    assert len(five) > len(one) >= 1


def test_batches_stop_when_the_profit_per_hauler_hour_falls_below_the_floor():
    policy = dataclasses.replace(POLICY, min_profit_per_hour=10**9)
    pipes, rejected = plan_pipelines(widget_world().snapshot(), BOOK, policy, haulers=3)
    assert pipes == ()
    assert any("min_profit_per_hour" in r.reason for r in rejected)


def test_the_budget_goes_whole_to_the_best_batch_not_split_over_slots():
    # enough credits for about one full batch: it is given all of it, not a third
    policy = dataclasses.replace(POLICY, max_pipelines=3, reserve_credits=0)
    alone, _ = plan_pipelines(widget_world().snapshot(), BOOK, policy, haulers=1)
    full = alone[0].expected_cost
    pipes, _ = plan_pipelines(widget_world(credits=full).snapshot(), BOOK, policy, haulers=3)
    assert pipes[0].quantity == alone[0].quantity


@settings(max_examples=25, deadline=None)
@given(
    credits=st.integers(0, 400_000),
    reserve=st.integers(0, 100_000),
    cap=st.integers(10_000, 200_000),
    haulers=st.integers(1, 6),
)
def test_no_plan_commits_the_reserve_or_more_than_the_cap_at_once(
    credits: int, reserve: int, cap: int, haulers: int
):
    policy = dataclasses.replace(POLICY, reserve_credits=reserve, spend_cap_total=cap)
    snap = deep_world().snapshot()
    snap = dataclasses.replace(snap, agent=dataclasses.replace(snap.agent, credits=credits))
    batches, _ = fill_horizon(snap, BOOK, policy, haulers=haulers)
    for b in batches:
        cash, running = cash_at(batches, b.start_s, credits)
        assert cash >= reserve
        assert running <= cap


def test_revenue_of_finished_batches_pays_for_later_ones():
    # credits for about one batch: later batches start once earlier ones have sold
    alone, _ = fill_horizon(deep_world().snapshot(), BOOK, POLICY, haulers=1)
    one = alone[0].pipeline.expected_cost + POLICY.reserve_credits
    snap = deep_world().snapshot()
    snap = dataclasses.replace(snap, agent=dataclasses.replace(snap.agent, credits=one))
    batches, _ = fill_horizon(snap, BOOK, POLICY, haulers=4)
    assert len(batches) > 1
    assert sum(b.pipeline.expected_cost for b in batches) > one
    assert batches[1].start_s >= batches[0].finish_s


def test_a_product_already_high_at_its_factory_is_bought_there_not_made():
    candidates, _ = find_demand(widget_world().snapshot(), BOOK, POLICY)
    assert (candidates[0].good, candidates[0].make) == ("WIDGETS", False)
    pipes, _ = plan_pipelines(widget_world().snapshot(), BOOK, POLICY, candidates=candidates)
    root = pipes[0].chain
    assert (root.method, root.market, root.children) == ("BUY", "X1-T-FAB", ())


def test_a_product_short_at_its_factory_is_made():
    w = widget_world()
    w.rows["X1-T-FAB"] = [
        g if g.symbol != "WIDGETS" else dataclasses.replace(g, supply="LIMITED")
        for g in w.rows["X1-T-FAB"]
    ]
    pipes, _ = plan_pipelines(w.snapshot(), BOOK, POLICY)
    assert pipes[0].chain.method == "MANUFACTURE"


def test_a_product_whose_own_step_misses_the_margin_is_rejected():
    # delivering iron into the factory pays well, but widgets sell for no more than they cost
    w = World()
    w.at("MINE", 0).at("FAB", 10).at("SHOP", 20)
    w.sell("MINE", "IRON", buy=100, supply="HIGH", tv=20)
    w.factory("FAB", "WIDGETS", buy=1000, inputs={"IRON": 900}, supply="HIGH", tv=20)
    w.demand("SHOP", "WIDGETS", sell=1020, tv=20)
    candidates, rejected = find_demand(w.snapshot(), BOOK, POLICY)
    assert candidates == []
    assert any("product step margin" in r.reason for r in rejected)


def test_sales_into_a_growing_import_are_discounted_by_its_drift():
    w = World()
    w.at("MINE", 0).at("SHOP", 20)
    w.sell("MINE", "WIDGETS", buy=1000, supply="HIGH", tv=20)
    w.demand("SHOP", "WIDGETS", sell=2000, tv=20, activity="GROWING")
    allow = dataclasses.replace(POLICY, sell_activities=("GROWING",))
    plain = dataclasses.replace(allow, activity_discount={})
    discounted, _ = plan_pipelines(w.snapshot(), BOOK, allow, haulers=1)
    full, _ = plan_pipelines(w.snapshot(), BOOK, plain, haulers=1)
    assert discounted[0].quantity == full[0].quantity
    assert discounted[0].expected_revenue == round(full[0].expected_revenue * (1 - 0.336))


def test_markets_older_than_the_policy_allows_are_rejected_with_their_age():
    snap = widget_world().snapshot()
    old = snap.captured_at - timedelta(hours=9.6)
    markets = tuple(
        dataclasses.replace(m, observed_at=old if m.symbol == "X1-T-SHOP" else snap.captured_at)
        for m in snap.markets
    )
    snap = dataclasses.replace(snap, markets=markets)
    candidates, rejected = find_demand(snap, BOOK, POLICY)
    assert candidates == []
    assert any(
        r.market == "X1-T-SHOP" and "9.6 h old" in r.reason and "max_snapshot_age_s" in r.reason
        for r in rejected
    )


def test_production_wait_is_estimated_from_the_factorys_supply():
    w = widget_world()
    w.factory("SLOW", "WIDGETS", buy=900, inputs={"IRON": 150}, supply="LIMITED")
    ix = MarketIndex.of(w.snapshot())
    node = ChainNode("WIDGETS", "MANUFACTURE", "X1-T-SLOW", 1, 900)
    assert production_wait_s(node, ix, POLICY) == 2 * POLICY.production_level_s
    ready = dataclasses.replace(node, market="X1-T-FAB")
    assert production_wait_s(ready, ix, POLICY) == POLICY.production_lag_s


@settings(max_examples=5, deadline=None)
@given(haulers=st.integers(1, 4), horizon=st.sampled_from([1800, 7200]))
def test_planned_utilisation_and_profit_are_what_the_schedule_says(haulers: int, horizon: int):
    from plancc.compile import compile_plan

    w = deep_world()
    w.ships = [(40, 30)] * haulers
    policy = dataclasses.replace(POLICY, horizon_s=horizon)
    plan = compile_plan(BOOK, policy, w.snapshot(), inputs={}, scheduler="list")
    busy = 0
    for s in plan.ships:
        for sl in s.legs:
            busy += max(0, min(horizon, sl.end_s) - min(horizon, sl.start_s))
    assert plan.objective.horizon_s == horizon
    assert plan.objective.utilisation == round(busy / (haulers * horizon), 4)
    assert plan.objective.expected_profit == sum(p.expected_profit for p in plan.pipelines)
    assert plan.pipelines, "the deep world has work for every fleet size"


def test_every_transaction_is_within_the_markets_trade_volume():
    from plancc.compile import compile_plan

    w = deep_world()
    w.ships = [(40, 30)] * 3
    snap = w.snapshot()
    plan = compile_plan(BOOK, POLICY, snap, inputs={}, scheduler="list")
    assert plan.tasks
    for t in plan.tasks:
        volume = snap.market(t.market).good(t.good).trade_volume
        assert sum(lot.units for lot in t.lots) == t.quantity
        assert all(0 < lot.units <= volume for lot in t.lots)
