"""Switchable, seeded fault injection for the twin: what the real network does to a client.

Kinds (``FAULT_KINDS``):
- ``429``          the rate limiter's real 429 (body and ``retry-after``/``x-ratelimit-*`` headers)
- ``429-bare``     a 429 with the real body but no headers (cloud layer)
- ``429-html``     a 429 with an HTML body and no headers (cloud layer)
- ``500``/``502``/``503``  server errors; the request did NOT act
- ``timeout``      the response never comes in time; the request did NOT act
- ``lost``         POSTs only: the request ACTED, then its response was lost

Faults are decided per request by :class:`FaultInjector`: first from a queue of scripted faults
(``injector.queue("lost")`` makes the next eligible request lose its answer), then at random
with the configured rates from a seeded RNG. Two places apply them:
- in-process, :class:`FaultyTransport` wraps ``httpx.WSGITransport`` and raises
  ``httpx.ReadTimeout`` for ``timeout`` (without calling the app) and for ``lost`` (after it);
- over real HTTP (``plancc sim serve``), :class:`FaultMiddleware` answers the synthetic
  responses and, for ``timeout``/``lost``, sleeps ``slow_seconds`` (past the client's timeout)
  before (then 504, no action) or after acting.
Admin routes (``/_twin/...``) are never faulted.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx

from plancc.sim.clock import http_date, iso

FAULT_KINDS: tuple[str, ...] = (
    "429",
    "429-bare",
    "429-html",
    "500",
    "502",
    "503",
    "timeout",
    "lost",
)
NO_ACTION_KINDS = frozenset(FAULT_KINDS) - {"lost"}
RATE_LIMIT_BODY_MESSAGE = "You have reached your API limit."

HTML_429 = (
    "<html><head><title>429 Too Many Requests</title></head><body><center>"
    "<h1>429 Too Many Requests</h1></center><hr><center>cloudflare</center></body></html>"
)


@dataclass
class FaultConfig:
    """Probabilities per request (0..1) of each kind, the RNG seed, and which paths qualify."""

    seed: int = 0
    rates: dict[str, float] = field(default_factory=dict)
    slow_seconds: float = 40.0  # past plancc.api.Client's default 30 s timeout
    path_prefix: str = "/v2"

    def __post_init__(self) -> None:
        unknown = set(self.rates) - set(FAULT_KINDS)
        if unknown:
            raise ValueError(f"unknown fault kind(s): {', '.join(sorted(unknown))}")
        for kind, p in self.rates.items():
            if not 0.0 <= float(p) <= 1.0:
                raise ValueError(f"fault rate for {kind} must be within 0..1")
        if not 0.0 <= float(self.slow_seconds) <= 3600.0:  # a real sleep in serve mode
            raise ValueError("slowSeconds must be within 0..3600")


class FaultInjector:
    """Decides, per request, which fault (if any) to inject. Thread-safe; off by default."""

    def __init__(self, config: FaultConfig | None = None, *, enabled: bool = False) -> None:
        self._lock = threading.Lock()
        self.enabled = enabled
        self.configure(config or FaultConfig())
        self.injected: list[tuple[str, str, str]] = []  # (kind, method, path) for inspection

    def configure(self, config: FaultConfig) -> None:
        with self._lock:
            self.config = config
            self._rng = random.Random(config.seed)
            self._queue: deque[str] = deque()

    def queue(self, *kinds: str) -> None:
        """Script the next faults, in order (they fire even while random faults are off)."""
        for kind in kinds:
            if kind not in FAULT_KINDS:
                raise ValueError(f"unknown fault kind {kind!r}")
        with self._lock:
            self._queue.extend(kinds)

    def pending(self) -> list[str]:
        with self._lock:
            return list(self._queue)

    def decide(self, method: str, path: str) -> str | None:
        if not path.startswith(self.config.path_prefix):
            return None
        with self._lock:
            if self._queue:
                kind = self._queue[0]
                if kind == "lost" and method.upper() not in ("POST", "PATCH"):
                    return None  # wait for a request that acts
                self._queue.popleft()
                self.injected.append((kind, method, path))
                return kind
            if not self.enabled:
                return None
            for kind in FAULT_KINDS:
                p = self.config.rates.get(kind, 0.0)
                if not p:
                    continue
                if kind == "lost" and method.upper() not in ("POST", "PATCH"):
                    continue
                if self._rng.random() < p:
                    self.injected.append((kind, method, path))
                    return kind
            return None

    def describe(self) -> dict[str, Any]:
        with self._lock:
            return {
                "enabled": self.enabled,
                "config": asdict(self.config),
                "queued": list(self._queue),
                "injected": len(self.injected),
            }


def fault_response(kind: str, game_now: float) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of a synthetic 429/5xx of ``kind``."""
    date = {"date": http_date(game_now)}
    if kind in ("429", "429-bare"):
        reset = iso(game_now + 1)
        body = {
            "error": {
                "message": RATE_LIMIT_BODY_MESSAGE,
                "code": 429,
                "data": {
                    "type": "IP-based limit",
                    "retryAfter": 1,
                    "limitBurst": 30,
                    "limitPerSecond": 2,
                    "remaining": 0,
                    "reset": reset,
                },
            }
        }
        headers = {"content-type": "application/json; charset=utf-8", **date}
        if kind == "429":
            headers.update(
                {
                    "retry-after": "1",
                    "x-ratelimit-type": "IP-based limit",
                    "x-ratelimit-limit-burst": "30",
                    "x-ratelimit-limit-per-second": "2",
                    "x-ratelimit-remaining": "0",
                    "x-ratelimit-reset": reset,
                }
            )
        return 429, headers, json.dumps(body).encode()
    if kind == "429-html":
        return 429, {"content-type": "text/html", **date}, HTML_429.encode()
    if kind in ("500", "502", "503"):
        status = int(kind)
        if status == 500:
            body = {"error": {"message": "Internal server error.", "code": 500}}
            return (
                status,
                {"content-type": "application/json; charset=utf-8", **date},
                json.dumps(body).encode(),
            )
        text = "Bad Gateway" if status == 502 else "Service Unavailable"
        html = (
            f"<html><head><title>{status} {text}</title></head><body><h1>{text}</h1></body></html>"
        )
        return status, {"content-type": "text/html", **date}, html.encode()
    if kind == "timeout":
        return (
            504,
            {"content-type": "text/html", **date},
            b"<html><body>Gateway Timeout</body></html>",
        )
    raise ValueError(f"no synthetic response for fault {kind!r}")


class FaultyTransport(httpx.BaseTransport):
    """An httpx transport that injects faults around an inner transport (in-process twin)."""

    def __init__(
        self,
        inner: httpx.BaseTransport,
        injector: FaultInjector,
        game_now: Callable[[], float],
    ) -> None:
        self.inner = inner
        self.injector = injector
        self.game_now = game_now

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        kind = self.injector.decide(request.method, request.url.path)
        if kind is None:
            return self.inner.handle_request(request)
        if kind == "timeout":
            raise httpx.ReadTimeout("twin fault: response timed out", request=request)
        if kind == "lost":
            response = self.inner.handle_request(request)
            response.read()
            response.close()
            raise httpx.ReadTimeout(
                "twin fault: acted, then the response was lost", request=request
            )
        status, headers, body = fault_response(kind, self.game_now())
        return httpx.Response(status, headers=headers, content=body, request=request)

    def close(self) -> None:
        self.inner.close()


WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class FaultMiddleware:
    """WSGI middleware applying the injector's faults over real HTTP (``plancc sim serve``)."""

    def __init__(
        self,
        app: WSGIApp,
        injector: FaultInjector,
        game_now: Callable[[], float],
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.app = app
        self.injector = injector
        self.game_now = game_now
        self.sleep = sleep

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        kind = self.injector.decide(
            environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "")
        )
        if kind is None:
            return self.app(environ, start_response)
        if kind == "lost":
            body = b"".join(self.app(environ, lambda *a, **k: None))
            del body  # acted; the answer goes nowhere in time
            self.sleep(self.injector.config.slow_seconds)
            kind = "timeout"
        elif kind == "timeout":
            self.sleep(self.injector.config.slow_seconds)
        status, headers, payload = fault_response(kind, self.game_now())
        reason = {
            429: "Too Many Requests",
            500: "Internal Server Error",
            502: "Bad Gateway",
            503: "Service Unavailable",
            504: "Gateway Timeout",
        }[status]
        start_response(
            f"{status} {reason}", [*headers.items(), ("content-length", str(len(payload)))]
        )
        return [payload]
