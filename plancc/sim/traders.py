"""Optional background traders: the other players a live server has.

They do what the business case says profitable players do: buy one trade-volume lot where an
export's supply is HIGH or ABUNDANT and sell it into the import market of that good that pays
most. So a plan that waits for HIGH supply may find it taken, and a sell market may already
have been hit -- competition, seeded and switchable.

Call ``step_traders`` once per game-minute (the twin's tick). ``intensity`` is the chance, per
call, that a given HIGH/ABUNDANT export is hit by one trader; 0.02 means about one lot per
export per game-hour. The caller owns ``rng`` (seeded), so a run is reproducible.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from plancc.sim.market import MarketSim

BUY_SUPPLY = ("HIGH", "ABUNDANT")


def step_traders(
    markets: Mapping[str, MarketSim], now: float, rng: random.Random, intensity: float
) -> list[dict[str, Any]]:
    """Let background traders act at ``now``; returns the trades they made, in order."""
    if intensity <= 0.0:
        return []
    names = sorted(markets)
    buyers_of: dict[str, list[str]] = {}
    for name in names:
        for good in (*markets[name].imports, *markets[name].exchange):
            buyers_of.setdefault(good, []).append(name)
    cache: dict[str, dict[str, dict[str, Any]]] = {}

    def rows(name: str) -> dict[str, dict[str, Any]]:
        if name not in cache:
            cache[name] = _rows(markets[name], now)
        return cache[name]

    done: list[dict[str, Any]] = []
    for name in names:
        market = markets[name]
        for good in market.exports:
            if market.supply(good, now) not in BUY_SUPPLY or rng.random() >= intensity:
                continue
            others = [o for o in buyers_of.get(good, ()) if o != name]
            if not others:
                continue
            best_price, best = max((rows(o)[good]["sellPrice"], o) for o in others)
            row = rows(name)[good]
            if best_price <= row["purchasePrice"]:
                continue  # nobody trades at a loss
            units = min(row["tradeVolume"], rows(best)[good]["tradeVolume"])
            paid = market.buy(good, units, now)
            got = markets[best].sell(good, units, now)
            trader = f"BG-{rng.randrange(1000):03d}"
            done.append(_trade(trader, "PURCHASE", name, good, units, paid, now))
            done.append(_trade(trader, "SELL", best, good, units, got, now))
            cache.pop(name, None)
            cache.pop(best, None)
    return done


def _rows(market: MarketSim, now: float) -> dict[str, dict[str, Any]]:
    return {r["symbol"]: r for r in market.trade_goods(now)}


def _trade(
    trader: str, kind: str, market: str, good: str, units: int, price: int, now: float
) -> dict[str, Any]:
    return {
        "trader": trader,
        "type": kind,
        "waypointSymbol": market,
        "tradeSymbol": good,
        "units": units,
        "pricePerUnit": price,
        "totalPrice": units * price,
        "time": now,
    }
