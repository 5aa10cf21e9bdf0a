"""Trades a market can take (issue 8): the per-visit cap and recovery, price impact by supply
level, where to buy by price and distance, lots within tradeVolume (sell-market depth is in
test_chain_sell)."""

from __future__ import annotations

import dataclasses

from chainworld import World, book, wp
from hypothesis import given, settings
from hypothesis import strategies as st

from plancc.chain import (
    Haul,
    MarketIndex,
    buy_lots,
    fill_horizon,
    hauler_time_value,
    plan_pipelines,
    resolve,
    sell_lots,
    visit_cap,
)
from plancc.model import SUPPLY_LEVELS, Policy

POLICY = Policy()
RESALE = book({"WIDGETS": ["IRON"]}, {"IRON"})  # WIDGETS bought where abundant and resold


def resale_world(*, supply: str = "HIGH", tv: int = 20, sell_supply: str = "LIMITED") -> World:
    """WIDGETS sold at MINE (``supply``, ``tv``) and imported at SHOP, 20 units away."""
    w = World()
    w.at("MINE", 0).at("SHOP", 20)
    w.sell("MINE", "WIDGETS", buy=1000, supply=supply, tv=tv)
    w.demand("SHOP", "WIDGETS", sell=2000, tv=20, supply=sell_supply)
    return w


def one_batch(**knobs: object) -> Policy:
    return dataclasses.replace(POLICY, max_batches=1, **knobs)  # type: ignore[arg-type]


# --- the per-visit cap ---------------------------------------------------------------------


def test_one_visit_buys_at_most_the_supply_aware_share_of_trade_volume():
    # HIGH, tradeVolume 20: one visit takes floor(20 x 0.6) = 12, not a 40-unit hold in lots
    (p,), _ = plan_pipelines(resale_world().snapshot(), RESALE, one_batch(), haulers=1)
    assert visit_cap(20, "HIGH", POLICY) == 12
    assert p.quantity == 12
    assert (p.chain.method, p.chain.market) == ("BUY", wp("MINE"))


def test_a_visit_cap_counts_every_lot_of_the_visit_not_each_lot():
    # tradeVolume 100 at HIGH: lots of up to 60, but one visit still stops at 60 in all
    (p,), _ = plan_pipelines(resale_world(tv=100).snapshot(), RESALE, one_batch(), haulers=1)
    assert p.quantity == 40  # a 40-unit hold is under the visit's 60
    w = resale_world(tv=30)
    w.ships = [(200, 30)]
    (big,), _ = plan_pipelines(w.snapshot(), RESALE, one_batch(), haulers=1)
    assert big.quantity == visit_cap(30, "HIGH", POLICY) == 18


def test_a_repeat_visit_buys_only_what_the_market_has_recovered():
    policy = dataclasses.replace(POLICY, recovery_half_life_s=3600)
    batches, _ = fill_horizon(resale_world().snapshot(), RESALE, policy, haulers=10)
    first, second = batches[0], batches[1]
    assert first.pipeline.quantity == 12
    # batch 2 waits until the market gives back enough of batch 1's 12 units, and takes no more
    still_taken = round(12 * 0.5 ** ((second.start_s - first.start_s) / 3600))
    assert second.start_s > first.start_s
    assert 0 < second.pipeline.quantity <= 12 - still_taken


def test_a_product_waiting_for_its_market_is_named_with_the_market_at_the_horizon():
    policy = dataclasses.replace(POLICY, recovery_half_life_s=10**7, horizon_s=3600)
    batches, rejected = fill_horizon(resale_world().snapshot(), RESALE, policy, haulers=10)
    assert len(batches) == 1
    (r,) = [r for r in rejected if r.good == "WIDGETS"]
    assert "batch 2" in r.reason and wp("MINE") in r.reason and "one visit" in r.reason
    assert "recovering" in r.reason


# --- price impact by supply level ----------------------------------------------------------


def test_buying_a_lot_raises_the_next_price_more_the_scarcer_the_market():
    def second_lot_price(supply: str) -> int:
        (_, price), = buy_lots(
            1, unit_price=1000, trade_volume=20, supply=supply, bought_before=20,
            cargo_capacity=40, credits=10**6, policy=POLICY,
        )  # fmt: skip
        return price

    # one tradeVolume lot bought before: live +4-5% at HIGH up to ~13% at SCARCE
    assert [second_lot_price(s) for s in ("HIGH", "MODERATE", "LIMITED", "SCARCE")] == [
        1050, 1070, 1100, 1130,
    ]  # fmt: skip


def test_selling_a_lot_lowers_the_next_price_more_the_fuller_the_import():
    def prices(supply: str) -> list[int]:
        return [p for _, p in sell_lots(40, unit_price=1000, trade_volume=20, supply=supply,
                                        policy=POLICY)]  # fmt: skip

    # live: -1.1% per lot at SCARCE up to -11% at HIGH
    assert prices("SCARCE") == [1000, 989]
    assert prices("MODERATE") == [1000, 961]
    assert prices("HIGH") == [1000, 890]


def test_a_learned_figure_replaces_the_table_at_every_level():
    learned = dataclasses.replace(POLICY, buy_impact_per_lot=0.02, sell_impact_per_lot=0.0)
    for supply in SUPPLY_LEVELS:
        (_, price), = buy_lots(
            1, unit_price=1000, trade_volume=20, supply=supply, bought_before=20,
            cargo_capacity=40, credits=10**6, policy=learned,
        )  # fmt: skip
        assert price == 1020
        assert sell_lots(40, unit_price=1000, trade_volume=20, supply=supply, policy=learned) == [
            (20, 1000), (20, 1000),
        ]  # fmt: skip


def test_expected_revenue_is_priced_at_the_imports_supply_level():
    # 12 units into tradeVolume 20: one lot, undiscounted; 40 would be two lots (second -11%)
    w = resale_world(tv=100, sell_supply="HIGH")
    (p,), _ = plan_pipelines(w.snapshot(), RESALE, one_batch(), haulers=1)
    assert p.quantity == 40
    assert p.expected_revenue == 20 * 2000 + 20 * round(2000 * (1 - 0.11))
    scarce = resale_world(tv=100, sell_supply="SCARCE")
    (q,), _ = plan_pipelines(scarce.snapshot(), RESALE, one_batch(), haulers=1)
    assert q.expected_revenue == 20 * 2000 + 20 * round(2000 * (1 - 0.011))


# --- where to buy: price and distance -------------------------------------------------------

MAKE = book({"WIDGETS": ["IRON"]}, {"IRON"})


def iron_world(near_price: int, far_price: int) -> World:
    """IRON sold next to the factory (NEAR) and 600 units away (FAR)."""
    w = World()
    w.at("FAB", 0).at("NEAR", 5).at("FAR", 600).at("SHOP", 10)
    w.sell("NEAR", "IRON", buy=near_price, supply="HIGH", tv=60)
    w.sell("FAR", "IRON", buy=far_price, supply="HIGH", tv=60)
    w.factory("FAB", "WIDGETS", buy=1000, inputs={"IRON": 300}, supply="LIMITED")
    w.demand("SHOP", "WIDGETS", sell=3000)
    return w


def iron_seller(w: World, haul: Haul | None) -> str:
    node = resolve("WIDGETS", 1, w.snapshot(), MAKE, POLICY, manufacture=True, dest=wp("SHOP"),
                   haul=haul)  # fmt: skip
    return node.children[0].market


def test_a_near_seller_beats_a_cheaper_far_one_when_hauler_time_is_worth_more():
    w = iron_world(near_price=110, far_price=100)
    assert iron_seller(w, None) == wp("FAR")  # price alone: the far one, 10 cr cheaper
    # a hauler earning 100 cr/s: 600 units at speed 30 is ~515 s, over 36 units ~1,430 cr/u
    assert iron_seller(w, Haul(40, 30, 100.0)) == wp("NEAR")


def test_a_far_seller_wins_when_its_price_saves_more_than_the_flight_costs():
    w = iron_world(near_price=5000, far_price=100)
    assert iron_seller(w, Haul(40, 30, 1.0)) == wp("FAR")


def test_hauler_time_is_valued_at_the_plans_profit_rate():
    snap = iron_world(near_price=110, far_price=100).snapshot()
    batches, _ = fill_horizon(snap, MAKE, POLICY, time_value=0.0)
    rate = sum(b.pipeline.expected_profit for b in batches) / sum(b.hauler_s for b in batches)
    assert hauler_time_value(snap, MAKE, POLICY) == rate > 0
    planned, _ = plan_pipelines(snap, MAKE, POLICY)  # the compiler's choice, at that rate
    assert all(p.chain.children[0].market == wp("NEAR") for p in planned)


# --- every transaction within tradeVolume, no visit past its cap ----------------------------


@settings(max_examples=25, deadline=None)
@given(
    buy_tv=st.sampled_from([6, 18, 20, 60, 180]),
    sell_tv=st.sampled_from([6, 18, 20, 60, 180]),
    supply=st.sampled_from(["MODERATE", "HIGH", "ABUNDANT"]),
    sell_supply=st.sampled_from(SUPPLY_LEVELS),
    cargo=st.sampled_from([15, 40, 80, 200]),
    haulers=st.integers(1, 6),
)
def test_every_planned_transaction_is_within_trade_volume_and_every_visit_within_its_cap(
    buy_tv: int, sell_tv: int, supply: str, sell_supply: str, cargo: int, haulers: int
):
    from plancc.compile import compile_plan

    w = World()
    w.at("MINE", 0).at("FAB", 40).at("SHOP", 80)
    w.sell("MINE", "IRON", buy=100, supply=supply, tv=buy_tv)
    w.factory("FAB", "WIDGETS", buy=1000, inputs={"IRON": 300}, supply="LIMITED", tv=buy_tv)
    w.sell("FAB", "GADGETS", buy=1000, supply=supply, tv=buy_tv)
    w.demand("SHOP", "WIDGETS", sell=3000, tv=sell_tv, supply=sell_supply)
    w.demand("SHOP", "GADGETS", sell=2500, tv=sell_tv, supply=sell_supply)
    w.ships = [(cargo, 30)] * haulers
    snap = w.snapshot()
    bk = book({"WIDGETS": ["IRON"], "GADGETS": ["IRON"]}, {"IRON"})
    plan = compile_plan(bk, POLICY, snap, inputs={}, scheduler="list")
    ix = MarketIndex.of(snap)
    for t in plan.tasks:
        row = ix.rows[(t.market, t.good)]
        assert all(0 < lot.units <= row.trade_volume for lot in t.lots)
        if t.type in ("ACQUIRE", "COLLECT"):
            level = POLICY.collect_supply_level if t.type == "COLLECT" else row.supply
            assert t.quantity <= visit_cap(row.trade_volume, level, POLICY)


def test_a_repeat_visit_is_scheduled_no_sooner_than_the_plan_let_its_market_recover():
    from plancc.compile import compile_plan

    w = resale_world()
    w.ships = [(40, 30)] * 4  # idle haulers would fly every batch at once if allowed
    snap = w.snapshot()
    batches, _ = fill_horizon(snap, RESALE, POLICY)
    planned = {b.pipeline.id: b.start_s for b in batches}
    plan = compile_plan(RESALE, POLICY, snap, inputs={}, scheduler="list")
    loaded = {leg.load: sl.load_s for leg in plan.legs for s in plan.ships for sl in s.legs
              if sl.leg == leg.id}  # fmt: skip
    visits = [t for t in plan.tasks if t.type == "ACQUIRE" and t.market == wp("MINE")]
    assert len(visits) > 2
    for t in visits:
        assert loaded[t.id] >= planned[t.pipeline]
