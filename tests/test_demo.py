"""`make demo` / `plancc demo`: scout, snapshot, compile, review against the empty plan, apply,
then fly with the tick every game-minute and the loop every 15; summary table or --json; the
plan report and the run report in demo-out/."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from plancc import demo
from plancc.load import load_snapshot
from plancc.planfile import load_plan

SHORT = ["--hours", "1", "--ships", "4", "--probes", "2", "--time-limit", "1"]


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, str, str]:
    out = tmp_path_factory.mktemp("demo")
    import contextlib
    import io

    o, e = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(o), contextlib.redirect_stderr(e):
        code = demo.main([str(out), *SHORT])
    return out, code, o.getvalue(), e.getvalue()


def test_demo_scouts_every_market_into_a_valid_snapshot(ran) -> None:
    out, code, _, _ = ran
    assert code == 0
    raw = json.loads((out / "snapshot.json").read_text())
    markets = {m["symbol"] for m in raw["markets"]}
    assert markets and set(raw["observedAt"]) == markets  # every market was read by a probe
    assert all(m.get("tradeGoods") for m in raw["markets"])
    assert load_snapshot(out / "snapshot.json").markets


def test_demo_reviews_the_first_plan_against_the_empty_plan_and_draws_it(ran) -> None:
    out, _, stdout, _ = ran
    plan = load_plan(out / "plan.yaml")
    assert plan.pipelines, "the bundled twin universe should offer profitable work"
    assert "+" in stdout and plan.pipelines[0].product in stdout
    assert "<svg" in (out / "plan.html").read_text()


def test_demo_flies_with_a_progress_bar_and_prints_the_summary_table(ran) -> None:
    _, _, stdout, stderr = ran
    assert "5/6 fly 1 game-hours" in stderr
    assert "credits" in stderr and "utilisation" in stderr and "pipelines" in stderr
    for label in ("credits / hour", "utilisation", "requests / task", "429s received"):
        assert label in stdout
    assert re.search(r"\| ledger reconciled\s+\|\s+yes \|", stdout), stdout


def test_demo_writes_the_run_report_with_its_three_pictures(ran) -> None:
    out, _, _, _ = ran
    html = (out / "run.html").read_text()
    assert 'class="credits"' in html and 'data-lane="realised"' in html
    assert 'data-lane="planned"' in html and 'class="pnl' in html


def test_demo_json_prints_one_object_with_the_summary_keys(tmp_path: Path, capsys) -> None:
    assert demo.main([str(tmp_path), *SHORT, "--hours", "0.5", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data) == list(demo.SUMMARY_KEYS)
    assert data["ledger_reconciled"] is True


def test_demo_is_deterministic_up_to_the_first_plan(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        assert demo.main([str(out), *SHORT, "--hours", "0.25", "--json"]) == 0
    for name in ("snapshot.json", "plan.yaml", "plan.html"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_demo_flies_on_until_every_pipeline_has_ended_and_shows_the_status(ran) -> None:
    from runner.state import Store

    out, _, stdout, stderr = ran
    assert "no new work from here" in stderr and "every pipeline ended" in stderr
    s = Store.open(out / "state.db", create=False)
    try:
        assert not s.has_open_work()
        ended = s.conn.execute("SELECT COUNT(*) FROM pipelines WHERE status!='ACTIVE'")
        assert ended.fetchone()[0] > 0
    finally:
        s.close()
    assert "pipelines:" in stdout and "game time" in stdout  # plancc status's view
