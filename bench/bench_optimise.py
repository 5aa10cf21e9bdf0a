"""The optimising scheduler (cpsat) against list, greedy, the best known plan and the bounds.

    python -m bench.bench_optimise [--short] [--only NAME] [--seeds N]
    python -m bench.bench_optimise --best-known [--time-limit 120]   # refresh the fixture

Issue 10's Performance section, one part per figure, every ratio measured side by side in one
run on the same built problem, median over seeds; every schedule is checked:

* ``headline``: 20 ships / ~200 legs, 10 s, makespan objective: cpsat/list, greedy/cpsat and
  cpsat/best-known (``bench/fixtures/best_known.json``: the best of a 120 s run of this
  scheduler, with the instance's generator arguments and its per-ship sequences, re-checked).
* ``exact50``: ~50 legs, 10 s: on how many seeds cpsat proves optimality (makespan objective),
  else its gap to the best bound; and the real X1-AD75 plan with 1..10 haulers.
* ``profit``: the same ~200-leg instances with pipeline profits: profit-weighted completion time
  of cpsat (default objective) / list's.
* ``large``: 50 ships / ~500 legs, 30 s: a checked plan and its bound, and the wall time.
* ``stability``: drop one pipeline, add three; recompile with the old plan as hint: share of
  the untouched legs that changed ship, and the makespan against a fresh compile.
* ``growth``: legs 50..800 at 10 s: wall time, gap to the bound, cpsat/list.
The short form (CI) runs every part on tiny instances with a 1 s limit: it checks they run.
Figures are for people (closing notes), never asserted; note ``uptime`` load with them.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.bench_schedule import Instance, generate, problem_of
from plancc.schedule import MAKESPAN, WEIGHTED, check, solve
from plancc.schedule.objective import target, weighted_completion
from plancc.schedule.optimise import optimise
from plancc.schedule.problem import Problem, ScheduleResult
from plancc.schedule.sequence import decode

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "best_known.json"
LEGS_PER_PIPELINE = 12.25  # generate(..., lots=6): 2-3 inputs x 1-6 lots + 1-6 output lots


def sized(seed: int, legs: int, ships: int) -> Instance:
    """A generated instance of about ``legs`` legs."""
    return generate(seed, pipelines=max(1, round(legs / LEGS_PER_PIPELINE)), ships=ships, lots=6)


def profits_of(inst: Instance, seed: int) -> dict[str, int]:
    rng = random.Random(seed * 7919)
    return {p: rng.randint(2_000, 60_000) for p in sorted({lg.pipeline for lg in inst.legs})}


def run_cpsat(
    inst: Instance, problem: Problem, objective: str, limit: float, seed: int = 0, **kw: Any
) -> tuple[ScheduleResult, Any, float]:
    t = target(
        objective, inst.legs, inst.tasks, profits_of(inst, seed) if objective == WEIGHTED else None
    )
    t0 = time.perf_counter()
    result, info = optimise(problem, t, seed=seed, time_limit_s=limit, **kw)
    wall = time.perf_counter() - t0
    problems = check(problem, result)
    if problems:
        raise SystemExit(f"cpsat schedule breaks a rule: {problems[0]}")
    return result, info, wall


def _key(seed: int, legs: int, ships: int) -> str:
    return f"seed{seed}-legs{legs}-ships{ships}"


def _load_fixture() -> dict[str, Any]:
    return json.loads(FIXTURE.read_text()) if FIXTURE.exists() else {}


def _fixture_makespan(entry: dict[str, Any], problem: Problem) -> int | None:
    """Re-time the stored sequences; None if they no longer fit the instance."""
    index = {leg.id: i for i, leg in enumerate(problem.legs)}
    ships = {s.symbol: k for k, s in enumerate(problem.ships)}
    seqs = [[] for _ in problem.ships]  # type: list[list[int]]
    for sym, legs in entry["ships"].items():
        seqs[ships[sym]] = [index[leg] for leg in legs]
    timed = decode(problem, seqs)
    return None if timed is None else max(e[1] for e in timed.ends)


def best_known(seeds: list[int], limit: float) -> int:
    """Run the headline instances for ``limit`` seconds each and keep the better of the run and
    the stored fixture."""
    fixture = _load_fixture()
    for seed in seeds:
        inst = sized(seed, 200, 20)
        problem = problem_of(inst)
        result, info, wall = run_cpsat(inst, problem, MAKESPAN, limit, seed=seed)
        key = _key(seed, 200, 20)
        old = fixture.get(key)
        if old and old["makespan_s"] <= result.makespan_s:
            print(f"{key}: kept {old['makespan_s']} s (this run {result.makespan_s} s)")
            continue
        fixture[key] = {
            "generator": {"seed": seed, "legs": 200, "ships": 20, "lots": 6},
            "makespan_s": result.makespan_s,
            "time_limit_s": limit,
            "status": info.status,
            "load": os.getloadavg()[0],
            "ships": {sp.ship: [sl.leg for sl in sp.legs] for sp in result.ships if sp.legs},
        }
        print(f"{key}: best known {result.makespan_s} s ({wall:.0f} s, {info.status})")
    FIXTURE.write_text(json.dumps(fixture, indent=1, sort_keys=True) + "\n")
    return 0


def part_headline(short: bool, seeds: list[int]) -> None:
    legs, ships, limit = (30, 4, 1.0) if short else (200, 20, 10.0)
    fixture = _load_fixture()
    rows = []
    for seed in seeds:
        inst = sized(seed, legs, ships)
        problem = problem_of(inst)
        lst = solve(problem, method="list")
        grd = solve(problem, method="greedy")
        res, info, wall = run_cpsat(inst, problem, MAKESPAN, limit, seed=seed)
        entry = fixture.get(_key(seed, legs, ships))
        best = _fixture_makespan(entry, problem) if entry else None
        best = min(best, res.makespan_s) if best else None
        rows.append(
            (
                res.makespan_s / lst.makespan_s,
                1 - res.makespan_s / grd.makespan_s,
                res.makespan_s / best if best else float("nan"),
            )
        )
        print(f"  seed {seed}: {len(problem.legs)} legs, list {lst.makespan_s}, greedy "
              f"{grd.makespan_s}, cpsat {res.makespan_s} ({info.status}, {wall:.1f} s, "
              f"{','.join(info.phases)}), best known {best}, bound {res.bound_s} "
              f"({info.bound_label})")  # fmt: skip
    med = [statistics.median(c) for c in zip(*rows, strict=True)]
    print(f"headline ratio (median of {len(rows)}): cpsat/list {med[0]:.3f}x (target <= 0.85), "
          f"shorter than greedy by {med[1]:.0%} (target >= 50%), cpsat/best-known "
          f"{med[2]:.3f}x (target <= 1.03)")  # fmt: skip


def part_exact50(short: bool, seeds: list[int]) -> None:
    legs, ships, limit = (15, 3, 1.0) if short else (50, 10, 10.0)
    proven = 0
    gaps = []
    for seed in seeds:
        inst = sized(seed, legs, ships)
        problem = problem_of(inst)
        lst = solve(problem, method="list")
        res, info, wall = run_cpsat(inst, problem, MAKESPAN, limit, seed=seed)
        proven += info.status == "OPTIMAL"
        gap = (res.makespan_s - res.bound_s) / res.makespan_s
        gaps.append(gap)
        print(f"  seed {seed}: {len(problem.legs)} legs, {info.status} in {wall:.1f} s, cpsat "
              f"{res.makespan_s} (list {lst.makespan_s}), bound {res.bound_s} "
              f"({info.bound_label}), gap {gap:.1%}")  # fmt: skip
    print(f"exact ratio: proven optimal on {proven} of {len(seeds)} seeds; median gap to the "
          f"best bound {statistics.median(gaps):.1%}")  # fmt: skip
    _real_plans(short)


def _real_plans(short: bool) -> None:
    from plancc.compile import compile_plan
    from plancc.load import load_policy, load_recipes, load_snapshot

    repo = Path(__file__).resolve().parent.parent
    book = load_recipes(
        sorted(p for p in (repo / "recipes").glob("*.yaml") if p.name != "policy.yaml")
    )
    policy = load_policy(repo / "recipes" / "policy.yaml")
    snap = load_snapshot(repo / "plans" / "example.snapshot.json")
    hauler = next(s for s in snap.ships if s.cargo_capacity > 0)
    counts = (1, 3) if short else (1, 3, 5, 10)
    proven = 0
    for n in counts:
        fleet = tuple(dataclasses.replace(hauler, symbol=f"{hauler.symbol}-{i}") for i in range(n))
        s = dataclasses.replace(snap, ships=fleet)
        for objective in (WEIGHTED, MAKESPAN):
            t0 = time.perf_counter()
            plan = compile_plan(book, policy, s, inputs={}, objective=objective, time_limit_s=10.0)
            obj = plan.objective
            proven += obj.status == "OPTIMAL"
            value = (
                f", value {obj.search.value:,} (bound {obj.search.value_bound:,})"
                if obj.search
                else ""
            )
            print(f"  X1-AD75, {n} hauler(s), {objective}: {len(plan.legs)} legs, "
                  f"{obj.status} in {time.perf_counter() - t0:.1f} s{value}")  # fmt: skip
    print(f"X1-AD75 ratio: proven optimal {proven} of {2 * len(counts)}")


def part_profit(short: bool, seeds: list[int]) -> None:
    legs, ships, limit = (30, 4, 1.0) if short else (200, 20, 10.0)
    ratios = []
    for seed in seeds:
        inst = sized(seed, legs, ships)
        problem = problem_of(inst)
        profits = profits_of(inst, seed)
        lst = solve(problem, method="list")
        res, info, _ = run_cpsat(inst, problem, WEIGHTED, limit, seed=seed)
        ends = {sl.leg: sl.end_s for r in (lst,) for sp in r.ships for sl in sp.legs}
        w_list = weighted_completion(profits, inst.legs, inst.tasks, ends)
        ends = {sl.leg: sl.end_s for sp in res.ships for sl in sp.legs}
        w_opt = weighted_completion(profits, inst.legs, inst.tasks, ends)
        ratios.append(w_opt / w_list)
        print(f"  seed {seed}: profit-weighted completion cpsat/list {w_opt / w_list:.3f} "
              f"(makespan {res.makespan_s} vs {lst.makespan_s}, {info.status})")  # fmt: skip
    print(f"profit ratio (median): cpsat/list {statistics.median(ratios):.3f}x (target <= 0.90)")


def part_large(short: bool, seeds: list[int]) -> None:
    legs, ships, limit = (60, 8, 1.0) if short else (500, 50, 30.0)
    for seed in seeds[:1]:
        inst = sized(seed, legs, ships)
        t0 = time.perf_counter()
        problem = problem_of(inst)
        build = time.perf_counter() - t0
        lst = solve(problem, method="list")
        res, info, wall = run_cpsat(inst, problem, MAKESPAN, limit, seed=seed)
        print(f"large ratio: {len(problem.legs)} legs, {ships} ships: checked plan in "
              f"{build + wall:.1f} s (limit {limit:.0f} s + build {build:.1f} s), cpsat/list "
              f"{res.makespan_s / lst.makespan_s:.3f}x, bound {res.bound_s} ({info.bound_label}), "
              f"gap {(res.makespan_s - res.bound_s) / res.makespan_s:.1%}, {info.status}")  # fmt: skip


def _only(inst: Instance, pipelines: set[str]) -> Instance:
    return dataclasses.replace(
        inst,
        legs=tuple(lg for lg in inst.legs if lg.pipeline in pipelines),
        tasks=tuple(t for t in inst.tasks if t.pipeline in pipelines),
    )


def part_stability(short: bool, seeds: list[int]) -> None:
    legs, ships, limit = (40, 5, 1.0) if short else (100, 10, 10.0)
    moved_share, cost = [], []
    for seed in seeds:
        inst = sized(seed, legs + 40, ships)
        names = sorted({lg.pipeline for lg in inst.legs}, key=lambda p: int(p[1:]))
        old_set = set(names[:-3])
        new_set = (old_set - {names[0]}) | set(names[-3:])
        old_i, new_i = _only(inst, old_set), _only(inst, new_set)
        old_p, new_p = problem_of(old_i), problem_of(new_i)
        old, _, _ = run_cpsat(old_i, old_p, WEIGHTED, limit, seed=seed)
        pins = {sl.leg: sp.ship for sp in old.ships for sl in sp.legs}
        starts = {sl.leg: sl.start_s for sp in old.ships for sl in sp.legs}
        hinted, _, _ = run_cpsat(new_i, new_p, WEIGHTED, limit, seed=seed, pins=pins,
                                 pinned_start=starts, move_penalty_s=120)  # fmt: skip
        fresh, _, _ = run_cpsat(new_i, new_p, WEIGHTED, limit, seed=seed)
        after = {sl.leg: sp.ship for sp in hinted.ships for sl in sp.legs}
        shared = [leg for leg in pins if leg in after]
        moved = sum(pins[leg] != after[leg] for leg in shared)
        moved_share.append(moved / len(shared))
        cost.append(hinted.makespan_s / fresh.makespan_s)
        print(f"  seed {seed}: {moved} of {len(shared)} untouched legs changed ship; makespan "
              f"{hinted.makespan_s} hinted vs {fresh.makespan_s} fresh")  # fmt: skip
    print(f"stability ratio (median): {statistics.median(moved_share):.0%} of untouched legs "
          f"moved (target <= 25%), makespan hinted/fresh {statistics.median(cost):.3f}x "
          f"(target <= 1.05)")  # fmt: skip


def part_growth(short: bool, seeds: list[int]) -> None:
    sizes = (20, 40) if short else (50, 100, 200, 400, 800)
    limit = 1.0 if short else 10.0
    print(
        f"  {'legs':>5} {'ships':>5} {'wall s':>7} {'cpsat/list':>11} {'gap':>7} {'bound':>20} status"
    )
    for legs in sizes:
        ships = max(3, legs // 10)
        inst = sized(seeds[0], legs, ships)
        t0 = time.perf_counter()
        problem = problem_of(inst)
        lst = solve(problem, method="list")
        res, info, _ = run_cpsat(inst, problem, MAKESPAN, limit, seed=seeds[0])
        wall = time.perf_counter() - t0
        gap = (res.makespan_s - res.bound_s) / res.makespan_s
        print(f"  {len(problem.legs):>5} {ships:>5} {wall:>7.1f} {res.makespan_s / lst.makespan_s:>10.3f}x "
              f"{gap:>7.1%} {info.bound_label:>20} {info.status}")  # fmt: skip
    print("growth ratio: see the table (wall includes building the problem and the bound)")


PARTS: dict[str, Callable[[bool, list[int]], None]] = {
    "headline": part_headline,
    "exact50": part_exact50,
    "profit": part_profit,
    "large": part_large,
    "stability": part_stability,
    "growth": part_growth,
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m bench.bench_optimise", description=__doc__.splitlines()[0]
    )
    ap.add_argument("--short", action="store_true", help="tiny instances, 1 s limits (CI)")
    ap.add_argument("--only", choices=sorted(PARTS), action="append")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--best-known", action="store_true", help="refresh the 120 s fixture")
    ap.add_argument("--time-limit", type=float, default=120.0)
    args = ap.parse_args(argv)
    seeds = list(range(1, 1 + (1 if args.short else args.seeds)))
    if args.best_known:
        return best_known(seeds, args.time_limit)
    print(f"load average {os.getloadavg()[0]:.2f} (2 cores shared)")
    for name in args.only or list(PARTS):
        print(f"-- {name}", flush=True)
        PARTS[name](args.short, seeds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
