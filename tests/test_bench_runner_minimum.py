"""bench_runner's API minimum counts the refuels a flown route cannot do without."""

from __future__ import annotations

from bench.bench_runner import fewest_refuels

# a line of waypoints 100 apart: A(0) B(100) C(200) D(300)
COORDS = {"A": (0, 0), "B": (100, 0), "C": (200, 0), "D": (300, 0)}
ALL_SELL_FUEL = {"A", "B", "C", "D"}


def test_a_route_the_tank_covers_needs_no_refuel() -> None:
    hops = [("B", "CRUISE", False), ("C", "CRUISE", False)]
    assert fewest_refuels("A", 300, 300, hops, COORDS, ALL_SELL_FUEL) == 0


def test_burn_hops_of_two_thirds_of_a_tank_need_a_refuel_before_each_later_hop() -> None:
    hops = [("B", "BURN", False), ("A", "BURN", False), ("B", "BURN", False)]
    assert fewest_refuels("A", 300, 300, hops, COORDS, ALL_SELL_FUEL) == 2


def test_refuelling_as_late_as_possible_saves_a_stop() -> None:
    # 400 fuel from A to D and back to B: one full tank at D's start (C) would not do it
    hops = [("B", "CRUISE", False), ("C", "CRUISE", False), ("D", "CRUISE", False)]
    hops += [("C", "CRUISE", False), ("B", "CRUISE", False)]
    assert fewest_refuels("A", 300, 300, hops, COORDS, ALL_SELL_FUEL) == 1


def test_a_planned_stop_refuels_anyway_and_is_not_counted_again() -> None:
    hops = [("B", "BURN", True), ("C", "BURN", False)]
    assert fewest_refuels("A", 300, 300, hops, COORDS, ALL_SELL_FUEL) == 0


def test_only_markets_that_sell_fuel_refuel() -> None:
    # B sells none: the refuel must come at A, before the first hop
    hops = [("B", "CRUISE", False), ("C", "CRUISE", False), ("D", "CRUISE", False)]
    assert fewest_refuels("A", 150, 300, hops, COORDS, {"A", "D"}) == 1
