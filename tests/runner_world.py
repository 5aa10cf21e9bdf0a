"""A twin with a compiled plan applied to a fresh runner state: the runner tests' world.

world = RunnerWorld.build(tmp_path, seed=1, haulers=5)
result = world.tick()                 # one cron tick on the twin's virtual clock
world.run_until_done()                # ticks (cron every 60 s) until every pipeline ends
world.check()                         # ledger vs the agent's credits, cargo ownership
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from plancc.inputs import bundled_recipes_dir, compile_files
from plancc.planfile import dump_plan
from plancc.sim.app import DEFAULT_START, Twin
from plancc.sim.faults import FaultConfig
from plancc.sim.universe import generate_universe, seen_from_everywhere
from runner.apply import apply_plan, server_view
from runner.clock import TwinClock
from runner.planview import read_plan
from runner.policy import RunnerPolicy
from runner.state import Store
from runner.status import check
from runner.tick import TickResult, run_tick

CRON_S = 60.0


def compiled_plan(tmp: Path, seed: int, haulers: int) -> Path:
    """Compile a plan for the generated universe ``seed`` as if every market had been seen."""
    u = generate_universe(seed, start=DEFAULT_START, haulers=haulers, probes=0)
    snap = tmp / "snapshot.json"
    snap.write_text(json.dumps(seen_from_everywhere(u, DEFAULT_START)))
    plan, _ = compile_files((str(bundled_recipes_dir()),), None, str(snap))
    path = tmp / "plan.yaml"
    path.write_text(dump_plan(plan))
    return path


@dataclass
class RunnerWorld:
    twin: Twin
    state: Path
    plan: Path
    policy: RunnerPolicy = field(default_factory=RunnerPolicy)
    ticks: list[TickResult] = field(default_factory=list)

    @classmethod
    def build(
        cls,
        tmp: Path,
        seed: int = 1,
        haulers: int = 5,
        *,
        faults: FaultConfig | None = None,
        policy: RunnerPolicy | None = None,
        apply: bool = True,
    ) -> RunnerWorld:
        plan = compiled_plan(tmp, seed, haulers)
        twin = Twin.generate(seed, haulers=haulers, probes=0, faults=faults)
        world = cls(twin, tmp / "state.db", plan, policy or RunnerPolicy())
        if apply:
            world.apply()
        return world

    def client(self, **kw: Any) -> Any:
        kw.setdefault("max_retries", 3)
        return self.twin.api_client(**kw)

    def clock(self) -> TwinClock:
        return TwinClock(self.twin.now, self.twin.advance)

    def apply(self, plan: Path | None = None) -> list[str]:
        faults = self.twin.faults.enabled
        self.twin.faults.enabled = False  # apply is a person's command: run it on a calm server
        try:
            store = Store.open(self.state)
            with self.client() as c:
                changes = apply_plan(
                    store,
                    read_plan(plan or self.plan),
                    server_view(c),
                    self.twin.now(),
                    source=str(plan or self.plan),
                )
            store.close()
        finally:
            self.twin.faults.enabled = faults
        return changes

    def tick(self, budget_s: float = 55.0) -> TickResult:
        start = self.twin.now()
        result = run_tick(self.state, self.client, self.clock(), self.policy, budget_s=budget_s)
        self.ticks.append(result)
        # cron starts the next tick a minute after this one started
        nxt = start + CRON_S
        if result.next_due is not None and result.next_due > nxt:
            # nothing is due before then: the ticks in between would make no request
            nxt = start + CRON_S * max(1, int((result.next_due - start) // CRON_S))
        if nxt > self.twin.now():
            self.twin.advance(nxt - self.twin.now())
        return result

    def store(self) -> Store:
        return Store.open(self.state, create=False)

    def open_work(self) -> bool:
        s = self.store()
        try:
            return s.has_open_work()
        finally:
            s.close()

    def check(self) -> list[str]:
        s = self.store()
        faults = self.twin.faults.enabled
        self.twin.faults.enabled = False
        try:
            with self.client() as c:
                return check(s, c)
        finally:
            self.twin.faults.enabled = faults
            s.close()

    def run_until_done(self, max_ticks: int = 2000, check_each: bool = False) -> int:
        for n in range(1, max_ticks + 1):
            self.tick()
            if check_each:
                problems = self.check()
                assert not problems, f"tick {n}: {problems}"
            if not self.open_work():
                return n
        raise AssertionError(f"work still open after {max_ticks} ticks")
