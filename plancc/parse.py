"""API JSON -> model objects.

Takes dicts exactly as the SpaceTraders server returns them (the ``data`` of a response, or the
objects recorded in a snapshot) and builds the frozen objects of ``plancc.model``. Optional
fields may be absent or ``null``; both mean "not given". Extra fields are ignored, so objects from
newer servers still load.

A missing or mistyped field raises ``InputError`` whose ``field`` is the path to it, e.g.
``ships[1].nav.status``. Callers that know the file (``plancc.load``) pass ``where``; callers
that know the API call put it in ``path`` (e.g. ``path="GET /my/ships"``).

``realdata_to_snapshot`` turns the recorded public-bot dump
(``realdata/X1-AD75-universe-snapshot.json``) into the snapshot layout of
``schemas/snapshot.schema.json``.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from plancc.errors import InputError, Where, quote
from plancc.model import (
    ACTIVITY_LEVELS,
    SUPPLY_LEVELS,
    TRADE_GOOD_TYPES,
    Agent,
    CargoItem,
    Market,
    Ship,
    Snapshot,
    TradeGood,
    Waypoint,
)

SHIP_STATUSES: tuple[str, ...] = ("IN_TRANSIT", "IN_ORBIT", "DOCKED")
FLIGHT_MODES: tuple[str, ...] = ("DRIFT", "STEALTH", "CRUISE", "BURN")

T = TypeVar("T")
_MISSING = object()


class _Obj:
    """A dict plus the path that led to it, for error messages."""

    def __init__(self, d: Any, path: str, where: Where | None) -> None:
        self.path = path
        self.where = where
        if not isinstance(d, Mapping):
            raise self.error(f"expected an object, got {kind_of(d)}")
        self.d = d

    def error(self, message: str, key: str | None = None) -> InputError:
        return InputError(message, self.where, _join(self.path, key))

    def sub(self, key: str) -> _Obj:
        return _Obj(self._get(key, required=True), _join(self.path, key), self.where)

    def opt_sub(self, key: str) -> _Obj | None:
        v = self._get(key, required=False)
        return None if v is None else _Obj(v, _join(self.path, key), self.where)

    def items(self, key: str, required: bool = True) -> list[_Obj]:
        v = self._get(key, required=required)
        if v is None:
            return []
        if not isinstance(v, list):
            raise self.error(f"expected a list, got {kind_of(v)}", key)
        return [_Obj(x, f"{_join(self.path, key)}[{i}]", self.where) for i, x in enumerate(v)]

    def str(self, key: str, choices: tuple[str, ...] | None = None) -> str:
        v = self._get(key, required=True)
        return self._check_str(key, v, choices)

    def opt_str(
        self, key: builtins.str, choices: tuple[builtins.str, ...] | None = None
    ) -> builtins.str | None:
        v = self._get(key, required=False)
        return None if v is None else self._check_str(key, v, choices)

    def int(self, key: builtins.str, minimum: int | None = None) -> int:
        v = self._get(key, required=True)
        if isinstance(v, bool) or not isinstance(v, int):
            # JSON numbers like 3.0 are accepted when integral; anything else is an error
            if isinstance(v, float) and v.is_integer():
                v = int(v)
            else:
                raise self.error(f"expected an integer, got {kind_of(v)}", key)
        if minimum is not None and v < minimum:
            raise self.error(f"must be at least {minimum}, got {v}", key)
        return v

    def time(self, key: builtins.str) -> datetime:
        return parse_time(self._get(key, required=True), _join(self.path, key), self.where)

    def opt_time(self, key: builtins.str) -> datetime | None:
        v = self._get(key, required=False)
        return None if v is None else parse_time(v, _join(self.path, key), self.where)

    def _get(self, key: builtins.str, required: bool) -> Any:
        v = self.d.get(key, _MISSING)
        if v is _MISSING or v is None:
            if required:
                raise self.error(
                    "missing required field" if v is _MISSING else "must not be null", key
                )
            return None
        return v

    def _check_str(
        self, key: builtins.str, v: Any, choices: tuple[builtins.str, ...] | None
    ) -> builtins.str:
        if not isinstance(v, builtins.str):
            raise self.error(f"expected a string, got {kind_of(v)}", key)
        if choices is not None and v not in choices:
            raise self.error(f"{quote(v)} is not one of {', '.join(choices)}", key)
        return v


def _join(path: str, key: str | None) -> str:
    if key is None:
        return path
    return f"{path}.{key}" if path else key


def kind_of(v: Any) -> str:
    """How an error message names the kind of a bad value: ``a string ('x')``, ``a list``."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, int | float):
        return f"a number ({quote(v)})"
    if isinstance(v, str):
        return f"a string ({quote(v)})"
    if isinstance(v, list):
        return "a list"
    if isinstance(v, Mapping):
        return "an object"
    if isinstance(v, date):  # YAML reads an unquoted 2026-01-05 as a date
        return f"a YAML date ({v.isoformat()}; quote it to make it a string)"
    return type(v).__name__


def parse_time(v: Any, path: str = "", where: Where | None = None) -> datetime:
    """ISO 8601 as the server writes it (``2025-04-09T12:46:33.179Z``); naive times are UTC."""
    if not isinstance(v, str):
        raise InputError(f"expected an ISO 8601 time, got {kind_of(v)}", where, path)
    try:
        t = datetime.fromisoformat(v)
    except ValueError:
        raise InputError(f"not an ISO 8601 time: {quote(v)}", where, path) from None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def format_time(t: datetime) -> str:
    """The server's own time format: UTC, milliseconds, ``Z``."""
    t = t.astimezone(UTC)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


# ---------------------------------------------------------------------------------------------
# One parser per API object


def parse_agent(d: Any, *, path: str = "agent", where: Where | None = None) -> Agent:
    o = _Obj(d, path, where)
    return Agent(
        symbol=o.str("symbol"),
        credits=o.int("credits"),
        headquarters=o.str("headquarters"),
        ship_count=o.int("shipCount", minimum=0),
        starting_faction=o.opt_str("startingFaction") or "",
    )


def parse_waypoint(d: Any, *, path: str = "waypoint", where: Where | None = None) -> Waypoint:
    o = _Obj(d, path, where)
    return Waypoint(
        symbol=o.str("symbol"),
        system=o.str("systemSymbol"),
        type=o.str("type"),
        x=o.int("x"),
        y=o.int("y"),
        traits=tuple(t.str("symbol") for t in o.items("traits", required=False)),
        orbits=o.opt_str("orbits") or None,
    )


def parse_trade_good(d: Any, *, path: str = "tradeGood", where: Where | None = None) -> TradeGood:
    o = _Obj(d, path, where)
    return TradeGood(
        symbol=o.str("symbol"),
        type=o.str("type", TRADE_GOOD_TYPES),  # type: ignore[arg-type]
        trade_volume=o.int("tradeVolume", minimum=1),
        supply=o.str("supply", SUPPLY_LEVELS),  # type: ignore[arg-type]
        purchase_price=o.int("purchasePrice", minimum=0),
        sell_price=o.int("sellPrice", minimum=0),
        activity=o.opt_str("activity", ACTIVITY_LEVELS),  # type: ignore[arg-type]
    )


def parse_market(
    d: Any,
    observed_at: datetime | None = None,
    *,
    path: str = "market",
    where: Where | None = None,
) -> Market:
    """``observed_at`` is when ``tradeGoods`` were read (the API object does not say)."""
    o = _Obj(d, path, where)

    def symbols(key: str) -> tuple[str, ...]:
        return tuple(g.str("symbol") for g in o.items(key, required=False))

    goods = tuple(
        parse_trade_good(g.d, path=g.path, where=where)
        for g in o.items("tradeGoods", required=False)
    )
    return Market(
        symbol=o.str("symbol"),
        exports=symbols("exports"),
        imports=symbols("imports"),
        exchange=symbols("exchange"),
        trade_goods=goods,
        observed_at=observed_at,
    )


def parse_ship(d: Any, *, path: str = "ship", where: Where | None = None) -> Ship:
    """``arrival`` is ``nav.route.arrival`` (in the past unless the ship is IN_TRANSIT)."""
    o = _Obj(d, path, where)
    nav = o.sub("nav")
    route = nav.opt_sub("route")
    cargo = o.sub("cargo")
    fuel = o.sub("fuel")
    return Ship(
        symbol=o.str("symbol"),
        role=o.sub("registration").str("role"),
        frame=o.sub("frame").str("symbol"),
        engine_speed=o.sub("engine").int("speed", minimum=0),
        cargo_capacity=cargo.int("capacity", minimum=0),
        cargo=tuple(
            CargoItem(symbol=c.str("symbol"), units=c.int("units", minimum=0))
            for c in cargo.items("inventory")
        ),
        fuel_current=fuel.int("current", minimum=0),
        fuel_capacity=fuel.int("capacity", minimum=0),
        waypoint=nav.str("waypointSymbol"),
        system=nav.str("systemSymbol"),
        status=nav.str("status", SHIP_STATUSES),  # type: ignore[arg-type]
        flight_mode=nav.opt_str("flightMode", FLIGHT_MODES) or "CRUISE",
        arrival=route.opt_time("arrival") if route else None,
    )


def parse_snapshot(d: Any, *, where: Where | None = None) -> Snapshot:
    """A snapshot object (see ``schemas/snapshot.schema.json``) -> ``Snapshot``.

    Each market's ``observed_at`` comes from ``observedAt[symbol]``; a market with trade goods
    but no entry there counts as observed at ``capturedAt``.
    """
    o = _Obj(d, "", where)
    captured = o.time("capturedAt")
    observed_obj = o.opt_sub("observedAt")
    observed: dict[str, datetime] = {}
    if observed_obj is not None:
        for k in observed_obj.d:
            observed[str(k)] = observed_obj.time(str(k))
    markets = []
    for m in o.items("markets"):
        sym = m.str("symbol")
        at = observed.get(sym)
        if at is None and m.d.get("tradeGoods"):
            at = captured
        markets.append(parse_market(m.d, at, path=m.path, where=where))
    return Snapshot(
        system=o.str("system"),
        captured_at=captured,
        agent=parse_agent(o.sub("agent").d, path="agent", where=where),
        ships=tuple(parse_ship(s.d, path=s.path, where=where) for s in o.items("ships")),
        waypoints=tuple(
            parse_waypoint(w.d, path=w.path, where=where) for w in o.items("waypoints")
        ),
        markets=tuple(markets),
    )


# ---------------------------------------------------------------------------------------------
# The recorded public-bot dump


def realdata_to_snapshot(d: Any) -> dict[str, Any]:
    """The recorded universe dump -> a snapshot dict (API objects untouched).

    ``system`` is the waypoints' ``systemSymbol``. There is no capture time in the dump, so
    ``capturedAt`` is the latest time recorded in it (market transactions, ship nav route
    times); each market's ``observedAt`` is its latest transaction, else ``capturedAt``.
    The result depends only on the input, never on the clock.
    """
    o = _Obj(d, "", None)
    waypoints = o.items("waypoints")
    systems = sorted({w.str("systemSymbol") for w in waypoints})
    if len(systems) != 1:
        raise InputError(
            f"expected waypoints of one system, found {systems or 'none'}", None, "waypoints"
        )
    markets = o.items("marketplaces")
    ships = o.items("ships")

    times: list[datetime] = []
    market_latest: dict[str, datetime] = {}
    for m in markets:
        ts = [t.time("timestamp") for t in m.items("transactions", required=False)]
        if ts:
            market_latest[m.str("symbol")] = max(ts)
            times.extend(ts)
    for s in ships:
        route = s.sub("nav").opt_sub("route")
        if route is not None:
            times.extend(
                t for t in (route.opt_time("arrival"), route.opt_time("departureTime")) if t
            )
    if not times:
        raise InputError("no transaction or ship nav times to date the snapshot from", None, "")
    captured = max(times)

    observed = {
        m.str("symbol"): format_time(market_latest.get(m.str("symbol"), captured))
        for m in markets
        if m.d.get("tradeGoods")
    }
    return {
        "system": systems[0],
        "capturedAt": format_time(captured),
        "agent": o.sub("agent").d,
        "ships": [s.d for s in ships],
        "waypoints": [w.d for w in waypoints],
        "markets": [m.d for m in markets],
        "observedAt": observed,
    }
