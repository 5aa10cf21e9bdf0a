"""A twin with a compiled plan applied to a fresh runner state: the runner tests' world.

world = RunnerWorld.build(tmp_path, seed=1, haulers=5)
result = world.tick()                 # one cron tick on the twin's virtual clock
world.run_until_done()                # ticks (cron every 60 s) until every pipeline ends
world.check()                         # ledger vs the agent's credits, cargo ownership
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from plancc.inputs import bundled_recipes_dir, compile_files
from plancc.loop.statesnap import seed_from_snapshot
from plancc.model import Leg, Plan
from plancc.planfile import dump_plan
from plancc.sim.app import DEFAULT_START, Twin
from plancc.sim.faults import FaultConfig
from plancc.sim.universe import generate_universe, seen_from_everywhere
from runner.apply import apply_plan, server_view
from runner.clock import TwinClock
from runner.fly import next_tick_at
from runner.planview import LegSpec, PipelineSpec, PlanView, TaskSpec, read_plan
from runner.policy import RunnerPolicy
from runner.state import Store
from runner.status import check
from runner.tick import TickResult, run_tick
from tests.twin_fixtures import BELT, HAULER, HQ, mini_twin


def compiled_plan(
    tmp: Path, seed: int, haulers: int, pipelines: int | None = None, policy: str | None = None
) -> Path:
    """Compile a plan for the generated universe ``seed`` as if every market had been seen;
    ``pipelines``: keep only the first N pipelines and the legs that serve them, those made at
    a factory first (a whole chain: deliveries, production, collect), then by id."""
    u = generate_universe(seed, start=DEFAULT_START, haulers=haulers, probes=0)
    snap = tmp / "snapshot.json"
    snap.write_text(json.dumps(seen_from_everywhere(u, DEFAULT_START)))
    plan, _ = compile_files((str(bundled_recipes_dir()),), policy, str(snap))
    if pipelines is not None:
        first = sorted(plan.pipelines, key=lambda p: (p.chain.method != "MANUFACTURE", p.id))
        plan = only_pipelines(plan, {p.id for p in first[:pipelines]})
    path = tmp / "plan.yaml"
    path.write_text(dump_plan(plan))
    return path


def shared_flight_plan(tmp: Path, seed: int = 1, haulers: int = 5) -> Path:
    """The plan of universe ``seed`` cut down to the pipelines of its first leg that carries
    several goods (seed 1: ADVANCED_CIRCUITRY to sell and COPPER to deliver, H14 to C15)."""
    from plancc.planfile import load_plan

    plan = load_plan(compiled_plan(tmp, seed, haulers))
    task = {t.id: t for t in plan.tasks}
    shared = next(leg for leg in plan.legs if leg.also)
    path = tmp / "shared.yaml"
    path.write_text(dump_plan(only_pipelines(plan, {task[g.load].pipeline for g in shared.parts})))
    return path


def only_pipelines(plan: Plan, keep: set[str]) -> Plan:
    """``plan`` cut down to the pipelines ``keep`` names, their tasks and legs (a leg shared
    with another pipeline keeps only the goods of the kept ones)."""
    tasks = tuple(t for t in plan.tasks if t.pipeline in keep)
    kept_tasks = {t.id for t in tasks}
    legs: dict[str, Leg] = {}
    for leg in plan.legs:
        parts = [g for g in leg.parts if g.load in kept_tasks]
        if parts:
            head, *rest = parts
            pipeline = next(t.pipeline for t in tasks if t.id == head.load)
            legs[leg.id] = replace(
                leg,
                good=head.good,
                quantity=head.quantity,
                load=head.load,
                unload=head.unload,
                pipeline=pipeline,
                also=tuple(rest),
            )
    return replace(
        plan,
        pipelines=tuple(p for p in plan.pipelines if p.id in keep),
        tasks=tasks,
        legs=tuple(legs.values()),
        ships=tuple(
            replace(s, legs=tuple(sl for sl in s.legs if sl.leg in legs)) for s in plan.ships
        ),
    )


@dataclass
class RunnerWorld:
    twin: Twin
    state: Path
    plan: Path
    policy: RunnerPolicy = field(default_factory=RunnerPolicy)
    ticks: list[TickResult] = field(default_factory=list)
    # the snapshot the plan was compiled from, for ``apply`` to seed state with, as
    # ``plancc apply --snapshot`` does (None: the runner learns markets by reading them)
    snapshot: Path | None = None

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
        pipelines: int | None = None,
        plan_policy: str | None = None,
        shared: bool = False,
        seed_state: bool = False,
    ) -> RunnerWorld:
        """``shared``: fly ``shared_flight_plan`` instead (``pipelines`` is then ignored);
        ``seed_state``: apply as ``plancc apply --snapshot`` does, with the plan's snapshot."""
        if shared:
            plan = shared_flight_plan(tmp, seed, haulers)
        else:
            plan = compiled_plan(tmp, seed, haulers, pipelines, plan_policy)
        twin = Twin.generate(seed, haulers=haulers, probes=0, faults=faults)
        world = cls(twin, tmp / "state.db", plan, policy or RunnerPolicy())
        world.snapshot = tmp / "snapshot.json" if seed_state else None
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
            if self.snapshot is not None:
                seed_from_snapshot(store, json.loads(self.snapshot.read_text()))
            store.close()
        finally:
            self.twin.faults.enabled = faults
        return changes

    def apply_view(self, plan: PlanView, *, dry_run: bool = False) -> list[str]:
        store = Store.open(self.state)
        try:
            with self.client() as c:
                return apply_plan(
                    store,
                    plan,
                    server_view(c),
                    self.twin.now(),
                    source=plan.plan_id,
                    dry_run=dry_run,
                )
        finally:
            store.close()

    def tick(self, budget_s: float = 55.0) -> TickResult:
        start = self.twin.now()
        result = run_tick(self.state, self.client, self.clock(), self.policy, budget_s=budget_s)
        self.ticks.append(result)
        # cron's next tick; minutes with nothing due are skipped (they would make no request)
        nxt = next_tick_at(start, result.next_due)
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


# ---------------------------------------------------------------------------------------------
# Over real loopback HTTP, each tick in its own process (a fork: the kill test SIGKILLs it)


class Loopback:
    """The world's twin served on 127.0.0.1 from a thread of this process."""

    def __init__(self, twin: Twin) -> None:
        import threading
        from wsgiref.simple_server import make_server

        from plancc.sim.serve import _QuietHandler, _ThreadingServer

        self.server = make_server(
            "127.0.0.1",
            0,
            twin.wsgi(),
            server_class=_ThreadingServer,
            handler_class=_QuietHandler,
        )
        self.root = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def api_url(self) -> str:
        return f"{self.root}/v2"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def forked_tick(
    world: RunnerWorld, loop: Loopback, env: dict[str, str] | None = None, budget_s: float = 55.0
) -> tuple[int, dict[str, Any] | None]:
    """One tick in a forked child talking HTTP to ``loop``; (exit status, result or None).

    ``env`` is set in the child only (e.g. PLANCC_KILL_AT). A child killed by a signal
    returns (-signal, None).
    """
    import os
    import tempfile

    fd, out = tempfile.mkstemp(prefix="tick-", suffix=".json")
    os.close(fd)
    pid = os.fork()
    if pid == 0:  # the child: a fresh tick, like cron's process
        code = 70
        try:
            os.environ.update(env or {})
            import importlib

            from plancc.api import Client
            from runner import killpoint
            from runner.clock import TwinHttpClock

            importlib.reload(killpoint)
            result = run_tick(
                world.state,
                lambda: Client(
                    base_url=loop.api_url, token=world.twin.token, max_retries=3, pace=False
                ),
                TwinHttpClock(loop.root),
                world.policy,
                budget_s=budget_s,
            )
            with open(out, "w") as f:
                json.dump(
                    {
                        "outcome": result.outcome,
                        "next_due": result.next_due,
                        "requests": result.requests,
                        "actions": result.actions,
                    },
                    f,
                )
            code = result.exit_code
        finally:
            os._exit(code)
    code = wait_child(pid)
    text = Path(out).read_text()
    Path(out).unlink()
    return code, (json.loads(text) if text else None)


def wait_child(pid: int, timeout_s: float = 120.0) -> int:
    """The child's exit code; a child still running after ``timeout_s`` is killed and the
    test fails (no wait in a test is unbounded)."""
    import os
    import signal
    import time

    deadline = time.monotonic() + timeout_s
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise AssertionError(f"a forked tick ran over {timeout_s:.0f} s")
        time.sleep(0.005)


def forked_run(
    world: RunnerWorld, loop: Loopback, env: dict[str, str] | None = None, max_ticks: int = 400
) -> list[int]:
    """Ticks in forked children (cron a minute apart) until every pipeline ends."""
    codes = []
    for _ in range(max_ticks):
        start = world.twin.now()
        code, result = forked_tick(world, loop, env)
        codes.append(code)
        nxt = next_tick_at(start, result.get("next_due") if result else None)
        if nxt > world.twin.now():
            world.twin.advance(nxt - world.twin.now())
        if not world.open_work():
            return codes
    raise AssertionError(f"work still open after {max_ticks} ticks")


# ---------------------------------------------------------------------------------------------
# A one-leg plan on the tiny twin (tests/twin_fixtures.py): buy IRON at the headquarters,
# sell it at the belt


PIPE = "IRON@BELT"


def listing(twin: Twin, market: str, good: str) -> dict[str, Any]:
    m = twin.world.markets[market]
    return next(g for g in m.trade_goods(twin.now()) if g["symbol"] == good)


def mini_plan(quantity: int, buy: int, sell: int) -> PlanView:
    return PlanView(
        plan_id=f"mini-{quantity}-{buy}-{sell}",
        system="X1-T",
        snapshot_time="",
        pipelines=(PipelineSpec(PIPE, "IRON", BELT, quantity, buy * quantity, sell * quantity),),
        tasks=(
            TaskSpec("load", "ACQUIRE", PIPE, "IRON", quantity, HQ, buy),
            TaskSpec("unload", "SELL", PIPE, "IRON", quantity, BELT, sell, ("load",)),
        ),
        legs=(LegSpec("leg", PIPE, HAULER, 0, "load", "unload", "IRON", quantity),),
    )


def mini(
    tmp: Path,
    *,
    quantity: int = 40,
    buy_price: int | None = None,
    sell_price: int | None = None,
    policy: RunnerPolicy | None = None,
    credits: int = 100_000,
) -> RunnerWorld:
    twin = mini_twin(credits=credits)
    buy = buy_price or listing(twin, HQ, "IRON")["purchasePrice"]
    sell = sell_price or listing(twin, BELT, "IRON")["sellPrice"]
    # the tiny twin's belt pays less than the headquarters asks: margins are not under test
    policy = replace(policy or RunnerPolicy(), min_margin=-1.0)
    world = RunnerWorld(twin, tmp / "state.db", tmp / "none.yaml", policy)
    world.apply_view(mini_plan(quantity, buy, sell))
    return world
