"""What a snapshot teaches the runner's state: where fuel is sold (from the markets' trade
lists, as the compiler counts refuel stops) and the prices it saw."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from plancc.loop.statesnap import (
    STATIC_KEY,
    fuel_markets,
    seed_from_snapshot,
    static_from_api,
)
from runner.state import Store

FUEL = {"symbol": "FUEL", "name": "Fuel", "description": ""}
FUEL_ROW = {
    "symbol": "FUEL",
    "type": "EXCHANGE",
    "tradeVolume": 100,
    "supply": "HIGH",
    "purchasePrice": 72,
    "sellPrice": 70,
}
ORE = {"symbol": "IRON_ORE", "name": "Iron ore", "description": ""}


def _market(symbol: str, **lists: list[dict[str, Any]]) -> dict[str, Any]:
    return {"symbol": symbol, "exports": [], "imports": [], "exchange": [], **lists}


def _snapshot() -> dict[str, Any]:
    return {
        "system": "X1-T",
        "waypoints": [],
        "markets": [
            _market("X1-T-A", exchange=[FUEL]),
            _market("X1-T-B", imports=[ORE]),
            _market("X1-T-C", imports=[FUEL, ORE]),
            _market("X1-T-D", exports=[ORE], tradeGoods=[FUEL_ROW]),
        ],
        "observedAt": {"X1-T-D": "2025-04-09T17:25:39.192Z"},
    }


def test_a_market_sells_fuel_when_any_of_its_lists_names_it() -> None:
    assert fuel_markets(_snapshot()) == ["X1-T-A", "X1-T-C", "X1-T-D"]


def test_seeding_from_a_snapshot_records_fuel_markets_and_seen_prices(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "state.db")
    seed_from_snapshot(store, _snapshot())
    assert store.fuel_markets() == {"X1-T-A", "X1-T-C", "X1-T-D"}
    assert store.latest_quotes()[("X1-T-D", "FUEL")].purchase == 72
    assert store.view(0.0).fuel_markets == {"X1-T-A", "X1-T-C", "X1-T-D"}


def test_a_state_kept_before_fuel_markets_learns_them_without_a_request(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "state.db")
    snap = _snapshot()
    static = {"system": "X1-T", "waypoints": [], "markets": snap["markets"]}
    store.put(**{STATIC_KEY: json.dumps(static)})
    assert store.fuel_markets() == frozenset()
    static_from_api(store, client=None, system="X1-T")  # no client: it must not read the API
    assert store.fuel_markets() == {"X1-T-A", "X1-T-C", "X1-T-D"}
