"""The loop's pure decisions: the apply threshold, auto-pause/resume, scouting targets."""

from __future__ import annotations

from plancc.loop.pause import Paused, PauseRule, pause_changes
from plancc.loop.records import Outcome
from plancc.loop.scout import assign_scouts, stale_markets
from plancc.loop.verdict import Score, verdict

H = 3600.0


# -- the apply threshold ------------------------------------------------------------------------


def test_a_new_plan_better_by_more_than_the_threshold_is_applied() -> None:
    v = verdict(Score(10_000, 50_000, 2), Score(11_500, 60_000, 3), threshold=0.10)
    assert v.apply and "+15%" in v.reason


def test_a_new_plan_better_by_less_than_the_threshold_keeps_the_active_one() -> None:
    v = verdict(Score(10_000, 50_000, 2), Score(10_900, 55_000, 2), threshold=0.10)
    assert not v.apply and "kept the active plan" in v.reason


def test_a_new_plan_faster_but_earning_less_in_all_keeps_the_active_one() -> None:
    v = verdict(Score(10_000, 50_000, 5), Score(20_000, 30_000, 3), threshold=0.10)
    assert not v.apply and "less in all" in v.reason


def test_with_no_work_in_flight_any_profitable_plan_is_applied() -> None:
    assert verdict(None, Score(100, 500, 1), threshold=0.10).apply
    assert verdict(Score(0, 0, 0), Score(100, 500, 1), threshold=0.10).apply


def test_a_plan_with_no_profitable_work_is_never_applied() -> None:
    v = verdict(None, Score(0, 0, 0), threshold=0.10)
    assert not v.apply and "no profitable work" in v.reason


# -- auto-pause and resume ----------------------------------------------------------------------


def outcome(product: str, ended: float, realised: float, status: str = "COMPLETED") -> Outcome:
    return Outcome(f"p-{product}-{ended}", product, ended, status, 0.2, realised)


RULE = PauseRule(min_margin=0.08, window_s=3 * H, min_pipelines=2)


def test_a_product_whose_realised_margin_stays_low_is_paused_with_the_reason() -> None:
    outs = [outcome("FAB", 1 * H, 0.03), outcome("FAB", 2 * H, 0.05, "FAILED")]
    [change] = pause_changes(outs, {}, {}, 2.5 * H, RULE)
    assert change.action == "pause" and change.product == "FAB"
    assert "realised margin 4.0%" in change.reason and "1 failed" in change.reason


def test_one_bad_pipeline_is_not_enough_to_pause() -> None:
    assert pause_changes([outcome("FAB", 1 * H, -0.5)], {}, {}, 1.5 * H, RULE) == []


def test_a_healthy_product_is_not_paused() -> None:
    outs = [outcome("FAB", 1 * H, 0.15), outcome("FAB", 2 * H, 0.05)]
    assert pause_changes(outs, {}, {}, 2.5 * H, RULE) == []


def test_results_older_than_the_window_do_not_count() -> None:
    outs = [outcome("FAB", 1 * H, 0.01), outcome("FAB", 2 * H, 0.01)]
    assert pause_changes(outs, {}, {}, 6 * H, RULE) == []


def test_a_paused_product_resumes_when_prices_read_since_show_it_healthy() -> None:
    paused = {"FAB": Paused("FAB", 2 * H, "low")}
    [change] = pause_changes([], paused, {"FAB": (0.12, 3 * H)}, 4 * H, RULE)
    assert change.action == "resume" and "12.0%" in change.reason


def test_a_paused_product_stays_paused_while_its_margin_is_low_or_its_prices_old() -> None:
    paused = {"FAB": Paused("FAB", 2 * H, "low")}
    assert pause_changes([], paused, {"FAB": (0.05, 3 * H)}, 4 * H, RULE) == []
    assert pause_changes([], paused, {"FAB": (0.30, 1 * H)}, 4 * H, RULE) == []
    assert pause_changes([], paused, {}, 4 * H, RULE) == []


def test_a_resumed_product_is_not_paused_again_for_the_old_results() -> None:
    outs = [outcome("FAB", 1 * H, 0.01), outcome("FAB", 2 * H, 0.01)]
    assert pause_changes(outs, {}, {}, 2.5 * H, RULE, resumed_at={"FAB": 2.2 * H}) == []


# -- scouting -----------------------------------------------------------------------------------


def test_stale_markets_are_those_older_than_the_limit_oldest_first() -> None:
    read = {"A": 100.0, "B": 3000.0, "C": 50.0}
    assert stale_markets(["A", "B", "C", "D"], read, now=4000.0, max_age_s=3600) == ["D", "C", "A"]


def test_each_stale_market_goes_to_the_nearest_free_probe_once() -> None:
    coords = {"P": (0.0, 0.0), "Q": (100.0, 0.0), "A": (90.0, 0.0), "B": (5.0, 0.0), "C": (50, 50)}
    orders = assign_scouts(["p1", "p2"], ["A", "B", "C"], {"p1": "P", "p2": "Q"}, coords)
    assert orders == {"p1": "B", "p2": "A"}


def test_a_market_a_probe_already_flies_to_is_not_assigned_again() -> None:
    coords = {"P": (0.0, 0.0), "A": (1.0, 0.0), "B": (9.0, 0.0)}
    assert assign_scouts(["p1"], ["A", "B"], {"p1": "P"}, coords, taken=["A"]) == {"p1": "B"}


def test_cargo_a_failed_pipeline_bought_and_the_next_one_sold_counts_once() -> None:
    """Demo seed 3: EXOTIC_MATTER+2 failed holding 35,198 cr of cargo; the runner re-attached it
    to EXOTIC_MATTER+3's load, which sold it for 41,274 having spent nothing. Per pipeline
    that is -100% and 0%; for the product it is +17%, which must not pause it."""
    failed = Outcome("EX+2", "EX", 1 * H, "FAILED", 0.57, -1.0, spent=35_198, profit=-35_198)
    sold = Outcome("EX+3", "EX", 2 * H, "COMPLETED", 0.57, 0.0, spent=0, profit=41_274)
    assert pause_changes([failed, sold], {}, {}, 2.5 * H, RULE) == []


def test_a_products_margin_weighs_each_pipeline_by_what_it_spent() -> None:
    big = Outcome("B", "FAB", 1 * H, "COMPLETED", 0.2, 0.30, spent=100_000, profit=30_000)
    small = Outcome("S", "FAB", 2 * H, "FAILED", 0.2, -0.50, spent=2_000, profit=-1_000)
    assert pause_changes([big, small], {}, {}, 2.5 * H, RULE) == []  # mean of the two: -10%
    worse = Outcome("W", "FAB", 2 * H, "FAILED", 0.2, -0.50, spent=200_000, profit=-100_000)
    [change] = pause_changes([big, worse], {}, {}, 2.5 * H, RULE)
    assert change.action == "pause" and "realised margin -23.3%" in change.reason
