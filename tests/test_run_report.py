"""The run report page: credits over time, plan-vs-realised Gantt, planned-vs-realised P&L."""

from __future__ import annotations

import re

from run_data import T0, make_run

from plancc.render.run_report import render_run_report


def test_the_page_is_self_contained() -> None:
    html = render_run_report(make_run())
    assert "<script" not in html and "http://" not in html.replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )


def test_the_credit_line_has_one_point_per_sample() -> None:
    html = render_run_report(make_run())
    m = re.search(r'<polyline class="credits" points="([^"]*)" data-points="(\d+)"', html)
    assert m and int(m.group(2)) == 25 and len(m.group(1).split()) == 25


def test_each_ship_has_its_planned_and_realised_bars_in_seconds_from_the_start() -> None:
    html = render_run_report(make_run())
    bars = re.findall(
        r'data-ship="([^"]+)" data-lane="(\w+)" data-kind="(\w+)" data-start="([\d.]+)"', html
    )
    assert ("AGENT-1", "planned", "ACQUIRE", "0.0") in bars
    assert ("AGENT-1", "realised", "ACQUIRE", "60.0") in bars
    assert ("AGENT-2", "realised", "LIQUIDATE", str(round(2.1 * 3600, 1))) in bars
    assert len(bars) == 7


def test_each_pipeline_has_a_planned_and_a_realised_profit_bar() -> None:
    html = render_run_report(make_run())
    bars = re.findall(
        r'data-kind="(planned|realised)" data-value="(-?\d+)" data-pipeline="([^"]+)"', html
    )
    assert sorted(bars) == sorted(
        [
            ("planned", "12000", "p-fab"),
            ("realised", "9500", "p-fab"),
            ("planned", "6000", "p-elec"),
            ("realised", "-9000", "p-elec"),
        ]
    )


def test_a_loss_is_drawn_below_the_zero_line() -> None:
    html = render_run_report(make_run())
    zero = float(re.search(r'<line class="zero"[^>]* y1="([\d.]+)"', html).group(1))
    loss = re.search(r'<rect class="pnl neg" x="[\d.]+" y="([\d.]+)"', html)
    assert loss and float(loss.group(1)) >= zero - 0.01


def test_the_summary_table_shows_each_figure() -> None:
    html = render_run_report(make_run())
    assert 'data-key="credits_per_hour">12,346<' in html
    assert 'data-key="ledger_reconciled">yes<' in html


def test_an_empty_run_still_renders() -> None:
    from plancc.render.run_report import RunData

    html = render_run_report(RunData("empty", T0, T0, (), (), ()))
    assert 'data-points="0"' in html


def test_bars_past_the_end_of_the_run_are_clipped_to_it() -> None:
    from dataclasses import replace

    from plancc.render.run_report import ShipRun, Span

    run = make_run()
    late = ShipRun("AGENT-9", (Span(run.end - 600, run.end + 3600, "SELL"),), ())
    html = render_run_report(replace(run, ships=(*run.ships, late)))
    m = re.search(
        r'data-ship="AGENT-9" data-lane="planned" data-kind="SELL" '
        r'data-start="([\d.]+)" data-end="([\d.]+)"',
        html,
    )
    assert m and float(m.group(2)) == run.end - run.start
