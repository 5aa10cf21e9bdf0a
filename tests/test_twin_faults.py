"""Fault injection: seeded, switchable, and faithful about whether the server acted."""

from __future__ import annotations

import io
from typing import Any

import httpx
import pytest
from twin_fixtures import HAULER, mini_twin

from plancc.sim.faults import FAULT_KINDS, FaultConfig, FaultInjector, FaultMiddleware

ORBIT = f"/my/ships/{HAULER}/orbit"


def nav_status(twin: Any) -> str:
    return twin.world.ships[HAULER]["nav"]["status"]


def test_faults_are_off_unless_switched_on() -> None:
    twin = mini_twin()
    with twin.client() as api:
        assert {api.get("/my/agent").status_code for _ in range(50)} == {200}


def test_a_queued_lost_response_acts_then_times_out() -> None:
    twin = mini_twin()
    twin.faults.queue("lost")
    with twin.client() as api, pytest.raises(httpx.ReadTimeout):
        api.post(ORBIT)
    assert nav_status(twin) == "IN_ORBIT"


def test_lost_waits_for_a_request_that_acts() -> None:
    twin = mini_twin()
    twin.faults.queue("lost")
    with twin.client() as api:
        assert api.get("/my/agent").status_code == 200
        with pytest.raises(httpx.ReadTimeout):
            api.post(ORBIT)


def test_a_queued_timeout_does_not_act() -> None:
    twin = mini_twin()
    twin.faults.queue("timeout")
    with twin.client() as api, pytest.raises(httpx.ReadTimeout):
        api.post(ORBIT)
    assert nav_status(twin) == "DOCKED"


@pytest.mark.parametrize("kind,status", [("500", 500), ("502", 502), ("503", 503)])
def test_server_errors_do_not_act(kind: str, status: int) -> None:
    twin = mini_twin()
    twin.faults.queue(kind)
    with twin.client() as api:
        resp = api.post(ORBIT)
    assert resp.status_code == status
    assert nav_status(twin) == "DOCKED"


def test_a_429_with_headers_looks_like_the_limiter() -> None:
    twin = mini_twin()
    twin.faults.queue("429")
    with twin.client() as api:
        resp = api.get("/my/agent")
    assert resp.status_code == 429
    assert resp.headers["retry-after"] == "1"
    assert resp.json()["error"]["code"] == 429


def test_a_bare_429_has_the_body_but_no_ratelimit_headers() -> None:
    twin = mini_twin()
    twin.faults.queue("429-bare")
    with twin.client() as api:
        resp = api.get("/my/agent")
    assert resp.status_code == 429
    assert "retry-after" not in resp.headers
    assert not [h for h in resp.headers if h.startswith("x-ratelimit")]
    assert resp.json()["error"]["code"] == 429


def test_an_html_429_is_not_json() -> None:
    twin = mini_twin()
    twin.faults.queue("429-html")
    with twin.client() as api:
        resp = api.get("/my/agent")
    assert resp.status_code == 429
    assert resp.headers["content-type"].startswith("text/html")
    assert resp.text.lstrip().startswith("<html>")


def test_queued_faults_fire_in_order_then_normal_service_resumes() -> None:
    twin = mini_twin()
    twin.faults.queue("503", "502")
    with twin.client() as api:
        got = [api.get("/my/agent").status_code for _ in range(3)]
    assert got == [503, 502, 200]


def test_random_faults_are_reproducible_from_the_seed() -> None:
    def run() -> list[int]:
        twin = mini_twin(faults=FaultConfig(seed=7, rates={"503": 0.3, "500": 0.1}))
        with twin.client() as api:
            return [api.get("/my/agent").status_code for _ in range(60)]

    first, second = run(), run()
    assert first == second
    assert {200, 503} <= set(first)


def test_random_rate_is_roughly_the_configured_one() -> None:
    twin = mini_twin(faults=FaultConfig(seed=3, rates={"502": 0.2}))
    with twin.client() as api:
        got = [api.get("/my/agent").status_code for _ in range(1000)]
    assert 120 <= got.count(502) <= 280


def test_admin_routes_are_never_faulted() -> None:
    twin = mini_twin(faults=FaultConfig(seed=1, rates={"500": 1.0}))
    with httpx.Client(transport=twin.transport()) as admin:
        assert admin.get("http://twin.local/_twin/state").status_code == 200


def test_faults_can_be_configured_over_the_admin_route() -> None:
    twin = mini_twin()
    with httpx.Client(transport=twin.transport()) as admin:
        admin.post(
            "http://twin.local/_twin/faults",
            json={"enabled": True, "seed": 1, "rates": {"503": 1.0}},
        )
    with twin.client() as api:
        assert api.get("/my/agent").status_code == 503


@pytest.mark.parametrize(
    ("route", "body"),
    [
        ("faults", {"slowSeconds": -1}),
        ("faults", {"slowSeconds": "inf"}),
        ("faults", {"enabled": "no"}),
        ("ratelimit", {"enabled": "no"}),
    ],
)
def test_admin_switches_refuse_values_that_would_misbehave(route: str, body: dict) -> None:
    twin = mini_twin()
    with httpx.Client(transport=twin.transport()) as admin:
        resp = admin.post(f"http://twin.local/_twin/{route}", json=body)
        after = admin.get("http://twin.local/_twin/faults").json()["data"]
    assert resp.status_code == 422
    assert after["enabled"] is False and after["config"]["slow_seconds"] == 40.0
    assert twin.limiter.enabled is False


def test_an_unknown_fault_kind_is_refused() -> None:
    with pytest.raises(ValueError):
        FaultConfig(rates={"418": 0.5})
    with pytest.raises(ValueError):
        FaultInjector().queue("teapot")


def test_every_kind_has_a_behaviour_in_process() -> None:
    for kind in FAULT_KINDS:
        twin = mini_twin()
        twin.faults.queue(kind)
        with twin.client() as api:
            try:
                resp = api.post(ORBIT)
            except httpx.ReadTimeout:
                assert kind in ("timeout", "lost")
            else:
                assert resp.status_code >= 429, kind


def _wsgi_call(app: Any, method: str, path: str) -> tuple[str, bytes]:
    seen: dict[str, str] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        seen["status"] = status

    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "CONTENT_LENGTH": "0",
        "wsgi.input": io.BytesIO(b""),
    }
    body = b"".join(app(environ, start_response))
    return seen["status"], body


def test_over_http_lost_acts_then_sleeps_past_the_timeout() -> None:
    twin = mini_twin()
    slept: list[float] = []
    twin.faults.configure(FaultConfig(slow_seconds=45.0))
    twin.faults.queue("lost")
    app = FaultMiddleware(twin.app, twin.faults, twin.clock.now, sleep=slept.append)
    environ_auth = {"HTTP_AUTHORIZATION": f"Bearer {twin.token}"}

    def with_auth(environ: dict[str, Any], start: Any) -> Any:
        return app({**environ, **environ_auth}, start)

    status, _ = _wsgi_call(with_auth, "POST", "/v2" + ORBIT)
    assert slept == [45.0]
    assert status.startswith("504")
    assert nav_status(twin) == "IN_ORBIT"


def test_over_http_timeout_sleeps_and_does_not_act() -> None:
    twin = mini_twin()
    slept: list[float] = []
    twin.faults.queue("timeout")
    app = FaultMiddleware(twin.app, twin.faults, twin.clock.now, sleep=slept.append)
    status, _ = _wsgi_call(app, "POST", "/v2" + ORBIT)
    assert slept == [twin.faults.config.slow_seconds]
    assert status.startswith("504")
    assert nav_status(twin) == "DOCKED"


def _client(twin: Any) -> Any:
    from plancc.api import Client

    return Client(
        base_url=twin.base_url,
        token=twin.token,
        transport=twin.transport(),
        sleep=lambda s: None,
        pace=False,
    )


def test_the_client_sees_a_lost_purchase_as_outcome_unknown_and_the_cargo_shows_it() -> None:
    from plancc.errors import OutcomeUnknown

    twin = mini_twin()
    twin.faults.queue("lost")
    with _client(twin) as api:
        with pytest.raises(OutcomeUnknown):
            api.purchase(HAULER, "IRON", 5)
        cargo = api.cargo(HAULER)
    assert cargo.units == 5


def test_the_client_rides_out_transient_server_errors() -> None:
    twin = mini_twin()
    twin.faults.queue("503", "502", "429-html", "429")
    with _client(twin) as api:
        agent = api.agent()
    assert agent.symbol == "TESTER"
    assert twin.faults.pending() == []


def test_the_twin_client_backs_off_in_game_time_not_real_time() -> None:
    twin = mini_twin()
    twin.faults.queue("503", "503")
    before = twin.now()
    with twin.api_client() as api:
        assert api.agent().symbol == "TESTER"
    assert twin.now() > before
