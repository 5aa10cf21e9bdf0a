"""Recovery, run on every tick: a ship whose cached view is not trusted is re-read, and an API
call whose outcome is unknown (answer lost, or the process killed after sending) is settled
from what the server shows now: the cargo, fuel and credits that changed are written to the
ledger as what actually happened (``source='recovered'``).

Orphaned cargo (no live task owns it) is matched or liquidated by ``decide`` (pure); this
module does the part that needs the server.
"""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING, Any

from runner import killpoint
from runner.model import ShipState
from runner.observe import ship_state_of
from runner.state import LedgerLine

if TYPE_CHECKING:
    from runner.actions import Executor


def resolve(ex: Executor, symbol: str) -> None:
    """Re-read ``symbol`` (and the agent when an unsettled trade or refuel may have moved
    credits); record what the pending intent did; clear it. One transaction."""
    store = ex.store
    row = store.conn.execute("SELECT pending FROM ships WHERE symbol=?", (symbol,)).fetchone()
    intent = json.loads(row[0]) if row and row[0] else None
    ship = ex.client.ship(symbol)
    killpoint.point("response")
    agent = None
    if intent and intent["action"] in ("BUY", "SELL", "REFUEL"):
        agent = ex.client.agent()
        killpoint.point("response")
    ex._observe()
    now = ex.now()
    state = ship_state_of(ship)
    with store.tx() as c:
        store.ship_row(c, state, now)
        store.update_ship(c, symbol, pending="", quote_ok=0)
        if agent is not None:
            store.set(c, "credits", agent.credits)
            store.set(c, "credits_at", now)
        if intent:
            _settle(ex, c, intent, state, agent.credits if agent else None, now, symbol)


def _settle(
    ex: Executor,
    c: sqlite3.Connection,
    intent: dict[str, Any],
    state: ShipState,
    credits: int | None,
    now: float,
    symbol: str,
) -> None:
    store = ex.store
    action = intent["action"]
    paid = None if credits is None else intent["before_credits"] - credits
    if action in ("BUY", "SELL"):
        good = intent["good"]
        now_units = state.cargo.get(good, 0)
        moved = (
            now_units - intent["before_units"]
            if action == "BUY"
            else intent["before_units"] - now_units
        )
        if moved > 0 and paid is not None:
            total = paid if action == "BUY" else -paid
            store.record(
                c,
                LedgerLine(
                    now,
                    symbol,
                    "PURCHASE" if action == "BUY" else "SELL",
                    good,
                    moved,
                    round(total / moved),
                    total,
                    credits,
                    intent["task"],
                    intent["pipeline"],
                    intent["liquidation"],
                    "recovered",
                    intent.get("market", ""),
                ),
            )
        store.event(
            c,
            now,
            "recovered",
            f"{action} {intent['units']} {good}: the server shows {max(moved, 0)} moved"
            + (f" for {abs(paid):,} cr" if paid else ""),
            ship=symbol,
            task=intent["task"],
        )
    elif action == "REFUEL":
        fuel = state.fuel - intent["before_fuel"]
        if fuel > 0 and paid:
            store.record(
                c,
                LedgerLine(
                    now,
                    symbol,
                    "FUEL",
                    "FUEL",
                    fuel,
                    round(paid / fuel),
                    paid,
                    credits,
                    source="recovered",
                ),
            )
        store.event(
            c, now, "recovered", f"REFUEL: the server shows +{max(fuel, 0)} fuel", ship=symbol
        )
    else:
        store.event(
            c,
            now,
            "recovered",
            f"{action}: ship now {state.status} at {state.waypoint}",
            ship=symbol,
        )
