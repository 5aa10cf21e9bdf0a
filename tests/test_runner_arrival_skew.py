"""A ship our clock says has arrived, while the server still has it a moment out.

Arrival times come back with milliseconds and the server's clock may run a moment behind
ours: at the instant we compute for the arrival, a market read can show no prices yet. Before,
the runner took that read as an answer, decided the same read again at the same instant and
spun forever (one e2e run logged 225,000 'arrived' events inside one tick).
"""

from __future__ import annotations

from pathlib import Path

from runner_world import mini

from runner.actions import PRESENCE_RETRY_S, Executor
from runner.decide import Action
from runner.policy import RunnerPolicy
from tests.twin_fixtures import BELT, HAULER, HQ, PROBE


def _arriving(tmp: Path, server_late_s: float):
    """The mini world with the hauler arriving at HQ now by our clock, ``server_late_s``
    later by the server's."""
    world = mini(tmp)
    now = world.twin.now()
    world.twin.world.ships[HAULER]["nav"]["status"] = "IN_TRANSIT"
    world.twin.world.arrivals[HAULER] = now + server_late_s
    world.twin.world.ships[PROBE]["nav"]["waypointSymbol"] = BELT  # no other ship of ours at HQ
    store = world.store()
    with store.tx() as c:
        store.update_ship(c, HAULER, waypoint=HQ, status="IN_TRANSIT", arrival=now)
    return world, store


def _read_market(world, store) -> None:
    ex = Executor(store, world.client, world.clock(), RunnerPolicy())
    ex.run(Action("READ_MARKET", ship=HAULER, market=HQ, good="IRON", task="load"))


def test_a_market_read_before_the_server_sees_the_ship_is_retried_shortly(tmp_path: Path) -> None:
    world, store = _arriving(tmp_path, server_late_s=0.5)
    now = world.twin.now()
    _read_market(world, store)
    ship = store.ships()[HAULER]
    assert not ship.quote_ok
    assert now < ship.not_before <= now + PRESENCE_RETRY_S + 1
    assert "no prices yet" in ship.park_reason
    # nothing learned about the factory from a read that saw no prices
    assert store.conn.execute("SELECT COUNT(*) FROM factory_states").fetchone()[0] == 0


def test_the_read_after_the_retry_sees_the_prices(tmp_path: Path) -> None:
    world, store = _arriving(tmp_path, server_late_s=0.5)
    _read_market(world, store)
    world.twin.advance(PRESENCE_RETRY_S)
    _read_market(world, store)
    assert store.ships()[HAULER].quote_ok


def test_a_tick_whose_decisions_change_nothing_lets_time_pass_instead_of_spinning(
    tmp_path: Path, monkeypatch
) -> None:
    """Whatever the cause, the same decision again and again at one instant never keeps a
    tick busy forever: after a few repeats the tick waits, and its budget ends it."""
    import signal

    import runner.tick

    world = mini(tmp_path)
    same = [Action("READ_AGENT", ship=HAULER, reason="a decision that changes nothing")]
    monkeypatch.setattr(runner.tick, "decide", lambda view, policy: list(same))
    start = world.twin.now()

    def spinning(signum: int, frame: object) -> None:
        raise TimeoutError("the tick spun for 30 s of wall time")

    # a spinning tick fails the test instead of hanging the suite
    previous = signal.signal(signal.SIGALRM, spinning)
    signal.alarm(30)
    try:
        result = world.tick(budget_s=5)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert result.outcome == "worked"
    assert world.twin.now() - start >= 5
    stalls = (
        world.store()
        .conn.execute(
            "SELECT COUNT(*) FROM events WHERE kind='stall' AND message LIKE '%changed nothing%'"
        )
        .fetchone()[0]
    )
    assert stalls >= 1
