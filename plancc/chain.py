"""Finding and resolving work: demand finder, adaptive resolver, trade sizing, sell scoring,
price impact and the pipeline planner. Pure: snapshot + recipes + policy in, data out.

    find_demand(snapshot, book, policy)     -> ranked Candidates (+ Rejections)
    resolve(good, quantity, ...)            -> ChainNode tree (BUY leaves, MANUFACTURE nodes)
    trade_size(...)                         -> units in one purchase (the design's formula)
    sell_score(good, policy, max_p, max_v)  -> weighted sell-market score
    plan_pipelines(snapshot, book, policy)  -> Pipelines under margin, ceiling and caps

Money follows the API: we PAY ``purchase_price`` when we buy (ACQUIRE, COLLECT) and RECEIVE
``sell_price`` when we sell (DELIVER into a factory's IMPORT market, SELL at the demand market).
A pipeline's expected cost is all its purchases and its expected revenue all its sales, both
priced under the plan's own impact, by the market's supply level (policy tables ``buy_impact``
and ``sell_impact``, live defaults): every unit bought before a lot raises that lot's price by
the level's rise per tradeVolume, every unit sold before a lot lowers it by the level's fall per
tradeVolume. Earlier pipelines of the same plan count too, as the markets still feel them.

Trades a market can take: one VISIT buys at most the supply-aware share of the market's
tradeVolume (``visit_cap``: floor(tradeVolume x purchase_fraction[supply])), less what the
plan's earlier visits still take from it (recovering with ``recovery_half_life_s``); no single
transaction moves more than tradeVolume. Where to buy weighs price AND distance: a seller's
landed cost is its price plus the hauler time to carry a visit's units to where they are
unloaded, valued at the plan's profit rate (``hauler_time_value``).

Recipe balance: recipes carry no ratios (a factory imports a good or not), so a factory gets one
unit of each input per unit of product, and every node of a chain moves the same quantity.

Batches: a pipeline is one batch of a product, at most one load of the typical hauler (the
design's "collect 40 LASER_RIFLES -> sell"); within that, the quantity with the highest expected
profit that keeps the margin (overall and of the product's own step), the price ceiling, the
per-visit caps and the spend caps. Every purchase is cut into lots of ``trade_size`` units, so no
single purchase exceeds tradeVolume. A product's factory output is sized at
``policy.collect_supply_level``.

Filling the horizon (``plan_pipelines``): batches are added one at a time, the best next batch
of any product first, each priced after every earlier batch's trades (decayed by the markets'
recovery, ``recovery_half_life_s``, over the time between them), until the haulers' time over
``horizon_s`` is spoken for, no batch earns ``min_profit_per_hour`` per hauler-hour, or the
budget runs out. A product whose next batch only its markets' wear stands in the way of (per-visit
cap, price ceiling, margin or floor reached on the plan's own earlier trades) waits for them to
recover: when nothing else can start, the work front moves on by ``RECOVERY_STEP_S``. Budget: min(spend_cap_total, agent credits - reserve_credits), given batch by
batch to the best marginal return (never split evenly), each batch capped by spend_cap_pipeline.

Ranking: profit per hour of the batch's hauler time (for every load the flight from where it is
bought to where it is unloaded, the typical hauler's engine, plus docking) plus its production
wait, estimated from the factory's supply (``production_level_s`` per level short of
``collect_supply_level``, ``restricted_extra_s`` more when RESTRICTED). Sales into an import
whose activity has a drift in ``activity_discount`` (GROWING, STRONG) are discounted by it.
Market data older than ``max_snapshot_age_s`` is not used; each such market is a rejection.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from plancc import flight
from plancc.errors import Unresolvable
from plancc.model import (
    Aboard,
    ChainNode,
    Pipeline,
    Policy,
    RecipeBook,
    Rejection,
    Ship,
    Snapshot,
    TradeGood,
    supply_rank,
)
from plancc.travel import distance

DEFAULT_HAULER = (40, 30)  # (cargo capacity, engine speed) when the fleet has no cargo ship
# How far the planner's work front moves when every product waits for its markets to recover
# from the plan's own trades: the game updates supply and activity about every 15 minutes.
RECOVERY_STEP_S = 600


@dataclass(frozen=True)
class Candidate:
    """A product worth making: its chosen sell market and the estimate it was ranked by."""

    good: str
    sell_market: str
    sell_price: int  # snapshot sellPrice at the sell market: what we receive per unit
    activity: str
    supply: str
    score: float  # sell_score of the chosen market
    est_profit_per_hour: float  # expected profit per hour of ship time plus production wait
    make: bool = True  # manufacture the product (False: buy it where its supply is high)


@dataclass(frozen=True)
class Hold:
    """Cargo in a hauler's hold at compile time: ``units`` of ``good`` aboard ``ship``, which is
    at (or flying to) waypoint ``at``. The plan unloads it (ABOARD legs) instead of buying."""

    ship: str
    good: str
    units: int
    at: str


def holds_of(ships: Iterable[Ship]) -> tuple[Hold, ...]:
    """Every good aboard ``ships``, by ship then good."""
    units: dict[tuple[str, str], int] = {}
    at: dict[str, str] = {}
    for s in ships:
        at[s.symbol] = s.waypoint
        for c in s.cargo:
            if c.units > 0:
                units[(s.symbol, c.symbol)] = units.get((s.symbol, c.symbol), 0) + c.units
    return tuple(Hold(ship, good, n, at[ship]) for (ship, good), n in sorted(units.items()))


def _stock(
    holds: Iterable[Hold], taken: Mapping[tuple[str, str], int] | None = None
) -> dict[str, tuple[Hold, ...]]:
    """good -> the holds with units not yet ``taken`` ((ship, good) -> units), in ship order."""
    out: dict[str, list[Hold]] = {}
    for h in holds:
        left = h.units - (taken or {}).get((h.ship, h.good), 0)
        if left > 0:
            out.setdefault(h.good, []).append(replace(h, units=left))
    return {g: tuple(sorted(hs, key=lambda h: h.ship)) for g, hs in sorted(out.items())}


def _taken_by(pipelines: Iterable[Pipeline]) -> dict[tuple[str, str], int]:
    """(ship, good) -> units the pipelines' chains take from the haulers' holds."""
    out: dict[tuple[str, str], int] = {}

    def walk(node: ChainNode) -> None:
        for a in node.aboard:
            out[(a.ship, node.good)] = out.get((a.ship, node.good), 0) + a.units
        for c in node.children:
            walk(c)

    for p in pipelines:
        walk(p.chain)
    return out


def holds_left(holds: Iterable[Hold], pipelines: Iterable[Pipeline]) -> tuple[Hold, ...]:
    """The cargo aboard that no pipeline of the plan takes."""
    return tuple(h for hs in _stock(holds, _taken_by(pipelines)).values() for h in hs)


def _goods(node: ChainNode) -> set[str]:
    return {node.good}.union(*(_goods(c) for c in node.children))


# ---------------------------------------------------------------------------------------------
# Trade sizing and scoring (the design's rules)


def trade_size(
    *,
    cargo_capacity: int,
    trade_volume: int,
    supply: str,
    unit_price: int,
    credits: int,
    target: int | None = None,
    policy: Policy,
) -> int:
    """Units to buy in ONE purchase: the design's

    min(cargo capacity, tradeVolume, supply-aware fraction of tradeVolume, affordable, target)

    ``target`` None or 0 means "as many as allowed". The supply-aware limit is
    floor(tradeVolume x policy.purchase_fraction[supply]) (0.4 for an unknown level, as the
    design). Unlike the design's Go code, zero credits afford zero units.

    >>> trade_size(cargo_capacity=40, trade_volume=30, supply="HIGH", unit_price=15000,
    ...            credits=500000, policy=Policy())
    18
    """
    fraction = policy.purchase_fraction.get(supply, 0.4)
    supply_limit = math.floor(trade_volume * fraction + 1e-9)
    affordable = credits // unit_price if unit_price > 0 else cargo_capacity
    size = min(cargo_capacity, trade_volume, supply_limit, max(0, affordable))
    if target:
        size = min(size, target)
    return max(0, size)


def visit_cap(trade_volume: int, supply: str, policy: Policy) -> int:
    """Units ONE visit may buy at a market: floor(tradeVolume x purchase_fraction[supply]) (0.4
    for an unknown level, as the design). A visit's lots together stay under it, not each lot:
    ten back-to-back lots of 3 from a market trading 6 ran 22% above the snapshot price live."""
    return math.floor(trade_volume * policy.purchase_fraction.get(supply, 0.4) + 1e-9)


def buy_impact(policy: Policy, supply: str, market: str = "") -> float:
    """Purchase-price rise per tradeVolume lot bought at ``supply``: ``market``'s own figure
    for that level (``market_figures``), else the one figure ``buy_impact_per_lot``, else the
    policy's table (live defaults; the largest for an unknown level)."""
    own = policy.market_figures.get(market)
    if own is not None and supply in own.buy_impact:
        return own.buy_impact[supply]
    if policy.buy_impact_per_lot is not None:
        return policy.buy_impact_per_lot
    return policy.buy_impact.get(supply, max(policy.buy_impact.values(), default=0.0))


def sell_impact(policy: Policy, supply: str, market: str = "") -> float:
    """Sell-price fall per tradeVolume lot sold into an import at ``supply``: ``market``'s own
    figure for that level, else ``sell_impact_per_lot``, else the policy's table (the largest
    for an unknown level)."""
    own = policy.market_figures.get(market)
    if own is not None and supply in own.sell_impact:
        return own.sell_impact[supply]
    if policy.sell_impact_per_lot is not None:
        return policy.sell_impact_per_lot
    return policy.sell_impact.get(supply, max(policy.sell_impact.values(), default=0.0))


def production_lag_at(policy: Policy, factory: str) -> int:
    """The wait between the last delivery and COLLECT at ``factory``: its own figure
    (``market_figures``), else ``production_lag_s``."""
    own = policy.market_figures.get(factory)
    if own is not None and own.production_lag_s is not None:
        return own.production_lag_s
    return policy.production_lag_s


def half_lives(policy: Policy) -> dict[str, int]:
    """Markets with their own ``recovery_half_life_s`` (``market_figures``)."""
    return {
        m: f.recovery_half_life_s
        for m, f in policy.market_figures.items()
        if f.recovery_half_life_s is not None
    }


def sell_score(good: TradeGood, policy: Policy, max_price: int, max_volume: int) -> float:
    """The design's weighted sell-market score (0-100) of an importer of ``good``.

    price: sellPrice (what we RECEIVE) as a share of ``max_price`` (the best eligible sellPrice),
    x100; activity and supply: policy's tables (supply inverted: scarce pays best);
    depth: the market's tradeVolume as a share of ``max_volume`` (the deepest eligible
    importer's), x100 — a deep market takes our cargo in fewer lots, each moving its price less.
    """
    w = policy.sell_weights
    price = min(100.0, 100.0 * good.sell_price / max_price) if max_price > 0 else 0.0
    activity = policy.activity_scores.get(good.activity or "", 0.0)
    supply = policy.sell_supply_scores.get(good.supply, 0.0)
    depth_score = min(100.0, 100.0 * good.trade_volume / max_volume) if max_volume > 0 else 0.0
    return (
        w.get("price", 0.0) * price
        + w.get("activity", 0.0) * activity
        + w.get("supply", 0.0) * supply
        + w.get("depth", 0.0) * depth_score
    )


def typical_hauler(snapshot: Snapshot) -> tuple[int, int]:
    """(cargo capacity, engine speed) of the fleet's median cargo ship; used to size and time."""
    haulers = sorted(
        (s.cargo_capacity, s.engine_speed, s.symbol) for s in snapshot.ships if s.cargo_capacity > 0
    )
    if not haulers:
        return DEFAULT_HAULER
    cap, speed, _ = haulers[len(haulers) // 2]
    return cap, speed


# ---------------------------------------------------------------------------------------------
# The market index: built once per snapshot, so every look-up is a dict access


@dataclass
class MarketIndex:
    sellers: dict[str, list[tuple[str, TradeGood]]] = field(default_factory=dict)  # EXPORT/EXCHANGE
    importers: dict[str, list[tuple[str, TradeGood]]] = field(default_factory=dict)  # IMPORT rows
    factories: dict[str, list[tuple[str, TradeGood]]] = field(default_factory=dict)  # EXPORT rows
    rows: dict[tuple[str, str], TradeGood] = field(default_factory=dict)
    imports: dict[str, frozenset[str]] = field(default_factory=dict)
    coords: dict[str, tuple[int, int]] = field(default_factory=dict)
    system: str = ""
    stale: dict[str, int] = field(default_factory=dict)  # market -> age (s) of its data

    @classmethod
    def of(cls, snapshot: Snapshot, policy: Policy | None = None) -> MarketIndex:
        """The snapshot's markets; with ``policy``, markets whose data is older than
        ``max_snapshot_age_s`` at the snapshot's time are left out (listed in ``stale``)."""
        ix = cls(system=snapshot.system)
        ix.coords = {w.symbol: (w.x, w.y) for w in snapshot.waypoints}
        for m in sorted(snapshot.markets, key=lambda m: m.symbol):
            if policy is not None and m.observed_at is not None and m.trade_goods:
                age = round((snapshot.captured_at - m.observed_at).total_seconds())
                if age > policy.max_snapshot_age_s:
                    ix.stale[m.symbol] = age
                    continue
            imported = set(m.imports)
            for g in m.trade_goods:
                ix.rows[(m.symbol, g.symbol)] = g
                if g.type == "IMPORT":
                    imported.add(g.symbol)
                    ix.importers.setdefault(g.symbol, []).append((m.symbol, g))
                else:
                    ix.sellers.setdefault(g.symbol, []).append((m.symbol, g))
                    if g.type == "EXPORT":
                        ix.factories.setdefault(g.symbol, []).append((m.symbol, g))
            ix.imports[m.symbol] = frozenset(imported)
        return ix

    def distance(self, a: str, b: str) -> float:
        if a == b:
            return 0.0
        ax, ay = self.coords.get(a, (0, 0))
        bx, by = self.coords.get(b, (0, 0))
        return distance(ax, ay, bx, by)


# ---------------------------------------------------------------------------------------------
# Adaptive resolver


@dataclass(frozen=True)
class Haul:
    """What choosing a seller weighs besides its price: the typical hauler (hold, engine) and
    what its time earns in this plan, ``value_per_s`` credits per hauler-second (0: price only)."""

    cargo: int
    speed: int
    value_per_s: float = 0.0


def landed_cost(
    market: str, row: TradeGood, dest: str, ix: MarketIndex, policy: Policy, haul: Haul | None
) -> float:
    """What one unit bought at ``market`` costs unloaded at ``dest``: its price, plus the hauler
    time of the trip (flight and two dockings) valued at ``haul.value_per_s`` and shared by the
    units one visit there takes (``visit_cap``, at most a hold)."""
    if haul is None or haul.value_per_s <= 0 or not dest:
        return float(row.purchase_price)
    units = max(1, min(haul.cargo, visit_cap(row.trade_volume, row.supply, policy)))
    trip = flight.estimated_seconds(ix.distance(market, dest), haul.speed, policy)
    trip += 2 * policy.dock_seconds
    return row.purchase_price + haul.value_per_s * trip / units


def resolve(
    good: str,
    quantity: int,
    snapshot: Snapshot,
    book: RecipeBook,
    policy: Policy,
    *,
    manufacture: bool = False,
    dest: str = "",
    haul: Haul | None = None,
) -> ChainNode:
    """How to obtain ``quantity`` units of ``good``: the design's adaptive rule, recursively.

    1. a market sells it (EXPORT/EXCHANGE) at supply >= policy.buy_supply_level: BUY there
       (the cheapest such market) — a leaf;
    2. a raw material: BUY at the cheapest seller, whatever its supply;
    3. otherwise MANUFACTURE at a factory that exports it and imports all its inputs,
       resolving each input the same way (one unit of each input per unit made).

    ``manufacture=True`` skips rule 1 for ``good`` itself (make it even where it is bought
    cheaply). Which seller: the lowest ``landed_cost`` at ``dest`` (where the good is unloaded)
    with ``haul``; without them, the cheapest. Unit prices are snapshot prices.
    Raises Unresolvable with the reason and the path from ``good``.
    """
    ix = MarketIndex.of(snapshot, policy)
    return _resolve(good, quantity, ix, book, policy, (), manufacture, dest, haul)


def _cheapest(rows: Iterable[tuple[str, TradeGood]]) -> tuple[str, TradeGood] | None:
    return min(rows, key=lambda r: (r[1].purchase_price, r[0]), default=None)


def _nearest_cheap(
    rows: Iterable[tuple[str, TradeGood]],
    dest: str,
    ix: MarketIndex,
    policy: Policy,
    haul: Haul | None,
) -> tuple[str, TradeGood] | None:
    """The seller with the lowest landed cost at ``dest`` (ties: cheaper, then by symbol)."""
    return min(
        rows,
        key=lambda r: (landed_cost(r[0], r[1], dest, ix, policy, haul), r[1].purchase_price, r[0]),
        default=None,
    )


def _resolve(
    good: str,
    quantity: int,
    ix: MarketIndex,
    book: RecipeBook,
    policy: Policy,
    path: tuple[str, ...],
    manufacture: bool,
    dest: str = "",
    haul: Haul | None = None,
) -> ChainNode:
    here = (*path, good)
    if good in path:
        raise Unresolvable(good, f"cycle {' -> '.join(here)} (no raw material cuts it)", here)
    sellers = ix.sellers.get(good, [])
    if not manufacture:
        level = supply_rank(policy.buy_supply_level)
        best = _nearest_cheap(
            (r for r in sellers if supply_rank(r[1].supply) >= level), dest, ix, policy, haul
        )
        if best is not None:
            market, row = best
            return ChainNode(
                good,
                "BUY",
                market,
                quantity,
                row.purchase_price,
                supply=row.supply,
                reason=f"{row.supply} supply at {market}: bought, not made",
            )
        if book.is_raw(good):
            best = _nearest_cheap(sellers, dest, ix, policy, haul)
            if best is None:
                raise Unresolvable(good, f"raw material {good}: no market sells it", here)
            market, row = best
            return ChainNode(
                good,
                "BUY",
                market,
                quantity,
                row.purchase_price,
                supply=row.supply,
                reason=f"raw material: lowest landed cost ({row.supply} supply)",
            )
    if book.is_raw(good):
        raise Unresolvable(good, f"{good} is a raw material: plancc buys it, never makes it", here)
    inputs = book.inputs(good)
    if not book.is_manufactured(good) or not inputs:
        raise Unresolvable(
            good,
            f"no recipe for {good} and no market sells it at {policy.buy_supply_level} or above",
            here,
        )
    factories = ix.factories.get(good, [])
    if not factories:
        raise Unresolvable(
            good,
            f"no factory in {ix.system} exports {good} and no market sells it "
            f"at {policy.buy_supply_level} or above",
            here,
        )
    usable = [f for f in factories if all(i in ix.imports.get(f[0], ()) for i in inputs)]
    if not usable:
        raise Unresolvable(
            good, f"no factory of {good} imports all of its inputs ({', '.join(inputs)})", here
        )
    market, row = _cheapest(usable)  # type: ignore[misc]
    counts: dict[str, int] = {}
    for i in inputs:
        counts[i] = counts.get(i, 0) + 1
    children = tuple(
        _resolve(i, quantity * n, ix, book, policy, here, False, market, haul)
        for i, n in counts.items()
    )
    why = "product" if manufacture else f"no seller at {policy.buy_supply_level} or above"
    return ChainNode(
        good,
        "MANUFACTURE",
        market,
        quantity,
        row.purchase_price,
        children,
        supply=row.supply,
        reason=f"{why}: made at factory {market} ({row.supply} supply)",
    )


def chain_depth(node: ChainNode) -> int:
    """Manufacturing levels: 0 for a BUY leaf, 1 + deepest child for MANUFACTURE."""
    if node.method != "MANUFACTURE":
        return 0
    return 1 + max((chain_depth(c) for c in node.children), default=0)


# ---------------------------------------------------------------------------------------------
# Price impact: one pipeline's expected trades, priced lot by lot


def buy_lots(
    units: int,
    *,
    unit_price: int,
    trade_volume: int,
    supply: str,
    bought_before: int = 0,
    cargo_capacity: int,
    credits: int,
    policy: Policy,
    market: str = "",
) -> list[tuple[int, int]]:
    """The purchases that buy ``units``: (units, price per unit) for each.

    Each lot is trade_size units (so never more than tradeVolume) and costs the snapshot price
    raised by ``buy_impact(policy, supply)`` for every tradeVolume bought before it (by this
    plan). Stops early when no further lot fits the credits or the supply limit: compare the
    total.
    """
    lots: list[tuple[int, int]] = []
    before, left, money = bought_before, units, credits
    per_lot = buy_impact(policy, supply, market)
    while left > 0:
        rise = per_lot * before / trade_volume if trade_volume > 0 else 0.0
        price = round(unit_price * (1 + rise))
        lot = trade_size(
            cargo_capacity=cargo_capacity,
            trade_volume=trade_volume,
            supply=supply,
            unit_price=price,
            credits=money,
            target=left,
            policy=policy,
        )
        if lot <= 0:
            break
        lots.append((lot, price))
        before, left, money = before + lot, left - lot, money - lot * price
    return lots


def sell_lots(
    units: int,
    *,
    unit_price: int,
    trade_volume: int,
    supply: str,
    sold_before: int = 0,
    policy: Policy,
    market: str = "",
) -> list[tuple[int, int]]:
    """The sales that sell ``units``: (units, price per unit), each at most tradeVolume units,
    at the snapshot price lowered by ``sell_impact(policy, supply)`` (``supply``: the import's
    level) per tradeVolume sold before."""
    lots: list[tuple[int, int]] = []
    before, left = sold_before, units
    step = trade_volume if trade_volume > 0 else max(1, units)
    per_lot = sell_impact(policy, supply, market)
    while left > 0:
        fall = per_lot * before / trade_volume if trade_volume > 0 else 0.0
        lot = min(left, step)
        lots.append((lot, max(0, round(unit_price * (1 - fall)))))
        before, left = before + lot, left - lot
    return lots


Ledger = Mapping[tuple[str, str, str], int]  # (market, good, "buy"|"sell") -> units traded


class _Infeasible(Exception):
    def __init__(self, reason: str, *, money: bool = False) -> None:
        self.reason = reason
        self.money = money  # only the budget stood in the way: more credits would do
        super().__init__(reason)


@dataclass
class _Pricing:
    """Prices one pipeline at quantity ``q``; ``trades`` is what it adds to the ledger."""

    ix: MarketIndex
    policy: Policy
    ledger: Ledger
    budget: int
    cargo: int
    speed: int
    cost: int = 0
    revenue: int = 0
    ship_s: int = 0
    trades: dict[tuple[str, str, str], int] = field(default_factory=dict)
    holds: Mapping[str, tuple[Hold, ...]] = field(default_factory=dict)  # good -> holds left
    taken: dict[tuple[str, str], int] = field(default_factory=dict)  # (ship, good) -> units

    def take(self, good: str, units: int) -> tuple[Aboard, ...]:
        """Up to ``units`` of ``good`` from the haulers' holds (in ship order), before buying."""
        out: list[Aboard] = []
        for h in self.holds.get(good, ()):
            if units <= 0:
                break
            n = min(units, h.units - self.taken.get((h.ship, good), 0))
            if n > 0:
                out.append(Aboard(h.ship, n))
                self.taken[(h.ship, good)] = self.taken.get((h.ship, good), 0) + n
                units -= n
        return tuple(out)

    def carry(self, node: ChainNode, dest: str) -> None:
        """Ship time of bringing priced ``node`` to ``dest``: what is bought or made from its
        market, what is aboard from where its ship is."""
        at = {h.ship: h.at for hs in self.holds.values() for h in hs}
        if node.quantity > node.aboard_units:
            self.haul(node.market, dest, node.quantity - node.aboard_units)
        for a in node.aboard:
            self.haul(at.get(a.ship, node.market), dest, a.units)

    def _before(self, key: tuple[str, str, str]) -> int:
        return self.ledger.get(key, 0) + self.trades.get(key, 0)

    def buy(self, market: str, good: str, units: int, supply: str) -> int:
        """Buy ``units`` in lots (see buy_lots); returns the total paid."""
        row = self.ix.rows.get((market, good))
        if row is None or row.purchase_price <= 0:
            raise _Infeasible(f"no price for {good} at {market}")
        key = (market, good, "buy")
        cap = visit_cap(row.trade_volume, supply, self.policy)
        taken = self._before(key)
        if units > cap - taken:
            fraction = self.policy.purchase_fraction.get(supply, 0.4)
            raise _Infeasible(
                f"{good} at {market}: one visit buys at most {cap} (tradeVolume "
                f"{row.trade_volume} x {fraction:g} at {supply})"
                + (f", {taken} still taken by the plan's earlier visits" if taken else "")
            )
        left = self.budget - self.cost
        lots = buy_lots(
            units,
            unit_price=row.purchase_price,
            trade_volume=row.trade_volume,
            supply=supply,
            bought_before=self._before(key),
            cargo_capacity=self.cargo,
            credits=left,
            policy=self.policy,
            market=market,
        )
        ceiling = self.policy.price_ceiling * row.purchase_price
        for _, price in lots:
            if price > ceiling + 1e-9:
                raise _Infeasible(
                    f"{good} at {market} would cost {price}/u > {self.policy.price_ceiling:g} x "
                    f"snapshot {row.purchase_price} (price ceiling)"
                )
        bought = sum(n for n, _ in lots)
        paid = sum(n * p for n, p in lots)
        if bought < units:
            if paid + (lots[-1][1] if lots else row.purchase_price) > left:
                raise _Infeasible(
                    f"spend cap reached: {self.budget:,} cr budget for this pipeline", money=True
                )
            raise _Infeasible(
                f"no lot of {good} at {market}: {supply} supply, tradeVolume {row.trade_volume}"
            )
        self.trades[key] = self.trades.get(key, 0) + bought
        self.cost += paid
        return paid

    def sell(self, market: str, good: str, units: int) -> int:
        """Sell ``units`` in lots (see sell_lots); returns the total received."""
        row = self.ix.rows.get((market, good))
        if row is None:
            return 0  # the market imports it but its price is unknown: count nothing
        key = (market, good, "sell")
        lots = sell_lots(
            units,
            unit_price=row.sell_price,
            trade_volume=row.trade_volume,
            supply=row.supply,
            sold_before=self._before(key),
            policy=self.policy,
            market=market,
        )
        got = sum(n * p for n, p in lots)
        # an import that is GROWING/STRONG consumes less as its own supply builds: its price
        # drifts down over the trade's life by about this much (policy, from live data)
        got = round(got * (1 - self.policy.activity_discount.get(row.activity or "", 0.0)))
        self.trades[key] = self.trades.get(key, 0) + units
        self.revenue += got
        return got

    def haul(self, src: str, dst: str, units: int) -> None:
        """Ship time of moving ``units`` from ``src`` to ``dst`` in hauler loads."""
        loads = -(-units // self.cargo)
        fly = flight.estimated_seconds(self.ix.distance(src, dst), self.speed, self.policy)
        self.ship_s += loads * (fly + 2 * self.policy.dock_seconds)

    def reposition(self, src: str, dst: str) -> None:
        """The empty flight back from the batch's last stop to where its first load waits."""
        self.ship_s += flight.estimated_seconds(self.ix.distance(src, dst), self.speed, self.policy)

    def price(self, node: ChainNode, q: int, units: int | None = None) -> ChainNode:
        """``node`` (quantities per product unit) priced for ``q`` product units (``units`` of
        its own good when given). Units already aboard a hauler are taken first: only the rest
        is bought, or made from inputs (one of each per unit, as the recipe balance says)."""
        units = node.quantity * q if units is None else units
        aboard = self.take(node.good, units)
        made = units - sum(a.units for a in aboard)
        children = []
        for child in node.children if made > 0 else ():
            priced = self.price(child, q, made * child.quantity // node.quantity)
            got = self.sell(node.market, child.good, priced.quantity)
            self.carry(priced, node.market)
            children.append(replace(priced, unload_price=round(got / priced.quantity)))
        supply = self.policy.collect_supply_level if node.method == "MANUFACTURE" else node.supply
        paid = self.buy(node.market, node.good, made, supply) if made > 0 else 0
        reason = node.reason
        if aboard:
            on = ", ".join(f"{a.units} aboard {a.ship}" for a in aboard)
            reason = f"{reason}; {on}: not bought" if reason else f"{on}: not bought"
        return replace(
            node,
            quantity=units,
            unit_price=round(paid / made) if made else 0,
            children=tuple(children),
            aboard=aboard,
            reason=reason,
        )


def _first_load(node: ChainNode) -> str:
    """Where a chain's first load is taken: its deepest first BUY leaf."""
    return _first_load(node.children[0]) if node.children else node.market


@dataclass(frozen=True)
class _Sized:
    chain: ChainNode
    quantity: int
    cost: int
    revenue: int
    ship_s: int
    trades: Mapping[tuple[str, str, str], int]
    taken: Mapping[tuple[str, str], int] = field(default_factory=dict)  # (ship, good) -> aboard
    money_bound: bool = False  # a bigger batch would have fit the hold but not the budget


def _margin(cost: int, revenue: int) -> float:
    return (revenue - cost) / cost if cost > 0 else math.inf


def _size(
    struct: ChainNode,
    sell_market: str,
    ix: MarketIndex,
    policy: Policy,
    ledger: Ledger,
    budget: int,
    hauler: tuple[int, int],
    holds: Mapping[str, tuple[Hold, ...]] | None = None,
) -> _Sized:
    """The most profitable quantity (1 .. one hauler load) that keeps margin, ceiling and caps.

    ``holds``: cargo aboard the haulers (good -> holds). The quantity is chosen as if nothing
    were aboard (every purchase must pay on its own: cargo already held is no reason to buy
    more), then the units aboard replace that many purchases: the batch costs less, wears its
    markets less, and moves the same quantity.

    Raises _Infeasible with the reason seen at quantity 1 (the most favourable case).
    """
    cargo, speed = hauler

    def priced(q: int, stock: Mapping[str, tuple[Hold, ...]]) -> tuple[_Pricing, ChainNode]:
        pr = _Pricing(ix, policy, ledger, budget, cargo, speed, holds=stock)
        chain = pr.price(struct, q)
        got = pr.sell(sell_market, struct.good, chain.quantity)
        pr.carry(chain, sell_market)
        pr.reposition(sell_market, _first_load(chain))
        return pr, replace(chain, unload_price=round(got / chain.quantity))

    best: _Sized | None = None
    best_q = 0
    first_reason = ""
    money = False  # the first reason was the budget
    for q in range(1, cargo + 1):
        try:
            pr, chain = priced(q, {})
        except _Infeasible as e:
            if not first_reason:
                first_reason, money = e.reason, e.money
            if best is not None and e.money:
                best = replace(best, money_bound=True)
            break  # more units only mean more lots, higher prices, more spend
        margin = _margin(pr.cost, pr.revenue)
        if margin + 1e-12 < policy.min_margin:
            first_reason = first_reason or (
                f"margin {margin:.0%} under impact < {policy.min_margin:.0%} minimum"
            )
            continue
        own = _margin(chain.unit_price, chain.unload_price)
        if chain.method == "MANUFACTURE" and own + 1e-12 < policy.min_margin:
            # the product must stand on its own: profit made only on its inputs' deliveries
            # is a delivery business, not this pipeline's
            first_reason = first_reason or (
                f"product step margin {own:.0%} (collect {chain.unit_price}/u, sell "
                f"{chain.unload_price}/u) < {policy.min_margin:.0%} minimum"
            )
            continue
        if best is None or pr.revenue - pr.cost > best.revenue - best.cost:
            best, best_q = (
                _Sized(chain, chain.quantity, pr.cost, pr.revenue, pr.ship_s, pr.trades),
                q,
            )
    if best is None:
        raise _Infeasible(first_reason or "nothing to trade", money=money)
    if holds and _goods(struct) & set(holds):
        # buying fewer units never breaks a cap, the ceiling or the budget the full lot kept
        pr, chain = priced(best_q, holds)
        best = _Sized(chain, chain.quantity, pr.cost, pr.revenue, pr.ship_s, pr.trades, pr.taken)
    return best


# ---------------------------------------------------------------------------------------------
# Demand finder and pipeline planner


@dataclass(frozen=True)
class _Found:
    candidate: Candidate
    struct: ChainNode  # resolved chain, quantities per product unit


def production_wait_s(node: ChainNode, ix: MarketIndex, policy: Policy) -> int:
    """Expected wait before ``node``'s product can be collected, along its slowest path.

    A factory short of ``collect_supply_level`` climbs one level per ``production_level_s``
    (``restricted_extra_s`` more when its export is RESTRICTED); never less than
    ``production_lag_s``. A BUY node waits for nothing.
    """
    if node.method != "MANUFACTURE":
        return 0
    row = ix.rows.get((node.market, node.good))
    short = supply_rank(policy.collect_supply_level) - supply_rank(row.supply if row else None)
    own = max(0, short) * policy.production_level_s
    if row is not None and row.activity == "RESTRICTED":
        own += policy.restricted_extra_s
    inputs = max((production_wait_s(c, ix, policy) for c in node.children), default=0)
    return inputs + max(production_lag_at(policy, node.market), own)


def _total_budget(snapshot: Snapshot, policy: Policy) -> int:
    """What the plan may commit: the spend cap, or the credits above the reserve if fewer."""
    return max(0, min(policy.spend_cap_total, snapshot.agent.credits - policy.reserve_credits))


def _allowed(policy: Policy) -> str:
    return "/".join(policy.sell_activities)


def _rate(sized: _Sized, wait_s: int) -> float:
    return (sized.revenue - sized.cost) * 3600 / max(1, sized.ship_s + wait_s)


def _options(
    good: str, dest: str, ix: MarketIndex, book: RecipeBook, policy: Policy, haul: Haul
) -> list[ChainNode]:
    """The ways to obtain a product sold at ``dest``: made at its factory, and, when a market
    already sells it at ``buy_supply_level`` or above, bought there (the adaptive rule at the
    product's level)."""
    level = supply_rank(policy.buy_supply_level)

    def made() -> ChainNode:
        return _resolve(good, 1, ix, book, policy, (), True, dest, haul)

    if any(supply_rank(r[1].supply) >= level for r in ix.sellers.get(good, [])):
        bought = _resolve(good, 1, ix, book, policy, (), False, dest, haul)
        try:
            return [made(), bought]
        except Unresolvable:
            return [bought]
    return [made()]


def _find(
    ix: MarketIndex, snapshot: Snapshot, book: RecipeBook, policy: Policy, haul: Haul
) -> tuple[list[_Found], list[Rejection]]:
    found: list[_Found] = []
    rejected: list[Rejection] = [
        Rejection(
            "*",
            market,
            f"market data {age / 3600:.1f} h old > max_snapshot_age_s "
            f"{policy.max_snapshot_age_s} s: not used",
        )
        for market, age in sorted(ix.stale.items())
    ]
    budget = min(policy.spend_cap_pipeline, _total_budget(snapshot, policy))
    for good in sorted(ix.importers):
        if not book.is_manufactured(good) and not policy.trade_raw_goods:
            continue
        allowed = [r for r in ix.importers[good] if r[1].activity in policy.sell_activities]
        if not allowed:
            rejected.append(Rejection(good, "", f"no {_allowed(policy)} importer of {good}"))
            continue
        tops = (max(r[1].sell_price for r in allowed), max(r[1].trade_volume for r in allowed))
        scores = {m: sell_score(g, policy, *tops) for m, g in allowed}
        market, row = max(allowed, key=lambda r: (scores[r[0]], r[0]))
        try:
            options = _options(good, market, ix, book, policy, haul)
        except Unresolvable as e:
            rejected.append(Rejection(good, market, str(e)))
            continue
        best: tuple[float, ChainNode] | None = None
        reason = ""
        for struct in options:
            try:
                sized = _size(struct, market, ix, policy, {}, budget, (haul.cargo, haul.speed))
            except _Infeasible as e:
                reason = reason or e.reason
                continue
            rate = _rate(sized, production_wait_s(struct, ix, policy))
            if best is None or rate > best[0]:
                best = (rate, struct)
        if best is None:
            rejected.append(Rejection(good, market, reason))
            continue
        per_hour, struct = best
        cand = Candidate(
            good,
            market,
            row.sell_price,
            row.activity or "",
            row.supply,
            round(scores[market], 6),
            round(per_hour, 3),
            make=struct.method == "MANUFACTURE",
        )
        found.append(_Found(cand, struct))
    found.sort(key=lambda f: (-f.candidate.est_profit_per_hour, f.candidate.good))
    return found, rejected


def find_demand(
    snapshot: Snapshot,
    book: RecipeBook,
    policy: Policy,
    *,
    time_value: float | None = None,
    haulers: int | None = None,
) -> tuple[list[Candidate], list[Rejection]]:
    """Import markets for manufacturable goods (and, with ``trade_raw_goods``, for goods the
    recipes call raw: those can only be bought), best first by expected profit per hour.

    One candidate per product: its sell market is the best-scored importer whose activity the
    policy allows (sell_score); it is made, or bought where a market already sells it at
    ``buy_supply_level`` or above when that pays more per hour. Products rank by the profit of
    their best feasible batch (under impact, alone in the plan) per hour of hauler time plus
    production wait. Products with no allowed importer, no way to be made, or no profitable
    quantity, and markets with stale data, come back as Rejections with the reason.

    Where each good is bought weighs price and distance (``landed_cost``), hauler time valued
    at ``time_value`` credits per hauler-second; None: the plan's own profit rate for
    ``haulers`` (default the fleet's cargo ships), ``hauler_time_value``.
    """
    haul = _haul(snapshot, book, policy, time_value, haulers)
    found, rejected = _find(MarketIndex.of(snapshot, policy), snapshot, book, policy, haul)
    return [f.candidate for f in found], rejected


Event = tuple[tuple[str, str, str], int, float]  # (market, good, side), units, time (s)


def recovered(
    events: Sequence[Event],
    at_s: float,
    half_life_s: float,
    by_market: Mapping[str, float] | None = None,
) -> dict[tuple[str, str, str], int]:
    """The plan's earlier trades as the markets still feel them at ``at_s``: each trade's
    units halve every ``half_life_s`` after it (markets recover between visits); a market in
    ``by_market`` recovers with its own half-life."""
    out: dict[tuple[str, str, str], float] = {}
    own = by_market or {}
    for key, units, t in events:
        half = own.get(key[0], half_life_s)
        left = units * 0.5 ** (max(0.0, at_s - t) / half) if half > 0 else units
        out[key] = out.get(key, 0.0) + left
    return {k: round(v) for k, v in out.items() if round(v) > 0}


def haulers_of(snapshot: Snapshot) -> int:
    """Ships that can carry cargo (at least one, so a plan is sized for someone)."""
    return max(1, sum(1 for s in snapshot.ships if s.cargo_capacity > 0))


@dataclass(frozen=True)
class Batch:
    """A planned batch with its place in time: started at ``start_s`` (the fleet's work front),
    expected back with its revenue by ``finish_s`` (its hauler time plus production wait)."""

    pipeline: Pipeline
    start_s: float
    finish_s: float
    hauler_s: int


def cash_at(batches: Sequence[Batch], t: float, credits: int) -> tuple[int, int]:
    """(credits on hand, credits committed to batches still running) at time ``t``: a batch
    pays its cost when it starts and brings its revenue when it finishes."""
    cash, running = credits, 0
    for b in batches:
        if b.start_s <= t:
            cash -= b.pipeline.expected_cost
            if b.finish_s <= t:
                cash += b.pipeline.expected_revenue
            else:
                running += b.pipeline.expected_cost
    return cash, running


def plan_pipelines(
    snapshot: Snapshot,
    book: RecipeBook,
    policy: Policy,
    *,
    candidates: Sequence[Candidate] | None = None,
    exclude: Collection[str] = (),
    haulers: int | None = None,
    time_value: float | None = None,
) -> tuple[tuple[Pipeline, ...], tuple[Rejection, ...]]:
    """Batches that fill the fleet's haulers over ``policy.horizon_s`` (see ``fill_horizon``).

    ``candidates``: the ranked list ``find_demand`` returned for this snapshot, so the demand
    finder does not run twice; the rejections returned are then only this step's (the caller
    keeps find_demand's). ``exclude``: products not to plan (the caller has its own reason).
    ``time_value``: as find_demand's (pass the same, with the candidates it returned).

        candidates, rejected = find_demand(snapshot, book, policy)
        pipelines, more = plan_pipelines(snapshot, book, policy, candidates=candidates)
    """
    batches, rejected = fill_horizon(
        snapshot,
        book,
        policy,
        candidates=candidates,
        exclude=exclude,
        haulers=haulers,
        time_value=time_value,
    )
    return tuple(b.pipeline for b in batches), rejected


def fill_horizon(
    snapshot: Snapshot,
    book: RecipeBook,
    policy: Policy,
    *,
    candidates: Sequence[Candidate] | None = None,
    exclude: Collection[str] = (),
    haulers: int | None = None,
    time_value: float | None = None,
    holds: Sequence[Hold] = (),
) -> tuple[tuple[Batch, ...], tuple[Rejection, ...]]:
    """Batches that fill ``haulers`` (default: the fleet's cargo ships) over ``policy.horizon_s``.

    Round by round, every product's next batch is sized against the plan's earlier trades as
    the markets feel them at that batch's time (the fleet's work front: hauler time committed
    so far / haulers; earlier trades recover with ``recovery_half_life_s``), and the one with
    the highest profit per hour (hauler time plus production wait) is added, given
    min(spend_cap_pipeline, what may be committed then). What may be committed at a time is
    min(spend_cap_total - running batches' cost, credits on hand - reserve_credits), the credits
    on hand counting the revenue of batches finished by then: when only money is short, the
    work front waits for the next batch to finish (also when the budget cut a batch short of a
    full hold and that left it under the profit floor). A product drops out when its next batch
    is infeasible or earns less than ``min_profit_per_hour`` per hauler-hour on markets the plan
    has not touched; when the plan's own earlier trades are what stands in the way, it waits
    for its markets to recover (the work front moves on by ``RECOVERY_STEP_S`` when nothing
    else can start). Planning stops when the horizon is reached or nothing pays.
    ``max_pipelines`` and ``max_batches`` (when set) cap the distinct products and the batches
    of one product. ``time_value``: see ``find_demand``.

    ``holds``: cargo already aboard the haulers. A batch whose chain moves a good that is aboard
    takes those units first (no purchase, no market wear: the batch costs less and ranks
    higher), and buys or makes only the rest; what one batch takes, later ones do not find.
    """
    ix = MarketIndex.of(snapshot, policy)
    fleet = haulers or haulers_of(snapshot)
    haul = _haul(snapshot, book, policy, time_value, fleet)
    hauler = (haul.cargo, haul.speed)
    if candidates is None:
        found, rejected = _find(ix, snapshot, book, policy, haul)
    else:
        found, rejected = [], []
        for c in candidates:
            try:
                struct = _resolve(c.good, 1, ix, book, policy, (), c.make, c.sell_market, haul)
                found.append(_Found(c, struct))
            except Unresolvable as e:  # a candidate from another snapshot or recipe book
                rejected.append(Rejection(c.good, c.sell_market, str(e)))
    credits = snapshot.agent.credits
    events: list[Event] = []
    used_s = 0
    clock = 0.0  # the work front when it waits for money or for markets to recover
    counts: dict[str, int] = {}
    waits = {f.candidate.good: production_wait_s(f.struct, ix, policy) for f in found}
    keys = {f.candidate.good: _trade_keys(f.struct, f.candidate.sell_market) for f in found}
    active = [f for f in found if f.candidate.good not in exclude]
    cache: dict[
        tuple[str, tuple[int, ...], tuple[tuple[str, int], ...], int], _Sized | _Infeasible
    ] = {}
    batches: list[Batch] = []
    waiting: dict[str, str] = {}  # product -> why its next batch waits for recovery
    collects: dict[tuple[str, str], int] = {}  # (factory, good) -> collects planned there
    stock = _stock(holds)  # what is still aboard for the next batch
    moves = {f.candidate.good: sorted(_goods(f.struct)) for f in found}
    while active:
        at_s = max(used_s / fleet, clock)
        if at_s >= policy.horizon_s:
            break
        felt = recovered(events, at_s, policy.recovery_half_life_s, half_lives(policy))
        cash, running = cash_at(batches, at_s, credits)
        may = max(0, min(policy.spend_cap_total - running, cash - policy.reserve_credits))
        budget = min(policy.spend_cap_pipeline, may)
        best: tuple[float, _Found, _Sized] | None = None
        short_of_money = False
        waiting.clear()
        for f in list(active):
            c = f.candidate
            spent = _collected_down(f.struct, collects, ix, policy)
            if spent:
                active.remove(f)
                n = counts.get(c.good, 0) + 1
                rejected.append(Rejection(c.good, c.sell_market, _why(n, spent)))
                continue
            wear = tuple(felt.get(k, 0) for k in keys[c.good])
            aboard = tuple((h.ship, h.units) for g in moves[c.good] for h in stock.get(g, ()))
            memo = (c.good, wear, aboard, budget)
            sized = cache.get(memo)
            if sized is None:
                try:
                    sized = _size(f.struct, c.sell_market, ix, policy, felt, budget, hauler, stock)
                except _Infeasible as e:
                    sized = e
                cache[memo] = sized
            n = counts.get(c.good, 0) + 1
            worn = any(wear)  # the plan's own earlier trades still move these markets
            if isinstance(sized, _Infeasible):
                if sized.money or budget <= 0:
                    short_of_money = True
                elif worn:
                    waiting[c.good] = _why(n, sized.reason)
                else:
                    active.remove(f)
                    rejected.append(Rejection(c.good, c.sell_market, _why(n, sized.reason)))
                continue
            hauler_rate = (sized.revenue - sized.cost) * 3600 / max(1, sized.ship_s)
            if hauler_rate < policy.min_profit_per_hour:
                why = _why(
                    n,
                    f"{hauler_rate:,.0f} cr per hauler-hour < min_profit_per_hour "
                    f"{policy.min_profit_per_hour:,}",
                )
                if worn:
                    waiting[c.good] = why
                elif sized.money_bound:
                    short_of_money = True  # a batch the budget cut short: wait for credits
                else:
                    active.remove(f)
                    rejected.append(Rejection(c.good, c.sell_market, why))
                continue
            rate = _rate(sized, waits[c.good])
            if best is None or (rate, best[1].candidate.good) > (best[0], c.good):
                best = (rate, f, sized)
        if best is None:
            wake = [at_s + RECOVERY_STEP_S] if waiting else []
            if short_of_money:
                wake += [b.finish_s for b in batches if b.finish_s > at_s]
            if wake:
                clock = min(wake)  # wait for markets to recover or for a batch's revenue
                continue
            if short_of_money:
                for f in active:
                    c = f.candidate
                    why = f"budget spent: {may:,} cr may be committed (reserve_credits kept)"
                    rejected.append(
                        Rejection(c.good, c.sell_market, _why(counts.get(c.good, 0) + 1, why))
                    )
            break
        _, f, sized = best
        c = f.candidate
        products = {b.pipeline.product for b in batches}
        if (
            policy.max_pipelines
            and c.good not in products
            and len(products) >= policy.max_pipelines
        ):
            active.remove(f)
            rank = found.index(f) + 1
            rejected.append(
                Rejection(
                    c.good,
                    c.sell_market,
                    f"ranked #{rank} by profit per hour; policy allows "
                    f"{policy.max_pipelines} pipelines",
                )
            )
            continue
        n = counts[c.good] = counts.get(c.good, 0) + 1
        if policy.max_batches and n >= policy.max_batches:
            active.remove(f)
        events += [(k, v, at_s) for k, v in sorted(sized.trades.items())]
        used_s += sized.ship_s
        pipe = Pipeline(
            id=f"{c.good}@{c.sell_market}" + (f"+{n}" if n > 1 else ""),
            product=c.good,
            sell_market=c.sell_market,
            quantity=sized.quantity,
            chain=sized.chain,
            expected_cost=sized.cost,
            expected_revenue=sized.revenue,
            sell_price=c.sell_price,
            batch=n,
        )
        finish = at_s + sized.ship_s + waits[c.good]
        batches.append(Batch(pipe, at_s, finish, sized.ship_s))
        if sized.taken:
            stock = _stock(holds, _taken_by(b.pipeline for b in batches))
        for node in _made(sized.chain):
            collects[(node.market, node.good)] = collects.get((node.market, node.good), 0) + 1
    # products still waiting for their markets when the horizon came: say what bound them
    for f in active:
        c = f.candidate
        if c.good in waiting:
            why = f"{waiting[c.good]} (markets still recovering from the plan's trades)"
            rejected.append(Rejection(c.good, c.sell_market, why))
    return tuple(batches), tuple(dict.fromkeys(rejected))


def _made(node: ChainNode) -> list[ChainNode]:
    """The chain's MANUFACTURE nodes (each a COLLECT at its factory)."""
    own = [node] if node.method == "MANUFACTURE" else []
    return own + [m for c in node.children for m in _made(c)]


def _collected_down(
    struct: ChainNode, collects: Mapping[tuple[str, str], int], ix: MarketIndex, policy: Policy
) -> str:
    """Why a factory in ``struct`` cannot be collected again in this plan, or "".

    A collect takes a factory's export down about one supply level, and feeding it back takes
    hours (live: multi-level climbs 4-6 h; a bought-down export stayed below ABUNDANT for a day),
    longer than a plan's horizon. So a factory is collected once per level it stands above
    ``collect_supply_level`` in the snapshot, plus once at that level."""
    for node in _made(struct):
        row = ix.rows.get((node.market, node.good))
        above = supply_rank(row.supply if row else None) - supply_rank(policy.collect_supply_level)
        if collects.get((node.market, node.good), 0) > max(0, above):
            return (
                f"{node.good} at {node.market}: already collected down from "
                f"{row.supply if row else '?'} by this plan; it climbs back over hours"
            )
    return ""


def _trade_keys(node: ChainNode, dest: str) -> tuple[tuple[str, str, str], ...]:
    """Every (market, good, side) a chain trades: what it buys and where it unloads it."""
    keys = {(node.market, node.good, "buy"), (dest, node.good, "sell")}
    for child in node.children:
        keys.update(_trade_keys(child, node.market))
    return tuple(sorted(keys))


def _haul(
    snapshot: Snapshot,
    book: RecipeBook,
    policy: Policy,
    time_value: float | None,
    haulers: int | None,
) -> Haul:
    cargo, speed = typical_hauler(snapshot)
    if time_value is None:
        time_value = hauler_time_value(snapshot, book, policy, haulers=haulers)
    return Haul(cargo, speed, time_value)


def hauler_time_value(
    snapshot: Snapshot, book: RecipeBook, policy: Policy, *, haulers: int | None = None
) -> float:
    """The plan's profit rate, credits per hauler-second: the horizon filled with sellers chosen
    by price alone, its expected profit over its hauler time. Choosing where to buy then values
    a hauler's time at this rate (a far cheap seller costs the plan what the hauler would have
    earned meanwhile)."""
    batches, _ = fill_horizon(snapshot, book, policy, haulers=haulers, time_value=0.0)
    busy = sum(b.hauler_s for b in batches)
    return sum(b.pipeline.expected_profit for b in batches) / busy if busy else 0.0


def _why(batch: int, reason: str) -> str:
    return reason if batch == 1 else f"batch {batch}: {reason}"


# ---------------------------------------------------------------------------------------------
# Cargo aboard that no batch takes: sold where it fetches the most


def plan_trades(pipelines: Iterable[Pipeline]) -> dict[tuple[str, str, str], int]:
    """Every (market, good, side) the pipelines trade, in units: what they buy (not what they
    take from a hold) and what they unload where."""
    out: dict[tuple[str, str, str], int] = {}

    def add(key: tuple[str, str, str], units: int) -> None:
        if units > 0:
            out[key] = out.get(key, 0) + units

    def walk(node: ChainNode, dest: str) -> None:
        if node.method != "ABOARD":
            add((node.market, node.good, "buy"), node.quantity - node.aboard_units)
        add((dest, node.good, "sell"), node.quantity)
        for c in node.children:
            walk(c, node.market)

    for p in pipelines:
        walk(p.chain, p.sell_market)
    return out


def aboard_id(hold: Hold, market: str) -> str:
    """The pipeline id of a sale of cargo aboard: ``ABOARD-SHIP:GOOD@MARKET``."""
    return f"ABOARD-{hold.ship}:{hold.good}@{market}"


def sell_aboard(
    snapshot: Snapshot,
    policy: Policy,
    holds: Sequence[Hold],
    *,
    planned: Sequence[Pipeline] = (),
    time_value: float = 0.0,
) -> tuple[tuple[Batch, ...], tuple[Rejection, ...]]:
    """A pipeline per hold no batch took: its units sold from the ship that holds them, at the
    market that leaves the most after price impact (priced after every trade of ``planned``)
    less the hauler time of getting there valued at ``time_value`` credits per second. Which
    markets: an importer whose activity the policy allows (``sell_activities``), an exchange,
    or an exporter (a factory buys its own good back, for less). A sale that earns less than
    ``min_profit_per_hour`` per hauler-hour, or finds no market, is a rejection saying so:
    the runner then liquidates that cargo as cargo no task owns.
    """
    ix = MarketIndex.of(snapshot, policy)
    ledger = plan_trades(planned)
    speed = {s.symbol: s.engine_speed for s in snapshot.ships}
    batches: list[Batch] = []
    rejected: list[Rejection] = []
    for h in holds:
        options: list[tuple[float, str, _Pricing, int]] = []
        for market, row in sorted(
            [(m, r) for m, r in ix.importers.get(h.good, [])]
            + [(m, r) for m, r in ix.sellers.get(h.good, [])]
        ):
            if row.type == "IMPORT" and row.activity not in policy.sell_activities:
                continue
            if row.sell_price <= 0:
                continue
            pr = _Pricing(ix, policy, ledger, 0, max(1, h.units), speed.get(h.ship, 1))
            got = pr.sell(market, h.good, h.units)
            pr.haul(h.at, market, h.units)
            options.append((got - time_value * pr.ship_s, market, pr, got))
        what = f"{h.units} {h.good} aboard {h.ship}"
        if not options:
            allowed = "/".join(policy.sell_activities)
            why = f"{what}: no {allowed} importer, exchange or exporter of {h.good} in {ix.system}"
            rejected.append(Rejection(h.good, "", why))
            continue
        _, market, pr, got = max(options, key=lambda o: (o[0], o[1]))
        rate = got * 3600 / max(1, pr.ship_s)
        if rate < policy.min_profit_per_hour:
            rejected.append(
                Rejection(
                    h.good,
                    market,
                    f"{what}: selling at {market} earns {rate:,.0f} cr per hauler-hour "
                    f"< min_profit_per_hour {policy.min_profit_per_hour:,}",
                )
            )
            continue
        row = ix.rows[(market, h.good)]
        chain = ChainNode(
            h.good,
            "ABOARD",
            h.at,
            h.units,
            0,
            supply=row.supply,
            reason=f"{what} at compile time: sold at {market} ({row.type}, {row.supply} supply)",
            unload_price=round(got / h.units),
            aboard=(Aboard(h.ship, h.units),),
        )
        pipe = Pipeline(
            id=aboard_id(h, market),
            product=h.good,
            sell_market=market,
            quantity=h.units,
            chain=chain,
            expected_cost=0,
            expected_revenue=got,
            sell_price=row.sell_price,
        )
        batches.append(Batch(pipe, 0.0, float(pr.ship_s), pr.ship_s))
        for key, units in pr.trades.items():
            ledger[key] = ledger.get(key, 0) + units
    return tuple(batches), tuple(rejected)
