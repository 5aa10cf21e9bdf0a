"""The run report in a REAL headless Chromium (same harness as the plan report's browser test):
every bar and the credit line are drawn where their data says."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from run_data import make_run
from test_report_browser import _run_chromium, chromium  # noqa: F401  (fixture)

from plancc.render.run_report import render_run_report

pytestmark = pytest.mark.browser

MEASURE = """
<script>
(function () {
  function box(e) { var r = e.getBoundingClientRect();
    return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width, height: r.height}; }
  var out = {rows: [], bars: [], pnl: [], line: null};
  document.querySelectorAll("svg.gantt g.row").forEach(function (g) {
    var b = box(g.querySelector("rect.row-bg")); b.ship = g.dataset.ship; out.rows.push(b); });
  document.querySelectorAll("svg.gantt rect.planned, svg.gantt rect.realised").forEach(function (e) {
    var b = box(e); b.ship = e.dataset.ship; b.lane = e.dataset.lane;
    b.start = +e.dataset.start; b.end = +e.dataset.end; out.bars.push(b); });
  document.querySelectorAll("rect.pnl").forEach(function (e) {
    var b = box(e); b.kind = e.dataset.kind; b.value = +e.dataset.value; out.pnl.push(b); });
  var z = document.querySelector("line.zero"); out.zero = box(z).top;
  var l = document.querySelector("polyline.credits"); out.line = box(l);
  var pre = document.createElement("pre"); pre.id = "measured";
  pre.textContent = JSON.stringify(out); document.body.appendChild(pre);
})();
</script>
"""


@pytest.fixture(scope="module")
def drawn(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> dict:  # noqa: F811
    tmp: Path = tmp_path_factory.mktemp("runbrowser")
    page = tmp / "run.html"
    page.write_text(render_run_report(make_run()).replace("</body>", MEASURE + "</body>"))
    done = _run_chromium(chromium, tmp, "--dump-dom", page.as_uri())
    m = re.search(r'<pre id="measured">(.*?)</pre>', done.stdout, re.S)
    assert m, f"no measurement in the dumped DOM; chromium said: {done.stderr[-500:]}"
    return json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&"))


def test_browser_draws_the_credit_line_across_the_chart(drawn: dict) -> None:
    assert drawn["line"]["width"] > 500 and drawn["line"]["height"] > 20


def test_browser_draws_every_ship_bar_visible_inside_its_row(drawn: dict) -> None:
    rows = {r["ship"]: r for r in drawn["rows"]}
    assert len(drawn["bars"]) == 7
    for b in drawn["bars"]:
        row = rows[b["ship"]]
        assert b["width"] >= 1 and b["height"] > 8
        assert row["top"] <= b["top"] and b["bottom"] <= row["bottom"]


def test_browser_draws_the_plan_lane_above_the_realised_lane(drawn: dict) -> None:
    for ship in ("AGENT-1", "AGENT-2"):
        planned = [b for b in drawn["bars"] if b["ship"] == ship and b["lane"] == "planned"]
        realised = [b for b in drawn["bars"] if b["ship"] == ship and b["lane"] == "realised"]
        assert max(b["bottom"] for b in planned) <= min(b["top"] for b in realised) + 0.5


def test_browser_places_bars_on_one_time_scale(drawn: dict) -> None:
    bars = drawn["bars"]
    first = min(bars, key=lambda b: b["start"])
    last = max(bars, key=lambda b: b["end"])
    px_per_s = (last["right"] - first["left"]) / (last["end"] - first["start"])
    for b in bars:
        assert b["left"] == pytest.approx(
            first["left"] + (b["start"] - first["start"]) * px_per_s, abs=1.0
        )


def test_browser_draws_profits_up_and_losses_down_from_zero(drawn: dict) -> None:
    for b in drawn["pnl"]:
        if b["value"] > 0:
            assert b["bottom"] == pytest.approx(drawn["zero"], abs=1.5)
        else:
            assert b["top"] == pytest.approx(drawn["zero"], abs=1.5)
    heights = {(b["kind"], b["value"]): b["height"] for b in drawn["pnl"]}
    # bar height proportional to value: 12000 is twice 6000
    assert heights[("planned", 12000)] == pytest.approx(2 * heights[("planned", 6000)], rel=0.02)
