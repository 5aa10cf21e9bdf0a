"""The tick's budget is a window: work that falls due inside it, up to its last second, is
done by this tick, not left for the next cron start (the seconds between the two)."""

from __future__ import annotations

from pathlib import Path

from runner.tick import run_tick
from tests.runner_world import RunnerWorld


def test_work_falling_due_as_the_budget_ends_is_done_by_that_tick(tmp_path: Path) -> None:
    world = RunnerWorld.build(tmp_path, seed=1, haulers=5)
    due = world.twin.now()
    for _ in range(50):  # ticks with no budget to wait: each does what is due now
        due = run_tick(world.state, world.client, world.clock(), world.policy, budget_s=0).next_due
        if due is None or due > world.twin.now() + 10:
            break
    assert due is not None and due > world.twin.now() + 10  # the ships left; one arrives then
    world.twin.advance(due - 10 - world.twin.now())
    last = run_tick(world.state, world.client, world.clock(), world.policy, budget_s=10)
    assert world.twin.now() >= due
    assert last.actions > 0
    arrived = world.store().conn.execute("SELECT message FROM events WHERE kind='arrived'")
    assert any("first action 0.0 s after arrival" in m for (m,) in arrived)
