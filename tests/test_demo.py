"""`make demo` runs the main job end to end on the twin: scout, snapshot, compile, diff, report,
then flies the plan with the runner."""

from __future__ import annotations

import json

from plancc import demo
from plancc.load import load_snapshot
from plancc.planfile import load_plan


def test_demo_scouts_every_market_and_writes_valid_snapshot_plans_and_report(tmp_path, capsys):
    assert demo.main([str(tmp_path)]) == 0

    raw = json.loads((tmp_path / "snapshot.json").read_text())
    markets = {m["symbol"] for m in raw["markets"]}
    assert markets and set(raw["observedAt"]) == markets  # every market was read by a probe
    assert all(m.get("tradeGoods") for m in raw["markets"])
    snap = load_snapshot(tmp_path / "snapshot.json")

    greedy = load_plan(tmp_path / "plan-greedy.yaml")
    listed = load_plan(tmp_path / "plan-list.yaml")
    assert greedy.objective.scheduler == "greedy"
    assert listed.objective.scheduler == "list"
    assert listed.provenance.system == snap.system
    assert listed.pipelines, "the bundled twin universe should offer profitable work"

    html = (tmp_path / "plan.html").read_text()
    assert "<svg" in html
    out = capsys.readouterr()
    assert out.out.strip(), "the greedy -> list review is printed"


def test_demo_flies_the_plan_until_every_pipeline_ends_and_the_ledger_reconciles(tmp_path, capsys):
    from runner.state import Store

    assert demo.main([str(tmp_path)]) == 0  # exit 1 if `status --check` found a mismatch
    err = capsys.readouterr().err
    assert "6/6 fly" in err and "pipelines" in err and "ships busy" in err
    assert "check: ledger and cargo reconcile" in err
    store = Store.open(tmp_path / "state.db", create=False)
    statuses = {p["status"] for p in store.pipeline_pnl()}
    assert statuses <= {"COMPLETED", "FAILED"} and "COMPLETED" in statuses


def test_demo_is_deterministic(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert demo.main([str(a)]) == 0
    assert demo.main([str(b)]) == 0
    for name in ("snapshot.json", "plan-greedy.yaml", "plan-list.yaml", "plan.html"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
