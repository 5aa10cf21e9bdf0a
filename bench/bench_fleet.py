"""Fleet-scale planning (issue 8): does the plan grow with the fleet?

    python -m bench.bench_fleet [--short]

On the real X1-AD75 snapshot (plans/example.snapshot.json) and on systems from the twin's
generator, with 1, 5, 10 and 20 haulers cloned from the recorded frigate (docked where it is),
compile with the list scheduler (everything but the optimising solver) and print, per fleet
size: planned utilisation over the horizon (target >= 85% at 10 haulers), planned profit per
hour of horizon and its ratio to 1 hauler (target >= 4x at 10), the visits that buy past the
supply-aware cap ("over-cap"; "worn": the same counting what earlier visits to that market
still take at the SCHEDULED time, recovering with recovery_half_life_s) and the transactions
past tradeVolume (target 0 and 0), the legs, how many carry several goods ("shared") and how
full they fly on average ("fill"), the compile time (target < 5 s at 20 haulers), and the
greedy scheduler's utilisation and profit on the same pipelines. Under each row, what bound
the depth: for each rule that stopped products from taking another batch (per-visit cap with
recovery, factory collected down, price ceiling, profit floor, margin) the products and the
market each stopped at, the most valuable first.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SNAPSHOT = REPO / "plans" / "example.snapshot.json"
FLEETS = (1, 5, 10, 20)


def _frigate(snap: Any) -> Any:
    """The recorded cargo ship with the largest hold (the frigate in X1-AD75)."""
    return max((s for s in snap.ships if s.cargo_capacity > 0), key=lambda s: s.cargo_capacity)


def with_haulers(snap: Any, n: int) -> Any:
    """``snap`` with its fleet replaced by ``n`` clones of its frigate, empty holds."""
    base = dataclasses.replace(_frigate(snap), cargo=())
    ships = tuple(dataclasses.replace(base, symbol=f"{base.symbol}-{k + 1}") for k in range(n))
    agent = dataclasses.replace(snap.agent, ship_count=n)
    return dataclasses.replace(snap, ships=ships, agent=agent)


def _generated(seed: int, waypoints: int) -> Any:
    from plancc.parse import parse_snapshot
    from plancc.sim.universe import generate_universe, seen_from_everywhere

    start = 1_750_000_000.0
    u = generate_universe(seed, start=start, waypoint_count=waypoints, haulers=1)
    return parse_snapshot(seen_from_everywhere(u, start))


def cap_breaches(plan: Any, snap: Any, policy: Any) -> tuple[int, int, int]:
    """(visits buying more than their supply-aware cap, the same counting what the plan's
    earlier visits to that market still take at the scheduled time (recovery_half_life_s),
    lots past tradeVolume)."""
    from plancc.chain import visit_cap

    when = {}
    legs = {leg.id: leg for leg in plan.legs}
    for sp in plan.ships:
        for sl in sp.legs:
            for part in legs[sl.leg].parts:  # goods sharing a leg load on the same visit
                when[part.load] = sl.load_s
    visits = worn = lots = 0
    seen: dict[tuple[str, str], list[tuple[float, int]]] = {}
    for t in sorted(plan.tasks, key=lambda t: (when.get(t.id, 0), t.id)):
        market = snap.market(t.market)
        row = market.good(t.good) if market else None
        if row is None or row.trade_volume <= 0:
            continue
        lots += sum(1 for lot in t.lots if lot.units > row.trade_volume)
        if t.type not in ("ACQUIRE", "COLLECT"):
            continue
        level = policy.collect_supply_level if t.type == "COLLECT" else row.supply
        cap = visit_cap(row.trade_volume, level, policy)
        visits += t.quantity > cap
        at = when.get(t.id, 0)
        earlier = seen.setdefault((t.market, t.good), [])
        half = policy.recovery_half_life_s
        taken = sum(u * 0.5 ** (max(0, at - t0) / half) for t0, u in earlier)
        worn += round(taken) + t.quantity > cap
        earlier.append((at, t.quantity))
    return visits, worn, lots


def leg_fill(plan: Any) -> float:
    """How full the plan's legs fly on average: the goods a leg carries over its hold."""
    legs = [leg for leg in plan.legs if leg.hold]
    return sum(leg.units / leg.hold for leg in legs) / len(legs) if legs else 0.0


RULES = (
    ("one visit", "per-visit cap"),
    ("collected down", "factory collected down"),
    ("price ceiling", "price ceiling"),
    ("min_profit_per_hour", "profit floor"),
    ("margin", "margin"),
    ("budget", "budget"),
)


def binding_market(plan: Any) -> str:
    """What stopped the plan's products from taking more batches: for each rule (per-visit cap,
    price ceiling, ...), the products it stopped and the market each stopped at, the most
    valuable product (its planned profit) first."""
    profit: Counter[str] = Counter()
    for p in plan.pipelines:
        profit[p.product] += p.expected_profit
    by_rule: dict[str, list[tuple[int, str]]] = {}
    for r in plan.rejected:
        if r.good not in profit:
            continue  # never planned: not a depth question
        words = [w.strip(",:()") for w in r.reason.split()]
        market = next((w for w in words if w.count("-") >= 2), r.market)
        rule = next((name for key, name in RULES if key in r.reason), "other")
        by_rule.setdefault(rule, []).append((-profit[r.good], f"{r.good}@{market}"))
    if not by_rule:
        return "-"
    parts = []
    for rule, items in sorted(by_rule.items(), key=lambda kv: -len(kv[1])):
        names = ", ".join(name for _, name in sorted(items)[:4])
        more = f" +{len(items) - 4}" if len(items) > 4 else ""
        parts.append(f"{rule} x{len(items)}: {names}{more}")
    return "; ".join(parts)


def _figures(plan: Any, horizon_s: int) -> tuple[float, float]:
    """(utilisation, profit per hour of horizon, counting batches that end within it)."""
    return plan.objective.utilisation, plan.objective.expected_profit * 3600 / horizon_s


def run_case(label: str, snap: Any, book: Any, policy: Any, fleets: tuple[int, ...]) -> None:
    from plancc.compile import compile_plan

    print(
        f"-- {label}: horizon {policy.horizon_s} s, haulers cloned from {_frigate(snap).symbol}, "
        f"{len(snap.markets)} markets"
    )
    print(
        f"{'haulers':>7} {'batches':>7} {'util':>6} {'cr/h':>10} {'ratio':>6} "
        f"{'over-cap':>8} {'worn':>4} {'>tv':>4} {'legs':>5} {'shared':>6} {'fill':>5} "
        f"{'compile s':>9} | "
        f"{'greedy util':>11} {'greedy cr/h':>11}"
    )
    base = 0.0
    for n in fleets:
        fleet = with_haulers(snap, n)
        t0 = time.perf_counter()
        plan = compile_plan(book, policy, fleet, inputs={}, scheduler="list")
        took = time.perf_counter() - t0
        greedy = compile_plan(book, policy, fleet, inputs={}, scheduler="greedy")
        util, per_h = _figures(plan, policy.horizon_s)
        g_util, g_per_h = _figures(greedy, policy.horizon_s)
        base = base or per_h
        visits, worn, lots = cap_breaches(plan, fleet, policy)
        print(
            f"{n:>7} {len(plan.pipelines):>7} {util:>6.0%} {per_h:>10,.0f} "
            f"{(per_h / base if base else 0):>5.1f}x {visits:>8} {worn:>4} {lots:>4} "
            f"{len(plan.legs):>5} {sum(1 for leg in plan.legs if leg.also):>6} "
            f"{leg_fill(plan):>5.0%} {took:>9.2f} | {g_util:>11.0%} {g_per_h:>11,.0f}",
            flush=True,
        )
        print(f"{'':>9}stopped by: {binding_market(plan)}")


def mixed_fleet(snap: Any, book: Any, policy: Any) -> None:
    """The live case of issue 8: a 40-unit frigate with four 15-unit mining drones. Before,
    every leg was cut to 15 units; now drones do not haul by default (hauler_exclude_roles),
    and when a policy lets them, legs are cut to the frigate's hold and they fly remainders."""
    from plancc.compile import compile_plan

    frigate = dataclasses.replace(_frigate(snap), cargo=())
    drones = tuple(
        dataclasses.replace(frigate, symbol=f"DRONE-{k}", role="EXCAVATOR", cargo_capacity=15)
        for k in range(1, 5)
    )
    cases = (
        ("frigate alone", (frigate,), policy),
        ("frigate + 4 drones (default policy)", (frigate, *drones), policy),
        (
            "frigate + 4 drones hauling",
            (frigate, *drones),
            dataclasses.replace(policy, hauler_exclude_roles=()),
        ),
    )
    print("-- mixed fleet on X1-AD75: profit, makespan, frigate's mean leg fill")
    for label, ships, pol in cases:
        fleet = dataclasses.replace(snap, ships=ships)
        plan = compile_plan(book, pol, fleet, inputs={}, scheduler="list")
        quantity = {leg.id: leg.units for leg in plan.legs}
        mine = [quantity[sl.leg] for s in plan.ships if s.ship == frigate.symbol for sl in s.legs]
        fill = sum(mine) / (40 * len(mine)) if mine else 0.0
        print(
            f"{label:>36}: profit {plan.objective.expected_profit:>9,} cr, makespan "
            f"{plan.objective.makespan_s:>6} s, frigate fill {fill:.0%}, "
            f"{sum(1 for s in plan.ships if s.legs)} ships with legs",
            flush=True,
        )


def main(argv: list[str] | None = None) -> int:
    from plancc.load import (
        default_policy_path,
        default_recipe_path,
        load_policy,
        load_recipes,
        load_snapshot,
    )

    ap = argparse.ArgumentParser(prog="bench.bench_fleet")
    ap.add_argument("--short", action="store_true", help="1 and 5 haulers on X1-AD75 only")
    ap.add_argument("--policy", help="a policy file other than the bundled one")
    args = ap.parse_args(argv)
    book = load_recipes([default_recipe_path()])
    policy = load_policy(args.policy or default_policy_path())
    real = load_snapshot(SNAPSHOT)
    fleets = (1, 5) if args.short else FLEETS
    run_case("X1-AD75 (recorded)", real, book, policy, fleets)
    mixed_fleet(real, book, policy)
    if not args.short:
        # the recording read 7 of its 25 markets 1.4-3.4 h before the snapshot: with them
        # trusted, what depth would fresh data of every market give?
        trusted = dataclasses.replace(policy, max_snapshot_age_s=4 * 3600)
        run_case("X1-AD75, every market trusted (max_snapshot_age_s 4 h)", real, book, trusted,
                 fleets)  # fmt: skip
        for seed in (7, 11):
            # real systems hold 82-93 waypoints (LIVE-FACTS): a generated one of that size
            run_case(f"generated seed {seed}, 90 waypoints", _generated(seed, 90), book, policy,
                     fleets)  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
