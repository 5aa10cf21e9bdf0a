"""Price impact: the plan's own trades move prices; margin, price ceiling and spend caps hold."""

from __future__ import annotations

import dataclasses

from chainworld import World, book, wp
from hypothesis import given
from hypothesis import strategies as st

from plancc.chain import buy_lots, cash_at, fill_horizon, plan_pipelines, sell_lots
from plancc.model import SUPPLY_LEVELS, Policy


def one_batch(**knobs: object) -> Policy:
    """One batch per product, made even where its factory is HIGH: these rules size a batch."""
    return Policy(**{"max_batches": 1, "buy_supply_level": "ABUNDANT", **knobs})  # type: ignore[arg-type]


POLICY = one_batch()


def test_each_lot_bought_raises_the_next_lots_price():
    lots = buy_lots(
        50, unit_price=1000, trade_volume=20, supply="HIGH", cargo_capacity=40,
        credits=10**6, policy=POLICY,
    )  # fmt: skip
    # 12 per lot (20 x 0.6); +5% per 20 units bought before: +3% per lot of 12
    assert lots == [(12, 1000), (12, 1030), (12, 1060), (12, 1090), (2, 1120)]


def test_units_the_plan_bought_earlier_raise_the_first_lot():
    lots = buy_lots(
        12, unit_price=1000, trade_volume=20, supply="HIGH", bought_before=20,
        cargo_capacity=40, credits=10**6, policy=POLICY,
    )  # fmt: skip
    assert lots == [(12, 1050)]


def test_each_lot_sold_lowers_the_next_lots_price():
    # into a LIMITED import: -2.2% per tradeVolume sold before
    assert sell_lots(50, unit_price=1000, trade_volume=20, supply="LIMITED", policy=POLICY) == [
        (20, 1000),
        (20, 978),
        (10, 956),
    ]


def test_purchases_stop_where_the_credits_end():
    lots = buy_lots(
        40, unit_price=1000, trade_volume=20, supply="HIGH", cargo_capacity=40,
        credits=20_000, policy=POLICY,
    )  # fmt: skip
    assert lots == [(12, 1000), (7, 1030)]


@given(
    units=st.integers(1, 500),
    volume=st.integers(1, 200),
    supply=st.sampled_from(SUPPLY_LEVELS),
    fraction=st.floats(0.05, 2.0),
)
def test_no_single_purchase_or_sale_exceeds_trade_volume(units, volume, supply, fraction):
    policy = one_batch(purchase_fraction={supply: fraction})
    bought = buy_lots(
        units, unit_price=100, trade_volume=volume, supply=supply, cargo_capacity=1000,
        credits=10**9, policy=policy,
    )  # fmt: skip
    assert all(0 < n <= volume for n, _ in bought)
    assert sum(n for n, _ in bought) <= units
    sold = sell_lots(units, unit_price=100, trade_volume=volume, supply=supply, policy=policy)
    assert all(0 < n <= volume for n, _ in sold)
    assert sum(n for n, _ in sold) == units


def one_product(
    w: World, product: str, *, collect: int, sell: int, tv: int = 20, at: str = ""
) -> World:
    """``product`` made at F-<product> from X, sold at S-<product> (or ``at``)."""
    w.factory(f"F{product}", product, buy=collect, supply="HIGH", tv=tv, inputs={"X": 100})
    w.demand(at or f"S{product}", product, sell=sell, activity="WEAK", tv=100)
    return w


def x_seller(w: World, tv: int = 60) -> World:
    return w.sell("M", "X", buy=100, supply="HIGH", tv=tv)


def test_pipeline_below_the_minimum_margin_is_not_planned_with_the_reason():
    # per unit: buy X 100, deliver X 100, collect 1000, sell 1050: margin 50/1100 = 4.5%
    w = one_product(x_seller(World()), "P", collect=1000, sell=1050)
    pipelines, rejected = plan_pipelines(w.snapshot(), book({"P": ["X"]}, {"X"}), POLICY)
    assert pipelines == ()
    assert [(r.good, r.market, r.reason) for r in rejected] == [
        ("P", wp("SP"), "margin 5% under impact < 8% minimum")
    ]


def test_impact_limits_the_quantity_to_what_keeps_the_margin():
    # collected in one visit (tradeVolume 100 x 0.6 = 60), sold into a HIGH import trading 10
    # at a time, -11% per lot: 1150, 1024, 911, ...; per unit X costs 100 and is delivered for
    # 100, P costs 1000: 20 units would earn (2000 + 11500 + 10240) / 22000 = 7.9% < 8%
    w = one_product(x_seller(World(), tv=100), "P", collect=1000, sell=1150, tv=100)
    w.rows[wp("SP")] = [dataclasses.replace(g, trade_volume=10, supply="HIGH")
                        for g in w.rows[wp("SP")]]  # fmt: skip
    bk = book({"P": ["X"]}, {"X"})
    (planned,), _ = plan_pipelines(w.snapshot(), bk, POLICY)
    assert planned.quantity == 19
    assert (planned.expected_revenue - planned.expected_cost) / planned.expected_cost >= 0.08
    (no_impact,), _ = plan_pipelines(w.snapshot(), bk, one_batch(sell_impact_per_lot=0))
    assert no_impact.quantity == 40


def test_price_ceiling_rejects_what_the_plan_already_drove_up_until_it_recovers():
    # P1 collects 6 per visit (tradeVolume 10 x 0.6) and buys 6 X; X at HIGH, +5% per 20
    # bought: P2's X would then cost 1000 x 1.015 = 1015 > a 1.01 ceiling
    w = World().sell("M", "X", buy=1000, supply="HIGH", tv=20)
    one_product(w, "P1", collect=1000, sell=3000, tv=10)
    one_product(w, "P2", collect=1000, sell=2500, tv=10)
    bk = book({"P1": ["X"], "P2": ["X"]}, {"X"})
    stuck = one_batch(price_ceiling=1.01, recovery_half_life_s=10**9)  # X never recovers
    pipelines, rejected = plan_pipelines(w.snapshot(), bk, stuck)
    assert [(p.product, p.quantity) for p in pipelines] == [("P1", 6)]
    (r,) = rejected
    assert r.good == "P2"
    assert r.reason == (
        "X at X1-T-M would cost 1015/u > 1.01 x snapshot 1000 (price ceiling) "
        "(markets still recovering from the plan's trades)"
    )
    # with recovery, P2's batch waits until X is back under the ceiling
    batches, _ = fill_horizon(w.snapshot(), bk, one_batch(price_ceiling=1.01))
    first, later = batches
    assert later.pipeline.product == "P2" and later.start_s > first.start_s
    assert later.pipeline.chain.children[0].unit_price <= 1010


def test_a_later_pipeline_pays_the_prices_earlier_pipelines_moved():
    w = x_seller(World(), tv=20)
    one_product(w, "P1", collect=1000, sell=3000)
    one_product(w, "P2", collect=1000, sell=2000)
    pipelines, _ = plan_pipelines(w.snapshot(), book({"P1": ["X"], "P2": ["X"]}, {"X"}), POLICY)
    first, second = (p.chain.children[0] for p in pipelines)
    assert first.unit_price < second.unit_price
    assert second.unit_price > 100


def test_spend_caps_and_credits_hold():
    w = x_seller(World())
    for p in ("P1", "P2", "P3"):
        one_product(w, p, collect=1000, sell=2000)
    bk = book({"P1": ["X"], "P2": ["X"], "P3": ["X"]}, {"X"})
    policy = one_batch(spend_cap_pipeline=20_000, spend_cap_total=45_000)
    pipelines, _ = plan_pipelines(w.snapshot(), bk, policy)
    assert len(pipelines) == 3
    assert all(p.expected_cost <= 20_000 for p in pipelines)
    _committed_at_once_within(w.snapshot(), bk, policy)  # spend_cap_total: at any one time
    w.credits = 30_000
    _committed_at_once_within(w.snapshot(), bk, policy)


def _committed_at_once_within(snap, bk, policy) -> None:
    """At every batch's start: credits on hand keep the reserve and the batches still running
    commit at most spend_cap_total (finished batches' revenue pays for later ones)."""
    batches, _ = fill_horizon(snap, bk, policy)
    for b in batches:
        cash, running = cash_at(batches, b.start_s, snap.agent.credits)
        assert cash >= policy.reserve_credits
        assert running <= policy.spend_cap_total


def test_at_most_max_pipelines_and_the_rest_are_rejected_with_their_rank():
    w = x_seller(World())
    for p, price in (("P1", 4000), ("P2", 3000), ("P3", 2000)):
        one_product(w, p, collect=1000, sell=price)
    bk = book({"P1": ["X"], "P2": ["X"], "P3": ["X"]}, {"X"})
    pipelines, rejected = plan_pipelines(w.snapshot(), bk, one_batch(max_pipelines=2))
    assert [p.id for p in pipelines] == [f"P1@{wp('SP1')}", f"P2@{wp('SP2')}"]
    assert [(r.good, r.reason) for r in rejected] == [
        ("P3", "ranked #3 by profit per hour; policy allows 2 pipelines")
    ]


def test_one_pipeline_per_product_even_with_several_good_importers():
    w = one_product(x_seller(World()), "P", collect=1000, sell=3000)
    w.demand("S2", "P", sell=2900, activity="WEAK")
    w.demand("S3", "P", sell=2800, activity="RESTRICTED")
    pipelines, _ = plan_pipelines(w.snapshot(), book({"P": ["X"]}, {"X"}), POLICY)
    assert [p.product for p in pipelines] == ["P"]


def test_expected_cost_and_revenue_are_every_purchase_and_every_sale():
    # one visit collects 12 (tradeVolume 20 x 0.6); X: one lot of 12 (60 x 0.6 = 36 fits);
    # P sold into a LIMITED import trading 5: lots of 5, 5, 2 at -2.2% per lot sold before
    w = one_product(x_seller(World()), "P", collect=1000, sell=3000)
    w.rows[wp("SP")] = [dataclasses.replace(g, trade_volume=5) for g in w.rows[wp("SP")]]
    (p,), _ = plan_pipelines(w.snapshot(), book({"P": ["X"]}, {"X"}), POLICY)
    x_cost = 12 * 100
    p_cost = 12 * 1000
    x_sale = 12 * 100  # delivered to the factory, which pays its sellPrice
    p_sale = 5 * 3000 + 5 * round(3000 * (1 - 0.022)) + 2 * round(3000 * (1 - 0.044))
    assert p.quantity == 12
    assert (p.expected_cost, p.expected_revenue) == (x_cost + p_cost, x_sale + p_sale)
    assert p.sell_price == 3000


@st.composite
def worlds(draw):
    """1-4 products, each made from 1-2 of three raw goods, random prices, volumes, supplies."""
    w = World(credits=draw(st.integers(1_000, 400_000)))
    w.ships = [(draw(st.integers(5, 60)), 30)]
    raws = ["R1", "R2", "R3"]
    for r in raws:
        w.sell(
            f"M{r}", r, buy=draw(st.integers(5, 500)), supply=draw(st.sampled_from(SUPPLY_LEVELS)),
            tv=draw(st.sampled_from([6, 10, 20, 60, 180])),
        )  # fmt: skip
    recipes = {}
    for k in range(draw(st.integers(1, 4))):
        product = f"P{k}"
        inputs = draw(st.lists(st.sampled_from(raws), min_size=1, max_size=2, unique=True))
        recipes[product] = inputs
        w.factory(
            f"F{k}", product, buy=draw(st.integers(50, 5000)), supply="HIGH",
            tv=draw(st.sampled_from([6, 10, 20, 60])),
            inputs={i: draw(st.integers(1, 600)) for i in inputs},
        )  # fmt: skip
        w.demand(
            f"S{k}", product, sell=draw(st.integers(50, 9000)),
            activity=draw(st.sampled_from(["WEAK", "RESTRICTED", "GROWING"])),
            tv=draw(st.sampled_from([6, 20, 100])),
        )  # fmt: skip
    return w, book(recipes, set(raws))


@given(worlds(), st.integers(1, 3))
def test_every_plan_keeps_margin_caps_and_one_pipeline_per_product(world, max_pipelines):
    w, bk = world
    policy = one_batch(
        max_pipelines=max_pipelines, spend_cap_pipeline=60_000, spend_cap_total=150_000
    )
    snap = w.snapshot()
    pipelines, rejected = plan_pipelines(snap, bk, policy)
    assert len(pipelines) <= max_pipelines
    _committed_at_once_within(snap, bk, policy)
    for p in pipelines:
        assert 0 < p.expected_cost <= 60_000
        assert (p.expected_revenue - p.expected_cost) / p.expected_cost >= policy.min_margin
        assert 1 <= p.quantity <= w.ships[0][0]
        assert {c.quantity for c in p.chain.children} == {p.quantity}
        for node in (p.chain, *p.chain.children):  # average paid within the price ceiling
            snapshot_price = snap.market(node.market).good(node.good).purchase_price
            assert node.unit_price <= policy.price_ceiling * snapshot_price + 0.5
    demanded = {g.symbol for m in snap.markets for g in m.trade_goods if g.type == "IMPORT"}
    products = sorted(p.product for p in pipelines) + sorted(r.good for r in rejected)
    assert sorted(products) == sorted(g for g in demanded if g.startswith("P"))
    assert all(r.reason for r in rejected)
