"""``plancc snapshot``: record one system from the API as a snapshot file.

A snapshot holds the API's own objects as the server returned them (keys sorted, lists sorted
by symbol, so two snapshots of the same world are byte-identical):

    {"system", "capturedAt", "agent", "ships", "waypoints", "markets", "observedAt"}

``capturedAt`` is the server's ``Date`` when the fleet was read; ``observedAt`` maps each
market whose ``tradeGoods`` were visible (a ship of ours is there) to the server's ``Date``
when it was read.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from plancc.api import Client
from plancc.cli import run_guarded
from plancc.errors import ApiError, InputError, Where
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


def write_snapshot(snapshot: dict[str, Any], path: Path) -> None:
    """Write atomically: a reader never sees half a snapshot."""
    text = json.dumps(snapshot, indent=2, ensure_ascii=False) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror}", Where(str(path))) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _run(system: str | None, output: Path, api_url: str | None, token_file: str | None) -> None:
    client = Client(base_url=api_url, token_file=token_file)
    if not client.has_token:
        raise InputError(
            "no agent token: set SPACETRADERS_TOKEN, PLANCC_TOKEN_FILE or pass --token-file"
        )
    with client:
        snap = take_snapshot(client, system, progress=lambda m: click.echo(m, err=True))
    write_snapshot(snap, output)
    click.echo(
        f"wrote {output}: {len(snap['waypoints'])} waypoints, {len(snap['markets'])} markets"
        f" ({len(snap['observedAt'])} with trade goods), {len(snap['ships'])} ships;"
        f" {client.total_requests} requests",
        err=True,
    )


@click.command("snapshot")
@click.option("--system", help="System to record (default: the agent's headquarters system).")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Snapshot file to write (JSON).",
)
@click.option(
    "--api-url",
    envvar="PLANCC_API_URL",
    help="API base URL (default $PLANCC_API_URL, else https://api.spacetraders.io/v2).",
)
@click.option(
    "--token-file",
    type=click.Path(dir_okay=False),
    help="File holding the agent token (default $SPACETRADERS_TOKEN, else $PLANCC_TOKEN_FILE).",
)
def snapshot_cmd(
    system: str | None, output: Path, api_url: str | None, token_file: str | None
) -> None:
    """Record agent, ships, waypoints and markets of one system into a snapshot file.

    Markets show prices (tradeGoods) only where one of your ships is; those get an
    observedAt time. Progress goes to stderr.

    \b
    Example:
      plancc snapshot -o snap.json
      plancc snapshot --system X1-AD75 --api-url http://127.0.0.1:8080/v2 -o snap.json
    """
    run_guarded(_run, system, output, api_url, token_file)
