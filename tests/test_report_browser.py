"""The report in a REAL headless Chromium: what is drawn, measured by the browser itself.

The page has no scripts; the test adds one that measures every ship row and task bar with
``getBoundingClientRect`` and writes the numbers into the DOM, then reads them back from
``chromium --dump-dom``. Chromium is Debian's ``chromium`` package: found at /usr/bin/chromium,
else installed once with apt-get when running as root (bounded in time), else the test skips
with the reason (or fails, when PLANCC_REQUIRE_BROWSER=1, as CI should set).
Set PLANCC_REPORT_SCREENSHOT=<file.png> to keep a screenshot for a look.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from plan_builder import make_plan

from plancc.render.report import render_report_html

pytestmark = pytest.mark.browser

CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
INSTALL_TIMEOUT_S = 600  # apt-get update + install, in all

MEASURE = """
<script>
(function () {
  var svg = document.querySelector("svg.gantt").getBoundingClientRect();
  var out = {svg: {left: svg.left, width: svg.width, top: svg.top},
             viewbox_width: document.querySelector("svg.gantt").viewBox.baseVal.width,
             rows: [], bars: []};
  document.querySelectorAll("g.row").forEach(function (g) {
    var r = g.querySelector("rect.row-bg").getBoundingClientRect();
    out.rows.push({ship: g.dataset.ship, top: r.top, bottom: r.bottom});
  });
  document.querySelectorAll("rect.bar").forEach(function (b) {
    var r = b.getBoundingClientRect();
    out.bars.push({ship: b.dataset.ship, task: b.dataset.task, start: +b.dataset.start,
                   end: +b.dataset.end, left: r.left, right: r.right, top: r.top,
                   bottom: r.bottom, width: r.width, height: r.height});
  });
  var pre = document.createElement("pre");
  pre.id = "measured";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>
"""


def _find_chromium() -> str | None:
    for p in CHROMIUM_PATHS:
        if os.access(p, os.X_OK):
            return p
    return shutil.which("chromium")


def _install_chromium() -> str:
    """apt-get install chromium, once, bounded in time; returns why it could not, or ""."""
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return "chromium not found and not root with apt-get to install it"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    steps = (
        ["apt-get", "update", "-q"],
        ["apt-get", "install", "-y", "-q", "-o", "DPkg::Lock::Timeout=120", "chromium"],
    )
    deadline = time.monotonic() + INSTALL_TIMEOUT_S  # both steps together
    for cmd in steps:
        left = deadline - time.monotonic()
        try:
            if left <= 0:
                raise subprocess.TimeoutExpired(cmd, INSTALL_TIMEOUT_S)
            done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=left)
        except subprocess.TimeoutExpired:
            return f"installing chromium took more than {INSTALL_TIMEOUT_S}s (at `{' '.join(cmd)}`)"
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or [""]
            return f"`{' '.join(cmd)}` failed: {tail[0]}"
    return ""


@pytest.fixture(scope="session")
def chromium() -> str:
    found = _find_chromium()
    if found is None:
        why = _install_chromium()
        found = _find_chromium()
        if found is None:
            reason = f"headless chromium unavailable: {why or 'install did not provide it'}"
            if os.environ.get("PLANCC_REQUIRE_BROWSER") == "1":
                pytest.fail(reason)
            pytest.skip(reason)
    return found


def _run_chromium(chromium: str, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        "--window-size=1400,900",
        f"--user-data-dir={tmp / 'profile'}",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def drawn(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """What the browser drew for the reference plan, measured in CSS pixels."""
    tmp = tmp_path_factory.mktemp("browser")
    page = tmp / "report.html"
    html = render_report_html(make_plan())
    page.write_text(html.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    done = _run_chromium(chromium, tmp, "--dump-dom", page.as_uri())
    m = re.search(r'<pre id="measured">(.*?)</pre>', done.stdout, re.S)
    assert m, f"no measurement in the dumped DOM; chromium said: {done.stderr[-500:]}"
    shot = os.environ.get("PLANCC_REPORT_SCREENSHOT")
    if shot:
        clean = tmp / "clean.html"
        clean.write_text(html, encoding="utf-8")
        _run_chromium(chromium, tmp, f"--screenshot={Path(shot).resolve()}", clean.as_uri())
    return json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&"))


def test_browser_draws_one_row_per_ship(drawn):
    plan = make_plan()
    assert [r["ship"] for r in drawn["rows"]] == [sp.ship for sp in plan.ships]
    tops = [r["top"] for r in drawn["rows"]]
    assert tops == sorted(tops) and len(set(tops)) == len(tops)  # stacked, not overlapping


def test_browser_draws_one_visible_bar_per_task(drawn):
    plan = make_plan()
    expected = sorted(t for leg in plan.legs for t in (leg.load, leg.unload))
    assert sorted(b["task"] for b in drawn["bars"]) == expected
    assert all(b["width"] > 1 and b["height"] > 10 for b in drawn["bars"])


def test_browser_draws_each_bar_inside_its_ships_row(drawn):
    rows = {r["ship"]: r for r in drawn["rows"]}
    for b in drawn["bars"]:
        row = rows[b["ship"]]
        assert row["top"] <= b["top"] and b["bottom"] <= row["bottom"], b["task"]


def test_browser_draws_bars_at_offsets_proportional_to_time(drawn):
    """x = chart origin + time * px/s, the same scale for every ship (within a pixel)."""
    bars = drawn["bars"]
    first = min(bars, key=lambda b: b["start"])
    last = max(bars, key=lambda b: b["end"])
    px_per_s = (last["right"] - first["left"]) / (last["end"] - first["start"])
    assert px_per_s > 0
    for b in bars:
        assert b["left"] == pytest.approx(
            first["left"] + (b["start"] - first["start"]) * px_per_s, abs=1.0
        )
        assert b["right"] == pytest.approx(
            first["left"] + (b["end"] - first["start"]) * px_per_s, abs=1.0
        )


def test_browser_bars_of_one_ship_do_not_overlap(drawn):
    by_ship: dict[str, list[dict]] = {}
    for b in drawn["bars"]:
        by_ship.setdefault(b["ship"], []).append(b)
    for bars in by_ship.values():
        bars.sort(key=lambda b: b["left"])
        for a, b in itertools.pairwise(bars):
            assert a["right"] <= b["left"] + 0.5
