"""What ``plancc compile`` prints: the figures a reviewer looks at first, as JSON or a screen."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from plancc.model import Pipeline, Plan, Rejection


def summary(
    plan: Plan, output: str, ships_in_fleet: int, left_out: Sequence[str] = ()
) -> dict[str, Any]:
    """The figures a reviewer looks at first; ``--json`` prints exactly this. ``left_out``:
    what the snapshot held that the compiler did not use (``Snapshot.left_out``)."""
    obj = plan.objective
    return {
        "output": output,
        "status": obj.status,
        "scheduler": obj.scheduler,
        "pipelines": len(plan.pipelines),
        "tasks": len(plan.tasks),
        "legs": len(plan.legs),
        "ships_used": sum(1 for s in plan.ships if s.legs),
        "ships": ships_in_fleet,
        "makespan_s": obj.makespan_s,
        "bound_s": obj.bound_s,
        "gap": obj.gap,
        "expected_cost": obj.expected_cost,
        "expected_revenue": obj.expected_revenue,
        "expected_profit": obj.expected_profit,
        "profit_per_hour": round(obj.profit_per_hour, 1),
        "horizon_s": obj.horizon_s,
        "utilisation": round(obj.utilisation, 4),
        "rejected": len(plan.rejected),
        "left_out": list(left_out),
    }


_RANKED = re.compile(r"ranked #(\d+) ")  # plancc.chain's reason when the pipeline slots are full


def _hms(seconds: int) -> str:
    h, rest = divmod(int(seconds), 3600)
    m, s = divmod(rest, 60)
    return f"{h}h{m:02d}m{s:02d}s" if h else f"{m}m{s:02d}s"


def render_summary(plan: Plan, s: dict[str, Any]) -> str:
    """One screen: the totals, one line per pipeline, the first few rejections."""
    lines = [
        f"wrote {s['output']}: {s['status']} ({s['scheduler']} scheduler)",
        f"  {s['pipelines']} pipelines, {s['tasks']} tasks, {s['legs']} legs, "
        f"{s['ships_used']} of {s['ships']} ships used",
        f"  makespan {_hms(s['makespan_s'])}, bound {_hms(s['bound_s'])}, gap {s['gap']:.1%}",
        f"  haulers {s['utilisation']:.0%} busy over the {_hms(s['horizon_s'])} horizon",
        f"  expected cost {s['expected_cost']:,} cr, revenue {s['expected_revenue']:,} cr, "
        f"profit {s['expected_profit']:,} cr ({s['profit_per_hour']:,.0f} cr/h)",
    ]
    lines += [f"  ! {note}" for note in s.get("left_out", ())]
    shown = 8
    # one line per product and sell market, its batches summed: a horizon holds many batches
    products: dict[tuple[str, str], list[Pipeline]] = {}
    for p in plan.pipelines:
        products.setdefault((p.product, p.sell_market), []).append(p)
    for (product, market), batches in list(products.items())[:shown]:
        cost = sum(p.expected_cost for p in batches)
        revenue = sum(p.expected_revenue for p in batches)
        name = batches[0].id if len(batches) == 1 else f"{product}@{market} x{len(batches)} batches"
        lines.append(
            f"  + {name}: {sum(p.quantity for p in batches)} {product} -> {market}, "
            f"cost {cost:,}, revenue {revenue:,}, profit {revenue - cost:,}"
        )
    if len(products) > shown:
        lines.append(f"  ... and {len(products) - shown} more products (see the plan file)")

    # reasons a player can act on first; "ranked #n ... policy allows k" only says the slots
    # were full, so those come last, best-ranked first
    def rank(r: Rejection) -> tuple[int, int]:
        m = _RANKED.match(r.reason)
        return (1, int(m.group(1))) if m else (0, 0)

    for r in sorted(plan.rejected, key=rank)[:shown]:
        lines.append(f"  - {r.good}{'@' + r.market if r.market else ''}: {r.reason}")
    if len(plan.rejected) > shown:
        lines.append(f"  ... and {len(plan.rejected) - shown} more rejected (see the plan file)")
    return "\n".join(lines)
