"""SIGKILL at every API-request boundary and between state writes, one run per kill point.

Each tick runs in a forked process talking real HTTP to the twin on loopback; the process
SIGKILLs itself at the N-th kill point (``runner.killpoint``: before each request, after each
answer, after each commit). Later ticks must finish the work: no cargo lost, nothing bought
twice beyond one lot, the ledger reconciling with the agent's credits, every pipeline ended
COMPLETED or FAILED with its cargo liquidated.

``make test`` runs a sample of kill points; ``PLANCC_FULL=1`` (make test-full) runs them all.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from tests.runner_world import Loopback, RunnerWorld, forked_run

FULL = os.environ.get("PLANCC_FULL") == "1"


def _world(tmp: Path) -> tuple[RunnerWorld, Loopback]:
    world = RunnerWorld.build(tmp, seed=1, haulers=5, pipelines=1)
    return world, Loopback(world.twin)


@pytest.fixture(scope="module")
def kill_points(tmp_path_factory: pytest.TempPathFactory) -> int:
    """How many kill points a clean run of the pipeline passes."""
    tmp = tmp_path_factory.mktemp("count")
    world, loop = _world(tmp)
    try:
        forked_run(world, loop, {"PLANCC_KILL_COUNTER": str(tmp / "counter")})
    finally:
        loop.close()
    n = int((tmp / "counter").read_text())
    print(f"\nkill points in one full pipeline run: {n}")
    return n


def _points(n: int) -> list[int]:
    if FULL:
        return list(range(1, n + 1))
    return sorted({1, n // 3, (2 * n) // 3, n - 1})


def test_a_clean_run_passes_many_kill_points(kill_points: int) -> None:
    assert kill_points > 100


@pytest.mark.slow
def test_sigkill_at_any_kill_point_loses_nothing(kill_points: int, tmp_path: Path) -> None:
    exercised = 0
    for k in _points(kill_points):
        tmp = tmp_path / f"k{k}"
        tmp.mkdir()
        world, loop = _world(tmp)
        try:
            env = {"PLANCC_KILL_COUNTER": str(tmp / "counter"), "PLANCC_KILL_AT": str(k)}
            codes = forked_run(world, loop, env)
        finally:
            loop.close()
        assert -signal.SIGKILL in codes, f"kill point {k} was never reached"
        exercised += 1
        _assert_nothing_lost(world, k)
    print(f"\nkill points exercised: {exercised} of {kill_points}")


def _assert_nothing_lost(world: RunnerWorld, k: int) -> None:
    assert world.check() == [], f"kill point {k}"
    store = world.store()
    statuses = {r[0] for r in store.conn.execute("SELECT status FROM pipelines")}
    assert statuses <= {"COMPLETED", "FAILED"}, f"kill point {k}: {statuses}"
    open_liqs = store.conn.execute(
        "SELECT COUNT(*) FROM liquidations WHERE status='OPEN'"
    ).fetchone()[0]
    assert open_liqs == 0, f"kill point {k}"
    with world.client() as c:
        assert all(s.cargo_units == 0 for s in c.ships()), f"kill point {k}: cargo left"
    # nothing bought twice beyond one lot: per task, units bought <= quantity + one lot
    lot = {q.good: q.trade_volume for q in store.latest_quotes().values()}
    for task, good, quantity, bought in store.conn.execute(
        "SELECT t.id, t.good, t.quantity, SUM(l.units) FROM tasks t JOIN ledger l "
        "ON l.task = t.id WHERE l.kind='PURCHASE' GROUP BY t.id"
    ):
        assert bought <= quantity + lot.get(good, 0), f"kill point {k}: {task} bought {bought}"
