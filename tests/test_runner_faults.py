"""The runner under the twin's fault injection: 10% of requests faulted (429s with long waits,
5xx, timeouts, answers lost after the server acted); the plan still completes and the ledger
reconciles after every tick."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from plancc.sim.faults import FaultConfig
from runner.state import Store
from tests.runner_world import RunnerWorld

FAULTS = {"429": 0.02, "429-bare": 0.01, "500": 0.02, "503": 0.01, "timeout": 0.02, "lost": 0.02}
SEEDS = range(1, 9) if os.environ.get("PLANCC_FULL") == "1" else (7, 11)


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
    with world.client() as c:
        assert all(s.cargo_units == 0 for s in c.ships())
    kinds = {e["kind"] for e in store.events(100000)}
    assert "error" in kinds or "unknown-outcome" in kinds
