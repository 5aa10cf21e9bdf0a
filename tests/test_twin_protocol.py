"""The twin speaks SpaceTraders v2: envelopes, auth, paging, filters, the game's rules, codes."""

from __future__ import annotations

import json
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import pytest
from twin_fixtures import (
    AGENT,
    BELT,
    GIANT,
    HAULER,
    HAULER_CARGO,
    HQ,
    MOON,
    PROBE,
    SYSTEM,
    mini_twin,
)

from plancc.sim.app import Twin
from plancc.sim.clock import VirtualClock, iso, parse_iso


@pytest.fixture
def twin() -> Twin:
    return mini_twin()


@pytest.fixture
def api(twin: Twin) -> httpx.Client:
    return twin.client()


def error(resp: httpx.Response) -> dict[str, Any]:
    body = resp.json()
    assert set(body) == {"error"}, body
    return body["error"]


def fly(twin: Twin, api: httpx.Client, ship: str, dest: str) -> dict[str, Any]:
    """Orbit, navigate, wait out the flight, dock; returns the navigate data."""
    api.post(f"/my/ships/{ship}/orbit")
    resp = api.post(f"/my/ships/{ship}/navigate", json={"waypointSymbol": dest})
    assert resp.status_code == 200, resp.text
    data = resp.json()["data"]
    twin.advance(600)
    api.post(f"/my/ships/{ship}/dock")
    return data


def trade_goods(api: httpx.Client, waypoint: str) -> dict[str, dict[str, Any]]:
    market = api.get(f"/systems/{SYSTEM}/waypoints/{waypoint}/market").json()["data"]
    return {g["symbol"]: g for g in market["tradeGoods"]}


# ------------------------------------------------------------------ envelopes, auth, clock


def test_status_reports_reset_date_and_next_reset_without_a_token(twin: Twin) -> None:
    with httpx.Client(base_url=twin.base_url, transport=twin.transport()) as anon:
        resp = anon.get("/")
    assert resp.status_code == 200
    body = resp.json()
    assert body["resetDate"] == twin.world.reset_date
    assert {"next", "frequency"} <= set(body["serverResets"])


def test_date_header_follows_the_virtual_clock(twin: Twin, api: httpx.Client) -> None:
    first = parsedate_to_datetime(api.get("/my/agent").headers["date"])
    twin.advance(3600)
    second = parsedate_to_datetime(api.get("/my/agent").headers["date"])
    assert (second - first).total_seconds() == 3600


def test_agent_endpoint_wraps_the_agent_in_data(api: httpx.Client) -> None:
    resp = api.get("/my/agent")
    assert resp.status_code == 200
    assert resp.json()["data"]["symbol"] == AGENT


def test_missing_token_gets_401_with_code_4103(twin: Twin) -> None:
    with httpx.Client(base_url=twin.base_url, transport=twin.transport()) as anon:
        resp = anon.get("/my/agent")
    assert resp.status_code == 401
    assert error(resp)["code"] == 4103


def test_unknown_token_gets_401_with_code_4104(twin: Twin) -> None:
    with twin.client(headers={"Authorization": "Bearer not-a-token"}) as bad:
        resp = bad.get("/my/ships")
    assert resp.status_code == 401
    assert error(resp)["code"] == 4104


def test_tokens_from_before_a_reset_get_4113(twin: Twin, api: httpx.Client) -> None:
    with httpx.Client(transport=twin.transport()) as admin:
        admin.post("http://twin.local/_twin/reset")
    resp = api.get("/my/agent")
    assert resp.status_code == 401
    err = error(resp)
    assert err["code"] == 4113
    assert err["data"]["expected"] == twin.world.reset_date


def test_unknown_route_is_404_in_the_error_envelope(api: httpx.Client) -> None:
    resp = api.get("/my/spaceships")
    assert resp.status_code == 404
    assert error(resp)["code"] == 404


def test_unknown_ship_is_404(api: httpx.Client) -> None:
    resp = api.get("/my/ships/NOBODY-9")
    assert resp.status_code == 404
    assert "NOBODY-9" in error(resp)["message"]


def account(twin: Twin) -> httpx.Client:
    """A client holding the twin's account token (the spec secures /register with one)."""
    headers = {"Authorization": f"Bearer {twin.account_token}"}
    return httpx.Client(base_url=twin.base_url, transport=twin.transport(), headers=headers)


def test_register_creates_an_agent_whose_token_works(twin: Twin) -> None:
    with account(twin) as acct:
        resp = acct.post("/register", json={"symbol": "newbie", "faction": "COSMIC"})
    assert resp.status_code == 201
    data = resp.json()["data"]
    with twin.client(headers={"Authorization": f"Bearer {data['token']}"}) as mine:
        ships = mine.get("/my/ships").json()["data"]
    assert data["agent"]["symbol"] == "NEWBIE"
    assert {s["symbol"] for s in ships} == {"NEWBIE-1", "NEWBIE-2"}


def test_register_refuses_a_taken_symbol_with_4111(twin: Twin) -> None:
    with account(twin) as acct:
        resp = acct.post("/register", json={"symbol": AGENT, "faction": "COSMIC"})
    assert resp.status_code == 409
    assert error(resp)["code"] == 4111


def test_register_without_a_token_is_401(twin: Twin) -> None:
    """The spec secures POST /register with an AccountToken."""
    with httpx.Client(base_url=twin.base_url, transport=twin.transport()) as anon:
        resp = anon.post("/register", json={"symbol": "newbie2", "faction": "COSMIC"})
    assert resp.status_code == 401
    assert error(resp)["code"] == 4103


def test_register_with_an_agent_token_is_401(api: httpx.Client) -> None:
    resp = api.post("/register", json={"symbol": "newbie3", "faction": "COSMIC"})
    assert resp.status_code == 401
    assert error(resp)["code"] == 4104


def test_an_account_token_is_no_agent_token(twin: Twin) -> None:
    with account(twin) as acct:
        assert acct.get("/my/agent").status_code == 401


def test_supply_chain_without_a_token_is_401(twin: Twin) -> None:
    """The spec secures GET /market/supply-chain with an AgentToken."""
    with httpx.Client(base_url=twin.base_url, transport=twin.transport()) as anon:
        resp = anon.get("/market/supply-chain")
    assert resp.status_code == 401
    assert error(resp)["code"] == 4103


def test_supply_chain_with_an_agent_token_answers(api: httpx.Client) -> None:
    resp = api.get("/market/supply-chain")
    assert resp.status_code == 200
    assert resp.json()["data"]["exportToImportMap"]["FOOD"]


def test_invalid_json_body_is_422_with_code_3001(api: httpx.Client) -> None:
    resp = api.post(
        f"/my/ships/{HAULER}/navigate",
        content=b"{not json",
        headers={"content-type": "application/json"},
    )
    assert resp.status_code == 422
    assert error(resp)["code"] == 3001


# ------------------------------------------------------------------ paging and filters


def test_ships_list_is_paged_with_meta(api: httpx.Client) -> None:
    first = api.get("/my/ships", params={"limit": 1}).json()
    second = api.get("/my/ships", params={"limit": 1, "page": 2}).json()
    assert first["meta"] == {"total": 2, "page": 1, "limit": 1}
    assert [s["symbol"] for s in first["data"] + second["data"]] == [HAULER, PROBE]


def test_page_past_the_end_is_empty_not_an_error(api: httpx.Client) -> None:
    body = api.get("/my/ships", params={"page": 5}).json()
    assert body["data"] == []
    assert body["meta"]["total"] == 2


def test_limit_above_20_is_refused(api: httpx.Client) -> None:
    resp = api.get(f"/systems/{SYSTEM}/waypoints", params={"limit": 21})
    assert resp.status_code == 422
    assert error(resp)["code"] == 3001


def test_waypoints_filter_by_trait(api: httpx.Client) -> None:
    body = api.get(f"/systems/{SYSTEM}/waypoints", params={"traits": "MARKETPLACE"}).json()
    assert {w["symbol"] for w in body["data"]} == {HQ, BELT}
    assert body["meta"]["total"] == 2


def test_waypoints_filter_by_type(api: httpx.Client) -> None:
    body = api.get(f"/systems/{SYSTEM}/waypoints", params={"type": "MOON"}).json()
    assert [w["symbol"] for w in body["data"]] == [MOON]


def test_waypoint_of_another_system_is_404(api: httpx.Client) -> None:
    resp = api.get("/systems/X1-ZZ9/waypoints/X1-ZZ9-A1")
    assert resp.status_code == 404


def test_market_of_a_waypoint_without_marketplace_is_404_4603(api: httpx.Client) -> None:
    resp = api.get(f"/systems/{SYSTEM}/waypoints/{GIANT}/market")
    assert resp.status_code == 404
    assert error(resp)["code"] == 4603


def test_supply_chain_maps_exports_to_imports(api: httpx.Client) -> None:
    chain = api.get("/market/supply-chain").json()["data"]["exportToImportMap"]
    assert chain["ADVANCED_CIRCUITRY"] == ["ELECTRONICS", "MICROPROCESSORS"]
    assert len(chain) > 100


# ------------------------------------------------------------------ market visibility


def test_trade_goods_hidden_without_a_ship_at_the_market(api: httpx.Client) -> None:
    market = api.get(f"/systems/{SYSTEM}/waypoints/{BELT}/market").json()["data"]
    assert "tradeGoods" not in market
    assert "transactions" not in market
    assert [g["symbol"] for g in market["imports"]] == ["IRON"]


def test_trade_goods_shown_while_a_ship_is_there(api: httpx.Client) -> None:
    market = api.get(f"/systems/{SYSTEM}/waypoints/{HQ}/market").json()["data"]
    assert {g["symbol"] for g in market["tradeGoods"]} == {"FUEL", "IRON", "FOOD"}


def test_trade_goods_hidden_from_other_agents(twin: Twin) -> None:
    token, _ = twin.world.register("OTHER", "COSMIC", twin.now())
    # OTHER's ships start at the same HQ: move nothing, look at the belt where only nobody is
    with twin.client(headers={"Authorization": f"Bearer {token}"}) as other:
        market = other.get(f"/systems/{SYSTEM}/waypoints/{BELT}/market").json()["data"]
    assert "tradeGoods" not in market


def test_transactions_appear_after_a_trade(api: httpx.Client) -> None:
    api.post(f"/my/ships/{HAULER}/purchase", json={"symbol": "IRON", "units": 5})
    market = api.get(f"/systems/{SYSTEM}/waypoints/{HQ}/market").json()["data"]
    assert [(t["type"], t["units"]) for t in market["transactions"]] == [("PURCHASE", 5)]
    assert "agentSymbol" not in market["transactions"][0]


# ------------------------------------------------------------------ nav rules


def test_navigate_while_docked_is_refused_4236(api: httpx.Client) -> None:
    resp = api.post(f"/my/ships/{HAULER}/navigate", json={"waypointSymbol": BELT})
    assert resp.status_code == 400
    err = error(resp)
    assert err["code"] == 4236
    assert err["data"] == {"waypointSymbol": HQ}


def test_ship_in_transit_refuses_dock_with_4214(twin: Twin, api: httpx.Client) -> None:
    api.post(f"/my/ships/{HAULER}/orbit")
    api.post(f"/my/ships/{HAULER}/navigate", json={"waypointSymbol": BELT})
    twin.advance(10)
    resp = api.post(f"/my/ships/{HAULER}/dock")
    err = error(resp)
    assert resp.status_code == 400
    assert err["code"] == 4214
    assert err["data"]["destinationSymbol"] == BELT
    assert err["data"]["secondsToArrival"] > 0


def test_ship_in_transit_refuses_purchase_with_4214(twin: Twin, api: httpx.Client) -> None:
    api.post(f"/my/ships/{HAULER}/orbit")
    api.post(f"/my/ships/{HAULER}/navigate", json={"waypointSymbol": BELT})
    resp = api.post(f"/my/ships/{HAULER}/purchase", json={"symbol": "IRON", "units": 1})
    assert error(resp)["code"] == 4214


def test_ship_is_in_orbit_at_destination_once_arrival_passed(twin: Twin, api: httpx.Client) -> None:
    api.post(f"/my/ships/{HAULER}/orbit")
    nav = api.post(f"/my/ships/{HAULER}/navigate", json={"waypointSymbol": BELT}).json()
    arrival = nav["data"]["nav"]["route"]["arrival"]
    assert api.get(f"/my/ships/{HAULER}/nav").json()["data"]["status"] == "IN_TRANSIT"
    twin.advance(10_000)
    now_nav = api.get(f"/my/ships/{HAULER}/nav").json()["data"]
    assert (now_nav["status"], now_nav["waypointSymbol"]) == ("IN_ORBIT", BELT)
    assert now_nav["route"]["arrival"] == arrival


def test_navigate_to_where_the_ship_is_is_refused_4204(api: httpx.Client) -> None:
    api.post(f"/my/ships/{HAULER}/orbit")
    resp = api.post(f"/my/ships/{HAULER}/navigate", json={"waypointSymbol": HQ})
    assert error(resp)["code"] == 4204


def test_navigate_outside_the_system_is_refused_4202(api: httpx.Client) -> None:
    api.post(f"/my/ships/{HAULER}/orbit")
    resp = api.post(f"/my/ships/{HAULER}/navigate", json={"waypointSymbol": "X1-ZZ9-A1"})
    assert error(resp)["code"] == 4202


def test_navigate_without_enough_fuel_is_refused_4203(twin: Twin, api: httpx.Client) -> None:
    twin.world.ships[HAULER]["fuel"]["current"] = 10
    api.post(f"/my/ships/{HAULER}/orbit")
    resp = api.post(f"/my/ships/{HAULER}/navigate", json={"waypointSymbol": BELT})
    err = error(resp)
    assert err["code"] == 4203
    assert err["data"] == {"shipSymbol": HAULER, "fuelRequired": 50, "fuelAvailable": 10}


def test_orbit_and_dock_answer_the_new_nav(api: httpx.Client) -> None:
    orbit = api.post(f"/my/ships/{HAULER}/orbit").json()["data"]["nav"]["status"]
    dock = api.post(f"/my/ships/{HAULER}/dock").json()["data"]["nav"]["status"]
    assert (orbit, dock) == ("IN_ORBIT", "DOCKED")


def test_patch_nav_sets_the_flight_mode(api: httpx.Client) -> None:
    resp = api.patch(f"/my/ships/{HAULER}/nav", json={"flightMode": "DRIFT"})
    assert resp.status_code == 200
    assert resp.json()["data"]["nav"]["flightMode"] == "DRIFT"
    assert api.get(f"/my/ships/{HAULER}/nav").json()["data"]["flightMode"] == "DRIFT"


def test_patch_nav_refuses_an_unknown_mode(api: httpx.Client) -> None:
    resp = api.patch(f"/my/ships/{HAULER}/nav", json={"flightMode": "WARP9"})
    assert resp.status_code == 422


# ------------------------------------------------------------------ trade rules


def test_purchase_answers_201_and_charges_the_listed_price(api: httpx.Client) -> None:
    listed = trade_goods(api, HQ)["IRON"]["purchasePrice"]
    before = api.get("/my/agent").json()["data"]["credits"]
    resp = api.post(f"/my/ships/{HAULER}/purchase", json={"symbol": "IRON", "units": 10})
    assert resp.status_code == 201
    data = resp.json()["data"]
    assert data["transaction"]["pricePerUnit"] == listed
    assert data["transaction"]["totalPrice"] == listed * 10
    assert data["agent"]["credits"] == before - listed * 10
    assert data["cargo"]["units"] == 10


def test_purchase_moves_the_price_up(api: httpx.Client) -> None:
    before = trade_goods(api, HQ)["IRON"]["purchasePrice"]
    api.post(f"/my/ships/{HAULER}/purchase", json={"symbol": "IRON", "units": 20})
    assert trade_goods(api, HQ)["IRON"]["purchasePrice"] > before


def test_purchase_while_in_orbit_is_refused_4244(api: httpx.Client) -> None:
    api.post(f"/my/ships/{HAULER}/orbit")
    resp = api.post(f"/my/ships/{HAULER}/purchase", json={"symbol": "IRON", "units": 1})
    err = error(resp)
    assert err["code"] == 4244
    assert err["data"] == {"waypointSymbol": HQ}


def test_purchase_above_trade_volume_is_refused_4604(api: httpx.Client) -> None:
    tv = trade_goods(api, HQ)["IRON"]["tradeVolume"]
    resp = api.post(f"/my/ships/{HAULER}/purchase", json={"symbol": "IRON", "units": tv + 1})
    err = error(resp)
    assert err["code"] == 4604
    assert err["data"]["tradeVolume"] == tv
    assert err["data"]["units"] == tv + 1


def test_purchase_without_enough_credits_is_refused_4600() -> None:
    twin = mini_twin(credits=50)
    with twin.client() as api:
        resp = api.post(f"/my/ships/{HAULER}/purchase", json={"symbol": "IRON", "units": 5})
    err = error(resp)
    assert err["code"] == 4600
    assert err["data"]["agentCredits"] == 50
    assert err["data"]["totalPrice"] == 5 * err["data"]["purchasePrice"]


def test_purchase_into_a_full_hold_is_refused_4228(api: httpx.Client) -> None:
    for _ in range(HAULER_CARGO // 20):
        api.post(f"/my/ships/{HAULER}/purchase", json={"symbol": "IRON", "units": 20})
    resp = api.post(f"/my/ships/{HAULER}/purchase", json={"symbol": "IRON", "units": 1})
    assert error(resp)["code"] == 4228


def test_purchase_that_does_not_fit_is_refused_4217(api: httpx.Client) -> None:
    api.post(f"/my/ships/{HAULER}/purchase", json={"symbol": "IRON", "units": 20})
    api.post(f"/my/ships/{HAULER}/purchase", json={"symbol": "IRON", "units": 15})
    resp = api.post(f"/my/ships/{HAULER}/purchase", json={"symbol": "IRON", "units": 10})
    assert error(resp)["code"] == 4217


def test_purchase_of_a_good_not_traded_here_is_refused_4601(api: httpx.Client) -> None:
    resp = api.post(f"/my/ships/{HAULER}/purchase", json={"symbol": "GOLD", "units": 1})
    assert error(resp)["code"] == 4601


def test_purchase_of_zero_units_is_refused(api: httpx.Client) -> None:
    resp = api.post(f"/my/ships/{HAULER}/purchase", json={"symbol": "IRON", "units": 0})
    assert resp.status_code == 422


def test_sell_pays_the_listed_sell_price(twin: Twin, api: httpx.Client) -> None:
    api.post(f"/my/ships/{HAULER}/purchase", json={"symbol": "IRON", "units": 20})
    fly(twin, api, HAULER, BELT)
    listed = trade_goods(api, BELT)["IRON"]["sellPrice"]
    before = api.get("/my/agent").json()["data"]["credits"]
    resp = api.post(f"/my/ships/{HAULER}/sell", json={"symbol": "IRON", "units": 20})
    assert resp.status_code == 201
    data = resp.json()["data"]
    assert data["transaction"]["pricePerUnit"] == listed
    assert data["agent"]["credits"] == before + 20 * listed
    assert data["cargo"]["units"] == 0


def test_sell_more_than_held_is_refused_4219(api: httpx.Client) -> None:
    api.post(f"/my/ships/{HAULER}/purchase", json={"symbol": "IRON", "units": 5})
    resp = api.post(f"/my/ships/{HAULER}/sell", json={"symbol": "IRON", "units": 6})
    assert error(resp)["code"] == 4219


def test_sell_of_cargo_not_held_is_refused_4218(api: httpx.Client) -> None:
    resp = api.post(f"/my/ships/{HAULER}/sell", json={"symbol": "IRON", "units": 1})
    assert error(resp)["code"] == 4218


def test_sell_of_a_good_the_market_does_not_list_is_refused_4602(
    twin: Twin, api: httpx.Client
) -> None:
    api.post(f"/my/ships/{HAULER}/purchase", json={"symbol": "FOOD", "units": 5})
    fly(twin, api, HAULER, BELT)
    resp = api.post(f"/my/ships/{HAULER}/sell", json={"symbol": "FOOD", "units": 5})
    assert error(resp)["code"] == 4602


def test_jettison_drops_cargo_anywhere(api: httpx.Client) -> None:
    api.post(f"/my/ships/{HAULER}/purchase", json={"symbol": "IRON", "units": 5})
    api.post(f"/my/ships/{HAULER}/orbit")
    resp = api.post(f"/my/ships/{HAULER}/jettison", json={"symbol": "IRON", "units": 3})
    assert resp.status_code == 200
    assert resp.json()["data"]["cargo"]["inventory"][0]["units"] == 2


def test_refuel_needs_dock_4244(api: httpx.Client) -> None:
    api.post(f"/my/ships/{HAULER}/orbit")
    assert error(api.post(f"/my/ships/{HAULER}/refuel"))["code"] == 4244


def test_refuel_fills_the_tank_and_charges_per_100_fuel(twin: Twin, api: httpx.Client) -> None:
    fly(twin, api, HAULER, BELT)
    price = trade_goods(api, BELT)["FUEL"]["purchasePrice"]
    before = api.get("/my/agent").json()["data"]["credits"]
    resp = api.post(f"/my/ships/{HAULER}/refuel")
    data = resp.json()["data"]
    assert resp.status_code == 200
    assert data["fuel"]["current"] == data["fuel"]["capacity"]
    assert data["transaction"]["units"] == 1  # 50 fuel used -> one market unit
    assert data["agent"]["credits"] == before - price


def test_refuel_where_no_fuel_is_sold_is_refused_4226(twin: Twin, api: httpx.Client) -> None:
    fly(twin, api, HAULER, MOON)
    assert error(api.post(f"/my/ships/{HAULER}/refuel"))["code"] == 4226


# ------------------------------------------------------------------ state


def test_state_round_trips_and_holds_no_token(twin: Twin, api: httpx.Client) -> None:
    api.post(f"/my/ships/{HAULER}/purchase", json={"symbol": "IRON", "units": 7})
    state = json.loads(json.dumps(twin.state()))
    assert twin.token not in json.dumps(state)
    restored = Twin.from_state(state)
    with restored.client() as again:
        ship = again.get(f"/my/ships/{HAULER}").json()["data"]
        credits = again.get("/my/agent").json()["data"]["credits"]
    assert ship["cargo"]["units"] == 7
    assert credits == api.get("/my/agent").json()["data"]["credits"]


def test_old_token_still_works_after_restore(twin: Twin) -> None:
    restored = Twin.from_state(twin.state())
    with restored.client(headers={"Authorization": f"Bearer {twin.token}"}) as old:
        assert old.get("/my/agent").status_code == 200


def test_admin_advance_moves_the_clock(twin: Twin) -> None:
    before = twin.now()
    with httpx.Client(transport=twin.transport()) as admin:
        resp = admin.post("http://twin.local/_twin/advance", json={"seconds": 90})
    assert resp.status_code == 200
    assert twin.now() == before + 90


# ------------------------------------------------------------------ background traders


def _trader_log(traders: float) -> list[dict[str, Any]]:
    pytest.importorskip("plancc.sim.universe")
    twin = Twin.generate(seed=1, traders=traders)
    twin.advance(4 * 3600)
    return [t for t in twin.world.transactions if t["agentSymbol"] != twin.agent_symbol]


def test_background_traders_trade_on_the_game_clock_when_switched_on() -> None:
    log = _trader_log(0.05)
    assert log
    assert {t["type"] for t in log} == {"PURCHASE", "SELL"}


def test_background_traders_are_off_by_default() -> None:
    assert _trader_log(0.0) == []


def test_background_traders_are_reproducible_from_the_seed() -> None:
    assert _trader_log(0.05) == _trader_log(0.05)


# ------------------------------------------------------------------ virtual clock


class FakeReal:
    def __init__(self) -> None:
        self.t = 50.0

    def __call__(self) -> float:
        return self.t


def test_clock_stands_still_at_speed_zero_until_advanced() -> None:
    real = FakeReal()
    clock = VirtualClock(1000.0, real_time=real)
    real.t += 30
    assert clock.now() == 1000.0
    assert clock.advance(5) == 1005.0


def test_clock_at_speed_ten_runs_ten_game_seconds_per_real_second() -> None:
    real = FakeReal()
    clock = VirtualClock(1000.0, speed=10, real_time=real)
    real.t += 3
    assert clock.now() == 1030.0
    clock.advance(100)
    real.t += 1
    assert clock.now() == 1140.0


def test_clock_speed_change_does_not_jump() -> None:
    real = FakeReal()
    clock = VirtualClock(0.0, speed=10, real_time=real)
    real.t += 2
    clock.set_speed(1)
    assert clock.now() == 20.0
    real.t += 2
    assert clock.now() == 22.0


def test_clock_never_moves_backwards() -> None:
    with pytest.raises(ValueError):
        VirtualClock(0.0).advance(-1)


@pytest.mark.parametrize("seconds", [float("inf"), float("nan")])
def test_clock_refuses_an_endless_advance_and_keeps_its_time(seconds: float) -> None:
    clock = VirtualClock(100.0)
    with pytest.raises(ValueError):
        clock.advance(seconds)
    assert clock.now() == 100.0


def test_clock_refuses_a_negative_speed() -> None:
    with pytest.raises(ValueError):
        VirtualClock(0.0, speed=-1)


def test_api_timestamps_have_milliseconds_and_z() -> None:
    assert iso(1_700_000_000.25) == "2023-11-14T22:13:20.250Z"
    assert parse_iso(iso(1_700_000_000.25)) == 1_700_000_000.25


def test_a_bad_token_on_a_public_endpoint_is_still_refused(twin: Twin) -> None:
    with twin.client(headers={"Authorization": "Bearer forged"}) as bad:
        resp = bad.get(f"/systems/{SYSTEM}/waypoints")
    assert resp.status_code == 401


def test_ledger_from_transactions_balances_with_agent_credits(
    twin: Twin, api: httpx.Client
) -> None:
    start = api.get("/my/agent").json()["data"]["credits"]
    txs = []
    for units in (20, 20):
        txs.append(
            api.post(f"/my/ships/{HAULER}/purchase", json={"symbol": "IRON", "units": units})
        )
    fly(twin, api, HAULER, BELT)
    txs.append(api.post(f"/my/ships/{HAULER}/sell", json={"symbol": "IRON", "units": 20}))
    txs.append(api.post(f"/my/ships/{HAULER}/refuel"))
    txs.append(api.post(f"/my/ships/{HAULER}/sell", json={"symbol": "IRON", "units": 20}))
    signed = 0
    for resp in txs:
        tx = resp.json()["data"]["transaction"]
        signed += tx["totalPrice"] if tx["type"] == "SELL" else -tx["totalPrice"]
    assert api.get("/my/agent").json()["data"]["credits"] == start + signed


def test_a_reset_moves_reset_date_to_a_later_day(twin: Twin) -> None:
    before = twin.world.reset_date
    with httpx.Client(transport=twin.transport()) as admin:
        after = admin.post("http://twin.local/_twin/reset").json()["data"]["resetDate"]
    assert after > before
    assert len(after) == 10


def test_concurrent_trades_keep_credits_and_cargo_consistent(twin: Twin) -> None:
    import threading

    start = twin.world.agents[AGENT]["credits"]
    paid: list[int] = []

    def buy() -> None:
        with twin.client() as mine:
            for _ in range(5):
                resp = mine.post(
                    f"/my/ships/{HAULER}/purchase", json={"symbol": "IRON", "units": 1}
                )
                paid.append(resp.json()["data"]["transaction"]["totalPrice"])

    threads = [threading.Thread(target=buy) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(paid) == 40
    assert twin.world.agents[AGENT]["credits"] == start - sum(paid)
    assert twin.world.ships[HAULER]["cargo"]["units"] == 40
