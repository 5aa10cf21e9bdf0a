"""Every refusal the twin sends uses a code from the compiled list of real error codes
(../shared/spacetraders-api/error-codes.json), and where that list records the live ``data``
shape (its ``note``: ``data {a, b}``), the twin sends exactly those keys.

404 is the one code outside the list: the live server answers missing ships, waypoints and
routes with ``code`` 404, which the (self-described non-exhaustive) docs do not enumerate.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from twin_fixtures import BELT, GIANT, HAULER, HQ, MOON, SYSTEM, mini_twin

from plancc.sim.app import Twin

SHIP = f"/my/ships/{HAULER}"
Provoke = Callable[[Twin, httpx.Client], httpx.Response]


def _orbit_then(path: str, body: dict[str, Any]) -> Provoke:
    def provoke(twin: Twin, api: httpx.Client) -> httpx.Response:
        api.post(SHIP + "/orbit")
        return api.post(SHIP + path, json=body)

    return provoke


def _fly(twin: Twin, api: httpx.Client, dest: str) -> None:
    api.post(SHIP + "/orbit")
    assert api.post(SHIP + "/navigate", json={"waypointSymbol": dest}).status_code == 200
    twin.advance(3600)
    api.post(SHIP + "/dock")


def _anon(twin: Twin, api: httpx.Client) -> httpx.Response:
    with httpx.Client(base_url=twin.base_url, transport=twin.transport()) as anon:
        return anon.get("/my/agent")


def _bad_token(twin: Twin, api: httpx.Client) -> httpx.Response:
    with twin.client(headers={"Authorization": "Bearer forged"}) as bad:
        return bad.get("/my/agent")


def _after_reset(twin: Twin, api: httpx.Client) -> httpx.Response:
    with httpx.Client(transport=twin.transport()) as admin:
        admin.post("http://twin.local/_twin/reset")
    return api.get("/my/agent")


def _in_transit(twin: Twin, api: httpx.Client) -> httpx.Response:
    api.post(SHIP + "/orbit")
    api.post(SHIP + "/navigate", json={"waypointSymbol": BELT})
    return api.post(SHIP + "/dock")


def _no_fuel(twin: Twin, api: httpx.Client) -> httpx.Response:
    twin.world.ships[HAULER]["fuel"]["current"] = 1
    return _orbit_then("/navigate", {"waypointSymbol": BELT})(twin, api)


def _buy(units: int, good: str = "IRON") -> Provoke:
    return lambda twin, api: api.post(SHIP + "/purchase", json={"symbol": good, "units": units})


def _full_hold(twin: Twin, api: httpx.Client) -> httpx.Response:
    for _ in range(2):
        api.post(SHIP + "/purchase", json={"symbol": "IRON", "units": 20})
    return _buy(1)(twin, api)


def _not_fitting(twin: Twin, api: httpx.Client) -> httpx.Response:
    api.post(SHIP + "/purchase", json={"symbol": "IRON", "units": 20})
    api.post(SHIP + "/purchase", json={"symbol": "IRON", "units": 15})
    return _buy(10)(twin, api)


def _no_credits(twin: Twin, api: httpx.Client) -> httpx.Response:
    twin.world.agents[twin.agent_symbol]["credits"] = 1
    return _buy(5)(twin, api)


def _sell_more_than_held(twin: Twin, api: httpx.Client) -> httpx.Response:
    api.post(SHIP + "/purchase", json={"symbol": "IRON", "units": 2})
    return api.post(SHIP + "/sell", json={"symbol": "IRON", "units": 3})


def _sell_unlisted(twin: Twin, api: httpx.Client) -> httpx.Response:
    api.post(SHIP + "/purchase", json={"symbol": "FOOD", "units": 2})
    _fly(twin, api, BELT)
    return api.post(SHIP + "/sell", json={"symbol": "FOOD", "units": 2})


def _refuel_without_fuel_sold(twin: Twin, api: httpx.Client) -> httpx.Response:
    _fly(twin, api, MOON)
    return api.post(SHIP + "/refuel")


def _over_trade_volume(twin: Twin, api: httpx.Client) -> httpx.Response:
    market = api.get(f"/systems/{SYSTEM}/waypoints/{HQ}/market").json()["data"]
    tv = next(g["tradeVolume"] for g in market["tradeGoods"] if g["symbol"] == "IRON")
    return _buy(tv + 1)(twin, api)


# code -> (HTTP status, how to provoke it)
REFUSALS: dict[int, tuple[int, Provoke]] = {
    3001: (422, _buy(0)),
    4103: (401, _anon),
    4104: (401, _bad_token),
    4111: (
        409,
        lambda t, a: a.post(
            "/register",
            json={"symbol": "TESTER", "faction": "COSMIC"},
            headers={"Authorization": f"Bearer {t.account_token}"},
        ),
    ),
    4113: (401, _after_reset),
    4202: (400, _orbit_then("/navigate", {"waypointSymbol": "X1-ZZ9-A1"})),
    4203: (400, _no_fuel),
    4204: (400, _orbit_then("/navigate", {"waypointSymbol": HQ})),
    4214: (400, _in_transit),
    4217: (400, _not_fitting),
    4218: (400, lambda t, a: a.post(SHIP + "/sell", json={"symbol": "IRON", "units": 1})),
    4219: (400, _sell_more_than_held),
    4226: (400, _refuel_without_fuel_sold),
    4228: (400, _full_hold),
    4236: (400, lambda t, a: a.post(SHIP + "/navigate", json={"waypointSymbol": BELT})),
    4244: (400, _orbit_then("/purchase", {"symbol": "IRON", "units": 1})),
    4600: (400, _no_credits),
    4601: (400, _buy(1, "GOLD")),
    4602: (400, _sell_unlisted),
    4603: (404, lambda t, a: a.get(f"/systems/{SYSTEM}/waypoints/{GIANT}/market")),
    4604: (400, _over_trade_volume),
}


@pytest.fixture(scope="module")
def known(api_spec_dir: Path) -> dict[int, dict[str, Any]]:
    raw = json.loads((api_spec_dir / "error-codes.json").read_text(encoding="utf-8"))
    return {c["code"]: c for c in raw["codes"]}


def documented_data_keys(entry: dict[str, Any]) -> set[str] | None:
    """``{"a", "b"}`` from a note saying ``data {a, b}``; None when the note gives no shape."""
    m = re.search(r"data \{([^}]*)\}", entry.get("note", ""))
    if m is None:
        return None
    return {part.split(":")[0].strip() for part in m.group(1).split(",")}


def refusal(code: int) -> tuple[int, dict[str, Any]]:
    twin = mini_twin()
    with twin.client() as api:
        resp = REFUSALS[code][1](twin, api)
    body = resp.json()
    assert set(body) == {"error"}, body
    return resp.status_code, body["error"]


@pytest.mark.parametrize("code", sorted(REFUSALS))
def test_each_refusal_answers_its_real_code_and_status(
    code: int, known: dict[int, dict[str, Any]]
) -> None:
    status, err = refusal(code)
    assert (status, err["code"]) == (REFUSALS[code][0], code), err
    assert code in known, f"{code} is not a real SpaceTraders error code"
    assert isinstance(err["message"], str) and err["message"]


# the refusals whose live data shape error-codes.json records
SHAPED = (4113, 4203, 4214, 4236, 4600, 4601, 4604)


@pytest.mark.parametrize("code", SHAPED)
def test_each_refusal_sends_the_live_data_shape_where_it_is_known(
    code: int, known: dict[int, dict[str, Any]]
) -> None:
    expected = documented_data_keys(known[code])
    assert expected is not None, f"error-codes.json records no data shape for {code}"
    _, err = refusal(code)
    assert set(err.get("data") or {}) == expected


def test_the_rate_limit_refusal_sends_the_live_data_shape(
    known: dict[int, dict[str, Any]],
) -> None:
    twin = mini_twin(rate_limit=True, limiter_time=lambda: 0.0)
    with twin.client() as api:
        responses = [api.get("/my/agent") for _ in range(40)]
    refused = [r for r in responses if r.status_code == 429]
    assert refused
    err = refused[0].json()["error"]
    assert err["code"] == 429
    assert set(err["data"]) == documented_data_keys(known[429])
