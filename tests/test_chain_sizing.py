"""Trade sizing, exactly the design's min(cargo, tradeVolume, supply-aware share, affordable,
target), and recipe balance across a factory's inputs."""

from __future__ import annotations

import pytest
from chainworld import World, book

from plancc.chain import plan_pipelines, trade_size
from plancc.model import Policy


def one_batch(**knobs: object) -> Policy:
    """One batch per product, made even where its factory is HIGH: these rules size a batch."""
    return Policy(**{"max_batches": 1, "buy_supply_level": "ABUNDANT", **knobs})  # type: ignore[arg-type]


POLICY = one_batch()


@pytest.mark.parametrize(
    ("cargo", "volume", "supply", "price", "credits", "target", "expected", "binding"),
    [
        # the design's worked example: 40 cargo, tradeVolume 30, HIGH, 15,000/u, 500,000 cr
        (40, 30, "HIGH", 15_000, 500_000, None, 18, "supply: 30 x 0.6"),
        (40, 60, "ABUNDANT", 100, 10**6, None, 40, "cargo: 60 x 0.8 = 48 > 40"),
        (40, 60, "MODERATE", 100, 10**6, None, 24, "supply: 60 x 0.4"),
        (40, 20, "LIMITED", 100, 10**6, None, 4, "supply: 20 x 0.2"),
        (40, 20, "SCARCE", 100, 10**6, None, 2, "supply: 20 x 0.1"),
        (100, 50, "ABUNDANT", 10, 10**6, None, 40, "supply: 50 x 0.8, under tradeVolume"),
        (40, 30, "HIGH", 15_000, 100_000, None, 6, "budget: 100,000 // 15,000"),
        (40, 30, "HIGH", 15_000, 500_000, 5, 5, "target"),
        (40, 30, "HIGH", 15_000, 500_000, 0, 18, "target 0 means as many as allowed"),
        (40, 30, "UNKNOWN", 10, 10**6, None, 12, "unknown supply: conservative 0.4"),
        (40, 30, "HIGH", 15_000, 0, None, 0, "no credits, nothing affordable"),
        (40, 6, "HIGH", 2_768, 10**6, None, 3, "thin market: 6 x 0.6 = 3.6, floored"),
    ],
)
def test_trade_size_follows_the_design(
    cargo, volume, supply, price, credits, target, expected, binding
):
    got = trade_size(
        cargo_capacity=cargo, trade_volume=volume, supply=supply, unit_price=price,
        credits=credits, target=target, policy=POLICY,
    )  # fmt: skip
    assert got == expected, binding


def test_supply_fractions_come_from_the_policy_and_survive_float_rounding():
    policy = one_batch(purchase_fraction={"HIGH": 0.7})
    # 10 x 0.7 is 7.000000000000001 and 100 x 0.29 is 28.999999999999996 in floats
    assert (
        trade_size(
            cargo_capacity=40,
            trade_volume=10,
            supply="HIGH",
            unit_price=1,
            credits=10**6,
            policy=policy,
        )
        == 7
    )
    policy = one_batch(purchase_fraction={"HIGH": 0.29})
    assert (
        trade_size(
            cargo_capacity=40,
            trade_volume=100,
            supply="HIGH",
            unit_price=1,
            credits=10**6,
            policy=policy,
        )
        == 29
    )


def test_trade_size_never_exceeds_trade_volume_even_with_a_generous_policy():
    policy = one_batch(purchase_fraction={"HIGH": 1.5})
    assert (
        trade_size(
            cargo_capacity=400,
            trade_volume=30,
            supply="HIGH",
            unit_price=1,
            credits=10**6,
            policy=policy,
        )
        == 30
    )


def medicine_world(tv: int = 20) -> World:
    """MEDICINE made at D43 from FABRICS (B1, tradeVolume 60) and POLYNUCLEOTIDES (B2, ``tv``);
    D43 trades ``tv`` MEDICINE at a time."""
    w = World()
    w.sell("B1", "FABRICS", buy=690, supply="HIGH", tv=60)
    w.sell("B2", "POLYNUCLEOTIDES", buy=76, supply="HIGH", tv=tv)
    w.factory(
        "D43", "MEDICINE", buy=1600, supply="HIGH", tv=tv,
        inputs={"FABRICS": 1300, "POLYNUCLEOTIDES": 150},
    )  # fmt: skip
    w.demand("A1", "MEDICINE", sell=4600, activity="WEAK")
    return w


def test_every_input_of_a_factory_is_delivered_in_the_quantity_made():
    snap = medicine_world().snapshot()
    bk = book({"MEDICINE": ["FABRICS", "POLYNUCLEOTIDES"]}, {"FABRICS", "POLYNUCLEOTIDES"})
    (pipeline,), _ = plan_pipelines(snap, bk, POLICY)
    assert [c.quantity for c in pipeline.chain.children] == [pipeline.quantity] * 2


def test_pipeline_makes_at_most_one_load_of_the_typical_hauler():
    w = medicine_world(tv=100)  # deep markets: one visit may take 60, more than any hold here
    w.ships = [(15, 30), (25, 30), (80, 30)]  # median hold: 25
    bk = book({"MEDICINE": ["FABRICS", "POLYNUCLEOTIDES"]}, {"FABRICS", "POLYNUCLEOTIDES"})
    (pipeline,), _ = plan_pipelines(w.snapshot(), bk, POLICY)
    assert pipeline.quantity == 25
