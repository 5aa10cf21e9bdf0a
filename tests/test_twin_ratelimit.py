"""The twin limits like the live server: 2/s static pool, then a 30-per-60 s burst pool."""

from __future__ import annotations

import httpx
import pytest
from twin_fixtures import mini_twin

from plancc.sim.app import Twin


class FakeTime:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock() -> FakeTime:
    return FakeTime()


@pytest.fixture
def twin(clock: FakeTime) -> Twin:
    return mini_twin(rate_limit=True, limiter_time=clock)


def statuses(api: httpx.Client, n: int) -> list[int]:
    return [api.get("/my/agent").status_code for _ in range(n)]


def test_32_requests_in_one_instant_pass_and_the_33rd_is_refused(twin: Twin) -> None:
    with twin.client() as api:
        got = statuses(api, 33)
    assert got == [200] * 32 + [429]


def test_refusal_carries_the_real_body(twin: Twin) -> None:
    with twin.client() as api:
        statuses(api, 32)
        resp = api.get("/my/agent")
    err = resp.json()["error"]
    assert err["message"] == "You have reached your API limit."
    assert err["code"] == 429
    assert set(err["data"]) == {
        "type",
        "retryAfter",
        "limitBurst",
        "limitPerSecond",
        "remaining",
        "reset",
    }
    assert (err["data"]["limitBurst"], err["data"]["limitPerSecond"]) == (30, 2)
    assert err["data"]["remaining"] == 0


def test_refusal_carries_retry_after_and_ratelimit_headers(twin: Twin) -> None:
    with twin.client() as api:
        statuses(api, 32)
        resp = api.get("/my/agent")
    h = resp.headers
    assert float(h["retry-after"]) > 0
    assert h["x-ratelimit-limit-burst"] == "30"
    assert h["x-ratelimit-limit-per-second"] == "2"
    assert h["x-ratelimit-remaining"] == "0"
    assert h["x-ratelimit-type"]
    assert h["x-ratelimit-reset"].endswith("Z")


def test_the_static_pool_refills_at_two_per_second(twin: Twin, clock: FakeTime) -> None:
    with twin.client() as api:
        statuses(api, 33)
        clock.t += 0.5
        after_half = statuses(api, 2)
    assert after_half == [200, 429]


def test_a_steady_two_per_second_is_never_refused(twin: Twin, clock: FakeTime) -> None:
    got = []
    with twin.client() as api:
        for _ in range(200):
            got.append(api.get("/my/agent").status_code)
            clock.t += 0.5
    assert set(got) == {200}


def test_the_burst_pool_refills_60_seconds_after_its_first_use(twin: Twin, clock: FakeTime) -> None:
    with twin.client() as api:
        statuses(api, 33)
        clock.t += 59.0  # static pool full again (2), burst still empty
        before = statuses(api, 3)
        clock.t += 1.0  # 60 s since the burst's first draw
        after = statuses(api, 32)
    assert before == [200, 200, 429]
    assert after == [200] * 32


def test_each_token_has_its_own_pools(twin: Twin) -> None:
    token, _ = twin.world.register("SECOND", "COSMIC", twin.now())
    with twin.client() as api, twin.client(headers={"Authorization": f"Bearer {token}"}) as b:
        statuses(api, 33)
        assert b.get("/my/agent").status_code == 200


def test_admin_routes_are_never_limited(twin: Twin) -> None:
    with twin.client() as api:
        statuses(api, 33)
    with httpx.Client(transport=twin.transport()) as admin:
        got = [admin.get("http://twin.local/_twin/faults").status_code for _ in range(40)]
    assert set(got) == {200}


def test_limiting_can_be_switched_off_at_runtime(twin: Twin) -> None:
    with httpx.Client(transport=twin.transport()) as admin:
        admin.post("http://twin.local/_twin/ratelimit", json={"enabled": False})
    with twin.client() as api:
        assert set(statuses(api, 100)) == {200}


def test_unit_test_twins_do_not_limit_by_default() -> None:
    with mini_twin().client() as api:
        assert set(statuses(api, 100)) == {200}


def test_a_refused_request_does_not_act(twin: Twin) -> None:
    with twin.client() as api:
        statuses(api, 32)
        resp = api.post("/my/ships/TESTER-1/orbit")
        nav = twin.world.ships["TESTER-1"]["nav"]["status"]
    assert resp.status_code == 429
    assert nav == "DOCKED"
