"""The runner under the twin's fault injection: 10% of requests faulted (429s with long waits,
5xx, timeouts, answers lost after the server acted); the plan still completes and the ledger
reconciles after every tick."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from plancc.api import Client
from plancc.sim.faults import FaultConfig
from runner.state import Store
from tests.runner_world import Loopback, RunnerWorld

FAULTS = {"429": 0.02, "429-bare": 0.01, "500": 0.02, "503": 0.01, "timeout": 0.02, "lost": 0.02}
FULL = os.environ.get("PLANCC_FULL") == "1"
SEEDS = range(1, 9) if FULL else (7, 11)
LOOPBACK_SEEDS = range(1, 5) if FULL else (3,)


@pytest.mark.parametrize("fault_seed", SEEDS)
def test_a_plan_flown_under_ten_percent_faults_reconciles(tmp_path: Path, fault_seed: int) -> None:
    assert abs(sum(FAULTS.values()) - 0.10) < 1e-9
    world = RunnerWorld.build(
        tmp_path, seed=1, haulers=5, faults=FaultConfig(seed=fault_seed, rates=FAULTS)
    )
    world.run_until_done(check_each=True)
    injected = world.twin.faults.describe()["injected"]
    assert injected >= 5, "the faults must actually have happened"
    store = Store.open(world.state)
    assert {r[0] for r in store.conn.execute("SELECT status FROM pipelines")} <= {
        "COMPLETED",
        "FAILED",
    }
    world.twin.faults.enabled = False  # the final look is a person's, on a calm server
    with world.client() as c:
        assert all(s.cargo_units == 0 for s in c.ships())
    kinds = {e["kind"] for e in store.events(100000)}
    assert "error" in kinds or "unknown-outcome" in kinds


class LoopbackWorld(RunnerWorld):
    """The same world, but every request the runner makes goes over real loopback HTTP: the
    faults are the served twin's (its middleware answers 429s and 5xx as a server does, and a
    timeout or a lost answer is a real read timeout on the socket)."""

    url: str = ""

    def client(self, **kw: object) -> Client:
        kw.setdefault("max_retries", 3)
        kw.setdefault("pace", False)
        kw.setdefault("timeout", READ_TIMEOUT_S)
        kw.setdefault("sleep", lambda s: self.twin.advance(max(0.0, s)))
        return Client(base_url=self.url, token=self.twin.token, **kw)  # type: ignore[arg-type]


READ_TIMEOUT_S = 0.5  # the served twin stalls a timed-out answer past it (slow_seconds)


@pytest.mark.parametrize("fault_seed", LOOPBACK_SEEDS)
def test_a_plan_flown_over_loopback_http_under_ten_percent_faults_reconciles(
    tmp_path: Path, fault_seed: int
) -> None:
    config = FaultConfig(seed=fault_seed, rates=FAULTS, slow_seconds=READ_TIMEOUT_S + 0.3)
    built = RunnerWorld.build(tmp_path, seed=1, haulers=5, faults=config, pipelines=None)
    loop = Loopback(built.twin)
    try:
        world = LoopbackWorld(built.twin, built.state, built.plan, built.policy)
        world.url = loop.api_url
        world.run_until_done(check_each=True)
        world.twin.faults.enabled = False  # the final look is a person's, on a calm server
        with world.client() as c:
            ships = c.ships()
    finally:
        loop.close()
    assert world.twin.faults.describe()["injected"] >= 5, "the faults must actually have happened"
    kinds = {kind for kind, _, _ in world.twin.faults.injected}
    assert kinds & {"timeout", "lost"}, "a real socket read timed out at least once"
    assert all(s.cargo_units == 0 for s in ships)
    store = Store.open(world.state)
    assert {r[0] for r in store.conn.execute("SELECT status FROM pipelines")} <= {
        "COMPLETED",
        "FAILED",
    }
