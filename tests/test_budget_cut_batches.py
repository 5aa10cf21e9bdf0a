"""A batch the budget cut short waits for credits (issue 8). The profit floor is a rule about
markets and trips, not about money: a product whose next batch earns under
``min_profit_per_hour`` only because the credits on hand bought a few units of a full hold
waits for running batches' revenue, like a product the budget stops outright. Before, it was
rejected for good: on X1-AD75 with 20 haulers and ``trade_raw_goods`` six products were lost
this way and the plan earned 113k cr/h against 229k with 10 haulers (now 236k)."""

from __future__ import annotations

from chainworld import World, book

from plancc.chain import fill_horizon
from plancc.model import Policy

BOOK = book({"WIDGETS": ["IRON"], "GIZMOS": ["COPPER"]}, {"IRON", "COPPER"})
# one batch each, so the second product's turn comes while the first holds the credits
POLICY = Policy(min_margin=0.08, horizon_s=7200, reserve_credits=10_000, max_batches=1)
# the reserve, one 40-unit WIDGETS batch at 1,000 a unit, and 5,000 over
CREDITS = 10_000 + 40_000 + 5_000


def two_products(credits: int = CREDITS) -> World:
    """WIDGETS (bought at its factory, sold at 2,000) outranks GIZMOS (sold at 1,150): a full
    GIZMOS hold earns well over the floor, five units do not."""
    w = World(credits=credits)
    w.ships = [(40, 30), (40, 30)]
    w.at("FAB", 0).at("SHOP", 300).at("FAB2", 0, 300).at("SHOP2", 300, 300)
    for market in ("FAB", "SHOP", "FAB2", "SHOP2"):
        w.sell(market, "FUEL", buy=70, kind="EXCHANGE")
    w.factory("FAB", "WIDGETS", buy=1000, inputs={"IRON": 150}, supply="ABUNDANT", tv=400)
    w.demand("SHOP", "WIDGETS", sell=2000, tv=400)
    w.factory("FAB2", "GIZMOS", buy=1000, inputs={"COPPER": 150}, supply="ABUNDANT", tv=400)
    w.demand("SHOP2", "GIZMOS", sell=1150, tv=400)
    return w


def test_a_batch_the_budget_cut_under_the_floor_waits_for_credits_and_is_planned_whole() -> None:
    batches, rejected = fill_horizon(two_products().snapshot(), BOOK, POLICY, haulers=2)
    by_product = {b.pipeline.product: b for b in batches}
    assert set(by_product) == {"WIDGETS", "GIZMOS"}, rejected
    gizmos, widgets = by_product["GIZMOS"], by_product["WIDGETS"]
    assert gizmos.pipeline.quantity == 40
    assert gizmos.start_s >= widgets.finish_s  # it waited for WIDGETS' revenue


def test_with_credits_enough_no_batch_waits_for_revenue() -> None:
    batches, _ = fill_horizon(two_products(10_000_000).snapshot(), BOOK, POLICY, haulers=2)
    by_product = {b.pipeline.product: b for b in batches}
    assert by_product["GIZMOS"].pipeline.quantity == 40
    assert by_product["GIZMOS"].start_s < by_product["WIDGETS"].finish_s
