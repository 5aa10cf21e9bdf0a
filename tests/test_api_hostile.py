"""The client under a hostile or broken server: every wait is bounded, every odd answer is an
ApiError naming the call, and the token never comes back out of an answer.

The server is a script (tests/api_script.py); time is a fake clock, so "bounded" is checked as
the seconds the client asked to sleep, never as wall time.
"""

from __future__ import annotations

import socket
import socketserver
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import httpx
import pytest
from api_script import (
    DATE,
    FakeClock,
    Script,
    agent_json,
    cargo_json,
    client_for,
    game_error,
    nav_json,
    ok,
    ship_json,
    trade_answer,
)
from click.testing import CliRunner

from plancc.api import MAX_ANSWER_BYTES, MAX_PAGED_ITEMS, Client
from plancc.cli import cli
from plancc.errors import ApiError, InputErrors, OutcomeUnknown, RateLimited, ServerUnavailable
from plancc.load import load_policy

REPO = Path(__file__).resolve().parent.parent

# ---------------------------------------------------------------------------------------------
# Waits a server asks for


def test_retry_after_beyond_the_cap_raises_rate_limited_at_once_with_the_wait():
    clock = FakeClock()
    script = Script([httpx.Response(429, headers={"retry-after": "3600"})])
    client = client_for(script, clock, pace=False)
    with pytest.raises(RateLimited, match=r"wait 3600 s .* more than the 120 s") as info:
        client.agent()
    assert clock.sleeps == []
    assert len(script.requests) == 1
    assert info.value.endpoint == "GET /my/agent"


def test_retry_after_within_the_cap_is_still_waited():
    clock = FakeClock()
    script = Script([httpx.Response(429, headers={"retry-after": "119"}), ok(agent_json())])
    client_for(script, clock, pace=False).agent()
    assert clock.sleeps == [119.0]


def test_the_retry_after_cap_is_an_option():
    clock = FakeClock()
    script = Script([httpx.Response(429, headers={"retry-after": "10"})])
    client = client_for(script, clock, pace=False, max_retry_after_s=5)
    with pytest.raises(RateLimited, match="wait 10 s"):
        client.agent()
    assert clock.sleeps == []


def test_a_retry_after_in_the_error_data_beyond_the_cap_raises_at_once():
    clock = FakeClock()
    limited = game_error(429, 429, "You have reached your API limit.", {"retryAfter": 86400})
    client = client_for(Script([limited]), clock, pace=False)
    with pytest.raises(RateLimited, match="wait 86400 s"):
        client.agent()
    assert clock.sleeps == []


def test_an_infinite_retry_after_raises_instead_of_sleeping_forever():
    clock = FakeClock()
    client = client_for(Script([httpx.Response(429, headers={"retry-after": "inf"})]), clock)
    with pytest.raises(RateLimited, match="wait forever"):
        client.agent()
    assert clock.sleeps == []


def test_a_retry_after_date_a_day_ahead_of_the_server_clock_raises_at_once():
    clock = FakeClock()
    later = "Wed, 25 Nov 2026 20:00:00 GMT"  # DATE + 1 day
    limited = httpx.Response(429, headers={"retry-after": later, "date": DATE})
    client = client_for(Script([limited]), clock, pace=False)
    with pytest.raises(RateLimited, match="wait 86400 s"):
        client.agent()
    assert clock.sleeps == []


def test_a_retry_after_date_a_few_seconds_ahead_is_waited():
    clock = FakeClock()
    soon = "Tue, 24 Nov 2026 20:00:04 GMT"  # DATE + 4 s
    limited = httpx.Response(429, headers={"retry-after": soon, "date": DATE})
    client_for(Script([limited, ok(agent_json())]), clock, pace=False).agent()
    assert clock.sleeps == [4.0]


def test_a_nan_retry_after_falls_back_to_bounded_backoff():
    clock = FakeClock()
    script = Script([httpx.Response(429, headers={"retry-after": "nan"}), ok(agent_json())])
    client_for(script, clock, pace=False, backoff_base_s=1.0).agent()
    assert len(clock.sleeps) == 1
    assert 0.5 <= clock.sleeps[0] <= 1.0


# ---------------------------------------------------------------------------------------------
# Paging


def _ships(n: int) -> list[dict[str, Any]]:
    return [ship_json(f"ME-{i}") for i in range(1, n + 1)]


def test_paging_stops_when_a_page_adds_nothing_new():
    ships = _ships(20)

    def ignores_page(request: httpx.Request) -> httpx.Response:  # always page 1
        return ok(ships, meta={"total": 45, "page": 1, "limit": 20})

    script = Script([], then=ignores_page)
    got = client_for(script, pace=False).ships_json()
    assert [s["symbol"] for s in got] == [f"ME-{i}" for i in range(1, 21)]
    assert len(script.requests) == 2


def test_paging_stops_at_an_empty_page_though_the_total_says_more():
    script = Script(
        [ok(_ships(20), meta={"total": 45}), ok([], meta={"total": 45})],
        then=None,
    )
    got = client_for(script, pace=False).ships_json()
    assert len(got) == 20
    assert len(script.requests) == 2


def test_an_absurd_declared_total_is_an_api_error_naming_the_call():
    script = Script([ok(_ships(20), meta={"total": 10**9, "page": 1, "limit": 20})])
    with pytest.raises(ApiError, match=r"GET /my/ships: .*meta.total is 1000000000") as info:
        client_for(script, pace=False).ships_json()
    assert len(script.requests) == 1
    assert str(MAX_PAGED_ITEMS) in str(info.value)


def test_a_page_item_that_is_not_an_object_is_an_api_error_naming_the_page():
    script = Script([ok([ship_json(), "ME-2"], meta={"total": 2})])
    with pytest.raises(ApiError, match=r"GET /my/ships page 1: .*data\[1\] is a string"):
        client_for(script, pace=False).ships_json()


# ---------------------------------------------------------------------------------------------
# A server that is not there


def test_a_refused_connection_fails_after_a_few_seconds_of_retries():
    clock = FakeClock()
    script = Script([], then=httpx.ConnectError("refused"))
    client = client_for(script, clock, pace=False)  # default options
    with pytest.raises(ServerUnavailable, match="cannot connect"):
        client.agent()
    assert len(script.requests) == 3
    assert sum(clock.sleeps) <= 3.0


def test_a_refused_loopback_connection_is_server_unavailable():
    with socket.socket() as s:  # a port that was free a moment ago: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    slept: list[float] = []
    client = Client(base_url=f"http://127.0.0.1:{port}/v2", token="t", sleep=slept.append)
    with pytest.raises(ServerUnavailable, match=r"GET /my/agent: cannot connect .* 3 attempts"):
        client.agent()
    assert sum(slept) <= 3.0


# ---------------------------------------------------------------------------------------------
# Answers that never end


class _Trickle:
    """A loopback server sending a JSON answer a few bytes at a time, ``gap_s`` apart, for
    ``chunks`` chunks (each read arrives well within httpx's per-read timeout; the end keeps a
    client without a deadline from hanging the suite: it would fail, slowly)."""

    def __init__(self, gap_s: float, chunks: int) -> None:
        self.gap_s = gap_s
        self.chunks = chunks

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        start_response("200 OK", [("content-type", "application/json")])
        yield b'{"data": {"symbol": "'
        for _ in range(self.chunks):
            time.sleep(self.gap_s)
            yield b"AAAA"


class _Threaded(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


@pytest.fixture
def trickle() -> Iterator[str]:
    server = make_server(
        "127.0.0.1", 0, _Trickle(0.05, chunks=100), server_class=_Threaded, handler_class=_Quiet
    )
    threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/v2"
    server.shutdown()
    server.server_close()


def test_an_answer_that_trickles_past_the_deadline_is_given_up_and_retried_boundedly(trickle):
    slept: list[float] = []
    client = Client(
        base_url=trickle, token="t", sleep=slept.append, answer_deadline_s=0.5, max_retries=1
    )
    with pytest.raises(ServerUnavailable, match=r"GET /my/agent: no answer \(ReadTimeout\)"):
        client.agent()
    assert client.total_requests == 2


def test_a_purchase_whose_answer_trickles_past_the_deadline_is_outcome_unknown(trickle):
    client = Client(base_url=trickle, token="t", answer_deadline_s=0.5)
    with pytest.raises(OutcomeUnknown, match="re-read the ship"):
        client.purchase("ME-1", "IRON_ORE", 1)
    assert client.total_requests == 1


def test_an_answer_larger_than_the_cap_is_an_api_error_not_a_memory_hog():
    huge = httpx.Response(200, content=b'{"data": "' + b"A" * (MAX_ANSWER_BYTES + 1) + b'"}')
    script = Script([huge])
    with pytest.raises(ApiError, match=f"GET /my/agent: .*more than {MAX_ANSWER_BYTES} bytes"):
        client_for(script, pace=False).agent()
    assert len(script.requests) == 1


# ---------------------------------------------------------------------------------------------
# Answers of the wrong shape

CALLS: dict[str, tuple[str, Callable[[Client], Any]]] = {
    "agent": ("GET /my/agent", lambda c: c.agent()),
    "agent_json": ("GET /my/agent", lambda c: c.agent_json()),
    "ship": ("GET /my/ships/ME-1", lambda c: c.ship("ME-1")),
    "cargo": ("GET /my/ships/ME-1/cargo", lambda c: c.cargo("ME-1")),
    "nav": ("GET /my/ships/ME-1/nav", lambda c: c.nav("ME-1")),
    "market_json": (
        "GET /systems/X1-A/waypoints/X1-A-A1/market",
        lambda c: c.market_json("X1-A", "X1-A-A1"),
    ),
    "supply_chain": ("GET /market/supply-chain", lambda c: c.supply_chain()),
    "dock": ("POST /my/ships/ME-1/dock", lambda c: c.dock("ME-1")),
    "purchase": ("POST /my/ships/ME-1/purchase", lambda c: c.purchase("ME-1", "IRON_ORE", 1)),
}


@pytest.mark.parametrize(
    ("data", "kind"),
    [([agent_json()], "a list"), ("ok", "a string"), (7, "a number"), (None, "missing")],
)
@pytest.mark.parametrize("call", sorted(CALLS))
def test_data_that_is_not_an_object_is_an_api_error_naming_the_call(call, data, kind):
    endpoint, run = CALLS[call]
    client = client_for(Script([ok(data)]), pace=False)
    with pytest.raises(ApiError) as info:
        run(client)
    assert info.value.endpoint == endpoint
    assert f"'data' is {kind}, expected an object" in str(info.value)


def test_a_list_where_a_paged_list_is_due_must_sit_in_data():
    script = Script([httpx.Response(200, json={"data": {"ships": []}, "meta": {"total": 0}})])
    with pytest.raises(ApiError, match=r"GET /my/ships: .*'data' is an object, expected a list"):
        client_for(script, pace=False).ships_json()


def test_a_deeply_nested_answer_is_an_api_error_not_a_crash():
    deep = b'{"data":' + b"[" * 200_000 + b"]" * 200_000 + b"}"
    script = Script([httpx.Response(200, content=deep, headers={"content-type": "text/json"})])
    with pytest.raises(ApiError, match=r"GET /my/agent: malformed response: not JSON"):
        client_for(script, pace=False).agent()


def test_answers_of_the_right_shape_still_parse():
    script = Script([ok(nav_json()), ok({"nav": nav_json("IN_ORBIT")}), trade_answer()])
    client = client_for(script, pace=False)
    assert client.nav("ME-1").status == "DOCKED"
    assert client.orbit("ME-1").status == "IN_ORBIT"
    assert client.purchase("ME-1", "IRON_ORE", 10).cargo == client_cargo_of(cargo_json(10))


def client_cargo_of(raw: dict[str, Any]) -> Any:
    from plancc.api import parse_cargo

    return parse_cargo(raw)


# ---------------------------------------------------------------------------------------------
# The token in an answer


def test_a_token_echoed_in_a_success_body_is_masked():
    echo = {**agent_json(), "symbol": "tok-secret", "headquarters": "X1-A-tok-secret"}
    client = client_for(Script([ok(echo), ok(echo)]), pace=False)
    assert client.agent().symbol == "***"
    raw = client.agent_json()
    assert "tok-secret" not in repr(raw)
    assert raw["headquarters"] == "X1-A-***"


# ---------------------------------------------------------------------------------------------
# The cap from the command line and from the policy


def _always_429(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("429 Too Many Requests", [("retry-after", "30")])
    return [b'{"error":{"message":"slow down","code":429}}']


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


def test_snapshot_max_retry_after_option_fails_at_once_on_a_longer_wait(tmp_path):
    server = make_server("127.0.0.1", 0, _always_429, handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/v2"
    out = tmp_path / "s.json"
    try:
        result = CliRunner().invoke(
            cli,
            ["snapshot", "--api-url", url, "--max-retry-after", "5", "-o", str(out)],
            env={"SPACETRADERS_TOKEN": "token-xyz", "PLANCC_TOKEN_FILE": ""},
        )
    finally:
        server.shutdown()
        server.server_close()
    assert result.exit_code == 1
    assert "GET /my/agent: the server asks to wait 30 s" in result.stderr
    assert not out.exists()


def test_the_policy_caps_retry_after_at_120_seconds_by_default(tmp_path):
    assert load_policy(REPO / "recipes" / "policy.yaml").max_retry_after_s == 120
    path = tmp_path / "policy.yaml"
    path.write_text("max_retry_after_s: 30\n")
    assert load_policy(path).max_retry_after_s == 30
    path.write_text("max_retry_after_s: -1\n")
    with pytest.raises(InputErrors, match="max_retry_after_s: must be >= 0"):
        load_policy(path)
