"""The game's travel formulas, as the issue states them."""

from plancc.travel import distance, fuel_cost, travel_seconds


def test_cruise_time_follows_the_game_formula():
    # round(round(max(1, 100)) * 25 / 30 + 15) = round(83.33 + 15) = 98
    assert travel_seconds(100.0, 30, "CRUISE") == 98


def test_orbitals_at_distance_zero_still_take_the_minimum_time():
    assert travel_seconds(0.0, 10, "CRUISE") == round(1 * 25 / 10 + 15)


def test_burn_is_twice_as_fast_and_uses_twice_the_fuel():
    assert travel_seconds(200.0, 10, "BURN") == round(200 * 12.5 / 10 + 15)
    assert fuel_cost(200.0, "BURN") == 2 * fuel_cost(200.0, "CRUISE") == 400


def test_fuel_minimums_per_flight_mode():
    assert fuel_cost(0.2, "CRUISE") == 1
    assert fuel_cost(0.2, "STEALTH") == 1
    assert fuel_cost(0.2, "BURN") == 2
    assert fuel_cost(500.0, "DRIFT") == 1


def test_distance_is_euclidean():
    assert distance(0, 0, 3, 4) == 5.0


def test_a_hop_of_exactly_half_a_second_rounds_up_like_the_public_formula():
    # 153 units at speed 30 cruising: 153 * 25 / 30 + 15 = 142.5 s -> 143 (Math.round), not 142
    assert travel_seconds(153.0, 30, "CRUISE") == 143


def test_a_distance_of_exactly_half_a_unit_rounds_up_in_time_and_fuel():
    # round(100.5) is 100 in Python (half to even) but 101 in the public formula
    assert fuel_cost(100.5, "CRUISE") == 101
    assert travel_seconds(100.5, 25, "CRUISE") == 101 + 15
