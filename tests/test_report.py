"""plancc.render.report: the HTML page's structure (rows, bars, offsets), the chain trees, P&L, text."""

from __future__ import annotations

import dataclasses
from html.parser import HTMLParser

import pytest
from plan_builder import FM, LR, make_plan, with_times

from plancc.model import ChainNode, LegGood, Plan, ScheduledLeg
from plancc.render.report import (
    CHART_W,
    LABEL_W,
    gantt,
    pnl,
    render_report_html,
    render_report_text,
    split_leg,
)

PLAN = make_plan()


class _Elements(HTMLParser):
    """Every start tag as (tag, attrs, classes), in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str], set[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.found.append((tag, a, set(a.get("class", "").split())))


def _elements(html: str, tag: str, cls: str) -> list[dict[str, str]]:
    p = _Elements()
    p.feed(html)
    return [a for t, a, c in p.found if t == tag and cls in c]


def _chain_size(n: ChainNode) -> int:
    return 1 + sum(_chain_size(c) for c in n.children)


@pytest.fixture(scope="module")
def html() -> str:
    return render_report_html(PLAN)


def test_one_row_per_ship_in_plan_order(html):
    rows = _elements(html, "g", "row")
    assert [r["data-ship"] for r in rows] == [sp.ship for sp in PLAN.ships]


def test_one_bar_per_task_of_every_scheduled_leg(html):
    bars = _elements(html, "rect", "bar")
    expected = sorted(t for leg in PLAN.legs for t in (leg.load, leg.unload))
    assert sorted(b["data-task"] for b in bars) == expected


def test_each_bar_sits_on_the_row_of_its_ship(html):
    p = _Elements()
    p.feed(html)
    row_ship = ""
    for tag, attrs, classes in p.found:
        if tag == "g" and "row" in classes:
            row_ship = attrs["data-ship"]
        if tag == "rect" and "bar" in classes:
            assert attrs["data-ship"] == row_ship


def test_bar_offsets_are_proportional_to_predicted_times(html):
    span = max(sl.end_s for sp in PLAN.ships for sl in sp.legs)
    for b in _elements(html, "rect", "bar"):
        start, end = int(b["data-start"]), int(b["data-end"])
        assert float(b["x"]) == pytest.approx(LABEL_W + start * CHART_W / span, abs=0.01)
        assert float(b["width"]) == pytest.approx((end - start) * CHART_W / span, abs=0.01)


def test_bars_span_each_leg_from_start_to_end():
    for sp in PLAN.ships:
        for sl in sp.legs:
            bars = [b for r in gantt(PLAN).rows for b in r.bars if b.leg == sl.leg]
            load, unload = sorted(bars, key=lambda b: b.start_s)
            assert (load.start_s, load.end_s, unload.end_s) == (
                sl.start_s,
                unload.start_s,
                sl.end_s,
            )


def test_load_task_ends_after_its_trade_at_the_load_market():
    sl = ScheduledLeg("L", "S", start_s=100, load_s=400, unload_s=900, end_s=930)
    (ls, lt, le), (us, ut, ue) = split_leg(sl)
    assert (ls, lt, le) == (100, 400, 430)  # travel 100..400, trade 30 s like the unload's
    assert (us, ut, ue) == (430, 900, 930)


def test_bar_data_carries_type_and_leg(html):
    tasks = {t.id: t for t in PLAN.tasks}
    for b in _elements(html, "rect", "bar"):
        assert b["data-type"] == tasks[b["data-task"]].type
        assert b["data-leg"] in {leg.id for leg in PLAN.legs}


def test_a_later_leg_is_drawn_further_right():
    late = make_plan(times=with_times(PLAN, "/leg/IRON", "SHIP-3", 300, 605))
    x_early = [b.x for r in gantt(PLAN).rows for b in r.bars if "acquire/IRON" in b.task]
    x_late = [b.x for r in gantt(late).rows for b in r.bars if "acquire/IRON" in b.task]
    assert x_late[0] - x_early[0] == pytest.approx(300 * CHART_W / 2400)


def test_each_pipeline_chain_is_drawn_as_a_tree(html):
    trees = _elements(html, "ul", "tree")
    assert [t["data-pipeline"] for t in trees] == [p.id for p in PLAN.pipelines]
    nodes = _elements(html, "li", "node")
    assert len(nodes) == sum(_chain_size(p.chain) for p in PLAN.pipelines)
    assert {n["data-good"] for n in nodes} >= {"LASER_RIFLES", "DIAMONDS", "ALUMINUM", "IRON"}


def test_pnl_has_per_pipeline_profit_and_per_hour():
    rows = {r.id: r for r in pnl(PLAN)}
    assert rows[LR].profit == 180_000 - 65_000
    assert rows[LR].span_s == 1805  # first leg leaves at 0, rifles sold by 1805
    assert rows[LR].per_hour == pytest.approx(115_000 * 3600 / 1805)
    assert rows[FM].margin == pytest.approx(12_000 / 32_000)


def test_page_shows_objective_bound_and_gap(html):
    assert "proven lower bound 30m00s, gap 25.0%" in html
    assert "110,000" in html


def test_page_is_self_contained(html):
    assert html.startswith("<!DOCTYPE html>")
    assert "<script" not in html
    assert "<link" not in html and " src=" not in html
    assert "http" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_names_are_escaped():
    odd = dataclasses.replace(
        PLAN, rejected=(dataclasses.replace(PLAN.rejected[0], reason="<b>x</b> & y"),)
    )
    assert "&lt;b&gt;x&lt;/b&gt; &amp; y" in render_report_html(odd)


def test_empty_plan_renders_without_rows():
    empty = dataclasses.replace(PLAN, pipelines=(), tasks=(), legs=(), ships=())
    html = render_report_html(empty)
    assert _elements(html, "g", "row") == [] and _elements(html, "rect", "bar") == []
    assert "No pipelines" in html


def test_text_report_lists_every_ship_and_task():
    text = render_report_text(PLAN)
    for sp in PLAN.ships:
        assert f"{sp.ship}: {2 * len(sp.legs)} tasks" in text
    assert text.count("ACQUIRE") == 3 and text.count("SELL ") == 2
    assert "margin 3% under impact" in text


def _plan_with_pinned() -> Plan:
    ships = tuple(
        dataclasses.replace(sp, pinned="x") if sp.ship == "SHIP-2" else sp for sp in PLAN.ships
    )
    return dataclasses.replace(PLAN, ships=ships)


def test_pinned_ship_is_noted_in_its_row_title():
    assert "SHIP-2: 2 tasks, busy 8m25s, pinned to x" in render_report_html(_plan_with_pinned())


def test_a_bar_flown_through_refuel_stops_names_them_in_its_title():
    ships = tuple(
        dataclasses.replace(
            sp,
            legs=tuple(
                dataclasses.replace(sl, refuel_to_unload=("X1-AD75-I55", "X1-AD75-J9"))
                if "/leg/IRON" in sl.leg
                else sl
                for sl in sp.legs
            ),
        )
        for sp in PLAN.ships
    )
    plan = dataclasses.replace(PLAN, ships=ships)
    bars = {b.type: b for r in gantt(plan).rows for b in r.bars if "/leg/IRON" in b.leg}
    assert "refuels" not in bars["ACQUIRE"].title
    assert bars["DELIVER"].title.endswith("refuels at X1-AD75-I55, X1-AD75-J9")
    assert "refuels at X1-AD75-I55, X1-AD75-J9" in render_report_html(plan)


def test_a_bar_of_a_leg_carrying_several_goods_names_the_others():
    extra = LegGood("COPPER", 7, "P/acquire/COPPER#1", "P/deliver/COPPER#1")
    legs = tuple(
        dataclasses.replace(leg, also=(extra,)) if "/leg/IRON" in leg.id else leg
        for leg in PLAN.legs
    )
    plan = dataclasses.replace(PLAN, legs=legs)
    bars = [b for r in gantt(plan).rows for b in r.bars if "/leg/IRON" in b.leg]
    assert bars and all("with 7 COPPER on the same flight" in b.title for b in bars)
    assert all(b.also == "7 COPPER" for b in bars)
    plain = [b for r in gantt(PLAN).rows for b in r.bars if "/leg/IRON" in b.leg]
    assert not any(b.also for b in plain)
