"""A scripted SpaceTraders server for client tests: answers handed out in order (httpx.MockTransport),
a fake clock whose ``sleep`` only advances it, and the API objects the answers carry."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import httpx

from plancc.api import Client

DATE = "Tue, 24 Nov 2026 20:00:00 GMT"


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, s: float) -> None:
        self.sleeps.append(s)
        self.now += s


Step = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


class Script:
    """A transport handing out scripted answers in order; records every request it got."""

    def __init__(self, steps: list[Step], then: Step | None = None) -> None:
        self.steps = list(steps)
        self.then = then
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = self.steps.pop(0) if self.steps else self.then
        if step is None:
            raise AssertionError(f"unscripted request {request.method} {request.url}")
        if isinstance(step, Exception):
            raise step
        if callable(step) and not isinstance(step, httpx.Response):
            return step(request)
        return step

    def paths(self) -> list[str]:
        return [f"{r.method} {r.url.path}" for r in self.requests]


def ok(data: Any, status: int = 200, **extra: Any) -> httpx.Response:
    return httpx.Response(status, json={"data": data, **extra}, headers={"date": DATE})


def game_error(status: int, code: int, message: str, data: Any = None) -> httpx.Response:
    err: dict[str, Any] = {"message": message, "code": code}
    if data is not None:
        err["data"] = data
    return httpx.Response(status, json={"error": err})


def client_for(script: Script, clock: FakeClock | None = None, **kw: Any) -> Client:
    clock = clock or FakeClock()
    return Client(
        base_url="https://st.test/v2",
        token="tok-secret",
        transport=httpx.MockTransport(script),
        clock=clock,
        sleep=clock.sleep,
        rng=random.Random(7),
        **kw,
    )


def agent_json(credits: int = 1000) -> dict[str, Any]:
    return {
        "accountId": "acc1",
        "symbol": "ME",
        "headquarters": "X1-A-A1",
        "credits": credits,
        "startingFaction": "COSMIC",
        "shipCount": 1,
    }


def nav_json(status: str = "DOCKED", waypoint: str = "X1-A-A1") -> dict[str, Any]:
    point = {"symbol": waypoint, "type": "PLANET", "systemSymbol": "X1-A", "x": 0, "y": 0}
    return {
        "systemSymbol": "X1-A",
        "waypointSymbol": waypoint,
        "route": {
            "origin": point,
            "destination": point,
            "departureTime": "2026-11-24T19:00:00.000Z",
            "arrival": "2026-11-24T19:00:00.000Z",
        },
        "status": status,
        "flightMode": "CRUISE",
    }


def cargo_json(units: int = 0) -> dict[str, Any]:
    inv = [{"symbol": "IRON_ORE", "name": "Iron ore", "description": "", "units": units}]
    return {"capacity": 40, "units": units, "inventory": inv if units else []}


def ship_json(symbol: str = "ME-1") -> dict[str, Any]:
    return {
        "symbol": symbol,
        "registration": {"name": symbol, "factionSymbol": "COSMIC", "role": "COMMAND"},
        "nav": nav_json(),
        "frame": {"symbol": "FRAME_FRIGATE"},
        "engine": {"symbol": "ENGINE_ION_DRIVE_II", "speed": 36},
        "cargo": cargo_json(),
        "fuel": {"current": 400, "capacity": 400},
    }


def transaction_json(kind: str = "PURCHASE", units: int = 10) -> dict[str, Any]:
    return {
        "waypointSymbol": "X1-A-A1",
        "shipSymbol": "ME-1",
        "tradeSymbol": "IRON_ORE",
        "type": kind,
        "units": units,
        "pricePerUnit": 50,
        "totalPrice": 50 * units,
        "timestamp": "2026-11-24T20:00:00.000Z",
    }


def trade_answer(credits: int = 500, units: int = 10, kind: str = "PURCHASE") -> httpx.Response:
    data = {
        "agent": agent_json(credits),
        "cargo": cargo_json(units),
        "transaction": transaction_json(kind, units),
    }
    return ok(data, 201)
