"""API JSON -> model objects (plancc.parse)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from plancc.errors import InputError, Where
from plancc.parse import (
    parse_agent,
    parse_market,
    parse_ship,
    parse_snapshot,
    parse_time,
    parse_trade_good,
    parse_waypoint,
    realdata_to_snapshot,
)


@pytest.fixture(scope="module")
def real(realdata_snapshot_path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(realdata_snapshot_path.read_text())
    return data


def _ship(real: dict[str, Any], symbol: str) -> dict[str, Any]:
    return next(s for s in real["ships"] if s["symbol"] == symbol)


def test_ship_reads_role_engine_cargo_fuel_and_nav(real: dict[str, Any]) -> None:
    ship = parse_ship(_ship(real, "FLWI_TEST-1"))
    assert ship.symbol == "FLWI_TEST-1"
    assert ship.role == "COMMAND"
    assert ship.frame == "FRAME_FRIGATE"
    assert ship.engine_speed == 36
    assert ship.cargo_capacity == 40
    assert (ship.fuel_current, ship.fuel_capacity) == (400, 400)
    assert (ship.waypoint, ship.system, ship.status) == ("X1-AD75-J58", "X1-AD75", "IN_ORBIT")
    assert ship.flight_mode == "BURN"
    assert ship.arrival == datetime(2025, 4, 9, 17, 25, 34, 980000, tzinfo=UTC)


def test_ship_cargo_items_become_cargo_items() -> None:
    d = _minimal_ship()
    d["cargo"]["inventory"] = [{"symbol": "IRON_ORE", "units": 7, "name": "Iron Ore"}]
    ship = parse_ship(d)
    assert [(c.symbol, c.units) for c in ship.cargo] == [("IRON_ORE", 7)]
    assert ship.cargo_units == 7


def test_ship_without_route_has_no_arrival() -> None:
    d = _minimal_ship()
    d["nav"]["route"] = None
    assert parse_ship(d).arrival is None


def test_trade_good_accepts_null_activity(real: dict[str, Any]) -> None:
    fuel = next(g for g in real["marketplaces"][0]["tradeGoods"] if g["symbol"] == "FUEL")
    assert fuel["activity"] is None
    good = parse_trade_good(fuel)
    assert good.activity is None
    assert (good.purchase_price, good.sell_price, good.trade_volume) == (72, 68, 180)


def test_trade_good_prices_keep_api_meaning() -> None:
    good = parse_trade_good(
        {
            "symbol": "IRON",
            "type": "EXPORT",
            "tradeVolume": 10,
            "supply": "HIGH",
            "activity": "STRONG",
            "purchasePrice": 120,
            "sellPrice": 100,
        }
    )
    assert good.purchase_price == 120  # what the agent pays
    assert good.sell_price == 100  # what the agent receives


def test_market_lists_symbols_and_keeps_observed_time(real: dict[str, Any]) -> None:
    at = datetime(2025, 4, 9, tzinfo=UTC)
    market = parse_market(real["marketplaces"][0], at)
    assert market.symbol == "X1-AD75-A1"
    assert "FOOD" in market.imports
    assert market.exchange == ("FUEL",)
    assert market.observed_at == at
    assert market.good("FOOD") is not None


def test_market_without_trade_goods_has_none() -> None:
    market = parse_market({"symbol": "M", "exports": [], "imports": [], "exchange": []})
    assert market.trade_goods == ()
    assert market.observed_at is None


def test_waypoint_with_null_orbits_orbits_nothing(real: dict[str, Any]) -> None:
    wp = parse_waypoint(real["waypoints"][0])
    assert wp.orbits is None
    assert wp.has_market
    assert (wp.x, wp.y, wp.system) == (23, -9, "X1-AD75")


def test_agent_reads_credits_and_ship_count(real: dict[str, Any]) -> None:
    agent = parse_agent(real["agent"])
    assert (agent.symbol, agent.credits, agent.ship_count) == ("FLWI_TEST", 175000, 2)
    assert agent.starting_faction == "LORDS"


def test_missing_field_names_its_path() -> None:
    d = _minimal_ship()
    del d["nav"]["status"]
    with pytest.raises(InputError) as exc:
        parse_ship(d, path="ships[3]")
    assert exc.value.field == "ships[3].nav.status"
    assert "missing" in exc.value.message


def test_null_required_field_is_an_error() -> None:
    d = _minimal_ship()
    d["fuel"]["current"] = None
    with pytest.raises(InputError) as exc:
        parse_ship(d)
    assert exc.value.field == "ship.fuel.current"


def test_boolean_is_not_an_integer() -> None:
    with pytest.raises(InputError) as exc:
        parse_agent({"symbol": "A", "credits": True, "headquarters": "H", "shipCount": 1})
    assert exc.value.field == "agent.credits"


def test_unknown_enum_value_is_named() -> None:
    d = _minimal_ship()
    d["nav"]["status"] = "FLYING"
    with pytest.raises(InputError, match="'FLYING' is not one of IN_TRANSIT"):
        parse_ship(d)


def test_error_carries_the_file_position_it_was_given() -> None:
    with pytest.raises(InputError) as exc:
        parse_agent({}, where=Where("snap.json", 3, 5))
    assert str(exc.value).startswith("snap.json:3:5: agent.symbol: ")


def test_server_times_parse_as_utc() -> None:
    assert parse_time("2025-04-09T12:46:33.179Z") == datetime(
        2025, 4, 9, 12, 46, 33, 179000, tzinfo=UTC
    )
    assert parse_time("2025-04-09T12:46:33").tzinfo == UTC


def test_bad_time_is_an_input_error() -> None:
    with pytest.raises(InputError, match="not an ISO 8601 time"):
        parse_time("tomorrow", "capturedAt")


def test_realdata_converts_to_snapshot_layout(real: dict[str, Any]) -> None:
    snap = realdata_to_snapshot(real)
    assert snap["system"] == "X1-AD75"
    assert len(snap["markets"]) == 25
    assert len(snap["waypoints"]) == 82
    assert len(snap["ships"]) == 2
    assert snap["agent"] == real["agent"]
    assert snap["markets"] == real["marketplaces"]  # API objects untouched


def test_realdata_capture_time_is_the_latest_recorded_time(real: dict[str, Any]) -> None:
    snap = realdata_to_snapshot(real)
    times = [t["timestamp"] for m in real["marketplaces"] for t in m.get("transactions") or []]
    times += [s["nav"]["route"]["arrival"] for s in real["ships"]]
    latest = max(parse_time(t) for t in times)
    assert parse_time(snap["capturedAt"]) == latest
    assert all(parse_time(t) <= latest for t in snap["observedAt"].values())


def test_realdata_market_observed_at_its_latest_transaction(real: dict[str, Any]) -> None:
    snap = realdata_to_snapshot(real)
    a1 = real["marketplaces"][0]
    latest = max(parse_time(t["timestamp"]) for t in a1["transactions"])
    assert parse_time(snap["observedAt"][a1["symbol"]]) == latest


def test_realdata_conversion_is_deterministic(real: dict[str, Any]) -> None:
    assert json.dumps(realdata_to_snapshot(real)) == json.dumps(
        realdata_to_snapshot(copy.deepcopy(real))
    )


def test_realdata_of_two_systems_is_refused(real: dict[str, Any]) -> None:
    d = copy.deepcopy(real)
    d["waypoints"][0]["systemSymbol"] = "X1-OTHER"
    with pytest.raises(InputError, match="one system"):
        realdata_to_snapshot(d)


def test_snapshot_market_without_observed_time_counts_as_captured(real: dict[str, Any]) -> None:
    d = realdata_to_snapshot(real)
    del d["observedAt"]
    snap = parse_snapshot(d)
    assert all(m.observed_at == snap.captured_at for m in snap.markets)


def _minimal_ship() -> dict[str, Any]:
    return {
        "symbol": "S-1",
        "registration": {"role": "HAULER"},
        "nav": {
            "systemSymbol": "X1-T",
            "waypointSymbol": "X1-T-A",
            "status": "DOCKED",
            "flightMode": "CRUISE",
            "route": {"arrival": "2025-01-01T00:00:00Z", "departureTime": "2025-01-01T00:00:00Z"},
        },
        "frame": {"symbol": "FRAME_LIGHT_FREIGHTER"},
        "engine": {"speed": 10},
        "cargo": {"capacity": 80, "units": 0, "inventory": []},
        "fuel": {"current": 100, "capacity": 100},
    }
