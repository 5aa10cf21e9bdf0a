"""What the loop's decisions read: plain frozen records, built from runner state at the edge.

Nothing here knows SQLite; ``plancc.loop.history`` reads them out of a state file.
"""

from __future__ import annotations

from dataclasses import dataclass

SUPPLY_RANK = {"SCARCE": 0, "LIMITED": 1, "MODERATE": 2, "HIGH": 3, "ABUNDANT": 4}


@dataclass(frozen=True)
class Observation:
    """One good at one market as read at ``at`` (epoch seconds)."""

    market: str
    good: str
    at: float
    supply: str
    purchase: int  # what the agent pays
    sell: int  # what the agent receives
    trade_volume: int
    activity: str = ""


@dataclass(frozen=True)
class Trade:
    """One transaction of ours: ``kind`` PURCHASE or SELL, at ``price`` per unit."""

    market: str
    good: str
    at: float
    kind: str
    units: int
    price: int
    ship: str = ""


@dataclass(frozen=True)
class Feed:
    """The last input delivered to a factory for one COLLECT: when its export started to climb."""

    market: str
    good: str  # the export that will be collected
    fed_at: float


@dataclass(frozen=True)
class Outcome:
    """A finished pipeline: planned and realised margin ((revenue - cost) / cost)."""

    pipeline: str
    product: str
    ended_at: float
    status: str  # COMPLETED or FAILED
    planned_margin: float
    realised_margin: float
    # credits behind those margins (ledger; plan): a product's margin is the ratio of their
    # sums, so cargo one pipeline bought and another sold (re-attached after a failure) counts
    # once, and a pipeline dropped before it spent anything does not count as a 0% result
    spent: int = 0
    profit: int = 0
    expected_cost: int = 0
    expected_profit: int = 0
