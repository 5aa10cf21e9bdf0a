"""End to end: the real client against the digital twin, in-process (httpx.WSGITransport).

One fake clock drives both the twin's rate limiter and the client's pacing, so nothing
really sleeps; the game clock is the twin's virtual clock.
"""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import httpx
import pytest

from plancc.api import Client
from plancc.errors import GameError, OutcomeUnknown
from plancc.parse import parse_snapshot
from plancc.sim.app import Twin
from plancc.sim.faults import FaultConfig
from plancc.snapshot import take_snapshot


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, s: float) -> None:
        self.now += s


class Counting(httpx.BaseTransport):
    """Notes the status of every answer that reaches the client."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.statuses: Counter[int] = Counter()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        self.statuses[response.status_code] += 1
        return response


def make(
    *, pace: bool = True, faults: FaultConfig | None = None, **kw: Any
) -> tuple[Twin, Client, Counting, FakeClock]:
    clock = FakeClock()
    twin = Twin.generate(
        seed=3, rate_limit=True, limiter_time=clock, faults=faults, waypoint_count=30
    )
    transport = Counting(twin.transport())
    client = Client(
        twin.base_url,
        twin.token,
        transport=transport,
        clock=clock,
        sleep=clock.sleep,
        pace=pace,
        rng=random.Random(1),
        **kw,
    )
    return twin, client, transport, clock


def test_snapshot_of_the_twin_parses_and_sees_prices_where_ships_are():
    _, client, transport, _ = make()
    snap = take_snapshot(client)
    parsed = parse_snapshot(snap)
    assert parsed.ships and parsed.waypoints and parsed.markets
    ship_places = {s.waypoint for s in parsed.ships}
    observed = set(snap["observedAt"])
    assert observed, "no market showed trade goods"
    assert observed <= ship_places
    assert transport.statuses[429] == 0


def test_paced_client_meets_no_429_from_the_twins_limiter_over_a_long_run():
    _, client, transport, clock = make()
    ship = client.ships()[0].symbol
    for _ in range(150):
        client.nav(ship)
    assert transport.statuses[429] == 0
    assert client.request_counts["GET /my/ships/{shipSymbol}/nav"] == 150
    assert clock.now - 1000.0 > 40  # it had to pace: 151 requests cannot go in a burst


def test_unpaced_client_is_limited_by_the_twin_and_recovers_by_waiting():
    _, client, transport, _ = make(pace=False, max_retries=10)
    ship = client.ships()[0].symbol
    for _ in range(60):
        client.nav(ship)
    assert transport.statuses[429] > 0  # the twin really limits
    assert client.request_counts["GET /my/ships/{shipSymbol}/nav"] == 60 + transport.statuses[429]


def test_trade_round_trip_moves_credits_and_cargo():
    _, client, _, _ = make()
    ship = next(s for s in client.ships() if s.cargo_capacity > 0)
    market = client.market(ship.system, ship.waypoint)
    good = next(g for g in market.trade_goods if g.type in ("EXPORT", "EXCHANGE"))
    client.dock(ship.symbol)
    before = client.agent().credits
    units = min(good.trade_volume, ship.cargo_capacity - ship.cargo_units, 5)
    bought = client.purchase(ship.symbol, good.symbol, units)
    assert bought.agent.credits == before - bought.transaction.total_price
    assert any(c.symbol == good.symbol for c in bought.cargo.inventory)
    sold = client.sell(ship.symbol, good.symbol, units)
    assert sold.agent.credits == bought.agent.credits + sold.transaction.total_price
    assert client.cargo(ship.symbol).units == bought.cargo.units - units


def test_navigate_arrives_when_the_twin_clock_passes_arrival():
    twin, client, _, _ = make()
    ship = next(s for s in client.ships() if s.fuel_capacity > 0)
    waypoints = client.waypoints(ship.system)
    here = next(w for w in waypoints if w.symbol == ship.waypoint)
    # the nearest other waypoint: live systems have outliers beyond one tank (issue 9)
    target = min(
        (w for w in waypoints if w.symbol != ship.waypoint),
        key=lambda w: (w.x - here.x) ** 2 + (w.y - here.y) ** 2,
    )
    client.orbit(ship.symbol)
    result = client.navigate(ship.symbol, target.symbol)
    assert result.nav.status == "IN_TRANSIT"
    assert result.nav.arrival is not None and client.server_time is not None
    twin.advance((result.nav.arrival - client.server_time).total_seconds() + 1)
    nav = client.nav(ship.symbol)
    assert (nav.status, nav.waypoint) == ("IN_ORBIT", target.symbol)


def test_twin_game_rule_comes_back_as_a_typed_error():
    _, client, _, _ = make()
    ship = next(s for s in client.ships() if s.cargo_capacity > 0)
    client.orbit(ship.symbol)
    with pytest.raises(GameError) as info:
        client.purchase(ship.symbol, "FUEL", 1)
    assert info.value.code == 4244  # not docked


def test_lost_purchase_answer_raises_outcome_unknown_and_the_reread_shows_it_happened():
    twin, client, _, _ = make()
    ship = next(s for s in client.ships() if s.cargo_capacity > 0)
    market = client.market(ship.system, ship.waypoint)
    good = next(g for g in market.trade_goods if g.type in ("EXPORT", "EXCHANGE"))
    client.dock(ship.symbol)
    before = client.cargo(ship.symbol).units
    twin.faults.queue("lost")
    with pytest.raises(OutcomeUnknown):
        client.purchase(ship.symbol, good.symbol, 1)
    assert client.request_counts["POST /my/ships/{shipSymbol}/purchase"] == 1
    assert client.cargo(ship.symbol).units == before + 1  # acted once, not twice


@pytest.mark.parametrize("kind", ["429", "429-bare", "429-html", "502", "503", "timeout"])
def test_reads_ride_through_each_twin_fault(kind):
    twin, client, _, _ = make()
    twin.faults.queue(kind, kind)
    assert client.agent().symbol == twin.agent_symbol
