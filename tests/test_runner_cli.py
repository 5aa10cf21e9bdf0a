"""``plancc apply / run / status / tasks / cron`` as a person runs them: real processes, the
twin on loopback HTTP, its virtual clock driven through PLANCC_TWIN_CLOCK."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from plancc.planfile import dump_plan, load_plan
from tests.runner_world import Loopback, RunnerWorld, only_pipelines


@pytest.fixture()
def served(tmp_path: Path) -> Iterator[tuple[RunnerWorld, Loopback]]:
    world = RunnerWorld.build(tmp_path, seed=1, haulers=5, apply=False)
    loop = Loopback(world.twin)
    yield world, loop
    loop.close()


@pytest.fixture()
def served_firsts(tmp_path: Path) -> Iterator[tuple[RunnerWorld, Loopback]]:
    """The plan's first batch of each product (one of them made at a factory: deliveries, a
    production wait, a collect). A plan flown to its end through real processes pays its
    requests at the server's 2 a second and a process per tick; later batches add only more."""
    world = RunnerWorld.build(tmp_path, seed=1, haulers=5, apply=False)
    plan = load_plan(world.plan)
    firsts = only_pipelines(plan, {p.id for p in plan.pipelines if "+" not in p.id})
    world.plan = tmp_path / "firsts.yaml"
    world.plan.write_text(dump_plan(firsts))
    loop = Loopback(world.twin)
    yield world, loop
    loop.close()


def plancc(
    loop: Loopback, token: str, *args: str, log: Path | None = None
) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "PLANCC_API_URL": loop.api_url,
        "SPACETRADERS_TOKEN": token,
        "PLANCC_TWIN_CLOCK": loop.root,
    }
    p = subprocess.run(
        [sys.executable, "-m", "plancc", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if log is not None:
        with log.open("a") as f:
            f.write(p.stdout + p.stderr)
    return p


def test_apply_dry_run_prints_the_changes_and_writes_nothing(served) -> None:
    world, loop = served
    p = plancc(
        loop, world.twin.token, "apply", str(world.plan), "--state", str(world.state), "--dry-run"
    )
    assert p.returncode == 0, p.stderr
    assert p.stdout.count("+ pipeline") >= 2
    assert not world.state.exists() or world.store().active_plan() is None


def test_apply_dry_run_on_a_new_state_creates_no_state_or_lock_file(served) -> None:
    world, loop = served
    assert not world.state.exists()
    p = plancc(
        loop, world.twin.token, "apply", str(world.plan), "--state", str(world.state), "--dry-run"
    )
    assert p.returncode == 0, p.stderr
    assert "would apply" in p.stderr
    assert sorted(f.name for f in world.state.parent.glob(world.state.name + "*")) == []


def test_apply_then_ticks_fly_the_plan_and_status_check_reconciles(served_firsts, tmp_path) -> None:
    world, loop = served_firsts
    token = world.twin.token
    log = tmp_path / "cron.log"
    state = str(world.state)
    p = plancc(loop, token, "apply", str(world.plan), "--state", state, log=log)
    assert p.returncode == 0, p.stderr
    preview = plancc(loop, token, "run", "--state", state, "--dry-run", log=log)
    assert preview.returncode == 0, preview.stderr
    assert "expected credits" in preview.stdout
    assert world.store().ledger() == []  # the preview changed nothing
    # a COLLECT waits for its factory to be HIGH again (in this seed it stays MODERATE past the
    # 6 h patience: the pipeline fails and its cargo is settled): ticks a minute apart while
    # they act; after a tick with nothing to do the next comes 5 minutes later, as when cron
    # skipped a few (a machine asleep)
    for _ in range(400):
        r = plancc(loop, token, "run", "--state", state, log=log)
        assert r.returncode == 0, r.stderr
        if not world.open_work():
            break
        world.twin.advance(60 if "tick:" in r.stderr else 300)
    assert not world.open_work()
    tasks = json.loads(plancc(loop, token, "tasks", "--state", state, "--json").stdout)
    done = {t["type"] for t in tasks if t["status"] == "COMPLETED"}
    assert done >= {"ACQUIRE", "DELIVER", "SELL"}  # the factory was fed, not only trades flown
    check = plancc(loop, token, "status", "--state", state, "--check", log=log)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "reconcile" in check.stdout
    data = json.loads(plancc(loop, token, "status", "--state", state, "--json").stdout)
    assert {p["status"] for p in data["pipelines"]} <= {"COMPLETED", "FAILED"}
    tasks = json.loads(plancc(loop, token, "tasks", "--state", state, "--json").stdout)
    assert tasks and all("depends_on" in t and "retries" in t for t in tasks)
    snap = world.state.parent / "merged.json"
    p = plancc(loop, token, "snapshot", "--state", state, "-o", str(snap), log=log)
    assert p.returncode == 0, p.stderr
    merged = json.loads(snap.read_text())
    assert merged["observedAgeSeconds"] and all(
        m["tradeGoods"] for m in merged["markets"] if m["symbol"] in merged["observedAgeSeconds"]
    )
    assert plancc(loop, token, "validate", str(snap)).returncode == 0
    assert token not in log.read_text()  # the token never reaches the log


def test_status_check_exits_1_naming_what_differs(served) -> None:
    world, loop = served
    state = str(world.state)
    assert (
        plancc(loop, world.twin.token, "apply", str(world.plan), "--state", state).returncode == 0
    )
    world.twin.world.agents[world.twin.agent_symbol]["credits"] += 1234  # money from nowhere
    p = plancc(loop, world.twin.token, "status", "--state", state, "--check")
    assert p.returncode == 1
    assert "ledger" in p.stdout and "+1,234" in p.stdout


def test_run_on_a_missing_state_file_says_so_with_the_broken_state_code(tmp_path: Path) -> None:
    p = subprocess.run(
        [sys.executable, "-m", "plancc", "run", "--state", str(tmp_path / "nope.db")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert p.returncode == 4 and "plancc apply" in p.stderr and "Traceback" not in p.stderr


def test_cron_prints_a_flock_guarded_crontab_line_with_a_log_file(tmp_path: Path) -> None:
    p = subprocess.run(
        [sys.executable, "-m", "plancc", "cron", "--state", str(tmp_path / "s.db")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert p.returncode == 0
    line = next(x for x in p.stdout.splitlines() if x.startswith("* * * * *"))
    assert "flock -n" in line and "run --state" in line and ">> " in line and "s.db.log" in line


def test_run_after_a_universe_reset_exits_3_with_one_clear_line(served) -> None:
    import httpx

    world, loop = served
    state = str(world.state)
    assert (
        plancc(loop, world.twin.token, "apply", str(world.plan), "--state", state).returncode == 0
    )
    httpx.post(f"{loop.root}/_twin/reset", timeout=10).raise_for_status()
    p = plancc(loop, world.twin.token, "run", "--state", state)
    assert p.returncode == 3, p.stderr
    assert "universe was reset" in p.stderr and "Traceback" not in p.stderr
    assert world.store().ledger() == []  # nothing was acted on


def test_apply_with_its_snapshot_teaches_the_runner_where_fuel_is_sold(served, tmp_path) -> None:
    world, loop = served
    snapshot = tmp_path / "snapshot.json"  # the one the plan was compiled from
    listed = {
        m["symbol"]
        for m in json.loads(snapshot.read_text())["markets"]
        if any(g["symbol"] == "FUEL" for k in ("exports", "imports", "exchange") for g in m[k])
    }
    p = plancc(
        loop,
        world.twin.token,
        "apply",
        str(world.plan),
        "--state",
        str(world.state),
        "--snapshot",
        str(snapshot),
    )
    assert p.returncode == 0, p.stderr
    assert f"fuel known at {len(listed)} of" in p.stdout
    assert listed and world.store().fuel_markets() == listed


def test_apply_refuses_a_snapshot_of_another_system_and_applies_nothing(served, tmp_path) -> None:
    world, loop = served
    other = Path(__file__).resolve().parent.parent / "plans" / "example.snapshot.json"  # X1-AD75
    args = ("apply", str(world.plan), "--state", str(world.state), "--snapshot", str(other))
    p = plancc(loop, world.twin.token, *args)
    assert p.returncode == 2
    assert p.stderr.strip().splitlines()[-1].startswith(f"error: {other}:")
    assert "system: X1-AD75, but the plan is for X1-TW1" in p.stderr
    assert "Traceback" not in p.stderr
    assert not world.state.exists() or world.store().active_plan() is None


def test_apply_dry_run_with_a_snapshot_says_what_it_would_learn_and_writes_nothing(
    served, tmp_path
) -> None:
    world, loop = served
    args = ("apply", str(world.plan), "--state", str(world.state), "--dry-run")
    p = plancc(loop, world.twin.token, *args, "--snapshot", str(tmp_path / "snapshot.json"))
    assert p.returncode == 0, p.stderr
    assert "fuel known at" in p.stdout
    assert not world.state.exists()
