"""Runner state -> the loop's plain records (``plancc.loop.records``) and the run report's data.

The one module of the loop that reads the state file's tables.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from typing import Any

from plancc.loop.records import Feed, Observation, Outcome, Trade
from plancc.render.run_report import PipelineRun, RunData, ShipRun, Span
from runner.policy import SUPPLY_RANK
from runner.state import Store


def observations(store: Store, since: float = float("-inf")) -> list[Observation]:
    """Every market read at or after ``since`` (the loop's learning window), oldest first."""
    return [
        Observation(
            r["market"],
            r["good"],
            r["at"],
            r["supply"],
            r["purchase"],
            r["sell"],
            r["trade_volume"],
            r["activity"],
        )
        for r in store.conn.execute(
            "SELECT * FROM market_obs WHERE at >= ? ORDER BY at, id", (since,)
        )
    ]


def trades(store: Store, since: float = float("-inf")) -> list[Trade]:
    """Our purchases and sales at or after ``since``, with the market they happened at (from
    their task or liquidation)."""
    rows = store.conn.execute(
        "SELECT l.at, l.ship, l.kind, l.good, l.units, l.price_per_unit, "
        "COALESCE(t.market, q.market, '') AS market FROM ledger l "
        "LEFT JOIN tasks t ON t.id = l.task LEFT JOIN liquidations q ON q.id = l.liquidation "
        "WHERE l.kind IN ('PURCHASE', 'SELL') AND l.at >= ? ORDER BY l.id",
        (since,),
    )
    return [
        Trade(
            r["market"], r["good"], r["at"], r["kind"], r["units"], r["price_per_unit"], r["ship"]
        )
        for r in rows
        if r["market"]
    ]


def feeds(store: Store, since: float = float("-inf")) -> list[Feed]:
    """For every COLLECT whose inputs were all delivered (the last at or after ``since``): the
    factory, its export, and when the last input arrived."""
    out = []
    for r in store.conn.execute(
        "SELECT c.market, c.good, MAX(d.completed_at) AS fed FROM tasks c "
        "JOIN task_deps x ON x.task_id = c.id JOIN tasks d ON d.id = x.depends_on "
        "WHERE c.type = 'COLLECT' AND d.type = 'DELIVER' GROUP BY c.id "
        "HAVING SUM(d.status != 'COMPLETED') = 0"
    ):
        if r["fed"] is not None and r["fed"] >= since:
            out.append(Feed(r["market"], r["good"], r["fed"]))
    return out


def outcomes(store: Store) -> list[Outcome]:
    out = []
    for p in store.pipeline_pnl():
        if p["status"] not in ("COMPLETED", "FAILED"):
            continue
        if p["status"] == "FAILED" and p["spent"] == 0 and p["tasks_done"] == 0:
            continue  # dropped by a re-plan before it did anything: not a result
        row = store.conn.execute(
            "SELECT product, ended_at FROM pipelines WHERE id=?", (p["id"],)
        ).fetchone()
        planned = p["expected_profit"] / p["expected_cost"] if p["expected_cost"] else 0.0
        realised = p["profit"] / p["spent"] if p["spent"] else 0.0
        out.append(
            Outcome(
                p["id"],
                row["product"],
                row["ended_at"] or 0.0,
                p["status"],
                planned,
                realised,
                spent=p["spent"],
                profit=p["profit"],
                expected_cost=p["expected_cost"],
                expected_profit=p["expected_profit"],
            )
        )
    return out


def started_pipelines(store: Store) -> set[str]:
    """Active pipelines where something has happened: a task bought or sold units."""
    return {
        r[0]
        for r in store.conn.execute(
            "SELECT DISTINCT t.pipeline FROM tasks t JOIN pipelines p ON p.id = t.pipeline "
            "WHERE p.status = 'ACTIVE' AND (t.done_units > 0 OR t.status = 'COMPLETED')"
        )
    }


def waiting_collects(store: Store, started: set[str], level: str) -> set[str]:
    """Legs of started pipelines whose load is a COLLECT not begun (nothing bought) at a
    factory whose export was last seen below ``level`` (or never seen): the ship assigned to
    it would fly there to wait, possibly for hours."""
    if not started:
        return set()
    marks = ",".join("?" * len(started))
    rows = store.conn.execute(
        f"SELECT l.id, q.supply FROM legs l JOIN tasks t ON t.id = l.load_task "
        f"LEFT JOIN market_latest q ON q.market = t.market AND q.good = t.good "
        f"WHERE l.pipeline IN ({marks}) AND t.type = 'COLLECT' AND t.done_units = 0 "
        f"AND t.status IN ('PENDING', 'ACTIVE')",
        tuple(sorted(started)),
    ).fetchall()
    out: set[str] = set()
    for leg_id, supply in rows:
        if supply is None or SUPPLY_RANK.get(supply, 0) < SUPPLY_RANK.get(level, 3):
            out.add(leg_id)
    return out


def busy_ships(store: Store, started: set[str], waiting: Collection[str] = ()) -> set[str]:
    """Ships with a leg of a started pipeline still to finish (its unload not completed),
    other than a COLLECT in ``waiting`` (that one is flown after whatever else the ship gets)."""
    if not started:
        return set()
    marks = ",".join("?" * len(started))
    return {
        r[0]
        for r in store.conn.execute(
            f"SELECT l.ship, l.id FROM legs l JOIN tasks u ON u.id = l.unload_task "
            f"WHERE l.pipeline IN ({marks}) AND u.status != 'COMPLETED'",
            tuple(sorted(started)),
        )
        if r[1] not in waiting
    }


# -- the run report's data --------------------------------------------------------------------


def run_data(
    store: Store,
    title: str,
    start: float,
    end: float,
    credits: list[tuple[float, int]],
    summary: dict[str, Any],
) -> RunData:
    """Planned spans from every applied plan's schedule are not stored by the runner; the plan
    lane shows each task from when its leg was planned to start (apply time + the order on the
    ship) to its completion as the plan predicted (``planned`` event times when present)."""
    ships = sorted(r[0] for r in store.conn.execute("SELECT symbol FROM ships"))
    planned = _planned_spans(store)
    realised = _realised_spans(store, end)
    return RunData(
        title=title,
        start=start,
        end=end,
        credits=tuple(credits),
        ships=tuple(
            ShipRun(s, tuple(planned.get(s, ())), tuple(realised.get(s, ()))) for s in ships
        ),
        pipelines=tuple(
            PipelineRun(
                p["id"],
                _product(store, p["id"]),
                p["status"],
                p["expected_cost"],
                p["expected_revenue"],
                p["spent"],
                p["earned"],
            )
            for p in store.pipeline_pnl()
        ),
        summary=summary,
    )


ARRIVES = re.compile(r"arrives in (\d+(?:\.\d+)?) s")
TRADE_S = 5.0  # a dock-and-trade visit (policy dock_seconds): what a purchase or sale occupies


def moving_or_trading(store: Store) -> dict[str, list[tuple[float, float]]]:
    """Per ship, the stretches it was flying (each navigate, until its announced arrival) or
    trading (each purchase or sale, TRADE_S long): what utilisation counts as busy. Waiting at a
    factory for its supply, parked or idle is not."""
    out: dict[str, list[tuple[float, float]]] = {}
    for r in store.conn.execute(
        "SELECT at, ship, kind, message FROM events WHERE ship != '' AND kind IN "
        "('navigate', 'purchase', 'sell') ORDER BY id"
    ):
        if r["kind"] == "navigate":
            m = ARRIVES.search(r["message"])
            if m:
                out.setdefault(r["ship"], []).append((r["at"], r["at"] + float(m.group(1))))
        else:
            out.setdefault(r["ship"], []).append((r["at"], r["at"] + TRADE_S))
    return out


def _product(store: Store, pipeline: str) -> str:
    row = store.conn.execute("SELECT product FROM pipelines WHERE id=?", (pipeline,)).fetchone()
    return str(row[0]) if row else ""


def _planned_spans(store: Store) -> dict[str, list[Span]]:
    """The plan lane: each applied plan's predicted legs (``meta`` key ``planned:<plan_id>``,
    written by the loop from the plan file's schedule)."""
    out: dict[str, list[Span]] = {}
    for (value,) in store.conn.execute("SELECT value FROM meta WHERE key LIKE 'planned:%'"):
        for s in json.loads(value):
            out.setdefault(s["ship"], []).append(Span(s["start"], s["end"], s["kind"], s["label"]))
    return out


def _realised_spans(store: Store, end: float) -> dict[str, list[Span]]:
    """The realised lane: each task from when its ship took it (first event of the task on the
    ship) to its completion; liquidations from creation to done."""
    out: dict[str, list[Span]] = {}
    for r in store.conn.execute(
        "SELECT e.ship, e.task, MIN(e.at) AS began, t.type, t.good, t.completed_at, t.status "
        "FROM events e JOIN tasks t ON t.id = e.task WHERE e.ship != '' "
        "GROUP BY e.ship, e.task ORDER BY began"
    ):
        stop = r["completed_at"] or (end if r["status"] in ("ACTIVE", "PENDING") else r["began"])
        out.setdefault(r["ship"], []).append(Span(r["began"], stop, r["type"], r["good"]))
    for r in store.conn.execute("SELECT * FROM liquidations"):
        out.setdefault(r["ship"], []).append(
            Span(r["created_at"], r["done_at"] or end, "LIQUIDATE", r["good"])
        )
    return out
