"""``plancc loop`` plans the cargo a hauler holds that nothing owns, as ``plancc compile`` does:
the ship is no longer left out of the plan because its hold is not empty, and what a live leg or
an open liquidation owns is not planned twice."""

from __future__ import annotations

from pathlib import Path

from loop_world import new_flight

from plancc.loop.statesnap import plannable_ships
from plancc.sim.world import World
from runner.state import Store


def _ship(symbol: str, capacity: int, **held: int) -> dict:
    inventory = [{"symbol": g, "units": u} for g, u in sorted(held.items())]
    return {
        "symbol": symbol,
        "cargo": {"capacity": capacity, "units": sum(held.values()), "inventory": inventory},
    }


def test_a_ship_with_work_in_flight_is_left_out() -> None:
    ships = [_ship("A", 40), _ship("B", 40, IRON=5)]
    assert [s["symbol"] for s in plannable_ships(ships, {"B"}, {})] == ["A"]


def test_cargo_nothing_owns_stays_in_the_hold_the_plan_sees() -> None:
    [ship] = plannable_ships([_ship("A", 40, IRON=30, COPPER=10)], set(), {})
    assert ship["cargo"] == _ship("A", 40, IRON=30, COPPER=10)["cargo"]


def test_units_a_liquidation_owns_are_taken_out_of_the_hold_the_plan_sees() -> None:
    owned = {"A": {"IRON": 20, "COPPER": 10}}
    [ship] = plannable_ships([_ship("A", 40, IRON=30, COPPER=10)], set(), owned)
    assert ship["cargo"] == {
        "capacity": 40,
        "units": 10,
        "inventory": [{"symbol": "IRON", "units": 10}],
    }


def test_a_loop_pass_plans_the_cargo_a_free_hauler_holds(tmp_path: Path) -> None:
    """Seed 2 with 30 ALUMINUM and 10 ELECTRONICS in a hauler's hold (the compile test's
    cargo): before, the loop left that hauler out of every plan until its hold was empty."""
    flight = new_flight(tmp_path, seed=2, haulers=2, probes=0)
    holder = sorted(flight.twin.world.ships)[0]
    for good, units in {"ALUMINUM": 30, "ELECTRONICS": 10}.items():
        World._add_cargo(flight.twin.world.ships[holder], good, units)
    result = flight.loop()
    assert result.outcome == "applied"
    s = Store.open(flight.state, create=False)
    try:
        plan = s.active_plan()
        assert plan is not None
        aboard = {(leg.ship, leg.good) for leg in plan.legs if plan.task(leg.load).type == "ABOARD"}
        assert aboard == {(holder, "ALUMINUM"), (holder, "ELECTRONICS")}
    finally:
        s.close()


def test_cargo_the_loop_planned_is_sold_by_the_plan_not_liquidated(tmp_path: Path) -> None:
    flight = new_flight(tmp_path, seed=2, haulers=2, probes=0)
    holder = sorted(flight.twin.world.ships)[0]
    World._add_cargo(flight.twin.world.ships[holder], "ELECTRONICS", 10)
    flight.loop()
    flight.run(hours=1.5)
    s = Store.open(flight.state, create=False)
    try:
        sold = s.conn.execute(
            "SELECT SUM(units), SUM(liquidation != '') FROM ledger "
            "WHERE ship = ? AND good = 'ELECTRONICS' AND kind = 'SELL'",
            (holder,),
        ).fetchone()
        assert sold[0] and sold[0] >= 10
        assert sold[1] == 0  # every sale under a plan task
    finally:
        s.close()
