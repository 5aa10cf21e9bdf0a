"""The demand finder: importers of manufacturable goods, ranked by profit per hour of ship time."""

from __future__ import annotations

from chainworld import World, book, wp

from plancc.chain import find_demand
from plancc.model import Policy
from plancc.travel import travel_seconds

POLICY = Policy()
BOOK = book({"FAR": ["X"], "NEAR": ["X"]}, {"X"})


def two_products() -> World:
    """FAR pays 5,000/u but its sell market is 3,000 units away; NEAR pays 2,000/u next door."""
    w = World()
    w.sell("M", "X", buy=100, supply="HIGH").at("M", 0)
    w.factory("FF", "FAR", buy=1000, supply="HIGH", inputs={"X": 100}).at("FF", 10)
    w.demand("SF", "FAR", sell=5000).at("SF", 3010)
    w.factory("FN", "NEAR", buy=1000, supply="HIGH", inputs={"X": 100}).at("FN", 20)
    w.demand("SN", "NEAR", sell=2000).at("SN", 30)
    return w


def test_products_rank_by_profit_per_hour_not_by_price():
    candidates, _ = find_demand(two_products().snapshot(), BOOK, POLICY)
    assert [c.good for c in candidates] == ["NEAR", "FAR"]
    near, far = candidates
    assert far.sell_price > near.sell_price
    assert near.est_profit_per_hour > far.est_profit_per_hour


def test_profit_per_hour_counts_every_leg_of_the_typical_hauler_and_the_production_wait():
    w = two_products()
    make = Policy(buy_supply_level="ABUNDANT")  # HIGH factories: made, not bought there
    candidates, _ = find_demand(w.snapshot(), BOOK, make)
    near = next(c for c in candidates if c.good == "NEAR")
    assert near.make
    # 12 units: one visit collects at most 20 x 0.6 = 12 NEAR at FN (X: 60 x 0.6 = 36 at M)
    # X M->FN (20 units away) and NEAR FN->SN (10 units away), speed 30, 2 docks each
    legs = travel_seconds(20, 30) + travel_seconds(10, 30) + 4 * POLICY.dock_seconds
    legs += travel_seconds(30, 30)  # and the empty flight back from SN to M for the next batch
    x_cost = 12 * 100
    near_cost = 12 * 1000
    sales = 12 * 100 + 12 * 2000  # each one lot, under the importers' tradeVolume 60 and 20
    profit = sales - x_cost - near_cost
    # the factory is already HIGH: the wait is the production lag alone
    assert near.est_profit_per_hour == round(profit * 3600 / (legs + make.production_lag_s), 3)


def test_a_faster_fleet_earns_more_per_hour():
    slow = two_products()
    fast = two_products()
    fast.ships = [(40, 90)]
    (s, _), (f, _) = (find_demand(x.snapshot(), BOOK, POLICY)[0] for x in (slow, fast))
    assert f.est_profit_per_hour > s.est_profit_per_hour


def test_raw_materials_imported_somewhere_are_not_candidates():
    w = two_products()
    w.demand("SN", "X", sell=500)
    candidates, rejected = find_demand(w.snapshot(), BOOK, POLICY)
    assert "X" not in {c.good for c in candidates} | {r.good for r in rejected}


def test_product_that_cannot_be_made_is_reported_with_the_reason():
    w = two_products()
    w.demand("SN", "GADGETS", sell=9000)
    bk = book({"FAR": ["X"], "NEAR": ["X"], "GADGETS": ["X"]}, {"X"})
    _, rejected = find_demand(w.snapshot(), bk, POLICY)
    (r,) = [r for r in rejected if r.good == "GADGETS"]
    assert r.market == wp("SN")
    assert "no factory in X1-T exports GADGETS" in r.reason


def test_unprofitable_product_is_reported_not_ranked():
    w = two_products()
    w.rows[wp("SN")] = []
    w.demand("SN", "NEAR", sell=900)  # per unit: pay 100 + 1000, receive 100 + 900: -9%
    candidates, rejected = find_demand(w.snapshot(), BOOK, POLICY)
    assert [c.good for c in candidates] == ["FAR"]
    assert [(r.good, r.reason.split(" under")[0]) for r in rejected] == [("NEAR", "margin -9%")]
