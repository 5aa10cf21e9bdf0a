"""README "Going live", walked end to end with the CLI against the twin over loopback HTTP.

From nothing to a fleet running: register (account token from the environment, agent token to
a 0600 file), snapshot, compile, review, apply (dry run first), a dry-run tick, the cron lines
for the tick and the loop, ticks and a loop pass, status with the ledger checked. The agent
token never appears in any command's output.
"""

from __future__ import annotations

import stat
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result
from loopback import serving

from plancc.cli import cli
from plancc.sim.app import Twin
from runner.state import Store


@pytest.fixture
def walk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    twin = Twin.generate(2, haulers=3, probes=2)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SPACETRADERS_TOKEN", raising=False)
    with serving(twin) as url:
        monkeypatch.setenv("PLANCC_API_URL", url)
        monkeypatch.setenv("SPACETRADERS_ACCOUNT_TOKEN", twin.account_token)
        monkeypatch.setenv("PLANCC_TOKEN_FILE", str(tmp_path / "agent.token"))
        # the twin's clock stands in for the server's (a live server needs none of this)
        monkeypatch.setenv("PLANCC_TWIN_CLOCK", url.removesuffix("/v2"))
        yield twin, url, tmp_path


def plancc(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_the_going_live_walk_from_nothing_to_a_running_fleet(walk) -> None:
    twin, url, tmp = walk
    outputs: list[str] = []

    def step(*args: str, codes: tuple[int, ...] = (0,)) -> Result:
        r = plancc(*args)
        outputs.append(r.output)
        assert r.exit_code in codes, f"plancc {' '.join(args)} -> {r.exit_code}: {r.output}"
        return r

    # 1. register: the agent token goes to a 0600 file
    r = step("register", "WALKER", "--faction", "COSMIC")
    assert "registered WALKER" in r.output
    token = (tmp / "agent.token").read_text().strip()
    assert stat.S_IMODE((tmp / "agent.token").stat().st_mode) == 0o600
    # 2. snapshot, compile, review
    (tmp / "plans").mkdir()
    step("snapshot", "-o", "snap.json")
    step("compile", "--snapshot", "snap.json", "-o", "plans/first.yaml")
    step("compile", "--snapshot", "snap.json", "--hint", "plans/first.yaml", "-o", "plans/new.yaml")
    step("diff", "plans/first.yaml", "plans/new.yaml", codes=(0, 1))
    step("report", "plans/new.yaml", "--html", "plan.html")
    # 3. apply (dry run first), then a dry-run tick
    step("apply", "plans/new.yaml", "--state", "state.db", "--dry-run")
    assert not (tmp / "state.db").exists() or Store.open(tmp / "state.db").active_plan() is None
    step("apply", "plans/new.yaml", "--state", "state.db", "--snapshot", "snap.json")
    assert Store.open(tmp / "state.db").fuel_markets()  # where fuel is sold, before any read
    step("run", "--state", "state.db", "--dry-run")
    # 4. the cron lines: a tick every minute, the loop every 15
    tick_line = step("cron", "--state", "state.db").output
    loop_line = step("loop", "--state", "state.db", "--cron").output
    assert "* * * * *" in tick_line and "plancc" in tick_line and "run" in tick_line
    assert "*/15 * * * *" in loop_line and " loop --state " in loop_line
    # 5. what cron would do for a while: ticks, and a loop pass (probes scout stale markets)
    for _ in range(5):
        step("run", "--state", "state.db", "--budget", "55")
        httpx.post(f"{url.removesuffix('/v2')}/_twin/advance", json={"seconds": 60})
    r = step("loop", "--state", "state.db", "--time-limit", "2")
    assert any(line.startswith(("applied:", "kept:")) for line in r.output.splitlines())
    assert "scout " in r.output  # the probes went to read stale markets
    # 6. watch it: status, with the ledger and cargo checked against the server
    r = step("status", "--state", "state.db", "--check")
    assert "check: ledger and cargo reconcile" in r.output
    # the agent token was never printed
    assert all(token not in out for out in outputs)
    assert all(twin.account_token not in out for out in outputs)


def test_after_a_weekly_reset_the_tick_stops_and_register_replace_starts_over(walk) -> None:
    twin, _, _ = walk
    assert plancc("register", "WALKER").exit_code == 0
    assert plancc("snapshot", "-o", "snap.json").exit_code == 0
    assert plancc("compile", "--snapshot", "snap.json", "-o", "p.yaml").exit_code == 0
    assert plancc("apply", "p.yaml", "--state", "state.db").exit_code == 0
    twin.world.reset(twin.now())
    r = plancc("loop", "--state", "state.db", "--time-limit", "2")
    assert r.exit_code != 0 and "4113" in r.output, r.output
    # README: register again (the old token is dead), into the same token file
    r = plancc("register", "WALKER2", "--replace")
    assert r.exit_code == 0, r.output
    assert plancc("snapshot", "-o", "snap2.json").exit_code == 0
    assert plancc("compile", "--snapshot", "snap2.json", "-o", "p2.yaml").exit_code == 0
    r = plancc("apply", "p2.yaml", "--state", "state2.db")
    assert r.exit_code == 0, r.output
