"""One pass of the closed loop (``plancc loop``, every ~15 minutes from cron).

    result = loop_once(state_path, client, clock_now, settings)

Under the runner's lock (a tick that starts meanwhile exits at once and the next one goes on):
1. probes read the stale markets they reached and fly to the next stale ones (scouting);
2. a snapshot from state (latest prices seen) and the API (fleet, credits);
3. figures learned from the state's history replace the policy defaults where there are enough
   observations: each market's own (its factory's production lag, its price impact per lot
   at each supply level, its recovery half-life), and pooled over the system for the rest;
   the plan's provenance lists them with their counts;
4. paused products come out of the plan; products whose realised margin stayed low are paused,
   paused ones whose fresh margin is healthy resume (each change is an event saying why);
5. compile with the active plan as hint; pipelines already under way are pinned (their legs
   stay first on their ships, a fed factory keeps its COLLECT);
6. apply only when the new plan beats the active one by ``threshold``; the changes applied, or
   why not, go to the events table (kind ``loop``) and to the result.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from plancc.loop import history
from plancc.loop.learn import Learned, learn, market_figures, market_provenance, policy_figures
from plancc.loop.merge import (
    apart_from,
    deferred,
    fresh_names,
    fresh_only,
    pinned,
    renamed_id,
    without_products,
)
from plancc.loop.pause import Change, Paused, PauseRule, pause_changes
from plancc.loop.scout import assign_scouts, stale_markets
from plancc.loop.statesnap import plannable_ships, snapshot_from_state
from plancc.loop.verdict import Score, verdict
from runner import lock
from runner.actions import restore_limiter, save_limiter
from runner.decide import owned_units
from runner.planview import PlanView
from runner.state import Store


@dataclass(frozen=True)
class LoopSettings:
    out_dir: Path  # where the loop writes its snapshot and candidate plans
    # None: the policy's loop_apply_threshold / (min_margin, pause_window_s) / max_snapshot_age_s
    threshold: float | None = None  # a new plan must earn this much more per hour to replace
    pause: PauseRule | None = None
    max_snapshot_age_s: float | None = None
    min_observations: int = 3  # a learned figure needs this many observations
    recipes: tuple[str, ...] = ()
    policy: str | None = None
    scheduler: str = "cpsat"
    time_limit_s: float = 5.0
    scout: bool = True
    learn: bool = True  # replace policy defaults by learned figures
    auto_pause: bool = True
    # a COLLECT not begun whose factory is short of the collect level goes last on its ship
    defer_waiting: bool = True
    policy_overrides: tuple[tuple[str, Any], ...] = ()  # (policy field, value), e.g. benchmarks
    # reshape the compiled plan before apply (the benchmark's serial strategy); gets the Plan
    shape: Callable[[Any, PlanView], PlanView] | None = None


@dataclass
class LoopResult:
    outcome: str  # applied, kept, locked
    reason: str = ""
    changes: list[str] = field(default_factory=list)
    pauses: list[Change] = field(default_factory=list)
    learned: dict[str, dict[str, float | int]] = field(default_factory=dict)
    scouted: dict[str, str] = field(default_factory=dict)
    plan_path: Path | None = None
    requests: int = 0


def loop_once(state_path: Path, client: Any, now: float, settings: LoopSettings) -> LoopResult:
    try:
        with lock.exclusive(state_path):
            store = Store.open(state_path, create=False)
            try:
                # the loop's requests share the server's limits with the ticks': one budget
                restore_limiter(store, client)
                before = client.total_requests
                try:
                    result = _loop(store, client, now, settings)
                finally:
                    save_limiter(store, client)
                result.requests = client.total_requests - before
                return result
            finally:
                store.close()
    except lock.LockHeld as exc:
        return LoopResult("locked", f"{exc}: this loop exits")


def _loop(store: Store, client: Any, now: float, settings: LoopSettings) -> LoopResult:
    from plancc.compile import compile_plan
    from plancc.inputs import POLICY_NAME, bundled_recipes_dir, input_hashes, recipe_files
    from plancc.load import load_policy, load_recipes, load_snapshot
    from plancc.planfile import dump_plan, load_plan
    from plancc.snapshot import write_snapshot
    from runner.apply import apply_plan, server_view
    from runner.planview import read_plan

    out = settings.out_dir
    out.mkdir(parents=True, exist_ok=True)
    recipes = recipe_files(settings.recipes or (str(bundled_recipes_dir()),))
    policy_path = Path(settings.policy) if settings.policy else bundled_recipes_dir() / POLICY_NAME
    policy = load_policy(policy_path)
    if settings.policy_overrides:
        policy = replace(policy, **dict(settings.policy_overrides))
    threshold = policy.loop_apply_threshold if settings.threshold is None else settings.threshold
    rule = settings.pause or PauseRule(policy.min_margin, float(policy.pause_window_s))
    max_age = settings.max_snapshot_age_s or float(policy.max_snapshot_age_s)
    scouted = scout(store, client, now, max_age) if settings.scout else {}

    snap = snapshot_from_state(store, client, now)
    # work in flight is pinned: its ships are not re-planned, and its pipelines count against
    # the policy's limit; cargo no leg or liquidation owns is planned as cargo aboard
    active = store.flown_plan()
    started = history.started_pipelines(store)
    # a COLLECT not begun whose factory is short of the collect level holds no ship: it goes
    # last on its ship, and the ship is free for new work meanwhile
    waiting = (
        history.waiting_collects(store, started, policy.collect_supply_level)
        if settings.defer_waiting
        else set()
    )
    busy = history.busy_ships(store, started, waiting)
    view = store.view(now)
    owned = {s: owned_units(view, s) for s in view.ships}
    snap["ships"] = plannable_ships(snap["ships"], busy, owned)
    snap_path = out / "loop-snapshot.json"
    write_snapshot(snap, snap_path)
    free = [s["symbol"] for s in snap["ships"] if s["cargo"]["capacity"] > 0]

    since = now - policy.learn_window_s  # older history is neither read nor current
    learned = (
        learn(
            history.observations(store, since),
            history.trades(store, since),
            history.feeds(store, since),
            min_count=settings.min_observations,
        )
        if settings.learn
        else Learned()
    )
    # max_pipelines is an optional cap (0: none); the horizon and the budget size the plan
    slots = policy.max_pipelines - len(started) if policy.max_pipelines else sys.maxsize
    if not free or slots <= 0:
        reason = (
            f"all haulers are busy with work in flight ({len(started)} pipelines under way)"
            if not free
            else f"{len(started)} pipelines under way fill the policy's {policy.max_pipelines}"
        )
        store.log(now, "loop", f"kept the active plan: {reason}")
        changes = _defer(store, client, now, active, waiting)
        return LoopResult("kept", reason, changes, [], {}, scouted, None)
    # room for the candidates that will clash with work in flight (same product and market)
    if policy.max_pipelines:
        policy = replace(policy, max_pipelines=slots + len(started))
    figures = policy_figures(learned)
    if figures:
        values: dict[str, Any] = {k: f.value for k, f in figures.items()}
        if "production_lag_s" in values:
            values["production_lag_s"] = round(values["production_lag_s"])
        policy = replace(policy, **values)
    provenance = {
        k: {"value": round(f.value, 4), "observations": f.count} for k, f in figures.items()
    } | market_provenance(learned, policy)
    policy = replace(policy, market_figures=market_figures(learned, policy))

    hint_path = store.get("loop_plan_path")
    hint = load_plan(hint_path) if hint_path and Path(hint_path).exists() else None
    plan = compile_plan(
        load_recipes(recipes),
        policy,
        load_snapshot(snap_path),
        inputs=input_hashes(recipes, policy_path, snap_path),
        scheduler=settings.scheduler,
        time_limit_s=settings.time_limit_s,
        hint=hint,
    )
    plan = replace(plan, provenance=replace(plan.provenance, learned=provenance))
    seq = int(store.get("loop_count") or 0) + 1
    plan_path = out / f"loop-{seq:04d}.yaml"
    plan_path.write_text(dump_plan(plan), encoding="utf-8")
    store.put(loop_count=seq)

    # pause / resume
    paused = _paused(store)
    resumed_at = json.loads(store.get("loop_resumed_at") or "{}")
    read_at = store.market_read_at()
    margins = {
        p.product: (
            (p.expected_revenue - p.expected_cost) / p.expected_cost,
            min(
                (read_at.get(t.market, -1e18) for t in plan.tasks if t.pipeline == p.id),
                default=-1e18,
            ),
        )
        for p in plan.pipelines
        if p.expected_cost > 0
    }
    pauses = (
        pause_changes(history.outcomes(store), paused, margins, now, rule, resumed_at=resumed_at)
        if settings.auto_pause
        else []
    )
    for ch in pauses:
        if ch.action == "pause":
            paused[ch.product] = Paused(ch.product, now, ch.reason)
        else:
            paused.pop(ch.product, None)
            resumed_at[ch.product] = now
        store.log(now, f"product-{ch.action}", f"{ch.product}: {ch.reason}")
    store.put(
        loop_paused=json.dumps({k: [v.since, v.reason] for k, v in sorted(paused.items())}),
        loop_resumed_at=json.dumps(resumed_at, sort_keys=True),
    )

    candidate = without_products(read_plan(plan_path), set(paused))
    if active is not None:
        candidate = fresh_only(active, started, candidate, slots)
    if settings.shape is not None:
        candidate = settings.shape(plan, candidate)
    # the same trade planned again after its pipeline ended gets a new id: under the old one
    # apply would carry the ended tasks' status over and the runner would never fly it
    ended = _ended(store)
    names = fresh_names(candidate, ended, str(seq))
    candidate = apart_from(candidate, ended, str(seq))
    fresh_profit = sum(p.expected_revenue - p.expected_cost for p in candidate.pipelines)
    full = max(1, plan.objective.expected_profit)
    cand_score = Score(
        plan.objective.profit_per_hour * max(0, fresh_profit) / full,
        fresh_profit,
        len(candidate.pipelines),
    )
    v = verdict(_active_score(store, active, started), cand_score, threshold)
    learned_note = _describe(learned) if not learned.empty else "no learned figures yet"
    if not v.apply:
        store.log(now, "loop", f"kept the active plan: {v.reason}; {learned_note}")
        changes = _defer(store, client, now, active, waiting)
        return LoopResult("kept", v.reason, changes, pauses, provenance, scouted, plan_path)

    merged = pinned(active, started, candidate, waiting) if active is not None else candidate
    changes = apply_plan(store, merged, server_view(client), now, source=str(plan_path))
    store.put(
        loop_plan_path=str(plan_path),
        loop_score=json.dumps(
            [cand_score.profit_per_hour, cand_score.expected_profit, cand_score.pipelines]
        ),
    )
    spans = planned_spans(plan, merged, names)
    store.put(**{f"planned:{merged.plan_id}": json.dumps(spans)})
    store.log(
        now, "loop", f"applied {plan_path.name}: {v.reason}; {learned_note}\n" + "\n".join(changes)
    )
    return LoopResult("applied", v.reason, changes, pauses, provenance, scouted, plan_path)


def _defer(store: Store, client: Any, now: float, active: Any, waiting: set[str]) -> list[str]:
    """The active plan kept, but its COLLECTs waiting on a factory moved last on their ships
    (so the legs queued behind them are flown meanwhile); re-applied only if that moves one."""
    from runner.apply import apply_plan, server_view

    if active is None or not waiting:
        return []
    moved = deferred(active, waiting)
    if moved is active:
        return []
    changes = apply_plan(store, moved, server_view(client), now, source="loop: deferred collects")
    store.log(now, "loop", "COLLECTs waiting on their factory moved last on their ships")
    return changes


def _ended(store: Store) -> set[str]:
    """Ids of the pipelines that completed or failed."""
    return {r[0] for r in store.conn.execute("SELECT id FROM pipelines WHERE status != 'ACTIVE'")}


def _paused(store: Store) -> dict[str, Paused]:
    raw = json.loads(store.get("loop_paused") or "{}")
    return {k: Paused(k, float(v[0]), str(v[1])) for k, v in raw.items()}


def paused_products(store: Store) -> dict[str, Paused]:
    return _paused(store)


def _active_score(store: Store, active: Any, started: set[str]) -> Score | None:
    """What the active plan still has to earn: its applied rate, scaled to the expected profit
    of its pipelines not yet started."""
    if active is None:
        return None
    statuses = {r[0]: r[1] for r in store.conn.execute("SELECT id, status FROM pipelines")}
    todo = [p for p in active.pipelines if statuses.get(p.id) == "ACTIVE" and p.id not in started]
    profit = sum(p.expected_revenue - p.expected_cost for p in todo)
    raw = store.get("loop_score")
    rate, total, _ = json.loads(raw) if raw else (0.0, 0, 0)
    if not raw:  # applied by hand: take the plan at face value
        total = sum(p.expected_revenue - p.expected_cost for p in active.pipelines)
        rate = float(total)
    return Score(rate * profit / total if total > 0 else 0.0, profit, len(todo))


def _describe(learned: Learned) -> str:
    parts = []
    for kind, table in learned.provenance().items():
        n = sum(int(v["observations"]) for v in table.values())
        parts.append(f"{kind}: {len(table)} learned from {n} observations")
    return "learned " + "; ".join(parts)


def planned_spans(
    plan: Any, view: Any, names: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """The plan's schedule as spans (epoch seconds), for the run report's plan lane;
    ``names``: the plan's pipelines renamed in ``view`` (``merge.fresh_names``)."""
    epoch = plan.provenance.snapshot_time.timestamp()
    legs = {leg.id: leg for leg in plan.legs}
    tasks = {t.id: t for t in plan.tasks}
    kept = {leg.id for leg in view.legs}
    out = []
    for sp in plan.ships:
        for sl in sp.legs:
            if renamed_id(sl.leg, names or {}) not in kept:
                continue
            leg = legs[sl.leg]
            mid = sl.load_s + (sl.end_s - sl.unload_s)
            for task_id, a, b in ((leg.load, sl.start_s, mid), (leg.unload, mid, sl.end_s)):
                t = tasks[task_id]
                out.append(
                    {
                        "ship": sp.ship,
                        "start": epoch + a,
                        "end": epoch + b,
                        "kind": t.type,
                        "label": "+".join(g.good for g in leg.parts),  # a shared leg: all
                    }
                )
    return out


def scout(store: Store, client: Any, now: float, max_age_s: float) -> dict[str, str]:
    """Probes at a market read it; idle probes fly to the stalest markets. Returns orders."""
    from runner import scouting
    from runner.observe import quotes_of

    ships = client.ships_json()
    probes = {
        s["symbol"]: s
        for s in ships
        if s.get("registration", {}).get("role") == "SATELLITE" or s["cargo"]["capacity"] == 0
    }
    if not probes:
        return {}
    from plancc.loop.statesnap import static_from_api

    hq = str(client.agent_json().get("headquarters", ""))
    static = static_from_api(store, client, hq.rsplit("-", 1)[0])
    coords = {w["symbol"]: (float(w["x"]), float(w["y"])) for w in static["waypoints"]}
    markets = [m["symbol"] for m in static["markets"]]
    system = static["system"]
    read = store.market_read_at()
    idle, position, heading = [], {}, []
    for sym, s in sorted(probes.items()):
        nav = s["nav"]
        at = nav["waypointSymbol"]
        arrival = nav.get("route", {}).get("arrival", "")
        if nav["status"] == "IN_TRANSIT" and arrival and _epoch(arrival) > now:
            heading.append(at)
            continue
        position[sym] = at
        idle.append(sym)
        if at in markets and now - read.get(at, -1e18) > max_age_s / 2:
            market = client.market(system, at)
            with store.tx() as c:
                store.observe_market(c, at, now, quotes_of(market, now), by=sym)
            read[at] = now
    stale = stale_markets(markets, read, now, max_age_s)
    orders = assign_scouts(idle, stale, position, coords, taken=heading)
    # the ticks between passes take each probe on from where it arrives (runner.scouting)
    with store.tx() as c:
        store.put_coords(c, {m: (int(coords[m][0]), int(coords[m][1])) for m in markets})
    kept = scouting.load(store)
    plan = scouting.Scouting(tuple(sorted(markets)), max_age_s, kept.orders if kept else ())
    for probe, target in orders.items():
        if probes[probe]["nav"]["status"] == "DOCKED":
            client.orbit(probe)
        flown = client.navigate(probe, target)
        arrival = flown.nav.arrival.timestamp() if flown.nav.arrival else now
        plan = plan.with_order(scouting.Order(probe, target, arrival), probe)
        store.log(now, "scout", f"{probe} flies to {target} (prices stale)", ship=probe)
    for probe in idle:
        if probe not in orders:
            plan = plan.with_order(scouting.parked(plan, probe, position[probe], read, now), probe)
    scouting.save(store, plan)
    return orders


def _epoch(text: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
