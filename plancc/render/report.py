"""Plan reports: a self-contained HTML page (and a plain text form) a player reads before
trusting a plan with real credits.

The page has no scripts and loads nothing: CSS and an SVG Gantt chart are inline. It shows

- the **Gantt chart**: one row per ship, one bar per task (a leg is its load task then its
  unload task), each bar at its predicted start..end offset, split into travel and trade
  segments; every bar carries ``data-ship``, ``data-task``, ``data-leg``, ``data-type``,
  ``data-start`` and ``data-end`` (seconds from the plan epoch) so tests and tools can find it;
- each pipeline's **chain** as a tree (what is bought where, what is made where);
- the expected **P&L**: cost, revenue, profit and profit per hour per pipeline, the objective
  with its bound and gap.

How a ``ScheduledLeg`` becomes two bars: the load task runs from ``start_s`` (leave) through
the trade at the load market (``load_s`` plus the trade time), the unload task from there to
``end_s``. The trade time is not stored in the plan; it is taken to be the unload's trade time
(``end_s - unload_s``), since both are one dock-and-trade visit.

Everything here is pure (plan in, text out); templates live in ``plancc/render/templates``.

    >>> html = render_report_html(plan)       # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass

from plancc.model import ChainNode, Plan, ScheduledLeg, Task
from plancc.render.fmt import fmt_duration, fmt_goods
from plancc.render.templating import environment

# Gantt geometry, in SVG user units (= CSS px at 100% zoom)
LABEL_W = 150  # ship names column
CHART_W = 1000  # the time axis
ROW_H = 36
BAR_H = 22
AXIS_H = 28
PAD_RIGHT = 40  # room for the last tick's label

TYPE_COLOURS = {
    "ACQUIRE": "#3b7dd8",
    "DELIVER": "#2a9d8f",
    "COLLECT": "#e08a1e",
    "SELL": "#4caf50",
    "LIQUIDATE": "#b0413e",
    "ABOARD": "#8a7f3a",  # cargo already in the hold: unloaded, nothing bought
}
# one colour per pipeline, for the stripe under each bar (ordered by the plan's pipeline order)
PIPELINE_COLOURS = (
    "#6a4c93",
    "#d1495b",
    "#00798c",
    "#edae49",
    "#30638e",
    "#8d6a9f",
    "#3d405b",
    "#81b29a",
)
TYPE_LETTERS = {
    "ACQUIRE": "A",
    "DELIVER": "D",
    "COLLECT": "C",
    "SELL": "S",
    "LIQUIDATE": "L",
    "ABOARD": "H",  # held
}


# ---------------------------------------------------------------------------------------------
# view model: everything the templates draw, computed here so it can be tested without HTML


@dataclass(frozen=True)
class Segment:
    kind: str  # "travel" (flying or waiting) or "trade" (docked, buying or selling)
    x: float
    w: float


@dataclass(frozen=True)
class Bar:
    ship: str
    task: str
    leg: str
    type: str
    good: str
    quantity: int
    market: str
    start_s: int
    end_s: int
    x: float
    y: float
    w: float
    colour: str
    segments: tuple[Segment, ...]
    pipeline: str = ""
    pipeline_colour: str = "#888"
    via: tuple[str, ...] = ()  # refuel stops flown through on the way to ``market``
    also: str = ""  # the other goods sharing the leg ("12 COPPER, 5 IRON"), "" none

    @property
    def label(self) -> str:
        """The text drawn on the bar: "A DIAMONDS" when it fits ("A DIAMONDS+" when the leg
        carries more goods), else "A", else nothing."""
        full = f"{TYPE_LETTERS.get(self.type, '?')} {self.good}" + ("+" if self.also else "")
        if self.w >= len(full) * 6.3 + 8:
            return full
        return TYPE_LETTERS.get(self.type, "?") if self.w >= 14 else ""

    @property
    def title(self) -> str:
        return (
            f"{self.type} {self.quantity} {self.good} @ {self.market}\n"
            + (f"with {self.also} on the same flight\n" if self.also else "")
            + f"{fmt_duration(self.start_s)} .. {fmt_duration(self.end_s)} on {self.ship}\n{self.task}"
            + (f"\nrefuels at {', '.join(self.via)}" if self.via else "")
        )


@dataclass(frozen=True)
class Row:
    ship: str
    index: int
    y: float
    bars: tuple[Bar, ...]
    busy_s: int
    pinned: str


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Gantt:
    width: float
    height: float
    label_w: float
    chart_w: float
    axis_h: float
    row_h: float
    bar_h: float
    span_s: int
    scale: float  # px per second
    rows: tuple[Row, ...]
    ticks: tuple[Tick, ...]


def split_leg(sl: ScheduledLeg) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """(start, trade start, end) of the load task and of the unload task of a scheduled leg."""
    trade = max(0, sl.end_s - sl.unload_s)
    load_trade = min(max(sl.load_s, sl.start_s), sl.unload_s)
    load_end = min(load_trade + trade, sl.unload_s)
    return (sl.start_s, load_trade, load_end), (load_end, max(sl.unload_s, load_end), sl.end_s)


def _nice_step(span_s: int, target_ticks: int = 10) -> int:
    for step in (30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400):
        if span_s / step <= target_ticks:
            return step
    return 86400 * max(1, span_s // (86400 * target_ticks))


def _tick_label(t: int) -> str:
    """Axis labels on round steps: "0", "30s", "5m", "1h", "1h30m"."""
    if t == 0:
        return "0"
    if t < 60:
        return f"{t}s"
    h, m, s = t // 3600, t % 3600 // 60, t % 60
    if s:
        return f"{t // 60}m{s:02d}s"
    if not h:
        return f"{m}m"
    return f"{h}h{m:02d}m" if m else f"{h}h"


def gantt(plan: Plan) -> Gantt:
    """Lay out the chart: rows in the plan's ship order, x proportional to plan time."""
    tasks = {t.id: t for t in plan.tasks}
    legs = {leg.id: leg for leg in plan.legs}
    stripe = {
        p.id: PIPELINE_COLOURS[i % len(PIPELINE_COLOURS)] for i, p in enumerate(plan.pipelines)
    }
    last = max((sl.end_s for sp in plan.ships for sl in sp.legs), default=0)
    span = max(last, plan.objective.makespan_s, 1)
    scale = CHART_W / span

    def x_of(t: int) -> float:
        return round(LABEL_W + t * scale, 2)

    rows: list[Row] = []
    for i, sp in enumerate(plan.ships):
        y = AXIS_H + i * ROW_H
        bar_y = y + (ROW_H - BAR_H) / 2
        bars: list[Bar] = []
        for sl in sp.legs:
            leg = legs.get(sl.leg)
            parts = split_leg(sl)
            ids = (leg.load, leg.unload) if leg else (f"{sl.leg}/load", f"{sl.leg}/unload")
            vias = (sl.refuel_to_load, sl.refuel_to_unload)
            for task_id, (start, trade, end), via in zip(ids, parts, vias, strict=True):
                task = tasks.get(task_id) or Task(task_id, "ACQUIRE", "", sl.leg, 0, "?")
                segs = (
                    Segment("travel", x_of(start), round((trade - start) * scale, 2)),
                    Segment("trade", x_of(trade), round((end - trade) * scale, 2)),
                )
                bars.append(
                    Bar(
                        ship=sp.ship,
                        task=task_id,
                        leg=sl.leg,
                        type=task.type,
                        good=task.good,
                        quantity=task.quantity,
                        market=task.market,
                        start_s=start,
                        end_s=end,
                        x=x_of(start),
                        y=bar_y,
                        w=round((end - start) * scale, 2),
                        colour=TYPE_COLOURS.get(task.type, "#888"),
                        segments=tuple(s for s in segs if s.w > 0),
                        pipeline=leg.pipeline if leg else "",
                        pipeline_colour=stripe.get(leg.pipeline if leg else "", "#888"),
                        via=tuple(via),
                        also=fmt_goods(leg.also) if leg else "",
                    )
                )
        busy = sum(sl.end_s - sl.start_s for sl in sp.legs)
        rows.append(Row(sp.ship, i, y, tuple(bars), busy, sp.pinned))
    step = _nice_step(span)
    ticks = tuple(Tick(x_of(t), _tick_label(t)) for t in range(0, span + 1, step))
    return Gantt(
        width=LABEL_W + CHART_W + PAD_RIGHT,
        height=AXIS_H + max(1, len(rows)) * ROW_H + 4,
        label_w=LABEL_W,
        chart_w=CHART_W,
        axis_h=AXIS_H,
        row_h=ROW_H,
        bar_h=BAR_H,
        span_s=span,
        scale=scale,
        rows=tuple(rows),
        ticks=ticks,
    )


@dataclass(frozen=True)
class PipelineRow:
    id: str
    product: str
    sell_market: str
    quantity: int
    sell_price: int
    cost: int
    revenue: int
    profit: int
    margin: float
    span_s: int
    per_hour: float
    chain: ChainNode


def pnl(plan: Plan) -> tuple[PipelineRow, ...]:
    """Per pipeline: expected cost, revenue, profit, margin and profit per hour of its span
    (first leg start to last leg end)."""
    leg_pipeline = {leg.id: leg.pipeline for leg in plan.legs}
    spans: dict[str, tuple[int, int]] = {}
    for sp in plan.ships:
        for sl in sp.legs:
            pid = leg_pipeline.get(sl.leg, "")
            lo, hi = spans.get(pid, (sl.start_s, sl.end_s))
            spans[pid] = (min(lo, sl.start_s), max(hi, sl.end_s))
    rows = []
    for p in plan.pipelines:
        lo, hi = spans.get(p.id, (0, 0))
        span = hi - lo
        rows.append(
            PipelineRow(
                id=p.id,
                product=p.product,
                sell_market=p.sell_market,
                quantity=p.quantity,
                sell_price=p.sell_price,
                cost=p.expected_cost,
                revenue=p.expected_revenue,
                profit=p.expected_profit,
                margin=p.expected_profit / p.expected_cost if p.expected_cost else 0.0,
                span_s=span,
                per_hour=p.expected_profit * 3600 / span if span else 0.0,
                chain=p.chain,
            )
        )
    return tuple(rows)


def _context(plan: Plan) -> dict[str, object]:
    return {
        "plan": plan,
        "gantt": gantt(plan),
        "pipelines": pnl(plan),
        "objective": plan.objective,
        "provenance": plan.provenance,
        "colours": TYPE_COLOURS,
        "pipeline_colours": [
            (p.id, PIPELINE_COLOURS[i % len(PIPELINE_COLOURS)])
            for i, p in enumerate(plan.pipelines)
        ],
        "legs_total": sum(len(sp.legs) for sp in plan.ships),
    }


def render_report_html(plan: Plan) -> str:
    """The whole report as one self-contained HTML page."""
    return environment().get_template("report.html.j2").render(**_context(plan))


def render_report_text(plan: Plan) -> str:
    """The same report for a terminal: P&L, chains, and each ship's timeline."""
    return environment().get_template("report.txt.j2").render(**_context(plan))
