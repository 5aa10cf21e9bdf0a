"""The live server's rate limiter, per token (the "Account" limit; IP when there is none).

Two pools, as documented at docs.spacetraders.io/api-guide/rate-limits:
- a static pool of 2 requests per second (a token bucket holding 2, refilled continuously);
- a burst pool of 30 requests per 60 s, drawn only when the static pool is empty; it refills
  completely 60 s after its first draw.
A request that finds both empty gets a 429 with the real body
``{"error":{"message":"You have reached your API limit.","code":429,"data":{type, retryAfter,
limitBurst, limitPerSecond, remaining, reset}}}`` and ``retry-after`` / ``x-ratelimit-*``
headers. The limiter runs on real (monotonic) time by default: it limits how fast a client
talks, whatever the game clock does; tests pass their own ``time`` function.
"""

from __future__ import annotations

import math
import threading
import time as _time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from plancc.sim.clock import iso

LIMIT_TYPE = "IP-based limit"


@dataclass
class _Pools:
    static: float
    burst: int
    burst_reset: float | None = None  # real time at which the burst pool refills
    last: float = 0.0


@dataclass(frozen=True)
class Refusal:
    """What a 429 carries: ``headers`` (lower-case names) and the JSON ``body``."""

    retry_after: float
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class RateLimiter:
    per_second: float = 2.0
    burst: int = 30
    burst_seconds: float = 60.0
    enabled: bool = True
    time: Callable[[], float] = _time.monotonic
    _pools: dict[str, _Pools] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def check(self, key: str, game_now: float) -> Refusal | None:
        """Take one request for ``key``; None when allowed, else the 429 to send.

        ``game_now`` only dates the ``reset`` field (the twin's ``Date`` is game time).
        """
        if not self.enabled:
            return None
        with self._lock:
            t = self.time()
            pools = self._pools.get(key)
            if pools is None:
                pools = self._pools[key] = _Pools(static=self.per_second, burst=self.burst, last=t)
            pools.static = min(self.per_second, pools.static + (t - pools.last) * self.per_second)
            pools.last = t
            if pools.burst_reset is not None and t >= pools.burst_reset:
                pools.burst, pools.burst_reset = self.burst, None
            if pools.static >= 1.0:
                pools.static -= 1.0
                return None
            if pools.burst > 0:
                pools.burst -= 1
                if pools.burst_reset is None:
                    pools.burst_reset = t + self.burst_seconds
                return None
            wait_static = (1.0 - pools.static) / self.per_second
            wait_burst = (pools.burst_reset - t) if pools.burst_reset is not None else wait_static
            retry = max(0.001, min(wait_static, wait_burst))
            reset_in = (pools.burst_reset - t) if pools.burst_reset is not None else retry
            return self._refusal(retry, reset_in, game_now)

    def _refusal(self, retry: float, reset_in: float, game_now: float) -> Refusal:
        reset = iso(game_now + reset_in)
        data = {
            "type": LIMIT_TYPE,
            "retryAfter": round(retry, 3),
            "limitBurst": self.burst,
            "limitPerSecond": int(self.per_second),
            "remaining": 0,
            "reset": reset,
        }
        headers = {
            "retry-after": str(max(1, math.ceil(retry))),
            "x-ratelimit-type": LIMIT_TYPE,
            "x-ratelimit-limit-burst": str(self.burst),
            "x-ratelimit-limit-per-second": str(int(self.per_second)),
            "x-ratelimit-remaining": "0",
            "x-ratelimit-reset": reset,
        }
        body = {"error": {"message": "You have reached your API limit.", "code": 429, "data": data}}
        return Refusal(retry_after=retry, headers=headers, body=body)

    def reset(self) -> None:
        with self._lock:
            self._pools.clear()
