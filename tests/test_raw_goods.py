"""Raw goods as products (policy ``trade_raw_goods``, off by default: the design plans
manufactured products). On, a good the recipes call raw that a market imports is bought where
a market sells it at ``buy_supply_level`` or above and sold to that importer; nothing can make
it, so it is rejected with the reason when no market sells it that well."""

from __future__ import annotations

import dataclasses

from chainworld import World, book, wp

from plancc.chain import find_demand, plan_pipelines
from plancc.load import policy_from_data
from plancc.model import Policy

BOOK = book({"WIDGETS": ["IRON"]}, {"IRON"})
RAW = Policy(min_margin=0.08, horizon_s=7200, trade_raw_goods=True)


def iron_world(supply: str = "HIGH") -> World:
    """IRON sold at MINE (at ``supply``) and imported by FAB, with nothing manufactured."""
    w = World()
    w.at("MINE", 0).at("FAB", 10)
    w.sell("MINE", "IRON", buy=100, supply=supply, tv=20)
    w.demand("FAB", "IRON", sell=150, tv=20)
    return w


def test_a_raw_good_an_importer_takes_is_bought_where_supply_is_high_and_sold_there() -> None:
    pipes, _ = plan_pipelines(iron_world().snapshot(), BOOK, RAW, haulers=1)
    assert pipes, "no pipeline"
    first = pipes[0]
    assert (first.product, first.sell_market) == ("IRON", wp("FAB"))
    assert (first.chain.method, first.chain.market, first.chain.children) == ("BUY", wp("MINE"), ())
    assert first.expected_revenue > first.expected_cost


def test_raw_goods_are_not_products_by_default() -> None:
    candidates, rejected = find_demand(iron_world().snapshot(), BOOK, Policy())
    assert "IRON" not in {c.good for c in candidates} | {r.good for r in rejected}


def test_a_raw_good_no_market_sells_at_the_buy_level_is_rejected_with_the_reason() -> None:
    candidates, rejected = find_demand(iron_world(supply="LIMITED").snapshot(), BOOK, RAW)
    assert "IRON" not in {c.good for c in candidates}
    (r,) = [r for r in rejected if r.good == "IRON"]
    assert r.market == wp("FAB") and r.reason


def test_raw_trades_are_planned_beside_the_products_made_from_them() -> None:
    """IRON sold to FAB and WIDGETS made at FAB from IRON: both are planned, off one seller."""
    w = iron_world()
    w.at("SHOP", 20)
    w.factory("FAB", "WIDGETS", buy=1000, inputs={}, supply="HIGH", tv=20)
    w.demand("SHOP", "WIDGETS", sell=2000, tv=20)
    off = dataclasses.replace(RAW, trade_raw_goods=False)
    both, _ = plan_pipelines(w.snapshot(), BOOK, RAW, haulers=3)
    alone, _ = plan_pipelines(w.snapshot(), BOOK, off, haulers=3)
    assert {p.product for p in both} == {"IRON", "WIDGETS"}
    assert {p.product for p in alone} == {"WIDGETS"}


def test_the_knob_loads_as_a_boolean() -> None:
    assert policy_from_data({"trade_raw_goods": True}).trade_raw_goods is True
    assert policy_from_data({"trade_raw_goods": False}).trade_raw_goods is False
