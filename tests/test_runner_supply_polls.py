"""A COLLECT waiting for its factory polls the export's supply as seldom as what is known
allows (issue 11): a fed export climbs about one level per ``supply_level_s``, so the next
poll is no sooner than that for each level still missing, and backs off x1.5 from there (at
most ``supply_poll_max_s``); the last poll falls on the end of the patience and decides the
failure. A read of the factory made for another reason (another ship docked there, a scout)
serves as a poll: the next one is due an interval after it, and a read made once a poll was
due is that poll.

Before, polls came every 120 s backing off to 900 s: a factory that stayed MODERATE for the
whole 6 h patience cost 22 reads in the runner benchmark."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from test_runner_decide import LOAD, NOW, POLICY, only, quote, world

from runner.decide import decide, next_due
from runner.model import FactoryWait
from tests.runner_world import RunnerWorld

COLLECT = replace(LOAD, type="COLLECT")
LEVEL = POLICY.supply_level_s


def waiting(read_at: float, supply: str = "MODERATE", **wait: float):
    """The view of a COLLECT whose factory was last read at ``read_at``."""
    w = FactoryWait("t-load", "MKT-A", "IRON", **{"awaiting_since": NOW - 60, **wait})  # type: ignore[arg-type]
    read = replace(quote("MKT-A", supply=supply, at=read_at), by="S-2")
    return world(load_spec=COLLECT, quotes=(read,), factories={"t-load": w})


def test_a_poll_short_of_the_level_waits_a_level_climb_for_each_level_missing() -> None:
    one = only(waiting(NOW, "MODERATE", next_poll=NOW))
    two = only(waiting(NOW, "LIMITED", next_poll=NOW))
    assert (one.kind, one.until) == ("WAIT_SUPPLY", NOW + LEVEL)
    assert (two.kind, two.until) == ("WAIT_SUPPLY", NOW + 2 * LEVEL)


def test_polls_back_off_from_there_up_to_the_policy_maximum() -> None:
    second = only(waiting(NOW, next_poll=NOW, polls=1))
    late = only(waiting(NOW, next_poll=NOW, polls=9))
    assert second.until == NOW + 1.5 * LEVEL
    assert late.until == NOW + POLICY.supply_poll_max_s


def test_the_last_poll_falls_on_the_end_of_the_patience_and_decides_the_failure() -> None:
    since = NOW - POLICY.supply_patience_s + 1.2 * POLICY.supply_poll_max_s
    last = only(waiting(NOW, next_poll=NOW, polls=9, awaiting_since=since))
    assert last.until == since + POLICY.supply_patience_s  # not a poll 0.2 h before it
    end = waiting(last.until, next_poll=last.until, polls=10, awaiting_since=since)
    assert only(replace(end, now=last.until)).kind == "FAIL_PIPELINE"


def test_another_ships_read_between_polls_serves_as_the_poll() -> None:
    # polled at NOW - LEVEL (next due at NOW); another ship read the factory at NOW - 600
    view = waiting(NOW - 600, next_poll=NOW, polls=1)
    assert decide(view, POLICY) == []
    assert next_due(view, POLICY) == NOW - 600 + LEVEL


def test_a_read_by_another_ship_once_the_poll_was_due_is_that_poll() -> None:
    a = only(waiting(NOW - 30, next_poll=NOW - 60, polls=1))
    assert (a.kind, a.until) == ("WAIT_SUPPLY", NOW - 30 + 1.5 * LEVEL)


def test_a_read_since_the_collect_could_start_opens_the_wait_without_a_read_of_its_own() -> None:
    read = replace(quote("MKT-A", supply="MODERATE", at=NOW - 30), by="S-2")
    view = world(load_spec=COLLECT, quotes=(read,))
    a = only(view)
    assert (a.kind, a.until) == ("WAIT_SUPPLY", NOW - 30 + LEVEL)
    lagged = replace(COLLECT, lag_s=int(NOW))  # the factory may not be collected from before
    assert only(world(load_spec=lagged, quotes=(read,))).kind == "READ_MARKET"


def test_a_factory_that_reached_the_level_in_another_ships_read_is_collected() -> None:
    assert only(waiting(NOW - 600, "HIGH", next_poll=NOW + 900, polls=1)).kind == "BUY"


def test_on_the_twin_a_factory_that_never_gets_there_costs_a_handful_of_reads(
    tmp_path: Path,
) -> None:
    world_ = RunnerWorld.build(tmp_path, seed=1, haulers=5)
    world_.run_until_done()
    store = world_.store()
    (failed,) = store.conn.execute("SELECT reason FROM pipelines WHERE status='FAILED'").fetchone()
    assert "patience" in failed
    reads = store.conn.execute("SELECT COUNT(*) FROM events WHERE kind='supply-read'").fetchone()
    assert reads[0] <= 8  # 22 before
    assert world_.check() == []


def test_a_wait_opened_on_another_ships_read_is_kept_in_state(tmp_path: Path) -> None:
    from runner.actions import Executor
    from runner.decide import Action

    world_ = RunnerWorld.build(tmp_path, seed=1, haulers=5)
    store = world_.store()
    task = next(t for t in store.tasks().values() if t.spec.type == "COLLECT")
    ex = Executor(store, world_.client, world_.clock(), POLICY)
    now = world_.twin.now()
    wait = Action("WAIT_SUPPLY", "S-1", task.id, market=task.spec.market, good=task.spec.good,
                  until=now + LEVEL)  # fmt: skip
    ex.run(wait)
    got = store.factories()[task.id]
    assert (got.next_poll, got.polls, got.awaiting_since) == (now + LEVEL, 1, now)
    ex.run(replace(wait, until=now + 2 * LEVEL))
    assert store.factories()[task.id].polls == 2


def test_a_poll_whose_read_does_not_list_the_good_fails_the_pipeline_not_reads_again() -> None:
    wait = FactoryWait("t-load", "MKT-A", "IRON", NOW - 5, NOW - 5)  # opened by that read
    view = world(load_spec=COLLECT, factories={"t-load": wait})
    a = only(replace(view, market_read_at={"MKT-A": NOW - 5}))
    assert a.kind == "FAIL_PIPELINE" and "no longer exports" in a.reason
