"""Sell-market selection: hard filter (imports the good, allowed activity), then the weighted
score. Prices are the API's: selling, we RECEIVE sellPrice."""

from __future__ import annotations

import pytest
from chainworld import World, book, wp

from plancc.chain import find_demand, sell_score
from plancc.model import Policy, TradeGood

POLICY = Policy()


def importer(
    sell: int, activity: str | None, supply: str, purchase: int | None = None
) -> TradeGood:
    return TradeGood("LASER_RIFLES", "IMPORT", 10, supply, purchase or sell * 2, sell, activity)  # type: ignore[arg-type]


def test_design_example_score_with_the_design_price_scale():
    # X1-YZ19-A1 of the design: 31,699 WEAK LIMITED, prices normalised so 50,000 scores 100.
    # The design's own sum: 63.4 x 0.4 + 100 x 0.3 + 80 x 0.2 = 71.4 (its table's 84.1 is wrong),
    # plus depth: its tradeVolume 10 is half the deepest importer's 20, 50 x 0.1 = 5.
    score = sell_score(importer(31_699, "WEAK", "LIMITED"), POLICY, 50_000, 20)
    assert score == pytest.approx(0.4 * 63.398 + 30 + 16 + 5)


def test_score_uses_the_sell_price_we_receive_not_the_purchase_price():
    receives_more = importer(30_000, "WEAK", "LIMITED", purchase=40_000)
    charges_more = importer(20_000, "WEAK", "LIMITED", purchase=60_000)
    assert sell_score(receives_more, POLICY, 30_000, 10) > sell_score(
        charges_more, POLICY, 30_000, 10
    )


def test_scarce_supply_at_the_sell_market_scores_above_abundant():
    scarce = importer(30_000, "WEAK", "SCARCE")
    abundant = importer(30_000, "WEAK", "ABUNDANT")
    assert sell_score(scarce, POLICY, 30_000, 10) - sell_score(
        abundant, POLICY, 30_000, 10
    ) == pytest.approx(0.2 * (100 - 20))


def test_weak_activity_scores_above_restricted():
    weak = importer(30_000, "WEAK", "LIMITED")
    restricted = importer(30_000, "RESTRICTED", "LIMITED")
    assert sell_score(weak, POLICY, 30_000, 10) - sell_score(
        restricted, POLICY, 30_000, 10
    ) == pytest.approx(0.3 * 25)


def test_sell_score_depth_is_the_sell_markets_trade_volume_share():
    deep = importer(30_000, "WEAK", "LIMITED")
    thin = TradeGood("LASER_RIFLES", "IMPORT", 5, "LIMITED", 60_000, 30_000, "WEAK")
    # depth: tradeVolume over the deepest eligible importer's, x100: 10 -> 100, 5 -> 50
    assert sell_score(deep, POLICY, 30_000, 10) - sell_score(
        thin, POLICY, 30_000, 10
    ) == pytest.approx(0.1 * 50)


def rifle_world() -> World:
    w = World()
    w.sell("B7", "DIAMONDS", buy=100, supply="HIGH")
    w.factory("A2", "LASER_RIFLES", buy=15_000, supply="HIGH", inputs={"DIAMONDS": 300})
    # the design's four importers, with sellPrice as what we receive
    w.demand("A1", "LASER_RIFLES", sell=31_699, activity="WEAK", supply="LIMITED")
    w.demand("C2", "LASER_RIFLES", sell=28_500, activity="RESTRICTED", supply="MODERATE")
    w.demand("B4", "LASER_RIFLES", sell=35_000, activity="GROWING", supply="SCARCE")
    w.demand("D1", "LASER_RIFLES", sell=25_000, activity="WEAK", supply="HIGH")
    return w


RIFLE_BOOK = book({"LASER_RIFLES": ["DIAMONDS"]}, {"DIAMONDS"})


def test_growing_importer_is_excluded_even_at_the_best_price():
    (candidate,), _ = find_demand(rifle_world().snapshot(), RIFLE_BOOK, POLICY)
    assert (candidate.sell_market, candidate.sell_price, candidate.activity) == (
        wp("A1"),
        31_699,
        "WEAK",
    )


def test_sell_activities_come_from_the_policy():
    growing_ok = Policy(
        sell_activities=("WEAK", "RESTRICTED", "GROWING"),
        activity_scores={"WEAK": 100.0, "RESTRICTED": 75.0, "GROWING": 100.0},
    )
    (candidate,), _ = find_demand(rifle_world().snapshot(), RIFLE_BOOK, growing_ok)
    assert candidate.sell_market == wp("B4")


def test_of_two_importers_alike_but_for_depth_the_deeper_is_chosen():
    w = rifle_world()
    w.demand("A9", "LASER_RIFLES", sell=31_699, activity="WEAK", supply="LIMITED", tv=60)
    (candidate,), _ = find_demand(w.snapshot(), RIFLE_BOOK, POLICY)
    assert candidate.sell_market == wp("A9")  # A1 alike, tradeVolume 20


def test_product_with_only_volatile_importers_is_rejected_with_the_reason():
    w = World()
    w.sell("B7", "DIAMONDS", buy=100, supply="HIGH")
    w.factory("A2", "LASER_RIFLES", buy=15_000, supply="HIGH", inputs={"DIAMONDS": 300})
    w.demand("B4", "LASER_RIFLES", sell=35_000, activity="GROWING")
    w.demand("B5", "LASER_RIFLES", sell=33_000, activity="STRONG")
    w.demand("B6", "LASER_RIFLES", sell=33_000, activity=None)
    candidates, rejected = find_demand(w.snapshot(), RIFLE_BOOK, POLICY)
    assert candidates == []
    assert [r.reason for r in rejected] == ["no WEAK/RESTRICTED importer of LASER_RIFLES"]
