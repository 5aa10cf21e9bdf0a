"""Scouting between loop passes (issue 12): a probe the loop sent reads the market it reaches
and flies on to the next stale one in the tick after it arrives. Before, it idled there until
the next ``plancc loop`` pass, up to 15 minutes later, and read nothing in between."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

from loop_world import new_flight

from plancc.api import Fuel, Nav, NavigateResult
from plancc.model import Market
from runner import scouting
from runner.scouting import Order, Scouting, onward, parked
from runner.state import Store

COORDS = {"A": (0.0, 0.0), "B": (10.0, 0.0), "C": (100.0, 0.0), "D": (200.0, 0.0)}
HOUR = 3600.0


def _scouting(*orders: Order) -> Scouting:
    return Scouting(("A", "B", "C", "D"), HOUR, orders)


def test_a_probe_goes_on_to_the_stalest_market() -> None:
    read = {"A": 9_000.0, "B": 5_000.0, "C": 1_000.0, "D": 2_000.0}
    order = onward(_scouting(), "P1", "A", read, COORDS, now=10_000.0)
    assert order == Order("P1", "C", math.inf)


def test_a_market_another_probe_is_flying_to_is_left_to_it() -> None:
    read = {"A": 9_000.0, "B": 5_000.0, "C": 1_000.0, "D": 2_000.0}
    other = Order("P2", "C", 10_500.0)
    order = onward(_scouting(other), "P1", "A", read, COORDS, now=10_000.0)
    assert order is not None and order.market == "D"


def test_with_nothing_stale_a_probe_parks_until_the_first_market_goes_stale() -> None:
    read = {"A": 9_000.0, "B": 8_000.0, "C": 9_500.0, "D": 9_900.0}
    order = onward(_scouting(), "P1", "A", read, COORDS, now=10_000.0)
    assert order == Order("P1", "A", 8_000.0 + HOUR + 1.0, parked=True)


def test_a_parked_probe_looks_again_no_sooner_than_the_park_interval() -> None:
    """Nothing fresh left to go stale (every market stale, each taken by another probe): the
    parked probe does not spin on them."""
    read = {"A": 0.0, "B": 0.0, "C": 0.0, "D": 0.0}
    order = parked(_scouting(Order("P2", "D", 10_100.0)), "P1", "A", read, now=10_000.0)
    assert order.parked and order.due == 10_000.0 + scouting.PARK_S


def test_a_probe_where_no_coordinates_are_known_is_left_to_the_loop() -> None:
    assert onward(_scouting(), "P1", "X9", {}, COORDS, now=0.0) is None


def test_orders_survive_the_state_file(tmp_path: Path) -> None:
    plan = _scouting(Order("P1", "C", 123.5), Order("P2", "A", 99.0, parked=True))
    store = Store.open(tmp_path / "state.db")
    scouting.save(store, plan)
    store.close()
    store = Store.open(tmp_path / "state.db")
    assert scouting.load(store) == plan
    assert scouting.next_due(scouting.load(store)) == 99.0
    store.close()


class _Server:
    """The two calls scouting makes, answered as the server would for a probe that the server
    has not yet seen arrive: a market read from afar (no prices)."""

    def __init__(self) -> None:
        self.flown: list[tuple[str, str]] = []

    def market(self, system: str, waypoint: str) -> Market:
        return Market(waypoint)

    def navigate(self, probe: str, waypoint: str) -> NavigateResult:
        self.flown.append((probe, waypoint))
        arrival = datetime.fromtimestamp(500.0, tz=UTC)
        nav = Nav(waypoint, "X1", "IN_TRANSIT", "CRUISE", arrival=arrival)
        return NavigateResult(nav, Fuel(0, 0))


def test_a_read_that_shows_no_prices_at_arrival_is_tried_again_then_left(tmp_path: Path) -> None:
    """Just after arrival the server may not see the probe there yet: the read is tried again
    a moment later (never at the same instant: no spin), and after ``PRESENCE_WAIT_S`` the
    probe flies on without it."""
    store = Store.open(tmp_path / "state.db")
    with store.tx() as c:
        store.put_coords(c, {m: (int(x), int(y)) for m, (x, y) in COORDS.items()})
    scouting.save(store, _scouting(Order("P1", "A", 100.0)))
    server = _Server()
    scouting.run_due(store, server, now=100.0)
    again = scouting.load(store)
    assert again is not None and again.orders == (Order("P1", "A", 102.0, arrived=100.0),)
    assert server.flown == []
    scouting.run_due(store, server, now=100.0 + scouting.PRESENCE_WAIT_S + 1)
    assert server.flown == [("P1", "B")]  # none ever read: the first by name
    assert scouting.load(store).orders == (Order("P1", "B", 500.0),)  # type: ignore[union-attr]
    assert "A" not in store.market_read_at()
    store.close()


def _probe_reads(flight) -> list[tuple[str, str]]:
    s = Store.open(flight.state, create=False)
    try:
        probes = {
            sym for (sym,) in s.conn.execute("SELECT symbol FROM ships WHERE cargo_capacity = 0")
        }
        rows = s.conn.execute("SELECT DISTINCT ship, market FROM market_obs WHERE ship != ''")
        return sorted((ship, market) for ship, market in rows if ship in probes)
    finally:
        s.close()


def test_between_loop_passes_a_probe_reads_each_market_it_reaches_and_flies_on(
    tmp_path: Path,
) -> None:
    """The first loop pass finds every market fresh (the snapshot just read them all) and
    parks the probe; then only ticks run, no pass: when the markets go stale the probe reads
    market after market, each one stale when it was chosen."""
    flight = new_flight(tmp_path, probes=1)
    flight.loop()
    assert _probe_reads(flight) == []
    flight.drain(max_hours=2.0)  # every market goes stale an hour after the snapshot
    reads = _probe_reads(flight)
    assert len({market for _, market in reads}) >= 2, reads
    s = Store.open(flight.state, create=False)
    try:
        flown_on = s.events(limit=200, kind="scout")
    finally:
        s.close()
    assert any("flies on" in e["message"] for e in flown_on)


def test_a_tick_with_no_plan_work_left_waits_for_the_next_scout_order(tmp_path: Path) -> None:
    """The order's due time is the tick's next due time, like a hauler's arrival, and a tick
    before it makes no request (the client is not even built)."""
    from runner.tick import run_tick

    flight = new_flight(tmp_path, probes=1)
    flight.loop()
    assert flight.drain(max_hours=12.0), "the plan's work did not end"
    s = Store.open(flight.state, create=False)
    try:
        due = scouting.next_due(scouting.load(s))
    finally:
        s.close()
    assert due is not None and due > flight.twin.now()
    made: list[int] = []
    result = run_tick(
        flight.state, lambda: made.append(1), _Frozen(flight.twin.now()), budget_s=0.0
    )
    assert (result.outcome, result.next_due, made) == ("idle", due, [])


class _Frozen:
    """A clock that stands still: the tick has no time to wait for anything."""

    def __init__(self, at: float) -> None:
        self.at = at

    def now(self) -> float:
        return self.at

    def wait(self, seconds: float) -> None:
        raise AssertionError("an idle tick does not wait")

    def observe(self, server_time: float) -> None:
        pass


def test_plancc_status_shows_what_each_scouting_probe_is_doing(tmp_path: Path) -> None:
    """A probe has no task, so status called it idle: it now says where it scouts."""
    from runner.status import render_status, status_data

    flight = new_flight(tmp_path, probes=1)
    flight.loop()  # every market fresh: the probe is parked
    s = Store.open(flight.state, create=False)
    try:
        (order,) = scouting.load(s).orders  # type: ignore[union-attr]
        data = status_data(s, flight.twin.now())
    finally:
        s.close()
    (probe,) = [row for row in data["ships"] if row["ship"] == order.probe]
    assert probe["phase"] == "scouting"
    assert f"at {order.market} until" in probe["waiting"]
    assert f"{order.probe:<12} scouting" in render_status(data)


def test_plancc_status_places_a_scouting_probe_where_its_order_flies_not_its_last_fleet_read(
    tmp_path: Path,
) -> None:
    """The tick flies probes on without reading the fleet, so the ships table keeps where a
    probe was last read: status showed a probe in orbit at a market it left an hour before."""
    from runner.status import status_data

    flight = new_flight(tmp_path, probes=1)
    flight.loop()
    now = flight.twin.now()
    s = Store.open(flight.state, create=False)
    try:
        (order,) = scouting.load(s).orders  # type: ignore[union-attr]
        (row,) = [r for r in status_data(s, now)["ships"] if r["ship"] == order.probe]
        others = [m for m in scouting.load(s).markets if m != row["waypoint"]]  # type: ignore[union-attr]
        flying = Order(order.probe, others[0], now + 600.0)
        scouting.save(s, scouting.load(s).with_order(flying, order.probe))  # type: ignore[union-attr]
        (row,) = [r for r in status_data(s, now)["ships"] if r["ship"] == order.probe]
    finally:
        s.close()
    assert (row["status"], row["waypoint"]) == ("IN_TRANSIT", others[0])
    assert row["eta"] != ""
