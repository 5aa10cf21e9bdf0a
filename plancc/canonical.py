"""A plan in canonical form: the format version this plancc writes, and every list's order.

Pure (no YAML, no files), so the compiler can hand back a canonical plan without importing the
plan-file writer. The order makes a plan file stable under recompiling and small under change:
pipelines by id; tasks grouped by pipeline, in dependency order, ties by id; legs in the order
of their load task; ships by symbol, legs on a ship by start time; rejections by
(good, market, reason); provenance inputs by name. The gap is rounded to 6 places, the
utilisation to 4.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import replace

from plancc.model import Plan, Task

FORMAT_VERSION = 2


def _task_order(tasks: Sequence[Task]) -> list[Task]:
    """Dependency order (Kahn), smallest id first among the ready; a cycle's tasks go last by id."""
    by_id = {t.id: t for t in tasks}
    if len(by_id) < len(tasks):  # duplicate ids (parse_plan rejects them): keep every task
        return sorted(tasks, key=lambda t: t.id)
    waiting = {t.id: len({d for d in t.depends_on if d in by_id}) for t in tasks}
    after: dict[str, list[str]] = {}
    for t in tasks:
        for d in set(t.depends_on):
            if d in by_id:
                after.setdefault(d, []).append(t.id)
    ready = [i for i, n in waiting.items() if n == 0]
    heapq.heapify(ready)
    out: list[str] = []
    while ready:
        nxt = heapq.heappop(ready)
        out.append(nxt)
        for child in after.get(nxt, ()):
            waiting[child] -= 1
            if waiting[child] == 0:
                heapq.heappush(ready, child)
    if len(out) < len(by_id):  # a cycle: parse_plan reports it; keep dumping deterministic
        placed = set(out)
        out.extend(sorted(i for i in by_id if i not in placed))
    return [by_id[i] for i in out]


def canonical_plan(plan: Plan) -> Plan:
    """The same plan with every list in its stable order (see the module docstring)."""
    pipelines = tuple(sorted(plan.pipelines, key=lambda p: p.id))
    pipe_rank = {p.id: i for i, p in enumerate(pipelines)}
    groups: dict[str, list[Task]] = {}
    for t in plan.tasks:
        groups.setdefault(t.pipeline, []).append(t)
    tasks: list[Task] = []
    for name in sorted(groups, key=lambda n: (pipe_rank.get(n, len(pipe_rank)), n)):
        tasks.extend(_task_order(groups[name]))
    task_rank = {t.id: i for i, t in enumerate(tasks)}
    legs = tuple(
        sorted(plan.legs, key=lambda leg: (task_rank.get(leg.load, len(task_rank)), leg.id))
    )
    ships = tuple(
        replace(s, legs=tuple(sorted(s.legs, key=lambda sl: (sl.start_s, sl.end_s, sl.leg))))
        for s in sorted(plan.ships, key=lambda s: s.ship)
    )
    rejected = tuple(sorted(set(plan.rejected), key=lambda r: (r.good, r.market, r.reason)))
    prov = replace(plan.provenance, inputs=dict(sorted(plan.provenance.inputs.items())))
    objective = replace(
        plan.objective,
        gap=round(float(plan.objective.gap), 6),
        utilisation=round(float(plan.objective.utilisation), 4),
    )
    return replace(
        plan,
        provenance=prov,
        objective=objective,
        pipelines=pipelines,
        tasks=tuple(tasks),
        legs=legs,
        ships=ships,
        rejected=rejected,
    )
