"""Twin throughput and a long simulated trading run, measured side by side in one process.

    python -m bench.bench_twin            # 10 ships, 6 game-hours; aim: twin side under 60 s
    python -m bench.bench_twin --short    # CI form, a few seconds

Figures:
- requests/s served in-process through httpx.WSGITransport: GET /my/agent, a docked market
  view, and a purchase, with the rate limiter off and on (on: a limiter clock that never lets
  it refuse, so only its bookkeeping is measured), and their ratio;
- a long run: N haulers trading (orbit, navigate, dock, look at the market, buy a lot, fly,
  sell, refuel) for H game-hours on a generated universe with background traders, driven as an
  event loop over the virtual clock; wall time, requests, game-seconds per wall-second.
"""

from __future__ import annotations

import argparse
import heapq
import math
import random
import time
from collections.abc import Callable
from typing import Any

import httpx

from plancc.sim.app import Twin

TRADERS = 0.02  # background trader intensity: about one lot per HIGH export per game-hour


class _NeverLimitedTime:
    """A limiter clock that moves 1 s per reading, so the limiter always has a token."""

    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        self.t += 1.0
        return self.t


def _throughput(requests: int, rate_limit: bool) -> dict[str, float]:
    kwargs: dict[str, Any] = {"rate_limit": rate_limit}
    if rate_limit:
        kwargs["limiter_time"] = _NeverLimitedTime()
    twin = Twin.generate(seed=1, **kwargs)
    out: dict[str, float] = {}
    with twin.client() as api:
        ship = api.get("/my/ships").json()["data"][0]
        system, here = twin.world.system, ship["nav"]["waypointSymbol"]
        market_path = f"/systems/{system}/waypoints/{here}/market"
        goods = api.get(market_path).json()["data"]["tradeGoods"]
        good = min(goods, key=lambda g: g["purchasePrice"])["symbol"]
        calls: dict[str, Callable[[], httpx.Response]] = {
            "agent": lambda: api.get("/my/agent"),
            "market": lambda: api.get(market_path),
            "purchase": lambda: api.post(
                f"/my/ships/{ship['symbol']}/purchase", json={"symbol": good, "units": 1}
            ),
        }
        for call in calls.values():  # warm up caches and code paths before timing
            for _ in range(20):
                call()
        api.post(f"/my/ships/{ship['symbol']}/jettison", json={"symbol": good, "units": 20})
        for name, call in calls.items():
            t0 = time.perf_counter()
            for i in range(requests):
                if name == "purchase" and i and i % 20 == 0:  # keep the hold from filling up
                    api.post(
                        f"/my/ships/{ship['symbol']}/jettison", json={"symbol": good, "units": 20}
                    )
                resp = call()
                if resp.status_code >= 400:
                    raise SystemExit(f"bench: {name} failed: {resp.status_code} {resp.text}")
            out[name] = requests / (time.perf_counter() - t0)
    return out


def _routes(twin: Twin) -> list[tuple[str, str, str]]:
    """(buy market, good, sell market): a good exported at one market and imported at another."""
    exports: dict[str, list[str]] = {}
    imports: dict[str, list[str]] = {}
    for sym, m in twin.world.markets.items():
        for g in m.exports:
            exports.setdefault(g, []).append(sym)
        for g in m.imports:
            imports.setdefault(g, []).append(sym)
    return sorted(
        (b, g, s) for g, bs in exports.items() for b in bs for s in imports.get(g, []) if b != s
    )


def _long_run(ships: int, hours: float, traders: float, seed: int) -> dict[str, float]:
    twin = Twin.generate(seed=seed, haulers=ships, probes=0, traders=traders)
    routes = _routes(twin)
    rng = random.Random(seed)
    system = twin.world.system
    start = twin.now()
    end = start + hours * 3600
    requests = 0
    trades = 0
    refused = 0

    with twin.client() as api:

        def call(method: str, path: str, body: Any = None) -> dict[str, Any]:
            nonlocal requests, refused
            requests += 1
            resp = api.request(method, path, json=body)
            if resp.status_code >= 400:
                refused += 1
            return resp.json()

        fleet = [s["symbol"] for s in call("GET", "/my/ships?limit=20")["data"]]
        queue: list[tuple[float, int, str, list[tuple[str, Any]]]] = []
        for i, s in enumerate(fleet):
            heapq.heappush(queue, (start + i, i, s, []))
        wall0 = time.perf_counter()
        while queue:
            at, i, s, plan = heapq.heappop(queue)
            if at > end:
                break
            if at > twin.now():
                twin.advance(at - twin.now())
            ship = f"/my/ships/{s}"
            if not plan:  # a new trade: fly to a seller, buy a lot, fly to a buyer, sell it
                buy, good, sell = rng.choice(routes)
                plan = [("fly", buy), ("buy", good), ("fly", sell), ("sell", good)]
            step, arg = plan.pop(0)
            wait = 5.0
            if step == "fly":
                nav = call("GET", ship + "/nav")["data"]
                if nav["waypointSymbol"] != arg:
                    call("POST", ship + "/orbit")
                    data = call("POST", ship + "/navigate", {"waypointSymbol": arg}).get("data")
                    if data is None:  # out of fuel for this hop: drift there
                        call("PATCH", ship + "/nav", {"flightMode": "DRIFT"})
                        data = call("POST", ship + "/navigate", {"waypointSymbol": arg})["data"]
                        call("PATCH", ship + "/nav", {"flightMode": "CRUISE"})
                    arrival = data["nav"]["route"]["arrival"]
                    from plancc.sim.clock import parse_iso

                    wait = max(1.0, parse_iso(arrival) - twin.now())
            elif step in ("buy", "sell"):
                call("POST", ship + "/dock")
                market = call("GET", f"/systems/{system}/waypoints/{arg_market(twin, s)}/market")
                row = next(g for g in market["data"]["tradeGoods"] if g["symbol"] == arg)
                cargo = call("GET", ship + "/cargo")["data"]
                if step == "buy":
                    units = min(row["tradeVolume"], cargo["capacity"] - cargo["units"])
                    if units > 0:
                        call("POST", ship + "/purchase", {"symbol": arg, "units": units})
                        trades += 1
                else:
                    held = sum(x["units"] for x in cargo["inventory"] if x["symbol"] == arg)
                    while held > 0:
                        units = min(held, row["tradeVolume"])
                        call("POST", ship + "/sell", {"symbol": arg, "units": units})
                        held -= units
                        trades += 1
                    call("POST", ship + "/refuel")
            heapq.heappush(queue, (twin.now() + wait, i, s, plan))
        wall = time.perf_counter() - wall0
    game = twin.now() - start
    return {
        "wall_s": wall,
        "requests": requests,
        "refused": refused,
        "trades": trades,
        "game_hours": game / 3600,
        "requests_per_s": requests / wall if wall else math.inf,
        "game_s_per_wall_s": game / wall if wall else math.inf,
    }


def arg_market(twin: Twin, ship: str) -> str:
    return str(twin.world.ships[ship]["nav"]["waypointSymbol"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.bench_twin", description=__doc__.split("\n")[0])
    parser.add_argument("--short", action="store_true", help="CI form: a few seconds")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    n = 300 if args.short else 3000
    ships, hours = (3, 1.0) if args.short else (10, 6.0)

    off = _throughput(n, rate_limit=False)
    on = _throughput(n, rate_limit=True)
    print(f"twin throughput in-process (httpx.WSGITransport), {n} requests per kind")
    print(f"  {'kind':<10}{'limiter off':>14}{'limiter on':>14}{'ratio on/off':>14}")
    for kind in off:
        print(
            f"  {kind:<10}{off[kind]:>10.0f} r/s{on[kind]:>10.0f} r/s{on[kind] / off[kind]:>14.2f}"
        )

    run = _long_run(ships, hours, traders=TRADERS, seed=args.seed)
    print(f"long run: {ships} ships, {run['game_hours']:.1f} game-hours, background traders on")
    print(
        f"  wall {run['wall_s']:.2f} s, {run['requests']:.0f} requests"
        f" ({run['requests_per_s']:.0f} r/s), {run['trades']:.0f} trades,"
        f" {run['refused']:.0f} game refusals (4203 low fuel, then DRIFT), {run['game_s_per_wall_s']:.0f}x real time"
    )
    target = 60.0 * hours / 6.0 * ships / 10.0
    print(
        f"  target: under {target:.0f} s wall for this size -> {'OK' if run['wall_s'] < target else 'SLOW'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
