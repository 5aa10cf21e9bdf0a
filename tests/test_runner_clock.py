"""Time is the server's: the Date header's offset to the local clock, kept between ticks, so a
tick with nothing due needs no request even when the local clock is wrong."""

from __future__ import annotations

from pathlib import Path

from runner.clock import ServerClock
from runner.tick import run_tick
from tests.runner_world import mini


def test_the_offset_to_the_server_clock_comes_from_the_date_header() -> None:
    local = [1_000.0]
    clock = ServerClock(local=lambda: local[0])
    clock.observe(5_000.0)  # the server says it is 5000 (whole seconds)
    assert clock.now() == 5_000.5
    local[0] += 10
    assert clock.now() == 5_010.5


def test_a_skewed_local_clock_still_waits_for_the_servers_arrival(tmp_path: Path) -> None:
    world = mini(tmp_path, quantity=20)
    skew = -86_400.0 * 300  # the local clock is 300 days behind the game
    local = [world.twin.now() + skew]

    class Skewed(ServerClock):
        def wait(self, seconds: float) -> None:  # waiting passes game time on the twin
            world.twin.advance(seconds)
            local[0] += seconds

    first = run_tick(
        world.state, world.client, Skewed(local=lambda: local[0]), world.policy, budget_s=1
    )
    assert first.request_count > 0
    store = world.store()
    offset = store.get_float("time_offset")
    assert abs(offset + skew) < 2  # learnt from the Date headers and kept in state
    made = []

    def factory():
        made.append(1)
        return world.client()

    # a new process: the offset comes from state, the ship is in transit, nothing is due
    again = run_tick(world.state, factory, Skewed(local=lambda: local[0]), world.policy, budget_s=1)
    assert again.outcome == "idle" and made == []
