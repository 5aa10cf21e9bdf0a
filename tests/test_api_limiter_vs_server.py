"""The client's rate limiter never lets through a request the server's limiter would refuse,
judged against the twin's model of the live limiter (``plancc.sim.ratelimit``).

A headline flight got a 429. The client kept a fixed burst window of its own: twenty requests
made as it turned were counted by the client in the old window and by the server in the new
one, and a window the server opened later than the client (a request the client paced as a
burst draw, the server served from its bucket) refilled later there than here.
"""

from __future__ import annotations

import random

from api_script import FakeClock

from plancc.api import RateLimiter
from plancc.sim.ratelimit import RateLimiter as ServerLimiter


def _pair() -> tuple[FakeClock, RateLimiter, ServerLimiter]:
    clock = FakeClock()
    return clock, RateLimiter(clock=clock, sleep=clock.sleep), ServerLimiter(time=clock)


def _send(clock: FakeClock, client: RateLimiter, server: ServerLimiter) -> bool:
    client.acquire()
    return server.check("token", clock.now) is None


def test_requests_made_as_the_burst_window_turns_are_counted_in_the_new_one() -> None:
    """The flight's pattern: the burst pool opened at 0, a burst of 22 exactly when it turns
    at 60, two more a little later, then a burst of 12 within the new window."""
    clock, client, server = _pair()
    for _ in range(12):
        assert _send(clock, client, server)
    clock.now = 60.0
    for _ in range(22):
        assert _send(clock, client, server)
    clock.now = 60.05
    for _ in range(2):
        assert _send(clock, client, server)
    clock.now = 103.0
    assert all(_send(clock, client, server) for _ in range(12))


def test_random_bursts_never_draw_a_429() -> None:
    rng = random.Random(7)
    clock, client, server = _pair()
    for _ in range(200):  # bursts of requests, spaced to land near the pool's refill
        clock.now += rng.choice((0.01, 0.3, 1.0, 5.0, 20.0, 30.0)) + rng.choice((0.0, 0.02, 0.04))
        assert all(_send(clock, client, server) for _ in range(rng.randint(1, 25)))


def test_a_pool_saved_in_the_old_format_is_still_spent_after_a_restore() -> None:
    """State files written before the sliding window kept ``pool`` and ``window_end``."""
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep, wall=clock)
    limiter.restore({"recent": [], "pool": 10, "window_end": 30.0})
    for _ in range(12):  # two steady, then the ten draws left in the pool
        limiter.acquire()
    assert clock.sleeps == []
    limiter.acquire()
    assert clock.now >= 1.0
