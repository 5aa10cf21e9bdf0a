"""``plancc status`` and ``plancc tasks``: what the runner is doing, and the ledger check.

data = status_data(store, now)      # plain dict (the --json form)
text = render_status(data)
problems = check(store, client)     # [] when the ledger and the cargo reconcile
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from runner import scouting
from runner.decide import Wait, current_leg, owned_units, ship_step
from runner.policy import RunnerPolicy
from runner.state import Store


def _t(ts: float | None) -> str:
    if ts is None:
        return "-"
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _scouting(order: scouting.Order) -> str:
    if order.parked:
        return f"at {order.market} until {_t(order.due)}: no market stale"
    return f"to read {order.market}, arrives {_t(order.due)}"


def _scout_position(order: scouting.Order, now: float) -> tuple[str, str, str]:
    """Status, waypoint and ETA of a scouting probe. Its order is newer than the ships table:
    the tick flies probes without reading the fleet, so the row shows where it was last read."""
    if not order.parked and order.due > now:
        return "IN_TRANSIT", order.market, _t(order.due)
    return "IN_ORBIT", order.market, ""


RECENT_ENDED = 20  # ended pipelines listed by default (``all_pipelines`` lists every one)


def pipeline_view(pnl: list[dict[str, Any]], all_pipelines: bool) -> dict[str, Any]:
    """What ``status`` shows of the pipelines: totals over every one, then the live ones and
    the ``RECENT_ENDED`` that ended last, leaving out those dropped unstarted by a re-plan. A
    loop running for days replans every 15 minutes: listing every pipeline ever planned
    buried the live ones under hundreds of lines."""
    ended = [p for p in pnl if p["status"] in ("COMPLETED", "FAILED")]
    worked = [p for p in ended if not p["dropped"]]
    totals = {
        "live": len(pnl) - len(ended),
        "completed": sum(1 for p in ended if p["status"] == "COMPLETED"),
        "failed": sum(1 for p in worked if p["status"] == "FAILED"),
        "dropped": len(ended) - len(worked),
        "planned_profit": sum(p["expected_profit"] for p in worked),
        "realised_profit": sum(p["profit"] for p in worked),
    }
    if all_pipelines:
        return {"pipeline_totals": totals, "pipelines": pnl, "pipelines_not_shown": 0}
    recent = sorted(worked, key=lambda p: (-(p["ended_at"] or 0.0), p["id"]))[:RECENT_ENDED]
    keep = {p["id"] for p in recent}
    shown = [p for p in pnl if p["status"] not in ("COMPLETED", "FAILED") or p["id"] in keep]
    return {
        "pipeline_totals": totals,
        "pipelines": shown,
        "pipelines_not_shown": len(pnl) - len(shown),
    }


def status_data(
    store: Store, now: float, policy: RunnerPolicy | None = None, all_pipelines: bool = False
) -> dict[str, Any]:
    """``all_pipelines``: list every pipeline, not only the live and recently ended ones."""
    policy = policy or RunnerPolicy()
    view = store.view(now)
    scouts = scouting.load(store)
    ships = []
    for symbol, s in sorted(view.ships.items()):
        leg = current_leg(view, symbol, policy.collect_supply_level, policy)
        task = ""
        phase = "idle"
        if leg is not None:
            load = view.tasks[leg.load]
            task = leg.load if load.status in ("PENDING", "ACTIVE") else leg.unload
            phase = "loading" if task == leg.load else "unloading"
        liq = next((q for q in view.liquidations if q.ship == symbol and q.status == "OPEN"), None)
        if liq is not None:
            task, phase = liq.id, "liquidating"
        step = ship_step(view, s, policy)
        waiting = ""
        if isinstance(step, Wait):
            until = f" until {_t(step.until)}" if step.until is not None else ""
            waiting = f"{step.reason}{until}" if step.reason else ""
        order = scouts.order(symbol) if scouts is not None else None
        status, waypoint = s.status_at(now), s.waypoint
        eta = _t(s.arrival) if status == "IN_TRANSIT" else ""
        if order is not None and phase == "idle":
            phase, waiting = "scouting", _scouting(order)
            status, waypoint, eta = _scout_position(order, now)
        ships.append(
            {
                "ship": symbol,
                "task": task,
                "phase": phase,
                "status": status,
                "waypoint": waypoint,
                "eta": eta,
                "cargo": dict(s.cargo),
                "fuel": f"{s.fuel}/{s.fuel_capacity}",
                "parked": s.park_reason if s.not_before > now else "",
                "waiting": waiting,
            }
        )
    factories = [
        {
            "task": f.task,
            "market": f.market,
            "good": f.good,
            "supply": f.supply,
            "awaiting_since": _t(f.awaiting_since),
            "polls": f.polls,
        }
        for f in view.factories.values()
        if f.task in view.tasks and view.tasks[f.task].status in ("PENDING", "ACTIVE")
    ]
    start = int(store.get("start_credits") or 0)
    return {
        "now": _t(now),
        "credits": view.credits,
        "start_credits": start,
        "ledger": store.ledger_totals(),
        **pipeline_view(store.pipeline_pnl(), all_pipelines),
        "ships": ships,
        "factories": factories,
        "liquidations": [
            {
                "id": q.id,
                "ship": q.ship,
                "good": q.good,
                "units": q.units,
                "sold": q.sold,
                "market": q.market,
                "status": q.status,
                "reason": q.reason,
            }
            for q in view.liquidations
        ],
        "last_tick": store.last_tick(),
        "recent_errors": [
            {"at": _t(e["at"]), "ship": e["ship"], "message": e["message"]}
            for e in store.events(10, "error")
        ],
        "reset": store.get("reset_stop") or "",
    }


def render_status(d: dict[str, Any]) -> str:
    lines = [f"game time {d['now']}   credits {d['credits']:,} (start {d['start_credits']:,})"]
    if d["reset"]:
        lines.append(f"STOPPED: {d['reset']}")
    t = d["pipeline_totals"]
    lines.append(
        f"pipelines: {t['live']} live, {t['completed']} completed, {t['failed']} failed; "
        f"realised {t['realised_profit']:+,} against planned {t['planned_profit']:+,} "
        f"on those ended; {t['dropped']} dropped unstarted by a re-plan"
    )
    for p in d["pipelines"]:
        lines.append(
            f"  {p['status']:<9} {p['id']}  {p['tasks_done']}/{p['tasks']} tasks  "
            f"planned {p['expected_profit']:+,}  realised {p['profit']:+,} "
            f"(spent {p['spent']:,}, earned {p['earned']:,})"
            + (f"  [{p['reason']}]" if p["reason"] else "")
        )
    if d["pipelines_not_shown"]:
        lines.append(
            f"  ... {d['pipelines_not_shown']} earlier or dropped pipelines not shown "
            "(plancc status --all)"
        )
    lines.append("ships:")
    for s in d["ships"]:
        where = f"{s['status']} {s['waypoint']}" + (f" eta {s['eta']}" if s["eta"] else "")
        cargo = ", ".join(f"{u} {g}" for g, u in sorted(s["cargo"].items())) or "empty"
        why = (s["parked"] and f"  parked: {s['parked']}") or (
            s["waiting"] and f"  ({s['waiting']})"
        )
        lines.append(f"  {s['ship']:<12} {s['phase']:<11} {where}  [{cargo}]{why or ''}")
        if s["task"]:
            lines.append(f"      {s['task']}")
    for f in d["factories"]:
        lines.append(
            f"factory {f['market']} {f['good']}: {f['supply'] or '?'} since {f['awaiting_since']}"
            f" ({f['polls']} polls)"
        )
    for q in d["liquidations"]:
        if q["status"] == "OPEN":
            lines.append(
                f"liquidating {q['units'] - q['sold']} {q['good']} on {q['ship']} "
                f"at {q['market'] or '?'}: {q['reason']}"
            )
    t = d["last_tick"]
    if t:
        reqs = sum(__import__("json").loads(t["requests"]).values())
        lines.append(
            f"last tick #{t['id']} at {_t(t['started_at'])}: {t['outcome']}, "
            f"{t['actions']} actions, {reqs} requests, {t['errors']} errors"
        )
    for e in d["recent_errors"]:
        lines.append(f"error {e['at']} {e['ship']}: {e['message']}")
    return "\n".join(lines)


def tasks_data(store: Store) -> list[dict[str, Any]]:
    deps: dict[str, list[str]] = {}
    for t, d in store.conn.execute("SELECT task_id, depends_on FROM task_deps ORDER BY 1, 2"):
        deps.setdefault(t, []).append(d)
    plan = store.active_plan()
    live = {t.id for t in plan.tasks} if plan else set()
    return [
        {
            "id": r["id"],
            "type": r["type"],
            "pipeline": r["pipeline"],
            "good": r["good"],
            "quantity": r["quantity"],
            "done": r["done_units"],
            "market": r["market"],
            "status": r["status"],
            "ship": r["ship"],
            "depends_on": deps.get(r["id"], []),
            "retries": r["retries"],
            "last_error": r["last_error"],
        }
        for r in store.conn.execute("SELECT * FROM tasks ORDER BY pipeline, id")
        if r["id"] in live
    ]


def render_tasks(rows: list[dict[str, Any]]) -> str:
    out = []
    for r in rows:
        out.append(
            f"{r['status']:<9} {r['type']:<7} {r['done']:>4}/{r['quantity']:<4} {r['good']} "
            f"@{r['market']}  ship {r['ship'] or '-'}  retries {r['retries']}  {r['id']}"
        )
        if r["depends_on"]:
            out.append(f"          after {', '.join(r['depends_on'])}")
        if r["last_error"]:
            out.append(f"          last error: {r['last_error']}")
    return "\n".join(out)


def check(store: Store, client: Any) -> list[str]:
    """The ledger against the agent's credits now, and every unit aboard every ship against
    the live tasks and liquidations that own it. [] when both reconcile."""
    problems = []
    agent = client.agent()
    expected = store.expected_credits()
    if agent.credits != expected:
        t = store.ledger_totals()
        problems.append(
            f"ledger: start {int(store.get('start_credits') or 0):,} + sales {t['SELL']:,} - "
            f"purchases {t['PURCHASE']:,} - fuel {t['FUEL']:,} = {expected:,}, "
            f"but the agent has {agent.credits:,} ({agent.credits - expected:+,})"
        )
    view = store.view(0.0)
    for ship in client.ships():
        if ship.symbol not in view.ships:
            if ship.cargo_units:
                problems.append(f"{ship.symbol}: {ship.cargo_units} units aboard, ship unknown")
            continue
        owned = owned_units(view, ship.symbol)
        for item in ship.cargo:
            if item.units > owned.get(item.symbol, 0):
                problems.append(
                    f"{ship.symbol}: {item.units} {item.symbol} aboard, live tasks and "
                    f"liquidations own {owned.get(item.symbol, 0)}"
                )
    return problems
