"""List scheduling vs the design's greedy rule, on generated manufacturing instances.

    python -m bench.bench_schedule [--short] [--seed N]

Each instance is a random system (waypoints on a plane, every one a fuel market), a fleet of
haulers of mixed engine speeds (plus a probe that must get nothing), and several pipelines: a
product made from 2-3 inputs, each input bought in lots (ACQUIRE+DELIVER legs into the factory),
then the product collected after the production lag and sold (COLLECT+SELL legs that wait for
every delivery). Both schedulers run on the same built problem; every result is checked; the
figures are makespans (simulated seconds), the lower bound, greedy/list ratios and wall times.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from dataclasses import dataclass

from plancc.model import Leg, Policy, Ship, Task, Waypoint
from plancc.schedule import check, solve
from plancc.schedule.problem import Problem, build_problem

POLICY = Policy()


@dataclass(frozen=True)
class Instance:
    name: str
    tasks: tuple[Task, ...]
    legs: tuple[Leg, ...]
    ships: tuple[Ship, ...]
    waypoints: tuple[Waypoint, ...]


def generate(seed: int, *, pipelines: int, ships: int, lots: int) -> Instance:
    rng = random.Random(seed)
    n_wp = 20 + 3 * pipelines
    waypoints = tuple(
        Waypoint(
            f"X1-W{i:02d}",
            "X1",
            "PLANET",
            rng.randint(-400, 400),
            rng.randint(-400, 400),
            ("MARKETPLACE",),
        )
        for i in range(n_wp)
    )
    symbols = [w.symbol for w in waypoints]
    fleet = [
        Ship(
            f"HAULER-{i:02d}",
            "HAULER",
            "FRAME_LIGHT_FREIGHTER",
            rng.choice([10, 15, 30, 36]),
            rng.choice([40, 80]),
            (),
            rng.choice([400, 1200]),
            rng.choice([400, 1200]),
            rng.choice(symbols),
            "X1",
            "DOCKED",
        )
        for i in range(ships)
    ]
    fleet = [
        Ship(**{**s.__dict__, "fuel_current": min(s.fuel_current, s.fuel_capacity)}) for s in fleet
    ]
    fleet.append(
        Ship("PROBE-01", "SATELLITE", "FRAME_PROBE", 9, 0, (), 0, 0, symbols[0], "X1", "DOCKED")
    )

    tasks: list[Task] = []
    legs: list[Leg] = []
    for p in range(pipelines):
        pid = f"P{p}"
        factory, sell = rng.sample(symbols, 2)
        delivers: list[str] = []
        for g in range(rng.randint(2, 3)):
            source = rng.choice([s for s in symbols if s != factory])
            for lot in range(rng.randint(1, lots)):
                base = f"{pid}/IN{g}#{lot}"
                qty = rng.choice([20, 35, 40])
                acquire = Task(f"{base}/acquire", "ACQUIRE", pid, f"IN{g}", qty, source)
                deliver = Task(
                    f"{base}/deliver", "DELIVER", pid, f"IN{g}", qty, factory, (acquire.id,)
                )
                tasks += [acquire, deliver]
                legs.append(Leg(base, acquire.id, deliver.id, f"IN{g}", qty, pid))
                delivers.append(deliver.id)
        for lot in range(rng.randint(1, lots)):
            base = f"{pid}/OUT#{lot}"
            qty = rng.choice([20, 40])
            collect = Task(
                f"{base}/collect",
                "COLLECT",
                pid,
                "OUT",
                qty,
                factory,
                tuple(delivers),
                POLICY.production_lag_s,
            )
            sell_t = Task(f"{base}/sell", "SELL", pid, "OUT", qty, sell, (collect.id,))
            tasks += [collect, sell_t]
            legs.append(Leg(base, collect.id, sell_t.id, "OUT", qty, pid))
    name = f"seed{seed} p{pipelines} s{ships}"
    return Instance(name, tuple(tasks), tuple(legs), tuple(fleet), waypoints)


def problem_of(inst: Instance) -> Problem:
    return build_problem(inst.tasks, inst.legs, inst.ships, inst.waypoints, POLICY)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m bench.bench_schedule", description=__doc__.splitlines()[0]
    )
    ap.add_argument("--short", action="store_true", help="a few small instances, a few seconds")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    if args.short:
        sizes = [(3, 4, 2), (3, 8, 3)]
        seeds = range(args.seed, args.seed + 3)
    else:
        sizes = [(3, 4, 2), (3, 8, 3), (5, 12, 4), (8, 20, 5), (12, 40, 6)]
        seeds = range(args.seed, args.seed + 8)

    print(
        f"{'instance':<20}{'legs':>6}{'ships':>6}{'greedy s':>10}{'list s':>10}{'bound s':>10}"
        f"{'greedy/list':>13}{'list/bound':>12}{'t_greedy ms':>13}{'t_list ms':>11}{'t_build ms':>12}"
    )
    ratios: list[float] = []
    gaps: list[float] = []
    failures = 0
    for pipelines, ships, lots in sizes:
        for seed in seeds:
            inst = generate(seed, pipelines=pipelines, ships=ships, lots=lots)
            t0 = time.perf_counter()
            problem = problem_of(inst)
            t_build = (time.perf_counter() - t0) * 1000
            results = {}
            times = {}
            for method in ("greedy", "list"):
                t0 = time.perf_counter()
                results[method] = solve(problem, method=method)
                times[method] = (time.perf_counter() - t0) * 1000
                problems = check(problem, results[method])
                if problems:
                    failures += 1
                    print(f"  {inst.name} {method}: INFEASIBLE: {problems[0]}")
            g, li = results["greedy"], results["list"]
            ratio = g.makespan_s / li.makespan_s if li.makespan_s else 1.0
            gap = li.makespan_s / li.bound_s if li.bound_s else 1.0
            ratios.append(ratio)
            gaps.append(gap)
            print(
                f"{inst.name:<20}{len(inst.legs):>6}{ships:>6}{g.makespan_s:>10}{li.makespan_s:>10}"
                f"{li.bound_s:>10}{ratio:>12.3f}x{gap:>11.3f}x{times['greedy']:>13.1f}{times['list']:>11.1f}{t_build:>12.1f}"
            )
    print(
        f"greedy/list makespan ratio: geometric mean {statistics.geometric_mean(ratios):.3f}x, "
        f"min {min(ratios):.3f}x, max {max(ratios):.3f}x over {len(ratios)} instances "
        f"(list better on {sum(r > 1 for r in ratios)}, equal on {sum(r == 1 for r in ratios)}, "
        f"worse on {sum(r < 1 for r in ratios)})"
    )
    print(
        f"list/bound ratio: geometric mean {statistics.geometric_mean(gaps):.3f}x, max {max(gaps):.3f}x"
    )
    if failures:
        print(f"{failures} schedules broke a rule")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
