"""`plancc status` says what each waiting ship waits for and until when."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from runner.status import status_data


def test_a_ship_in_flight_shows_it_waits_until_its_arrival(tmp_path: Path) -> None:
    from tests.runner_world import RunnerWorld

    world = RunnerWorld.build(tmp_path, seed=1, haulers=3, pipelines=1)
    world.tick()
    store = world.store()
    now = world.twin.now()
    flying = [s for s in store.ships().values() if s.status_at(now) == "IN_TRANSIT"]
    assert flying, "the first tick sends a hauler on its way"
    rows = {r["ship"]: r for r in status_data(store, now)["ships"]}
    for ship in flying:
        eta = datetime.fromtimestamp(ship.arrival or 0, UTC).strftime("%Y-%m-%d %H:%M:%S")
        assert rows[ship.symbol]["waiting"] == f"in transit until {eta}"
