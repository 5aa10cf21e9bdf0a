"""The SpaceTraders client against scripted server behaviour (httpx.MockTransport).

The server side is a script: a list of responses (or transport exceptions) handed out in
order. Time is a fake clock whose ``sleep`` only advances it, so pacing and backoff are
checked without real waiting.
"""

from __future__ import annotations

import json

import httpx
import pytest
from api_script import (
    DATE,
    FakeClock,
    Script,
    agent_json,
    client_for,
    game_error,
    nav_json,
    ok,
    ship_json,
    trade_answer,
)

from plancc.api import Client, RateLimiter
from plancc.errors import (
    ApiError,
    GameError,
    InputError,
    InsufficientCredits,
    OutcomeUnknown,
    RateLimited,
    ServerUnavailable,
    ShipInTransit,
    ShipNotDocked,
    ShipNotInOrbit,
    TradeVolumeExceeded,
    UniverseReset,
)

# ---------------------------------------------------------------------------------------------
# Pacing


def test_limiter_lets_the_first_32_requests_through_without_waiting():
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    for _ in range(32):  # 2 steady tokens + the burst pool of 30
        limiter.acquire()
    assert clock.sleeps == []
    limiter.acquire()
    assert clock.now > 0


def test_limiter_settles_to_two_per_second_once_the_burst_pool_is_spent():
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep, margin_s=0.0)
    for _ in range(32):
        limiter.acquire()
    start = clock.now
    for _ in range(20):
        limiter.acquire()
    assert clock.now - start == pytest.approx(10.0, abs=0.01)


def test_limiter_refills_the_burst_pool_after_its_window():
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    for _ in range(32):
        limiter.acquire()
    clock.now += 61.0
    for _ in range(32):
        limiter.acquire()
    assert clock.sleeps == []


class ServerLimit:
    """The real server's rule as a scripted step: 2/s steady, then a 30-per-60 s burst pool."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.window_start: float | None = None
        self.burst_used = 0
        self.recent: list[float] = []
        self.rejected = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        now = self.clock.now
        self.recent = [t for t in self.recent if now - t < 1.0]
        if self.window_start is not None and now - self.window_start >= 60.0:
            self.window_start, self.burst_used = None, 0
        if len(self.recent) < 2:
            self.recent.append(now)
        elif self.burst_used < 30:
            if self.window_start is None:
                self.window_start = now
            self.burst_used += 1
        else:
            self.rejected += 1
            return httpx.Response(429, json={"error": {"message": "limit", "code": 429}})
        return ok(agent_json())


def test_paced_client_is_never_rate_limited_by_the_real_rule():
    clock = FakeClock()
    server = ServerLimit(clock)
    client = client_for(Script([], then=server), clock)
    for _ in range(200):
        client.agent()
    assert server.rejected == 0
    assert client.total_requests == 200


def test_unpaced_client_meets_429s_from_the_same_rule():
    # the check above can fail: without pacing the same server rejects requests
    clock = FakeClock()
    server = ServerLimit(clock)
    client = client_for(Script([], then=server), clock, pace=False, max_retries=0)
    with pytest.raises(RateLimited):
        for _ in range(40):
            client.agent()
    assert server.rejected == 1


# ---------------------------------------------------------------------------------------------
# 429


def test_429_waits_for_the_retry_after_header_then_succeeds():
    clock = FakeClock()
    script = Script([httpx.Response(429, headers={"retry-after": "3"}), ok(agent_json())])
    client = client_for(script, clock, pace=False)
    assert client.agent().credits == 1000
    assert clock.sleeps == [3.0]
    assert len(script.requests) == 2


def test_429_waits_for_data_retry_after_when_there_is_no_header():
    clock = FakeClock()
    limited = game_error(429, 429, "You have reached your API limit.", {"retryAfter": 1.5})
    script = Script([limited, ok(agent_json())])
    client = client_for(script, clock, pace=False)
    client.agent()
    assert clock.sleeps == [1.5]


def test_429_with_html_body_and_no_headers_backs_off_exponentially_with_jitter():
    clock = FakeClock()
    html = httpx.Response(429, text="<html><body>Too Many Requests</body></html>")
    script = Script([html, html, html, ok(agent_json())])
    client = client_for(script, clock, pace=False, backoff_base_s=1.0)
    client.agent()
    assert len(clock.sleeps) == 3
    for n, s in enumerate(clock.sleeps):
        assert 0.5 * 2**n <= s <= 2**n  # base * 2^n, jittered down by up to half
    assert len(set(clock.sleeps)) == 3


def test_429_that_never_clears_raises_rate_limited_after_bounded_retries():
    script = Script([], then=httpx.Response(429, headers={"retry-after": "1"}))
    client = client_for(script, pace=False, max_retries=3)
    with pytest.raises(RateLimited) as info:
        client.agent()
    assert len(script.requests) == 4
    assert info.value.endpoint == "GET /my/agent"


def test_429_on_a_purchase_is_retried_because_the_server_did_not_act():
    script = Script([httpx.Response(429, headers={"retry-after": "1"}), trade_answer()])
    client = client_for(script, pace=False)
    assert client.purchase("ME-1", "IRON_ORE", 10).transaction.units == 10
    assert len(script.requests) == 2


def test_429_empties_the_pacers_burst_pool_until_the_servers_reset_time():
    clock = FakeClock()
    limited = httpx.Response(
        429,
        json={"error": {"message": "limit", "code": 429, "data": {"retryAfter": 1}}},
        headers={"date": DATE, "x-ratelimit-reset": "2026-11-24T20:00:10.000Z"},
    )
    script = Script([limited], then=ok(agent_json()))
    client = client_for(script, clock)
    client.agent()  # 429, wait 1 s, retry
    clock.sleeps.clear()
    for _ in range(20):  # the pool is empty for 10 s: 2/s only, not 30 at once
        client.agent()
    assert sum(clock.sleeps) >= 8.0


# ---------------------------------------------------------------------------------------------
# 5xx, connect errors, timeouts


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_and_unavailable_statuses_are_retried_on_reads(status):
    clock = FakeClock()
    script = Script([httpx.Response(status), httpx.Response(status), ok(agent_json())])
    client = client_for(script, clock, pace=False)
    assert client.agent().symbol == "ME"
    assert len(clock.sleeps) == 2
    assert len(script.requests) == 3


def test_5xx_retries_are_bounded_and_end_in_server_unavailable():
    script = Script([], then=httpx.Response(503, text="down"))
    client = client_for(script, pace=False, max_retries=4)
    with pytest.raises(ServerUnavailable) as info:
        client.ship("ME-1")
    assert len(script.requests) == 5
    assert info.value.status == 503
    assert "GET /my/ships/ME-1" in str(info.value)


def test_backoff_is_capped():
    clock = FakeClock()
    script = Script([], then=httpx.Response(502))
    client = client_for(script, clock, pace=False, max_retries=10, backoff_cap_s=8.0)
    with pytest.raises(ServerUnavailable):
        client.agent()
    assert max(clock.sleeps) <= 8.0


def test_500_is_not_retried():
    script = Script([httpx.Response(500, text="oops")])
    client = client_for(script, pace=False)
    with pytest.raises(ApiError) as info:
        client.agent()
    assert info.value.status == 500
    assert len(script.requests) == 1


def test_connect_errors_are_retried_then_succeed():
    script = Script([httpx.ConnectError("refused"), ok(agent_json())])
    client = client_for(script, pace=False)
    assert client.agent().credits == 1000
    assert len(script.requests) == 2


def test_connect_error_on_a_purchase_is_retried_because_nothing_was_sent():
    script = Script([httpx.ConnectError("refused"), trade_answer()])
    client = client_for(script, pace=False)
    client.purchase("ME-1", "IRON_ORE", 10)
    assert script.paths() == ["POST /v2/my/ships/ME-1/purchase"] * 2


def test_connect_errors_that_persist_raise_server_unavailable():
    script = Script([], then=httpx.ConnectError("refused"))
    client = client_for(script, pace=False, max_retries=2)
    with pytest.raises(ServerUnavailable, match="cannot connect"):
        client.agent()
    assert len(script.requests) == 3


def test_read_timeout_on_a_read_is_retried():
    script = Script([httpx.ReadTimeout("slow"), ok(ship_json())])
    client = client_for(script, pace=False)
    assert client.ship("ME-1").symbol == "ME-1"
    assert len(script.requests) == 2


# ---------------------------------------------------------------------------------------------
# Lost answers of game-changing POSTs


LOST = [
    httpx.ReadTimeout("read timed out"),
    httpx.RemoteProtocolError("Server disconnected without sending a response."),
    httpx.ReadError("connection reset by peer"),
]


@pytest.mark.parametrize("lost", LOST, ids=lambda e: type(e).__name__)
@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.purchase("ME-1", "IRON_ORE", 10),
        lambda c: c.sell("ME-1", "IRON_ORE", 10),
        lambda c: c.navigate("ME-1", "X1-A-B2"),
        lambda c: c.refuel("ME-1"),
        lambda c: c.jettison("ME-1", "IRON_ORE", 1),
    ],
    ids=["purchase", "sell", "navigate", "refuel", "jettison"],
)
def test_lost_answer_of_a_game_changing_post_raises_outcome_unknown_and_is_not_resent(call, lost):
    script = Script([lost], then=trade_answer())
    client = client_for(script, pace=False)
    with pytest.raises(OutcomeUnknown) as info:
        call(client)
    assert len(script.requests) == 1
    assert info.value.endpoint.startswith("POST /my/ships/ME-1/")


def garbled(request: httpx.Request) -> httpx.Response:
    """An answer whose body does not decode (says gzip, is not): sent, but unreadable."""
    return httpx.Response(200, headers={"content-encoding": "gzip"}, content=b"not gzip")


def test_garbled_answer_of_a_purchase_raises_outcome_unknown_and_is_not_resent():
    script = Script([garbled], then=trade_answer())
    client = client_for(script, pace=False)
    with pytest.raises(OutcomeUnknown, match="DecodingError"):
        client.purchase("ME-1", "IRON_ORE", 10)
    assert len(script.requests) == 1


def test_garbled_answer_of_a_read_is_retried():
    script = Script([garbled, ok(agent_json())])
    client = client_for(script, pace=False)
    assert client.agent().credits == 1000
    assert len(script.requests) == 2


@pytest.mark.parametrize("status", [502, 503])
def test_502_and_503_on_a_purchase_are_retried_because_the_game_server_never_took_it(status):
    # 502 is the DDoS guard turning the request away, 503 the server refusing it; 504 differs:
    # the gateway gave up waiting on a server that may have acted (below)
    script = Script([httpx.Response(status), trade_answer()])
    client = client_for(script, pace=False)
    assert client.purchase("ME-1", "IRON_ORE", 10).transaction.units == 10
    assert len(script.requests) == 2


def test_504_on_a_purchase_raises_outcome_unknown_and_is_not_resent():
    script = Script([httpx.Response(504)], then=trade_answer())
    client = client_for(script, pace=False)
    with pytest.raises(OutcomeUnknown):
        client.purchase("ME-1", "IRON_ORE", 10)
    assert len(script.requests) == 1


@pytest.mark.parametrize("action", ["orbit", "dock"])
def test_lost_answer_of_orbit_or_dock_is_retried_because_they_are_idempotent(action):
    status = "IN_ORBIT" if action == "orbit" else "DOCKED"
    script = Script([httpx.ReadTimeout("slow"), ok({"nav": nav_json(status)})])
    client = client_for(script, pace=False)
    nav = getattr(client, action)("ME-1")
    assert nav.status == status
    assert script.paths() == [f"POST /v2/my/ships/ME-1/{action}"] * 2


# ---------------------------------------------------------------------------------------------
# Game errors


def test_game_error_carries_code_data_and_names_the_call():
    data = {"waypointSymbol": "X1-A-A1", "tradeSymbol": "IRON_ORE", "units": 99, "tradeVolume": 20}
    script = Script(
        [
            game_error(
                400, 4604, "Trade good IRON_ORE has a limit of 20 units per transaction.", data
            )
        ]
    )
    client = client_for(script, pace=False)
    with pytest.raises(TradeVolumeExceeded) as info:
        client.purchase("ME-1", "IRON_ORE", 99)
    err = info.value
    assert err.code == 4604
    assert err.data == data
    assert err.status == 400
    assert str(err) == (
        "POST /my/ships/ME-1/purchase: "
        "Trade good IRON_ORE has a limit of 20 units per transaction. (code 4604)"
    )
    assert len(script.requests) == 1


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (4214, ShipInTransit),
        (4236, ShipNotInOrbit),
        (4244, ShipNotDocked),
        (4600, InsufficientCredits),
        (4604, TradeVolumeExceeded),
    ],
)
def test_game_rules_plancc_reacts_to_have_their_own_game_error_class(code, kind):
    data = {"waypointSymbol": "X1-A-A1"}
    script = Script([game_error(400, code, "no", data)])
    client = client_for(script, pace=False)
    with pytest.raises(kind) as info:
        client.dock("ME-1")
    assert isinstance(info.value, GameError)
    assert (info.value.code, info.value.data) == (code, data)


def test_other_game_rules_are_plain_game_errors_with_their_code():
    script = Script([game_error(400, 4203, "Navigate request failed. Ship requires more fuel.")])
    client = client_for(script, pace=False)
    with pytest.raises(GameError) as info:
        client.navigate("ME-1", "X1-A-B2")
    assert type(info.value) is GameError
    assert info.value.code == 4203


def test_token_from_an_old_reset_raises_universe_reset():
    script = Script([game_error(401, 4113, "Token reset date does not match the server.")])
    client = client_for(script, pace=False)
    with pytest.raises(UniverseReset) as info:
        client.agent()
    assert info.value.code == 4113


def test_error_without_a_game_code_carries_the_http_status():
    script = Script([game_error(401, 401, "Missing or invalid authorization token.")])
    client = client_for(script, pace=False)
    with pytest.raises(ApiError) as info:
        client.agent()
    assert not isinstance(info.value, GameError)
    assert info.value.code == 401
    assert str(info.value) == "GET /my/agent: Missing or invalid authorization token. (code 401)"


def test_malformed_answer_is_an_api_error_naming_the_call_and_field():
    bad = ship_json()
    del bad["nav"]["status"]
    script = Script([ok(bad)])
    client = client_for(script, pace=False)
    with pytest.raises(ApiError, match=r"GET /my/ships/ME-1: malformed response: .*nav\.status"):
        client.ship("ME-1")


# ---------------------------------------------------------------------------------------------
# Answers, pagination, counting


def test_ships_reads_every_page():
    ships = [ship_json(f"ME-{i}") for i in range(1, 46)]

    def page(request: httpx.Request) -> httpx.Response:
        p = int(request.url.params["page"])
        limit = int(request.url.params["limit"])
        chunk = ships[(p - 1) * limit : p * limit]
        return ok(chunk, meta={"total": len(ships), "page": p, "limit": limit})

    script = Script([], then=page)
    client = client_for(script, pace=False)
    got = client.ships()
    assert [s.symbol for s in got] == [f"ME-{i}" for i in range(1, 46)]
    assert [r.url.params["page"] for r in script.requests] == ["1", "2", "3"]


def test_waypoints_pass_trait_and_type_filters():
    wp = {"symbol": "X1-A-B2", "systemSymbol": "X1-A", "type": "MOON", "x": 1, "y": 2}
    script = Script([ok([wp], meta={"total": 1, "page": 1, "limit": 20})])
    client = client_for(script, pace=False)
    got = client.waypoints("X1-A", traits=["MARKETPLACE", "SHIPYARD"], type="MOON")
    assert got[0].symbol == "X1-A-B2"
    params = script.requests[0].url.params
    assert params.get_list("traits") == ["MARKETPLACE", "SHIPYARD"]
    assert params["type"] == "MOON"


def test_purchase_returns_agent_cargo_and_transaction():
    script = Script([trade_answer(credits=500, units=10)])
    client = client_for(script, pace=False)
    result = client.purchase("ME-1", "IRON_ORE", 10)
    assert result.agent.credits == 500
    assert result.cargo.units == 10
    assert result.transaction.total_price == 500
    assert result.transaction.type == "PURCHASE"
    body = json.loads(script.requests[0].content)
    assert body == {"symbol": "IRON_ORE", "units": 10}


def test_navigate_returns_arrival_and_fuel():
    nav = nav_json("IN_TRANSIT", "X1-A-B2")
    nav["route"]["arrival"] = "2026-11-24T20:05:00.000Z"
    script = Script([ok({"nav": nav, "fuel": {"current": 380, "capacity": 400}, "events": []})])
    client = client_for(script, pace=False)
    result = client.navigate("ME-1", "X1-A-B2")
    assert result.nav.status == "IN_TRANSIT"
    assert result.nav.arrival is not None and result.nav.arrival.minute == 5
    assert result.fuel.current == 380


@pytest.mark.parametrize("wrapped", [True, False], ids=["v2.3", "bare-nav"])
def test_set_flight_mode_accepts_both_answer_shapes(wrapped):
    nav = nav_json("IN_ORBIT")
    nav["flightMode"] = "DRIFT"
    data = {"nav": nav, "fuel": {"current": 1, "capacity": 1}, "events": []} if wrapped else nav
    script = Script([ok(data)])
    client = client_for(script, pace=False)
    assert client.set_flight_mode("ME-1", "DRIFT").flight_mode == "DRIFT"
    assert script.requests[0].method == "PATCH"


def test_market_records_server_time_when_trade_goods_are_visible():
    market = {
        "symbol": "X1-A-A1",
        "exports": [],
        "imports": [],
        "exchange": [{"symbol": "FUEL", "name": "Fuel", "description": ""}],
        "tradeGoods": [
            {
                "symbol": "FUEL",
                "type": "EXCHANGE",
                "tradeVolume": 100,
                "supply": "MODERATE",
                "purchasePrice": 72,
                "sellPrice": 68,
            }
        ],
    }
    script = Script([ok(market)])
    client = client_for(script, pace=False)
    m = client.market("X1-A", "X1-A-A1")
    assert m.good("FUEL") is not None
    assert m.observed_at is not None and m.observed_at.hour == 20


def test_supply_chain_keeps_the_servers_input_order():
    chain = {"exportToImportMap": {"FERTILIZERS": ["LIQUID_NITROGEN", "AMMONIA_ICE"]}}
    client = client_for(Script([ok(chain)]), pace=False)
    assert client.supply_chain() == {"FERTILIZERS": ("LIQUID_NITROGEN", "AMMONIA_ICE")}


def test_status_returns_the_unwrapped_body():
    body = {
        "status": "SpaceTraders is currently online",
        "resetDate": "2026-11-15",
        "version": "v2",
    }
    client = client_for(Script([httpx.Response(200, json=body)]), pace=False)
    assert client.status()["resetDate"] == "2026-11-15"


def test_requests_are_counted_by_endpoint_template_including_retries():
    script = Script(
        [
            ok(ship_json("ME-1")),
            httpx.Response(503),
            ok(ship_json("ME-2")),
            trade_answer(),
        ]
    )
    client = client_for(script, pace=False)
    client.ship("ME-1")
    client.ship("ME-2")
    client.purchase("ME-1", "IRON_ORE", 10)
    assert dict(client.request_counts) == {
        "GET /my/ships/{shipSymbol}": 3,
        "POST /my/ships/{shipSymbol}/purchase": 1,
    }
    assert client.total_requests == 4


def test_server_time_comes_from_the_date_header():
    client = client_for(Script([ok(agent_json())]), pace=False)
    client.agent()
    assert client.server_time is not None
    assert client.server_time.isoformat() == "2026-11-24T20:00:00+00:00"


def test_base_url_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("PLANCC_API_URL", "http://127.0.0.1:9999/v2/")
    assert Client(token="t").base_url == "http://127.0.0.1:9999/v2"
    monkeypatch.delenv("PLANCC_API_URL")
    assert Client(token="t").base_url == "https://api.spacetraders.io/v2"


@pytest.mark.parametrize(
    "url",
    [
        "127.0.0.1:8080/v2",
        "http://:8080/v2",
        "http://exa mple.com/v2",
        "https://127.0.0.1:99999/v2",
        "http://[bad/v2",
    ],
)
def test_a_base_url_no_server_can_answer_is_an_input_error_at_once(url):
    script = Script([])
    with pytest.raises(InputError) as info:
        Client(base_url=url, token="t", transport=httpx.MockTransport(script))
    assert info.value.field == "api-url"
    assert script.requests == []


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080/v2", "http://[::1]:8080/v2", "http://my_twin/v2/"]
)
def test_base_urls_of_local_servers_are_accepted(url):
    assert Client(base_url=url, token="t").base_url == url.rstrip("/")
