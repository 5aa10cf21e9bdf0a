"""Flying a fleet on an in-process twin for some game-hours, the way cron would: a tick every
game minute and the loop every 15 (``plancc demo`` and ``bench/strategies.py`` both use this).

    flight = Flight.start(twin, workdir, snapshot, settings)
    flight.run(hours=6, progress=lambda f: ...)
    flight.summary()          # the figures of the demo's table / the benchmark's columns

The twin's rate limiter runs on game time, and each tick's and loop's client paces itself on
it (a new client per tick, as a new cron process would have): 429s counted here are the ones
the fleet inflicted on itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from plancc.loop import history
from plancc.loop.run import LoopResult, LoopSettings, loop_once
from plancc.loop.statesnap import seed_from_snapshot
from runner.actions import save_limiter
from runner.clock import TwinClock
from runner.policy import RunnerPolicy
from runner.state import Store
from runner.tick import run_tick

CRON_S = 60.0
LOOP_S = 900.0


class CountingTransport(httpx.BaseTransport):
    """Counts every response by status (429s are what the fleet inflicted on itself)."""

    def __init__(self, inner: httpx.BaseTransport, counts: dict[int, int]) -> None:
        self.inner = inner
        self.counts = counts

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        resp = self.inner.handle_request(request)
        self.counts[resp.status_code] = self.counts.get(resp.status_code, 0) + 1
        return resp


@dataclass
class Flight:
    twin: Any
    state: Path
    settings: LoopSettings
    replan: str = "loop"  # "loop": every 15 min; "idle": only when no work is left
    start: float = 0.0
    start_credits: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    requests: int = 0
    credits: list[tuple[float, int]] = field(default_factory=list)
    loops: list[LoopResult] = field(default_factory=list)
    runner_policy: RunnerPolicy = field(default_factory=RunnerPolicy)
    http_url: str | None = None  # the twin served over loopback: talk HTTP to it

    @classmethod
    def start_on(
        cls,
        twin: Any,
        workdir: Path,
        snapshot: dict[str, Any],
        settings: LoopSettings,
        *,
        replan: str = "loop",
        http_url: str | None = None,
    ) -> Flight:
        """A fresh state seeded with ``snapshot`` (the markets it saw become observations)."""
        workdir.mkdir(parents=True, exist_ok=True)
        twin.app.limiter.enabled = True
        twin.app.limiter.time = twin.now  # 2 req/s in game time
        f = cls(twin, workdir / "state.db", settings, replan, http_url=http_url)
        store = Store.open(f.state)
        try:
            seed_from_snapshot(store, snapshot)
        finally:
            store.close()
        f.start = twin.now()
        with f.client() as c:
            f.start_credits = c.agent().credits
            store = Store.open(f.state)
            try:  # that read counts against the limits the first loop pass and tick start from
                save_limiter(store, c)
            finally:
                store.close()
        f.credits.append((f.start, f.start_credits))
        return f

    def client(self) -> Any:
        from plancc.api import Client

        inner = httpx.HTTPTransport() if self.http_url else self.twin.transport()
        return Client(
            base_url=self.http_url or self.twin.base_url,
            token=self.twin.token,
            transport=CountingTransport(inner, self.statuses),
            clock=self.twin.now,
            wall=self.twin.now,  # the pools a tick saves are dated in game time too
            sleep=lambda s: self.twin.advance(max(0.0, s)),
            max_retries=5,
        )

    def loop(self) -> LoopResult:
        with self.client() as c:
            result = loop_once(self.state, c, self.twin.now(), self.settings)
            self.requests += c.total_requests
        self.loops.append(result)
        return result

    def _open_work(self) -> bool:
        s = Store.open(self.state, create=False)
        try:
            return s.has_open_work() or s.active_plan() is None
        finally:
            s.close()

    def run(self, hours: float, progress: Callable[[Flight], None] | None = None) -> None:
        """Fly until ``hours`` game-hours after the start: ticks and loop passes."""
        self._fly(self.start + hours * 3600.0, progress, replan=True)

    def drain(self, max_hours: float, progress: Callable[[Flight], None] | None = None) -> bool:
        """Tick on without re-planning (no new work) until every pipeline has ended and no
        cargo waits to be sold, or ``max_hours`` more game-hours passed (a factory that never
        fills fails its pipeline after the runner's patience). True when all work ended."""
        self._fly(self.twin.now() + max_hours * 3600.0, progress, replan=False)
        return not self._open_work()

    def _fly(self, end: float, progress: Callable[[Flight], None] | None, *, replan: bool) -> None:
        # a loop pass that just ran (the first apply) is not repeated at once
        next_loop = self.twin.now() + (LOOP_S if self.loops else 0.0)
        clock = TwinClock(self.twin.now, self.twin.advance)
        made: list[Any] = []

        def factory() -> Any:
            c = self.client()
            made.append(c)
            return c

        while self.twin.now() < end:
            tick_start = self.twin.now()
            if not replan and not self._open_work():
                break
            if tick_start >= next_loop:
                if replan and (self.replan == "loop" or not self._open_work() or not self.loops):
                    self.loop()
                next_loop += LOOP_S
            result = run_tick(self.state, factory, clock, self.runner_policy, budget_s=55.0)
            for c in made:
                self.requests += c.total_requests
                c.close()
            made.clear()
            self._sample()
            nxt = tick_start + CRON_S
            if result.next_due is not None and result.next_due > nxt:
                # nothing due before then: the ticks in between would make no request
                nxt = tick_start + CRON_S * max(1, int((result.next_due - tick_start) // CRON_S))
            nxt = min(nxt, max(next_loop, tick_start + CRON_S), end)
            if nxt > self.twin.now():
                self.twin.advance(nxt - self.twin.now())
            if progress:
                progress(self)

    def live_figures(self) -> tuple[int, float]:
        """Active pipelines and utilisation so far (for a progress bar)."""
        s = Store.open(self.state, create=False)
        try:
            active = int(
                s.conn.execute("SELECT COUNT(*) FROM pipelines WHERE status='ACTIVE'").fetchone()[0]
            )
            return active, self.utilisation(s, self.twin.now())
        finally:
            s.close()

    def peak_requests_per_minute(self) -> int:
        """The most requests the fleet made in any one game-minute (from the ticks' records
        and the loop passes)."""
        per_minute: dict[int, int] = {}
        s = Store.open(self.state, create=False)
        try:
            for started, requests in s.conn.execute("SELECT started_at, requests FROM ticks"):
                n = sum(json.loads(requests).values())
                per_minute[int(started // 60)] = per_minute.get(int(started // 60), 0) + n
        finally:
            s.close()
        return max(per_minute.values(), default=0)

    def _sample(self) -> None:
        s = Store.open(self.state, create=False)
        try:
            credits = int(s.get("credits") or self.start_credits)
        finally:
            s.close()
        self.credits.append((self.twin.now(), credits))

    # -- figures ---------------------------------------------------------------------------

    def summary(self) -> dict[str, Any]:
        """The demo's summary / one benchmark row (see the keys)."""
        s = Store.open(self.state, create=False)
        try:
            with self.client() as c:
                agent_credits = c.agent().credits
                self.requests += c.total_requests
            end = self.twin.now()
            hours = max(1e-9, (end - self.start) / 3600.0)
            pnl = s.pipeline_pnl()
            # a pipeline a re-plan dropped before it did anything did not fail: nothing was
            # bought or done, and the plan that replaced it earns more (loop_apply_threshold)
            dropped = [p for p in pnl if p["dropped"]]
            done = [p for p in pnl if p["status"] in ("COMPLETED", "FAILED") and p not in dropped]
            completed = sum(1 for p in pnl if p["status"] == "COMPLETED")
            failed = sum(1 for p in done if p["status"] == "FAILED")
            spent = sum(p["spent"] for p in done)
            planned_cost = sum(p["expected_cost"] for p in done)
            planned_profit = sum(p["expected_profit"] for p in done)
            realised_profit = sum(p["profit"] for p in done)
            tasks_done = int(
                s.conn.execute("SELECT COUNT(*) FROM tasks WHERE status='COMPLETED'").fetchone()[0]
            )
            profit = agent_credits - self.start_credits
            return {
                "credits_per_hour": round(profit / hours, 1),
                "utilisation": round(self.utilisation(s, end), 4),
                "pipelines_completed": completed,
                "pipelines_failed": failed,
                "pipelines_dropped": len(dropped),
                "requests_per_task": round(self.requests / tasks_done, 2) if tasks_done else None,
                "profit_per_request": round(profit / self.requests, 2) if self.requests else None,
                "planned_margin": round(planned_profit / planned_cost, 4) if planned_cost else None,
                "realised_margin": round(realised_profit / spent, 4) if spent else None,
                "http_429": self.statuses.get(429, 0),
                "ledger_reconciled": s.expected_credits() == agent_credits,
                "requests": self.requests,
                "requests_per_second": round(self.requests / (hours * 3600.0), 3),
                "game_hours": round(hours, 2),
                "profit": profit,
                "credits": agent_credits,
            }
        finally:
            s.close()

    def utilisation(self, store: Store, end: float) -> float:
        """Share of the haulers' time spent moving or trading (``history.moving_or_trading``),
        overlaps merged per ship; waiting for a factory's supply does not count."""
        spans = history.moving_or_trading(store)
        haulers = [
            r[0] for r in store.conn.execute("SELECT symbol FROM ships WHERE cargo_capacity > 0")
        ]
        total = (end - self.start) * len(haulers)
        if total <= 0:
            return 0.0
        busy = sum(
            _merged([(max(a, self.start), min(b, end)) for a, b in spans.get(ship, [])])
            for ship in haulers
        )
        return busy / total

    def report_data(self, title: str) -> Any:
        s = Store.open(self.state, create=False)
        try:
            summary = self.summary()
            return history.run_data(s, title, self.start, self.twin.now(), self.credits, summary)
        finally:
            s.close()

    def events(self, kind: str) -> list[dict[str, Any]]:
        s = Store.open(self.state, create=False)
        try:
            return s.events(limit=10_000, kind=kind)
        finally:
            s.close()


def _merged(intervals: list[tuple[float, float]]) -> float:
    total, cur_a, cur_b = 0.0, None, None
    for a, b in sorted(i for i in intervals if i[1] > i[0]):
        if cur_b is None or a > cur_b:
            if cur_b is not None and cur_a is not None:
                total += cur_b - cur_a
            cur_a, cur_b = a, b
        else:
            cur_b = max(cur_b, b)
    if cur_a is not None and cur_b is not None:
        total += cur_b - cur_a
    return total


def dumps(summary: dict[str, Any]) -> str:
    return json.dumps(summary, sort_keys=True)
