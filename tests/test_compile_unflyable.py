"""A pipeline no ship can fly gives its slot to the next-ranked candidate.

Two products in a tiny world: P1 pays more but all its markets sit 5,000 units out, beyond any
tank (400 fuel) from where the fleet is; P2 is made next door. With room for one pipeline, the
plan must still make P2, and say why P1 was dropped.
"""

from __future__ import annotations

from chainworld import World, book

from plancc.chain import find_demand
from plancc.compile import compile_plan
from plancc.model import Policy

INPUTS = {"snapshot": "sha256:" + "0" * 64}


def _world() -> World:
    w = World()
    w.at("A0", 0).at("X", 10).at("F2", 20).at("D2", 30)
    w.at("Y", 5000).at("F1", 5010).at("D1", 5020)
    w.sell("X", "RAW2", buy=100, supply="HIGH")
    w.factory("F2", "P2", buy=1000, inputs={"RAW2": 150})
    w.demand("D2", "P2", sell=2000)
    w.sell("Y", "RAW1", buy=100, supply="HIGH")
    w.factory("F1", "P1", buy=1000, inputs={"RAW1": 150})
    w.demand("D1", "P1", sell=4000)
    w.sell("A0", "FUEL", buy=70, kind="EXCHANGE")
    return w


BOOK = book({"P1": ["RAW1"], "P2": ["RAW2"]}, {"RAW1", "RAW2"})


def test_the_unreachable_product_ranks_first_in_this_world():
    candidates, _ = find_demand(_world().snapshot(), BOOK, Policy(max_pipelines=1, max_batches=1))
    assert [c.good for c in candidates] == ["P1", "P2"]


def test_a_pipeline_no_ship_can_fly_is_replaced_by_the_next_ranked_candidate():
    plan = compile_plan(
        BOOK, Policy(max_pipelines=1, max_batches=1), _world().snapshot(), inputs=INPUTS
    )
    assert [p.product for p in plan.pipelines] == ["P2"]
    assert plan.objective.status == "OPTIMAL"
    assert any(r.good == "P1" and "no ship can fly leg" in r.reason for r in plan.rejected)
    assert not any(r.good == "P2" for r in plan.rejected)


def test_when_every_candidate_is_unflyable_the_plan_is_empty_with_each_reason():
    w = _world()
    w.at("X", 6000).at("F2", 6010).at("D2", 6020)
    plan = compile_plan(BOOK, Policy(max_pipelines=1, max_batches=1), w.snapshot(), inputs=INPUTS)
    assert plan.objective.status == "EMPTY"
    assert {r.good for r in plan.rejected if "no ship can fly" in r.reason} == {"P1", "P2"}


def test_plan_pipelines_takes_the_demand_finders_candidates_as_they_are():
    from plancc.chain import plan_pipelines

    snap, policy = _world().snapshot(), Policy(max_pipelines=2, max_batches=1)
    candidates, _ = find_demand(snap, BOOK, policy)
    given, own = plan_pipelines(snap, BOOK, policy, candidates=candidates)
    alone, _ = plan_pipelines(snap, BOOK, policy)
    assert given == alone
    assert own == ()  # find_demand's rejections stay with the caller


def test_plan_pipelines_skips_excluded_products_and_fills_the_slot():
    from plancc.chain import plan_pipelines

    snap, policy = _world().snapshot(), Policy(max_pipelines=1, max_batches=1)
    candidates, _ = find_demand(snap, BOOK, policy)
    pipelines, _ = plan_pipelines(snap, BOOK, policy, candidates=candidates, exclude={"P1"})
    assert [p.product for p in pipelines] == ["P2"]
