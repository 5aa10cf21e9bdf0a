"""A snapshot for the loop, from runner state and a few API reads.

Fleet and agent come from the API (2 requests); waypoints and each market's import/export lists
never change within a reset, so they are kept in state (``meta`` key ``loop_static``) after the
first read; prices are the runner's latest observations, each with the time it was read.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from plancc.parse import format_time
from runner.state import Store

STATIC_KEY = "loop_static"


def _iso(epoch: float) -> str:
    return format_time(datetime.fromtimestamp(epoch, UTC))


def remember_static(store: Store, snapshot: dict[str, Any]) -> None:
    """Keep the snapshot's waypoints and market lists (without prices) in state."""
    static = {
        "system": snapshot["system"],
        "waypoints": snapshot["waypoints"],
        "markets": [
            {k: m[k] for k in ("symbol", "exports", "imports", "exchange") if k in m}
            for m in snapshot["markets"]
        ],
    }
    store.put(**{STATIC_KEY: json.dumps(static, sort_keys=True)})
    with store.tx() as c:
        store.put_fuel_markets(c, fuel_markets(snapshot))


def fuel_markets(snapshot: dict[str, Any]) -> list[str]:
    """Markets trading FUEL, by the rule the compiler places refuel stops with."""
    from plancc.parse import parse_market
    from plancc.schedule.problem import refuel_points

    return sorted(refuel_points((), [parse_market(m) for m in snapshot["markets"]]))


def remember_prices(store: Store, snapshot: dict[str, Any]) -> None:
    """The snapshot's visible trade goods as observations, at the time each was read."""
    from plancc.parse import parse_market, parse_time
    from runner.observe import quotes_of

    for m in snapshot["markets"]:
        at = snapshot.get("observedAt", {}).get(m["symbol"])
        if not m.get("tradeGoods") or not at:
            continue
        when = parse_time(at).timestamp()
        with store.tx() as c:
            store.observe_market(c, m["symbol"], when, quotes_of(parse_market(m), when))


def seed_from_snapshot(store: Store, snapshot: dict[str, Any]) -> None:
    """What a snapshot tells the runner: its markets' trade lists (where fuel is sold) and
    the prices it saw, each at the time it was read."""
    remember_static(store, snapshot)
    remember_prices(store, snapshot)


def static_from_api(store: Store, client: Any, system: str) -> dict[str, Any]:
    raw = store.get(STATIC_KEY)
    if raw:
        static = dict(json.loads(raw))
        if store.get("fuel_markets") is None:  # kept by a plancc from before it was
            with store.tx() as c:
                store.put_fuel_markets(c, fuel_markets(static))
        return static
    from plancc.snapshot import take_snapshot

    seed_from_snapshot(store, take_snapshot(client, system))
    return dict(json.loads(store.get(STATIC_KEY) or "{}"))


def snapshot_from_state(store: Store, client: Any, now: float) -> dict[str, Any]:
    agent = client.agent_json()
    system = str(agent.get("headquarters", "")).rsplit("-", 1)[0]
    ships = client.ships_json()
    static = static_from_api(store, client, system)
    quotes = store.latest_quotes()
    goods: dict[str, list[dict[str, Any]]] = {}
    seen: dict[str, float] = {}
    for (market, good), q in sorted(quotes.items()):
        item = {
            "symbol": good,
            "type": q.type,
            "tradeVolume": q.trade_volume,
            "supply": q.supply,
            "purchasePrice": q.purchase,
            "sellPrice": q.sell,
        }
        if q.activity:
            item["activity"] = q.activity
        goods.setdefault(market, []).append(item)
        seen[market] = max(seen.get(market, 0.0), q.at)
    markets = []
    for m in static["markets"]:
        m = dict(m)
        if m["symbol"] in goods:
            m["tradeGoods"] = goods[m["symbol"]]
        markets.append(m)
    return {
        "system": static["system"],
        "capturedAt": _iso(now),
        "agent": agent,
        "ships": sorted(ships, key=lambda s: s["symbol"]),
        "waypoints": static["waypoints"],
        "markets": markets,
        "observedAt": {m: _iso(t) for m, t in sorted(seen.items())},
    }


def plannable_ships(
    ships: list[dict[str, Any]], busy: set[str], owned: dict[str, dict[str, int]]
) -> list[dict[str, Any]]:
    """The ships the loop may plan, each with only the cargo nothing else owns.

    A ship with work in flight (``busy``) is left out. From the others' holds, the units a
    live leg or an open liquidation owns (``owned``: ship -> good -> units) are taken out: the
    runner flies a ship's liquidation before its legs, so the plan may count that hold as
    free. What is left aboard, owned by nothing, the compiler plans as cargo aboard (an
    ``ABOARD`` leg sells it or feeds a batch) instead of the next tick liquidating it.
    """
    out = []
    for ship in ships:
        if ship["symbol"] in busy:
            continue
        taken = dict(owned.get(ship["symbol"], {}))
        inventory = []
        for item in ship["cargo"].get("inventory") or ():
            gone = min(item["units"], taken.get(item["symbol"], 0))
            taken[item["symbol"]] = taken.get(item["symbol"], 0) - gone
            if item["units"] > gone:
                inventory.append({**item, "units": item["units"] - gone})
        cargo = {
            **ship["cargo"],
            "units": sum(i["units"] for i in inventory),
            "inventory": inventory,
        }
        out.append({**ship, "cargo": cargo})
    return out
