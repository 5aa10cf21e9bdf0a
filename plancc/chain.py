"""Finding and resolving work: demand finder, adaptive resolver, trade sizing, sell scoring,
price impact and the pipeline planner. Pure: snapshot + recipes + policy in, data out.

    find_demand(snapshot, book, policy)     -> ranked Candidates (+ Rejections)
    resolve(good, quantity, ...)            -> ChainNode tree (BUY leaves, MANUFACTURE nodes)
    trade_size(...)                         -> units in one purchase (the design's formula)
    sell_score(good, depth, policy, max_p)  -> weighted sell-market score
    plan_pipelines(snapshot, book, policy)  -> Pipelines under margin, ceiling and caps

Money follows the API: we PAY ``purchase_price`` when we buy (ACQUIRE, COLLECT) and RECEIVE
``sell_price`` when we sell (DELIVER into a factory's IMPORT market, SELL at the demand market).
A pipeline's expected cost is all its purchases and its expected revenue all its sales, both
priced under the plan's own impact: every unit bought before a lot raises that lot's price by
``buy_impact_per_lot`` per tradeVolume, every unit sold before a lot lowers it by
``sell_impact_per_lot`` per tradeVolume. Earlier pipelines of the same plan count too.

Recipe balance: recipes carry no ratios (a factory imports a good or not), so a factory gets one
unit of each input per unit of product, and every node of a chain moves the same quantity.

Quantity: a pipeline makes at most one load of the typical hauler (the design's "collect 40
LASER_RIFLES -> sell"); within that, the quantity with the highest expected profit that keeps
the margin, the price ceiling and the spend caps. Every purchase is cut into lots of
``trade_size`` units, so no single purchase exceeds tradeVolume. A product's factory output is
sized at ``policy.collect_supply_level`` (COLLECT waits for it).

Budget: min(spend_cap_total, agent credits), split evenly over the pipeline slots still free
(so the first product cannot starve the rest), each share capped by spend_cap_pipeline.

Ranking: profit per hour of hauler time, i.e. for every load the flight from where it is
bought to where it is unloaded (the game's travel formula, the typical hauler's engine) plus
docking at both ends; production waits and repositioning flights are the scheduler's business.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from plancc.errors import Unresolvable
from plancc.model import (
    ChainNode,
    Pipeline,
    Policy,
    RecipeBook,
    Rejection,
    Snapshot,
    TradeGood,
    supply_rank,
)
from plancc.travel import distance, travel_seconds

DEFAULT_HAULER = (40, 30)  # (cargo capacity, engine speed) when the fleet has no cargo ship


@dataclass(frozen=True)
class Candidate:
    """A product worth making: its chosen sell market and the estimate it was ranked by."""

    good: str
    sell_market: str
    sell_price: int  # snapshot sellPrice at the sell market: what we receive per unit
    activity: str
    supply: str
    score: float  # sell_score of the chosen market
    est_profit_per_hour: float  # expected profit per hour of ship time (typical hauler)


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


def sell_score(good: TradeGood, depth: int, policy: Policy, max_price: int) -> float:
    """The design's weighted sell-market score (0-100) of an importer of ``good``.

    price: sellPrice (what we RECEIVE) as a share of ``max_price`` (the best eligible sellPrice),
    x100; activity and supply: policy's tables (supply inverted: scarce pays best);
    depth: supply-chain depth (manufacturing levels) x25, capped at 100 — deeper chains have
    less competition.
    """
    w = policy.sell_weights
    price = min(100.0, 100.0 * good.sell_price / max_price) if max_price > 0 else 0.0
    activity = policy.activity_scores.get(good.activity or "", 0.0)
    supply = policy.sell_supply_scores.get(good.supply, 0.0)
    depth_score = min(100.0, 25.0 * max(0, depth))
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

    @classmethod
    def of(cls, snapshot: Snapshot) -> MarketIndex:
        ix = cls(system=snapshot.system)
        ix.coords = {w.symbol: (w.x, w.y) for w in snapshot.waypoints}
        for m in sorted(snapshot.markets, key=lambda m: m.symbol):
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


def resolve(
    good: str,
    quantity: int,
    snapshot: Snapshot,
    book: RecipeBook,
    policy: Policy,
    *,
    manufacture: bool = False,
) -> ChainNode:
    """How to obtain ``quantity`` units of ``good``: the design's adaptive rule, recursively.

    1. a market sells it (EXPORT/EXCHANGE) at supply >= policy.buy_supply_level: BUY there
       (the cheapest such market) — a leaf;
    2. a raw material: BUY at the cheapest seller, whatever its supply;
    3. otherwise MANUFACTURE at a factory that exports it and imports all its inputs,
       resolving each input the same way (one unit of each input per unit made).

    ``manufacture=True`` skips rule 1 for ``good`` itself (a pipeline's product is always made:
    the point is to create the HIGH supply we then buy). Unit prices are snapshot prices.
    Raises Unresolvable with the reason and the path from ``good``.
    """
    return _resolve(good, quantity, MarketIndex.of(snapshot), book, policy, (), manufacture)


def _cheapest(rows: Iterable[tuple[str, TradeGood]]) -> tuple[str, TradeGood] | None:
    return min(rows, key=lambda r: (r[1].purchase_price, r[0]), default=None)


def _resolve(
    good: str,
    quantity: int,
    ix: MarketIndex,
    book: RecipeBook,
    policy: Policy,
    path: tuple[str, ...],
    manufacture: bool,
) -> ChainNode:
    here = (*path, good)
    if good in path:
        raise Unresolvable(good, f"cycle {' -> '.join(here)} (no raw material cuts it)", here)
    sellers = ix.sellers.get(good, [])
    if not manufacture:
        level = supply_rank(policy.buy_supply_level)
        best = _cheapest(r for r in sellers if supply_rank(r[1].supply) >= level)
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
            best = _cheapest(sellers)
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
                reason=f"raw material: cheapest seller ({row.supply} supply)",
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
        _resolve(i, quantity * n, ix, book, policy, here, False) for i, n in counts.items()
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
) -> list[tuple[int, int]]:
    """The purchases that buy ``units``: (units, price per unit) for each.

    Each lot is trade_size units (so never more than tradeVolume) and costs the snapshot price
    raised by policy.buy_impact_per_lot for every tradeVolume bought before it (by this plan).
    Stops early when no further lot fits the credits or the supply limit: compare the total.
    """
    lots: list[tuple[int, int]] = []
    before, left, money = bought_before, units, credits
    while left > 0:
        rise = policy.buy_impact_per_lot * before / trade_volume if trade_volume > 0 else 0.0
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
    units: int, *, unit_price: int, trade_volume: int, sold_before: int = 0, policy: Policy
) -> list[tuple[int, int]]:
    """The sales that sell ``units``: (units, price per unit), each at most tradeVolume units,
    at the snapshot price lowered by policy.sell_impact_per_lot per tradeVolume sold before."""
    lots: list[tuple[int, int]] = []
    before, left = sold_before, units
    step = trade_volume if trade_volume > 0 else max(1, units)
    while left > 0:
        fall = policy.sell_impact_per_lot * before / trade_volume if trade_volume > 0 else 0.0
        lot = min(left, step)
        lots.append((lot, max(0, round(unit_price * (1 - fall)))))
        before, left = before + lot, left - lot
    return lots


Ledger = Mapping[tuple[str, str, str], int]  # (market, good, "buy"|"sell") -> units traded


class _Infeasible(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason
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

    def _before(self, key: tuple[str, str, str]) -> int:
        return self.ledger.get(key, 0) + self.trades.get(key, 0)

    def buy(self, market: str, good: str, units: int, supply: str) -> int:
        """Buy ``units`` in lots (see buy_lots); returns the total paid."""
        row = self.ix.rows.get((market, good))
        if row is None or row.purchase_price <= 0:
            raise _Infeasible(f"no price for {good} at {market}")
        key = (market, good, "buy")
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
                raise _Infeasible(f"spend cap reached: {self.budget:,} cr budget for this pipeline")
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
            sold_before=self._before(key),
            policy=self.policy,
        )
        got = sum(n * p for n, p in lots)
        self.trades[key] = self.trades.get(key, 0) + units
        self.revenue += got
        return got

    def haul(self, src: str, dst: str, units: int) -> None:
        """Ship time of moving ``units`` from ``src`` to ``dst`` in hauler loads."""
        loads = -(-units // self.cargo)
        fly = travel_seconds(self.ix.distance(src, dst), self.speed, self.policy.flight_mode)
        self.ship_s += loads * (fly + 2 * self.policy.dock_seconds)

    def price(self, node: ChainNode, q: int) -> ChainNode:
        """``node`` (quantities per product unit) priced for ``q`` product units."""
        units = node.quantity * q
        children = []
        for child in node.children:
            priced = self.price(child, q)
            got = self.sell(node.market, child.good, priced.quantity)
            self.haul(child.market, node.market, priced.quantity)
            children.append(replace(priced, unload_price=round(got / priced.quantity)))
        supply = self.policy.collect_supply_level if node.method == "MANUFACTURE" else node.supply
        paid = self.buy(node.market, node.good, units, supply)
        return replace(
            node, quantity=units, unit_price=round(paid / units), children=tuple(children)
        )


@dataclass(frozen=True)
class _Sized:
    chain: ChainNode
    quantity: int
    cost: int
    revenue: int
    ship_s: int
    trades: Mapping[tuple[str, str, str], int]


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
) -> _Sized:
    """The most profitable quantity (1 .. one hauler load) that keeps margin, ceiling and caps.

    Raises _Infeasible with the reason seen at quantity 1 (the most favourable case).
    """
    cargo, speed = hauler
    best: _Sized | None = None
    first_reason = ""
    for q in range(1, cargo + 1):
        pr = _Pricing(ix, policy, ledger, budget, cargo, speed)
        try:
            chain = pr.price(struct, q)
        except _Infeasible as e:
            first_reason = first_reason or e.reason
            break  # more units only mean more lots, higher prices, more spend
        got = pr.sell(sell_market, struct.good, chain.quantity)
        pr.haul(chain.market, sell_market, chain.quantity)
        chain = replace(chain, unload_price=round(got / chain.quantity))
        margin = _margin(pr.cost, pr.revenue)
        if margin + 1e-12 < policy.min_margin:
            first_reason = first_reason or (
                f"margin {margin:.0%} under impact < {policy.min_margin:.0%} minimum"
            )
            continue
        if best is None or pr.revenue - pr.cost > best.revenue - best.cost:
            best = _Sized(chain, chain.quantity, pr.cost, pr.revenue, pr.ship_s, dict(pr.trades))
    if best is None:
        raise _Infeasible(first_reason or "nothing to trade")
    return best


# ---------------------------------------------------------------------------------------------
# Demand finder and pipeline planner


@dataclass(frozen=True)
class _Found:
    candidate: Candidate
    struct: ChainNode  # resolved chain, quantities per product unit


def _total_budget(snapshot: Snapshot, policy: Policy) -> int:
    return max(0, min(policy.spend_cap_total, snapshot.agent.credits))


def _share(policy: Policy, total: int, spent: int, taken: int) -> int:
    """Spend one more pipeline may commit: the budget left split evenly over the pipeline slots
    left (so the first product cannot starve the others), capped by spend_cap_pipeline."""
    slots = max(1, policy.max_pipelines - taken)
    return max(0, min(policy.spend_cap_pipeline, (total - spent) // slots))


def _allowed(policy: Policy) -> str:
    return "/".join(policy.sell_activities)


def _find(
    ix: MarketIndex, snapshot: Snapshot, book: RecipeBook, policy: Policy, hauler: tuple[int, int]
) -> tuple[list[_Found], list[Rejection]]:
    found: list[_Found] = []
    rejected: list[Rejection] = []
    budget = _share(policy, _total_budget(snapshot, policy), 0, 0)
    for good in sorted(ix.importers):
        if not book.is_manufactured(good):
            continue
        allowed = [r for r in ix.importers[good] if r[1].activity in policy.sell_activities]
        if not allowed:
            rejected.append(Rejection(good, "", f"no {_allowed(policy)} importer of {good}"))
            continue
        max_price = max(r[1].sell_price for r in allowed)
        market, row = max(allowed, key=lambda r: (sell_score(r[1], 0, policy, max_price), r[0]))
        try:
            struct = _resolve(good, 1, ix, book, policy, (), True)
            sized = _size(struct, market, ix, policy, {}, budget, hauler)
        except Unresolvable as e:
            rejected.append(Rejection(good, market, str(e)))
            continue
        except _Infeasible as e:
            rejected.append(Rejection(good, market, e.reason))
            continue
        profit = sized.revenue - sized.cost
        per_hour = profit * 3600 / max(1, sized.ship_s)
        cand = Candidate(
            good,
            market,
            row.sell_price,
            row.activity or "",
            row.supply,
            round(sell_score(row, chain_depth(struct), policy, max_price), 6),
            round(per_hour, 3),
        )
        found.append(_Found(cand, struct))
    found.sort(key=lambda f: (-f.candidate.est_profit_per_hour, f.candidate.good))
    return found, rejected


def find_demand(
    snapshot: Snapshot, book: RecipeBook, policy: Policy
) -> tuple[list[Candidate], list[Rejection]]:
    """Import markets for manufacturable goods, best first by expected profit per hour.

    One candidate per product: its sell market is the best-scored importer whose activity the
    policy allows (sell_score); products rank by the profit of their best feasible quantity
    (under impact, alone in the plan) per hour of hauler time (travel + docking, no waiting).
    Products with no allowed importer, no way to be made, or no profitable quantity come back
    as Rejections with the reason.
    """
    found, rejected = _find(
        MarketIndex.of(snapshot), snapshot, book, policy, typical_hauler(snapshot)
    )
    return [f.candidate for f in found], rejected


def plan_pipelines(
    snapshot: Snapshot,
    book: RecipeBook,
    policy: Policy,
    *,
    candidates: Sequence[Candidate] | None = None,
    exclude: Collection[str] = (),
) -> tuple[tuple[Pipeline, ...], tuple[Rejection, ...]]:
    """Take candidates best first, one pipeline per product, at most policy.max_pipelines.

    Each is re-sized against the trades of the pipelines already taken (their price impact) and
    its share of the spend left: (min(spend_cap_total, agent credits) - spent) / slots left,
    capped by spend_cap_pipeline. Revenue from deliveries is not counted as spendable (it
    arrives later), so the total spend never exceeds the credits the agent has.

    ``candidates``: the ranked list ``find_demand`` returned for this snapshot, so the demand
    finder does not run twice; the rejections returned are then only this step's (the caller
    keeps find_demand's). ``exclude``: products not to plan (the caller has its own reason,
    e.g. no ship can fly a leg); the next-ranked candidates take their slots.

        candidates, rejected = find_demand(snapshot, book, policy)
        pipelines, more = plan_pipelines(snapshot, book, policy, candidates=candidates)
    """
    ix = MarketIndex.of(snapshot)
    hauler = typical_hauler(snapshot)
    if candidates is None:
        found, rejected = _find(ix, snapshot, book, policy, hauler)
    else:
        found, rejected = [], []
        for c in candidates:
            try:
                found.append(_Found(c, _resolve(c.good, 1, ix, book, policy, (), True)))
            except Unresolvable as e:  # a candidate from another snapshot or recipe book
                rejected.append(Rejection(c.good, c.sell_market, str(e)))
    total_budget = _total_budget(snapshot, policy)
    ledger: dict[tuple[str, str, str], int] = {}
    spent = 0
    pipelines: list[Pipeline] = []
    for rank, f in enumerate(found, 1):
        c = f.candidate
        if c.good in exclude:
            continue
        if len(pipelines) >= policy.max_pipelines:
            rejected.append(
                Rejection(
                    c.good,
                    c.sell_market,
                    f"ranked #{rank} by profit per hour; policy allows {policy.max_pipelines} pipelines",
                )
            )
            continue
        budget = _share(policy, total_budget, spent, len(pipelines))
        try:
            sized = _size(f.struct, c.sell_market, ix, policy, ledger, budget, hauler)
        except _Infeasible as e:
            rejected.append(Rejection(c.good, c.sell_market, e.reason))
            continue
        for k, v in sized.trades.items():
            ledger[k] = ledger.get(k, 0) + v
        spent += sized.cost
        pipelines.append(
            Pipeline(
                id=f"{c.good}@{c.sell_market}",
                product=c.good,
                sell_market=c.sell_market,
                quantity=sized.quantity,
                chain=sized.chain,
                expected_cost=sized.cost,
                expected_revenue=sized.revenue,
                sell_price=c.sell_price,
            )
        )
    return tuple(pipelines), tuple(rejected)
