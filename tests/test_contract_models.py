"""Model parsing checked against the official SpaceTraders OpenAPI spec.

Three directions:
- objects built from the spec alone (only its required fields, or every field it lists) are
  valid by the spec and parse with plancc's parsers: plancc never demands what the spec leaves
  optional;
- every field a parser reads exists in the spec's model: plancc never relies on a field the
  server does not document (checked by recording the keys each parser looks up);
- the client's calls exist in the spec with the method it uses, its request bodies validate,
  and it parses every spec-valid answer of those operations.
Real recorded data (../shared/realdata) validates against the spec (after the documented
recorded-data gaps) and parses to the facts its SOURCE.md states.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest
from openapi_spec import RECORDED_DATA_GAPS, SPEC_LAGS, ApiSpec, load_spec

from plancc import api, parse

# ---------------------------------------------------------------------------------------------
# Examples built from the spec


def example(spec: ApiSpec, schema: Any, base: str, full: bool, depth: int = 0) -> Any:
    """A value valid by ``schema``: required properties only, or all of them when ``full``."""
    resolver = spec.registry.resolver(base_uri=base)
    if "$ref" in schema:
        resolved = resolver.lookup(schema["$ref"])
        base = resolved.resolver._base_uri  # nested refs resolve from the target's file
        return example(spec, resolved.contents, base, full, depth + 1)
    for key in ("allOf", "oneOf", "anyOf"):
        if key in schema:
            return example(spec, schema[key][0], base, full, depth + 1)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        props: Mapping[str, Any] = schema.get("properties", {})
        keys = list(props) if full and depth < 12 else list(schema.get("required", []))
        return {k: example(spec, props.get(k, {}), base, full, depth + 1) for k in keys}
    if kind == "array":
        n = max(schema.get("minItems", 0), 1 if full and depth < 12 else 0)
        return [example(spec, schema.get("items", {}), base, full, depth + 1) for _ in range(n)]
    if kind == "integer":
        lo, hi = schema.get("minimum", 1), schema.get("maximum", 10**6)
        return min(max(lo, 1), hi)
    if kind == "number":
        return float(min(max(schema.get("minimum", 1), 1), schema.get("maximum", 10**6)))
    if kind == "boolean":
        return False
    if kind == "string":
        if schema.get("format") == "date-time":
            return "2026-01-05T00:00:00.000Z"
        return "X1-TEST-A1"[: schema.get("maxLength", 100)].ljust(schema.get("minLength", 0), "X")
    return {}


def model_example(spec: ApiSpec, name: str, full: bool) -> Any:
    return example(spec, {"$ref": spec.model_uri(name)}, spec.model_uri(name), full)


# model -> the parser that reads it (plancc.parse for the domain model, plancc.api for the
# answer parts the domain model does not hold)
PARSERS: dict[str, Callable[[Any], Any]] = {
    "Agent": parse.parse_agent,
    "Waypoint": parse.parse_waypoint,
    "Market": parse.parse_market,
    "MarketTradeGood": parse.parse_trade_good,
    "Ship": parse.parse_ship,
    "ShipNav": api.parse_nav,
    "ShipCargo": api.parse_cargo,
    "ShipFuel": api.parse_fuel,
    "MarketTransaction": api.parse_transaction,
}


@pytest.fixture(scope="module")
def spec(api_spec_dir: Path) -> ApiSpec:
    found = load_spec(api_spec_dir)
    assert found is not None
    return found


@pytest.mark.parametrize("full", [False, True], ids=["required-only", "all-fields"])
@pytest.mark.parametrize("name", sorted(PARSERS))
def test_spec_built_objects_are_spec_valid_and_parse(spec, name, full):
    obj = model_example(spec, name, full)
    assert spec.validate_model(name, obj) == []  # the example really is what the spec allows
    PARSERS[name](obj)


def test_spec_built_ship_parses_to_the_values_it_holds(spec):
    obj = model_example(spec, "Ship", full=True)
    ship = parse.parse_ship(obj)
    assert ship.symbol == obj["symbol"]
    assert ship.engine_speed == obj["engine"]["speed"]
    assert ship.cargo_capacity == obj["cargo"]["capacity"]
    assert ship.status == obj["nav"]["status"]
    assert ship.waypoint == obj["nav"]["waypointSymbol"]


# ---------------------------------------------------------------------------------------------
# Every field a parser reads exists in the spec


class Recording(Mapping[str, Any]):
    """A read-only dict that notes every key looked up, by dotted path (``nav.route.arrival``)."""

    def __init__(self, d: Mapping[str, Any], path: str, seen: set[str]) -> None:
        self._d, self._path, self._seen = d, path, seen

    def _note(self, key: str) -> str:
        full = f"{self._path}.{key}" if self._path else key
        self._seen.add(full)
        return full

    def __getitem__(self, key: str) -> Any:
        return _wrap(self._d[key], self._note(key), self._seen)

    def get(self, key: str, default: Any = None) -> Any:
        full = self._note(key)
        return _wrap(self._d[key], full, self._seen) if key in self._d else default

    def __iter__(self) -> Iterator[str]:
        return iter(self._d)

    def __len__(self) -> int:
        return len(self._d)


def _wrap(v: Any, path: str, seen: set[str]) -> Any:
    if isinstance(v, Mapping):
        return Recording(v, path, seen)
    if isinstance(v, list):
        return [_wrap(x, f"{path}[]", seen) for x in v]
    return v


def _schema_has(spec: ApiSpec, name: str, path: str) -> bool:
    """Does ``path`` (``nav.route.arrival``, ``traits[].symbol``) name a property of model ``name``?"""
    resolver = spec.registry.resolver(base_uri=spec.model_uri(name))
    schema: Any = {"$ref": spec.model_uri(name)}
    for part in re.findall(r"[^.\[\]]+|\[\]", path):
        while "$ref" in schema:
            resolved = resolver.lookup(schema["$ref"])
            schema, resolver = resolved.contents, resolved.resolver
        if part == "[]":
            if "items" not in schema:
                return False
            schema = schema["items"]
        else:
            props = schema.get("properties", {})
            if part not in props:
                return False
            schema = props[part]
    return True


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_every_field_a_parser_reads_is_in_the_spec_model(spec, name):
    seen: set[str] = set()
    PARSERS[name](Recording(model_example(spec, name, full=True), "", seen))
    assert seen, "the recording saw no reads"
    unknown = sorted(p for p in seen if not _schema_has(spec, name, p))
    assert unknown == []


def test_field_check_notices_a_field_the_spec_lacks(spec):
    # the check above can fail: a read of an undocumented key is caught
    seen: set[str] = set()
    Recording({"symbol": "A"}, "", seen).get("tradeGoodz")
    assert not _schema_has(spec, "Market", "tradeGoodz")
    assert _schema_has(spec, "Market", "tradeGoods[].sellPrice")


# ---------------------------------------------------------------------------------------------
# The client's calls against the spec's operations


def _operation_for(spec: ApiSpec, method: str, path: str) -> str:
    for m, template in spec.operations():
        pattern = "^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template)) + "$"
        if m == method and re.match(pattern, path):
            return template
    raise AssertionError(f"{method} {path} is not an operation of the spec")


CALLS: dict[str, Callable[[api.Client], Any]] = {
    "status": lambda c: c.status(),
    "agent": lambda c: c.agent(),
    "ships": lambda c: c.ships(),
    "ship": lambda c: c.ship("ME-1"),
    "cargo": lambda c: c.cargo("ME-1"),
    "nav": lambda c: c.nav("ME-1"),
    "orbit": lambda c: c.orbit("ME-1"),
    "dock": lambda c: c.dock("ME-1"),
    "navigate": lambda c: c.navigate("ME-1", "X1-A-B2"),
    "flight_mode": lambda c: c.set_flight_mode("ME-1", "DRIFT"),
    "refuel": lambda c: c.refuel("ME-1"),
    "refuel_units": lambda c: c.refuel("ME-1", units=100, from_cargo=True),
    "purchase": lambda c: c.purchase("ME-1", "IRON_ORE", 5),
    "sell": lambda c: c.sell("ME-1", "IRON_ORE", 5),
    "jettison": lambda c: c.jettison("ME-1", "IRON_ORE", 1),
    "waypoints": lambda c: c.waypoints("X1-A", traits=["MARKETPLACE"], type="PLANET"),
    "market": lambda c: c.market("X1-A", "X1-A-A1"),
    "supply_chain": lambda c: c.supply_chain(),
}


@pytest.mark.parametrize("full", [False, True], ids=["required-only", "all-fields"])
@pytest.mark.parametrize("call", sorted(CALLS))
def test_client_call_is_a_spec_operation_and_parses_every_spec_valid_answer(spec, call, full):
    problems: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/v2") or "/"
        template = _operation_for(spec, request.method, path)
        body = json.loads(request.content) if request.content else None
        problems.extend(spec.validate_request(request.method, template, body))
        status = spec.success_status(request.method, template)
        schema = spec.response_schema(request.method, template, status)
        base = spec.reference_uri
        answer = example(spec, schema, base, full)
        assert spec.validate_response(request.method, template, status, answer) == []
        return httpx.Response(status, json=answer)

    client = api.Client("https://st.test/v2", "t", transport=httpx.MockTransport(handler))
    CALLS[call](client)
    assert problems == []
    for key in client.request_counts:  # counted under the spec's own templates
        method, template = key.split(" ", 1)
        assert (method, template) in spec.operations()


# ---------------------------------------------------------------------------------------------
# Real recorded data


def _without_nulls(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _without_nulls(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, list):
        return [_without_nulls(v) for v in obj]
    return obj


@pytest.fixture(scope="module")
def realdata(realdata_snapshot_path: Path) -> dict[str, Any]:
    return json.loads(realdata_snapshot_path.read_text())


@pytest.mark.parametrize(
    ("name", "key"),
    [("Agent", "agent"), ("Ship", "ships"), ("Waypoint", "waypoints"), ("Market", "marketplaces")],
)
def test_real_data_is_spec_valid_apart_from_its_documented_gaps(spec, realdata, name, key):
    objs = realdata[key] if isinstance(realdata[key], list) else [realdata[key]]
    allowed = RECORDED_DATA_GAPS.get(name, frozenset())
    for i, obj in enumerate(objs):
        problems = [p for p in spec.validate_model(name, _without_nulls(obj)) if p not in allowed]
        assert problems == [], f"{key}[{i}]"


def test_real_data_parses_to_the_recorded_facts(realdata):
    ships = {s.role: s for s in (parse.parse_ship(d) for d in realdata["ships"])}
    frigate = ships["COMMAND"]
    assert (frigate.engine_speed, frigate.cargo_capacity) == (36, 40)
    markets = [parse.parse_market(m) for m in realdata["marketplaces"]]
    assert len(markets) == 25
    assert sum(len(m.trade_goods) for m in markets) == 147
    waypoints = [parse.parse_waypoint(w) for w in realdata["waypoints"]]
    assert len(waypoints) == 82
    assert sum(w.has_market for w in waypoints) == 25
    agent = parse.parse_agent(realdata["agent"])
    assert agent.headquarters == "X1-AD75-A1"


def test_real_ship_routes_show_why_the_spec_lag_is_corrected(spec, realdata):
    route = realdata["ships"][0]["nav"]["route"]
    assert "departure" not in route and "departureTime" in route
    assert "ShipNavRoute.json" in SPEC_LAGS
    assert spec.validate_model("ShipNavRoute", route) == []
