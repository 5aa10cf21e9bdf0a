"""Recording one system from the API as a snapshot (``plancc snapshot``, the demo, the loop).

A snapshot holds the API's own objects as the server returned them (keys sorted, lists sorted
by symbol, so two snapshots of the same world are byte-identical):

    {"system", "capturedAt", "agent", "ships", "waypoints", "markets", "observedAt"}

``capturedAt`` is the server's ``Date`` when the fleet was read; ``observedAt`` maps each
market whose ``tradeGoods`` were visible (a ship of ours is there) to the server's ``Date``
when it was read.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from plancc.api import Client
from plancc.errors import ApiError, InputError, InputErrors, Where
from plancc.fileio import write_atomically
from plancc.parse import format_time

Progress = Callable[[str], None]


def system_of(waypoint: str) -> str:
    """``X1-AD75-A1`` -> ``X1-AD75``."""
    return waypoint.rsplit("-", 1)[0]


def _sorted_keys(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _sorted_keys(obj[k]) for k in sorted(obj)}
    if isinstance(obj, list):
        return [_sorted_keys(v) for v in obj]
    return obj


def _by_symbol(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(items, key=lambda d: str(d.get("symbol", "")))


def _server_now(client: Client) -> str:
    return format_time(client.server_time or datetime.now(UTC))


def take_snapshot(
    client: Client, system: str | None = None, progress: Progress = lambda _: None
) -> dict[str, Any]:
    """Read agent, ships, the system's waypoints and every market into a snapshot dict."""
    agent = client.agent_json()
    system = system or system_of(str(agent.get("headquarters", "")))
    progress(f"agent {agent.get('symbol')}: {agent.get('credits')} credits, system {system}")
    ships = client.ships_json()
    captured = _server_now(client)
    progress(f"{len(ships)} ships")
    waypoints = client.waypoints_json(system)
    if not waypoints:
        raise ApiError(f"system {system} has no waypoints", endpoint=f"GET /systems/{system}")
    progress(f"{len(waypoints)} waypoints")
    market_symbols = sorted(
        w["symbol"]
        for w in waypoints
        if any(t.get("symbol") == "MARKETPLACE" for t in w.get("traits") or [])
    )
    markets: list[dict[str, Any]] = []
    observed: dict[str, str] = {}
    for i, symbol in enumerate(market_symbols, 1):
        market = client.market_json(system, symbol)
        markets.append(market)
        seen = bool(market.get("tradeGoods"))
        if seen:
            observed[symbol] = _server_now(client)
        progress(f"market {i}/{len(market_symbols)} {symbol}{' (trade goods)' if seen else ''}")
    return {
        "system": system,
        "capturedAt": captured,
        "agent": _sorted_keys(agent),
        "ships": _sorted_keys(_by_symbol(ships)),
        "waypoints": _sorted_keys(_by_symbol(waypoints)),
        "markets": _sorted_keys(_by_symbol(markets)),
        "observedAt": dict(sorted(observed.items())),
    }


def write_snapshot(
    snapshot: dict[str, Any], path: Path | str, inputs: Iterable[Path | str | None] = ()
) -> None:
    """Write atomically: a reader never sees half a snapshot (``inputs``: files it must not
    replace, as ``plancc.fileio.write_atomically``).

    The text is checked first exactly as ``plancc validate`` checks a snapshot file: what the
    server answered may still be unusable (a ship at a waypoint the system does not list, ...),
    and a file ``validate`` rejects is never written; the problems are raised instead."""
    from plancc.load import parse_snapshot_text

    text = json.dumps(snapshot, indent=2, ensure_ascii=False) + "\n"
    try:
        parse_snapshot_text(text, str(path))
    except InputErrors as exc:
        refused = InputError(
            "not written: the server's answer makes a snapshot `plancc validate` rejects",
            Where(str(path)),
        )
        raise InputErrors([refused, *exc.errors]) from None
    write_atomically(path, text, inputs=inputs)
