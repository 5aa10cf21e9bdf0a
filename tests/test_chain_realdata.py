"""The whole chain on the real X1-AD75 snapshot, one pipeline checked by hand."""

from __future__ import annotations

import json

import pytest

from plancc.chain import find_demand, plan_pipelines
from plancc.load import default_recipe_path, load_recipes
from plancc.model import Policy
from plancc.parse import parse_snapshot, realdata_to_snapshot
from plancc.pipeline import build_tasks

POLICY = Policy()  # the model's defaults, pinned here so a policy.yaml edit cannot move the sums


@pytest.fixture(scope="module")
def real(realdata_snapshot_path):
    snap = parse_snapshot(realdata_to_snapshot(json.loads(realdata_snapshot_path.read_text())))
    return snap, load_recipes([default_recipe_path()])


def test_ship_plating_pipeline_matches_the_hand_calculation(real):
    """SHIP_PLATING, ranked first, checked by hand from the snapshot's rows.

    Fleet: one 40-unit hauler (speed 36). Agent: 175,000 cr, shared over 3 pipeline slots:
    this pipeline may spend 175,000 // 3 = 58,333 cr.

    Sell market: importers of SHIP_PLATING are C41 (sellPrice 7711, WEAK, SCARCE), A2 (7013,
    WEAK, SCARCE) and H52 (6357, WEAK, MODERATE): C41 scores best (price 100 x 0.4 + WEAK 100 x
    0.3 + SCARCE 100 x 0.2 = 90, plus depth). Factory: D44 exports it (purchasePrice 2768,
    tradeVolume 6) and imports ALUMINUM and MACHINERY. Inputs: ALUMINUM is HIGH at H51 (147,
    tv 60), MACHINERY ABUNDANT at E46 (1826, tv 20): both bought, not made.

    12 units (one more would need 58,137 + 147 + 1,826 + 3,045 = 63,155 > 58,333):
      buy ALUMINUM at H51:  one lot of 12 (60 x 0.6 = 36 >= 12)        12 x 147  =  1,764
      buy MACHINERY at E46: one lot of 12 (20 x 0.8 = 16 >= 12)        12 x 1826 = 21,912
      collect at D44 (collected at HIGH: lots of 6 x 0.6 = 3), +5% x 3/6 = +2.5% per lot:
        3 x 2768 + 3 x round(2768 x 1.025) + 3 x round(2768 x 1.05) + 3 x round(2768 x 1.075)
        = 3 x (2768 + 2837 + 2906 + 2976)                                         = 34,461
      cost = 1,764 + 21,912 + 34,461                                              = 58,137
      deliver ALUMINUM to D44 (sellPrice 238):                         12 x 238  =  2,856
      deliver MACHINERY to D44 (sellPrice 3012):                       12 x 3012 = 36,144
      sell at C41 (sellPrice 7711, tv 6), -1.5% per lot of 6:
        6 x 7711 + 6 x round(7711 x 0.985) = 46,266 + 6 x 7595                   = 91,836
      revenue = 2,856 + 36,144 + 91,836                                           = 130,836
      margin = (130,836 - 58,137) / 58,137 = 125% >= 8%
    """
    snap, book = real
    pipelines, _ = plan_pipelines(snap, book, POLICY)
    p = pipelines[0]
    assert (p.id, p.quantity, p.sell_price) == ("SHIP_PLATING@X1-AD75-C41", 12, 7711)
    assert (p.expected_cost, p.expected_revenue) == (58_137, 130_836)
    root = p.chain
    assert (root.method, root.market, root.unit_price, root.unload_price) == (
        "MANUFACTURE", "X1-AD75-D44", round(34_461 / 12), round(91_836 / 12),
    )  # fmt: skip
    assert [
        (c.good, c.method, c.market, c.quantity, c.unit_price, c.unload_price)
        for c in root.children
    ] == [
        ("ALUMINUM", "BUY", "X1-AD75-H51", 12, 147, 238),
        ("MACHINERY", "BUY", "X1-AD75-E46", 12, 1826, 3012),
    ]


def test_real_plan_respects_policy_and_explains_what_it_left_out(real):
    snap, book = real
    pipelines, rejected = plan_pipelines(snap, book, POLICY)
    assert 1 <= len(pipelines) <= POLICY.max_pipelines
    assert len({p.product for p in pipelines}) == len(pipelines)
    assert sum(p.expected_cost for p in pipelines) <= snap.agent.credits
    for p in pipelines:
        assert (p.expected_revenue - p.expected_cost) / p.expected_cost >= POLICY.min_margin
        row = snap.market(p.sell_market).good(p.product)
        assert row.type == "IMPORT" and row.activity in POLICY.sell_activities
    reasons = {r.good: r.reason for r in rejected}
    assert "no factory in X1-AD75 exports EXOTIC_MATTER" in reasons["EXOTIC_MATTER"]
    assert all(r.reason for r in rejected)


def test_real_candidates_are_ranked_best_first(real):
    snap, book = real
    candidates, _ = find_demand(snap, book, POLICY)
    rates = [c.est_profit_per_hour for c in candidates]
    assert rates == sorted(rates, reverse=True)
    assert candidates[0].good == "SHIP_PLATING"


def test_real_pipelines_become_legs_within_the_hauler(real):
    snap, book = real
    pipelines, _ = plan_pipelines(snap, book, POLICY)
    tasks, legs = build_tasks(pipelines, POLICY, 40)
    assert all(leg.quantity <= 40 for leg in legs)
    assert len(tasks) == 2 * len(legs)
    first = [t.id for t in tasks if t.pipeline == "SHIP_PLATING@X1-AD75-C41"]
    assert first == [
        "SHIP_PLATING@X1-AD75-C41/acquire/ALUMINUM@X1-AD75-H51#1",
        "SHIP_PLATING@X1-AD75-C41/deliver/ALUMINUM@X1-AD75-D44#1",
        "SHIP_PLATING@X1-AD75-C41/acquire/MACHINERY@X1-AD75-E46#1",
        "SHIP_PLATING@X1-AD75-C41/deliver/MACHINERY@X1-AD75-D44#1",
        "SHIP_PLATING@X1-AD75-C41/collect/SHIP_PLATING@X1-AD75-D44#1",
        "SHIP_PLATING@X1-AD75-C41/sell/SHIP_PLATING@X1-AD75-C41#1",
    ]
