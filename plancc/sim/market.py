"""Market dynamics of the digital twin: hidden state per trade good, visible values derived from it.

Pure and deterministic: the same goods, recipes, seed and sequence of ``advance``/``buy``/``sell``
calls give the same prices, whatever the wall clock. Times are float seconds on the twin's
virtual clock; nothing here reads a clock, a file or the network. ``docs/twin.md`` gives every
constant's source (``../shared/LIVE-FACTS.md`` unless it says otherwise).

The model
---------
Each good at a market holds:

* ``fill`` -- its position on the supply scale: 0 is the middle of SCARCE, 1 LIMITED,
  2 MODERATE, 3 HIGH, 4 ABUNDANT; the visible ``supply`` is the level whose band
  ``[k - 0.5, k + 0.5)`` holds it (SCARCE and ABUNDANT are open-ended). ``fill_eq`` is where the
  NPC economy keeps it (the initial level).
* How far one trade-volume lot moves ``fill`` depends on the level and the good's type: each
  level is ``LEVEL_WIDTH_LOTS[kind][level]`` lots wide. The log price falls linearly across a
  level by ``LOT_IMPACT[kind][level]`` per lot, so one lot bought at an export or sold into an
  import moves the price by the live per-lot figure of that level, and the price in the middle
  of each level sits at the live ``LEVEL_PRICE[kind][level]`` relative to MODERATE. The widths
  are solved from those two live tables (``_solve_widths``), with MODERATE's width chosen.
* ``anchor`` and ``half_spread`` -- mid price at equilibrium and the spread around it:
  ``purchasePrice = mid * (1 + h)``, ``sellPrice = mid * (1 - h)``.
* ``noise`` n -- a seeded Ornstein-Uhlenbeck drift in log price.

  mid = anchor * exp(P(fill) - P(fill_eq) + n)

A trade fills at the price listed before it, then moves ``fill`` by its lots.

The NPC economy moves on a ``STEP`` (15 min) cadence on an absolute grid (live supply and
activity appear to update every ~15 minutes), so ``advance`` is idempotent and the state at time
t does not depend on how often it was observed; the agent's own trades act at once. Each step:

1. Factories. An EXPORT whose recipe inputs are IMPORTs of the same market turns delivered
   input stock (above equilibrium) into export stock, one unit of each input per unit, at most
   ``CONVERSION_LOTS_PER_HOUR`` export lots per hour (``RESTRICTED_CONVERSION`` of that while an
   input is still SCARCE, ``CLIMB_SLOWDOWN`` per level above equilibrium): about one supply
   level per ~25 min, a multi-level climb in hours. Production grows the export's
   tradeVolume (``TV_GROWTH_PER_LOT``), which eases back over ``TV_DECAY_HALF_LIFE``.
2. Recovery toward equilibrium, in log price: an import's surplus is consumed and a bought-down
   export is restocked with half-life ``RECOVERY_HALF_LIFE`` plus a slow constant pull
   (``RECOVERY_TAIL_RATE``). An export's restock is scaled by its inputs' supply (none while an
   input is SCARCE, full from MODERATE up); an export's surplus from feeding settles away only
   over ``EXPORT_SURPLUS_HALF_LIFE``, so a fed factory holds its higher level for hours.
3. Import activity. Lots sold into an import build up ``demand`` (decaying with
   ``IMPORT_DEMAND_HALF_LIFE``); ``heat`` follows it with lag ``IMPORT_ACTIVITY_LAG``; the import
   shows GROWING from ``GROWING_HEAT`` lots and STRONG from ``STRONG_HEAT``, and its tradeVolume
   grows with the heat (``IMPORT_TV_GROWTH_PER_LOT`` of base per lot, at most ``IMPORT_TV_CAP`` x),
   easing back like every tradeVolume.
4. Drift: n follows an OU process whose hourly size is
   ``hypot(DRIFT_BY_ACTIVITY[activity] * DRIFT_BY_SUPPLY[supply], DRIFT_EXPORT_BY_SUPPLY[supply])``,
   the second term for EXPORT goods only; the noise comes from a hash of (seed, market, step).

Activity of a factory export: GROWING while fed (within ``GROWING_WINDOW``), else RESTRICTED
while an input is SCARCE (true of every factory in the real X1-AD75 snapshot), else STRONG once
its tradeVolume has grown, else its initial activity (WEAK if that was RESTRICTED). Raw exports
keep their initial activity; EXCHANGE goods have none.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# ---------------------------------------------------------------------------------------------
# Constants of the model (see the module docstring and docs/twin.md)

STEP = 900.0  # seconds per NPC economy step: live supply/activity update every ~15 min (ctri)
SUPPLY_LEVELS: tuple[str, ...] = ("SCARCE", "LIMITED", "MODERATE", "HIGH", "ABUNDANT")
ACTIVITY_LEVELS: tuple[str, ...] = ("WEAK", "GROWING", "STRONG", "RESTRICTED")
SUPPLY_FILL: dict[str, float] = {level: float(k) for k, level in enumerate(SUPPLY_LEVELS)}
FILL_MIN, FILL_MAX = -40.0, 40.0  # numeric guard only: prices are clamped by the anchor factors


def _ln(ratio: float) -> float:
    return math.log(ratio)


# Price in the middle of each level relative to MODERATE (log). Live (acd-model): exports
# +33-49% at LIMITED, +55-84% at SCARCE; imports -24-27% at HIGH, -40-62% at ABUNDANT. The other
# side of each (exports above MODERATE, imports below) from the real X1-AD75 listings: exports
# ABUNDANT ~15% under HIGH; imports SCARCE ~+9-19%, LIMITED ~+0-7% over MODERATE.
LEVEL_PRICE: dict[str, tuple[float, ...]] = {
    "EXPORT": (_ln(1.80), _ln(1.36), 0.0, _ln(0.85), _ln(0.75)),
    "IMPORT": (_ln(1.15), _ln(1.08), 0.0, _ln(0.75), _ln(0.50)),
    "EXCHANGE": (0.10, 0.05, 0.0, -0.05, -0.10),
}
# Log price move per trade-volume lot within each level. Live (acd-model): buying one lot at an
# export +4-5% at HIGH, +6-7% MODERATE, +6-10% LIMITED, ~13% SCARCE; selling one lot into an
# import -1.1% at SCARCE, -2.2% LIMITED, -3.9% MODERATE, -11-13% HIGH, ~-24% ABUNDANT.
# An ABUNDANT export (not measured) continues the falling trend.
LOT_IMPACT: dict[str, tuple[float, ...]] = {
    "EXPORT": (_ln(1.13), _ln(1.08), _ln(1.065), _ln(1.045), _ln(1.03)),
    "IMPORT": (-_ln(0.989), -_ln(0.978), -_ln(0.961), -_ln(0.88), -_ln(0.76)),
    "EXCHANGE": (0.01, 0.01, 0.01, 0.01, 0.01),
}
MODERATE_WIDTH_LOTS: dict[str, float] = {"EXPORT": 3.0, "IMPORT": 2.0, "EXCHANGE": 5.0}
HALF_SPREAD: dict[str, float] = {"EXPORT": 0.347, "IMPORT": 0.347, "EXCHANGE": 0.02}
EXCHANGE_MIN_SPREAD = 4  # credits between purchase and sell price of a cheap EXCHANGE good
PRICE_FLOOR_FACTOR, PRICE_CEIL_FACTOR = 0.001, 50.0  # of the anchor
RECOVERY_HALF_LIFE = 90 * 60.0  # half-recovery of a dumped import ~1.5 h (acd FB5)
# plus a slow constant pull (log-price units per second) that ends the exponential tail
RECOVERY_TAIL_RATE = 0.0013 / 3600.0
EXPORT_SURPLUS_HALF_LIFE = 10 * 3600.0  # a fed export held HIGH/MODERATE for 13 h (acd FB5)
CONVERSION_LOTS_PER_HOUR = (
    4.0  # export lots: MODERATE -> HIGH shows after 2 steps (~25-29 min live)
)
CLIMB_SLOWDOWN = 0.35  # per level above equilibrium: multi-level climbs took 4-6 h (acd FB5)
RESTRICTED_CONVERSION = 25.0 / 37.0  # RESTRICTED adds ~12 min to a ~25 min level (acd FB5)
TV_GROWTH_PER_LOT = 0.1  # of base per produced lot: a fed export's tv 20 -> 39 (acd FB5)
TV_GROWTH_CAP = 3.0
TV_DECAY_HALF_LIFE = 24 * 3600.0
GROWING_WINDOW = 30 * 60.0
IMPORT_DEMAND_HALF_LIFE = 6 * 3600.0
IMPORT_ACTIVITY_LAG = 2 * 3600.0  # WEAK -> GROWING -> STRONG within 1-4 h of a dump (acd)
GROWING_HEAT, STRONG_HEAT = 3.0, 6.0  # lots of recent sales
IMPORT_TV_GROWTH_PER_LOT = 0.05  # of base per lot of heat
IMPORT_TV_CAP = 2.65  # live import tradeVolume grew up to 2.65x (acd)
DRIFT_REVERSION = 4 * 3600.0  # OU time constant of the drift
# hourly standard deviation of log price drift, by activity (None = EXCHANGE) and supply factor
DRIFT_BY_ACTIVITY: dict[str | None, float] = {
    "WEAK": 0.04,
    "RESTRICTED": 0.09,
    "STRONG": 0.13,
    "GROWING": 0.20,
    None: 0.02,
}
DRIFT_BY_SUPPLY: dict[str, float] = {
    "SCARCE": 1.4,
    "LIMITED": 1.25,
    "MODERATE": 1.0,
    "HIGH": 0.5,
    "ABUNDANT": 1.6,
}
# hourly standard deviation of the extra log price drift of EXPORT goods (the buy side), by
# supply level, added in quadrature to the term above. Calibrated on a WEAK export over 3 game-hours
# (mean absolute change of the mid, 100 seeds) to the live buy-side table of 109 trades
# (2025-11-25): HIGH 2.9%, MODERATE 32.3%, LIMITED 41.6%, ABUNDANT 69.7%, SCARCE "very high".
DRIFT_EXPORT_BY_SUPPLY: dict[str, float] = {
    "SCARCE": 0.70,
    "LIMITED": 0.36,
    "MODERATE": 0.28,
    "HIGH": 0.015,
    "ABUNDANT": 0.55,
}


def _solve_widths(kind: str) -> tuple[float, ...]:
    """Width in lots of each level, so both live tables hold at once.

    Between the middles of levels k and k+1 the log price falls by half of each level's
    ``width * impact``; MODERATE's width is chosen, the others follow outward. The two end levels
    are open; their "width" only places their middle (where a fresh good of that level sits).
    """
    price, impact = LEVEL_PRICE[kind], LOT_IMPACT[kind]
    widths = [0.0] * 5
    widths[2] = MODERATE_WIDTH_LOTS[kind]
    for k in (1, 0):  # down from MODERATE
        gap = price[k] - price[k + 1] - impact[k + 1] * widths[k + 1] / 2
        widths[k] = 2 * gap / impact[k]
    for k in (3, 4):  # up from MODERATE
        gap = price[k - 1] - price[k] - impact[k - 1] * widths[k - 1] / 2
        widths[k] = 2 * gap / impact[k]
    if min(widths) <= 0:
        raise ValueError(f"{kind}: live price tables give a level no width: {widths}")
    return tuple(widths)


LEVEL_WIDTH_LOTS: dict[str, tuple[float, ...]] = {k: _solve_widths(k) for k in LEVEL_PRICE}
# log price at the lower bound of each level band (k - 0.5), from the middle of MODERATE
_BOUND_LOG: dict[str, tuple[float, ...]] = {}
for _kind, _w in LEVEL_WIDTH_LOTS.items():
    _s = LOT_IMPACT[_kind]
    _b2 = _s[2] * _w[2] / 2
    _b1 = _b2 + _s[1] * _w[1]
    _b3 = -_s[2] * _w[2] / 2
    _b4 = _b3 - _s[3] * _w[3]
    _BOUND_LOG[_kind] = (math.inf, _b1, _b2, _b3, _b4)

_LN2 = math.log(2.0)
_TV_KEEP = math.exp(-_LN2 * STEP / TV_DECAY_HALF_LIFE)
_KEEP = math.exp(-_LN2 * STEP / RECOVERY_HALF_LIFE)
_SURPLUS_KEEP = math.exp(-_LN2 * STEP / EXPORT_SURPLUS_HALF_LIFE)
_DEMAND_KEEP = math.exp(-_LN2 * STEP / IMPORT_DEMAND_HALF_LIFE)
_HEAT_FOLLOW = 1.0 - math.exp(-STEP / IMPORT_ACTIVITY_LAG)
_TAIL = RECOVERY_TAIL_RATE * STEP
_REVERT = math.exp(-STEP / DRIFT_REVERSION)
_PER_STEP = math.sqrt(STEP / 3600.0)
_MASK = (1 << 64) - 1


def _level_index(fill: float) -> int:
    return min(4, max(0, math.floor(fill + 0.5)))


def supply_level(fill: float) -> str:
    """Visible supply level for a position on the supply scale."""
    return SUPPLY_LEVELS[_level_index(fill)]


def price_log(fill: float, kind: str) -> float:
    """P(fill): log-price offset from the middle of MODERATE (falls as stock rises)."""
    k = _level_index(fill)
    slope = LOT_IMPACT[kind][k] * LEVEL_WIDTH_LOTS[kind][k]  # per unit of fill
    if k == 0:
        return _BOUND_LOG[kind][1] + slope * (0.5 - fill)
    return _BOUND_LOG[kind][k] - slope * (fill - (k - 0.5))


def fill_for_price_log(value: float, kind: str) -> float:
    """Inverse of ``price_log``."""
    bounds = _BOUND_LOG[kind]
    k = 4
    while k > 0 and value > bounds[k]:
        k -= 1
    slope = LOT_IMPACT[kind][k] * LEVEL_WIDTH_LOTS[kind][k]
    if k == 0:
        return 0.5 - (value - bounds[1]) / slope
    return (k - 0.5) + (bounds[k] - value) / slope


def move_fill(fill: float, lots: float, kind: str) -> float:
    """``fill`` after ``lots`` trade-volume lots are added (negative: taken away)."""
    widths = LEVEL_WIDTH_LOTS[kind]
    while lots != 0.0:
        k = _level_index(fill)
        if lots > 0:
            room = math.inf if k == 4 else (k + 0.5 - fill) * widths[k]
            if lots <= room:
                return min(FILL_MAX, fill + lots / widths[k])
            lots -= room
            fill = k + 0.5
        else:
            room = math.inf if k == 0 else (fill - (k - 0.5)) * widths[k]
            if -lots <= room:
                return max(FILL_MIN, fill + lots / widths[k])
            lots += room
            fill = k - 0.5 - 1e-12
    return fill


def lots_between(low: float, high: float, kind: str) -> float:
    """Trade-volume lots between two positions (``low`` <= ``high``)."""
    widths = LEVEL_WIDTH_LOTS[kind]
    total, fill = 0.0, low
    while fill < high:
        k = _level_index(fill)
        top = high if k == 4 else min(high, k + 0.5)
        total += (top - fill) * widths[k]
        fill = top
    return total


def _mix(x: int) -> int:
    """splitmix64 finaliser: a fast, well-spread 64-bit hash of an integer."""
    x = (x + 0x9E3779B97F4A7C15) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


def _normals(key: int, n: int) -> list[float]:
    """``n`` standard normal numbers for tick ``key``: Box-Muller on hashed 32-bit uniforms."""
    out: list[float] = []
    for j in range((n + 1) // 2):
        h = _mix(key * 0x100000001B3 + j)
        r = math.sqrt(-2.0 * math.log(((h >> 32) + 1) / 4294967296.0))
        a = 2.0 * math.pi * (h & 0xFFFFFFFF) / 4294967296.0
        out.append(r * math.cos(a))
        out.append(r * math.sin(a))
    return out


def _drift_size(kind: str, activity: str | None, supply: str) -> float:
    """Hourly standard deviation of the log price drift of one good (see the module docstring)."""
    size = DRIFT_BY_ACTIVITY.get(activity, DRIFT_BY_ACTIVITY[None]) * DRIFT_BY_SUPPLY[supply]
    if kind == "EXPORT":
        size = math.hypot(size, DRIFT_EXPORT_BY_SUPPLY[supply])
    return size


@dataclass(frozen=True)
class GoodSpec:
    """Initial condition of one good at one market.

    ``base_price`` is the mid price the purchase and sell prices sit around. When the exact
    listed prices are known (seeding from real data), pass ``purchase_price`` and ``sell_price``
    too: the twin then lists exactly those at the start.
    """

    symbol: str
    type: str  # "EXPORT" | "IMPORT" | "EXCHANGE"
    base_price: int
    trade_volume: int
    supply: str
    activity: str | None
    purchase_price: int | None = None
    sell_price: int | None = None


@dataclass
class _Good:
    """Hidden, mutable state of one good (internal)."""

    symbol: str
    kind: str
    anchor: float
    half_spread: float
    tv_base: float
    tv: float
    fill: float
    fill_eq: float
    noise: float
    base_activity: str | None
    inputs: tuple[str, ...] = ()  # recipe inputs imported at this market (exports only)
    last_fed: float = -1e18
    demand: float = 0.0  # lots sold into an import lately (decays)
    heat: float = 0.0  # demand, lagged: drives an import's activity

    def add_lots(self, lots: float) -> None:
        self.fill = move_fill(self.fill, lots, self.kind)


def _half_spread(spec: GoodSpec, mid: float) -> float:
    if spec.purchase_price is not None and spec.sell_price is not None:
        total = spec.purchase_price + spec.sell_price
        return (spec.purchase_price - spec.sell_price) / total if total > 0 else 0.0
    h = HALF_SPREAD.get(spec.type, HALF_SPREAD["EXPORT"])
    if spec.type == "EXCHANGE" and mid > 0:
        h = max(h, EXCHANGE_MIN_SPREAD / 2.0 / mid)
    return h


def _mid(spec: GoodSpec) -> float:
    if spec.purchase_price is not None and spec.sell_price is not None:
        return (spec.purchase_price + spec.sell_price) / 2.0
    return float(spec.base_price)


def _symbol_key(symbol: str) -> int:
    return zlib.crc32(symbol.encode())


class MarketSim:
    """Mutable simulation of one marketplace.

    >>> m = MarketSim("X1-A1", [GoodSpec("IRON", "EXPORT", 100, 60, "HIGH", "WEAK")], {}, 1, 0.0)
    >>> m.buy("IRON", 60, 10.0)   # pays the listed price, then the price rises ~5%
    135
    """

    def __init__(
        self,
        symbol: str,
        goods: Sequence[GoodSpec],
        recipes: Mapping[str, Sequence[str]],
        seed: int,
        now: float,
        *,
        drift: float = 1.0,
    ) -> None:
        self.symbol = symbol
        self.seed = int(seed)
        self.drift = float(drift)
        self._tick = math.floor(now / STEP)
        self._goods: dict[str, _Good] = {}
        for spec in goods:
            if spec.symbol in self._goods:
                raise ValueError(f"{symbol}: good {spec.symbol} listed twice")
            if spec.type not in LEVEL_PRICE:
                raise ValueError(f"{symbol}: {spec.symbol}: unknown type {spec.type!r}")
            if spec.supply not in SUPPLY_FILL:
                raise ValueError(f"{symbol}: {spec.symbol}: unknown supply {spec.supply!r}")
            if spec.activity is not None and spec.activity not in ACTIVITY_LEVELS:
                raise ValueError(f"{symbol}: {spec.symbol}: unknown activity {spec.activity!r}")
            mid = _mid(spec)
            tv = float(max(1, spec.trade_volume))
            fill = SUPPLY_FILL[spec.supply]
            self._goods[spec.symbol] = _Good(
                symbol=spec.symbol,
                kind=spec.type,
                anchor=mid,
                half_spread=_half_spread(spec, mid),
                tv_base=tv,
                tv=tv,
                fill=fill,
                fill_eq=fill,
                noise=0.0,
                base_activity=None if spec.type == "EXCHANGE" else spec.activity,
            )
        imports = {s for s, g in self._goods.items() if g.kind == "IMPORT"}
        for g in self._goods.values():
            if g.kind == "EXPORT":
                wanted = recipes.get(g.symbol, ())
                g.inputs = tuple(dict.fromkeys(i for i in wanted if i in imports))
        self._refresh_lists()

    def _refresh_lists(self) -> None:
        goods = list(self._goods.values())
        self.exports: tuple[str, ...] = tuple(g.symbol for g in goods if g.kind == "EXPORT")
        self.imports: tuple[str, ...] = tuple(g.symbol for g in goods if g.kind == "IMPORT")
        self.exchange: tuple[str, ...] = tuple(g.symbol for g in goods if g.kind == "EXCHANGE")

    # -- visible values ------------------------------------------------------------------------

    def _mid_price(self, g: _Good) -> float:
        offset = price_log(g.fill, g.kind) - price_log(g.fill_eq, g.kind) + g.noise
        mid = g.anchor * math.exp(offset)
        return min(max(mid, g.anchor * PRICE_FLOOR_FACTOR), g.anchor * PRICE_CEIL_FACTOR)

    def _prices(self, g: _Good) -> tuple[int, int]:
        mid = self._mid_price(g)
        purchase = max(1, round(mid * (1.0 + g.half_spread)))
        sell = max(0, min(purchase, round(mid * (1.0 - g.half_spread))))
        return purchase, sell

    def _supply(self, g: _Good) -> str:
        return supply_level(g.fill)

    def _activity(self, g: _Good, now: float) -> str | None:
        if g.kind == "EXCHANGE":
            return None
        if g.kind == "EXPORT" and g.inputs:
            if now - g.last_fed <= GROWING_WINDOW:
                return "GROWING"
            if any(supply_level(self._goods[i].fill) == "SCARCE" for i in g.inputs):
                return "RESTRICTED"
            if g.tv >= g.tv_base * 1.1:
                return "STRONG"
            if g.base_activity == "RESTRICTED":
                return "WEAK"
        if g.kind == "IMPORT":
            if g.heat >= STRONG_HEAT:
                return "STRONG"
            if g.heat >= GROWING_HEAT and g.base_activity != "STRONG":
                return "GROWING"
        return g.base_activity

    def _good(self, good: str) -> _Good:
        try:
            return self._goods[good]
        except KeyError:
            raise KeyError(f"{self.symbol} does not trade {good}") from None

    def trade_goods(self, now: float) -> list[dict[str, Any]]:
        """API ``MarketTradeGood`` dicts, in the market's listing order."""
        self.advance(now)
        out: list[dict[str, Any]] = []
        for g in self._goods.values():
            purchase, sell = self._prices(g)
            row: dict[str, Any] = {
                "symbol": g.symbol,
                "type": g.kind,
                "tradeVolume": max(1, round(g.tv)),
                "supply": self._supply(g),
            }
            activity = self._activity(g, now)
            if activity is not None:
                row["activity"] = activity
            row["purchasePrice"] = purchase
            row["sellPrice"] = sell
            out.append(row)
        return out

    def trade_volume(self, good: str, now: float) -> int:
        self.advance(now)
        return max(1, round(self._good(good).tv))

    def trades(self, good: str) -> bool:
        return good in self._goods

    def supply(self, good: str, now: float) -> str:
        """Visible supply level of one good (cheaper than a whole ``trade_goods`` listing)."""
        self.advance(now)
        return supply_level(self._good(good).fill)

    # -- trades --------------------------------------------------------------------------------

    def buy(self, good: str, units: int, now: float) -> int:
        """The agent buys ``units``: returns the price per unit charged (listed before the trade)."""
        if units < 0:
            raise ValueError(f"cannot buy {units} units")
        self.advance(now)
        g = self._good(good)
        price, _ = self._prices(g)
        g.add_lots(-units / g.tv)
        return price

    def sell(self, good: str, units: int, now: float) -> int:
        """The agent sells ``units``: returns the price per unit paid (listed before the trade)."""
        if units < 0:
            raise ValueError(f"cannot sell {units} units")
        self.advance(now)
        g = self._good(good)
        _, price = self._prices(g)
        g.add_lots(units / g.tv)
        if g.kind == "IMPORT":
            g.demand += units / g.tv_base
        return price

    # -- time ----------------------------------------------------------------------------------

    def advance(self, now: float) -> None:
        """Bring the state forward to ``now`` in whole ticks; earlier times are a no-op."""
        target = math.floor(now / STEP)
        while self._tick < target:
            self._tick += 1
            self._step(self._tick * STEP)

    def _step(self, t: float) -> None:
        goods = self._goods
        # 1. factories convert delivered inputs into their export, at a bounded rate
        for g in goods.values():
            if g.inputs:
                self._produce(g, t)
            if g.tv != g.tv_base:
                g.tv = g.tv_base + (g.tv - g.tv_base) * _TV_KEEP
                if abs(g.tv - g.tv_base) < 1e-3:
                    g.tv = g.tv_base
        # 2. recovery toward equilibrium (NPC consumption and production)
        for g in goods.values():
            if g.fill != g.fill_eq:
                self._recover(g)
        # 3. import activity follows recent sales
        for g in goods.values():
            if g.kind == "IMPORT" and (g.demand > 1e-6 or g.heat > 1e-6):
                g.heat += (g.demand - g.heat) * _HEAT_FOLLOW
                g.demand *= _DEMAND_KEEP
                grown = 1.0 + IMPORT_TV_GROWTH_PER_LOT * g.heat
                g.tv = g.tv_base * min(IMPORT_TV_CAP, max(grown, g.tv / g.tv_base))
        # 4. drift
        if self.drift > 0.0:
            key = _mix(self.seed * 1_000_003 + _symbol_key(self.symbol)) ^ self._tick
            scale = _PER_STEP * self.drift
            shocks = _normals(key, len(goods))
            for g, shock in zip(goods.values(), shocks, strict=False):
                size = _drift_size(g.kind, self._activity(g, t), supply_level(g.fill))
                g.noise = g.noise * _REVERT + size * scale * shock

    def _produce(self, g: _Good, t: float) -> None:
        """One step of a factory: delivered input stock becomes export stock, at a bounded rate."""
        goods = self._goods
        delivered = min(
            lots_between(goods[i].fill_eq, goods[i].fill, "IMPORT") * goods[i].tv
            if goods[i].fill > goods[i].fill_eq
            else 0.0
            for i in g.inputs
        )
        if delivered <= 0.0:
            return
        rate = CONVERSION_LOTS_PER_HOUR * g.tv * STEP / 3600.0
        # each level above where the NPC economy keeps it halves the pace: the first level
        # comes in ~25 min, a multi-level climb takes hours (live: 4-6 h, acd FB5)
        rate *= CLIMB_SLOWDOWN ** max(0.0, g.fill - g.fill_eq)
        if any(supply_level(goods[i].fill) == "SCARCE" for i in g.inputs):
            rate *= RESTRICTED_CONVERSION
        made = min(delivered, rate)
        for i in g.inputs:
            goods[i].add_lots(-made / goods[i].tv)
        g.add_lots(made / g.tv)
        g.last_fed = t
        cap = g.tv_base * TV_GROWTH_CAP
        g.tv = min(cap, g.tv + TV_GROWTH_PER_LOT * g.tv_base * made / g.tv)

    def _input_supply(self, g: _Good) -> float:
        """0..1: how much of its normal restock an export gets from its inputs' supply."""
        if not g.inputs:
            return 1.0
        return min(min(1.0, max(0.0, self._goods[i].fill - 0.5)) for i in g.inputs)

    def _recover(self, g: _Good) -> None:
        eq = price_log(g.fill_eq, g.kind)
        deviation = price_log(g.fill, g.kind) - eq
        if g.kind == "EXPORT" and g.fill > g.fill_eq:
            moved = deviation * _SURPLUS_KEEP  # a fed surplus settles slowly
        else:
            available = self._input_supply(g) if g.kind == "EXPORT" else 1.0
            moved = deviation * (1.0 - (1.0 - _KEEP) * available)
            tail = _TAIL * available
            moved = max(0.0, moved - tail) if moved > 0.0 else min(0.0, moved + tail)
        g.fill = g.fill_eq if moved == 0.0 else fill_for_price_log(moved + eq, g.kind)

    # -- persistence ---------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready state (for ``/_twin/state`` and saving a twin)."""
        return {
            "symbol": self.symbol,
            "seed": self.seed,
            "drift": self.drift,
            "tick": self._tick,
            "goods": [
                {
                    "symbol": g.symbol,
                    "type": g.kind,
                    "anchor": g.anchor,
                    "halfSpread": g.half_spread,
                    "tradeVolumeBase": g.tv_base,
                    "tradeVolume": g.tv,
                    "fill": g.fill,
                    "fillEq": g.fill_eq,
                    "noise": g.noise,
                    "baseActivity": g.base_activity,
                    "inputs": list(g.inputs),
                    "lastFed": g.last_fed,
                    "demand": g.demand,
                    "heat": g.heat,
                }
                for g in self._goods.values()
            ],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> MarketSim:
        self = cls.__new__(cls)
        self.symbol = str(d["symbol"])
        self.seed = int(d["seed"])
        self.drift = float(d.get("drift", 1.0))
        self._tick = int(d["tick"])
        self._goods = {}
        for row in d["goods"]:
            self._goods[row["symbol"]] = _Good(
                symbol=row["symbol"],
                kind=row["type"],
                anchor=float(row["anchor"]),
                half_spread=float(row["halfSpread"]),
                tv_base=float(row["tradeVolumeBase"]),
                tv=float(row["tradeVolume"]),
                fill=float(row["fill"]),
                fill_eq=float(row["fillEq"]),
                noise=float(row["noise"]),
                base_activity=row.get("baseActivity"),
                inputs=tuple(row.get("inputs", ())),
                last_fed=float(row.get("lastFed", -1e18)),
                demand=float(row.get("demand", 0.0)),
                heat=float(row.get("heat", 0.0)),
            )
        self._refresh_lists()
        return self
