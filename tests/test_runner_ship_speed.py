"""The state keeps each ship's engine speed as read from the server (schema v5), so the
runner can weigh flights in time (take-overs, leaving for a factory's next look)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from runner.model import ShipState
from runner.state import MIGRATIONS, Store


def test_a_ship_read_from_the_server_has_its_engine_speed_in_state(tmp_path: Path) -> None:
    from tests.runner_world import RunnerWorld

    world = RunnerWorld.build(tmp_path, seed=1, haulers=2, pipelines=1)
    ships = world.store().ships()
    served = {s["symbol"]: s["engine"]["speed"] for s in world.client().ships_json()}
    assert ships and {k: s.speed for k, s in ships.items()} == served
    assert all(s.speed > 0 for s in ships.values())


def test_a_write_that_does_not_know_the_speed_keeps_the_one_read(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "s.db")
    try:
        with store.tx() as c:
            store.ship_row(c, ShipState("S-1", "A", "DOCKED", speed=30), 1.0)
        with store.tx() as c:
            store.ship_row(c, ShipState("S-1", "B", "DOCKED"), 2.0)
        ship = store.ships()["S-1"]
    finally:
        store.close()
    assert (ship.waypoint, ship.speed) == ("B", 30)


def test_a_state_file_from_before_the_speeds_opens_with_them_unknown(tmp_path: Path) -> None:
    path = tmp_path / "v4.db"
    conn = sqlite3.connect(path)
    conn.executescript("".join(MIGRATIONS[:4]) + "PRAGMA user_version=4;")
    conn.execute("INSERT INTO ships(symbol, waypoint, status) VALUES('S-1', 'A', 'DOCKED')")
    conn.commit()
    conn.close()
    store = Store.open(path)
    try:
        ship = store.ships()["S-1"]
    finally:
        store.close()
    assert (ship.symbol, ship.speed) == ("S-1", 0)
