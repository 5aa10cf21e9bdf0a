"""The runner flies a compiled plan on the twin's virtual clock, tick by tick, in-process."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner import lock
from runner.state import Store
from runner.tick import EXIT_BROKEN, EXIT_RESET, run_tick
from tests.runner_world import RunnerWorld


@pytest.fixture(scope="module")
def flown(tmp_path_factory: pytest.TempPathFactory) -> RunnerWorld:
    """One full run, `status --check` after every tick (module-scoped: the run is the test)."""
    # seed 2: a generated system whose plan keeps five haulers busy (since issue 9 the twin's
    # systems make only part of the chain, and seed 1's plan needs four)
    world = RunnerWorld.build(tmp_path_factory.mktemp("e2e"), seed=2, haulers=5)
    world.run_until_done(check_each=True)
    return world


def test_the_plan_has_concurrent_pipelines_on_five_ships(flown: RunnerWorld) -> None:
    s = flown.store()
    plan = s.active_plan()
    assert plan is not None
    assert len(plan.pipelines) >= 2
    assert len({leg.ship for leg in plan.legs}) >= 5
    # concurrency: some pipeline started before another ended
    rows = s.conn.execute("SELECT started_at, ended_at FROM pipelines").fetchall()
    assert any(a[0] < b[1] and b[0] < a[1] for a in rows for b in rows if a != b)


def test_every_pipeline_ends_completed_or_failed_with_no_cargo_left(flown: RunnerWorld) -> None:
    s = flown.store()
    statuses = {r[0] for r in s.conn.execute("SELECT status FROM pipelines")}
    assert statuses <= {"COMPLETED", "FAILED"}
    assert "COMPLETED" in statuses
    with flown.client() as c:
        assert all(ship.cargo_units == 0 for ship in c.ships())
    assert flown.check() == []


def test_the_ledger_reconciles_with_the_agents_credits(flown: RunnerWorld) -> None:
    s = flown.store()
    with flown.client() as c:
        assert c.agent().credits == s.expected_credits()
    assert s.ledger_totals()["SELL"] > s.ledger_totals()["PURCHASE"] > 0


def test_a_tick_with_nothing_due_makes_no_request(flown: RunnerWorld) -> None:
    made = []

    def factory():  # the client is built only when a request is due
        made.append(1)
        return flown.client()

    result = run_tick(flown.state, factory, flown.clock(), flown.policy)
    assert result.outcome == "idle" and result.request_count == 0 and made == []


def test_a_second_tick_exits_at_once_while_one_holds_the_lock(tmp_path: Path) -> None:
    world = RunnerWorld.build(tmp_path)
    with lock.exclusive(world.state):
        result = run_tick(world.state, world.client, world.clock(), world.policy)
    assert result.outcome == "locked" and result.exit_code == 0 and result.request_count == 0


def test_a_universe_reset_mid_plan_stops_the_tick_with_its_exit_code(tmp_path: Path) -> None:
    world = RunnerWorld.build(tmp_path)
    for _ in range(3):
        world.tick()
    s = world.store()
    bought = len(s.ledger())
    world.twin.world.reset(world.twin.now())
    result = world.tick()
    for _ in range(20):  # ticks that make no request (local bookkeeping) cannot see the reset
        if result.exit_code == EXIT_RESET or result.request_count:
            break
        result = world.tick()
    assert result.exit_code == EXIT_RESET and "reset" in result.message
    again = world.tick()  # and every later tick: no request, same code
    assert again.exit_code == EXIT_RESET and again.request_count == 0
    assert len(world.store().ledger()) == bought


def test_a_broken_state_file_has_its_own_exit_code(tmp_path: Path) -> None:
    bad = tmp_path / "state.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    result = run_tick(bad, lambda: None, _NoClock(), None)
    assert result.exit_code == EXIT_BROKEN and "state.db" in result.message


class _NoClock:
    offset = 0.0

    def now(self) -> float:
        return 0.0

    def wait(self, seconds: float) -> None:
        raise AssertionError("a broken state must not wait")

    def observe(self, server_epoch: float) -> None:
        pass


def test_the_token_is_never_written_to_the_state_file(flown: RunnerWorld) -> None:
    token = flown.twin.token
    s = flown.store()
    s.conn.execute("PRAGMA wal_checkpoint(FULL)")
    for path in Path(flown.state).parent.glob("state.db*"):
        assert token.encode() not in path.read_bytes()
    assert all(token not in e["message"] for e in s.events(100000))


def test_status_reports_pipelines_ships_and_the_last_tick(flown: RunnerWorld) -> None:
    from runner.status import render_status, status_data, tasks_data

    s = flown.store()
    data = status_data(s, flown.twin.now())
    text = render_status(data)
    assert "COMPLETED" in text and "PLANCC-1" in text and "last tick" in text
    assert all(t["status"] in ("COMPLETED", "CANCELLED") for t in tasks_data(s))


def test_state_is_migrated_to_the_current_schema_version(tmp_path: Path) -> None:
    from runner.state import SCHEMA_VERSION

    s = Store.open(tmp_path / "new.db")
    assert s.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert s.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
