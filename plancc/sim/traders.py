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
    listings = {name: markets[name].trade_goods(now) for name in names}
    done: list[dict[str, Any]] = []
    for name in names:
        for row in listings[name]:
            if row["type"] != "EXPORT" or row["supply"] not in BUY_SUPPLY:
                continue
            if rng.random() >= intensity:
                continue
            good = row["symbol"]
            buyers = [
                (r["sellPrice"], other)
                for other in names
                if other != name
                for r in markets[other].trade_goods(now)
                if r["symbol"] == good and r["type"] in ("IMPORT", "EXCHANGE")
            ]
            if not buyers:
                continue
            best_price, best = max(buyers)
            if best_price <= row["purchasePrice"]:
                continue  # nobody trades at a loss
            units = markets[name].trade_volume(good, now)
            units = min(units, markets[best].trade_volume(good, now))
            paid = markets[name].buy(good, units, now)
            got = markets[best].sell(good, units, now)
            trader = f"BG-{rng.randrange(1000):03d}"
            done.append(_trade(trader, "PURCHASE", name, good, units, paid, now))
            done.append(_trade(trader, "SELL", best, good, units, got, now))
    return done


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
