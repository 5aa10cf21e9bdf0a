"""A tiny hand-made universe for the twin's protocol tests: known coordinates, known goods.

Not a universe generator (that is plancc.sim.universe): four waypoints whose distances are easy
to reason about, two markets built with the real MarketSim, and a hauler plus a probe.

    X1-T-A1  PLANET   (0, 0)     market: FUEL (exchange), IRON (export), FOOD (import)  HQ
    X1-T-A2  MOON     (0, 0)     orbits A1, no market
    X1-T-B1  ASTEROID (30, 40)   market: FUEL (exchange), IRON (import)       d(A1) = 50
    X1-T-C1  GAS_GIANT(300, 400) no market                                    d(A1) = 500
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from plancc.sim.app import DEFAULT_START, Twin
from plancc.sim.clock import iso
from plancc.sim.market import GoodSpec, MarketSim

SYSTEM = "X1-T"
HQ, MOON, BELT, GIANT = "X1-T-A1", "X1-T-A2", "X1-T-B1", "X1-T-C1"
AGENT = "TESTER"
HAULER, PROBE = "TESTER-1", "TESTER-2"
HAULER_SPEED, HAULER_CARGO, HAULER_FUEL = 30, 40, 400


@dataclass
class MiniUniverse:
    """Has the attributes World reads from a plancc.sim.universe.Universe."""

    system: str
    waypoints: list[dict[str, Any]]
    markets: dict[str, MarketSim]
    agent: dict[str, Any]
    ships: list[dict[str, Any]] = field(default_factory=list)


def _trait(symbol: str) -> dict[str, str]:
    return {"symbol": symbol, "name": symbol.replace("_", " ").title(), "description": symbol}


def waypoint(
    symbol: str, type_: str, x: int, y: int, *, market: bool = True, orbits: str | None = None
) -> dict[str, Any]:
    wp: dict[str, Any] = {
        "symbol": symbol,
        "type": type_,
        "systemSymbol": SYSTEM,
        "x": x,
        "y": y,
        "orbitals": [],
        "traits": [_trait("MARKETPLACE")] if market else [_trait("BARREN")],
        "modifiers": [],
        "isUnderConstruction": False,
        "faction": {"symbol": "COSMIC"},
    }
    if orbits:
        wp["orbits"] = orbits
    return wp


def ship(
    symbol: str,
    wp: dict[str, Any],
    now: float,
    *,
    role: str = "HAULER",
    cargo: int = HAULER_CARGO,
    fuel: int = HAULER_FUEL,
    speed: int = HAULER_SPEED,
) -> dict[str, Any]:
    point = {k: wp[k] for k in ("symbol", "type", "systemSymbol", "x", "y")}
    req = {"power": 1, "crew": 0, "slots": 0}

    def part(sym: str, **extra: Any) -> dict[str, Any]:
        return {
            "symbol": sym,
            "name": sym.title(),
            "description": sym,
            "condition": 1,
            "integrity": 1,
            "requirements": req,
            "quality": 1,
            **extra,
        }

    return {
        "symbol": symbol,
        "registration": {"name": symbol, "factionSymbol": "COSMIC", "role": role},
        "nav": {
            "systemSymbol": SYSTEM,
            "waypointSymbol": wp["symbol"],
            "route": {
                "origin": point,
                "destination": point,
                "departureTime": iso(now),
                "arrival": iso(now),
            },
            "status": "DOCKED",
            "flightMode": "CRUISE",
        },
        "crew": {
            "current": 0,
            "required": 0,
            "capacity": 0,
            "rotation": "STRICT",
            "morale": 100,
            "wages": 0,
        },
        "frame": part("FRAME_LIGHT_FREIGHTER", moduleSlots=0, mountingPoints=0, fuelCapacity=fuel),
        "reactor": part("REACTOR_CHEMICAL_I", powerOutput=10),
        "engine": part("ENGINE_ION_DRIVE_I", speed=speed),
        "cooldown": {"shipSymbol": symbol, "totalSeconds": 0, "remainingSeconds": 0},
        "modules": [],
        "mounts": [],
        "cargo": {"capacity": cargo, "units": 0, "inventory": []},
        "fuel": {
            "current": fuel,
            "capacity": fuel,
            "consumed": {"amount": 0, "timestamp": iso(now)},
        },
    }


def mini_universe(now: float = DEFAULT_START, *, credits: int = 100_000) -> MiniUniverse:
    wps = [
        waypoint(HQ, "PLANET", 0, 0),
        waypoint(MOON, "MOON", 0, 0, market=False, orbits=HQ),
        waypoint(BELT, "ASTEROID", 30, 40),
        waypoint(GIANT, "GAS_GIANT", 300, 400, market=False),
    ]
    wps[0]["orbitals"] = [{"symbol": MOON}]
    hq_goods = [
        GoodSpec("FUEL", "EXCHANGE", 70, 100, "MODERATE", None),
        GoodSpec("IRON", "EXPORT", 100, 20, "MODERATE", "WEAK"),
        GoodSpec("FOOD", "IMPORT", 500, 10, "LIMITED", "WEAK"),
    ]
    belt_goods = [
        GoodSpec("FUEL", "EXCHANGE", 72, 100, "MODERATE", None),
        GoodSpec("IRON", "IMPORT", 200, 20, "LIMITED", "WEAK"),
    ]
    markets = {
        HQ: MarketSim(HQ, hq_goods, {}, 1, now),
        BELT: MarketSim(BELT, belt_goods, {}, 1, now),
    }
    agent = {
        "accountId": "acc-tester",
        "symbol": AGENT,
        "headquarters": HQ,
        "credits": credits,
        "startingFaction": "COSMIC",
        "shipCount": 2,
    }
    ships = [
        ship(HAULER, wps[0], now),
        ship(PROBE, wps[0], now, role="SATELLITE", cargo=0, fuel=0, speed=9),
    ]
    return MiniUniverse(SYSTEM, wps, markets, agent, ships)


def mini_twin(**kwargs: Any) -> Twin:
    credits = kwargs.pop("credits", 100_000)
    return Twin(mini_universe(credits=credits), **kwargs)
