"""The plan diff for people and tools: text (terminal, code review), JSON and an HTML page.

All pure (a ``PlanDiff`` in, text out). ``render_json`` is one object with ``format_version``
in a stable order; ``render_diff_html`` a self-contained page (no network, no JS) from the
templates in ``plancc/render/templates``.

    >>> print(render_text(diff_plans(old_plan, new_plan)))   # doctest: +SKIP
"""

from __future__ import annotations

import json

from plancc.diff import ItemChange, Op, PlanDiff
from plancc.model import Objective
from plancc.render.fmt import fmt_credits, fmt_duration, fmt_field, plain, plural

DIFF_FORMAT_VERSION = 1

_ALL_OPS: tuple[tuple[Op, str], ...] = (("+", "added"), ("-", "removed"), ("~", "changed"))


def summary_line(d: PlanDiff) -> str:
    """One line for the top of a review: "2 pipelines added, 5 legs moved, +41k cr/h"."""
    if not d.changed:
        return "No changes"
    parts: list[str] = []
    for kind, noun in (("pipeline", "pipeline"), ("task", "task")):
        for op, verb in _ALL_OPS:
            n = d.count(kind, op)
            if n:
                parts.append(f"{plural(n, noun)} {verb}")
    for op, verb in _ALL_OPS[:2]:
        n = d.count("leg", op)
        if n:
            parts.append(f"{plural(n, 'leg')} {verb}")
    legs = [c for c in d.legs if c.op == "~" and c.pipeline not in d.collapsed]
    moved = sum(1 for c in legs if c.moved)
    retimed = sum(1 for c in legs if c.retimed and not c.moved)
    other = sum(1 for c in legs if not c.moved and not c.retimed)
    if other:
        parts.append(f"{plural(other, 'leg')} changed")
    if moved:
        parts.append(f"{plural(moved, 'leg')} moved")
    if retimed:
        parts.append(f"{plural(retimed, 'leg')} re-timed")
    for op, verb in _ALL_OPS:
        n = d.count("ship", op)
        if n:
            parts.append(f"{plural(n, 'ship')} {verb}")
    n = d.count("rejection")
    if n:
        parts.append(f"{plural(n, 'rejection')} changed")
    hashes = [f for f in d.inputs if f.field not in ("snapshot_time", "system", "plancc_version")]
    if hashes:
        parts.append(f"{plural(len(hashes), 'input')} changed")
    if d.objective.fields:
        pph = d.objective.profit_per_hour_delta
        if round(pph):
            parts.append(f"{fmt_credits(pph, sign=True)} cr/h")
        elif not parts:
            parts.append("objective changed")
    if not parts:
        parts.append("provenance changed")
    return ", ".join(parts)


_ANSI = {"+": "32", "-": "31", "~": "33", "h": "1", "dim": "2"}


class _Paint:
    """ANSI colour, only when asked: a review pasted into a PR must stay plain text."""

    def __init__(self, on: bool) -> None:
        self.on = on

    def __call__(self, text: str, key: str) -> str:
        return f"\x1b[{_ANSI[key]}m{text}\x1b[0m" if self.on else text


def render_text(
    d: PlanDiff, *, color: bool = False, old_label: str = "", new_label: str = ""
) -> str:
    """A review for a terminal or a code review: summary line, then +/-/~ items grouped."""
    paint = _Paint(color)
    lines: list[str] = []
    if old_label or new_label:
        lines.append(paint(f"plancc diff {old_label} {new_label}".rstrip(), "h"))
    lines.append(summary_line(d))
    if d.hidden_time_shifts:
        lines.append(
            paint(
                f"({plural(d.hidden_time_shifts, 'time shift')} of at most "
                f"{d.time_threshold_s}s not shown)",
                "dim",
            )
        )
    if not d.changed:
        return "\n".join(lines) + "\n"

    def field_lines(c: ItemChange, indent: str) -> None:
        for f in c.fields:
            lines.append(f"{indent}{f.field}: {fmt_field(f.field, f.old, f.new)}")

    if d.objective.fields:
        lines += ["", paint("Objective", "h")]
        for f in d.objective.fields:
            lines.append(f"  {paint('~', '~')} {f.field:<17} {fmt_field(f.field, f.old, f.new)}")
    if d.inputs:
        lines += ["", paint("Inputs", "h")]
        for f in d.inputs:
            extra = ""
            if f.field == "snapshot_time":
                extra = (
                    f" ({'+' if d.snapshot_shift_s >= 0 else ''}{fmt_duration(d.snapshot_shift_s)})"
                )
            op = "+" if f.old is None else "-" if f.new is None else "~"
            lines.append(
                f"  {paint(op, op)} {f.field:<17} {fmt_field(f.field, f.old, f.new)}{extra}"
            )

    direct = [c for c in d.items if c.cause == "direct"]
    indirect = [c for c in d.items if c.cause == "indirect"]
    sections = (
        ("pipeline", "Pipelines"),
        ("task", "Tasks"),
        ("leg", "Legs"),
        ("ship", "Ships"),
        ("rejection", "Rejected candidates"),
    )
    if direct:
        lines += ["", paint("Direct changes (the item's own inputs changed)", "h")]
        for kind, title in sections:
            items = [c for c in direct if c.kind == kind and not _hidden(d, c)]
            if not items:
                continue
            lines.append(f"  {title}")
            for c in items:
                head = f"    {paint(c.op, c.op)} {c.id}"
                if c.op == "~":
                    lines.append(f"{head}  [{', '.join(c.what)}]")
                    field_lines(c, "        ")
                else:
                    lines.append(f"{head}  {c.detail}{_collapsed_note(d, c)}")
    if indirect:
        lines += ["", paint("Indirect changes (moved or re-timed as a consequence)", "h")]
        for kind, title in sections:
            items = [c for c in indirect if c.kind == kind and not _hidden(d, c)]
            if not items:
                continue
            lines.append(f"  {title}")
            for c in items:
                lines.append(f"    {paint('~', '~')} {c.id}  {_compact(c)}")
                if c.reason:
                    lines.append(paint(f"        because: {c.reason}", "dim"))
    return "\n".join(lines) + "\n"


def _hidden(d: PlanDiff, c: ItemChange) -> bool:
    """Tasks and legs of an added or removed pipeline are summed up on the pipeline's line."""
    return c.kind in ("task", "leg") and c.pipeline in d.collapsed


def _collapsed_note(d: PlanDiff, c: ItemChange) -> str:
    if c.kind != "pipeline" or c.id not in d.collapsed:
        return ""
    tasks = sum(1 for t in d.tasks if t.pipeline == c.id)
    legs = sum(1 for leg in d.legs if leg.pipeline == c.id)
    return f" ({plural(tasks, 'task')}, {plural(legs, 'leg')})"


def _compact(c: ItemChange) -> str:
    """ "moved SHIP-1 -> SHIP-2, start 12m00s -> 15m00s (+3m00s)" on one line."""
    parts = []
    for f in c.fields:
        if f.field == "ship":
            parts.append(f"moved {plain(f.old)} -> {plain(f.new)}")
        else:
            parts.append(f"{f.field.removesuffix('_s')} {fmt_field(f.field, f.old, f.new)}")
    return ", ".join(parts)


def _item_json(c: ItemChange) -> dict[str, object]:
    return {
        "op": c.op,
        "id": c.id,
        "cause": c.cause,
        "pipeline": c.pipeline,
        "what": list(c.what),
        "fields": [{"field": f.field, "old": f.old, "new": f.new} for f in c.fields],
        "detail": c.detail,
        "reason": c.reason,
    }


def _objective_json(o: Objective) -> dict[str, object]:
    return {
        "scheduler": o.scheduler,
        "status": o.status,
        "makespan_s": o.makespan_s,
        "bound_s": o.bound_s,
        "gap": o.gap,
        "expected_cost": o.expected_cost,
        "expected_revenue": o.expected_revenue,
        "expected_profit": o.expected_profit,
        "profit_per_hour": round(o.profit_per_hour, 3),
    }


def diff_as_dict(d: PlanDiff) -> dict[str, object]:
    """The JSON form's content, keys in a fixed order (also used by the HTML page)."""
    return {
        "format_version": DIFF_FORMAT_VERSION,
        "changed": d.changed,
        "summary": summary_line(d),
        "time_threshold_s": d.time_threshold_s,
        "hidden_time_shifts": d.hidden_time_shifts,
        "objective": {
            "changed": [f.field for f in d.objective.fields],
            "old": _objective_json(d.objective.old),
            "new": _objective_json(d.objective.new),
            "delta": {
                "expected_profit": d.objective.profit_delta,
                "profit_per_hour": round(d.objective.profit_per_hour_delta, 3),
                "makespan_s": d.objective.makespan_delta_s,
            },
        },
        "inputs": [{"field": f.field, "old": f.old, "new": f.new} for f in d.inputs],
        "snapshot_shift_s": d.snapshot_shift_s,
        "pipelines": [_item_json(c) for c in d.pipelines],
        "tasks": [_item_json(c) for c in d.tasks],
        "legs": [_item_json(c) for c in d.legs],
        "ships": [_item_json(c) for c in d.ships],
        "rejected": [_item_json(c) for c in d.rejected],
    }


def render_json(d: PlanDiff) -> str:
    """One JSON object with ``format_version``; stable key and item order, newline-terminated."""
    return json.dumps(diff_as_dict(d), indent=2, ensure_ascii=False) + "\n"


def render_diff_html(d: PlanDiff, *, old_label: str = "", new_label: str = "") -> str:
    """A self-contained HTML page of the diff (no network, no JS)."""
    from plancc.render.templating import environment

    return (
        environment()
        .get_template("diff.html.j2")
        .render(
            d=d,
            data=diff_as_dict(d),
            summary=summary_line(d),
            old_label=old_label,
            new_label=new_label,
        )
    )
