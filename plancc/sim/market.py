"""Market dynamics of the digital twin: hidden state per trade good, visible values derived from it.

Pure and deterministic: the same goods, recipes, seed and sequence of ``advance``/``buy``/``sell``
calls give the same prices, whatever the wall clock. Times are float seconds on the twin's
virtual clock; nothing here reads a clock, a file or the network.

The model (its constants are the module-level names below; ``docs/twin.md`` explains the choices)
-----------------------------------------------------------------------------------------------
Each good at a market holds:

* ``fill`` f -- stock relative to the market's depth. Depth is ``LOTS_PER_DEPTH`` trade-volume
  lots, so one lot moves f by ``1 / LOTS_PER_DEPTH`` = 0.2. The visible ``supply`` is f bucketed
  by ``SUPPLY_BOUNDS`` (SCARCE < 0.275 <= LIMITED < 0.55 <= MODERATE < 0.925 <= HIGH < 1.45 <=
  ABUNDANT). ``fill_eq`` is where the NPC economy keeps it (the initial supply level).
* ``anchor`` and ``half_spread`` -- mid price at equilibrium and the spread around it:
  ``purchasePrice = mid * (1 + h)`` (what the agent pays), ``sellPrice = mid * (1 - h)`` (what it
  receives). Real X1-AD75 data: h = 0.347 for EXPORT/IMPORT goods (sell ~ 0.485 x purchase),
  a few credits / ~2% for EXCHANGE goods.
* ``noise`` n -- a seeded Ornstein-Uhlenbeck drift in log price.

  mid = anchor * exp(P(f) - P(fill_eq) + n),  P(f) = -beta * (f + gamma * max(0, f - 1)^2)

  beta/gamma per good type (``PRICE_SLOPE``/``PRICE_CONVEXITY``) are calibrated so that buying
  one lot at an export raises its purchase price ~5%, selling one lot into an import lowers the
  sell price ~1.5%, and a big dump (20 lots in a row) takes 40-60% off an import's price (the
  convex term: a saturated market absorbs ever worse).

A trade fills at the price listed before it, then moves f by units / depth.

Time runs in fixed ``STEP`` (60 s) ticks on an absolute grid, so ``advance`` is idempotent and
the state at time t does not depend on how often it was observed. Each tick:

1. Factory conversion: an EXPORT whose recipe inputs are IMPORTs of the same market turns the
   inputs' stock above equilibrium ("delivered" inputs) into export stock, 1 unit of each input
   per unit of export, half of it every ``CONVERSION_HALF_LIFE`` (240 s). Exports sharing an
   input all respond to its stock (as live, production follows the inputs' supply level): the
   input is used once, by the largest demand, not split between them. So delivering 60 units
   of each input lifts a tv-20 export from MODERATE to HIGH within minutes and lowers its price.
   Production lengthens the export's tradeVolume by ``TV_GROWTH_PER_LOT`` of its base per lot
   (capped at ``TV_GROWTH_CAP`` x base); tradeVolume eases back with ``TV_DECAY_HALF_LIFE``.
2. Recovery: every good's log-price deviation P(f) - P(fill_eq) decays exponentially with
   ``RECOVERY_HALF_LIFE`` (68 min) plus a slow constant pull ``RECOVERY_TAIL_RATE`` that ends
   the tail: imports are consumed (price recovers upward after a sale), exports restocked
   (price recovers downward after a purchase). Half a move is back in ~1-1.5 h (counted in
   credits), all of a 50% dump in ~9 h, a single lot in ~3-5 h. An export's restock from below
   needs its inputs in stock: it is scaled by the inputs' availability (0 when an input's stock
   is gone) -- a factory's export is produced only while its imports are stocked.
3. Drift: n follows an OU process (reversion ``DRIFT_REVERSION``) whose hourly size is
   ``hypot(DRIFT_BY_ACTIVITY[activity] * DRIFT_BY_SUPPLY[supply], DRIFT_EXPORT_BY_SUPPLY[supply])``,
   the second term for EXPORT goods only. The first term is the sell side's (imports):
   WEAK drifts least, then RESTRICTED, STRONG, GROWING most (live sell-side table). The second is
   the buy side's (exports, where the agent buys): it follows the live buy-side table by supply
   level at purchase, small at HIGH, ~30-40% over 3 h at MODERATE/LIMITED, ~70% at ABUNDANT and
   more at SCARCE, so HIGH supply drifts least by far. Supply is read each tick: buying an export
   down from HIGH to MODERATE makes it drift like a MODERATE one. The noise comes from a hash of
   (seed, market, tick), so it is reproducible and independent of call pattern.

Activity of a factory export: GROWING while fed (converted delivered inputs within
``GROWING_WINDOW``), else RESTRICTED while an input is SCARCE (true of every factory in the real
X1-AD75 snapshot), else STRONG once its tradeVolume has grown, else its initial activity (WEAK if
that was RESTRICTED). Imports and raw exports keep their initial activity; EXCHANGE goods have
none.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# ---------------------------------------------------------------------------------------------
# Constants of the model (see the module docstring and docs/twin.md)

STEP = 60.0  # seconds per simulation tick
LOTS_PER_DEPTH = 5.0  # market depth in trade-volume lots: one lot moves fill by 0.2
SUPPLY_LEVELS: tuple[str, ...] = ("SCARCE", "LIMITED", "MODERATE", "HIGH", "ABUNDANT")
ACTIVITY_LEVELS: tuple[str, ...] = ("WEAK", "GROWING", "STRONG", "RESTRICTED")
SUPPLY_BOUNDS: tuple[float, ...] = (0.275, 0.55, 0.925, 1.45)  # upper fill bounds of the first 4
SUPPLY_FILL: dict[str, float] = {  # initial fill for a visible supply level (middle of its bucket)
    "SCARCE": 0.15,
    "LIMITED": 0.4,
    "MODERATE": 0.7,
    "HIGH": 1.15,
    "ABUNDANT": 1.8,
}
FILL_MIN, FILL_MAX = -2.0, 12.0
# ln(1.05) / 0.2: one bought lot raises an export's price ~5%
PRICE_SLOPE: dict[str, float] = {"EXPORT": 0.244, "IMPORT": 0.0756, "EXCHANGE": 0.05}
# convexity above fill 1: a 20-lot dump into an import takes 40-60% off
PRICE_CONVEXITY: dict[str, float] = {"EXPORT": 0.0, "IMPORT": 0.447, "EXCHANGE": 0.2}
HALF_SPREAD: dict[str, float] = {"EXPORT": 0.347, "IMPORT": 0.347, "EXCHANGE": 0.02}
EXCHANGE_MIN_SPREAD = 4  # credits between purchase and sell price of a cheap EXCHANGE good
PRICE_FLOOR_FACTOR, PRICE_CEIL_FACTOR = 0.02, 50.0  # of the anchor
RECOVERY_HALF_LIFE = 68 * 60.0
# plus a slow constant pull (log-price units per second) that ends the tail: a 50% dump is
# fully recovered in ~8.5 h instead of creeping back forever
RECOVERY_TAIL_RATE = 0.0013 / 3600.0
CONVERSION_HALF_LIFE = 240.0
INPUT_STOCKED_FILL = 0.1  # below this an input counts as (partly) out of stock
TV_GROWTH_PER_LOT = 0.02
TV_GROWTH_CAP = 3.0
TV_DECAY_HALF_LIFE = 24 * 3600.0
GROWING_WINDOW = 30 * 60.0
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

_LN2 = math.log(2.0)
_CONVERT = 1.0 - math.exp(-_LN2 * STEP / CONVERSION_HALF_LIFE)
_TV_KEEP = math.exp(-_LN2 * STEP / TV_DECAY_HALF_LIFE)
_KEEP = math.exp(-_LN2 * STEP / RECOVERY_HALF_LIFE)
_TAIL = RECOVERY_TAIL_RATE * STEP
_REVERT = math.exp(-STEP / DRIFT_REVERSION)
_PER_STEP = math.sqrt(STEP / 3600.0)
_MASK = (1 << 64) - 1


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


def supply_level(fill: float) -> str:
    """Visible supply level for a fill."""
    for bound, level in zip(SUPPLY_BOUNDS, SUPPLY_LEVELS, strict=False):
        if fill < bound:
            return level
    return "ABUNDANT"


def price_log(fill: float, kind: str) -> float:
    """P(f): log-price offset of a fill for a good type (decreasing, convex above 1)."""
    beta, gamma = PRICE_SLOPE[kind], PRICE_CONVEXITY[kind]
    over = max(0.0, fill - 1.0)
    return -beta * (fill + gamma * over * over)


def fill_for_price_log(value: float, kind: str) -> float:
    """Inverse of ``price_log``."""
    beta, gamma = PRICE_SLOPE[kind], PRICE_CONVEXITY[kind]
    y = -value / beta
    if y <= 1.0 or gamma == 0.0:
        return y
    z = (-1.0 + math.sqrt(1.0 + 4.0 * gamma * (y - 1.0))) / (2.0 * gamma)
    return 1.0 + z


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

    @property
    def depth(self) -> float:
        return LOTS_PER_DEPTH * self.tv


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
            if spec.type not in PRICE_SLOPE:
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
        g.fill = max(FILL_MIN, g.fill - units / g.depth)
        return price

    def sell(self, good: str, units: int, now: float) -> int:
        """The agent sells ``units``: returns the price per unit paid (listed before the trade)."""
        if units < 0:
            raise ValueError(f"cannot sell {units} units")
        self.advance(now)
        g = self._good(good)
        _, price = self._prices(g)
        g.fill = min(FILL_MAX, g.fill + units / g.depth)
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
        # 1. factories convert delivered inputs into their export
        used: dict[str, float] = {}
        for g in goods.values():
            if g.inputs:
                excess = min((goods[i].fill - goods[i].fill_eq) * goods[i].depth for i in g.inputs)
                if excess > 0.0:
                    made = excess * _CONVERT
                    for i in g.inputs:
                        used[i] = max(used.get(i, 0.0), made)
                    g.fill = min(FILL_MAX, g.fill + made / g.depth)
                    if made >= 0.05 * g.tv_base:
                        g.last_fed = t
                    cap = g.tv_base * TV_GROWTH_CAP
                    g.tv = min(cap, g.tv + TV_GROWTH_PER_LOT * g.tv_base * made / g.tv)
            if g.tv != g.tv_base:
                g.tv = g.tv_base + (g.tv - g.tv_base) * _TV_KEEP
                if abs(g.tv - g.tv_base) < 1e-3:
                    g.tv = g.tv_base
        for i, amount in used.items():
            goods[i].fill -= amount / goods[i].depth
        # 2. recovery toward equilibrium (NPC consumption and production)
        for g in goods.values():
            if g.fill == g.fill_eq:
                continue
            eq = price_log(g.fill_eq, g.kind)
            deviation = price_log(g.fill, g.kind) - eq
            available = 1.0
            if g.inputs and g.fill < g.fill_eq:
                # restocking an export needs its inputs in stock
                available = min(
                    min(1.0, max(0.0, goods[i].fill) / INPUT_STOCKED_FILL) for i in g.inputs
                )
            moved = deviation * (1.0 - (1.0 - _KEEP) * available)
            tail = _TAIL * available
            moved = max(0.0, moved - tail) if moved > 0.0 else min(0.0, moved + tail)
            g.fill = g.fill_eq if moved == 0.0 else fill_for_price_log(moved + eq, g.kind)
        # 3. drift
        if self.drift > 0.0:
            key = _mix(self.seed * 1_000_003 + _symbol_key(self.symbol)) ^ self._tick
            scale = _PER_STEP * self.drift
            shocks = _normals(key, len(goods))
            for g, shock in zip(goods.values(), shocks, strict=False):
                size = _drift_size(g.kind, self._activity(g, t), supply_level(g.fill))
                g.noise = g.noise * _REVERT + size * scale * shock

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
            )
        self._refresh_lists()
        return self
