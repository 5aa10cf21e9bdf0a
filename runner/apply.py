"""``plancc apply``: make a plan the active one, keeping the work in flight.

    changes = apply_plan(store, view, server, now, dry_run=False)

``server`` is what the API shows now (``ServerView``: agent credits, ships, resetDate).
Carry-over, by the content-derived ids the compiler gives tasks and legs:
- a task of the new plan that the old plan had keeps its progress (status, units bought or
  sold, retries); a factory already fed stays fed;
- a leg in flight (cargo aboard for it) stays on the ship that holds the cargo, first in its
  queue, whichever ship the new plan chose;
- what no longer matches is dropped: its pipelines end FAILED ("dropped by the new plan") and
  the cargo they held is liquidated by the next tick (it is then owned by no live task).
Returns the changes as diff-like lines ("+ ", "- ", "= ", "~ ").
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from runner.model import ShipState
from runner.planview import LegSpec, PlanView, to_json
from runner.state import Store


@dataclass(frozen=True)
class ServerView:
    credits: int
    ships: dict[str, ShipState]
    reset_date: str = ""


def apply_plan(
    store: Store,
    plan: PlanView,
    server: ServerView,
    now: float,
    *,
    source: str = "",
    dry_run: bool = False,
) -> list[str]:
    old = store.active_plan()
    old_tasks = {r["id"]: dict(r) for r in store.conn.execute("SELECT * FROM tasks")}
    old_legs = {leg.id: leg for leg in store.legs()}
    old_pipes = {r["id"]: dict(r) for r in store.conn.execute("SELECT * FROM pipelines")}
    missing = sorted({leg.ship for leg in plan.legs} - set(server.ships))
    if missing:
        from plancc.errors import InputError

        raise InputError(
            f"the plan uses ships the agent does not have: {', '.join(missing)}", None, source
        )

    changes: list[str] = []
    new_ids = {p.id for p in plan.pipelines}
    for p in plan.pipelines:
        if p.id in old_pipes:
            row = old_pipes[p.id]
            changes.append(f"= pipeline {p.id} kept ({row['status']})")
        else:
            changes.append(
                f"+ pipeline {p.id}: {p.quantity} {p.product}, expected profit "
                f"{p.expected_revenue - p.expected_cost:,} cr"
            )
    for pid, row in sorted(old_pipes.items()):
        if pid not in new_ids and row["status"] == "ACTIVE":
            changes.append(f"- pipeline {pid} dropped: its cargo in flight will be liquidated")

    # legs in flight keep the ship that holds their cargo
    legs = list(plan.legs)
    for i, leg in enumerate(legs):
        before = old_legs.get(leg.id)
        load = old_tasks.get(leg.load)
        unload = old_tasks.get(leg.unload)
        in_flight = (
            before is not None
            and load is not None
            and load["done_units"] > (unload["done_units"] if unload else 0)
            and (unload is None or unload["status"] in ("PENDING", "ACTIVE"))
        )
        if in_flight and before is not None and before.ship != leg.ship:
            legs[i] = replace(leg, ship=before.ship, seq=-1)
            changes.append(f"~ leg {leg.id} stays on {before.ship} (cargo aboard), not {leg.ship}")
        elif in_flight:
            changes.append(f"= leg {leg.id} in flight on {leg.ship}")
    kept = sum(1 for t in plan.tasks if t.id in old_tasks)
    if old is not None:
        changes.append(f"= {kept} of {len(plan.tasks)} tasks carry their progress over")
    if dry_run:
        return changes

    with store.tx() as c:
        if store.get("start_credits") is None:
            store.set(c, "start_credits", server.credits)
            store.set(c, "credits", server.credits)
            store.set(c, "credits_at", now)
        if server.reset_date:
            store.set(c, "reset_date", server.reset_date)
            store.set(c, "status_checked_at", now)
        c.execute("DELETE FROM meta WHERE key='reset_stop'")
        for pid, row in old_pipes.items():
            if pid not in new_ids and row["status"] == "ACTIVE":
                c.execute(
                    "UPDATE pipelines SET status='FAILED', reason=?, ended_at=? WHERE id=?",
                    ("dropped by the new plan", now, pid),
                )
                c.execute(
                    "UPDATE tasks SET status='CANCELLED' WHERE pipeline=? "
                    "AND status IN ('PENDING', 'ACTIVE')",
                    (pid,),
                )
        for p in plan.pipelines:
            c.execute(
                "INSERT INTO pipelines(id, product, sell_market, quantity, expected_cost, "
                "expected_revenue) VALUES(?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
                "expected_cost=excluded.expected_cost, "
                "expected_revenue=excluded.expected_revenue, quantity=excluded.quantity",
                (p.id, p.product, p.sell_market, p.quantity, p.expected_cost, p.expected_revenue),
            )
        for t in plan.tasks:
            c.execute(
                "INSERT INTO tasks(id, pipeline, type, good, quantity, market, unit_price, lag_s) "
                "VALUES(?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
                "quantity=excluded.quantity, unit_price=excluded.unit_price, "
                "lag_s=excluded.lag_s",
                (t.id, t.pipeline, t.type, t.good, t.quantity, t.market, t.unit_price, t.lag_s),
            )
            c.execute("DELETE FROM task_deps WHERE task_id=?", (t.id,))
            for d in t.depends_on:
                c.execute("INSERT INTO task_deps(task_id, depends_on) VALUES(?, ?)", (t.id, d))
        c.execute("DELETE FROM legs")
        for leg in _renumbered(legs):
            c.execute(
                "INSERT INTO legs(id, pipeline, ship, seq, load_task, unload_task, good, "
                "quantity, via_to_load, via_to_unload, modes_to_load, modes_to_unload, grp) "
                "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    leg.id,
                    leg.pipeline,
                    leg.ship,
                    leg.seq,
                    leg.load,
                    leg.unload,
                    leg.good,
                    leg.quantity,
                    json.dumps(list(leg.via_to_load)),
                    json.dumps(list(leg.via_to_unload)),
                    json.dumps(list(leg.modes_to_load)),
                    json.dumps(list(leg.modes_to_unload)),
                    leg.group,
                ),
            )
        known = {r[0] for r in c.execute("SELECT symbol FROM ships")}
        for symbol, ship in sorted(server.ships.items()):
            if symbol in known:
                store.ship_row(c, ship, now)  # apply read the server: the view is fresh
            else:
                store.ship_row(c, ship, now)
        view = replace(plan, legs=tuple(_renumbered(legs)))
        c.execute(
            "INSERT INTO applied_plans(plan_id, applied_at, source, view_json, summary) "
            "VALUES(?, ?, ?, ?, ?)",
            (plan.plan_id, now, source, to_json(view), "\n".join(changes)),
        )
        store.event(
            c,
            now,
            "apply",
            f"plan {plan.plan_id} from {source or '?'}: "
            f"{len(plan.pipelines)} pipelines, {len(plan.tasks)} tasks",
        )
    return changes


def _renumbered(legs: list[LegSpec]) -> list[LegSpec]:
    """Each ship's legs numbered 0.. in order (legs carried over first)."""
    out: list[LegSpec] = []
    by_ship: dict[str, list[LegSpec]] = {}
    for leg in legs:
        by_ship.setdefault(leg.ship, []).append(leg)
    for ship in sorted(by_ship):
        for i, leg in enumerate(sorted(by_ship[ship], key=lambda g: (g.seq, g.id))):
            out.append(replace(leg, seq=i))
    return out


def server_view(client: Any) -> ServerView:
    """Read what apply needs from the API: agent credits, every ship, the reset date."""
    from runner.observe import ship_state_of

    status: dict[str, Any] = client.status()
    agent = client.agent()
    ships = {s.symbol: ship_state_of(s) for s in client.ships()}
    return ServerView(agent.credits, ships, str(status.get("resetDate") or ""))
