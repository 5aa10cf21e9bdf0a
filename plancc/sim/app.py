"""The twin's WSGI app: SpaceTraders v2 under ``/v2``, admin routes under ``/_twin``.

    twin = Twin.generate(seed=1)                 # or Twin(universe) / Twin.from_state(d)
    with httpx.Client(base_url=twin.base_url, transport=twin.transport(),
                      headers={"Authorization": f"Bearer {twin.token}"}) as http:
        http.get("/my/ships")
    twin.advance(120)                            # game time passes

Every response carries a ``Date`` header from the virtual clock. Success bodies are the API's
envelopes (``{"data": ...}``, lists with ``meta {total, page, limit}``); refusals are
``{"error": {"message", "code", "data"}}`` with the game's numeric codes (see world.py).
Admin routes (never rate limited nor faulted):
- ``POST /_twin/advance {"seconds": 90}``: game time passes (background traders act); at most
  30 game-days per call;
- ``GET /_twin/state``: the whole world as saved by ``World.to_dict`` (token hashes only),
  plus ``clock``; ``plancc sim serve --from`` accepts it back;
- ``GET|POST /_twin/faults {"enabled", "seed", "rates": {"503": 0.05}, "slowSeconds",
  "queue": ["lost", "502"]}``: see plancc.sim.faults;
- ``POST /_twin/ratelimit {"enabled": false}``;
- ``POST /_twin/reset``: a new ``resetDate``; older tokens then get 401 / 4113;
- ``POST /_twin/register-fleet {"symbol", "faction"}``: a new agent, its fleet and token.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from typing import Any
from urllib.parse import parse_qs

import httpx

from plancc.sim.clock import VirtualClock, http_date, iso
from plancc.sim.faults import FaultConfig, FaultInjector, FaultMiddleware, FaultyTransport
from plancc.sim.ratelimit import RateLimiter
from plancc.sim.world import TwinError, World, invalid_input

log = logging.getLogger("plancc.sim")

DEFAULT_START = datetime(2026, 1, 5, tzinfo=UTC).timestamp()
REASONS = {
    200: "OK",
    201: "Created",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Content Too Large",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
}
MAX_PAGE_LIMIT = 20
MAX_BODY_BYTES = 1 << 20  # no API call needs more than a few hundred bytes
MAX_ADVANCE_SECONDS = 30 * 86400.0
ADVANCE_RULE = "seconds must be a number from 0 to 2592000 (30 game-days)"


def load_supply_chain() -> dict[str, list[str]]:
    """The live server's export -> imports map, shipped as plancc/sim/supply_chain.json."""
    try:
        text = resources.files("plancc.sim").joinpath("supply_chain.json").read_text("utf-8")
    except FileNotFoundError:
        return {}
    raw = json.loads(text)
    raw = raw.get("data", raw)
    return {k: list(v) for k, v in raw.get("exportToImportMap", {}).items()}


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    authorization: str | None
    params: dict[str, str]
    now: float

    def json_field(self, name: str) -> Any:
        return self.body.get(name) if isinstance(self.body, dict) else None


Handler = Callable[["TwinApp", Request], tuple[int, Any]]
_ROUTES: list[tuple[str, re.Pattern[str], Handler, bool]] = []  # method, path, handler, auth


def route(method: str, pattern: str, *, auth: bool = True) -> Callable[[Handler], Handler]:
    regex = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern) + "/?$")

    def register(fn: Handler) -> Handler:
        _ROUTES.append((method, regex, fn, auth))
        return fn

    return register


def _paged(items: list[Any], req: Request) -> tuple[int, Any]:
    page = _int_param(req, "page", 1)
    limit = _int_param(req, "limit", 10)
    if page < 1:
        raise invalid_input("page must be >= 1", "page")
    if not 1 <= limit <= MAX_PAGE_LIMIT:
        raise invalid_input(f"limit must be between 1 and {MAX_PAGE_LIMIT}", "limit")
    chunk = items[(page - 1) * limit : page * limit]
    return 200, {"data": chunk, "meta": {"total": len(items), "page": page, "limit": limit}}


def _int_param(req: Request, name: str, default: int) -> int:
    values = req.query.get(name)
    if not values:
        return default
    try:
        return int(values[0])
    except ValueError:
        raise invalid_input(f"{name} must be an integer", name) from None


# --------------------------------------------------------------------------------- /v2 routes


@route("GET", "/v2", auth=False)
def _status(app: TwinApp, req: Request) -> tuple[int, Any]:
    return 200, app.world.status(req.now)


@route("POST", "/v2/register", auth=False)
def _register(app: TwinApp, req: Request) -> tuple[int, Any]:
    app.world.authenticate_account(req.authorization)  # the spec: AccountToken
    _, data = app.world.register(req.json_field("symbol"), req.json_field("faction"), req.now)
    return 201, {"data": data}


@route("GET", "/v2/my/agent")
def _my_agent(app: TwinApp, req: Request) -> tuple[int, Any]:
    return 200, {"data": app.world.agent_view(req.params["agent"])}


@route("GET", "/v2/my/ships")
def _my_ships(app: TwinApp, req: Request) -> tuple[int, Any]:
    return _paged(app.world.ships_of(req.params["agent"], req.now), req)


@route("GET", "/v2/my/ships/{ship}")
def _my_ship(app: TwinApp, req: Request) -> tuple[int, Any]:
    return 200, {"data": app.world.ship(req.params["agent"], req.params["ship"], req.now)}


@route("GET", "/v2/my/ships/{ship}/cargo")
def _cargo(app: TwinApp, req: Request) -> tuple[int, Any]:
    return 200, {"data": app.world.cargo(req.params["agent"], req.params["ship"], req.now)}


@route("GET", "/v2/my/ships/{ship}/nav")
def _get_nav(app: TwinApp, req: Request) -> tuple[int, Any]:
    return 200, {"data": app.world.nav(req.params["agent"], req.params["ship"], req.now)}


@route("PATCH", "/v2/my/ships/{ship}/nav")
def _patch_nav(app: TwinApp, req: Request) -> tuple[int, Any]:
    w, p = app.world, req.params
    return 200, {
        "data": w.set_flight_mode(p["agent"], p["ship"], req.json_field("flightMode"), req.now)
    }


@route("POST", "/v2/my/ships/{ship}/orbit")
def _orbit(app: TwinApp, req: Request) -> tuple[int, Any]:
    return 200, {"data": app.world.orbit(req.params["agent"], req.params["ship"], req.now)}


@route("POST", "/v2/my/ships/{ship}/dock")
def _dock(app: TwinApp, req: Request) -> tuple[int, Any]:
    return 200, {"data": app.world.dock(req.params["agent"], req.params["ship"], req.now)}


@route("POST", "/v2/my/ships/{ship}/navigate")
def _navigate(app: TwinApp, req: Request) -> tuple[int, Any]:
    w, p = app.world, req.params
    return 200, {
        "data": w.navigate(p["agent"], p["ship"], req.json_field("waypointSymbol"), req.now)
    }


@route("POST", "/v2/my/ships/{ship}/refuel")
def _refuel(app: TwinApp, req: Request) -> tuple[int, Any]:
    w, p = app.world, req.params
    data = w.refuel(
        p["agent"], p["ship"], req.json_field("units"), req.json_field("fromCargo"), req.now
    )
    return 200, {"data": data}


@route("POST", "/v2/my/ships/{ship}/purchase")
def _purchase(app: TwinApp, req: Request) -> tuple[int, Any]:
    w, p = app.world, req.params
    data = w.purchase(
        p["agent"], p["ship"], req.json_field("symbol"), req.json_field("units"), req.now
    )
    return 201, {"data": data}


@route("POST", "/v2/my/ships/{ship}/sell")
def _sell(app: TwinApp, req: Request) -> tuple[int, Any]:
    w, p = app.world, req.params
    data = w.sell(p["agent"], p["ship"], req.json_field("symbol"), req.json_field("units"), req.now)
    return 201, {"data": data}


@route("POST", "/v2/my/ships/{ship}/jettison")
def _jettison(app: TwinApp, req: Request) -> tuple[int, Any]:
    w, p = app.world, req.params
    data = w.jettison(
        p["agent"], p["ship"], req.json_field("symbol"), req.json_field("units"), req.now
    )
    return 200, {"data": data}


@route("GET", "/v2/systems/{system}/waypoints", auth=False)
def _waypoints(app: TwinApp, req: Request) -> tuple[int, Any]:
    app.world.require_system(req.params["system"])
    type_ = next(iter(req.query.get("type") or []), None)
    traits: list[str] = []
    for value in req.query.get("traits", []):  # ?traits=A&traits=B or ?traits=A,B
        traits.extend(t for t in value.split(",") if t)
    return _paged(app.world.waypoints_list(type_, traits), req)


@route("GET", "/v2/systems/{system}/waypoints/{waypoint}", auth=False)
def _waypoint(app: TwinApp, req: Request) -> tuple[int, Any]:
    app.world.require_system(req.params["system"])
    return 200, {"data": app.world.waypoint(req.params["waypoint"])}


@route("GET", "/v2/systems/{system}/waypoints/{waypoint}/market", auth=False)
def _market(app: TwinApp, req: Request) -> tuple[int, Any]:
    app.world.require_system(req.params["system"])
    agent = req.params.get("agent")
    return 200, {"data": app.world.market_view(agent, req.params["waypoint"], req.now)}


@route("GET", "/v2/market/supply-chain")  # the spec: AgentToken
def _supply_chain(app: TwinApp, req: Request) -> tuple[int, Any]:
    return 200, {"data": {"exportToImportMap": app.world.supply_chain}}


# --------------------------------------------------------------------------------- admin routes


def _flag(value: Any) -> bool:
    """A JSON boolean; anything else ("no", 0) is refused rather than read as truthy."""
    if not isinstance(value, bool):
        raise invalid_input("enabled must be true or false", "enabled")
    return value


@route("POST", "/_twin/advance", auth=False)
def _advance(app: TwinApp, req: Request) -> tuple[int, Any]:
    seconds = req.json_field("seconds")
    if seconds is None and req.query.get("seconds"):
        seconds = req.query["seconds"][0]
    try:
        value = float(seconds)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an integer of 400 digits
        raise invalid_input(ADVANCE_RULE, "seconds") from None
    # Markets catch up one 60 s tick at a time under the world lock (about 1 s of wall time
    # per game-day of a 60-waypoint system), so one call is bounded; inf/NaN would break the clock.
    if not 0 <= value <= MAX_ADVANCE_SECONDS:
        raise invalid_input(ADVANCE_RULE, "seconds")
    now = app.clock.advance(value)
    app.world.tick(now)
    return 200, {"data": {"now": iso(now), "epoch": now}}


@route("GET", "/_twin/state", auth=False)
def _state(app: TwinApp, req: Request) -> tuple[int, Any]:
    state = app.world.to_dict(req.now)
    state["clock"] = {"now": iso(req.now), "epoch": req.now, "speed": app.clock.speed}
    return 200, {"data": state}


@route("GET", "/_twin/faults", auth=False)
def _faults_get(app: TwinApp, req: Request) -> tuple[int, Any]:
    return 200, {"data": app.faults.describe()}


@route("POST", "/_twin/faults", auth=False)
def _faults_set(app: TwinApp, req: Request) -> tuple[int, Any]:
    body = req.body if isinstance(req.body, dict) else {}
    try:
        if "rates" in body or "seed" in body or "slowSeconds" in body:
            current = app.faults.config
            app.faults.configure(
                FaultConfig(
                    seed=int(body.get("seed", current.seed)),
                    rates={k: float(v) for k, v in body.get("rates", current.rates).items()},
                    slow_seconds=float(body.get("slowSeconds", current.slow_seconds)),
                )
            )
        if "enabled" in body:
            app.faults.enabled = _flag(body["enabled"])
        if body.get("queue"):
            app.faults.queue(*body["queue"])
    except (ValueError, TypeError, AttributeError) as exc:
        raise invalid_input(str(exc), "faults") from None
    return 200, {"data": app.faults.describe()}


@route("POST", "/_twin/ratelimit", auth=False)
def _ratelimit(app: TwinApp, req: Request) -> tuple[int, Any]:
    enabled = req.json_field("enabled")
    if enabled is not None:
        app.limiter.enabled = _flag(enabled)
        app.limiter.reset()
    return 200, {"data": {"enabled": app.limiter.enabled}}


@route("POST", "/_twin/reset", auth=False)
def _reset(app: TwinApp, req: Request) -> tuple[int, Any]:
    return 200, {"data": {"resetDate": app.world.reset(req.now)}}


@route("POST", "/_twin/register-fleet", auth=False)
def _register_fleet(app: TwinApp, req: Request) -> tuple[int, Any]:
    faction = req.json_field("faction") or "COSMIC"
    token, data = app.world.register(req.json_field("symbol"), faction, req.now)
    return 201, {"data": {"token": token, "agent": data["agent"], "ships": data["ships"]}}


# --------------------------------------------------------------------------------- the app


class TwinApp:
    """The WSGI callable. Holds the world, the clock, the rate limiter and the fault injector."""

    def __init__(
        self,
        world: World,
        clock: VirtualClock,
        *,
        limiter: RateLimiter | None = None,
        faults: FaultInjector | None = None,
    ) -> None:
        self.world = world
        self.clock = clock
        self.limiter = limiter or RateLimiter(enabled=False)
        self.faults = faults or FaultInjector()

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        status, headers, body = self.handle(
            environ.get("REQUEST_METHOD", "GET").upper(),
            environ.get("PATH_INFO", "") or "/",
            environ.get("QUERY_STRING", ""),
            _read_body(environ),
            environ.get("HTTP_AUTHORIZATION"),
            environ.get("REMOTE_ADDR", "local"),
        )
        reason = REASONS.get(status, "Unknown")
        headers.append(("content-length", str(len(body))))
        start_response(f"{status} {reason}", headers)
        return [body]

    def handle(
        self,
        method: str,
        path: str,
        query_string: str,
        raw_body: bytes | TwinError,
        authorization: str | None,
        remote: str = "local",
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        now = self.clock.now()
        extra: dict[str, str] = {}
        try:
            if path.startswith("/v2"):
                key = "token:" + authorization[-16:] if authorization else "ip:" + remote
                refusal = self.limiter.check(key, now)
                if refusal is not None:
                    extra = refusal.headers
                    raise _Refused(429, refusal.body)
            status, payload = self._dispatch(
                method, path, query_string, raw_body, authorization, now
            )
        except _Refused as exc:
            status, payload = exc.status, exc.payload
        except TwinError as exc:
            status, payload = exc.status, exc.body()
        except Exception as exc:  # a twin bug still answers in the envelope the client reads
            log.exception("%s %s failed", method, path)
            status = 500
            payload = {"error": {"message": f"internal error: {type(exc).__name__}", "code": 500}}
        headers = [
            ("content-type", "application/json; charset=utf-8"),
            ("date", http_date(now)),
            *extra.items(),
        ]
        return status, headers, json.dumps(payload, separators=(",", ":")).encode()

    def _dispatch(
        self,
        method: str,
        path: str,
        query_string: str,
        raw_body: bytes | TwinError,
        authorization: str | None,
        now: float,
    ) -> tuple[int, Any]:
        path = path.rstrip("/") or "/"
        for r_method, regex, handler, needs_auth in _ROUTES:
            m = regex.match(path)
            if m is None or r_method != method:
                continue
            body = _parse_body(raw_body)
            with self.world.lock:
                self.world.tick(now)
                params = dict(m.groupdict())
                if needs_auth:
                    params["agent"] = self.world.authenticate(authorization)
                elif authorization and path.startswith("/v2/systems"):
                    # optional there, but a token that is sent must be good (live: 401)
                    params["agent"] = self.world.authenticate(authorization)
                req = Request(
                    method, path, parse_qs(query_string), body, authorization, params, now
                )
                return handler(self, req)
        raise TwinError(404, 404, f"Route {method}:{path} not found.")


class _Refused(Exception):
    def __init__(self, status: int, payload: Mapping[str, Any]) -> None:
        super().__init__(status)
        self.status = status
        self.payload = payload


def _read_body(environ: Mapping[str, Any]) -> bytes | TwinError:
    """The request body, or the refusal of one too large to read."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length <= 0:
        return b""
    if length > MAX_BODY_BYTES:
        return TwinError(413, 413, f"request body is over {MAX_BODY_BYTES} bytes")
    return environ["wsgi.input"].read(length)


def _parse_body(raw: bytes | TwinError) -> Any:
    if isinstance(raw, TwinError):
        raise raw
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except ValueError:
        raise invalid_input("request body is not valid JSON") from None
    except RecursionError:  # json's C parser gives up on deep nesting with this
        raise TwinError(400, 400, "request body is nested too deeply") from None


# --------------------------------------------------------------------------------- Python API


class Twin:
    """A twin ready for tests: world + clock + app, the primary agent's ``token`` and an
    ``account_token`` (``POST /register`` takes only that, as the spec says)."""

    base_url = "http://twin.local/v2"

    def __init__(
        self,
        universe: Any = None,
        *,
        world: World | None = None,
        now: float | None = None,
        speed: float = 0.0,
        rate_limit: bool = False,
        limiter_time: Callable[[], float] | None = None,
        faults: FaultConfig | None = None,
        traders: float = 0.0,
        seed: int = 0,
    ) -> None:
        if world is None:
            if universe is None:
                raise ValueError("Twin needs a universe or a world")
            world = World(
                universe,
                now=DEFAULT_START if now is None else now,
                supply_chain=load_supply_chain(),
                traders=traders,
                seed=seed,
            )
            start = world.created
        else:
            start = world.created if now is None else now
        self.world = world
        self.clock = VirtualClock(start, speed=speed)
        limiter = RateLimiter(enabled=rate_limit)
        if limiter_time is not None:
            limiter.time = limiter_time
        self.faults = FaultInjector(faults, enabled=faults is not None)
        self.app = TwinApp(world, self.clock, limiter=limiter, faults=self.faults)
        self.token = ""
        self.account_token = world.issue_account_token(self.clock.now())
        if world.primary_agent:
            self.token = world.issue_token(world.primary_agent, self.clock.now())

    @classmethod
    def generate(cls, seed: int = 1, *, start: float = DEFAULT_START, **kwargs: Any) -> Twin:
        """A twin over a freshly generated universe (plancc.sim.universe.generate_universe)."""
        from plancc.sim.universe import generate_universe

        gen_keys = ("waypoint_count", "haulers", "probes", "credits", "agent_symbol")
        gen = {k: kwargs.pop(k) for k in gen_keys if k in kwargs}
        universe = generate_universe(seed, start=start, **gen)
        return cls(universe, now=start, seed=seed, **kwargs)

    @classmethod
    def from_snapshot(cls, snapshot: Mapping[str, Any], *, seed: int = 0, **kwargs: Any) -> Twin:
        """A twin over a recorded snapshot (plancc snapshot or the raw realdata layout)."""
        from plancc.sim.universe import universe_from_snapshot

        start = kwargs.pop("now", None) or _snapshot_time(snapshot) or DEFAULT_START
        universe = universe_from_snapshot(dict(snapshot), start=start, seed=seed)
        return cls(universe, now=start, seed=seed, **kwargs)

    @classmethod
    def from_state(cls, state: Mapping[str, Any], **kwargs: Any) -> Twin:
        """A twin restored from ``world.to_dict`` (``/_twin/state`` data); clock resumes there."""
        world = World.from_dict(state)
        return cls(world=world, now=float(state["now"]), **kwargs)

    @property
    def agent_symbol(self) -> str:
        return self.world.primary_agent

    @property
    def limiter(self) -> RateLimiter:
        return self.app.limiter

    def now(self) -> float:
        return self.clock.now()

    def advance(self, seconds: float) -> float:
        now = self.clock.advance(seconds)
        with self.world.lock:
            self.world.tick(now)
        return now

    def transport(self) -> httpx.BaseTransport:
        """An in-process httpx transport to this twin (faults apply when switched on)."""
        return FaultyTransport(httpx.WSGITransport(app=self.app), self.faults, self.clock.now)

    def wsgi(self) -> Callable[..., Iterable[bytes]]:
        """The app wrapped for real HTTP: faults are applied by middleware (sleeps, 504s)."""
        return FaultMiddleware(self.app, self.faults, self.clock.now)

    def client(self, **kwargs: Any) -> httpx.Client:
        """A raw httpx client on ``/v2`` with the primary agent's bearer token."""
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        return httpx.Client(
            base_url=self.base_url, transport=self.transport(), headers=headers, **kwargs
        )

    def api_client(self, **kwargs: Any) -> Any:
        """A plancc.api.Client on this twin, in-process, unpaced, whose ``sleep`` (backoff,
        retry-after) passes game time instead of real time.

        For a twin built with ``rate_limit=True`` (its limiter runs on real time) pass
        ``pace=True, sleep=time.sleep`` to behave like a live client.
        """
        from plancc.api import Client

        kwargs.setdefault("pace", False)
        kwargs.setdefault("sleep", lambda seconds: self.advance(max(0.0, seconds)))
        return Client(
            base_url=self.base_url, token=self.token, transport=self.transport(), **kwargs
        )

    def state(self) -> dict[str, Any]:
        with self.world.lock:
            return self.world.to_dict(self.clock.now())


def _snapshot_time(snapshot: Mapping[str, Any]) -> float | None:
    text = snapshot.get("capturedAt")
    if isinstance(text, str):
        from plancc.sim.clock import parse_iso

        try:
            return parse_iso(text)
        except ValueError:
            return None
    return None
