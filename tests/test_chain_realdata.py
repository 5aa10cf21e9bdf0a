"""The whole chain on the real X1-AD75 snapshot, one batch checked by hand."""

from __future__ import annotations

import dataclasses
import json

import pytest

from plancc.chain import cash_at, fill_horizon, find_demand, plan_pipelines
from plancc.load import default_recipe_path, load_recipes
from plancc.model import Policy
from plancc.parse import parse_snapshot, realdata_to_snapshot
from plancc.pipeline import build_tasks

POLICY = Policy()  # the model's defaults, pinned here so a policy.yaml edit cannot move the sums


@pytest.fixture(scope="module")
def real(realdata_snapshot_path):
    snap = parse_snapshot(realdata_to_snapshot(json.loads(realdata_snapshot_path.read_text())))
    return snap, load_recipes([default_recipe_path()])


def test_ship_plating_first_batch_matches_the_hand_calculation(real):
    """SHIP_PLATING's first batch, checked by hand from the snapshot's rows.

    Fleet: one 40-unit hauler (speed 36). Agent: 175,000 cr; the budget is whole, not split
    over slots: min(spend_cap_pipeline 500,000, 175,000 - reserve 10,000) = 165,000 cr.

    Sell market: importers of SHIP_PLATING are C41 (sellPrice 7711), A2 (7013) and H52 (6357).
    The snapshot was captured at 17:25:39; C41 was read at 15:49:49 (1.6 h before) and A2 at
    15:58:39 (1.4 h), both older than max_snapshot_age_s 3600: only H52 (WEAK, MODERATE) is left.

    The product: D44 exports it ABUNDANT (purchasePrice 2768, tradeVolume 6), at or above
    buy_supply_level HIGH, so the adaptive rule buys it there (no deliveries, no production
    wait), which pays more per hour than making it from ALUMINUM and MACHINERY.

    4 units: one visit buys at most floor(tradeVolume 6 x 0.8 at ABUNDANT) = 4 (the per-visit
    cap, however large the hold), in one lot:
      buy at D44:  4 x 2768                                                        = 11,072
      sell at H52 (sellPrice 6357, MODERATE, tv 6): one lot, nothing sold before:
                   4 x 6357                                                        = 25,428
      margin = (25,428 - 11,072) / 11,072 = 130% >= 8%
    Batch 2 starts when D44 has given back enough of batch 1's 4 units (recovery_half_life_s
    5400): still taken round(4 x 0.5^(t / 5400)) = 3, so it buys 4 - 3 = 1, at
    round(2768 x (1 + 0.04 x 3/6)) = 2823, and sells it where 3 of batch 1's 4 are still felt:
    round(6357 x (1 - 0.039 x 3/6)) = 6233.
    """
    snap, book = real
    pipelines, _ = plan_pipelines(snap, book, POLICY)
    p = next(p for p in pipelines if p.product == "SHIP_PLATING")
    assert (p.id, p.batch, p.quantity, p.sell_price) == ("SHIP_PLATING@X1-AD75-H52", 1, 4, 6357)
    assert (p.expected_cost, p.expected_revenue) == (11_072, 25_428)
    root = p.chain
    assert (root.method, root.market, root.children) == ("BUY", "X1-AD75-D44", ())
    assert (root.unit_price, root.unload_price) == (2768, 6357)
    batches, _ = fill_horizon(snap, book, POLICY)
    first, second, *_ = (b for b in batches if b.pipeline.product == "SHIP_PLATING")
    assert round(4 * 0.5 ** ((second.start_s - first.start_s) / 5400)) == 3
    assert (second.pipeline.quantity, second.pipeline.expected_cost) == (1, 2823)
    assert second.pipeline.expected_revenue == 6233


def test_real_plan_respects_policy_and_explains_what_it_left_out(real):
    snap, book = real
    policy = dataclasses.replace(POLICY, max_pipelines=3)  # the optional cap a player may set
    batches, rejected = fill_horizon(snap, book, policy)
    pipelines = [b.pipeline for b in batches]
    assert 1 <= len({p.product for p in pipelines}) <= policy.max_pipelines
    assert len({p.id for p in pipelines}) == len(pipelines)
    for b in batches:  # credits on hand never fall into the reserve when a batch starts
        cash, running = cash_at(batches, b.start_s, snap.agent.credits)
        assert cash >= policy.reserve_credits and running <= policy.spend_cap_total
    for p in pipelines:
        assert (p.expected_revenue - p.expected_cost) / p.expected_cost >= policy.min_margin
        row = snap.market(p.sell_market).good(p.product)
        assert row.type == "IMPORT" and row.activity in policy.sell_activities
    reasons = {(r.good, r.market): r.reason for r in rejected}
    assert "no factory in X1-AD75 exports CLOTHING" in reasons[("CLOTHING", "X1-AD75-J58")]
    assert "1.6 h old > max_snapshot_age_s" in reasons[("*", "X1-AD75-C41")]
    assert any("policy allows 3 pipelines" in r.reason for r in rejected)
    assert all(r.reason for r in rejected)


def test_real_candidates_are_ranked_best_first(real):
    snap, book = real
    candidates, _ = find_demand(snap, book, POLICY)
    rates = [c.est_profit_per_hour for c in candidates]
    assert rates == sorted(rates, reverse=True)
    # SHIP_PARTS, ABUNDANT at D43 for 2870 and sold at H52 for 6962, earns most per hour
    assert (candidates[0].good, candidates[0].sell_market) == ("SHIP_PARTS", "X1-AD75-H52")


def test_real_pipelines_become_legs_within_the_hauler(real):
    snap, book = real
    pipelines, _ = plan_pipelines(snap, book, POLICY)
    tasks, legs = build_tasks(pipelines, POLICY, 40)
    assert all(leg.units <= 40 for leg in legs)  # every good a leg carries, together
    assert len(tasks) == 2 * sum(len(leg.parts) for leg in legs)
    first = [t.id for t in tasks if t.pipeline == "SHIP_PLATING@X1-AD75-H52"]
    assert first == [
        "SHIP_PLATING@X1-AD75-H52/acquire/SHIP_PLATING@X1-AD75-D44#1",
        "SHIP_PLATING@X1-AD75-H52/sell/SHIP_PLATING@X1-AD75-H52#1",
    ]
