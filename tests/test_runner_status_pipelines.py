"""``plancc status`` after days of running: the loop re-plans every 15 minutes, so the state
holds hundreds of pipelines, most of them ended or dropped unstarted by a re-plan. Status gives
totals over all of them and lists the live ones and the 20 that ended last; ``--all`` lists
every one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from plancc.cli import cli
from runner.state import Store
from runner.status import RECENT_ENDED, pipeline_view, render_status, status_data


def _pipeline(pid: str, status: str, ended_at: float | None = None, **kw: Any) -> dict[str, Any]:
    row = {
        "id": pid,
        "status": status,
        "reason": "",
        "tasks": 2,
        "tasks_done": 2 if status == "COMPLETED" else 0,
        "expected_cost": 100,
        "expected_revenue": 150,
        "expected_profit": 50,
        "spent": 100 if status == "COMPLETED" else 0,
        "earned": 140 if status == "COMPLETED" else 0,
        "profit": 40 if status == "COMPLETED" else 0,
        "ended_at": ended_at,
        "dropped": False,
    }
    return {**row, **kw}


def test_status_lists_the_live_pipelines_and_only_the_last_ones_to_end() -> None:
    live = [_pipeline(f"LIVE{i}", "ACTIVE") for i in range(3)]
    ended = [_pipeline(f"DONE{i:02}", "COMPLETED", ended_at=1000.0 + i) for i in range(30)]
    view = pipeline_view(live + ended, all_pipelines=False)
    shown = [p["id"] for p in view["pipelines"]]
    assert [p for p in shown if p.startswith("LIVE")] == ["LIVE0", "LIVE1", "LIVE2"]
    assert sorted(p for p in shown if p.startswith("DONE")) == [
        f"DONE{i:02}" for i in range(30 - RECENT_ENDED, 30)
    ]
    assert view["pipelines_not_shown"] == 30 - RECENT_ENDED


def test_pipelines_dropped_unstarted_are_counted_but_not_listed_nor_in_the_pnl() -> None:
    pnl = [
        _pipeline("A", "COMPLETED", ended_at=10.0),
        _pipeline("B", "FAILED", ended_at=11.0, spent=80, profit=-80, tasks_done=1),
        _pipeline("C", "FAILED", ended_at=12.0, dropped=True, expected_profit=999),
    ]
    view = pipeline_view(pnl, all_pipelines=False)
    assert [p["id"] for p in view["pipelines"]] == ["A", "B"]
    assert view["pipeline_totals"] == {
        "live": 0,
        "completed": 1,
        "failed": 1,
        "dropped": 1,
        "planned_profit": 100,
        "realised_profit": -40,
    }
    assert view["pipelines_not_shown"] == 1


def test_status_all_lists_every_pipeline() -> None:
    pnl = [_pipeline(f"DONE{i:02}", "COMPLETED", ended_at=float(i)) for i in range(30)]
    pnl.append(_pipeline("GONE", "FAILED", ended_at=99.0, dropped=True))
    view = pipeline_view(pnl, all_pipelines=True)
    assert view["pipelines"] == pnl and view["pipelines_not_shown"] == 0


def _state(tmp_path: Path) -> Path:
    path = tmp_path / "state.db"
    store = Store.open(path)
    with store.tx() as c:
        for pid, status in (("P-DROPPED", "FAILED"), ("P-SPENT", "FAILED"), ("P-LIVE", "ACTIVE")):
            c.execute(
                "INSERT INTO pipelines (id, product, sell_market, quantity, expected_cost, "
                "expected_revenue, status, ended_at) VALUES (?, 'GOOD', 'M', 1, 10, 20, ?, ?)",
                (pid, status, 50.0 if status == "FAILED" else None),
            )
        c.execute(
            "INSERT INTO ledger (at, ship, kind, good, units, price_per_unit, total, pipeline) "
            "VALUES (40.0, 'S-1', 'PURCHASE', 'GOOD', 1, 10, 10, 'P-SPENT')"
        )
    store.close()
    return path


def test_a_pipeline_that_failed_after_spending_is_a_failure_not_a_drop(tmp_path: Path) -> None:
    store = Store.open(_state(tmp_path), create=False)
    try:
        dropped = {p["id"]: p["dropped"] for p in store.pipeline_pnl()}
        text = render_status(status_data(store, 100.0))
    finally:
        store.close()
    assert dropped == {"P-DROPPED": True, "P-LIVE": False, "P-SPENT": False}
    assert "pipelines: 1 live, 0 completed, 1 failed" in text
    assert "1 dropped unstarted by a re-plan" in text
    assert "P-SPENT" in text and "P-LIVE" in text and "P-DROPPED" not in text
    assert "1 earlier or dropped pipelines not shown (plancc status --all)" in text


def test_plancc_status_all_shows_the_dropped_pipelines_too(tmp_path: Path) -> None:
    state = _state(tmp_path)
    default = CliRunner().invoke(cli, ["status", "--state", str(state), "--json"])
    everything = CliRunner().invoke(cli, ["status", "--state", str(state), "--json", "--all"])
    assert default.exit_code == 0 and everything.exit_code == 0, default.output
    assert {p["id"] for p in json.loads(default.output)["pipelines"]} == {"P-LIVE", "P-SPENT"}
    assert {p["id"] for p in json.loads(everything.output)["pipelines"]} == {
        "P-DROPPED",
        "P-LIVE",
        "P-SPENT",
    }
