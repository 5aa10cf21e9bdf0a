"""Travel time and fuel, seen through the API, follow the game's formulas.

time = round(round(max(1, d)) * m / speed + 15), m = CRUISE 25, BURN 12.5, DRIFT 250, STEALTH 30
fuel: CRUISE/STEALTH round(d) (min 1), BURN 2 * round(d) (min 2), DRIFT 1; orbitals share x, y.
The expectations below are computed here from that text, not from plancc.travel.
"""

from __future__ import annotations

import math

import pytest
from twin_fixtures import BELT, HAULER, HAULER_FUEL, HAULER_SPEED, HQ, MOON, PROBE, mini_twin

from plancc.sim.clock import parse_iso

MULT = {"CRUISE": 25, "BURN": 12.5, "DRIFT": 250, "STEALTH": 30}


def expected_seconds(d: float, speed: int, mode: str) -> int:
    return round(round(max(1, d)) * MULT[mode] / speed + 15)


def expected_fuel(d: float, mode: str) -> int:
    if mode == "DRIFT":
        return 1
    if mode == "BURN":
        return max(2, 2 * round(d))
    return max(1, round(d))


def navigate(ship: str, dest: str, mode: str) -> tuple[dict, float]:
    twin = mini_twin()
    with twin.client() as api:
        api.post(f"/my/ships/{ship}/orbit")
        api.patch(f"/my/ships/{ship}/nav", json={"flightMode": mode})
        resp = api.post(f"/my/ships/{ship}/navigate", json={"waypointSymbol": dest})
    assert resp.status_code == 200, resp.text
    return resp.json()["data"], twin.now()


@pytest.mark.parametrize("mode", ["CRUISE", "BURN", "DRIFT", "STEALTH"])
def test_travel_time_follows_the_formula(mode: str) -> None:
    data, now = navigate(HAULER, BELT, mode)
    route = data["nav"]["route"]
    seconds = parse_iso(route["arrival"]) - parse_iso(route["departureTime"])
    assert parse_iso(route["departureTime"]) == now
    assert seconds == expected_seconds(math.hypot(30, 40), HAULER_SPEED, mode)


@pytest.mark.parametrize("mode", ["CRUISE", "BURN", "DRIFT", "STEALTH"])
def test_fuel_used_follows_the_formula(mode: str) -> None:
    data, _ = navigate(HAULER, BELT, mode)
    used = expected_fuel(50.0, mode)
    assert data["fuel"]["current"] == HAULER_FUEL - used
    assert data["fuel"]["consumed"]["amount"] == used


def test_flight_to_an_orbital_costs_one_fuel_and_the_minimum_time() -> None:
    data, _ = navigate(HAULER, MOON, "CRUISE")
    route = data["nav"]["route"]
    assert data["fuel"]["consumed"]["amount"] == 1
    seconds = parse_iso(route["arrival"]) - parse_iso(route["departureTime"])
    assert seconds == expected_seconds(0, HAULER_SPEED, "CRUISE")


def test_a_probe_without_a_tank_flies_on_no_fuel() -> None:
    data, _ = navigate(PROBE, BELT, "CRUISE")
    route = data["nav"]["route"]
    assert data["fuel"]["current"] == 0
    seconds = parse_iso(route["arrival"]) - parse_iso(route["departureTime"])
    assert seconds == expected_seconds(50, 9, "CRUISE")


def test_route_names_origin_and_destination_with_coordinates() -> None:
    data, _ = navigate(HAULER, BELT, "CRUISE")
    route = data["nav"]["route"]
    assert (route["origin"]["symbol"], route["origin"]["x"], route["origin"]["y"]) == (HQ, 0, 0)
    assert (route["destination"]["x"], route["destination"]["y"]) == (30, 40)


def test_arrival_happens_exactly_at_the_announced_second() -> None:
    twin = mini_twin()
    with twin.client() as api:
        api.post(f"/my/ships/{HAULER}/orbit")
        api.post(f"/my/ships/{HAULER}/navigate", json={"waypointSymbol": BELT})
        seconds = expected_seconds(50, HAULER_SPEED, "CRUISE")
        twin.advance(seconds - 1)
        before = api.get(f"/my/ships/{HAULER}/nav").json()["data"]["status"]
        twin.advance(1)
        after = api.get(f"/my/ships/{HAULER}/nav").json()["data"]["status"]
    assert (before, after) == ("IN_TRANSIT", "IN_ORBIT")


@pytest.mark.parametrize("mode", ["CRUISE", "BURN", "DRIFT", "STEALTH"])
@pytest.mark.parametrize("xy", [(31, 41), (30, 41)])  # d = 51.40 (round down), 50.80 (round up)
def test_a_fractional_distance_is_rounded_not_floored_or_ceiled(
    mode: str, xy: tuple[int, int]
) -> None:
    twin = mini_twin()
    twin.world.waypoints[BELT].update(x=xy[0], y=xy[1])
    with twin.client() as api:
        api.post(f"/my/ships/{HAULER}/orbit")
        api.patch(f"/my/ships/{HAULER}/nav", json={"flightMode": mode})
        resp = api.post(f"/my/ships/{HAULER}/navigate", json={"waypointSymbol": BELT})
    data = resp.json()["data"]
    route = data["nav"]["route"]
    d = math.hypot(*xy)
    assert data["fuel"]["consumed"]["amount"] == expected_fuel(d, mode)
    seconds = parse_iso(route["arrival"]) - parse_iso(route["departureTime"])
    assert seconds == expected_seconds(d, HAULER_SPEED, mode)
