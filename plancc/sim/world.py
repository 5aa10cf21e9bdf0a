"""The twin's mutable game state and the game's rules, with no HTTP in sight.

A :class:`World` is built from a ``Universe`` (plancc.sim.universe) and answers the calls the
API makes, in API-shaped dicts, at an explicit game time ``now`` (float Unix seconds). Rules
that break raise :class:`TwinError` carrying the real HTTP status, the game's numeric code and
its ``data`` shape (../shared/spacetraders-api/error-codes.json), which the WSGI app turns into
the error envelope.

Rules, as the live game applies them:
- navigate needs IN_ORBIT (4236); dock/orbit/navigate/trade refuse while IN_TRANSIT (4214);
  travel time and fuel come from :mod:`plancc.travel`; a ship whose arrival has passed is
  IN_ORBIT at its destination (settled lazily on every look);
- purchase, sell and refuel need DOCKED (4244); one transaction moves at most ``tradeVolume``
  (4604); credits (4600); cargo space (4228 when full, 4217 when the lot does not fit);
- ``Market.tradeGoods`` and ``transactions`` are shown only while one of the agent's ships is
  at the waypoint;
- markets are advanced to ``now`` before every view or trade (``MarketSim.advance``), and
  optional background traders act every game minute.

Tokens are never stored: only their SHA-256, so saved state and ``/_twin/state`` hold no secret.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import math
import random
import secrets
import threading
from collections import deque
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from plancc import travel
from plancc.sim.clock import iso, parse_iso

STATE_FORMAT = "plancc-twin-state/1"
TRADER_STEP_SECONDS = 60.0
MAX_TRADER_CATCHUP_STEPS = 24 * 60  # never replay more than a game day of traders at once
MARKET_TRANSACTIONS_SHOWN = 20
FLIGHT_MODES = ("CRUISE", "BURN", "DRIFT", "STEALTH")


class TwinError(Exception):
    """A refusal in the game's own terms: HTTP status, numeric code, message, data."""

    def __init__(
        self, status: int, code: int, message: str, data: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.data = dict(data) if data is not None else None

    def body(self) -> dict[str, Any]:
        err: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.data is not None:
            err["data"] = self.data
        return {"error": err}


def invalid_input(message: str, field: str = "") -> TwinError:
    """A request the server cannot process (422, code 3001 unprocessableInputError)."""
    data = {"field": field} if field else None
    return TwinError(422, 3001, message, data)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _b64(obj: Mapping[str, Any]) -> str:
    raw = json.dumps(obj, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def good_ref(symbol: str) -> dict[str, str]:
    """The API ``TradeGood`` reference (symbol, name, description) for a market's lists."""
    name = symbol.replace("_", " ").title()
    return {"symbol": symbol, "name": name, "description": f"{name}."}


def _faction_of(agent: Mapping[str, Any]) -> str:
    return str(agent.get("startingFaction") or "COSMIC")


class World:
    """All game state of one twin; every public method takes the game time ``now``.

    Thread-safe: the app holds :attr:`lock` around each request.
    """

    def __init__(
        self,
        universe: Any,
        *,
        now: float,
        supply_chain: Mapping[str, list[str]] | None = None,
        traders: float = 0.0,
        seed: int = 0,
    ) -> None:
        self.lock = threading.RLock()
        self.system: str = universe.system
        self.waypoints: dict[str, dict[str, Any]] = {
            w["symbol"]: copy.deepcopy(w) for w in universe.waypoints
        }
        self.markets: dict[str, Any] = dict(universe.markets)
        self.supply_chain: dict[str, list[str]] = {
            k: list(v) for k, v in (supply_chain or {}).items()
        }
        self.reset_date: str = iso(now)[:10]
        self.created: float = now
        self.agents: dict[str, dict[str, Any]] = {}
        self.token_hashes: dict[str, tuple[str, str]] = {}  # sha256 -> (agent, reset date)
        self.account_hashes: set[str] = set()  # sha256 of account tokens (POST /register)
        self.ships: dict[str, dict[str, Any]] = {}
        self.owners: dict[str, str] = {}
        self.arrivals: dict[str, float] = {}
        self.transactions: list[dict[str, Any]] = []
        self.recent: dict[str, deque[dict[str, Any]]] = {}  # per market, the last few shown
        self.traders = float(traders)
        self.seed = int(seed)
        self.trader_steps = 0
        self.trader_clock = now
        self.trader_log: list[dict[str, Any]] = []
        self.fleet_template: list[dict[str, Any]] = [copy.deepcopy(s) for s in universe.ships]
        self.primary_agent: str = ""
        if universe.agent:
            agent = copy.deepcopy(universe.agent)
            agent.setdefault("accountId", f"twin-{agent['symbol'].lower()}")
            self._add_agent(agent, [copy.deepcopy(s) for s in universe.ships], now)
            self.primary_agent = agent["symbol"]

    # ------------------------------------------------------------------ agents and tokens

    def _add_agent(self, agent: dict[str, Any], ships: list[dict[str, Any]], now: float) -> None:
        self.agents[agent["symbol"]] = agent
        for ship in ships:
            self.ships[ship["symbol"]] = ship
            self.owners[ship["symbol"]] = agent["symbol"]
            route = ship.get("nav", {}).get("route", {})
            if ship.get("nav", {}).get("status") == "IN_TRANSIT" and "arrival" in route:
                self.arrivals[ship["symbol"]] = parse_iso(route["arrival"])
        agent["shipCount"] = sum(1 for o in self.owners.values() if o == agent["symbol"])

    def issue_token(self, agent_symbol: str, now: float) -> str:
        """A JWT-shaped bearer token for ``agent_symbol``; only its hash is kept."""
        header = {"alg": "HS256", "typ": "JWT"}
        payload = {
            "identifier": agent_symbol,
            "version": "v2.3.0",
            "reset_date": self.reset_date,
            "iat": int(now),
            "sub": "agent-token",
        }
        token = f"{_b64(header)}.{_b64(payload)}.{secrets.token_urlsafe(32)}"
        self.token_hashes[token_hash(token)] = (agent_symbol, self.reset_date)
        return token

    def issue_account_token(self, now: float) -> str:
        """An account token: it registers agents (``POST /register``) and nothing else."""
        header = {"alg": "HS256", "typ": "JWT"}
        payload = {"identifier": "twin-account", "iat": int(now), "sub": "account-token"}
        token = f"{_b64(header)}.{_b64(payload)}.{secrets.token_urlsafe(32)}"
        self.account_hashes.add(token_hash(token))
        return token

    def authenticate_account(self, authorization: str | None) -> None:
        """The spec secures ``POST /register`` with an AccountToken: anything else is a 401."""
        if not authorization or not authorization.startswith("Bearer "):
            raise TwinError(401, 4103, "Missing or invalid authorization header (Bearer token).")
        if token_hash(authorization[len("Bearer ") :].strip()) not in self.account_hashes:
            raise TwinError(401, 4104, "Failed to parse token. Token is not an account token.")

    def authenticate(self, authorization: str | None) -> str:
        """The agent symbol for an ``Authorization: Bearer ...`` header, else a 401."""
        # Codes as error-codes.json names them: 4103 missingTokenRequestError, 4104
        # invalidTokenRequestError (a live 4104 body is quoted in SpaceTradersAPI/api-docs#37).
        if not authorization or not authorization.startswith("Bearer "):
            raise TwinError(401, 4103, "Missing or invalid authorization header (Bearer token).")
        token = authorization[len("Bearer ") :].strip()
        found = self.token_hashes.get(token_hash(token))
        if found is None:
            raise TwinError(401, 4104, "Failed to parse token. Token is invalid.")
        agent, reset = found
        if reset != self.reset_date:
            raise TwinError(
                401,
                4113,
                "Failed to parse token. Token reset_date does not match the server."
                " Server resets happen on a weekly to bi-weekly frequency during alpha."
                " After a reset, you should re-register your agent.",
                {"expected": self.reset_date, "actual": reset},
            )
        return agent

    def reset(self, now: float) -> str:
        """Simulate a server reset: a new ``resetDate``; older tokens now get 4113."""
        today = datetime.fromtimestamp(now, UTC).date()
        previous = date.fromisoformat(self.reset_date)
        self.reset_date = max(today, previous + timedelta(days=1)).isoformat()
        return self.reset_date

    def register(self, symbol: Any, faction: Any, now: float) -> tuple[str, dict[str, Any]]:
        """POST /register: a new agent with a copy of the starting fleet at headquarters."""
        if not isinstance(symbol, str) or not 3 <= len(symbol) <= 14:
            raise invalid_input("symbol must be a string of 3 to 14 characters", "symbol")
        if not isinstance(faction, str) or not faction:
            raise invalid_input("faction is required", "faction")
        symbol = symbol.upper()
        if symbol in self.agents:
            raise TwinError(
                409, 4111, f"Cannot register agent. Agent symbol {symbol} has been claimed."
            )
        hq = self._headquarters()
        agent = {
            "accountId": f"twin-{symbol.lower()}",
            "symbol": symbol,
            "headquarters": hq,
            "credits": 175_000,
            "startingFaction": faction,
            "shipCount": 0,
        }
        ships = []
        for i, template in enumerate(self.fleet_template, start=1):
            ship = copy.deepcopy(template)
            ship["symbol"] = f"{symbol}-{i}"
            ship.setdefault("registration", {})["name"] = ship["symbol"]
            ship["registration"]["factionSymbol"] = faction
            self._park(ship, hq, now)
            ships.append(ship)
        self._add_agent(agent, ships, now)
        token = self.issue_token(symbol, now)
        data = {
            "token": token,
            "agent": copy.deepcopy(agent),
            "faction": self._faction(faction),
            "contract": self._contract(symbol, faction, now),
            "ships": [self._ship_view(s) for s in ships],
        }
        return token, data

    def _headquarters(self) -> str:
        if self.primary_agent:
            return str(self.agents[self.primary_agent]["headquarters"])
        for symbol, wp in self.waypoints.items():
            if symbol in self.markets or any(
                t.get("symbol") == "MARKETPLACE" for t in wp.get("traits", [])
            ):
                return symbol
        return next(iter(self.waypoints))

    def _park(self, ship: dict[str, Any], waypoint: str, now: float) -> None:
        """Put ``ship`` DOCKED at ``waypoint`` with full fuel and empty cargo."""
        wp = self._route_point(waypoint)
        ship["nav"] = {
            "systemSymbol": self.system,
            "waypointSymbol": waypoint,
            "route": {
                "origin": wp,
                "destination": wp,
                "departureTime": iso(now),
                "arrival": iso(now),
            },
            "status": "DOCKED",
            "flightMode": "CRUISE",
        }
        fuel = ship.setdefault("fuel", {"current": 0, "capacity": 0})
        fuel["current"] = fuel.get("capacity", 0)
        fuel["consumed"] = {"amount": 0, "timestamp": iso(now)}
        cargo = ship.setdefault("cargo", {"capacity": 0, "units": 0, "inventory": []})
        cargo["units"], cargo["inventory"] = 0, []

    def _faction(self, symbol: str) -> dict[str, Any]:
        return {
            "symbol": symbol,
            "name": symbol.title(),
            "description": f"The {symbol.title()} faction (twin).",
            "headquarters": self._headquarters(),
            "traits": [],
            "isRecruiting": True,
        }

    def _contract(self, agent: str, faction: str, now: float) -> dict[str, Any]:
        return {
            "id": f"twin-contract-{agent.lower()}",
            "factionSymbol": faction,
            "type": "PROCUREMENT",
            "terms": {
                "deadline": iso(now + 7 * 86400),
                "payment": {"onAccepted": 0, "onFulfilled": 0},
                "deliver": [],
            },
            "accepted": False,
            "fulfilled": False,
            "expiration": iso(now + 86400),
            "deadlineToAccept": iso(now + 86400),
        }

    def agent_view(self, agent: str) -> dict[str, Any]:
        return copy.deepcopy(self.agents[agent])

    # ------------------------------------------------------------------ time

    def tick(self, now: float) -> None:
        """Run background traders up to ``now`` (one step per game minute), if enabled."""
        if self.traders <= 0 or not self.markets:
            self.trader_clock = max(self.trader_clock, now)
            return
        from plancc.sim.traders import step_traders

        steps = 0
        while self.trader_clock + TRADER_STEP_SECONDS <= now:
            self.trader_clock += TRADER_STEP_SECONDS
            steps += 1
            if steps > MAX_TRADER_CATCHUP_STEPS:
                self.trader_clock = now
                break
            self.trader_steps += 1
            rng = random.Random(self.seed * 1_000_003 + self.trader_steps)
            for market in self.markets.values():
                market.advance(self.trader_clock)
            done = step_traders(self.markets, self.trader_clock, rng, self.traders)
            self.trader_log.extend(done)
            del self.trader_log[:-200]
            for t in done:  # other players' trades show in Market.transactions, as live
                self._log(
                    {
                        "waypointSymbol": t["waypointSymbol"],
                        "shipSymbol": f"{t['trader']}-1",
                        "tradeSymbol": t["tradeSymbol"],
                        "type": t["type"],
                        "units": t["units"],
                        "pricePerUnit": t["pricePerUnit"],
                        "totalPrice": t["totalPrice"],
                        "timestamp": iso(t["time"]),
                        "agentSymbol": t["trader"],
                    }
                )

    # ------------------------------------------------------------------ ships

    def _settle(self, ship: dict[str, Any], now: float) -> None:
        """A ship whose arrival time has passed is IN_ORBIT at its destination."""
        nav = ship["nav"]
        if nav["status"] == "IN_TRANSIT":
            arrival = self.arrivals.get(ship["symbol"])
            if arrival is None or arrival <= now:
                nav["status"] = "IN_ORBIT"
                self.arrivals.pop(ship["symbol"], None)

    def _ship_view(self, ship: dict[str, Any]) -> dict[str, Any]:
        return copy.deepcopy(ship)

    def _own_ship(self, agent: str, symbol: str, now: float) -> dict[str, Any]:
        ship = self.ships.get(symbol)
        if ship is None or self.owners.get(symbol) != agent:
            raise TwinError(404, 404, f"Ship {symbol} not found.", {"shipSymbol": symbol})
        self._settle(ship, now)
        return ship

    def ships_of(self, agent: str, now: float) -> list[dict[str, Any]]:
        out = []
        for symbol, owner in self.owners.items():
            if owner == agent:
                ship = self.ships[symbol]
                self._settle(ship, now)
                out.append(self._ship_view(ship))
        return out

    def ship(self, agent: str, symbol: str, now: float) -> dict[str, Any]:
        return self._ship_view(self._own_ship(agent, symbol, now))

    def cargo(self, agent: str, symbol: str, now: float) -> dict[str, Any]:
        return copy.deepcopy(self._own_ship(agent, symbol, now)["cargo"])

    def nav(self, agent: str, symbol: str, now: float) -> dict[str, Any]:
        return copy.deepcopy(self._own_ship(agent, symbol, now)["nav"])

    def _refuse_in_transit(self, ship: dict[str, Any], now: float) -> None:
        nav = ship["nav"]
        if nav["status"] != "IN_TRANSIT":
            return
        arrival = self.arrivals.get(ship["symbol"], now)
        left = max(0, math.ceil(arrival - now))
        route = nav["route"]
        raise TwinError(
            400,
            4214,
            f"Ship is currently in-transit from {route['origin']['symbol']} to"
            f" {route['destination']['symbol']} and arrives in {left} seconds.",
            {
                "departureSymbol": route["origin"]["symbol"],
                "destinationSymbol": route["destination"]["symbol"],
                "arrival": route["arrival"],
                "departureTime": route["departureTime"],
                "secondsToArrival": left,
            },
        )

    def _require_docked(self, ship: dict[str, Any]) -> None:
        nav = ship["nav"]
        if nav["status"] != "DOCKED":
            raise TwinError(
                400,
                4244,
                "Ship action is not allowed. Ship is not currently docked at"
                f" {nav['waypointSymbol']}.",
                {"waypointSymbol": nav["waypointSymbol"]},
            )

    def orbit(self, agent: str, symbol: str, now: float) -> dict[str, Any]:
        ship = self._own_ship(agent, symbol, now)
        self._refuse_in_transit(ship, now)
        ship["nav"]["status"] = "IN_ORBIT"
        return {"nav": copy.deepcopy(ship["nav"])}

    def dock(self, agent: str, symbol: str, now: float) -> dict[str, Any]:
        ship = self._own_ship(agent, symbol, now)
        self._refuse_in_transit(ship, now)
        ship["nav"]["status"] = "DOCKED"
        return {"nav": copy.deepcopy(ship["nav"])}

    def _route_point(self, waypoint: str) -> dict[str, Any]:
        wp = self.waypoints[waypoint]
        return {
            "symbol": waypoint,
            "type": wp["type"],
            "systemSymbol": wp.get("systemSymbol", self.system),
            "x": wp["x"],
            "y": wp["y"],
        }

    def navigate(self, agent: str, symbol: str, destination: Any, now: float) -> dict[str, Any]:
        if not isinstance(destination, str) or not destination:
            raise invalid_input("waypointSymbol is required", "waypointSymbol")
        ship = self._own_ship(agent, symbol, now)
        self._refuse_in_transit(ship, now)
        nav = ship["nav"]
        if nav["status"] != "IN_ORBIT":
            raise TwinError(
                400,
                4236,
                f"Ship action failed. Ship is not currently in orbit at {nav['waypointSymbol']}.",
                {"waypointSymbol": nav["waypointSymbol"]},
            )
        if destination not in self.waypoints:
            if not destination.startswith(self.system + "-"):
                raise TwinError(
                    400,
                    4202,
                    f"Navigate request failed. Destination {destination} is outside the"
                    f" ship's current system {self.system}; use a jump gate or warp.",
                    {"shipSymbol": symbol, "destinationSymbol": destination},
                )
            raise TwinError(404, 404, f"Waypoint {destination} not found.")
        if destination == nav["waypointSymbol"]:
            raise TwinError(
                400,
                4204,
                f"Navigate request failed. Ship {symbol} is currently located at the"
                f" destination {destination}.",
                {"destinationSymbol": destination},
            )
        here, there = self.waypoints[nav["waypointSymbol"]], self.waypoints[destination]
        d = travel.distance(here["x"], here["y"], there["x"], there["y"])
        mode = nav["flightMode"]
        fuel = ship["fuel"]
        needed = travel.fuel_cost(d, mode) if fuel.get("capacity", 0) > 0 else 0
        if needed > fuel["current"]:
            raise TwinError(
                400,
                4203,
                f"Navigate request failed. Ship {symbol} requires {needed - fuel['current']}"
                " more fuel for navigation.",
                {"shipSymbol": symbol, "fuelRequired": needed, "fuelAvailable": fuel["current"]},
            )
        seconds = travel.travel_seconds(d, int(ship["engine"]["speed"]), mode)
        origin = self._route_point(nav["waypointSymbol"])
        fuel["current"] -= needed
        fuel["consumed"] = {"amount": needed, "timestamp": iso(now)}
        # Live-server shape: `origin` + `departureTime`; the spec's old `departure` is gone.
        nav.update(
            status="IN_TRANSIT",
            waypointSymbol=destination,
            route={
                "origin": origin,
                "destination": self._route_point(destination),
                "departureTime": iso(now),
                "arrival": iso(now + seconds),
            },
        )
        self.arrivals[symbol] = now + seconds
        return {"nav": copy.deepcopy(nav), "fuel": copy.deepcopy(fuel), "events": []}

    def set_flight_mode(self, agent: str, symbol: str, mode: Any, now: float) -> dict[str, Any]:
        if mode not in FLIGHT_MODES:
            raise invalid_input(
                f"flightMode must be one of {', '.join(FLIGHT_MODES)}", "flightMode"
            )
        ship = self._own_ship(agent, symbol, now)
        ship["nav"]["flightMode"] = mode
        return {
            "nav": copy.deepcopy(ship["nav"]),
            "fuel": copy.deepcopy(ship["fuel"]),
            "events": [],
        }

    # ------------------------------------------------------------------ cargo

    @staticmethod
    def _held(ship: dict[str, Any], good: str) -> int:
        return sum(i["units"] for i in ship["cargo"]["inventory"] if i["symbol"] == good)

    @staticmethod
    def _add_cargo(ship: dict[str, Any], good: str, units: int) -> None:
        cargo = ship["cargo"]
        for item in cargo["inventory"]:
            if item["symbol"] == good:
                item["units"] += units
                break
        else:
            ref = good_ref(good)
            cargo["inventory"].append({**ref, "units": units})
        cargo["units"] += units

    @staticmethod
    def _remove_cargo(ship: dict[str, Any], good: str, units: int) -> None:
        cargo = ship["cargo"]
        for item in cargo["inventory"]:
            if item["symbol"] == good:
                item["units"] -= units
        cargo["inventory"] = [i for i in cargo["inventory"] if i["units"] > 0]
        cargo["units"] -= units

    def _require_held(self, ship: dict[str, Any], good: str, units: int) -> None:
        held = self._held(ship, good)
        if held == 0:
            raise TwinError(
                400,
                4218,
                f"Failed to update ship cargo. Ship {ship['symbol']} does not have any {good}.",
                {"shipSymbol": ship["symbol"], "tradeSymbol": good},
            )
        if units > held:
            raise TwinError(
                400,
                4219,
                f"Failed to update ship cargo. Ship {ship['symbol']} has {held} unit(s) of"
                f" {good}, cannot remove {units}.",
                {
                    "shipSymbol": ship["symbol"],
                    "tradeSymbol": good,
                    "cargoUnits": held,
                    "unitsToRemove": units,
                },
            )

    @staticmethod
    def _units(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise invalid_input("units must be a positive integer", "units")
        return value

    @staticmethod
    def _symbol(value: Any) -> str:
        if not isinstance(value, str) or not value:
            raise invalid_input("symbol is required", "symbol")
        return value

    def jettison(
        self, agent: str, symbol: str, good: Any, units: Any, now: float
    ) -> dict[str, Any]:
        good, units = self._symbol(good), self._units(units)
        ship = self._own_ship(agent, symbol, now)
        self._require_held(ship, good, units)
        self._remove_cargo(ship, good, units)
        return {"cargo": copy.deepcopy(ship["cargo"])}

    # ------------------------------------------------------------------ markets

    def _market_at(self, waypoint: str, now: float) -> Any:
        market = self.markets.get(waypoint)
        if market is None:
            raise TwinError(
                404,
                4603,
                f"Market not found at waypoint {waypoint}.",
                {"waypointSymbol": waypoint},
            )
        market.advance(now)
        return market

    def _agent_present(self, agent: str | None, waypoint: str, now: float) -> bool:
        if agent is None:
            return False
        for symbol, owner in self.owners.items():
            if owner != agent:
                continue
            ship = self.ships[symbol]
            self._settle(ship, now)
            if ship["nav"]["waypointSymbol"] == waypoint and ship["nav"]["status"] != "IN_TRANSIT":
                return True
        return False

    def market_view(self, agent: str | None, waypoint: str, now: float) -> dict[str, Any]:
        self._require_waypoint(waypoint)
        market = self._market_at(waypoint, now)
        view: dict[str, Any] = {
            "symbol": waypoint,
            "exports": [good_ref(g) for g in market.exports],
            "imports": [good_ref(g) for g in market.imports],
            "exchange": [good_ref(g) for g in market.exchange],
        }
        if self._agent_present(agent, waypoint, now):
            view["transactions"] = [
                {k: v for k, v in t.items() if k != "agentSymbol"}
                for t in self.recent.get(waypoint, ())
            ]
            view["tradeGoods"] = market.trade_goods(now)
        return view

    def _good_row(
        self, market: Any, waypoint: str, good: str, now: float, *, buying: bool
    ) -> dict[str, Any]:
        for row in market.trade_goods(now):
            if row["symbol"] == good:
                return dict(row)
        if buying:
            raise TwinError(
                400,
                4601,
                f"Market purchase failed. Trade good {good} is not available at {waypoint}.",
                {"waypointSymbol": waypoint, "tradeSymbol": good},
            )
        raise TwinError(
            400,
            4602,
            f"Market sell failed. Trade good {good} is not listed at market {waypoint}.",
            {"waypointSymbol": waypoint, "tradeSymbol": good},
        )

    @staticmethod
    def _check_volume(waypoint: str, good: str, units: int, row: Mapping[str, Any]) -> None:
        if units > row["tradeVolume"]:
            raise TwinError(
                400,
                4604,
                f"Market transaction failed. Trade good {good} has a limit of"
                f" {row['tradeVolume']} units per transaction.",
                {
                    "waypointSymbol": waypoint,
                    "tradeSymbol": good,
                    "units": units,
                    "tradeVolume": row["tradeVolume"],
                },
            )

    def _record(
        self,
        agent: str,
        ship: str,
        waypoint: str,
        good: str,
        kind: str,
        units: int,
        ppu: int,
        now: float,
    ) -> dict[str, Any]:
        tx = {
            "waypointSymbol": waypoint,
            "shipSymbol": ship,
            "tradeSymbol": good,
            "type": kind,
            "units": units,
            "pricePerUnit": ppu,
            "totalPrice": ppu * units,
            "timestamp": iso(now),
        }
        self._log({**tx, "agentSymbol": agent})
        return tx

    def _log(self, tx: dict[str, Any]) -> None:
        self.transactions.append(tx)
        recent = self.recent.get(tx["waypointSymbol"])
        if recent is None:
            recent = self.recent[tx["waypointSymbol"]] = deque(maxlen=MARKET_TRANSACTIONS_SHOWN)
        recent.append(tx)

    def purchase(
        self, agent: str, symbol: str, good: Any, units: Any, now: float
    ) -> dict[str, Any]:
        good, units = self._symbol(good), self._units(units)
        ship = self._own_ship(agent, symbol, now)
        self._refuse_in_transit(ship, now)
        self._require_docked(ship)
        waypoint = ship["nav"]["waypointSymbol"]
        market = self._market_at(waypoint, now)
        row = self._good_row(market, waypoint, good, now, buying=True)
        self._check_volume(waypoint, good, units, row)
        cargo = ship["cargo"]
        free = cargo["capacity"] - cargo["units"]
        if units > free:
            if free <= 0:
                raise TwinError(
                    400,
                    4228,
                    f"Failed to update ship cargo. Ship {symbol} cargo hold is full.",
                    {"shipSymbol": symbol, "cargoCapacity": cargo["capacity"]},
                )
            raise TwinError(
                400,
                4217,
                f"Failed to update ship cargo. Cannot add {units} unit(s) to ship cargo."
                f" Exceeds max limit of {cargo['capacity']}.",
                {
                    "shipSymbol": symbol,
                    "cargoCapacity": cargo["capacity"],
                    "cargoUnits": cargo["units"],
                    "unitsToAdd": units,
                },
            )
        account = self.agents[agent]
        total = row["purchasePrice"] * units
        if total > account["credits"]:
            raise TwinError(
                400,
                4600,
                "Market transaction failed. Agent does not have sufficient credits to"
                f" purchase {units} unit(s) of {good}",
                {
                    "agentCredits": account["credits"],
                    "totalPrice": total,
                    "tradeSymbol": good,
                    "units": units,
                    "purchasePrice": row["purchasePrice"],
                },
            )
        ppu = int(market.buy(good, units, now))
        account["credits"] -= ppu * units
        self._add_cargo(ship, good, units)
        tx = self._record(agent, symbol, waypoint, good, "PURCHASE", units, ppu, now)
        return {"agent": self.agent_view(agent), "cargo": copy.deepcopy(cargo), "transaction": tx}

    def sell(self, agent: str, symbol: str, good: Any, units: Any, now: float) -> dict[str, Any]:
        good, units = self._symbol(good), self._units(units)
        ship = self._own_ship(agent, symbol, now)
        self._refuse_in_transit(ship, now)
        self._require_docked(ship)
        waypoint = ship["nav"]["waypointSymbol"]
        market = self._market_at(waypoint, now)
        self._require_held(ship, good, units)
        row = self._good_row(market, waypoint, good, now, buying=False)
        self._check_volume(waypoint, good, units, row)
        ppu = int(market.sell(good, units, now))
        self.agents[agent]["credits"] += ppu * units
        self._remove_cargo(ship, good, units)
        tx = self._record(agent, symbol, waypoint, good, "SELL", units, ppu, now)
        return {
            "agent": self.agent_view(agent),
            "cargo": copy.deepcopy(ship["cargo"]),
            "transaction": tx,
        }

    def refuel(
        self, agent: str, symbol: str, units: Any, from_cargo: Any, now: float
    ) -> dict[str, Any]:
        """Fill the tank; the market sells FUEL in lots of 100 ship fuel units per market unit."""
        if units is not None:
            units = self._units(units)
        ship = self._own_ship(agent, symbol, now)
        self._refuse_in_transit(ship, now)
        self._require_docked(ship)
        waypoint = ship["nav"]["waypointSymbol"]
        fuel = ship["fuel"]
        room = max(0, fuel["capacity"] - fuel["current"])
        want = room if units is None else min(units, room)
        lots = math.ceil(want / 100)
        account = self.agents[agent]
        if from_cargo:
            self._require_held(ship, "FUEL", max(1, lots))
            self._remove_cargo(ship, "FUEL", lots)
            ppu = 0
        else:
            market = self.markets.get(waypoint)
            row = None
            if market is not None:
                market.advance(now)
                row = next((r for r in market.trade_goods(now) if r["symbol"] == "FUEL"), None)
            if row is None:
                raise TwinError(
                    400,
                    4226,
                    f"Ship refuel failed. Waypoint {waypoint} does not sell fuel.",
                    {"waypointSymbol": waypoint},
                )
            assert market is not None  # the FUEL row came from this market
            total = row["purchasePrice"] * lots
            if total > account["credits"]:
                raise TwinError(
                    400,
                    4600,
                    "Market transaction failed. Agent does not have sufficient credits to"
                    f" purchase {lots} unit(s) of FUEL",
                    {
                        "agentCredits": account["credits"],
                        "totalPrice": total,
                        "tradeSymbol": "FUEL",
                        "units": lots,
                        "purchasePrice": row["purchasePrice"],
                    },
                )
            paid, left = 0, lots
            while left > 0:  # refuelling is not bound by tradeVolume; the market sees lots
                lot = min(left, max(1, int(row["tradeVolume"])))
                paid += int(market.buy("FUEL", lot, now)) * lot
                left -= lot
            ppu = paid // lots if lots else int(row["purchasePrice"])
            account["credits"] -= paid
        fuel["current"] += want
        tx = self._record(agent, symbol, waypoint, "FUEL", "PURCHASE", lots, ppu, now)
        if not from_cargo:
            tx["totalPrice"] = paid  # exact for the ledger even if lots were priced apart
            self.transactions[-1]["totalPrice"] = paid
        out = {"agent": self.agent_view(agent), "fuel": copy.deepcopy(fuel), "transaction": tx}
        if from_cargo:
            out["cargo"] = copy.deepcopy(ship["cargo"])
        return out

    # ------------------------------------------------------------------ systems

    def _require_waypoint(self, waypoint: str) -> dict[str, Any]:
        wp = self.waypoints.get(waypoint)
        if wp is None:
            raise TwinError(
                404, 404, f"Waypoint {waypoint} not found.", {"waypointSymbol": waypoint}
            )
        return wp

    def require_system(self, system: str) -> None:
        if system != self.system:
            raise TwinError(404, 404, f"System {system} not found.", {"systemSymbol": system})

    def waypoint(self, waypoint: str) -> dict[str, Any]:
        return copy.deepcopy(self._require_waypoint(waypoint))

    def waypoints_list(
        self, type_: str | None = None, traits: list[str] | None = None
    ) -> list[dict[str, Any]]:
        """Waypoints of the system, filtered by type and by having ALL of ``traits``."""
        out = []
        for wp in self.waypoints.values():
            if type_ and wp.get("type") != type_:
                continue
            have = {t.get("symbol") for t in wp.get("traits", [])}
            if traits and not set(traits) <= have:
                continue
            out.append(wp)
        return copy.deepcopy(out)

    def status(self, now: float) -> dict[str, Any]:
        """GET / : server status with ``resetDate`` and ``serverResets``."""
        top = sorted(self.agents.values(), key=lambda a: -a["credits"])[:10]
        return {
            "status": "SpaceTraders is currently online and available to play (plancc twin)",
            "version": "v2.3.0",
            "resetDate": self.reset_date,
            "description": "SpaceTraders is a headless API and fleet-management game. This is"
            " the plancc digital twin.",
            "stats": {
                "accounts": len(self.agents),
                "agents": len(self.agents),
                "ships": len(self.ships),
                "systems": 1,
                "waypoints": len(self.waypoints),
            },
            "leaderboards": {
                "mostCredits": [{"agentSymbol": a["symbol"], "credits": a["credits"]} for a in top],
                "mostSubmittedCharts": [],
            },
            "serverResets": {"next": iso(self.created + 14 * 86400), "frequency": "fortnightly"},
            "announcements": [],
            "links": [{"name": "plancc twin", "url": "http://127.0.0.1/_twin/state"}],
        }

    # ------------------------------------------------------------------ save / load

    def to_dict(self, now: float) -> dict[str, Any]:
        """Everything needed to restore this world, JSON-ready; holds token hashes, no tokens."""
        return {
            "format": STATE_FORMAT,
            "now": now,
            "created": self.created,
            "system": self.system,
            "resetDate": self.reset_date,
            "seed": self.seed,
            "traders": self.traders,
            "traderSteps": self.trader_steps,
            "traderClock": self.trader_clock,
            "primaryAgent": self.primary_agent,
            "waypoints": list(self.waypoints.values()),
            "markets": {k: m.to_dict() for k, m in self.markets.items()},
            "supplyChain": self.supply_chain,
            "agents": list(self.agents.values()),
            "tokenHashes": {h: list(v) for h, v in self.token_hashes.items()},
            "accountTokenHashes": sorted(self.account_hashes),
            "ships": list(self.ships.values()),
            "owners": self.owners,
            "arrivals": self.arrivals,
            "fleetTemplate": self.fleet_template,
            "transactions": self.transactions,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> World:
        if d.get("format") != STATE_FORMAT:
            raise ValueError(f"not a twin state file (format {d.get('format')!r})")
        from plancc.sim.market import MarketSim

        world = cls.__new__(cls)
        world.lock = threading.RLock()
        world.system = d["system"]
        world.waypoints = {w["symbol"]: w for w in d["waypoints"]}
        world.markets = {k: MarketSim.from_dict(m) for k, m in d["markets"].items()}
        world.supply_chain = {k: list(v) for k, v in d.get("supplyChain", {}).items()}
        world.reset_date = d["resetDate"]
        world.created = float(d["created"])
        world.agents = {a["symbol"]: a for a in d["agents"]}
        world.token_hashes = {h: (v[0], v[1]) for h, v in d["tokenHashes"].items()}
        world.account_hashes = set(d.get("accountTokenHashes", ()))
        world.ships = {s["symbol"]: s for s in d["ships"]}
        world.owners = dict(d["owners"])
        world.arrivals = {k: float(v) for k, v in d["arrivals"].items()}
        world.transactions = []
        world.recent = {}
        for tx in d["transactions"]:
            world._log(tx)
        world.traders = float(d.get("traders", 0.0))
        world.seed = int(d.get("seed", 0))
        world.trader_steps = int(d.get("traderSteps", 0))
        world.trader_clock = float(d.get("traderClock", d["now"]))
        world.trader_log = []
        world.fleet_template = list(d.get("fleetTemplate", []))
        world.primary_agent = d.get("primaryAgent", "")
        return world
