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
        # the same clock dates what a tick leaves for the next
        return twin.api_client(pace=True, clock=real.now, wall=real.now, sleep=sleep, **kw)

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


def test_ticks_and_loop_passes_paced_on_game_time_get_no_429(tmp_path: Path) -> None:
    """The demo and the benchmarks pace every client on the game clock, and the twin limits on
    it. Each client takes over the pools the last one left, dated on that same clock: dated on
    real time, the saved burst window moved by however far the game ran ahead between two
    ticks, the next client opened a window the server had not, and drew a 429 (seed 3, 10
    haulers: at 2 min 5 s of game time, the headline benchmark's one 429)."""
    from loop_world import new_flight

    flight = new_flight(tmp_path, seed=3, haulers=10, probes=2)
    flight.loop()
    flight.run(hours=0.1)
    assert flight.requests > 60, "enough requests to spend the burst pool"
    assert flight.statuses.get(429, 0) == 0


def test_the_flights_own_first_read_counts_against_the_first_passes_limits(
    tmp_path: Path,
) -> None:
    """The flight reads the agent's credits before the first loop pass; that request spends the
    server's pools too. Left out of the pools the pass starts from, a 25-hauler fleet's first
    minute (about 30 orbits and navigates at one instant) drew a 429 on its last request."""
    from loop_world import new_flight

    flight = new_flight(tmp_path, seed=1, haulers=25, probes=0, scheduler="greedy")
    flight.loop()
    flight.run(hours=0.02)
    assert flight.requests > 30, "enough requests at one instant to spend the burst pool"
    assert flight.statuses.get(429, 0) == 0
