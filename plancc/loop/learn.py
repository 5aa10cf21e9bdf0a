"""Figures learned from what the fleet saw, to replace the policy's defaults when there is enough.

    learned = learn(observations, trades, feeds, collect_level="HIGH", min_count=3)
    learned.production_lag_s["X1-A-F1"]        # Figure(value=1620.0, count=4)
    learned.buy_impact[("X1-A-E2", "HIGH")]    # fraction the purchase price rose per lot bought
    learned.sell_impact[("X1-A-I3", "MODERATE")]
    learned.recovery_s["X1-A-I3"]              # half-recovery after our own trades moved a price

Every figure is a median (robust to the odd stale read) with the number of observations it
came from; a figure seen fewer than ``min_count`` times is left out, so the policy default
stays. Production delays are upper bounds: supply is only seen when someone reads the market.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from statistics import median
from typing import Any, TypeVar

from plancc.chain import buy_impact, sell_impact
from plancc.loop.records import SUPPLY_RANK, Feed, Observation, Trade
from plancc.model import MarketFigures, Policy

K = TypeVar("K")

SAME_VISIT_S = 600.0  # trades of one ship at one market this close are one visit
MIN_MOVE = 0.02  # a price our trades moved less than this teaches nothing about recovery


@dataclass(frozen=True)
class Figure:
    value: float
    count: int  # observations it was learned from


@dataclass(frozen=True)
class Learned:
    production_lag_s: Mapping[str, Figure] = field(default_factory=dict)  # factory market
    buy_impact: Mapping[tuple[str, str], Figure] = field(default_factory=dict)  # market, supply
    sell_impact: Mapping[tuple[str, str], Figure] = field(default_factory=dict)
    recovery_s: Mapping[str, Figure] = field(default_factory=dict)  # market

    def provenance(self) -> dict[str, dict[str, dict[str, float | int]]]:
        """``{kind: {key: {"value", "observations"}}}``, sorted, for a plan's provenance."""

        def table(figures: Mapping[Any, Figure]) -> dict[str, dict[str, float | int]]:
            def name(k: object) -> str:
                return "/".join(k) if isinstance(k, tuple) else str(k)

            return {
                name(k): {"value": round(f.value, 4), "observations": f.count}
                for k, f in sorted(figures.items(), key=lambda kv: name(kv[0]))
            }

        out = {
            "production_lag_s": table(self.production_lag_s),
            "buy_impact_per_lot": table(self.buy_impact),
            "sell_impact_per_lot": table(self.sell_impact),
            "recovery_s": table(self.recovery_s),
        }
        return {k: v for k, v in out.items() if v}

    @property
    def empty(self) -> bool:
        return not (self.production_lag_s or self.buy_impact or self.sell_impact or self.recovery_s)


def learn(
    observations: Iterable[Observation],
    trades: Iterable[Trade],
    feeds: Iterable[Feed],
    *,
    collect_level: str = "HIGH",
    min_count: int = 3,
) -> Learned:
    series = _series(observations)
    trades = sorted(trades, key=lambda t: (t.at, t.market, t.good, t.kind, t.ship))
    return Learned(
        production_lag_s=_enough(production_delays(feeds, series, collect_level), min_count),
        buy_impact=_enough(price_impacts(trades, series, "PURCHASE"), min_count),
        sell_impact=_enough(price_impacts(trades, series, "SELL"), min_count),
        recovery_s=_enough(recovery_times(trades, series), min_count),
    )


Series = Mapping[tuple[str, str], Sequence[Observation]]  # (market, good) -> by time


def _series(observations: Iterable[Observation]) -> Series:
    out: dict[tuple[str, str], list[Observation]] = defaultdict(list)
    for o in observations:
        out[(o.market, o.good)].append(o)
    return {k: sorted(v, key=lambda o: o.at) for k, v in out.items()}


def _enough(samples: Mapping[K, list[float]], min_count: int) -> dict[K, Figure]:
    return {
        k: Figure(float(median(v)), len(v))
        for k, v in sorted(samples.items(), key=lambda kv: str(kv[0]))
        if len(v) >= max(1, min_count)
    }


def _before(seq: Sequence[Observation], at: float) -> Observation | None:
    """The latest observation at or before ``at``."""
    i = bisect.bisect_right([o.at for o in seq], at)
    return seq[i - 1] if i else None


def production_delays(
    feeds: Iterable[Feed], series: Series, collect_level: str = "HIGH"
) -> dict[str, list[float]]:
    """Factory market -> seconds from its last input delivered to its export first seen at
    ``collect_level`` or above. Only a climb that was seen counts: the export's last read at or
    before the feed was below the level (an export already there says nothing about the
    factory's delay), and it was read at the level afterwards."""
    need = SUPPLY_RANK.get(collect_level, 3)
    out: dict[str, list[float]] = defaultdict(list)
    for f in feeds:
        seq = series.get((f.market, f.good), ())
        before = _before(seq, f.fed_at)
        if before is None or SUPPLY_RANK.get(before.supply, -1) >= need:
            continue
        for o in seq:
            if o.at >= f.fed_at and SUPPLY_RANK.get(o.supply, -1) >= need:
                out[f.market].append(o.at - f.fed_at)
                break
    return dict(out)


def price_impacts(
    trades: Sequence[Trade], series: Series, kind: str
) -> dict[tuple[str, str], list[float]]:
    """(market, supply level) -> how much the price moved against us per tradeVolume lot:
    two back-to-back ``kind`` trades of ours in one good at one market (any of our ships, no
    more than SAME_VISIT_S apart), the second's price against the first's, divided by the lots
    the first one moved. Supply and tradeVolume are the market's as last read before the first
    trade (a trade with no earlier read teaches nothing)."""
    out: dict[tuple[str, str], list[float]] = defaultdict(list)
    last: dict[tuple[str, str], Trade] = {}
    for t in trades:
        if t.kind != kind:
            continue
        key = (t.market, t.good)
        prev = last.get(key)
        last[key] = t
        if prev is None or t.at - prev.at > SAME_VISIT_S or prev.price <= 0:
            continue
        seen = _before(series.get((t.market, t.good), ()), prev.at)
        if seen is None or seen.trade_volume <= 0 or prev.units <= 0:
            continue
        moved = (t.price - prev.price) / prev.price
        if kind == "SELL":
            moved = -moved
        lots = prev.units / seen.trade_volume
        out[(t.market, seen.supply)].append(max(0.0, moved / lots))
    return dict(out)


def recovery_times(trades: Sequence[Trade], series: Series) -> dict[str, list[float]]:
    """Market -> seconds for a price our own trades moved to come back halfway.

    A run is our trades of one kind in one good at one market with no gap over SAME_VISIT_S.
    The price before it is the last read before it; the price after it, the run's last trade.
    Recovery is the first later read at least halfway back; a run never seen to recover (or
    followed by more of our trades first) teaches nothing."""
    out: dict[str, list[float]] = defaultdict(list)
    runs: dict[tuple[str, str, str], list[Trade]] = defaultdict(list)
    for t in trades:
        runs[(t.market, t.good, t.kind)].append(t)
    for (market, good, kind), ts in sorted(runs.items()):
        seq = series.get((market, good), ())
        for run in _split(ts):
            before = _before(seq, run[0].at - 1e-6)
            if before is None:
                continue
            start = before.purchase if kind == "PURCHASE" else before.sell
            end = run[-1].price
            if start <= 0 or abs(end - start) / start < MIN_MOVE:
                continue
            halfway = end + (start - end) / 2
            next_run = next((t.at for t in ts if t.at > run[-1].at + SAME_VISIT_S), float("inf"))
            for o in seq:
                if o.at <= run[-1].at or o.at >= next_run:
                    continue
                price = o.purchase if kind == "PURCHASE" else o.sell
                if (price - halfway) * (start - end) >= 0:  # on the start side of halfway
                    out[market].append(o.at - run[-1].at)
                    break
    return dict(out)


def _split(trades: Sequence[Trade]) -> list[list[Trade]]:
    runs: list[list[Trade]] = []
    for t in trades:
        if runs and t.at - runs[-1][-1].at <= SAME_VISIT_S:
            runs[-1].append(t)
        else:
            runs.append([t])
    return runs


def _pooled(figures: Mapping[Any, Figure]) -> Figure | None:
    """One figure for all keys: the observation-weighted mean of their medians."""
    n = sum(f.count for f in figures.values())
    if not n:
        return None
    return Figure(sum(f.value * f.count for f in figures.values()) / n, n)


def policy_figures(learned: Learned) -> dict[str, Figure]:
    """The system-wide knobs ``learned`` replaces, pooled over markets: ``production_lag_s``,
    ``buy_impact_per_lot``, ``sell_impact_per_lot``. They stand for the markets with too few
    observations of their own; ``market_figures`` gives the others theirs."""
    out: dict[str, Figure] = {}
    for name, figures in (
        ("production_lag_s", learned.production_lag_s),
        ("buy_impact_per_lot", learned.buy_impact),
        ("sell_impact_per_lot", learned.sell_impact),
    ):
        pooled = _pooled(figures)
        if pooled is not None:
            out[name] = pooled
    return out


PRIOR_WEIGHT = 5  # a market's own figure counts as this many observations of the system's


def market_figures(learned: Learned, policy: Policy) -> dict[str, MarketFigures]:
    """Each market's own learned figures (its factory's production lag, its recovery
    half-life, its impact per lot at each supply level seen) as ``policy.market_figures``.

    Each is shrunk towards the system-wide figure (``policy``'s, pooled figures already in)
    by ``PRIOR_WEIGHT`` observations: a median of three is mostly noise, and taken raw (min_count
    3) it cost the headline's seeds 2 and 3 17% and 10% of their credits. What a player pinned
    in ``policy.market_figures`` wins over what was learned."""

    def shrunk(f: Figure, prior: float) -> float:
        return (f.value * f.count + prior * PRIOR_WEIGHT) / (f.count + PRIOR_WEIGHT)

    lag = {
        m: round(shrunk(f, policy.production_lag_s)) for m, f in learned.production_lag_s.items()
    }
    half = {
        m: max(1, round(shrunk(f, policy.recovery_half_life_s)))
        for m, f in learned.recovery_s.items()
    }
    buy: dict[str, dict[str, float]] = defaultdict(dict)
    for (m, supply), f in learned.buy_impact.items():
        buy[m][supply] = round(shrunk(f, buy_impact(policy, supply)), 4)
    sell: dict[str, dict[str, float]] = defaultdict(dict)
    for (m, supply), f in learned.sell_impact.items():
        sell[m][supply] = round(shrunk(f, sell_impact(policy, supply)), 4)
    own = policy.market_figures
    out: dict[str, MarketFigures] = {}
    for m in sorted(set(lag) | set(half) | set(buy) | set(sell) | set(own)):
        mine = own.get(m, MarketFigures())
        out[m] = MarketFigures(
            production_lag_s=mine.production_lag_s
            if mine.production_lag_s is not None
            else lag.get(m),
            recovery_half_life_s=mine.recovery_half_life_s
            if mine.recovery_half_life_s is not None
            else half.get(m),
            buy_impact={**buy.get(m, {}), **mine.buy_impact},
            sell_impact={**sell.get(m, {}), **mine.sell_impact},
        )
    return out


def market_provenance(learned: Learned, policy: Policy) -> dict[str, dict[str, float | int]]:
    """The per-market figures ``market_figures(learned, policy)`` sets, for a plan's provenance:
    ``production_lag_s@MARKET``, ``recovery_half_life_s@MARKET``,
    ``buy_impact_per_lot@MARKET/SUPPLY`` (and sell), each with the value the compiler used and
    how many observations of that market it came from (a figure pinned in the policy is not
    learned and is not listed)."""
    used = market_figures(learned, policy)
    pinned = policy.market_figures
    out: dict[str, dict[str, float | int]] = {}

    def note(name: str, value: float | None, count: int) -> None:
        if value is not None:
            out[name] = {"value": round(value, 4), "observations": count}

    for m, f in learned.production_lag_s.items():
        if m not in pinned or pinned[m].production_lag_s is None:
            note(f"production_lag_s@{m}", used[m].production_lag_s, f.count)
    for m, f in learned.recovery_s.items():
        if m not in pinned or pinned[m].recovery_half_life_s is None:
            note(f"recovery_half_life_s@{m}", used[m].recovery_half_life_s, f.count)
    for name, figures, side in (
        ("buy_impact_per_lot", learned.buy_impact, "buy"),
        ("sell_impact_per_lot", learned.sell_impact, "sell"),
    ):
        for (m, supply), f in figures.items():
            mine = pinned.get(m, MarketFigures())
            if supply in (mine.buy_impact if side == "buy" else mine.sell_impact):
                continue
            table = used[m].buy_impact if side == "buy" else used[m].sell_impact
            note(f"{name}@{m}/{supply}", table.get(supply), f.count)
    return dict(sorted(out.items()))
