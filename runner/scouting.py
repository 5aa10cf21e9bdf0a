"""Scouting between loop passes: a probe reads the market it reaches and flies on to the next
stale one in the tick after it arrives, instead of idling until the next ``plancc loop``.

The loop (``plancc.loop.run.scout``) decides which markets exist and how old is stale, sends
idle probes, and records every probe's order here (``save``). Each tick then runs the
orders that are due (``run_due``): at a probe's arrival it reads the market (unless another read
is fresh), and sends the probe to the stalest market no other probe is flying to, the nearest
first; with nothing stale the probe is parked until the first market goes stale. Probes carry
no cargo and no fuel, so a kill between the read, the flight and the state write risks nothing
but one wasted request: a refused flight drops the order and the next loop pass takes the
probe up again.

    orders = load(store)                 # None before any loop pass scouted
    due = next_due(orders)               # the tick waits for it like any arrival
    run_due(store, client, now)          # reads, flies on, saves
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from plancc.errors import ApiError
from plancc.loop.scout import assign_scouts, stale_markets
from runner.state import Store

NOT_IN_ORBIT = 4236  # a probe still docked where the loop found it (at headquarters)
KEY = "scouting"  # meta key: the markets, how old is stale, and every probe's order
PRESENCE_WAIT_S = 30.0  # a read that shows no prices just after arrival is tried again till then
PARK_S = 300.0  # a parked probe looks again no sooner than this (every stale market is taken)


@dataclass(frozen=True)
class Order:
    """``probe`` is flying to ``market`` and arrives at ``due``; parked: it is at ``market``,
    has read it, and looks again at ``due`` (when the first market goes stale)."""

    probe: str
    market: str
    due: float
    parked: bool = False
    arrived: float = 0.0  # set while a read that showed no prices is tried again: the arrival


@dataclass(frozen=True)
class Scouting:
    markets: tuple[str, ...]
    max_age_s: float
    orders: tuple[Order, ...] = ()

    def order(self, probe: str) -> Order | None:
        return next((o for o in self.orders if o.probe == probe), None)

    def with_order(self, order: Order | None, probe: str) -> Scouting:
        """This scouting with ``probe``'s order replaced (None: dropped)."""
        kept = [o for o in self.orders if o.probe != probe]
        if order is not None:
            kept.append(order)
        return replace(self, orders=tuple(sorted(kept, key=lambda o: o.probe)))


def load(store: Store) -> Scouting | None:
    raw = store.get(KEY)
    if not raw:
        return None
    d = json.loads(raw)
    orders = tuple(
        Order(
            o["probe"], o["market"], float(o["due"]), bool(o["parked"]), float(o.get("arrived", 0))
        )
        for o in d["orders"]
    )
    return Scouting(tuple(d["markets"]), float(d["max_age_s"]), orders)


def save(store: Store, scouting: Scouting) -> None:
    store.put(
        **{
            KEY: json.dumps(
                {
                    "markets": list(scouting.markets),
                    "max_age_s": scouting.max_age_s,
                    "orders": [o.__dict__ for o in scouting.orders],
                },
                sort_keys=True,
            )
        }
    )


def next_due(scouting: Scouting | None) -> float | None:
    """When the next order falls due (None: no probe has one)."""
    if scouting is None or not scouting.orders:
        return None
    return min(o.due for o in scouting.orders)


def onward(
    scouting: Scouting,
    probe: str,
    here: str,
    read_at: Mapping[str, float],
    coords: Mapping[str, tuple[float, float]],
    now: float,
) -> Order | None:
    """Where ``probe``, at ``here`` with its read done, goes next: the stalest market no other
    probe is flying to, the nearest probe first (``plancc.loop.scout``); with none stale it is
    parked at ``here`` until the first market goes stale. None: it cannot be placed (no
    coordinates for where it is), so the next loop pass takes it up."""
    known = {m: coords[m] for m in scouting.markets if m in coords}
    if here not in coords:
        return None
    taken = [o.market for o in scouting.orders if o.probe != probe and not o.parked]
    stale = [m for m in stale_markets(list(known), read_at, now, scouting.max_age_s) if m != here]
    target = assign_scouts(
        [probe], stale, {probe: here}, {**known, here: coords[here]}, taken=taken
    )
    if probe in target:
        return Order(probe, target[probe], math.inf)  # due: the flight's arrival, once flown
    return parked(scouting, probe, here, read_at, now)


def parked(
    scouting: Scouting, probe: str, here: str, read_at: Mapping[str, float], now: float
) -> Order:
    """``probe`` waits at ``here`` until the first market that is fresh now goes stale (at
    least ``PARK_S``: the stale ones are all taken by other probes)."""
    fresh = [
        read_at[m] + scouting.max_age_s
        for m in scouting.markets
        if m in read_at and read_at[m] + scouting.max_age_s >= now
    ]
    return Order(probe, here, max(now + PARK_S, min(fresh, default=now) + 1.0), parked=True)


def run_due(store: Store, client: Any, now: float) -> int:
    """Run every order due at ``now``: read, fly on, save after each request. Returns the
    number of orders run (0: nothing was due)."""
    from runner.observe import quotes_of

    scouting = load(store)
    if scouting is None:
        return 0
    due = [o for o in scouting.orders if o.due <= now]
    coords = {m: (float(x), float(y)) for m, (x, y) in store.coords().items()}
    for order in due:
        read_at = store.market_read_at()
        try:
            if (
                not order.parked
                and now - read_at.get(order.market, -math.inf) > scouting.max_age_s / 2
            ):
                market = client.market(order.market.rsplit("-", 1)[0], order.market)
                quotes = quotes_of(market, now)
                arrived = order.arrived or order.due
                if not quotes and now - arrived < PRESENCE_WAIT_S:
                    # a market read from afar shows no prices: the server has not seen the
                    # probe arrive yet (clocks differ by a second or two); look again shortly
                    again = replace(order, due=now + 2.0, arrived=arrived)
                    scouting = scouting.with_order(again, order.probe)
                    save(store, scouting)
                    continue
                if quotes:
                    with store.tx() as c:
                        store.observe_market(c, order.market, now, quotes, by=order.probe)
                    read_at[order.market] = now
            nxt = onward(scouting, order.probe, order.market, read_at, coords, now)
            if nxt is not None and not nxt.parked:
                flown = _navigate(client, order.probe, nxt.market)
                # a flight that arrives now or earlier (a skewed clock, no arrival in the
                # answer) must not fall due again at once: the tick would fly it in a loop
                arrival = flown.nav.arrival.timestamp() if flown.nav.arrival else now + PARK_S
                nxt = replace(nxt, due=max(arrival, now + 1.0))
                store.log(
                    now,
                    "scout",
                    f"{order.probe} flies on to {nxt.market} (prices stale)",
                    ship=order.probe,
                )
        except ApiError as exc:
            store.log(
                now, "scout", f"{order.probe}: {exc}; left to the next loop pass", ship=order.probe
            )
            nxt = None
        scouting = scouting.with_order(nxt, order.probe)
        save(store, scouting)
    return len(due)


def _navigate(client: Any, probe: str, market: str) -> Any:
    """Fly ``probe`` to ``market``, undocking first when the server says it is docked."""
    try:
        return client.navigate(probe, market)
    except ApiError as exc:
        if exc.code != NOT_IN_ORBIT:
            raise
    client.orbit(probe)
    return client.navigate(probe, market)
