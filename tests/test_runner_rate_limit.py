"""Consecutive ticks share the server's rate limit: each tick's new client takes over the
pools the previous tick's client spent (kept in the state file), so a run of ticks against the
twin with its limiter on (2 req/s, burst 30 per 60 s, LIVE-FACTS) never gets a 429."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from plancc.sim.app import Twin
from runner.policy import RunnerPolicy
from tests.runner_world import RunnerWorld, compiled_plan


class FakeTime:
    """Real time for the twin's limiter and the client's pacing; sleeping advances it."""

    def __init__(self) -> None:
        self.t = 1000.0

    def now(self) -> float:
        return self.t


def _limited_world(tmp: Path) -> tuple[RunnerWorld, list[int]]:
    real = FakeTime()
    twin = Twin.generate(1, haulers=5, probes=0, rate_limit=True, limiter_time=real.now)
    world = RunnerWorld(twin, tmp / "state.db", compiled_plan(tmp, 1, 5), RunnerPolicy())
    refusals: list[int] = []
    check = twin.app.limiter.check

    def counted(key: str, game_now: float) -> Any:
        refusal = check(key, game_now)
        if refusal is not None:
            refusals.append(1)
        return refusal

    twin.app.limiter.check = counted  # type: ignore[method-assign]

    def sleep(seconds: float) -> None:
        real.t += seconds
        twin.advance(seconds)

    def client(**kw: Any) -> Any:
        kw.setdefault("max_retries", 3)
        made = twin.api_client(pace=True, clock=real.now, sleep=sleep, **kw)
        made.limiter.wall = real.now  # the same clock dates what a tick leaves for the next
        return made

    world.client = client  # type: ignore[method-assign]
    world.apply()
    real.t += 120.0  # apply's requests are long past when the ticks start
    return world, refusals


def test_consecutive_ticks_against_the_twins_limiter_get_no_429(tmp_path: Path) -> None:
    world, refusals = _limited_world(tmp_path)
    for _ in range(40):  # back to back: real time passes only when a client waits for it
        world.tick()
    requests = sum(sum(t.requests.values()) for t in world.ticks)
    assert requests > 60, "enough requests to exhaust the burst pool"
    assert refusals == []
