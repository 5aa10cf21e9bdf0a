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


def _world(tmp: Path, shared: bool = False) -> tuple[RunnerWorld, Loopback]:
    """One pipeline with a factory chain; ``shared``: two pipelines whose goods share a leg."""
    world = RunnerWorld.build(tmp, seed=1, haulers=5, pipelines=1, shared=shared)
    return world, Loopback(world.twin)


def _count(tmp: Path, shared: bool) -> int:
    """How many kill points a clean run of the world passes."""
    world, loop = _world(tmp, shared)
    try:
        forked_run(world, loop, {"PLANCC_KILL_COUNTER": str(tmp / "counter")})
    finally:
        loop.close()
    n = int((tmp / "counter").read_text())
    print(f"\nkill points in one full run ({'shared flight' if shared else 'pipeline'}): {n}")
    return n


@pytest.fixture(scope="module")
def kill_points(tmp_path_factory: pytest.TempPathFactory) -> int:
    return _count(tmp_path_factory.mktemp("count"), shared=False)


@pytest.fixture(scope="module")
def shared_kill_points(tmp_path_factory: pytest.TempPathFactory) -> int:
    return _count(tmp_path_factory.mktemp("count-shared"), shared=True)


def _points(n: int, *, ends: bool = True) -> list[int]:
    """Every kill point under PLANCC_FULL; else a sample: a third and two thirds into the
    run, and (``ends``) the first and the last point."""
    if FULL:
        return list(range(1, n + 1))
    middle = {n // 3, (2 * n) // 3}
    return sorted(middle | {1, n - 1} if ends else middle)


def test_a_clean_run_passes_many_kill_points(kill_points: int) -> None:
    assert kill_points > 100


@pytest.mark.slow
def test_sigkill_at_any_kill_point_loses_nothing(kill_points: int, tmp_path: Path) -> None:
    _kill_each(kill_points, tmp_path, shared=False, points=_points(kill_points))


@pytest.mark.slow
def test_sigkill_during_a_flight_shared_by_two_goods_loses_nothing(
    shared_kill_points: int, tmp_path: Path
) -> None:
    """The goods of a shared leg are aboard together: a kill while one is bought and the
    other not, or between their sales, must leave both owned and both sold."""
    _kill_each(
        shared_kill_points, tmp_path, shared=True, points=_points(shared_kill_points, ends=False)
    )


def _kill_each(n: int, tmp_path: Path, *, shared: bool, points: list[int]) -> None:
    exercised = 0
    for k in points:
        tmp = tmp_path / f"k{k}"
        tmp.mkdir()
        world, loop = _world(tmp, shared)
        try:
            env = {"PLANCC_KILL_COUNTER": str(tmp / "counter"), "PLANCC_KILL_AT": str(k)}
            codes = forked_run(world, loop, env)
        finally:
            loop.close()
        assert -signal.SIGKILL in codes, f"kill point {k} was never reached"
        exercised += 1
        _assert_nothing_lost(world, k)
    print(f"\nkill points exercised: {exercised} of {n}")


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
