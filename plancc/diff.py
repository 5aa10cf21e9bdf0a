"""Plan-to-plan diff: what changed between two compiled plans, and why it matters.

``diff_plans(old, new)`` is pure: two ``Plan`` objects in, a frozen ``PlanDiff`` out. Items are
matched by their content-derived ids (pipelines, tasks, legs, ships), so a recompile after a
small change in the inputs yields a small diff. Every item change is classified:

- **direct**: the item's own inputs changed (its market, quantity, price, chain, ...), or it
  was added or removed;
- **indirect**: the item itself is the same, but the scheduler moved it to another ship or
  re-timed it as a consequence of other changes (``reason`` names the likely cause).

Time shifts of a scheduled leg at or under ``time_threshold_s`` are not reported (they are
counted in ``hidden_time_shifts``), so re-timing noise does not drown a review.

The renderers (text, JSON, HTML) are ``plancc.render.diff``'s; this module only compares.

    >>> d = diff_plans(old_plan, new_plan)
    >>> print(render_text(d))          # doctest: +SKIP   (from plancc.render.diff)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from plancc.model import ChainNode, Leg, Objective, Pipeline, Plan, Rejection, ScheduledLeg, Task
from plancc.render.fmt import Scalar, fmt_duration, fmt_goods

Op = Literal["+", "-", "~"]
Cause = Literal["direct", "indirect"]


@dataclass(frozen=True)
class FieldChange:
    """One field of an item, before and after (``None`` when absent on that side)."""

    field: str
    old: Scalar
    new: Scalar


@dataclass(frozen=True)
class ItemChange:
    """One added (+), removed (-) or changed (~) item of a plan.

    ``kind`` is "pipeline", "task", "leg", "ship" or "rejection". ``what`` tags the kind of
    change for counting and grouping ("quantity", "market", "chain", "expected", "moved",
    "retimed", "rerouted" (other refuel stops), ...). ``detail`` describes an added or removed item in one line.
    """

    kind: str
    op: Op
    id: str
    cause: Cause
    what: tuple[str, ...] = ()
    fields: tuple[FieldChange, ...] = ()
    detail: str = ""
    reason: str = ""
    pipeline: str = ""  # owning pipeline id, for tasks and legs

    @property
    def moved(self) -> bool:
        return "moved" in self.what

    @property
    def retimed(self) -> bool:
        return "retimed" in self.what


@dataclass(frozen=True)
class ObjectiveDelta:
    """The plan-level numbers, old and new, with the fields that differ."""

    old: Objective
    new: Objective
    fields: tuple[FieldChange, ...]

    @property
    def profit_delta(self) -> int:
        return self.new.expected_profit - self.old.expected_profit

    @property
    def profit_per_hour_delta(self) -> float:
        return self.new.profit_per_hour - self.old.profit_per_hour

    @property
    def makespan_delta_s(self) -> int:
        return self.new.makespan_s - self.old.makespan_s


@dataclass(frozen=True)
class PlanDiff:
    """Everything ``diff_plans`` found; empty tuples and no objective fields mean "same"."""

    objective: ObjectiveDelta
    inputs: tuple[FieldChange, ...]  # input name -> hash; also snapshot_time, plancc_version
    snapshot_shift_s: int  # new snapshot time minus old, in seconds
    pipelines: tuple[ItemChange, ...]
    tasks: tuple[ItemChange, ...]
    legs: tuple[ItemChange, ...]
    ships: tuple[ItemChange, ...]
    rejected: tuple[ItemChange, ...]
    time_threshold_s: int
    hidden_time_shifts: int = 0  # legs re-timed by at most the threshold, not reported
    collapsed: frozenset[str] = field(default_factory=frozenset)  # added/removed pipeline ids

    @property
    def items(self) -> tuple[ItemChange, ...]:
        return self.pipelines + self.tasks + self.legs + self.ships + self.rejected

    @property
    def changed(self) -> bool:
        return bool(self.objective.fields or self.inputs or self.items)

    def count(self, kind: str, op: Op | None = None, tag: str | None = None) -> int:
        """How many reported items of ``kind`` (not inside an added/removed pipeline)."""
        return sum(
            1
            for c in self.items
            if c.kind == kind
            and (op is None or c.op == op)
            and (tag is None or tag in c.what)
            and not (kind in ("task", "leg") and c.pipeline in self.collapsed)
        )


# ---------------------------------------------------------------------------------------------
# diff_plans


def diff_plans(old: Plan, new: Plan, *, time_threshold_s: int = 60) -> PlanDiff:
    """Compare two plans item by item (matched by id); pure, deterministic order."""
    pipelines = _diff_pipelines(old.pipelines, new.pipelines)
    collapsed = frozenset(c.id for c in pipelines if c.op in "+-")
    tasks = _diff_tasks(old.tasks, new.tasks)
    changed_tasks = {c.id for c in tasks}
    legs, hidden = _diff_legs(old, new, changed_tasks, time_threshold_s)
    inputs, shift = _diff_inputs(old, new)
    return PlanDiff(
        objective=_diff_objective(old.objective, new.objective),
        inputs=inputs,
        snapshot_shift_s=shift,
        pipelines=pipelines,
        tasks=tasks,
        legs=legs,
        ships=_diff_ships(old, new),
        rejected=_diff_rejected(old.rejected, new.rejected),
        time_threshold_s=time_threshold_s,
        hidden_time_shifts=hidden,
        collapsed=collapsed,
    )


def _fields(old: Mapping[str, Scalar], new: Mapping[str, Scalar]) -> tuple[FieldChange, ...]:
    """The keys whose values differ, in the order of ``old`` then new-only keys."""
    keys = list(old) + [k for k in new if k not in old]
    return tuple(FieldChange(k, old.get(k), new.get(k)) for k in keys if old.get(k) != new.get(k))


def _diff_objective(old: Objective, new: Objective) -> ObjectiveDelta:
    def row(o: Objective) -> dict[str, Scalar]:
        return {
            "expected_profit": o.expected_profit,
            "profit_per_hour": round(o.profit_per_hour, 1),
            "expected_cost": o.expected_cost,
            "expected_revenue": o.expected_revenue,
            "makespan_s": o.makespan_s,
            "bound_s": o.bound_s,
            "gap": round(o.gap, 4),
            "status": o.status,
            "scheduler": o.scheduler,
        }

    return ObjectiveDelta(old, new, _fields(row(old), row(new)))


def _diff_inputs(old: Plan, new: Plan) -> tuple[tuple[FieldChange, ...], int]:
    po, pn = old.provenance, new.provenance
    hashes = _fields(
        {k: po.inputs[k] for k in sorted(po.inputs)}, {k: pn.inputs[k] for k in sorted(pn.inputs)}
    )
    meta = _fields(
        {
            "snapshot_time": po.snapshot_time.isoformat(),
            "system": po.system,
            "plancc_version": po.plancc_version,
        },
        {
            "snapshot_time": pn.snapshot_time.isoformat(),
            "system": pn.system,
            "plancc_version": pn.plancc_version,
        },
    )
    shift = int((pn.snapshot_time - po.snapshot_time).total_seconds())
    return hashes + meta, shift


# -- pipelines ----------------------------------------------------------------------------------


def _flatten_chain(node: ChainNode, path: str = "") -> dict[str, ChainNode]:
    """Chain nodes by goods path ("LASER_RIFLES/DIAMONDS"); a repeated sibling gets "#2"."""
    path = path or node.good
    out = {path: node}
    seen: dict[str, int] = {}
    for child in node.children:
        seen[child.good] = seen.get(child.good, 0) + 1
        key = child.good if seen[child.good] == 1 else f"{child.good}#{seen[child.good]}"
        out.update(_flatten_chain(child, f"{path}/{key}"))
    return out


def _node_text(n: ChainNode) -> str:
    text = f"{n.method} {n.quantity} @ {n.market} {n.unit_price:,}/u"
    if n.supply:
        text += f" ({n.supply})"
    if n.unload_price:
        text += f", unloads at {n.unload_price:,}/u"
    return text


def _pipeline_row(p: Pipeline) -> dict[str, Scalar]:
    return {
        "product": p.product,
        "sell_market": p.sell_market,
        "quantity": p.quantity,
        "sell_price": p.sell_price,
        "expected_cost": p.expected_cost,
        "expected_revenue": p.expected_revenue,
        "expected_profit": p.expected_profit,
    }


_PIPELINE_TAGS = {
    "product": "product",
    "sell_market": "market",
    "quantity": "quantity",
    "sell_price": "price",
    "expected_cost": "expected",
    "expected_revenue": "expected",
    "expected_profit": "expected",
}


def _diff_pipelines(old: Sequence[Pipeline], new: Sequence[Pipeline]) -> tuple[ItemChange, ...]:
    o, n = {p.id: p for p in old}, {p.id: p for p in new}
    out: list[ItemChange] = []
    for pid in sorted(set(o) | set(n)):
        if pid not in n:
            out.append(ItemChange("pipeline", "-", pid, "direct", detail=_pipeline_detail(o[pid])))
        elif pid not in o:
            out.append(ItemChange("pipeline", "+", pid, "direct", detail=_pipeline_detail(n[pid])))
        else:
            fields = list(_fields(_pipeline_row(o[pid]), _pipeline_row(n[pid])))
            tags = [_PIPELINE_TAGS[f.field] for f in fields]
            oc, nc = _flatten_chain(o[pid].chain), _flatten_chain(n[pid].chain)
            chain = _fields(
                {f"chain {k}": _node_text(v) for k, v in oc.items()},
                {f"chain {k}": _node_text(v) for k, v in nc.items()},
            )
            if chain:
                fields.extend(chain)
                tags.append("chain")
            if fields:
                out.append(
                    ItemChange(
                        "pipeline",
                        "~",
                        pid,
                        "direct",
                        what=tuple(dict.fromkeys(tags)),
                        fields=tuple(fields),
                    )
                )
    return tuple(out)


def _pipeline_detail(p: Pipeline) -> str:
    return (
        f"{p.quantity} {p.product} -> {p.sell_market} @ {p.sell_price:,}/u; "
        f"cost {p.expected_cost:,}, revenue {p.expected_revenue:,}, "
        f"profit {p.expected_profit:+,}"
    )


# -- tasks --------------------------------------------------------------------------------------


def _task_row(t: Task) -> dict[str, Scalar]:
    return {
        "type": t.type,
        "pipeline": t.pipeline,
        "good": t.good,
        "quantity": t.quantity,
        "market": t.market,
        "unit_price": t.unit_price,
        "lag_s": t.lag_s,
        "depends_on": ", ".join(sorted(t.depends_on)),
    }


_TASK_TAGS = {
    "type": "type",
    "pipeline": "pipeline",
    "good": "good",
    "quantity": "quantity",
    "market": "market",
    "unit_price": "price",
    "lag_s": "lag",
    "depends_on": "depends_on",
}


def _task_detail(t: Task) -> str:
    return f"{t.type} {t.quantity} {t.good} @ {t.market} {t.unit_price:,}/u"


def _diff_tasks(old: Sequence[Task], new: Sequence[Task]) -> tuple[ItemChange, ...]:
    o, n = {t.id: t for t in old}, {t.id: t for t in new}
    out: list[ItemChange] = []
    for tid in sorted(set(o) | set(n)):
        if tid not in n:
            t = o[tid]
            out.append(
                ItemChange("task", "-", tid, "direct", detail=_task_detail(t), pipeline=t.pipeline)
            )
        elif tid not in o:
            t = n[tid]
            out.append(
                ItemChange("task", "+", tid, "direct", detail=_task_detail(t), pipeline=t.pipeline)
            )
        else:
            fields = _fields(_task_row(o[tid]), _task_row(n[tid]))
            if fields:
                out.append(
                    ItemChange(
                        "task",
                        "~",
                        tid,
                        "direct",
                        what=tuple(dict.fromkeys(_TASK_TAGS[f.field] for f in fields)),
                        fields=fields,
                        pipeline=n[tid].pipeline,
                    )
                )
    return tuple(out)


# -- legs ---------------------------------------------------------------------------------------


def _scheduled(plan: Plan) -> dict[str, ScheduledLeg]:
    return {sl.leg: sl for sp in plan.ships for sl in sp.legs}


def _leg_row(leg: Leg) -> dict[str, Scalar]:
    row: dict[str, Scalar] = {
        "good": leg.good,
        "quantity": leg.quantity,
        "load": leg.load,
        "unload": leg.unload,
    }
    if leg.also:  # a shared leg: what else it carries, one field a reviewer can read
        row["also"] = fmt_goods(leg.also)
    return row


def _stops(stops: Sequence[str]) -> str:
    """Refuel stops as one field value: "A > B", or "direct"."""
    return " > ".join(stops) or "direct"


def _leg_detail(leg: Leg, sl: ScheduledLeg | None) -> str:
    where = f" on {sl.ship} at {fmt_duration(sl.start_s)}..{fmt_duration(sl.end_s)}" if sl else ""
    also = f" with {fmt_goods(leg.also)}" if leg.also else ""
    return f"{leg.quantity} {leg.good}{also}: {leg.load} -> {leg.unload}{where}"


def _upstream(task_ids: Iterable[str], tasks: Mapping[str, Task]) -> list[str]:
    """All tasks the given ones depend on, transitively, in a stable order."""
    seen: dict[str, None] = {}
    stack = list(task_ids)
    while stack:
        t = tasks.get(stack.pop())
        if t is None:
            continue
        for dep in sorted(t.depends_on):
            if dep not in seen:
                seen[dep] = None
                stack.append(dep)
    return sorted(seen)


def _diff_legs(
    old: Plan, new: Plan, changed_tasks: set[str], threshold: int
) -> tuple[tuple[ItemChange, ...], int]:
    o, n = {leg.id: leg for leg in old.legs}, {leg.id: leg for leg in new.legs}
    so, sn = _scheduled(old), _scheduled(new)
    new_tasks = {t.id: t for t in new.tasks}
    # legs whose own content changed: the seeds of indirect changes on their ships
    direct_legs: dict[str, str] = {}  # leg id -> "new", "removed" or "changed"
    out: list[ItemChange] = []
    pending: list[tuple[str, list[FieldChange], list[str]]] = []
    hidden = 0
    for lid in sorted(set(o) | set(n)):
        if lid not in n:
            out.append(
                ItemChange(
                    "leg",
                    "-",
                    lid,
                    "direct",
                    detail=_leg_detail(o[lid], so.get(lid)),
                    pipeline=o[lid].pipeline,
                )
            )
            direct_legs[lid] = "removed"
            continue
        if lid not in o:
            out.append(
                ItemChange(
                    "leg",
                    "+",
                    lid,
                    "direct",
                    detail=_leg_detail(n[lid], sn.get(lid)),
                    pipeline=n[lid].pipeline,
                )
            )
            direct_legs[lid] = "new"
            continue
        fields = list(_fields(_leg_row(o[lid]), _leg_row(n[lid])))
        tags = ["content"] if fields else []
        if n[lid].load in changed_tasks or n[lid].unload in changed_tasks:
            tags.append("tasks")
        a, b = so.get(lid), sn.get(lid)
        if (a.ship if a else None) != (b.ship if b else None):
            fields.append(FieldChange("ship", a.ship if a else None, b.ship if b else None))
            tags.append("moved")
        if a and b:
            shifts = [
                FieldChange(name, getattr(a, name), getattr(b, name))
                for name in ("start_s", "end_s")
                if getattr(a, name) != getattr(b, name)
            ]
            if any(abs(int(f.new or 0) - int(f.old or 0)) > threshold for f in shifts):
                fields.extend(shifts)
                tags.append("retimed")
            elif shifts:
                hidden += 1
            routes = [
                FieldChange(name, _stops(getattr(a, name)), _stops(getattr(b, name)))
                for name in ("refuel_to_load", "refuel_to_unload")
                if getattr(a, name) != getattr(b, name)
            ]
            if routes:  # the runner flies another route: worth a look even when on time
                fields.extend(routes)
                tags.append("rerouted")
        if "content" in tags or "tasks" in tags:
            direct_legs[lid] = (
                "changed"  # a cause for its neighbours even when only its tasks changed
            )
        if not fields:
            continue  # the changed tasks are reported as tasks
        pending.append((lid, fields, tags))
    for lid, fields, tags in pending:
        direct = "content" in tags or "tasks" in tags
        reason = (
            ""
            if direct
            else _indirect_reason(lid, n[lid], new_tasks, changed_tasks, direct_legs, so, sn)
        )
        out.append(
            ItemChange(
                "leg",
                "~",
                lid,
                "direct" if direct else "indirect",
                what=tuple(dict.fromkeys(tags)),
                fields=tuple(fields),
                reason=reason,
                pipeline=n[lid].pipeline,
            )
        )
    out.sort(key=lambda c: c.id)
    return tuple(out), hidden


def _indirect_reason(
    lid: str,
    leg: Leg,
    tasks: Mapping[str, Task],
    changed_tasks: set[str],
    direct_legs: Mapping[str, str],
    so: Mapping[str, ScheduledLeg],
    sn: Mapping[str, ScheduledLeg],
) -> str:
    """A short, best-effort cause: a changed task it waits on, else a changed leg on its ship."""
    upstream = [t for t in _upstream((leg.load, leg.unload), tasks) if t in changed_tasks]
    if upstream:
        more = f" (+{len(upstream) - 1} more)" if len(upstream) > 1 else ""
        return f"waits on changed task {upstream[0]}{more}"
    ships = {s.ship for s in (so.get(lid), sn.get(lid)) if s}
    neighbours: list[tuple[str, str]] = []  # (leg, the ship it shares with this one)
    for other in sorted(direct_legs):
        if other == lid:
            continue
        where = so.get(other) if direct_legs[other] == "removed" else sn.get(other)
        if where is not None and where.ship in ships:
            neighbours.append((other, where.ship))
    if neighbours:
        other, ship = neighbours[0]
        more = f" (+{len(neighbours) - 1} more)" if len(neighbours) > 1 else ""
        phrase = {"new": "now also runs new leg", "removed": "no longer runs leg"}.get(
            direct_legs[other], "also runs changed leg"
        )
        return f"{ship} {phrase} {other}{more}"
    return "rescheduled"


# -- ships and rejections -----------------------------------------------------------------------


def _diff_ships(old: Plan, new: Plan) -> tuple[ItemChange, ...]:
    o, n = {s.ship: s for s in old.ships}, {s.ship: s for s in new.ships}
    out: list[ItemChange] = []
    for sid in sorted(set(o) | set(n)):
        if sid not in n:
            out.append(ItemChange("ship", "-", sid, "direct", detail=f"{len(o[sid].legs)} legs"))
        elif sid not in o:
            out.append(ItemChange("ship", "+", sid, "direct", detail=f"{len(n[sid].legs)} legs"))
        elif o[sid].pinned != n[sid].pinned:
            out.append(
                ItemChange(
                    "ship",
                    "~",
                    sid,
                    "direct",
                    what=("pinned",),
                    fields=(FieldChange("pinned", o[sid].pinned, n[sid].pinned),),
                )
            )
    return tuple(out)


def _diff_rejected(old: Sequence[Rejection], new: Sequence[Rejection]) -> tuple[ItemChange, ...]:
    o = {f"{r.good}@{r.market}": r.reason for r in old}
    n = {f"{r.good}@{r.market}": r.reason for r in new}
    out: list[ItemChange] = []
    for rid in sorted(set(o) | set(n)):
        if rid not in n:
            out.append(ItemChange("rejection", "-", rid, "direct", detail=o[rid]))
        elif rid not in o:
            out.append(ItemChange("rejection", "+", rid, "direct", detail=n[rid]))
        elif o[rid] != n[rid]:
            out.append(
                ItemChange(
                    "rejection",
                    "~",
                    rid,
                    "direct",
                    what=("reason",),
                    fields=(FieldChange("reason", o[rid], n[rid]),),
                )
            )
    return tuple(out)
