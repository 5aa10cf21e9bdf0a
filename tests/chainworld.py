"""Tiny worlds for the chain and pipeline tests: markets, recipes and a fleet built in a line.

world = World()
world.sell("B7", "DIAMONDS", buy=100, supply="HIGH")          # EXPORT row: we buy at 100
world.factory("A2", "LASER_RIFLES", buy=15000, inputs={"DIAMONDS": 300})
world.demand("A1", "LASER_RIFLES", sell=31699, activity="WEAK")  # IMPORT row: we get 31699
snapshot = world.snapshot()
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from plancc.model import Agent, Market, Recipe, RecipeBook, Ship, Snapshot, TradeGood, Waypoint

SYSTEM = "X1-T"


def wp(name: str) -> str:
    return name if name.startswith(SYSTEM) else f"{SYSTEM}-{name}"


@dataclass
class World:
    rows: dict[str, list[TradeGood]] = field(default_factory=dict)
    coords: dict[str, tuple[int, int]] = field(default_factory=dict)
    credits: int = 10_000_000
    ships: list[tuple[int, int]] = field(default_factory=lambda: [(40, 30)])  # (cargo, speed)

    def at(self, market: str, x: int, y: int = 0) -> World:
        self.coords[wp(market)] = (x, y)
        return self

    def _row(self, market: str, good: TradeGood) -> None:
        self.rows.setdefault(wp(market), []).append(good)

    def sell(
        self,
        market: str,
        good: str,
        *,
        buy: int,
        supply: str = "MODERATE",
        tv: int = 60,
        kind: str = "EXPORT",
    ) -> World:
        """A market that sells ``good`` to us at ``buy`` (purchasePrice)."""
        activity = None if kind == "EXCHANGE" else "WEAK"
        self._row(market, TradeGood(good, kind, tv, supply, buy, buy // 2, activity))  # type: ignore[arg-type]
        return self

    def demand(
        self,
        market: str,
        good: str,
        *,
        sell: int,
        activity: str | None = "WEAK",
        supply: str = "LIMITED",
        tv: int = 20,
    ) -> World:
        """An importer that pays us ``sell`` (sellPrice); its purchasePrice is about double."""
        self._row(market, TradeGood(good, "IMPORT", tv, supply, sell * 2, sell, activity))  # type: ignore[arg-type]
        return self

    def factory(
        self,
        market: str,
        good: str,
        *,
        buy: int,
        inputs: dict[str, int],
        supply: str = "MODERATE",
        tv: int = 20,
    ) -> World:
        """A factory exporting ``good`` at ``buy`` and importing ``inputs`` (good -> sellPrice)."""
        self.sell(market, good, buy=buy, supply=supply, tv=tv)
        for i, price in inputs.items():
            self.demand(market, i, sell=price, supply="SCARCE", tv=60)
        return self

    def snapshot(self) -> Snapshot:
        names = sorted(set(self.rows) | set(self.coords))
        waypoints = tuple(
            Waypoint(n, SYSTEM, "PLANET", *self.coords.get(n, (10 * k, 0)), ("MARKETPLACE",))
            for k, n in enumerate(names)
        )
        markets = tuple(
            Market(
                n,
                exports=tuple(g.symbol for g in self.rows.get(n, []) if g.type == "EXPORT"),
                imports=tuple(g.symbol for g in self.rows.get(n, []) if g.type == "IMPORT"),
                exchange=tuple(g.symbol for g in self.rows.get(n, []) if g.type == "EXCHANGE"),
                trade_goods=tuple(self.rows.get(n, [])),
            )
            for n in names
        )
        ships = tuple(
            Ship(
                f"S-{k + 1}",
                "HAULER",
                "FRAME",
                speed,
                cap,
                (),
                400,
                400,
                names[0],
                SYSTEM,
                "DOCKED",
            )
            for k, (cap, speed) in enumerate(self.ships)
        )
        return Snapshot(
            SYSTEM,
            datetime(2026, 1, 1, tzinfo=UTC),
            Agent("T", self.credits, names[0], len(ships)),
            ships,
            waypoints,
            markets,
        )


def book(recipes: dict[str, list[str]], raw: set[str] | frozenset[str] = frozenset()) -> RecipeBook:
    return RecipeBook(
        {g: Recipe(g, tuple(ins)) for g, ins in recipes.items() if g not in raw}, frozenset(raw)
    )


LASER_BOOK = {
    "LASER_RIFLES": ["DIAMONDS", "PLATINUM", "ADVANCED_CIRCUITRY"],
    "ADVANCED_CIRCUITRY": ["ELECTRONICS", "MICROPROCESSORS"],
}
LASER_RAW = {"DIAMONDS", "PLATINUM", "ELECTRONICS", "MICROPROCESSORS"}
