"""Pipelines -> task DAG (ACQUIRE, DELIVER, COLLECT, SELL) cut into legs, with stable ids."""

from __future__ import annotations

from dataclasses import replace

import pytest

from plancc.model import ChainNode, Pipeline, Policy
from plancc.pipeline import build_tasks, cut

POLICY = Policy(production_lag_s=900)
PID = "LASER_RIFLES@X1-A1"


def leaf(good: str, market: str, qty: int, price: int = 100, unload: int = 150) -> ChainNode:
    return ChainNode(good, "BUY", market, qty, price, unload_price=unload)


def laser_pipeline(qty: int = 30, circuitry: ChainNode | None = None) -> Pipeline:
    """LASER_RIFLES made at A2 from DIAMONDS, PLATINUM and ADVANCED_CIRCUITRY (made at D1)."""
    circuitry = circuitry or ChainNode(
        "ADVANCED_CIRCUITRY", "MANUFACTURE", "X1-D1", qty, 1200,
        (leaf("ELECTRONICS", "X1-C1", qty), leaf("MICROPROCESSORS", "X1-C2", qty)),
        unload_price=2500,
    )  # fmt: skip
    root = ChainNode(
        "LASER_RIFLES", "MANUFACTURE", "X1-A2", qty, 15000,
        (leaf("DIAMONDS", "X1-B7", qty), leaf("PLATINUM", "X1-B8", qty), circuitry),
        unload_price=31000,
    )  # fmt: skip
    return Pipeline(PID, "LASER_RIFLES", "X1-A1", qty, root, 500_000, 930_000, 31699)


def by_id(tasks):
    return {t.id: t for t in tasks}


def test_cut_makes_full_loads_then_the_rest():
    assert cut(50, 20) == [20, 20, 10]
    assert cut(40, 40) == [40]
    assert cut(7, 40) == [7]
    with pytest.raises(ValueError):
        cut(10, 0)


def test_chain_becomes_acquire_deliver_collect_sell_tasks():
    tasks, legs = build_tasks([laser_pipeline()], POLICY, 40)
    kinds = [(t.type, t.good, t.market) for t in tasks]
    assert kinds == [
        ("ACQUIRE", "DIAMONDS", "X1-B7"),
        ("DELIVER", "DIAMONDS", "X1-A2"),
        ("ACQUIRE", "PLATINUM", "X1-B8"),
        ("DELIVER", "PLATINUM", "X1-A2"),
        ("ACQUIRE", "ELECTRONICS", "X1-C1"),
        ("DELIVER", "ELECTRONICS", "X1-D1"),
        ("ACQUIRE", "MICROPROCESSORS", "X1-C2"),
        ("DELIVER", "MICROPROCESSORS", "X1-D1"),
        ("COLLECT", "ADVANCED_CIRCUITRY", "X1-D1"),
        ("DELIVER", "ADVANCED_CIRCUITRY", "X1-A2"),
        ("COLLECT", "LASER_RIFLES", "X1-A2"),
        ("SELL", "LASER_RIFLES", "X1-A1"),
    ]
    assert len(legs) == 6


def test_collect_depends_on_every_delivery_into_its_factory_and_waits_the_production_lag():
    tasks, _ = build_tasks([laser_pipeline()], POLICY, 40)
    ids = by_id(tasks)
    for collect in (t for t in tasks if t.type == "COLLECT"):
        delivered = {t.id for t in tasks if t.type == "DELIVER" and t.market == collect.market}
        assert set(collect.depends_on) == delivered
        assert collect.lag_s == 900
        assert all(ids[d].type == "DELIVER" for d in collect.depends_on)


def test_every_unload_depends_on_its_own_load_and_acquires_wait_for_nothing():
    tasks, legs = build_tasks([laser_pipeline()], POLICY, 40)
    ids = by_id(tasks)
    for leg in legs:
        load, unload = ids[leg.load], ids[leg.unload]
        assert unload.depends_on == (load.id,)
        assert (load.type, unload.type) in {
            ("ACQUIRE", "DELIVER"), ("COLLECT", "DELIVER"), ("COLLECT", "SELL"),
        }  # fmt: skip
        assert load.good == unload.good == leg.good
        assert load.quantity == unload.quantity == leg.quantity
    assert all(t.depends_on == () and t.lag_s == 0 for t in tasks if t.type == "ACQUIRE")


def test_dependencies_exist_and_come_first():
    tasks, _ = build_tasks([laser_pipeline()], POLICY, 40)
    seen: set[str] = set()
    for t in tasks:
        assert set(t.depends_on) <= seen
        seen.add(t.id)


def test_loads_are_cut_at_cargo_capacity_and_quantities_stay_consistent():
    tasks, legs = build_tasks([laser_pipeline(qty=50)], POLICY, 20)
    assert all(leg.quantity <= 20 for leg in legs)
    for good in ("DIAMONDS", "ADVANCED_CIRCUITRY", "LASER_RIFLES"):
        for kind in ("ACQUIRE", "DELIVER", "COLLECT", "SELL"):
            moved = [t.quantity for t in tasks if t.good == good and t.type == kind]
            assert sum(moved) in (0, 50)
    sells = [t.quantity for t in tasks if t.type == "SELL"]
    assert sells == [20, 20, 10]
    # each COLLECT of circuitry waits for all six deliveries of its inputs (3 loads x 2 inputs)
    collects = [t for t in tasks if t.type == "COLLECT" and t.good == "ADVANCED_CIRCUITRY"]
    assert [len(c.depends_on) for c in collects] == [6, 6, 6]


def test_ids_are_readable_and_derived_from_content():
    tasks, legs = build_tasks([laser_pipeline()], POLICY, 40)
    assert tasks[0].id == "LASER_RIFLES@X1-A1/acquire/DIAMONDS@X1-B7#1"
    assert tasks[1].id == "LASER_RIFLES@X1-A1/deliver/DIAMONDS@X1-A2#1"
    assert legs[0].id == "LASER_RIFLES@X1-A1/leg/DIAMONDS@X1-B7>X1-A2#1"
    assert all(t.pipeline == PID for t in tasks)
    assert len({t.id for t in tasks}) == len(tasks)
    assert len({leg.id for leg in legs}) == len(legs)


def test_the_same_good_bought_at_the_same_market_twice_gets_distinct_ids():
    iron_twice = ChainNode(
        "FIREARMS", "MANUFACTURE", "X1-E45", 10, 2000,
        (
            leaf("IRON", "X1-H51", 10),
            ChainNode("AMMUNITION", "MANUFACTURE", "X1-F48", 10, 1100, (leaf("IRON", "X1-H51", 10),)),
        ),
    )  # fmt: skip
    p = Pipeline("FIREARMS@X1-J58", "FIREARMS", "X1-J58", 10, iron_twice, 1, 2, 3)
    tasks, _ = build_tasks([p], POLICY, 40)
    acquires = [t.id for t in tasks if t.type == "ACQUIRE"]
    assert acquires == [
        "FIREARMS@X1-J58/acquire/IRON@X1-H51#1",
        "FIREARMS@X1-J58/acquire/IRON@X1-H51#2",
    ]


def test_recompiling_gives_the_same_ids_and_a_small_change_a_small_diff():
    first, _ = build_tasks([laser_pipeline()], POLICY, 40)
    again, _ = build_tasks([laser_pipeline()], POLICY, 40)
    assert first == again
    moved = replace(leaf("ELECTRONICS", "X1-C1", 30), market="X1-C9")
    circuitry = ChainNode(
        "ADVANCED_CIRCUITRY", "MANUFACTURE", "X1-D1", 30, 1200,
        (moved, leaf("MICROPROCESSORS", "X1-C2", 30)), unload_price=2500,
    )  # fmt: skip
    changed, _ = build_tasks([laser_pipeline(circuitry=circuitry)], POLICY, 40)
    gone = {t.id for t in first} - {t.id for t in changed}
    assert gone == {"LASER_RIFLES@X1-A1/acquire/ELECTRONICS@X1-C1#1"}


def test_tasks_carry_the_expected_prices_paid_and_received():
    tasks, _ = build_tasks([laser_pipeline()], POLICY, 40)
    prices = {(t.type, t.good): t.unit_price for t in tasks}
    assert prices[("ACQUIRE", "DIAMONDS")] == 100
    assert prices[("DELIVER", "DIAMONDS")] == 150
    assert prices[("COLLECT", "LASER_RIFLES")] == 15000
    assert prices[("SELL", "LASER_RIFLES")] == 31000


def test_several_pipelines_keep_their_tasks_apart():
    other = replace(laser_pipeline(), id="LASER_RIFLES@X1-A9", sell_market="X1-A9")
    tasks, legs = build_tasks([laser_pipeline(), other], POLICY, 40)
    assert len(tasks) == 24 and len(legs) == 12
    assert {t.pipeline for t in tasks} == {PID, "LASER_RIFLES@X1-A9"}
    assert len({t.id for t in tasks}) == 24
