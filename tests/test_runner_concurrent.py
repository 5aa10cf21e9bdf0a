"""Two ticks started together on one state: one works, the other exits at once; no action is
done twice (each in its own process, over real loopback HTTP)."""

from __future__ import annotations

import os
from pathlib import Path

from tests.runner_world import Loopback, RunnerWorld, forked_tick, wait_child


def test_two_ticks_started_together_never_do_an_action_twice(tmp_path: Path) -> None:
    world = RunnerWorld.build(tmp_path, seed=1, haulers=5)
    loop = Loopback(world.twin)
    try:
        outcomes = []
        for _ in range(4):
            pids = []
            for _ in range(2):  # both forked before either runs: they race for the lock
                pid = os.fork()
                if pid == 0:
                    code, result = forked_tick(world, loop)
                    outcome = (result or {}).get("outcome", "killed")
                    (tmp_path / f"out-{os.getpid()}").write_text(outcome)
                    os._exit(code)
                pids.append(pid)
            for pid in pids:
                assert wait_child(pid) == 0
                outcomes.append((tmp_path / f"out-{pid}").read_text())
            world.twin.advance(60)
        assert "locked" in outcomes, outcomes
        assert world.check() == []
        store = world.store()
        bought = store.conn.execute(
            "SELECT t.id, t.quantity, SUM(l.units) FROM tasks t JOIN ledger l ON l.task=t.id "
            "WHERE l.kind='PURCHASE' GROUP BY t.id"
        ).fetchall()
        assert bought and all(units <= quantity for _, quantity, units in bought)
    finally:
        loop.close()
