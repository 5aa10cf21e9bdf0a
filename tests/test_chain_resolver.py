"""The adaptive resolver: buy at HIGH, buy raw at the cheapest, else manufacture, recursively."""

from __future__ import annotations

import pytest
from chainworld import LASER_BOOK, LASER_RAW, World, book, wp

from plancc.chain import resolve
from plancc.errors import PlanccError, Unresolvable
from plancc.model import Policy

POLICY = Policy()


def laser_world(circuitry_supply: str) -> World:
    w = World()
    w.sell("B7", "DIAMONDS", buy=90, supply="MODERATE")
    w.sell("B8", "PLATINUM", buy=200, supply="HIGH")
    w.sell("C1", "ELECTRONICS", buy=300, supply="LIMITED")
    w.sell("C2", "MICROPROCESSORS", buy=400, supply="MODERATE")
    w.factory(
        "D1", "ADVANCED_CIRCUITRY", buy=1200, supply=circuitry_supply,
        inputs={"ELECTRONICS": 600, "MICROPROCESSORS": 800},
    )  # fmt: skip
    w.factory(
        "A2", "LASER_RIFLES", buy=15000,
        inputs={"DIAMONDS": 300, "PLATINUM": 500, "ADVANCED_CIRCUITRY": 2500},
    )  # fmt: skip
    return w


def by_good(node):
    return {c.good: c for c in node.children}


def test_intermediate_at_high_supply_is_bought_not_made():
    snap = laser_world("HIGH").snapshot()
    root = resolve("LASER_RIFLES", 10, snap, book(LASER_BOOK, LASER_RAW), POLICY)
    circuitry = by_good(root)["ADVANCED_CIRCUITRY"]
    assert (circuitry.method, circuitry.market, circuitry.children) == ("BUY", wp("D1"), ())
    assert circuitry.unit_price == 1200


def test_abundant_supply_counts_as_high_or_better():
    snap = laser_world("ABUNDANT").snapshot()
    root = resolve("LASER_RIFLES", 10, snap, book(LASER_BOOK, LASER_RAW), POLICY)
    assert by_good(root)["ADVANCED_CIRCUITRY"].method == "BUY"


def test_intermediate_below_high_is_manufactured_from_its_inputs():
    snap = laser_world("MODERATE").snapshot()
    root = resolve("LASER_RIFLES", 10, snap, book(LASER_BOOK, LASER_RAW), POLICY)
    circuitry = by_good(root)["ADVANCED_CIRCUITRY"]
    assert (circuitry.method, circuitry.market) == ("MANUFACTURE", wp("D1"))
    assert [c.good for c in circuitry.children] == ["ELECTRONICS", "MICROPROCESSORS"]


def test_buy_supply_level_comes_from_the_policy():
    snap = laser_world("MODERATE").snapshot()
    lenient = Policy(buy_supply_level="MODERATE")
    root = resolve("LASER_RIFLES", 10, snap, book(LASER_BOOK, LASER_RAW), lenient, manufacture=True)
    assert by_good(root)["ADVANCED_CIRCUITRY"].method == "BUY"


def test_cheapest_high_supply_seller_is_chosen():
    w = laser_world("MODERATE")
    w.sell("E1", "ADVANCED_CIRCUITRY", buy=1500, supply="HIGH")
    w.sell("E2", "ADVANCED_CIRCUITRY", buy=1400, supply="ABUNDANT", kind="EXCHANGE")
    root = resolve("LASER_RIFLES", 10, w.snapshot(), book(LASER_BOOK, LASER_RAW), POLICY)
    assert by_good(root)["ADVANCED_CIRCUITRY"].market == wp("E2")


def test_raw_material_is_bought_at_the_cheapest_market_whatever_its_supply():
    w = laser_world("HIGH")
    w.sell("F1", "DIAMONDS", buy=80, supply="SCARCE")
    root = resolve("LASER_RIFLES", 10, w.snapshot(), book(LASER_BOOK, LASER_RAW), POLICY)
    diamonds = by_good(root)["DIAMONDS"]
    assert (diamonds.method, diamonds.market, diamonds.supply) == ("BUY", wp("F1"), "SCARCE")
    assert "raw material" in diamonds.reason


def test_raw_material_without_a_seller_is_unresolvable_with_the_reason():
    w = laser_world("HIGH")
    w.rows.pop(wp("B7"))  # nobody sells DIAMONDS
    with pytest.raises(Unresolvable) as err:
        resolve("LASER_RIFLES", 10, w.snapshot(), book(LASER_BOOK, LASER_RAW), POLICY)
    assert err.value.good == "DIAMONDS"
    assert str(err.value) == "LASER_RIFLES -> DIAMONDS: raw material DIAMONDS: no market sells it"
    assert isinstance(err.value, PlanccError)


def test_good_with_no_factory_and_no_high_seller_is_reported_not_dropped():
    w = laser_world("MODERATE")
    w.rows.pop(wp("D1"))
    w.sell("D9", "ADVANCED_CIRCUITRY", buy=1200, supply="LIMITED", kind="EXCHANGE")  # not HIGH
    with pytest.raises(Unresolvable) as err:
        resolve("LASER_RIFLES", 10, w.snapshot(), book(LASER_BOOK, LASER_RAW), POLICY)
    assert err.value.path == ("LASER_RIFLES", "ADVANCED_CIRCUITRY")
    assert "no factory in X1-T exports ADVANCED_CIRCUITRY" in err.value.reason


def test_good_with_no_recipe_and_no_seller_is_unresolvable():
    snap = laser_world("HIGH").snapshot()
    with pytest.raises(Unresolvable, match="no recipe for QUANTUM_DRIVES"):
        resolve("QUANTUM_DRIVES", 5, snap, book(LASER_BOOK, LASER_RAW), POLICY)


def test_factory_must_import_every_input():
    w = World()
    w.sell("B1", "IRON", buy=80, supply="HIGH")
    w.sell("B2", "MACHINERY", buy=1800, supply="MODERATE")  # exports it, imports nothing
    with pytest.raises(Unresolvable, match=r"no factory of MACHINERY imports all of its inputs"):
        resolve("MACHINERY", 5, w.snapshot(), book({"MACHINERY": ["IRON"]}, {"IRON"}), POLICY)


def test_loop_in_the_recipes_is_cut_by_raw_materials():
    # the real server's loop: EXPLOSIVES -> LIQUID_HYDROGEN -> MACHINERY -> IRON -> IRON_ORE -> ...
    recipes = {
        "EXPLOSIVES": ["LIQUID_HYDROGEN", "LIQUID_NITROGEN"],
        "LIQUID_HYDROGEN": ["MACHINERY"],
        "LIQUID_NITROGEN": ["MACHINERY"],
        "MACHINERY": ["IRON"],
        "IRON": ["IRON_ORE"],
        "IRON_ORE": ["EXPLOSIVES"],
    }
    w = World()
    w.sell("G1", "LIQUID_HYDROGEN", buy=27, supply="MODERATE", kind="EXCHANGE")
    w.sell("G1", "LIQUID_NITROGEN", buy=32, supply="LIMITED", kind="EXCHANGE")
    w.factory("F48", "EXPLOSIVES", buy=112, inputs={"LIQUID_HYDROGEN": 33, "LIQUID_NITROGEN": 39})
    cut = book(recipes, {"LIQUID_HYDROGEN", "LIQUID_NITROGEN", "IRON_ORE"})
    root = resolve("EXPLOSIVES", 20, w.snapshot(), cut, POLICY, manufacture=True)
    assert [(c.good, c.method, c.children) for c in root.children] == [
        ("LIQUID_HYDROGEN", "BUY", ()),
        ("LIQUID_NITROGEN", "BUY", ()),
    ]


def test_cycle_that_no_raw_material_cuts_is_reported_not_followed():
    w = World()
    w.factory("F1", "A", buy=10, inputs={"B": 5})
    w.factory("F2", "B", buy=10, inputs={"A": 5})
    with pytest.raises(Unresolvable, match=r"cycle A -> B -> A"):
        resolve("A", 1, w.snapshot(), book({"A": ["B"], "B": ["A"]}), POLICY)


def test_product_is_made_even_when_a_market_sells_it_at_high():
    w = laser_world("HIGH")
    w.sell("E1", "LASER_RIFLES", buy=14000, supply="HIGH")
    snap, bk = w.snapshot(), book(LASER_BOOK, LASER_RAW)
    assert resolve("LASER_RIFLES", 10, snap, bk, POLICY).method == "BUY"
    made = resolve("LASER_RIFLES", 10, snap, bk, POLICY, manufacture=True)
    assert (made.method, made.market) == ("MANUFACTURE", wp("A2"))


def test_every_input_gets_one_unit_per_unit_made():
    snap = laser_world("MODERATE").snapshot()
    root = resolve("LASER_RIFLES", 7, snap, book(LASER_BOOK, LASER_RAW), POLICY)

    def quantities(node):
        yield node.quantity
        for c in node.children:
            yield from quantities(c)

    assert set(quantities(root)) == {7}
