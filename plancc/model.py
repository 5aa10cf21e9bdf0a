"""Typed, immutable domain objects. The rest of plancc never sees raw dicts.

Inputs (from files or the API):   Waypoint, TradeGood, Market, CargoItem, Ship, Agent, Snapshot,
                                  Recipe, RecipeBook, Policy
Compiler output (the plan):       ChainNode, Pipeline, Task, Leg, ScheduledLeg, ShipPlan,
                                  Objective, Provenance, Rejection, Plan

Conventions: times inside a plan are integer seconds from the plan's epoch (the snapshot's
``capturedAt``); absolute times are timezone-aware ``datetime``; money is integer credits.
API semantics: ``TradeGood.purchase_price`` is what the agent PAYS to buy here,
``TradeGood.sell_price`` is what the agent RECEIVES when it sells here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

SUPPLY_LEVELS: tuple[str, ...] = ("SCARCE", "LIMITED", "MODERATE", "HIGH", "ABUNDANT")
ACTIVITY_LEVELS: tuple[str, ...] = ("WEAK", "GROWING", "STRONG", "RESTRICTED")
TRADE_GOOD_TYPES: tuple[str, ...] = ("EXPORT", "IMPORT", "EXCHANGE")
TASK_TYPES: tuple[str, ...] = ("ACQUIRE", "DELIVER", "COLLECT", "SELL", "LIQUIDATE", "ABOARD")

SupplyLevel = Literal["SCARCE", "LIMITED", "MODERATE", "HIGH", "ABUNDANT"]
ActivityLevel = Literal["WEAK", "GROWING", "STRONG", "RESTRICTED"]
TradeGoodType = Literal["EXPORT", "IMPORT", "EXCHANGE"]
TaskType = Literal["ACQUIRE", "DELIVER", "COLLECT", "SELL", "LIQUIDATE", "ABOARD"]
# ABOARD: a leg's load that buys nothing: the cargo is in the ship's hold at compile time


def supply_rank(level: str | None) -> int:
    """Order of supply levels, SCARCE=0 .. ABUNDANT=4; unknown counts as MODERATE."""
    return SUPPLY_LEVELS.index(level) if level in SUPPLY_LEVELS else 2


# ---------------------------------------------------------------------------------------------
# Game objects (parsed from API JSON by plancc.load / plancc.api)


@dataclass(frozen=True)
class Waypoint:
    symbol: str
    system: str
    type: str
    x: int
    y: int
    traits: tuple[str, ...] = ()
    orbits: str | None = None

    @property
    def has_market(self) -> bool:
        return "MARKETPLACE" in self.traits


@dataclass(frozen=True)
class TradeGood:
    """One row of ``Market.tradeGoods``: visible only while a ship is at the market."""

    symbol: str
    type: TradeGoodType
    trade_volume: int
    supply: SupplyLevel
    purchase_price: int
    sell_price: int
    activity: ActivityLevel | None = None


@dataclass(frozen=True)
class Market:
    symbol: str
    exports: tuple[str, ...] = ()
    imports: tuple[str, ...] = ()
    exchange: tuple[str, ...] = ()
    trade_goods: tuple[TradeGood, ...] = ()
    observed_at: datetime | None = None

    def good(self, symbol: str) -> TradeGood | None:
        for g in self.trade_goods:
            if g.symbol == symbol:
                return g
        return None


@dataclass(frozen=True)
class CargoItem:
    symbol: str
    units: int


@dataclass(frozen=True)
class Ship:
    symbol: str
    role: str
    frame: str
    engine_speed: int
    cargo_capacity: int
    cargo: tuple[CargoItem, ...]
    fuel_current: int
    fuel_capacity: int
    waypoint: str
    system: str
    status: Literal["IN_TRANSIT", "IN_ORBIT", "DOCKED"]
    flight_mode: str = "CRUISE"
    arrival: datetime | None = None

    @property
    def cargo_units(self) -> int:
        return sum(c.units for c in self.cargo)


@dataclass(frozen=True)
class Agent:
    symbol: str
    credits: int
    headquarters: str
    ship_count: int
    starting_faction: str = ""


@dataclass(frozen=True)
class Snapshot:
    """What the compiler knows of the world: one system's waypoints and markets, the fleet."""

    system: str
    captured_at: datetime
    agent: Agent
    ships: tuple[Ship, ...]
    waypoints: tuple[Waypoint, ...]
    markets: tuple[Market, ...]
    # what the snapshot file held but the compiler does not use, one line each (e.g. a ship in
    # another system); the compile summary says so
    left_out: tuple[str, ...] = ()

    def waypoint(self, symbol: str) -> Waypoint:
        for w in self.waypoints:
            if w.symbol == symbol:
                return w
        raise KeyError(symbol)

    def market(self, symbol: str) -> Market | None:
        for m in self.markets:
            if m.symbol == symbol:
                return m
        return None


# ---------------------------------------------------------------------------------------------
# Recipes and policy (hand-edited YAML, loaded by plancc.load)


@dataclass(frozen=True)
class Recipe:
    """``good`` is made from ``inputs`` (in the server's order). ``source`` is ``file:line``."""

    good: str
    inputs: tuple[str, ...]
    note: str = ""
    source: str = ""


@dataclass(frozen=True)
class RecipeBook:
    """All recipes merged in file order, plus the raw materials plancc buys, never makes."""

    recipes: Mapping[str, Recipe]
    raw: frozenset[str]

    def inputs(self, good: str) -> tuple[str, ...]:
        r = self.recipes.get(good)
        return r.inputs if r else ()

    def is_raw(self, good: str) -> bool:
        return good in self.raw

    def is_manufactured(self, good: str) -> bool:
        return good in self.recipes and good not in self.raw


@dataclass(frozen=True)
class MarketFigures:
    """Figures for one market that replace the policy's system-wide ones there: ``plancc loop``
    fills them from what the fleet observed at that market (``plancc.loop.learn``), and a
    player may pin one by hand. None or an empty table: the system-wide figure."""

    production_lag_s: int | None = None  # this factory's wait between last delivery and COLLECT
    recovery_half_life_s: int | None = None  # this market recovers half of our impact in this
    buy_impact: Mapping[str, float] = field(default_factory=dict)  # by supply level, per lot
    sell_impact: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Policy:
    """Every knob the compiler and runner use; defaults and their reasons live in policy.yaml."""

    purchase_fraction: Mapping[str, float] = field(
        default_factory=lambda: {
            "ABUNDANT": 0.8,
            "HIGH": 0.6,
            "MODERATE": 0.4,
            "LIMITED": 0.2,
            "SCARCE": 0.1,
        }
    )
    sell_weights: Mapping[str, float] = field(
        default_factory=lambda: {"price": 0.4, "activity": 0.3, "supply": 0.2, "depth": 0.1}
    )
    sell_activities: tuple[str, ...] = ("WEAK", "RESTRICTED")
    activity_scores: Mapping[str, float] = field(
        default_factory=lambda: {"WEAK": 100.0, "RESTRICTED": 75.0, "STRONG": 0.0, "GROWING": 0.0}
    )
    sell_supply_scores: Mapping[str, float] = field(
        default_factory=lambda: {
            "SCARCE": 100.0,
            "LIMITED": 80.0,
            "MODERATE": 60.0,
            "HIGH": 40.0,
            "ABUNDANT": 20.0,
        }
    )
    buy_supply_level: str = "HIGH"  # an intermediate is bought, not made, at this supply or above
    trade_raw_goods: bool = False  # True: a raw good imported somewhere is a product too
    collect_supply_level: str = "HIGH"  # a factory must reach this before COLLECT
    min_margin: float = 0.08  # (revenue - cost) / cost under price impact
    max_pipelines: int = 0  # optional cap on the products planned at once; 0: no cap
    max_batches: int = 0  # optional cap on the batches of one product; 0: no cap
    spend_cap_pipeline: int = 500_000
    spend_cap_total: int = 1_500_000
    price_ceiling: float = 1.25  # never pay more than this times the snapshot price
    # price move per tradeVolume lot, by the market's supply level (live: LIVE-FACTS.md)
    buy_impact: Mapping[str, float] = field(
        default_factory=lambda: {
            "ABUNDANT": 0.04,
            "HIGH": 0.05,
            "MODERATE": 0.07,
            "LIMITED": 0.10,
            "SCARCE": 0.13,
        }
    )
    sell_impact: Mapping[str, float] = field(
        default_factory=lambda: {
            "SCARCE": 0.011,
            "LIMITED": 0.022,
            "MODERATE": 0.039,
            "HIGH": 0.11,
            "ABUNDANT": 0.24,
        }
    )
    # one figure for every supply level instead of the tables (the loop's learned figures)
    buy_impact_per_lot: float | None = None
    sell_impact_per_lot: float | None = None
    production_lag_s: int = 600  # expected wait between last delivery and COLLECT
    dock_seconds: int = 5  # time to dock/orbit and trade at a market, per visit
    move_penalty_s: int = 120  # with --hint, a leg changes ship only to finish this much sooner
    flight_mode: str = "AUTO"  # BURN where the time saved is worth its fuel; or CRUISE, BURN, DRIFT
    # AUTO values a hauler-hour at this (None: the plan's own profit per hauler-hour) ...
    time_value_per_hour: float | None = None
    # ... and a FUEL unit (100 tank units) at this (None: the snapshot's median FUEL price)
    fuel_price: float | None = None
    liquidate_min_price_fraction: float = 0.5  # liquidation sells only above this x cost
    liquidate_after_s: int = 3600  # cargo owned by no task for this long is liquidated
    max_retries: int = 5
    max_retry_after_s: int = 120  # a 429 asking for a longer wait fails the call instead
    max_snapshot_age_s: int = 3600  # market data older than this is not trusted
    loop_apply_threshold: float = 0.10  # plancc loop applies a plan only this much better per hour
    pause_window_s: int = 10800  # a product realising below min_margin over this window pauses
    learn_window_s: int = 604_800  # plancc loop learns from the market reads and trades this recent
    horizon_s: int = 7200  # the compiler plans work to keep every hauler busy this long
    reserve_credits: int = 10_000  # working capital no plan ever commits
    min_profit_per_hour: int = 10_000  # a batch is added only above this per hauler-hour
    recovery_half_life_s: int = 5400  # a market recovers half of our trades' impact in this
    # per market: figures that replace the system-wide ones above there (learned, or by hand)
    market_figures: Mapping[str, MarketFigures] = field(default_factory=dict)
    # expected revenue lost to drift while selling into an import of this activity (live)
    activity_discount: Mapping[str, float] = field(
        default_factory=lambda: {"GROWING": 0.336, "STRONG": 0.203}
    )
    production_level_s: int = 1500  # feeding a factory lifts its export one supply level
    restricted_extra_s: int = 720  # ... and this much longer when the export is RESTRICTED
    sale_floor: float = 0.8  # never sell below this times the plan's expected unit price
    # ships of these roles get no cargo work (mining drones, surveyors, probes: own jobs)
    hauler_exclude_roles: tuple[str, ...] = ("EXCAVATOR", "SURVEYOR", "SATELLITE")
    hauler_min_cargo: int = 1  # a ship hauls only with at least this much cargo hold
    # goods bought at one market for one destination share a leg when their batches are
    # planned to start within this many seconds of each other (0: one good per leg)
    leg_share_window_s: int = 900


# ---------------------------------------------------------------------------------------------
# The plan (built by the compiler, written and read only by plancc.planfile)


@dataclass(frozen=True)
class Aboard:
    """Units of a chain node's good that are already in ``ship``'s hold at compile time."""

    ship: str
    units: int


@dataclass(frozen=True)
class ChainNode:
    """How one good is obtained: BUY at ``market``, or MANUFACTURE at factory ``market``;
    ABOARD: every unit is already in a ship's hold (``market``: where that ship is).

    ``aboard``: units of ``quantity`` taken from the haulers' holds instead (they are unloaded
    from those ships; only the rest is bought or made, and ``unit_price`` is per unit bought).
    """

    good: str
    method: Literal["BUY", "MANUFACTURE", "ABOARD"]
    market: str
    quantity: int
    unit_price: int  # expected price per unit paid (BUY) or collected at (MANUFACTURE)
    children: tuple[ChainNode, ...] = ()
    supply: str = ""  # supply level seen at ``market`` in the snapshot
    reason: str = ""  # why this method was chosen, for the reviewer
    # expected per-unit price received where this good is unloaded: the parent's factory
    # (DELIVER) or, for a pipeline's root, the sell market (SELL); under price impact
    unload_price: int = 0
    aboard: tuple[Aboard, ...] = ()

    @property
    def aboard_units(self) -> int:
        return sum(a.units for a in self.aboard)


@dataclass(frozen=True)
class Pipeline:
    """One batch of one product: ``batch`` numbers a product's batches from 1, in plan order."""

    id: str
    product: str
    sell_market: str
    quantity: int
    chain: ChainNode
    expected_cost: int
    expected_revenue: int
    sell_price: int  # expected per-unit price received at the sell market, before impact
    batch: int = 1  # batch n of this product (and sell market), priced after batches 1..n-1

    @property
    def expected_profit(self) -> int:
        return self.expected_revenue - self.expected_cost


@dataclass(frozen=True)
class Lot:
    """One market transaction the runner makes: ``units`` (at most the market's tradeVolume)
    at about ``unit_price`` each (the price expected after the task's earlier lots)."""

    units: int
    unit_price: int


@dataclass(frozen=True)
class Task:
    """One action of a pipeline. ``lag_s`` is a wait after all ``depends_on`` end (production).

    ``lots`` are the transactions, in order (their units sum to ``quantity``); ``limit_price``
    is the most the runner pays per unit (loads: a ceiling) or the least it accepts (unloads:
    a floor); 0 when the plan sets none.
    """

    id: str
    type: TaskType
    pipeline: str
    good: str
    quantity: int
    market: str
    depends_on: tuple[str, ...] = ()
    lag_s: int = 0
    unit_price: int = 0  # expected per-unit price paid (ACQUIRE/COLLECT) or received
    lots: tuple[Lot, ...] = ()
    limit_price: int = 0


@dataclass(frozen=True)
class LegGood:
    """A further good a leg carries on the same route: its own load and unload tasks."""

    good: str
    quantity: int
    load: str
    unload: str


@dataclass(frozen=True)
class Leg:
    """A load and its unload of the same cargo, on one ship, back to back.

    ``hold`` is the cargo hold the leg was sized for: only a ship with at least that much free
    hold flies it. ``also`` lists further goods loaded at the same market and unloaded at the
    same destination on the same flight (empty: one good). ``ship``: the only ship that may fly
    it ("" any): the one whose hold has the cargo of an ABOARD load (it needs no free hold).
    """

    id: str
    load: str  # task id (ACQUIRE or COLLECT)
    unload: str  # task id (DELIVER or SELL)
    good: str
    quantity: int
    pipeline: str
    hold: int = 0
    also: tuple[LegGood, ...] = ()
    ship: str = ""

    @property
    def parts(self) -> tuple[LegGood, ...]:
        """Every good the leg carries, its own first, then ``also``."""
        return (LegGood(self.good, self.quantity, self.load, self.unload), *self.also)

    @property
    def units(self) -> int:
        """The cargo the leg carries, all its goods together."""
        return self.quantity + sum(g.quantity for g in self.also)


@dataclass(frozen=True)
class ScheduledLeg:
    """A leg placed on a ship: times are seconds from the plan epoch."""

    leg: str
    ship: str
    start_s: int  # ship leaves for the load market
    load_s: int  # ship trades at the load market
    unload_s: int  # ship trades at the unload market
    end_s: int  # unload done, ship free
    # refuel stops (waypoints, in order) the schedule assumes on the flight to the load market
    # and on to the unload market; the runner must fly the same route. Empty: direct.
    refuel_to_load: tuple[str, ...] = ()
    refuel_to_unload: tuple[str, ...] = ()
    # flight mode of each hop of those routes (len = stops + 1): BURN, CRUISE or DRIFT
    modes_to_load: tuple[str, ...] = ()
    modes_to_unload: tuple[str, ...] = ()


@dataclass(frozen=True)
class ShipPlan:
    ship: str
    legs: tuple[ScheduledLeg, ...]
    pinned: str = ""  # task id the ship is busy with at compile time, kept by the plan


@dataclass(frozen=True)
class Search:
    """The optimising scheduler's record in the plan header (plancc.schedule.optimise)."""

    objective: str  # "profit_weighted_completion" or "makespan"
    value: int  # the objective's value (profit-weighted: sum of weight x end, weights 1..1000)
    value_bound: int  # a proven lower bound on ``value`` (0: none proven)
    bound_label: str  # which bound gave Objective.bound_s: critical_path, fleet_workload, ...
    solver: str  # e.g. "ortools 9.15.6755"
    parameters: tuple[tuple[str, str], ...]  # sorted name -> value
    seed: int
    note: str = ""  # fallback or time-limit note; "" when the search ran to its end


@dataclass(frozen=True)
class Objective:
    scheduler: str  # "list", "greedy", "cpsat", ...
    status: str  # "OPTIMAL", "FEASIBLE", "HEURISTIC", "EMPTY"
    makespan_s: int
    bound_s: int  # a proven lower bound on the makespan
    gap: float  # (makespan - bound) / makespan; may stay above 0 when OPTIMAL (search.note)
    expected_cost: int
    expected_revenue: int
    search: Search | None = None  # how the optimising scheduler got there (None: list/greedy)
    horizon_s: int = 0  # the span the plan fills with work (policy horizon_s)
    utilisation: float = 0.0  # hauler busy time / (haulers x horizon), 0..1

    @property
    def expected_profit(self) -> int:
        return self.expected_revenue - self.expected_cost

    @property
    def profit_per_hour(self) -> float:
        return self.expected_profit * 3600 / self.makespan_s if self.makespan_s else 0.0


@dataclass(frozen=True)
class Provenance:
    plancc_version: str
    snapshot_time: datetime
    system: str
    inputs: Mapping[str, str]  # logical input name -> "sha256:..." of its bytes
    # figures learned from runner state that replaced policy defaults (``plancc loop``):
    # name -> {"value": the figure used, "observations": how many it was learned from}
    learned: Mapping[str, Mapping[str, float | int]] = field(default_factory=dict)


@dataclass(frozen=True)
class Rejection:
    """A candidate the compiler looked at and did not plan, with the reason."""

    good: str
    market: str
    reason: str


@dataclass(frozen=True)
class Plan:
    format_version: int
    provenance: Provenance
    objective: Objective
    pipelines: tuple[Pipeline, ...]
    tasks: tuple[Task, ...]
    legs: tuple[Leg, ...]
    ships: tuple[ShipPlan, ...]
    rejected: tuple[Rejection, ...] = ()

    def task(self, task_id: str) -> Task:
        for t in self.tasks:
            if t.id == task_id:
                return t
        raise KeyError(task_id)
