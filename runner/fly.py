"""Fly the active plan to its end on a virtual clock: cron's ticks, a minute apart.

    result = fly("state.db", client_factory, clock, advance, progress=print)

For the demo and the closed loop: each tick is ``run_tick`` as cron would start it; minutes in
which nothing is due are skipped (those ticks would make no request), so hours of game time
pass in seconds. Stops when every pipeline has ended and no cargo is being liquidated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from runner.clock import Clock
from runner.policy import RunnerPolicy
from runner.state import Store
from runner.tick import TickResult, run_tick

CRON_S = 60.0


def next_tick_at(started: float, due: float | None, cron_s: float = CRON_S) -> float:
    """When cron's next useful tick starts: a minute after this one, or the minute in which
    the next thing falls due when that is later."""
    nxt = started + cron_s
    if due is not None and due > nxt:
        nxt = started + cron_s * max(1, int((due - started) // cron_s))
    return nxt


@dataclass
class FlyResult:
    ticks: int = 0
    requests: int = 0
    results: list[TickResult] = field(default_factory=list)

    @property
    def last(self) -> TickResult | None:
        return self.results[-1] if self.results else None


def progress_line(store: Store, now: float) -> str:
    """game time, credits, pipelines done/failed/running, ships busy."""
    pipes = [r[0] for r in store.conn.execute("SELECT status FROM pipelines")]
    busy = store.conn.execute(
        "SELECT COUNT(DISTINCT ship) FROM tasks WHERE status='ACTIVE'"
    ).fetchone()[0]
    ships = store.conn.execute("SELECT COUNT(*) FROM ships").fetchone()[0]
    when = datetime.fromtimestamp(now, UTC).strftime("%m-%d %H:%M")
    return (
        f"game {when} | credits {int(store.get('credits') or 0):,} | pipelines "
        f"{pipes.count('COMPLETED')} done, {pipes.count('FAILED')} failed, "
        f"{pipes.count('ACTIVE')} running | ships busy {busy}/{ships}"
    )


def fly(
    state: str | Path,
    client_factory: Callable[[], Any],
    clock: Clock,
    advance_to: Callable[[float], None],
    *,
    policy: RunnerPolicy | None = None,
    progress: Callable[[str], None] | None = None,
    after_tick: Callable[[int, TickResult], None] | None = None,
    max_ticks: int = 5000,
) -> FlyResult:
    """Tick until the work ends; ``advance_to(t)`` moves the virtual clock to game time t."""
    out = FlyResult()
    for n in range(1, max_ticks + 1):
        started = clock.now()
        r = run_tick(state, client_factory, clock, policy)
        out.ticks, out.requests = n, out.requests + r.request_count
        out.results.append(r)
        if after_tick is not None:
            after_tick(n, r)
        if r.exit_code != 0:
            return out
        store = Store.open(state, create=False)
        try:
            if progress is not None and r.outcome == "worked":
                progress(progress_line(store, clock.now()))
            if not store.has_open_work():
                return out
        finally:
            store.close()
        advance_to(next_tick_at(started, r.next_due))
    return out
