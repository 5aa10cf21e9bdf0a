"""The SpaceTraders v2 client: sync httpx, self-pacing, bounded retries, typed errors.

Use::

    client = Client()                       # $PLANCC_API_URL, $SPACETRADERS_TOKEN / token file
    ship = client.ship("AGENT-1")
    client.dock(ship.symbol)
    result = client.purchase(ship.symbol, "IRON_ORE", 20)
    result.agent.credits, result.transaction.total_price

Everything goes through one ``httpx.Client(transport=...)``: tests pass a scripted
``httpx.MockTransport`` or ``httpx.WSGITransport(app=twin)``; nothing is patched.

Rate limit: the server allows 2 requests/s plus a burst pool of 30 per 60 s. ``RateLimiter``
paces requests to that (with the injected ``clock``/``sleep``), so normal use never sees 429.
When a 429 comes anyway it waits ``retry-after`` / ``data.retryAfter`` (or, for a bare HTML
429, exponential backoff with jitter) and tries again, a bounded number of times. A server
asking for a wait longer than ``max_retry_after_s`` (policy ``max_retry_after_s``, 120 s) gets
``RateLimited`` at once, the asked wait in its message: the caller decides, the client never
sleeps for an hour on a server's word.

Retries: 502 (DDoS guard), 503, 504 and connection failures are retried with bounded
backoff. A request that changes the game (purchase, sell, navigate, refuel, jettison) whose
answer is lost after it was sent (read timeout, dropped connection, protocol error, 504) is
NOT retried: it raises ``OutcomeUnknown`` so the caller re-reads the ship and decides.
Orbit, dock and flight mode are idempotent and retry like reads. A refused connection (no
server listening) gets ``connect_retries`` short retries, so a dead server fails in seconds.

Every wait is bounded: an answer must arrive whole within ``answer_deadline_s`` (60 s; httpx's
timeout is per read, which a trickling server never trips) and ``MAX_ANSWER_BYTES``; paging
stops at a page that adds nothing and refuses a declared total no system has; an answer whose
``data`` is not the object or list the call expects is an ``ApiError`` naming the call.

The token is sent only in the ``Authorization`` header; it never appears in ``repr``,
exception messages or log records, nor in what a call returns (a server echoing it back, e.g. as
the agent's symbol, gets it masked as ``***``).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import random
import re
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import httpx

from plancc.errors import (
    ApiError,
    InputError,
    OutcomeUnknown,
    RateLimited,
    ServerUnavailable,
    game_error_class,
)
from plancc.fileio import read_text
from plancc.model import Agent, CargoItem, Market, Ship, Waypoint
from plancc.parse import (
    _Obj,
    parse_agent,
    parse_market,
    parse_ship,
    parse_time,
    parse_waypoint,
)

log = logging.getLogger("plancc.api")

DEFAULT_BASE_URL = "https://api.spacetraders.io/v2"
URL_ENV = "PLANCC_API_URL"
TOKEN_ENV = "SPACETRADERS_TOKEN"
TOKEN_FILE_ENV = "PLANCC_TOKEN_FILE"
PAGE_LIMIT = 20  # the server's maximum page size
# A paged list longer than this is a server gone wrong (a system has ~100 waypoints, a fleet a
# few hundred ships): refusing it bounds the number of pages a snapshot can ask for.
MAX_PAGED_ITEMS = 10_000
DEFAULT_MAX_RETRY_AFTER_S = 120.0
MAX_ANSWER_BYTES = 16 << 20  # the largest real answer (a page of 20 ships) is ~100 KiB

# Game error codes plancc reacts to (../shared/spacetraders-api/error-codes.json has them all).
UNIVERSE_RESET = 4113
SHIP_IN_TRANSIT = 4214
SHIP_NOT_IN_ORBIT = 4236
SHIP_NOT_DOCKED = 4244
INSUFFICIENT_CREDITS = 4600
TRADE_VOLUME_EXCEEDED = 4604

RETRY_STATUSES = frozenset({502, 503, 504})


# ---------------------------------------------------------------------------------------------
# Results of calls whose answers the domain model does not cover


@dataclass(frozen=True)
class Cargo:
    capacity: int
    units: int
    inventory: tuple[CargoItem, ...]


@dataclass(frozen=True)
class Fuel:
    current: int
    capacity: int
    consumed: int = 0  # fuel used by the last action, when the server says


@dataclass(frozen=True)
class Nav:
    """``ShipNav``: where the ship is, and when it arrives when ``status`` is IN_TRANSIT."""

    waypoint: str
    system: str
    status: str
    flight_mode: str
    origin: str | None = None
    destination: str | None = None
    departure_time: datetime | None = None
    arrival: datetime | None = None


@dataclass(frozen=True)
class Transaction:
    """``MarketTransaction``: PURCHASE or SELL of goods, or fuel bought by refuel."""

    waypoint: str
    ship: str
    good: str
    type: str
    units: int
    price_per_unit: int
    total_price: int
    timestamp: datetime


@dataclass(frozen=True)
class TradeResult:
    """Answer of purchase and sell: the agent after the trade, the ship's cargo, the ledger line."""

    agent: Agent
    cargo: Cargo
    transaction: Transaction


@dataclass(frozen=True)
class RefuelResult:
    agent: Agent
    fuel: Fuel
    transaction: Transaction


@dataclass(frozen=True)
class NavigateResult:
    nav: Nav
    fuel: Fuel


# ---------------------------------------------------------------------------------------------
# Pacing


class RateLimiter:
    """The server's limit, kept from the client side: 2 requests/s plus a burst pool of 30.

    The server (docs.spacetraders.io, rate limits; ``plancc.sim.ratelimit``) serves a request
    from a bucket of 2 refilled at 2/s, else from a burst pool of 30 that refills 60 s after its
    first draw. The client cannot see either, so it keeps a stricter rule of its own that the
    server's can never refuse:

    - a request is steady when fewer than ``per_second`` requests of any kind were made in the
      last ``1 + margin_s`` seconds: then the server's bucket has a token for it too;
    - any other request is a burst draw, allowed while fewer than ``burst`` draws were made in
      the last ``burst_period_s + margin_s`` seconds. The server's draws are among the
      client's (what the client calls steady, the server does too) and each of its fixed
      windows lies inside one of these sliding ones, so it never counts more than ``burst``.

    Before, the client kept a fixed window of its own that opened at its own first draw. The
    server's opens at its first, which can be later; and draws made as the window turned
    counted in the old window here and in the new one there: a headline flight drew a 429.
    With neither allowed, ``acquire`` sleeps until one is. ``clock`` is monotonic seconds;
    ``sleep`` waits; ``wall`` dates ``export`` (tests inject fakes).
    """

    def __init__(
        self,
        per_second: int = 2,
        burst: int = 30,
        burst_period_s: float = 60.0,
        *,
        margin_s: float = 0.05,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.per_second = per_second
        self.wall = wall  # dates ``export``ed state: a monotonic clock is per process
        self.burst = burst
        self.burst_period_s = burst_period_s
        self.window_s = 1.0 + margin_s
        self.burst_window_s = burst_period_s + margin_s
        self.margin_s = margin_s
        self.clock = clock
        self.sleep = sleep
        self._recent: deque[float] = deque()  # every request of the last ``window_s``
        self._bursts: deque[float] = deque()  # the burst draws of the last ``burst_window_s``

    def _refill(self) -> float:
        now = self.clock()
        while self._recent and now - self._recent[0] >= self.window_s:
            self._recent.popleft()
        while self._bursts and now - self._bursts[0] >= self.burst_window_s:
            self._bursts.popleft()
        return now

    def acquire(self) -> float:
        """Take one request's worth; returns the seconds slept for it."""
        slept = 0.0
        while True:
            now = self._refill()
            if len(self._recent) < self.per_second:
                self._recent.append(now)
                return slept
            if len(self._bursts) < self.burst:
                self._recent.append(now)
                self._bursts.append(now)
                return slept
            wait = min(
                self._recent[0] + self.window_s - now, self._bursts[0] + self.burst_window_s - now
            )
            wait = max(wait, 1e-3)
            self.sleep(wait)
            slept += wait

    def export(self) -> dict[str, Any]:
        """What this limiter knows, dated on the wall clock (its own clock may be monotonic,
        which does not carry across processes): a later client ``restore``s it, so
        consecutive processes on one token keep to the server's limits together."""
        now = self._refill()
        shift = self.wall() - now
        return {
            "recent": [t + shift for t in self._recent],
            "bursts": [t + shift for t in self._bursts],
        }

    def restore(self, data: Mapping[str, Any]) -> None:
        """Take over what an earlier client ``export``ed (times on the wall clock). A state
        saved before the sliding burst window (``pool`` and ``window_end``) counts its spent
        pool as draws made when that window opened."""
        shift = self.clock() - self.wall()
        self._recent = deque(sorted(float(t) + shift for t in data.get("recent", ())))
        if "bursts" in data:
            bursts = [float(t) for t in data["bursts"]]
        else:
            end, pool = data.get("window_end"), int(data.get("pool", self.burst))
            spent = self.burst - max(0, min(self.burst, pool))
            bursts = [float(end) - self.burst_window_s] * spent if end is not None else []
        self._bursts = deque(sorted(t + shift for t in bursts)[-self.burst :])
        self._refill()

    def drain(self, pool_reset_s: float) -> None:
        """The server said 429: its buckets are empty; the pool refills in ``pool_reset_s``."""
        now = self._refill()
        self._recent = deque([now] * self.per_second)
        self._bursts = deque([now + pool_reset_s - self.burst_window_s] * self.burst)


# ---------------------------------------------------------------------------------------------
# Token


def resolve_token(token: str | None = None, token_file: str | Path | None = None) -> str | None:
    """The token: ``token``, else ``token_file``, else $SPACETRADERS_TOKEN, else $PLANCC_TOKEN_FILE.

    A token file that cannot be read, or a token that cannot go in an HTTP header (not one
    line of printable ASCII), is an ``InputError`` (exit 2) naming where it came from only.
    """
    if token:
        return _checked_token(token, "token")
    if token_file is None and os.environ.get(TOKEN_ENV):
        return _checked_token(os.environ[TOKEN_ENV], f"${TOKEN_ENV}")
    path = token_file or os.environ.get(TOKEN_FILE_ENV)
    if not path:
        return None
    # bounded, regular files only: a FIFO or /dev/zero as --token-file must not hang the runner
    text = read_text(path, kind="token file", what="token file").strip()
    if not text:
        raise InputError("token file is empty", None, str(path))
    return _checked_token(text, str(path))


def _checked_token(token: str, source: str) -> str:
    """``token`` stripped; one line of printable ASCII (a JWT is), else an InputError that
    names ``source`` and never the token."""
    token = token.strip()
    if not all("!" <= c <= "~" for c in token):
        raise InputError(
            "the agent token must be one line of printable ASCII without spaces"
            " (a SpaceTraders token is a JWT)",
            None,
            source,
        )
    return token


def _checked_base_url(url: str) -> str:
    """``url`` without a trailing slash; a URL no server can answer is an ``InputError`` (exit 2)
    at once, instead of a minute of connection retries."""
    url = url.rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise InputError(
            f"API URL must start with http:// or https://, got {url!r}", None, "api-url"
        )
    try:
        parsed = httpx.URL(url)
        port = parsed.port
    except (httpx.InvalidURL, ValueError):
        parsed, port = None, None
    if (
        parsed is None
        or not re.fullmatch(r"[A-Za-z0-9_.:-]+", parsed.host)
        or (port is not None and not 0 < port < 65536)
    ):
        raise InputError(f"API URL has no valid host and port: {url!r}", None, "api-url")
    return url


def _without(text: str, secret: str | None) -> str:
    return text.replace(secret, "***") if secret and secret in text else text


def _scrubbed(obj: Any, secret: str | None) -> Any:
    """``obj`` with ``secret`` masked in every string (error data may echo the request)."""
    if isinstance(obj, str):
        return _without(obj, secret)
    if isinstance(obj, dict):
        return {k: _scrubbed(v, secret) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_scrubbed(v, secret) for v in obj]
    return obj


# ---------------------------------------------------------------------------------------------
# The client


class Client:
    """A SpaceTraders v2 client. See the module docstring for pacing, retries and errors.

    ``clock``/``sleep`` drive pacing and backoff (inject fakes in tests); ``rng`` draws the
    jitter. ``pace=False`` turns self-pacing off (a twin without a limiter). ``wall`` dates the
    pacing state a later client takes over (``RateLimiter.export``): the real time by default,
    beside a monotonic ``clock``; a client paced on a game clock passes that clock, so a later
    client's restored windows do not move by however far the game ran ahead of real time.
    """

    def __init__(
        self,
        base_url: str | None = None,
        token: str | None = None,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        *,
        token_file: str | Path | None = None,
        timeout: float = 30.0,
        max_retries: int = 5,
        backoff_base_s: float = 1.0,
        backoff_cap_s: float = 60.0,
        connect_retries: int = 2,
        connect_backoff_s: float = 0.5,
        connect_timeout_s: float = 5.0,
        max_retry_after_s: float = DEFAULT_MAX_RETRY_AFTER_S,
        answer_deadline_s: float = 60.0,
        pace: bool = True,
        rng: random.Random | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.base_url = _checked_base_url(base_url or os.environ.get(URL_ENV) or DEFAULT_BASE_URL)
        self._token = resolve_token(token, token_file)
        self.clock = clock
        self.sleep = sleep
        self.max_retries = max_retries
        self.backoff_base_s = backoff_base_s
        self.backoff_cap_s = backoff_cap_s
        self.connect_retries = connect_retries
        self.connect_backoff_s = connect_backoff_s
        self.max_retry_after_s = max_retry_after_s
        self.answer_deadline_s = answer_deadline_s
        self.limiter: RateLimiter | None = (
            RateLimiter(clock=clock, sleep=sleep, wall=wall) if pace else None
        )
        self.rng = rng or random.Random()
        self.request_counts: Counter[str] = Counter()
        self.server_time: datetime | None = None  # from the last response's Date header
        headers = {"Accept": "application/json", "User-Agent": "plancc"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        self._http = httpx.Client(
            base_url=self.base_url,
            headers=headers,
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=min(timeout, connect_timeout_s)),
        )

    def __repr__(self) -> str:
        return f"Client(base_url={self.base_url!r}, token={'***' if self._token else None})"

    @property
    def has_token(self) -> bool:
        return bool(self._token)

    @property
    def total_requests(self) -> int:
        return sum(self.request_counts.values())

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the one request path -------------------------------------------------------------

    def request(
        self,
        method: str,
        template: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        changes_game: bool = False,
        **path: str,
    ) -> Any:
        """Send ``METHOD template`` (path fields filled from ``path``); the parsed JSON body.

        ``changes_game`` marks a POST whose loss after sending must not be retried.
        """
        url = template.format(**path) if path else template
        endpoint = f"{method} {url}"
        http_fails = 0
        connect_fails = 0
        limited = 0
        while True:
            if self.limiter is not None:
                self.limiter.acquire()
            self.request_counts[f"{method} {template}"] += 1
            try:
                resp = self._send(method, url, params, json, endpoint, changes_game)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                # never reached the server: safe to retry, even a game-changing POST; but a
                # server that is not there will not be in a minute either: a few short tries
                connect_fails += 1
                log.debug("%s: %s (attempt %d)", endpoint, type(exc).__name__, connect_fails)
                if connect_fails > self.connect_retries:
                    raise ServerUnavailable(
                        f"cannot connect ({type(exc).__name__}) after {connect_fails} attempts",
                        endpoint=endpoint,
                    ) from None
                self.sleep(self.connect_backoff_s * 2 ** (connect_fails - 1))
                continue
            except httpx.RequestError as exc:
                # sent, answer lost or garbled (read timeout, dropped connection, protocol
                # error, a body that does not decode)
                if changes_game:
                    raise OutcomeUnknown(
                        f"request sent but its answer was lost ({type(exc).__name__}); "
                        "re-read the ship before acting again",
                        endpoint=endpoint,
                    ) from None
                http_fails += 1
                log.debug("%s: %s (attempt %d)", endpoint, type(exc).__name__, http_fails)
                if http_fails > self.max_retries:
                    raise ServerUnavailable(
                        f"no answer ({type(exc).__name__}) after {http_fails} attempts",
                        endpoint=endpoint,
                    ) from None
                self._backoff(http_fails)
                continue

            self._note_date(resp)
            status = resp.status_code
            log.debug("%s -> %d", endpoint, status)
            if status < 400:
                return self._json(resp, endpoint)
            if status == 429:
                limited += 1
                if self.limiter is not None:
                    self.limiter.drain(self._pool_reset_s(resp))
                if limited > self.max_retries:
                    raise self._error(resp, endpoint, RateLimited)
                wait = self._retry_after(resp, limited)
                if wait > self.max_retry_after_s:
                    raise self._error(
                        resp,
                        endpoint,
                        RateLimited,
                        f"the server asks to wait {_seconds(wait)} before the next request,"
                        f" more than the {_seconds(self.max_retry_after_s)} plancc waits",
                    )
                log.debug("%s: rate limited, waiting %.2f s", endpoint, wait)
                self.sleep(wait)
                continue
            if status in RETRY_STATUSES:
                if status == 504 and changes_game:
                    raise OutcomeUnknown(
                        "gateway timeout (504): the server may have acted; "
                        "re-read the ship before acting again",
                        status=status,
                        endpoint=endpoint,
                    )
                http_fails += 1
                if http_fails > self.max_retries:
                    raise self._error(resp, endpoint, ServerUnavailable)
                self._backoff(http_fails)
                continue
            raise self._error(resp, endpoint, None)

    def _send(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        json: Any,
        endpoint: str,
        changes_game: bool,
    ) -> httpx.Response:
        """One exchange, its answer read whole within ``answer_deadline_s`` of wall time and
        ``MAX_ANSWER_BYTES``: httpx's timeout is per read, so a server trickling a byte every
        few seconds, or sending gigabytes, would otherwise hold the caller forever."""
        request = self._http.build_request(method, url, params=params, json=json)
        resp = self._http.send(request, stream=True)
        deadline = time.monotonic() + self.answer_deadline_s
        body = bytearray()
        try:
            for chunk in resp.iter_bytes():
                body += chunk
                if len(body) > MAX_ANSWER_BYTES:
                    kind = OutcomeUnknown if changes_game else ApiError
                    raise kind(
                        f"malformed response: more than {MAX_ANSWER_BYTES} bytes",
                        status=resp.status_code,
                        endpoint=endpoint,
                    )
                if time.monotonic() > deadline:
                    raise httpx.ReadTimeout(
                        f"answer not complete after {self.answer_deadline_s:.0f} s",
                        request=request,
                    )
        finally:
            resp.close()
        headers = [(k, v) for k, v in resp.headers.multi_items() if k != "content-encoding"]
        return httpx.Response(
            resp.status_code, headers=headers, content=bytes(body), request=request
        )

    def _backoff(self, attempt: int) -> None:
        """Exponential backoff with jitter: base * 2^(n-1), capped, times a random 0.5..1."""
        delay = min(self.backoff_cap_s, self.backoff_base_s * 2 ** (attempt - 1))
        self.sleep(delay * (0.5 + 0.5 * self.rng.random()))

    def _retry_after(self, resp: httpx.Response, attempt: int) -> float:
        """Seconds to wait after a 429: header, else ``error.data.retryAfter``, else backoff."""
        header = resp.headers.get("retry-after")
        if header:
            seconds = _number(header)
            if seconds is None:  # the HTTP-date form
                with contextlib.suppress(TypeError, ValueError, IndexError):
                    when = parsedate_to_datetime(header)
                    if self.server_time is not None and when.tzinfo is not None:
                        seconds = (when - self.server_time).total_seconds()
            if seconds is not None:
                return max(0.0, seconds)
        data = _error_body(resp).get("data")
        if isinstance(data, Mapping):
            ra = data.get("retryAfter")
            if isinstance(ra, int | float) and not isinstance(ra, bool) and ra == ra:
                return max(0.0, float(ra))
        delay = min(self.backoff_cap_s, self.backoff_base_s * 2 ** (attempt - 1))
        return delay * (0.5 + 0.5 * self.rng.random())

    def _pool_reset_s(self, resp: httpx.Response) -> float:
        """Seconds until the server's burst pool refills, from a 429's ``reset`` time.

        Without one (a bare HTML 429), assume a whole burst window.
        """
        reset: Any = resp.headers.get("x-ratelimit-reset")
        data = _error_body(resp).get("data")
        if isinstance(data, Mapping) and data.get("reset"):
            reset = data["reset"]
        if isinstance(reset, str) and self.server_time is not None:
            with contextlib.suppress(InputError):
                return max(0.0, (parse_time(reset) - self.server_time).total_seconds())
        return self.limiter.burst_period_s if self.limiter is not None else 0.0

    def _note_date(self, resp: httpx.Response) -> None:
        date = resp.headers.get("date")
        if date:
            with contextlib.suppress(TypeError, ValueError):
                self.server_time = parsedate_to_datetime(date)

    def _json(self, resp: httpx.Response, endpoint: str) -> Any:
        if resp.status_code == 204 or not resp.content:
            return None
        try:
            body = resp.json()
        except (ValueError, RecursionError):
            raise ApiError(
                f"malformed response: not JSON (HTTP {resp.status_code})",
                status=resp.status_code,
                endpoint=endpoint,
            ) from None
        if self._token and self._token in resp.text:
            body = _scrubbed(body, self._token)
        return body

    def _error(
        self,
        resp: httpx.Response,
        endpoint: str,
        kind: type[ApiError] | None,
        message: str | None = None,
    ) -> ApiError:
        body = _error_body(resp)
        message = message or body.get("message")
        code = body.get("code")
        data = body.get("data")
        if not isinstance(message, str) or not message:
            message = f"HTTP {resp.status_code} {resp.reason_phrase}".strip()
        message = _without(message, self._token)
        code = code if isinstance(code, int) and not isinstance(code, bool) else resp.status_code
        data = _scrubbed(data, self._token) if isinstance(data, dict) else {}
        if kind is None:
            kind = game_error_class(code)
        return kind(message, code=code, status=resp.status_code, data=data, endpoint=endpoint)

    def data(self, method: str, template: str, **kw: Any) -> dict[str, Any]:
        """``request(...)["data"]``, which must be an object; a clear error naming the call
        when the body has none or it is a list, a string, a number."""
        endpoint = f"{method} {template.format(**{k: v for k, v in kw.items() if k not in _KW})}"
        body = self.request(method, template, **kw)
        if not isinstance(body, Mapping) or "data" not in body:
            raise ApiError("malformed response: no 'data' in the body", endpoint=endpoint)
        data = body["data"]
        if not isinstance(data, dict):
            raise ApiError(
                f"malformed response: 'data' is {_kind(data)}, expected an object",
                endpoint=endpoint,
            )
        return data

    def pages(
        self, template: str, params: Mapping[str, Any] | None = None, **path: str
    ) -> Iterator[Any]:
        """Every item of a paged list (``data`` + ``meta{total,page,limit}``), page by page."""
        endpoint = f"GET {template.format(**path)}"
        page = 1
        seen: set[str] = set()
        while True:
            q = {**(params or {}), "page": page, "limit": PAGE_LIMIT}
            body = self.request("GET", template, params=q, **path)  # type: ignore[arg-type]
            items = body.get("data") if isinstance(body, Mapping) else None
            if not isinstance(items, list):
                raise ApiError(
                    f"malformed response: 'data' is {_kind(items)}, expected a list",
                    endpoint=endpoint,
                )
            meta = body.get("meta") or {}
            total = meta.get("total") if isinstance(meta, Mapping) else None
            if isinstance(total, int) and total > MAX_PAGED_ITEMS:
                raise ApiError(
                    f"malformed response: meta.total is {total}, more than the"
                    f" {MAX_PAGED_ITEMS} items any list holds",
                    endpoint=endpoint,
                )
            new = 0
            for n, item in enumerate(items):
                if not isinstance(item, dict):
                    raise ApiError(
                        f"malformed response: data[{n}] is {_kind(item)}, expected an object",
                        endpoint=f"{endpoint} page {page}",
                    )
                key = _identity(item)
                if key not in seen:  # a server ignoring ``page`` repeats page 1 forever
                    seen.add(key)
                    new += 1
                    yield item
            if not new or not isinstance(total, int) or len(seen) >= total:
                return
            page += 1

    # -- raw API objects (for snapshots) -------------------------------------------------

    def status(self) -> dict[str, Any]:
        """``GET /``: server status, version, ``resetDate`` (no envelope)."""
        body = self.request("GET", "/")
        if not isinstance(body, dict):
            raise ApiError("malformed response: not an object", endpoint="GET /")
        return body

    def agent_json(self) -> dict[str, Any]:
        return self.data("GET", "/my/agent")

    def ships_json(self) -> list[dict[str, Any]]:
        return list(self.pages("/my/ships"))

    def waypoints_json(
        self, system: str, traits: tuple[str, ...] | list[str] = (), type: str | None = None
    ) -> list[dict[str, Any]]:
        params: dict[str, Any] = {}
        if traits:
            params["traits"] = list(traits)
        if type:
            params["type"] = type
        return list(self.pages("/systems/{systemSymbol}/waypoints", params, systemSymbol=system))

    def market_json(self, system: str, waypoint: str) -> dict[str, Any]:
        return self.data(
            "GET",
            "/systems/{systemSymbol}/waypoints/{waypointSymbol}/market",
            systemSymbol=system,
            waypointSymbol=waypoint,
        )

    def supply_chain_json(self) -> dict[str, Any]:
        return self.data("GET", "/market/supply-chain")

    # -- typed reads ---------------------------------------------------------------------

    def agent(self) -> Agent:
        return _parsed("GET /my/agent", parse_agent, self.agent_json())

    def ships(self) -> list[Ship]:
        return [_parsed("GET /my/ships", parse_ship, s) for s in self.ships_json()]

    def ship(self, ship: str) -> Ship:
        d = self.data("GET", "/my/ships/{shipSymbol}", shipSymbol=ship)
        return _parsed(f"GET /my/ships/{ship}", parse_ship, d)

    def cargo(self, ship: str) -> Cargo:
        d = self.data("GET", "/my/ships/{shipSymbol}/cargo", shipSymbol=ship)
        return _parsed(f"GET /my/ships/{ship}/cargo", parse_cargo, d)

    def nav(self, ship: str) -> Nav:
        d = self.data("GET", "/my/ships/{shipSymbol}/nav", shipSymbol=ship)
        return _parsed(f"GET /my/ships/{ship}/nav", parse_nav, d)

    def waypoints(
        self, system: str, traits: tuple[str, ...] | list[str] = (), type: str | None = None
    ) -> list[Waypoint]:
        ep = f"GET /systems/{system}/waypoints"
        return [_parsed(ep, parse_waypoint, w) for w in self.waypoints_json(system, traits, type)]

    def market(self, system: str, waypoint: str) -> Market:
        """The market; ``observed_at`` is the server time when it shows ``tradeGoods``."""
        d = self.market_json(system, waypoint)
        ep = f"GET /systems/{system}/waypoints/{waypoint}/market"
        observed = self.server_time if isinstance(d, Mapping) and d.get("tradeGoods") else None
        return _parsed(ep, lambda x: parse_market(x, observed), d)

    def supply_chain(self) -> dict[str, tuple[str, ...]]:
        """Export -> the imports that feed it, in the server's order."""
        d = self.supply_chain_json()
        m = d.get("exportToImportMap") if isinstance(d, Mapping) else None
        if not isinstance(m, Mapping):
            raise ApiError(
                "malformed response: no exportToImportMap", endpoint="GET /market/supply-chain"
            )
        return {str(k): tuple(str(x) for x in v) for k, v in m.items()}

    # -- actions -------------------------------------------------------------------------

    def orbit(self, ship: str) -> Nav:
        d = self.data("POST", "/my/ships/{shipSymbol}/orbit", shipSymbol=ship)
        return _parsed(f"POST /my/ships/{ship}/orbit", lambda x: parse_nav(_field(x, "nav")), d)

    def dock(self, ship: str) -> Nav:
        d = self.data("POST", "/my/ships/{shipSymbol}/dock", shipSymbol=ship)
        return _parsed(f"POST /my/ships/{ship}/dock", lambda x: parse_nav(_field(x, "nav")), d)

    def set_flight_mode(self, ship: str, mode: str) -> Nav:
        """``PATCH .../nav``; answers ``{nav, fuel, events}`` (2.3) or a bare ShipNav (older)."""
        d = self.data(
            "PATCH", "/my/ships/{shipSymbol}/nav", json={"flightMode": mode}, shipSymbol=ship
        )
        nav = d.get("nav", d) if isinstance(d, Mapping) else d
        return _parsed(f"PATCH /my/ships/{ship}/nav", parse_nav, nav)

    def navigate(self, ship: str, waypoint: str) -> NavigateResult:
        d = self.data(
            "POST",
            "/my/ships/{shipSymbol}/navigate",
            json={"waypointSymbol": waypoint},
            changes_game=True,
            shipSymbol=ship,
        )
        ep = f"POST /my/ships/{ship}/navigate"
        return _parsed(
            ep,
            lambda x: NavigateResult(parse_nav(_field(x, "nav")), parse_fuel(_field(x, "fuel"))),
            d,
        )

    def refuel(self, ship: str, units: int | None = None, from_cargo: bool = False) -> RefuelResult:
        body: dict[str, Any] = {}
        if units is not None:
            body["units"] = units
        if from_cargo:
            body["fromCargo"] = True
        d = self.data(
            "POST", "/my/ships/{shipSymbol}/refuel", json=body, changes_game=True, shipSymbol=ship
        )
        return _parsed(
            f"POST /my/ships/{ship}/refuel",
            lambda x: RefuelResult(
                parse_agent(_field(x, "agent"), path="agent"),
                parse_fuel(_field(x, "fuel")),
                parse_transaction(_field(x, "transaction")),
            ),
            d,
        )

    def purchase(self, ship: str, good: str, units: int) -> TradeResult:
        return self._trade("purchase", ship, good, units)

    def sell(self, ship: str, good: str, units: int) -> TradeResult:
        return self._trade("sell", ship, good, units)

    def _trade(self, action: str, ship: str, good: str, units: int) -> TradeResult:
        d = self.data(
            "POST",
            f"/my/ships/{{shipSymbol}}/{action}",
            json={"symbol": good, "units": units},
            changes_game=True,
            shipSymbol=ship,
        )
        return _parsed(
            f"POST /my/ships/{ship}/{action}",
            lambda x: TradeResult(
                parse_agent(_field(x, "agent"), path="agent"),
                parse_cargo(_field(x, "cargo"), path="cargo"),
                parse_transaction(_field(x, "transaction")),
            ),
            d,
        )

    def jettison(self, ship: str, good: str, units: int) -> Cargo:
        d = self.data(
            "POST",
            "/my/ships/{shipSymbol}/jettison",
            json={"symbol": good, "units": units},
            changes_game=True,
            shipSymbol=ship,
        )
        return _parsed(
            f"POST /my/ships/{ship}/jettison", lambda x: parse_cargo(_field(x, "cargo")), d
        )


_KW = frozenset({"params", "json", "changes_game"})


# ---------------------------------------------------------------------------------------------
# Parsers for the answer parts the domain model lacks (field-path errors like plancc.parse)


def _field(d: Any, key: str) -> Any:
    o = _Obj(d, "", None)
    return o.sub(key).d


def parse_cargo(d: Any, *, path: str = "cargo") -> Cargo:
    o = _Obj(d, path, None)
    return Cargo(
        capacity=o.int("capacity", minimum=0),
        units=o.int("units", minimum=0),
        inventory=tuple(
            CargoItem(symbol=c.str("symbol"), units=c.int("units", minimum=0))
            for c in o.items("inventory")
        ),
    )


def parse_fuel(d: Any, *, path: str = "fuel") -> Fuel:
    o = _Obj(d, path, None)
    consumed = o.opt_sub("consumed")
    return Fuel(
        current=o.int("current", minimum=0),
        capacity=o.int("capacity", minimum=0),
        consumed=consumed.int("amount", minimum=0) if consumed else 0,
    )


def parse_nav(d: Any, *, path: str = "nav") -> Nav:
    o = _Obj(d, path, None)
    route = o.opt_sub("route")

    def route_symbol(key: str) -> str | None:
        w = route.opt_sub(key) if route else None
        return w.str("symbol") if w else None

    return Nav(
        waypoint=o.str("waypointSymbol"),
        system=o.str("systemSymbol"),
        status=o.str("status", ("IN_TRANSIT", "IN_ORBIT", "DOCKED")),
        flight_mode=o.opt_str("flightMode") or "CRUISE",
        origin=route_symbol("origin"),
        destination=route_symbol("destination"),
        departure_time=route.opt_time("departureTime") if route else None,
        arrival=route.opt_time("arrival") if route else None,
    )


def parse_transaction(d: Any, *, path: str = "transaction") -> Transaction:
    o = _Obj(d, path, None)
    return Transaction(
        waypoint=o.str("waypointSymbol"),
        ship=o.str("shipSymbol"),
        good=o.str("tradeSymbol"),
        type=o.str("type"),
        units=o.int("units", minimum=0),
        price_per_unit=o.int("pricePerUnit", minimum=0),
        total_price=o.int("totalPrice", minimum=0),
        timestamp=parse_time(o.d.get("timestamp"), f"{path}.timestamp"),
    )


def _parsed(endpoint: str, fn: Callable[[Any], Any], d: Any) -> Any:
    """Run a parser over a response part; a malformed answer is an ApiError naming the call."""
    try:
        return fn(d)
    except InputError as exc:
        raise ApiError(f"malformed response: {exc}", endpoint=endpoint) from None


def _error_body(resp: httpx.Response) -> dict[str, Any]:
    """The ``error`` object of an error response, or {} (HTML bodies, empty bodies)."""
    try:
        body = resp.json()
    except (ValueError, RecursionError):
        return {}
    err = body.get("error") if isinstance(body, Mapping) else None
    return err if isinstance(err, dict) else {}


def _number(text: str) -> float | None:
    """``text`` as a finite number of seconds, or None (NaN, words, an HTTP date)."""
    try:
        value = float(text)
    except ValueError:
        return None
    return None if value != value else value  # NaN; inf stays and meets the cap


def _seconds(value: float) -> str:
    return f"{value:.0f} s" if value < 1e12 else "forever"


def _kind(value: Any) -> str:
    """How a response part is described in a malformed-response message."""
    if value is None:
        return "missing"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "an object" if isinstance(value, dict) else type(value).__name__


def _identity(item: Mapping[str, Any]) -> str:
    """What makes two items of a paged list the same item: the symbol, else the whole item."""
    symbol = item.get("symbol")
    if isinstance(symbol, str):
        return symbol
    return json.dumps(item, sort_keys=True, default=str)
