"""The twin's universe: a seeded generated system, or one seeded from a real recorded snapshot.

``generate_universe(seed, start=...)`` builds one system of 30-90 waypoints (planets with moons
and orbital stations sharing their coordinates, a gas giant, an asteroid belt, fuel stations,
a jump gate) whose markets follow the real supply chain (``supply_chain.json``, a copy of the
live ``GET /market/supply-chain``):

* every raw material has an exporter (mining asteroids, an asteroid base, the gas giant);
* every manufactured good has a factory that exports it and imports all of its inputs;
* every good can be sold somewhere; goods that feed no factory (end products) are imported by
  consumer markets, at least one of them WEAK or RESTRICTED;
* FUEL is an EXCHANGE good at every market (fuel stations sell nothing else).

Prices derive from each good's galactic value V (``values`` in supply_chain.json, calibrated on
the real X1-AD75 data): an export's mid sits near 0.55 V, an import's near 1.8 V, an exchange's
at V, moved by supply the way ``plancc.sim.market`` prices move. The agent starts docked at its
headquarters with cargo-40 haulers (engine speed 30, fuel 600) and probes (no cargo, no fuel).

``universe_from_snapshot(snapshot, start=...)`` rebuilds a recorded system (the raw realdata
layout or a plancc snapshot): same waypoints, markets, goods, prices, supply and activity.

Everything is a pure function of its arguments: the same seed gives the same universe.
"""

from __future__ import annotations

import copy
import json
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources
from typing import Any

from plancc.sim.market import SUPPLY_FILL, GoodSpec, MarketSim, price_log, supply_level

FACTION = "COSMIC"
HAULER_CARGO = 40
HAULER_SPEED = 30
HAULER_FUEL = 600
PROBE_SPEED = 9
# export mid / value at MODERATE supply: X1-AD75 exports list a purchasePrice of ~0.72 V at HIGH
# (11 goods) and ~0.60 V at ABUNDANT (11 goods); with HIGH 15% under MODERATE that is 0.63 V
EXPORT_PRICE_FACTOR = 0.63
# import mid / value at LIMITED supply: X1-AD75 imports at LIMITED pay a sellPrice of ~1.11 V
# (9 goods), a mid of ~1.7 V
IMPORT_PRICE_FACTOR = 1.7
EXCHANGE_TRADE_VOLUME = 180
MAX_GROUP_PER_MARKET = 4  # at most this many exports sharing one input set per factory
# an unobserved good worth this much trades in lots of 6 (live: the ship parts, modules, ...)
# (X1-AD75: SHIP_PLATING 5697 and SHIP_PARTS 6018 trade in 6s, LAB_INSTRUMENTS 5164 in 20s)
UNSEEN_SMALL_LOT_VALUE, UNSEEN_SMALL_LOT_VOLUME = 5500, 6
# live systems: 25-29 markets on 82-93 waypoints (about a third)
MARKET_SHARE = 0.31
MIN_MARKETS, MAX_MARKETS = 12, 30
CLUSTER_RADIUS = 100  # planets; live: median market distance 135-150
SITE_SPACING = 35
OUTLIER_RADIUS = (690, 750)  # live: outliers near radius ~720, max distance 800-935
OUTLIER_MARKETS = 3  # the mining base, the fuel station on the way, the jump gate
# X1-AD75 exports 31 manufactured goods (refined metals and FUEL included) from 17 factory and
# consumer markets: a twin system has this many factory goods per such market, at most
FACTORY_GOODS_PER_MARKET = 1.8
FACTORY_GOODS_RANGE = (26, 32)
CONSUMER_IMPORTS_RANGE = (2, 7)  # X1-AD75 consumers import 2-6 goods, its mining base 9
# goods the live economy keeps common (seen in X1-AD75) are this much likelier to get a factory
OBSERVED_FACTORY_WEIGHT = 40.0
NEVER_MADE = frozenset({"ANTIMATTER"})  # live: an EXCHANGE good at jump gates, not a factory's


# ---------------------------------------------------------------------------------------------
# The real supply chain, shipped with the package


@dataclass(frozen=True)
class SupplyChain:
    recipes: Mapping[str, tuple[str, ...]]  # export -> inputs (the live exportToImportMap)
    raw: frozenset[str]  # extracted/siphoned goods (their listed inputs only boost output)
    values: Mapping[str, int]  # galactic value V of every good
    trade_volumes: Mapping[str, int]  # usual EXPORT/IMPORT trade volume
    observed: frozenset[str] = frozenset()  # goods whose value was seen live (X1-AD75)

    @property
    def manufactured(self) -> tuple[str, ...]:
        return tuple(sorted(g for g in self.recipes if g not in self.raw))

    @property
    def goods(self) -> tuple[str, ...]:
        found = set(self.recipes) | {i for ins in self.recipes.values() for i in ins}
        return tuple(sorted(found))


def chain_markup(
    recipes: Mapping[str, Sequence[str]],
    values: Mapping[str, int],
    observed: frozenset[str],
    raw: frozenset[str] = frozenset(),
) -> float:
    """Median value / (sum of inputs' values) over observed manufactured goods whose inputs
    were observed too (raw goods' listed inputs only boost extraction: not counted)."""
    ratios = sorted(
        values[g] / sum(values[i] for i in ins)
        for g, ins in recipes.items()
        if g in observed and g not in raw and ins and all(i in observed for i in ins)
    )
    mid = len(ratios) // 2
    return ratios[mid] if len(ratios) % 2 else (ratios[mid - 1] + ratios[mid]) / 2


def _price_unobserved(
    recipes: Mapping[str, Sequence[str]],
    raw: frozenset[str],
    values: dict[str, int],
    volumes: dict[str, int],
    observed: frozenset[str],
) -> None:
    """Value every manufactured good not seen live from its inputs: inputs x the chain markup.

    Live prices of such goods (URANITE, NANOBOTS, MOOD_REGULATORS, MODULE_*) sat 3-19x above the
    old rule (1.5x the inputs), and their tradeVolume at 6 where it said 20 (issue 9).
    """
    markup = chain_markup(recipes, values, observed, raw)
    done = set(observed) | set(raw) | {g for g in values if g not in recipes}
    pending = [g for g in recipes if g not in done]
    while pending:
        ready = [g for g in pending if all(i in done for i in recipes[g])]
        if not ready:  # a cycle: keep the stored values of what is left
            break
        for g in ready:
            values[g] = round(markup * sum(values[i] for i in recipes[g]))
            volumes[g] = UNSEEN_SMALL_LOT_VOLUME if values[g] >= UNSEEN_SMALL_LOT_VALUE else 20
            done.add(g)
        pending = [g for g in pending if g not in done]


@lru_cache(maxsize=1)
def supply_chain() -> SupplyChain:
    """The bundled supply chain (``plancc/sim/supply_chain.json``), unobserved goods priced."""
    text = resources.files("plancc.sim").joinpath("supply_chain.json").read_text()
    d = json.loads(text)
    recipes = {k: tuple(dict.fromkeys(v)) for k, v in d["exportToImportMap"].items()}
    raw = frozenset(d["rawMaterials"])
    values = {k: int(v) for k, v in d["values"].items()}
    volumes = {k: int(v) for k, v in d["tradeVolumes"].items()}
    observed = frozenset(d.get("observedValues", values))
    _price_unobserved(recipes, raw, values, volumes, observed)
    return SupplyChain(
        recipes=recipes, raw=raw, values=values, trade_volumes=volumes, observed=observed
    )


def recipes() -> dict[str, list[str]]:
    """export -> input goods, as ``MarketSim`` takes them."""
    return {k: list(v) for k, v in supply_chain().recipes.items()}


@dataclass
class Universe:
    system: str
    waypoints: list[dict[str, Any]]
    markets: dict[str, MarketSim]
    agent: dict[str, Any]
    ships: list[dict[str, Any]]
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. the snapshot's capturedAt


# ---------------------------------------------------------------------------------------------
# API object builders


def iso(t: float) -> str:
    """Epoch seconds -> the API's timestamp format (millisecond precision, Z)."""
    dt = datetime.fromtimestamp(t, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def _title(symbol: str) -> str:
    return symbol.replace("_", " ").title()


def _trait(symbol: str) -> dict[str, str]:
    return {
        "symbol": symbol,
        "name": _title(symbol),
        "description": f"{_title(symbol)} (generated by the plancc twin).",
    }


def _waypoint(
    system: str,
    symbol: str,
    kind: str,
    x: int,
    y: int,
    traits: Sequence[str],
    orbits: str | None,
    start: float,
) -> dict[str, Any]:
    w: dict[str, Any] = {
        "symbol": symbol,
        "type": kind,
        "systemSymbol": system,
        "x": x,
        "y": y,
        "orbitals": [],
        "traits": [_trait(t) for t in traits],
        "modifiers": [],
        "chart": {"waypointSymbol": symbol, "submittedBy": FACTION, "submittedOn": iso(start)},
        "faction": {"symbol": FACTION},
        "isUnderConstruction": False,
    }
    if orbits:
        w["orbits"] = orbits
    return w


def _component(symbol: str, name: str, description: str, **extra: Any) -> dict[str, Any]:
    return {
        "symbol": symbol,
        "name": name,
        "description": description,
        "condition": 1.0,
        "integrity": 1.0,
        "quality": 1,
        **extra,
    }


def _route_point(w: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "symbol": w["symbol"],
        "type": w["type"],
        "systemSymbol": w["systemSymbol"],
        "x": w["x"],
        "y": w["y"],
    }


def make_ship(
    symbol: str, role: str, at: Mapping[str, Any], start: float, faction: str = FACTION
) -> dict[str, Any]:
    """A spec-valid ``Ship``: a HAULER (cargo 40, speed 30, fuel 600) or a SATELLITE probe."""
    hauler = role != "SATELLITE"
    when = iso(start)
    point = _route_point(at)
    if hauler:
        frame = _component(
            "FRAME_LIGHT_FREIGHTER",
            "Light Freighter",
            "A small, versatile spacecraft used for cargo transport.",
            moduleSlots=6,
            mountingPoints=1,
            fuelCapacity=HAULER_FUEL,
            requirements={"power": 1, "crew": 25},
        )
        engine = _component(
            "ENGINE_ION_DRIVE_I",
            "Ion Drive I",
            "An advanced propulsion system that uses ionized particles to generate thrust.",
            speed=HAULER_SPEED,
            requirements={"power": 3, "crew": 0},
        )
        reactor = _component(
            "REACTOR_FISSION_I",
            "Fission Reactor I",
            "A basic fission power reactor, used to generate electricity.",
            powerOutput=31,
            requirements={"crew": 8},
        )
        modules = [
            {
                "symbol": "MODULE_CARGO_HOLD_II",
                "name": "Expanded Cargo Hold",
                "description": "An expanded cargo hold module that provides more space.",
                "capacity": HAULER_CARGO,
                "requirements": {"crew": 2, "power": 2, "slots": 2},
            },
        ]
        crew = {
            "current": 33,
            "required": 33,
            "capacity": 80,
            "rotation": "STRICT",
            "morale": 100,
            "wages": 0,
        }
    else:
        frame = _component(
            "FRAME_PROBE",
            "Probe",
            "A small, unmanned spacecraft used for exploration, reconnaissance, and scientific research.",
            moduleSlots=0,
            mountingPoints=0,
            fuelCapacity=0,
            requirements={"power": 1, "crew": 0},
        )
        engine = _component(
            "ENGINE_IMPULSE_DRIVE_I",
            "Impulse Drive I",
            "A basic low-energy propulsion system that generates thrust for interplanetary travel.",
            speed=PROBE_SPEED,
            requirements={"power": 1, "crew": 0},
        )
        reactor = _component(
            "REACTOR_SOLAR_I",
            "Solar Reactor I",
            "A basic solar power reactor, used to generate electricity from solar energy.",
            powerOutput=3,
            requirements={"crew": 0},
        )
        modules = []
        crew = {
            "current": 0,
            "required": 0,
            "capacity": 0,
            "rotation": "STRICT",
            "morale": 100,
            "wages": 0,
        }
    fuel = HAULER_FUEL if hauler else 0
    return {
        "symbol": symbol,
        "registration": {"name": symbol, "factionSymbol": faction, "role": role},
        "nav": {
            "systemSymbol": at["systemSymbol"],
            "waypointSymbol": at["symbol"],
            # the live server sends origin + departureTime (the spec's `departure` is gone)
            "route": {
                "destination": point,
                "origin": dict(point),
                "departureTime": when,
                "arrival": when,
            },
            "status": "DOCKED",
            "flightMode": "CRUISE",
        },
        "crew": crew,
        "frame": frame,
        "reactor": reactor,
        "engine": engine,
        "cooldown": {"shipSymbol": symbol, "totalSeconds": 0, "remainingSeconds": 0},
        "modules": modules,
        "mounts": [],
        "cargo": {"capacity": HAULER_CARGO if hauler else 0, "units": 0, "inventory": []},
        "fuel": {
            "current": fuel,
            "capacity": fuel,
            "consumed": {"amount": 0, "timestamp": when},
        },
    }


def make_fleet(
    agent_symbol: str, at: Mapping[str, Any], start: float, haulers: int, probes: int
) -> list[dict[str, Any]]:
    roles = ["HAULER"] * haulers + ["SATELLITE"] * probes
    return [make_ship(f"{agent_symbol}-{i + 1:X}", r, at, start) for i, r in enumerate(roles)]


def make_agent(symbol: str, credits: int, headquarters: str, ships: int) -> dict[str, Any]:
    return {
        "accountId": f"twin-{symbol.lower()}",
        "symbol": symbol,
        "headquarters": headquarters,
        "credits": credits,
        "startingFaction": FACTION,
        "shipCount": ships,
    }


# ---------------------------------------------------------------------------------------------
# Prices from values


def initial_mid(value: float, kind: str, supply: str) -> float:
    """Mid price of a good of galactic value ``value`` listed as ``kind`` at ``supply``."""
    f = SUPPLY_FILL[supply]
    if kind == "EXPORT":
        ref, factor = SUPPLY_FILL["MODERATE"], EXPORT_PRICE_FACTOR
    elif kind == "IMPORT":
        ref, factor = SUPPLY_FILL["LIMITED"], IMPORT_PRICE_FACTOR
    else:
        ref, factor = SUPPLY_FILL["MODERATE"], 1.0
    return value * factor * math.exp(price_log(f, kind) - price_log(ref, kind))


# ---------------------------------------------------------------------------------------------
# Generator


@dataclass
class _MarketPlan:
    waypoint: str
    role: str  # "raw", "factory", "consumer", "fuel", "gate"
    exports: list[str] = field(default_factory=list)
    imports: list[str] = field(default_factory=list)
    exchange: list[str] = field(default_factory=list)

    def goods(self) -> set[str]:
        return set(self.exports) | set(self.imports) | set(self.exchange)


MINING = ("IRON_ORE", "COPPER_ORE", "ALUMINUM_ORE", "QUARTZ_SAND", "SILICON_CRYSTALS")
ICE = ("ICE_WATER", "AMMONIA_ICE")
PRECIOUS = (
    "SILVER_ORE",
    "GOLD_ORE",
    "PLATINUM_ORE",
    "URANITE_ORE",
    "MERITIUM_ORE",
    "PRECIOUS_STONES",
    "DIAMONDS",
)
GASES = ("LIQUID_HYDROGEN", "LIQUID_NITROGEN", "HYDROCARBON")
PLANET_TRAITS = (
    "ROCKY",
    "FROZEN",
    "BARREN",
    "TEMPERATE",
    "VOLCANIC",
    "OCEAN",
    "SCATTERED_SETTLEMENTS",
    "SPRAWLING_CITIES",
    "SALT_FLATS",
    "MAGMA_SEAS",
    "FOSSILS",
    "BREATHABLE_ATMOSPHERE",
    "TOXIC_ATMOSPHERE",
    "DRY_SEABEDS",
)


def _polar(
    rng: random.Random, r_lo: float, r_hi: float, a_lo: float, a_hi: float
) -> tuple[int, int]:
    r = rng.uniform(r_lo, r_hi)
    a = rng.uniform(a_lo, a_hi)
    return round(r * math.cos(a)), round(r * math.sin(a))


def _spaced(rng: random.Random, taken: Sequence[tuple[int, int]]) -> tuple[int, int]:
    """A planet site in the central cluster, at least ``SITE_SPACING`` from every other site
    (X1-AD75's planets sit 23-50 apart); after a bounded number of tries, the last one drawn."""
    xy = _polar(rng, 15, CLUSTER_RADIUS, 0, 2 * math.pi)
    for _ in range(60):
        if all(math.dist(xy, other) >= SITE_SPACING for other in taken):
            break
        xy = _polar(rng, 15, CLUSTER_RADIUS, 0, 2 * math.pi)
    return xy


def _layout(
    rng: random.Random, system: str, count: int, start: float
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Waypoints, and the market role of each market waypoint."""
    waypoints: list[dict[str, Any]] = []
    roles: dict[str, str] = {}
    serial = 0
    letters = iter("ABCDEFGHIJKLMNOPQRSTUVWXYZ")

    def add(
        kind: str,
        xy: tuple[int, int],
        traits: list[str],
        role: str | None,
        orbits: str | None = None,
        letter: str | None = None,
    ) -> dict[str, Any]:
        nonlocal serial
        serial += 1
        symbol = f"{system}-{letter}{serial}"
        if role is not None:
            traits = [*traits, "MARKETPLACE"]
            roles[symbol] = role
        w = _waypoint(system, symbol, kind, xy[0], xy[1], traits, orbits, start)
        waypoints.append(w)
        if orbits:
            parent = next(p for p in waypoints if p["symbol"] == orbits)
            parent["orbitals"].append({"symbol": symbol})
        return w

    markets_wanted = max(MIN_MARKETS, min(MAX_MARKETS, round(count * MARKET_SHARE)))
    # live geometry (X1-AD75 and three more): a dense central cluster of planets and moons, a
    # belt, and an outlier group near radius ~720 (a mining base with a fuel station on the way),
    # some of it beyond one 600-fuel tank from the cluster
    outlier = rng.uniform(0, 2 * math.pi)
    belt_angle = outlier + rng.choice((-1, 1)) * rng.uniform(1.2, 2.2)
    for role, kind, traits in (
        ("raw:ice", "ASTEROID", ["ICE_CRYSTALS"]),
        ("raw:precious", "ASTEROID_BASE", ["PRECIOUS_METAL_DEPOSITS", "HOLLOWED_INTERIOR"]),
    ):
        xy = _polar(rng, 290, 340, belt_angle - 0.4, belt_angle + 0.4)
        add(kind, xy, traits, role, letter=next(letters))
    giant_letter = next(letters)
    giant = add(
        "GAS_GIANT",
        _polar(rng, 110, 160, 0, 2 * math.pi),
        ["JOVIAN", "STRONG_MAGNETOSPHERE"],
        "raw:gas",
        letter=giant_letter,
    )
    add("FUEL_STATION", _polar(rng, 60, 200, 0, 2 * math.pi), [], "fuel", letter=next(letters))
    # planets and their orbitals hold the factories and consumer markets
    remaining_markets = markets_wanted - len(roles) - OUTLIER_MARKETS
    consumers = max(2, remaining_markets // 5)
    market_roles = ["consumer"] * consumers + ["factory"] * (remaining_markets - consumers)
    rng.shuffle(market_roles)
    market_roles.insert(0, "consumer")  # the first planet is the headquarters
    market_roles.pop()
    giant_moons = 0
    while market_roles:
        letter = next(letters, "Z")
        xy = _spaced(rng, [(w["x"], w["y"]) for w in waypoints])
        traits = rng.sample(PLANET_TRAITS, 3)
        role = market_roles.pop(0)
        planet = add(
            "PLANET",
            xy,
            [*traits, "INDUSTRIAL" if role == "factory" else "SPRAWLING_CITIES"],
            role,
            letter=letter,
        )
        for _ in range(rng.randint(0, 3)):
            if not market_roles:
                break
            role = market_roles.pop(0)
            kind = rng.choice(("MOON", "MOON", "ORBITAL_STATION"))
            t = ["INDUSTRIAL"] if role == "factory" else ["OUTPOST"]
            add(
                kind,
                xy,
                [*rng.sample(PLANET_TRAITS, 2), *t],
                role,
                orbits=planet["symbol"],
                letter=letter,
            )
        if market_roles and giant_moons < 2 and rng.random() < 0.3:
            giant_moons += 1
            role = market_roles.pop(0)
            add(
                "MOON",
                (giant["x"], giant["y"]),
                ["ROCKY", "INDUSTRIAL" if role == "factory" else "OUTPOST"],
                role,
                orbits=giant["symbol"],
                letter=giant_letter,
            )
    # the outlier group last, so the central markets get the first symbols
    add(
        "ASTEROID_BASE",
        _polar(rng, OUTLIER_RADIUS[0], OUTLIER_RADIUS[1], outlier - 0.08, outlier + 0.08),
        ["COMMON_METAL_DEPOSITS", "MINERAL_DEPOSITS", "HOLLOWED_INTERIOR"],
        "raw:mining",
        letter=next(letters),
    )
    add(
        "FUEL_STATION",
        _polar(rng, 540, 590, outlier - 0.12, outlier + 0.12),
        [],
        "fuel",
        letter=next(letters),
    )
    add(
        "JUMP_GATE",
        _polar(rng, 380, 460, outlier - 0.6, outlier + 0.6),
        [],
        "gate",
        letter=next(letters),
    )
    # the rest: asteroids of the belt and the outer field, no markets
    outer = next(letters, "Z")
    while len(waypoints) < count:
        if rng.random() < 0.6:
            xy = _polar(rng, 300, 400, 0, 2 * math.pi)
        else:
            xy = _polar(rng, 700, 790, 0, 2 * math.pi)
        traits = rng.sample(
            ["COMMON_METAL_DEPOSITS", "MINERAL_DEPOSITS", "SHALLOW_CRATERS", "STRIPPED"], 2
        )
        add("ASTEROID", xy, traits, None, letter=outer)
    return waypoints, roles


def _factory_goods(rng: random.Random, markets: int) -> list[str]:
    """The manufactured goods a system makes: a weighted sample, goods seen live likelier."""
    chain = supply_chain()
    low, high = FACTORY_GOODS_RANGE
    wanted = min(rng.randint(low, high), max(4, round(markets * FACTORY_GOODS_PER_MARKET)))
    pool = [g for g in chain.manufactured if g not in NEVER_MADE]
    weights = [OBSERVED_FACTORY_WEIGHT if g in chain.observed else 1.0 for g in pool]
    chosen: list[str] = []
    while len(chosen) < wanted and pool:
        k = rng.choices(range(len(pool)), weights)[0]
        chosen.append(pool.pop(k))
        weights.pop(k)
    return sorted(chosen)


def _assign_goods(
    rng: random.Random, roles: Mapping[str, str], site: Mapping[str, tuple[int, int]]
) -> dict[str, _MarketPlan]:
    chain = supply_chain()
    plans = {w: _MarketPlan(w, r) for w, r in roles.items()}
    by_role: dict[str, list[_MarketPlan]] = {}
    for p in plans.values():
        by_role.setdefault(p.role, []).append(p)

    def boosters(goods: Sequence[str]) -> list[str]:
        return sorted({i for g in goods for i in chain.recipes.get(g, ())})

    for p in by_role.get("raw:mining", []):
        p.exports += MINING
    for p in by_role.get("raw:ice", []):
        p.exports += ICE
        p.exchange += ("QUARTZ_SAND", "SILICON_CRYSTALS")
    for p in by_role.get("raw:precious", []):
        p.exports += PRECIOUS
    for p in by_role.get("raw:gas", []):
        p.exports += GASES
    for p in plans.values():
        if p.role.startswith("raw:"):
            p.imports += [b for b in boosters(p.exports) if b not in p.goods()]
    for p in by_role.get("gate", []):
        p.exchange.append("ANTIMATTER")

    # factories: a live system makes only part of the chain (X1-AD75: 31 manufactured goods);
    # goods seen live are likelier, so chains may be incomplete (an input with no exporter)
    factories = by_role.get("factory", [])
    consumers = by_role.get("consumer", [])
    made = _factory_goods(rng, len(factories) + len(consumers))
    groups: dict[tuple[str, ...], list[str]] = {}
    for good in made:
        groups.setdefault(tuple(sorted(chain.recipes[good])), []).append(good)
    chunks: list[tuple[tuple[str, ...], list[str]]] = []
    for inputs, goods in groups.items():
        for k in range(0, len(goods), MAX_GROUP_PER_MARKET):
            chunks.append((inputs, goods[k : k + MAX_GROUP_PER_MARKET]))
    chunks.sort(key=lambda c: (-len(c[1]), -len(c[0]), c[1][0]))
    cap = math.ceil(len(made) / max(1, len(factories))) + 2

    def fits(p: _MarketPlan, inputs: Sequence[str], goods: Sequence[str], limit: int) -> bool:
        """Room left, and no good both made and imported at one site (X1-AD75 has no such
        pair: a product is always hauled somewhere to be sold)."""
        here = [q for q in plans.values() if site[q.waypoint] == site[p.waypoint]]
        made_here = {g for q in here for g in (*q.exports, *q.exchange)}
        wanted_here = {g for q in here for g in q.imports}
        return (
            not (set(goods) & p.goods())
            and not (set(goods) & wanted_here)
            and not (set(inputs) & made_here)
            and len(p.exports) + len(goods) <= limit
        )

    for inputs, goods in chunks:
        order = sorted(factories, key=lambda p: (len(p.exports), rng.random()))
        chosen = next((p for p in order if fits(p, inputs, goods, cap)), None)
        if chosen is None:
            chosen = next((p for p in order if fits(p, inputs, goods, 10**6)), None)
        if chosen is None:
            continue
        chosen.exports += goods
        chosen.imports += [i for i in inputs if i not in chosen.imports]

    # consumers import a handful of goods each (live: at most ~9), mostly end products made
    # here, some made elsewhere; not every product finds an importer (X1-AD75: 6 of 31 none)
    used_as_input = {i for ins in chain.recipes.values() for i in ins}
    exported = sorted({g for p in plans.values() for g in p.exports})
    ends = [g for g in exported if g not in used_as_input and g != "FUEL"]
    middles = [g for g in exported if g in used_as_input and chain.values[g] >= 1000]
    elsewhere = [
        g for g in chain.manufactured if g not in exported and g in chain.observed and g != "FUEL"
    ]
    # (nor does a consumer import what its own planet makes: X1-AD75 has no such pair)
    # the remote mining base is a consumer too (X1-AD75-J58, ~720 out, imports 9 goods)
    for p in [*consumers, *by_role.get("raw:mining", [])]:
        wanted = len(p.imports) + rng.randint(*CONSUMER_IMPORTS_RANGE)
        pool = ends + middles + elsewhere * 2
        neighbours = {
            g for q in plans.values() if site[q.waypoint] == site[p.waypoint] for g in q.exports
        }
        while len(p.imports) < wanted and pool:
            good = pool.pop(rng.randrange(len(pool)))
            if good not in p.goods() and good not in neighbours:
                p.imports.append(good)
    # FUEL everywhere (exchange), except where it is made
    for p in plans.values():
        if "FUEL" not in p.goods():
            p.exchange.append("FUEL")
    return plans


# Fresh live systems: manufactured exports HIGH or ABUNDANT about half of the time, never
# SCARCE/LIMITED, no STRONG/GROWING exports; import activity WEAK 71-88%, GROWING at most 1%.
# Imports' supply from X1-AD75 (mostly SCARCE/LIMITED).
EXPORT_SUPPLY_MIX: dict[str, float] = {"MODERATE": 0.5, "HIGH": 0.3, "ABUNDANT": 0.2}
IMPORT_SUPPLY_MIX: dict[str, float] = {"SCARCE": 0.4, "LIMITED": 0.45, "MODERATE": 0.15}
IMPORT_ACTIVITY_MIX: dict[str, float] = {"WEAK": 0.8, "RESTRICTED": 0.195, "GROWING": 0.005}


def _pick(rng: random.Random, mix: Mapping[str, float]) -> str:
    return rng.choices(list(mix), list(mix.values()))[0]


def _specs(rng: random.Random, plan: _MarketPlan) -> list[GoodSpec]:
    chain = supply_chain()
    import_supply: dict[str, str] = {}
    specs: list[GoodSpec] = []
    import_specs: list[GoodSpec] = []
    for good in plan.imports:
        supply = _pick(rng, IMPORT_SUPPLY_MIX)
        activity = _pick(rng, IMPORT_ACTIVITY_MIX)
        import_supply[good] = supply
        value = chain.values[good]
        tv = chain.trade_volumes[good]
        import_specs.append(
            GoodSpec(
                good,
                "IMPORT",
                max(1, round(initial_mid(value, "IMPORT", supply))),
                tv,
                supply,
                activity,
            )
        )
    for good in plan.exports:
        supply = _pick(rng, EXPORT_SUPPLY_MIX)
        inputs = [i for i in chain.recipes.get(good, ()) if i in import_supply]
        activity = "RESTRICTED" if any(import_supply[i] == "SCARCE" for i in inputs) else "WEAK"
        value = chain.values[good]
        tv = chain.trade_volumes[good]
        specs.append(
            GoodSpec(
                good,
                "EXPORT",
                max(1, round(initial_mid(value, "EXPORT", supply))),
                tv,
                supply,
                activity,
            )
        )
    specs += import_specs
    for good in plan.exchange:
        supply = rng.choice(("MODERATE", "MODERATE", "MODERATE", "HIGH", "LIMITED"))
        value = chain.values[good]
        tv = 18 if value > 2000 else EXCHANGE_TRADE_VOLUME
        specs.append(
            GoodSpec(
                good,
                "EXCHANGE",
                max(1, round(initial_mid(value, "EXCHANGE", supply))),
                tv,
                supply,
                None,
            )
        )
    return specs


def generate_universe(
    seed: int,
    *,
    start: float,
    waypoint_count: int = 60,
    haulers: int = 3,
    probes: int = 1,
    credits: int = 1_000_000,
    agent_symbol: str = "PLANCC",
) -> Universe:
    """A seeded system whose markets let every chain of the real supply chain run."""
    if not 30 <= waypoint_count <= 90:
        raise ValueError(f"waypoint_count must be 30..90, got {waypoint_count}")
    rng = random.Random(f"plancc-twin-universe:{seed}")
    system = f"X1-TW{seed}" if 0 <= seed < 10**6 else f"X1-TW{seed % 10**6}"
    waypoints, roles = _layout(rng, system, waypoint_count, start)
    site = {w["symbol"]: (w["x"], w["y"]) for w in waypoints}
    plans = _assign_goods(rng, roles, site)
    book = recipes()
    specs = {symbol: _specs(rng, plans[symbol]) for symbol in sorted(plans)}
    markets: dict[str, MarketSim] = {}
    for k, symbol in enumerate(sorted(plans)):
        markets[symbol] = MarketSim(symbol, specs[symbol], book, seed * 7919 + k, start)
    hq = next(w for w in waypoints if roles.get(w["symbol"]) == "consumer")
    ships = make_fleet(agent_symbol, hq, start, haulers, probes)
    agent = make_agent(agent_symbol, credits, hq["symbol"], len(ships))
    return Universe(system, waypoints, markets, agent, ships)


def seen_from_everywhere(u: Universe, now: float) -> dict[str, Any]:
    """``u`` as a plancc snapshot dict, as if a probe sat at every market (all trade goods seen).

    For compiler tests and benchmarks on generated systems; the demo scouts with real probes.
    """
    from plancc.sim.world import good_ref

    markets = [
        {
            "symbol": symbol,
            "exports": [good_ref(g) for g in m.exports],
            "imports": [good_ref(g) for g in m.imports],
            "exchange": [good_ref(g) for g in m.exchange],
            "tradeGoods": m.trade_goods(now),
        }
        for symbol, m in sorted(u.markets.items())
    ]
    return {
        "system": u.system,
        "capturedAt": iso(now),
        "agent": u.agent,
        "ships": u.ships,
        "waypoints": u.waypoints,
        "markets": markets,
        "observedAt": {m["symbol"]: iso(now) for m in markets},
    }


# ---------------------------------------------------------------------------------------------
# Seeding from a recorded snapshot


def _drop_nulls(value: Any) -> Any:
    """Recorded data stores absent optionals as null; the API omits them."""
    if isinstance(value, dict):
        return {k: _drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_nulls(v) for v in value]
    return value


def _repair_ship(
    ship: dict[str, Any], start: float, waypoints: Mapping[str, dict[str, Any]]
) -> dict[str, Any]:
    """Make a recorded ship spec-valid and put it, docked and fuelled, where it was."""
    s = _drop_nulls(copy.deepcopy(ship))
    for part in ("frame", "engine", "reactor"):
        comp = s.setdefault(part, {})
        comp.setdefault("quality", 1)
        comp.setdefault("condition", 1.0)
        comp.setdefault("integrity", 1.0)
        comp.setdefault("requirements", {})
    for module in s.get("modules", []):
        module.setdefault("requirements", {})
    for mount in s.get("mounts", []):
        mount.setdefault("requirements", {})
    nav = s["nav"]
    here = waypoints.get(nav["waypointSymbol"])
    if here is None:  # the twin could neither dock it nor fly it anywhere
        raise ValueError(
            f"ship {s.get('symbol')} is at waypoint {str(nav['waypointSymbol'])[:80]},"
            " which the snapshot does not list"
        )
    when = iso(start)
    point = _route_point(here)
    nav["route"] = {
        "destination": point,
        "origin": dict(point),
        "departureTime": when,
        "arrival": when,
    }
    nav["status"] = "DOCKED"
    nav.setdefault("flightMode", "CRUISE")
    cap = int(s.get("fuel", {}).get("capacity", 0))
    s["fuel"] = {"current": cap, "capacity": cap, "consumed": {"amount": 0, "timestamp": when}}
    cool = s.setdefault("cooldown", {})
    cool.update({"shipSymbol": s["symbol"], "totalSeconds": 0, "remainingSeconds": 0})
    cool.pop("expiration", None)
    return s


def _market_specs(market: Mapping[str, Any]) -> list[GoodSpec]:
    chain = supply_chain()
    specs: list[GoodSpec] = []
    seen: set[str] = set()
    for row in market.get("tradeGoods") or []:
        purchase, sell = int(row["purchasePrice"]), int(row["sellPrice"])
        kind = row["type"]
        specs.append(
            GoodSpec(
                symbol=row["symbol"],
                type=kind,
                base_price=round((purchase + sell) / 2),
                trade_volume=int(row["tradeVolume"]),
                supply=row["supply"],
                activity=None if kind == "EXCHANGE" else row.get("activity"),
                purchase_price=purchase,
                sell_price=sell,
            )
        )
        seen.add(row["symbol"])
    # goods the market lists but whose prices were not recorded: typical values
    for key, kind in (("exports", "EXPORT"), ("imports", "IMPORT"), ("exchange", "EXCHANGE")):
        for ref in market.get(key) or []:
            good = ref["symbol"] if isinstance(ref, Mapping) else str(ref)
            if good in seen:
                continue
            seen.add(good)
            supply = {"EXPORT": "MODERATE", "IMPORT": "LIMITED", "EXCHANGE": "MODERATE"}[kind]
            value = chain.values.get(good, 1000)
            tv = EXCHANGE_TRADE_VOLUME if kind == "EXCHANGE" else chain.trade_volumes.get(good, 20)
            activity = None if kind == "EXCHANGE" else "WEAK"
            specs.append(
                GoodSpec(
                    good,
                    kind,
                    max(1, round(initial_mid(value, kind, supply))),
                    tv,
                    supply,
                    activity,
                )
            )
    return specs


def universe_from_snapshot(
    snapshot: Mapping[str, Any], *, start: float, seed: int = 0, agent_symbol: str | None = None
) -> Universe:
    """Rebuild a recorded system: same waypoints, markets, goods, prices, supply, activity.

    Accepts a plancc snapshot (``system``, ``waypoints``, ``markets``, ``ships``, ``agent``) or the
    raw recorded layout of ``../shared/realdata`` (``marketplaces`` instead of ``markets``).
    """
    waypoints = [_drop_nulls(copy.deepcopy(w)) for w in snapshot.get("waypoints") or []]
    if not waypoints:
        raise ValueError("snapshot has no waypoints")
    for w in waypoints:
        w.setdefault("orbitals", [])
        w.setdefault("traits", [])
        w.setdefault("isUnderConstruction", False)
    system = str(snapshot.get("system") or waypoints[0]["systemSymbol"])
    by_symbol = {w["symbol"]: w for w in waypoints}
    raw_markets = snapshot.get("markets")
    if raw_markets is None:
        raw_markets = snapshot.get("marketplaces") or []
    if isinstance(raw_markets, Mapping):
        raw_markets = list(raw_markets.values())
    book = recipes()
    chain_map = (snapshot.get("supply_chain") or {}).get("data", {}).get("exportToImportMap")
    if chain_map:
        book.update({k: list(v) for k, v in chain_map.items()})
    markets: dict[str, MarketSim] = {}
    for k, market in enumerate(sorted(raw_markets, key=lambda m: m["symbol"])):
        specs = _market_specs(market)
        markets[market["symbol"]] = MarketSim(market["symbol"], specs, book, seed * 7919 + k, start)
    recorded_agent = dict(snapshot.get("agent") or {})
    old_symbol = str(recorded_agent.get("symbol") or "PLANCC")
    new_symbol = agent_symbol or old_symbol
    ships = [_repair_ship(s, start, by_symbol) for s in snapshot.get("ships") or []]
    if new_symbol != old_symbol:
        for s in ships:
            s["symbol"] = s["symbol"].replace(old_symbol, new_symbol, 1)
            s["registration"]["name"] = s["symbol"]
            s["cooldown"]["shipSymbol"] = s["symbol"]
    hq = str(recorded_agent.get("headquarters") or next(iter(markets), waypoints[0]["symbol"]))
    agent = make_agent(new_symbol, int(recorded_agent.get("credits", 1_000_000)), hq, len(ships))
    agent["startingFaction"] = str(recorded_agent.get("startingFaction") or FACTION)
    if recorded_agent.get("accountId") and new_symbol == old_symbol:
        agent["accountId"] = str(recorded_agent["accountId"])
    extra = {k: snapshot[k] for k in ("capturedAt", "observedAt") if k in snapshot}
    return Universe(system, waypoints, markets, agent, ships, extra)


__all__ = [
    "SupplyChain",
    "Universe",
    "generate_universe",
    "initial_mid",
    "iso",
    "make_agent",
    "make_fleet",
    "make_ship",
    "recipes",
    "supply_chain",
    "supply_level",
    "universe_from_snapshot",
]
