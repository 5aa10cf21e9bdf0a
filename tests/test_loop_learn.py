"""Learned figures: production delays, price impact and recovery times from what was seen."""

from __future__ import annotations

from plancc.loop.learn import learn
from plancc.loop.records import Feed, Observation, Trade

F, E, IM = "X1-A-F1", "X1-A-E2", "X1-A-I3"


def obs(
    market: str,
    good: str,
    at: float,
    supply: str,
    purchase: int = 100,
    sell: int = 50,
    tv: int = 20,
) -> Observation:
    return Observation(market, good, at, supply, purchase, sell, tv)


def test_production_delay_is_the_median_time_from_feeding_to_high_export() -> None:
    feeds = [Feed(F, "FAB", t0) for t0 in (0.0, 10_000.0, 20_000.0)]
    seen = [
        obs(F, "FAB", 0.0, "LIMITED"),
        obs(F, "FAB", 1200.0, "MODERATE"),
        obs(F, "FAB", 1800.0, "HIGH"),
        obs(F, "FAB", 10_000.0, "MODERATE"),
        obs(F, "FAB", 12_400.0, "HIGH"),
        obs(F, "FAB", 19_000.0, "LIMITED"),
        obs(F, "FAB", 21_500.0, "ABUNDANT"),
    ]
    learned = learn(seen, [], feeds, min_count=3)
    fig = learned.production_lag_s[F]
    assert (fig.value, fig.count) == (1800.0, 3)  # median of 1800, 2400, 1500


def test_a_factory_seen_fewer_times_than_the_minimum_keeps_the_policy_default() -> None:
    feeds = [Feed(F, "FAB", 0.0), Feed(F, "FAB", 10_000.0)]
    seen = [
        obs(F, "FAB", 0.0, "LIMITED"),
        obs(F, "FAB", 1800.0, "HIGH"),
        obs(F, "FAB", 9_000.0, "LIMITED"),
        obs(F, "FAB", 12_000.0, "HIGH"),
    ]
    assert F not in learn(seen, [], feeds, min_count=3).production_lag_s
    assert learn(seen, [], feeds, min_count=2).production_lag_s[F].count == 2


def test_an_export_already_high_when_fed_says_nothing_about_the_delay() -> None:
    feeds = [Feed(F, "FAB", 100.0)]
    seen = [obs(F, "FAB", 50.0, "HIGH"), obs(F, "FAB", 100.0, "HIGH")]
    assert learn(seen, [], feeds, min_count=1).production_lag_s == {}


def test_a_feed_never_seen_to_reach_high_teaches_nothing() -> None:
    feeds = [Feed(F, "FAB", 0.0)]
    seen = [obs(F, "FAB", 0.0, "LIMITED"), obs(F, "FAB", 600.0, "MODERATE")]
    assert learn(seen, [], feeds, min_count=1).production_lag_s == {}


def test_buy_impact_per_lot_is_learned_per_market_and_supply_level() -> None:
    seen = [obs(E, "IRON", 0.0, "HIGH", tv=20), obs(E, "COPPER", 0.0, "MODERATE", tv=10)]
    trades = [
        # one lot of 20 at 100, the next at 104: +4% per lot at HIGH
        Trade(E, "IRON", 10.0, "PURCHASE", 20, 100, "S-1"),
        Trade(E, "IRON", 11.0, "PURCHASE", 20, 104, "S-1"),
        # half a lot (5 of 10) at 200, then 206: +3% for half a lot = 6% per lot at MODERATE
        Trade(E, "COPPER", 10.0, "PURCHASE", 5, 200, "S-2"),
        Trade(E, "COPPER", 11.0, "PURCHASE", 5, 206, "S-2"),
    ]
    learned = learn(seen, trades, [], min_count=1)
    assert round(learned.buy_impact[(E, "HIGH")].value, 4) == 0.04
    assert round(learned.buy_impact[(E, "MODERATE")].value, 4) == 0.06
    assert learned.sell_impact == {}


def test_sell_impact_counts_a_falling_bid_as_impact() -> None:
    seen = [obs(IM, "FAB", 0.0, "SCARCE", tv=10)]
    trades = [
        Trade(IM, "FAB", 5.0 + k, "SELL", 10, p, "S-1") for k, p in enumerate((1000, 970, 941))
    ]
    fig = learn(seen, trades, [], min_count=2).sell_impact[(IM, "SCARCE")]
    assert fig.count == 2 and 0.029 < fig.value < 0.031


def test_trades_of_different_visits_are_not_compared() -> None:
    seen = [obs(E, "IRON", 0.0, "HIGH")]
    trades = [
        Trade(E, "IRON", 10.0, "PURCHASE", 20, 100, "S-1"),
        Trade(E, "IRON", 5000.0, "PURCHASE", 20, 140, "S-1"),  # a later visit
    ]
    assert learn(seen, trades, [], min_count=1).buy_impact == {}


def test_back_to_back_trades_of_two_ships_are_compared_in_time_order() -> None:
    seen = [obs(E, "IRON", 0.0, "HIGH")]
    trades = [
        Trade(E, "IRON", 10.0, "PURCHASE", 20, 100, "S-1"),
        Trade(E, "IRON", 10.5, "PURCHASE", 20, 105, "S-2"),
        Trade(E, "IRON", 11.0, "PURCHASE", 20, 110, "S-1"),
    ]
    fig = learn(seen, trades, [], min_count=1).buy_impact[(E, "HIGH")]
    assert fig.count == 2 and 0.047 < fig.value < 0.051


def test_recovery_is_the_time_until_a_read_shows_the_price_halfway_back() -> None:
    seen = [
        obs(IM, "FAB", 0.0, "SCARCE", sell=1000),
        obs(IM, "FAB", 2000.0, "SCARCE", sell=820),  # not yet halfway (850)
        obs(IM, "FAB", 5600.0, "SCARCE", sell=900),  # halfway back
    ]
    trades = [
        Trade(IM, "FAB", 100.0 + k, "SELL", 10, p, "S-1") for k, p in enumerate((1000, 850, 700))
    ]
    fig = learn(seen, trades, [], min_count=1).recovery_s[IM]
    assert fig.value == 5600.0 - 102.0 and fig.count == 1


def test_provenance_lists_each_learned_figure_with_its_observation_count() -> None:
    feeds = [Feed(F, "FAB", t0) for t0 in (0.0, 10_000.0, 20_000.0)]
    seen = [obs(F, "FAB", t0, "MODERATE") for t0 in (0.0, 10_000.0, 20_000.0)]
    seen += [obs(F, "FAB", t0 + 1500.0, "HIGH") for t0 in (0.0, 10_000.0, 20_000.0)]
    prov = learn(seen, [], feeds, min_count=3).provenance()
    assert prov == {"production_lag_s": {F: {"value": 1500.0, "observations": 3}}}
