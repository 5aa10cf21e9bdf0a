"""The run report: how a flown plan went, as one self-contained HTML page (no script, no fetch).

    html = render_run_report(RunData(...))

Three pictures, each inline SVG, plus tables:
- **credits over time**: a line through every (time, credits) sample; ``polyline.credits``
  carries ``data-points`` (the samples' count);
- **each ship's realised timeline against its plan**: per ship two lanes, the plan on top
  (``rect.planned``), what happened below (``rect.realised``); each bar carries ``data-ship``,
  ``data-lane``, ``data-start`` and ``data-end`` (seconds from the run's start);
- **each pipeline's planned against realised P&L**: two bars per pipeline
  (``rect.pnl[data-kind=planned|realised]``, ``data-value`` in credits), from a zero line.

Pure: data in, text out. The data is built from runner state by ``plancc.loop.runreport``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from plancc.render.fmt import fmt_credits, fmt_duration
from plancc.render.report import TYPE_COLOURS
from plancc.render.templating import environment

LABEL_W = 150
CHART_W = 1000
PAD = 40
LANE_H = 16
ROW_H = 2 * LANE_H + 10
AXIS_H = 28
LINE_H = 240
PNL_H = 260
KIND_COLOURS = {**TYPE_COLOURS, "SCOUT": "#8d6a9f"}  # the plan report's, and scouting
OTHER_COLOUR = "#7a8796"


@dataclass(frozen=True)
class Span:
    """A stretch of one ship's time: ``start``/``end`` in epoch seconds."""

    start: float
    end: float
    kind: str  # ACQUIRE, DELIVER, COLLECT, SELL, LIQUIDATE, SCOUT, ...
    label: str = ""


@dataclass(frozen=True)
class ShipRun:
    ship: str
    planned: tuple[Span, ...]
    realised: tuple[Span, ...]


@dataclass(frozen=True)
class PipelineRun:
    id: str
    product: str
    status: str
    planned_cost: int
    planned_revenue: int
    spent: int
    earned: int

    @property
    def planned_profit(self) -> int:
        return self.planned_revenue - self.planned_cost

    @property
    def profit(self) -> int:
        return self.earned - self.spent


@dataclass(frozen=True)
class RunData:
    title: str
    start: float
    end: float
    credits: tuple[tuple[float, int], ...]
    ships: tuple[ShipRun, ...]
    pipelines: tuple[PipelineRun, ...]
    summary: Mapping[str, Any] = field(default_factory=dict)  # name -> value, shown as a table
    notes: tuple[str, ...] = ()


def render_run_report(data: RunData) -> str:
    span = max(1.0, data.end - data.start)
    scale = CHART_W / span
    ticks = _ticks(span, scale)
    return (
        environment()
        .get_template("run_report.html.j2")
        .render(
            data=data,
            ticks=ticks,
            credits=_credits_chart(data, scale),
            gantt=_gantt(data, scale),
            pnl=_pnl_chart(data.pipelines),
            width=LABEL_W + CHART_W + PAD,
            label_w=LABEL_W,
            summary=[(k, _show(v)) for k, v in data.summary.items()],
            duration=fmt_duration(span),
            kind_colours=KIND_COLOURS,
        )
    )


def _show(v: Any) -> str:
    if isinstance(v, bool):
        return "yes" if v else "NO"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        return f"{v:,.3f}" if abs(v) < 10 else f"{v:,.0f}"
    return str(v)


def _ticks(span: float, scale: float) -> list[dict[str, Any]]:
    step = next(
        (s for s in (60, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400) if span / s <= 12),
        86400 * max(1, int(span // (86400 * 12)) + 1),
    )
    out = []
    t = 0.0
    while t <= span + 1e-9:
        out.append({"x": round(LABEL_W + t * scale, 2), "label": fmt_duration(t)})
        t += step
    return out


def _credits_chart(data: RunData, scale: float) -> dict[str, Any]:
    values = [c for _, c in data.credits] or [0]
    lo, hi = min(values), max(values)
    if hi == lo:
        lo, hi = lo - 1, hi + 1
    top, bottom = AXIS_H - 10, LINE_H - 45

    def y(v: float) -> float:
        return round(bottom - (v - lo) / (hi - lo) * (bottom - top), 2)

    points = [(round(LABEL_W + (t - data.start) * scale, 2), y(c)) for t, c in sorted(data.credits)]
    levels = [lo + (hi - lo) * k / 4 for k in range(5)]
    return {
        "points": " ".join(f"{x},{yy}" for x, yy in points),
        "count": len(points),
        "height": LINE_H,
        "levels": [{"y": y(v), "label": f"{v:,.0f}"} for v in levels],
        "first": values[0] if data.credits else 0,
        "last": values[-1] if data.credits else 0,
    }


def _bars(
    spans: Sequence[Span],
    start: float,
    end: float,
    scale: float,
    y: float,
    lane: str,
    ship: str,
) -> list[dict[str, Any]]:
    out = []
    for s in sorted(spans, key=lambda s: (s.start, s.end)):
        if s.end < start or s.start > end:
            continue  # outside the run (a plan's tail past its end)
        a, b = max(s.start, start) - start, min(max(s.end, s.start), end) - start
        out.append(
            {
                "x": round(LABEL_W + a * scale, 2),
                "w": round(max(1.0, (b - a) * scale), 2),
                "y": y,
                "start": round(a, 1),
                "end": round(b, 1),
                "kind": s.kind,
                "lane": lane,
                "ship": ship,
                "colour": KIND_COLOURS.get(s.kind, OTHER_COLOUR),
                "title": f"{ship} {lane}: {s.kind} {s.label} {fmt_duration(a)}..{fmt_duration(b)}",
            }
        )
    return out


def _gantt(data: RunData, scale: float) -> dict[str, Any]:
    rows = []
    for i, ship in enumerate(data.ships):
        y0 = AXIS_H + i * ROW_H
        busy = sum(max(0.0, s.end - s.start) for s in ship.realised)
        rows.append(
            {
                "ship": ship.ship,
                "index": i,
                "y": y0,
                "busy": busy,
                "planned": _bars(
                    ship.planned, data.start, data.end, scale, y0 + 3, "planned", ship.ship
                ),
                "realised": _bars(
                    ship.realised,
                    data.start,
                    data.end,
                    scale,
                    y0 + 5 + LANE_H,
                    "realised",
                    ship.ship,
                ),
            }
        )
    return {
        "rows": rows,
        "height": AXIS_H + len(rows) * ROW_H + 4,
        "row_h": ROW_H,
        "lane_h": LANE_H,
    }


def _pnl_chart(pipelines: Sequence[PipelineRun]) -> dict[str, Any]:
    values = [v for p in pipelines for v in (p.planned_profit, p.profit)] or [0]
    hi, lo = max(0, *values), min(0, *values)
    if hi == lo:
        hi = 1
    top, bottom = 20, PNL_H - 50
    group_w = min(120.0, CHART_W / max(1, len(pipelines)))
    bar_w = group_w * 0.35

    def y(v: float) -> float:
        return round(bottom - (v - lo) / (hi - lo) * (bottom - top), 2)

    zero = y(0)
    groups = []
    for i, p in enumerate(pipelines):
        x0 = LABEL_W + i * group_w + group_w * 0.1
        bars = []
        for k, (kind, v) in enumerate((("planned", p.planned_profit), ("realised", p.profit))):
            yy = y(v)
            bars.append(
                {
                    "kind": kind,
                    "value": v,
                    "x": round(x0 + k * bar_w, 2),
                    "y": min(yy, zero),
                    "h": round(max(1.0, abs(zero - yy)), 2),
                    "w": round(bar_w, 2),
                }
            )
        groups.append(
            {
                "id": p.id,
                "product": p.product,
                "status": p.status,
                "bars": bars,
                "label_x": round(x0 + bar_w, 2),
            }
        )
    return {
        "groups": groups,
        "zero": zero,
        "height": PNL_H,
        "levels": [{"y": y(v), "label": fmt_credits(v)} for v in sorted({lo, 0, hi})],
    }
