"""What the runner knows, as plain frozen data: the view ``decide`` reads and ``state`` builds.

Statuses: a task is PENDING, ACTIVE, COMPLETED, FAILED or CANCELLED; a pipeline ACTIVE,
COMPLETED or FAILED; a liquidation OPEN or DONE. ``done_units`` of a task is what the ledger
says it bought (loads) or sold (unloads), written in the same transaction as the ledger line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from runner.planview import LegSpec, PipelineSpec, TaskSpec

OPEN_TASK = ("PENDING", "ACTIVE")


@dataclass(frozen=True)
class ShipState:
    symbol: str
    waypoint: str
    status: str  # DOCKED, IN_ORBIT, IN_TRANSIT as last read or answered
    arrival: float | None = None  # epoch seconds, when IN_TRANSIT
    flight_mode: str = "CRUISE"
    fuel: int = 0
    fuel_capacity: int = 0
    cargo_capacity: int = 0
    cargo: Mapping[str, int] = field(default_factory=dict)
    verified: bool = True  # False: the cached view may be wrong; re-read before acting
    not_before: float = 0.0  # backoff: nothing for this ship before then
    park_reason: str = ""
    quote_ok: bool = False  # the market here was read since the last trade or move
    fuel_fails: int = 0  # 4203 answers since the last successful navigate
    pending: str = ""  # an API call sent whose outcome is not yet recorded (JSON)
    read_at: float | None = None  # when the whole ship was last read from the server
    speed: int = 0  # engine speed as read (0: unknown, weigh flights by distance)

    @property
    def cargo_units(self) -> int:
        return sum(self.cargo.values())

    def status_at(self, now: float) -> str:
        """IN_TRANSIT ends at arrival: the ship is then in orbit at its destination."""
        if self.status == "IN_TRANSIT" and self.arrival is not None and self.arrival <= now:
            return "IN_ORBIT"
        return self.status


@dataclass(frozen=True)
class TaskState:
    spec: TaskSpec
    status: str = "PENDING"
    ship: str = ""
    done_units: int = 0
    money: int = 0  # credits spent (loads) or received (unloads), from the ledger
    retries: int = 0
    last_error: str = ""
    completed_at: float | None = None
    # the task's last lot as the API reported it (ledger): price per unit, when, which ship
    last_price: int = 0
    last_at: float = 0.0
    last_ship: str = ""
    # the plan's market when the runner moved the task elsewhere (spec.market is the new one)
    moved_from: str = ""

    @property
    def id(self) -> str:
        return self.spec.id


@dataclass(frozen=True)
class PipelineState:
    spec: PipelineSpec
    status: str = "ACTIVE"
    reason: str = ""
    spent: int = 0
    earned: int = 0


@dataclass(frozen=True)
class Liquidation:
    id: str
    ship: str
    good: str
    units: int
    market: str
    pipeline: str = ""
    reason: str = ""
    status: str = "OPEN"
    sold: int = 0


@dataclass(frozen=True)
class Quote:
    """One good at one market, as last read (server time ``at``)."""

    market: str
    good: str
    at: float
    type: str
    supply: str
    purchase: int
    sell: int
    trade_volume: int
    activity: str = ""
    by: str = ""  # the ship that read it ('' unknown)


@dataclass(frozen=True)
class FleetTrade:
    """The fleet's last lot of ``good`` at ``market`` one way (``kind`` PURCHASE or SELL), as
    the API answered it; ``recovered``: reconstructed after a lost answer (its time is when
    it was found, its price an average)."""

    market: str
    good: str
    kind: str
    at: float
    price: int
    ship: str
    recovered: bool = False


@dataclass(frozen=True)
class FactoryWait:
    """A COLLECT waiting for its factory's export supply: when polled and when to poll next."""

    task: str
    market: str
    good: str
    awaiting_since: float
    next_poll: float
    polls: int = 0
    supply: str = ""


@dataclass(frozen=True)
class View:
    now: float
    credits: int
    credits_at: float
    ships: Mapping[str, ShipState]
    tasks: Mapping[str, TaskState]
    legs: tuple[LegSpec, ...]
    pipelines: Mapping[str, PipelineState]
    liquidations: tuple[Liquidation, ...] = ()
    quotes: Mapping[tuple[str, str], Quote] = field(default_factory=dict)
    market_read_at: Mapping[str, float] = field(default_factory=dict)
    # (market, good, PURCHASE|SELL) -> the fleet's last lot there that way (tasks' and
    # liquidations'), so a read is known to be stale after it
    trades: Mapping[tuple[str, str, str], FleetTrade] = field(default_factory=dict)
    factories: Mapping[str, FactoryWait] = field(default_factory=dict)
    # good -> markets any plan ever unloaded it at (a liquidation's last resort)
    takers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # waypoint -> (x, y), from the system's waypoint list (read once: waypoints never move);
    # ``coords_unread``: the state has never read it, so a refuel decision reads it first
    coords: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    coords_unread: bool = False
    # markets whose trade lists (a snapshot's, kept by ``Store.put_fuel_markets``) include
    # FUEL: a refuel point even before any ship has read its price (see ``sells_fuel``)
    fuel_markets: frozenset[str] = frozenset()
