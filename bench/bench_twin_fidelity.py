"""How like the live game the twin's economy is: twin systems side by side with real X1-AD75.

    python -m bench.bench_twin_fidelity            # median over 8 seeds of 82-waypoint systems
    python -m bench.bench_twin_fidelity --short    # CI form: 2 seeds, the same figures

Figures (issue 9), the twin's median over the seeds against X1-AD75 (``../shared/realdata``),
each computed by the same function (``plancc.sim.fidelity.system_figures``) on both:
markets and products per system, supply/activity mix, tradeVolume mix, the one-step margin,
distance quantiles; then the twin's price ratios by supply level and the price change after one
lot at each level (measured by trading a good on the twin) against the live ranges of
LIVE-FACTS; and the expected profit/hour of a plan compiled
with the bundled recipes and policy for the same fleet (3 haulers docked at headquarters) on
both. Target: each figure inside the live range, else within 25% of X1-AD75; compiled profit/hour
within +-30% of the real system's.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
REALDATA = REPO.parent / "shared" / "realdata" / "X1-AD75-universe-snapshot.json"
START = 1_750_000_000.0
HAULERS = 3
WAYPOINTS = 82  # X1-AD75's

# the live ranges of LIVE-FACTS.md, where the figure has one (lo, hi)
LIVE_RANGE: dict[str, tuple[float, float]] = {
    "markets": (25, 29),
    "made exports HIGH/ABUNDANT": (0.35, 0.65),
    "made exports SCARCE/LIMITED": (0.0, 0.0),
    "exports STRONG/GROWING": (0.0, 0.0),
    "imports WEAK": (0.71, 0.88),
    "imports GROWING": (0.0, 0.01),
    "market distance median": (135, 150),
    "market distance max": (800, 935),
    "importers per imported good": (1.6, 2.0),
    "most imports at a market without exports": (0, 9),
    "tradeVolume 6 share": (0.0525, 0.0875),  # live: "6 on ~7% of goods" (+-25%)
}
# price of a good traded from MODERATE to the middle of another level (live: acd-model)
LIVE_PRICE_BY_SUPPLY = {
    ("EXPORT", "LIMITED"): (1.33, 1.49),
    ("EXPORT", "SCARCE"): (1.55, 1.84),
    ("IMPORT", "HIGH"): (0.73, 0.76),
    ("IMPORT", "ABUNDANT"): (0.38, 0.60),
}


# price change for the agent after one lot: buying at an export, selling into an import
LIVE_LOT_IMPACT = {
    ("EXPORT", "HIGH"): (0.04, 0.05),
    ("EXPORT", "MODERATE"): (0.06, 0.07),
    ("EXPORT", "LIMITED"): (0.06, 0.10),
    ("EXPORT", "SCARCE"): (0.11, 0.14),
    ("IMPORT", "SCARCE"): (-0.017, -0.005),
    ("IMPORT", "LIMITED"): (-0.03, -0.017),
    ("IMPORT", "MODERATE"): (-0.05, -0.03),
    ("IMPORT", "HIGH"): (-0.13, -0.11),
    ("IMPORT", "ABUNDANT"): (-0.28, -0.20),
}


def twin_lot_impact() -> dict[tuple[str, str], float]:
    """Relative change of the agent's price after one tv-20 lot, drift off."""
    from plancc.sim.market import GoodSpec, MarketSim

    out = {}
    for kind, level in LIVE_LOT_IMPACT:
        m = MarketSim("X1-B-1", [GoodSpec("G", kind, 4000, 20, level, "WEAK")], {}, 1, 0.0, drift=0)
        key = "purchasePrice" if kind == "EXPORT" else "sellPrice"
        before = m.trade_goods(0.0)[0][key]
        (m.buy if kind == "EXPORT" else m.sell)("G", 20, 0.0)
        out[(kind, level)] = m.trade_goods(0.0)[0][key] / before - 1
    return out


def _real_snapshot() -> dict[str, Any]:
    from plancc.parse import realdata_to_snapshot

    return realdata_to_snapshot(json.loads(REALDATA.read_text()))


def _twin_snapshot(seed: int) -> dict[str, Any]:
    from plancc.sim.universe import generate_universe, seen_from_everywhere

    u = generate_universe(seed, start=START, waypoint_count=WAYPOINTS, haulers=HAULERS)
    return seen_from_everywhere(u, START)


def _with_fleet_at_headquarters(snapshot: dict[str, Any]) -> dict[str, Any]:
    """The same fleet for every system: the twin's haulers, docked at the agent's headquarters."""
    from plancc.sim.universe import make_fleet

    hq = snapshot["agent"]["headquarters"]
    here = next(w for w in snapshot["waypoints"] if w["symbol"] == hq)
    fleet = make_fleet(snapshot["agent"]["symbol"], here, START, HAULERS, 0)
    return {**snapshot, "ships": fleet}


def compiled_profit_per_hour(snapshot: dict[str, Any]) -> float:
    """Expected profit/hour of the plan the compiler makes for this system and fleet."""
    from plancc.compile import compile_plan
    from plancc.inputs import POLICY_NAME, bundled_recipes_dir, recipe_files
    from plancc.load import load_policy, load_recipes
    from plancc.parse import parse_snapshot

    book = load_recipes(recipe_files([]))
    policy = load_policy(bundled_recipes_dir() / POLICY_NAME)
    snap = parse_snapshot(_with_fleet_at_headquarters(snapshot))
    plan = compile_plan(book, policy, snap, inputs={"snapshot": "sha256:" + "0" * 64})
    return float(plan.objective.profit_per_hour)


def twin_price_by_supply() -> dict[tuple[str, str], float]:
    """Mid of a MODERATE good traded to the middle of another level, over its MODERATE mid."""
    from plancc.sim.market import SUPPLY_FILL, GoodSpec, MarketSim, lots_between

    out = {}
    for kind, level in LIVE_PRICE_BY_SUPPLY:

        def mid(m: MarketSim) -> float:
            r = m.trade_goods(0.0)[0]
            return (r["purchasePrice"] + r["sellPrice"]) / 2

        m = MarketSim("X1-B-1", [GoodSpec("G", kind, 4000, 20, "MODERATE", "WEAK")], {}, 1, 0.0)
        before = mid(m)
        lo, hi = sorted((SUPPLY_FILL["MODERATE"], SUPPLY_FILL[level]))
        units = round(lots_between(lo, hi, kind) * 20)
        (m.buy if SUPPLY_FILL[level] < SUPPLY_FILL["MODERATE"] else m.sell)("G", units, 0.0)
        out[(kind, level)] = mid(m) / before
    return out


def _verdict(name: str, twin: float, real: float) -> str:
    if name in LIVE_RANGE:
        lo, hi = LIVE_RANGE[name]
        return "ok (live range)" if lo - 1e-9 <= twin <= hi + 1e-9 else f"OUT of live {lo}-{hi}"
    if real == 0:
        return "ok" if twin == 0 else "OUT"
    return "ok (25% of X1-AD75)" if abs(twin / real - 1) <= 0.25 else "OUT of 25% of X1-AD75"


def main(argv: list[str] | None = None) -> int:
    from plancc.sim.fidelity import system_figures

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="CI form: 2 seeds")
    parser.add_argument("--seeds", type=int, default=32, help="at least 8")
    args = parser.parse_args(argv)
    seeds = list(range(1, (2 if args.short else max(8, args.seeds)) + 1))
    t0 = time.perf_counter()
    real = _real_snapshot()
    real_figures = system_figures(real)
    twins = []
    for seed in seeds:
        snap = _twin_snapshot(seed)
        twins.append((system_figures(snap), compiled_profit_per_hour(snap)))
        print(f"  seed {seed}: {twins[-1][1]:,.0f} cr/h", flush=True)
    print(f"twin (median of {len(seeds)} seeds, {WAYPOINTS} waypoints) vs X1-AD75")
    print(f"{'figure':48s} {'twin':>10s} {'X1-AD75':>10s} {'ratio':>7s}  verdict")
    out = 0
    for name, real_value in real_figures.items():
        twin = statistics.median(t[name] for t, _ in twins)
        ratio = twin / real_value if real_value else math.nan
        verdict = _verdict(name, twin, real_value)
        out += verdict.startswith("OUT")
        print(f"{name:48s} {twin:10.2f} {real_value:10.2f} {ratio:6.2f}x  {verdict}")
    for (kind, level), ratio in twin_price_by_supply().items():
        lo, hi = LIVE_PRICE_BY_SUPPLY[(kind, level)]
        verdict = "ok (live range)" if lo <= ratio <= hi else f"OUT of live {lo}-{hi}"
        out += verdict.startswith("OUT")
        print(
            f"{kind + ' price at ' + level + ' / MODERATE':48s} {ratio:10.2f} {'':>10s} {'':>7s}  {verdict}"
        )
    for (kind, level), change in twin_lot_impact().items():
        lo, hi = LIVE_LOT_IMPACT[(kind, level)]
        verdict = "ok (live range)" if lo <= change <= hi else f"OUT of live {lo}-{hi}"
        out += verdict.startswith("OUT")
        side = "buying" if kind == "EXPORT" else "selling"
        name = f"{side} one lot at {level} {kind}"
        print(f"{name:48s} {change:+10.1%} {'':>10s} {'':>7s}  {verdict}")
    real_rate = compiled_profit_per_hour(real)
    twin_rate = statistics.median(rate for _, rate in twins)
    ratio = twin_rate / real_rate if real_rate else math.inf
    verdict = "ok (within 30%)" if abs(ratio - 1) <= 0.30 else "OUT of +-30%"
    out += verdict.startswith("OUT")
    print(
        f"{'compiled profit/hour, ' + str(HAULERS) + ' haulers at HQ':48s} "
        f"{twin_rate:10,.0f} {real_rate:10,.0f} {ratio:6.2f}x  {verdict}"
    )
    print(f"{out} figure(s) outside their target; {time.perf_counter() - t0:.1f} s wall")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
