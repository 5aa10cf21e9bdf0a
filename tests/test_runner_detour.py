"""A leg taken up out of the plan's order starts where the plan did not expect the ship, so the
plan's refuel stops may not fit: when the first planned hop is more than the tank can fly from
where the ship is, it goes through markets known to sell fuel instead of drifting (a COLLECT
taken up early faced a 640-fuel hop with a 600-fuel tank and drifted for about 5,300 s)."""

from __future__ import annotations

from dataclasses import replace

from test_runner_decide import only, quote, world

from runner.decide import detour
from runner.model import ShipState

# X (the ship; no fuel sold) -> F (sells fuel) -> A (the load market): 350 fuel a hop, 700 direct
COORDS = {"MKT-X": (0, 0), "MKT-F": (350, 0), "MKT-A": (700, 0), "MKT-B": (800, 0)}
FUEL_F = quote("MKT-F", "FUEL", purchase=70, type_="EXCHANGE")


def in_orbit_at_x(fuel: int = 400) -> ShipState:
    return ShipState("S-1", "MKT-X", "IN_ORBIT", fuel=fuel, fuel_capacity=400, cargo_capacity=40)


def test_a_first_hop_beyond_the_tank_goes_through_a_fuel_market() -> None:
    view = replace(world(ship=in_orbit_at_x(), quotes=(FUEL_F,)), coords=COORDS)
    action = only(view)
    assert (action.kind, action.market) == ("NAVIGATE", "MKT-F")
    assert action.mode != "DRIFT"


def test_with_no_fuel_market_on_the_way_the_ship_drifts_as_before() -> None:
    view = replace(world(ship=in_orbit_at_x()), coords=COORDS)
    assert (only(view).kind, only(view).mode) == ("FLIGHT_MODE", "DRIFT")


def test_a_first_hop_the_tank_can_fly_keeps_the_plans_route() -> None:
    near = {**COORDS, "MKT-A": (300, 0)}
    view = replace(world(ship=in_orbit_at_x(), quotes=(FUEL_F,)), coords=near)
    action = only(view)
    assert (action.kind, action.market) == ("NAVIGATE", "MKT-A")


def test_the_detour_takes_the_fewest_stops_that_fit_the_tank() -> None:
    coords = {**COORDS, "MKT-G": (200, 0), "MKT-H": (550, 0)}
    fuel = tuple(
        quote(m, "FUEL", purchase=70, type_="EXCHANGE") for m in ("MKT-F", "MKT-G", "MKT-H")
    )
    view = replace(world(ship=in_orbit_at_x(), quotes=fuel), coords=coords)
    assert detour(view, in_orbit_at_x(), "MKT-A") == ("MKT-F",)
    # with 250 aboard only G (200) is in reach; from G, A (500) is not: one more stop
    stops = detour(view, in_orbit_at_x(fuel=250), "MKT-A")
    assert stops is not None and stops[0] == "MKT-G" and len(stops) == 2
