"""How long each compile phase takes on the real X1-AD75 snapshot, against the 1 s budget.

    python -m bench.bench_compile [--short] [--repeat N]

Issue 4 requires everything but the solver (load, demand, resolve, sizing, sell selection,
pipelines, tasks, writing the file) to stay under 1 s for this snapshot. Each phase is timed
on its own (median of N runs), then the whole compile (``compile_plan``) and the file writing
(``dump_plan``); the non-solver figure is load + whole compile + dump - the list scheduler.

Two cases: the snapshot as recorded (the only cargo ship sits at X1-AD75-J58, 750+ units from
every factory, so its first flight needs refuelling stops) and the same snapshot with the fleet
docked at headquarters. The list and greedy makespans are printed side by side for both. The
long form adds a 90-waypoint system from the twin's generator (load time not counted), whose
market table is three times the real one's: the headroom left under the budget.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BUDGET_S = 1.0
REPO = Path(__file__).resolve().parent.parent
SNAPSHOT = REPO / "plans" / "example.snapshot.json"


def _median_s(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times: list[float] = []
    out: Any = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def _at_headquarters(snap: Any) -> Any:
    home = snap.agent.headquarters
    ships = tuple(
        dataclasses.replace(s, waypoint=home, status="DOCKED", arrival=None) for s in snap.ships
    )
    return dataclasses.replace(snap, ships=ships)


def _generated(seed: int, waypoints: int, haulers: int) -> Any:
    """A system from the twin's seeded generator, every market's trade goods visible."""
    from plancc.parse import parse_snapshot
    from plancc.sim.universe import generate_universe, seen_from_everywhere

    start = 1_750_000_000.0
    u = generate_universe(seed, start=start, waypoint_count=waypoints, haulers=haulers)
    return parse_snapshot(seen_from_everywhere(u, start))


def _case(label: str, book: Any, policy: Any, snap: Any, load_s: float, repeat: int) -> float:
    """Time every phase on one snapshot; print the table; return the non-solver seconds."""
    from plancc import chain, pipeline, schedule
    from plancc.compile import compile_plan
    from plancc.planfile import dump_plan

    rows: list[tuple[str, float, str]] = [("load", load_s, f"{len(snap.markets)} markets")]

    t, (candidates, _) = _median_s(lambda: chain.find_demand(snap, book, policy), repeat)
    rows.append(("demand", t, f"{len(candidates)} candidates"))

    cargo = min((s.cargo_capacity for s in snap.ships if s.cargo_capacity > 0), default=1)

    def resolve_all() -> int:
        ok = 0
        for c in candidates:
            try:
                chain.resolve(c.good, cargo, snap, book, policy)
                ok += 1
            except chain.Unresolvable:
                pass
        return ok

    t, resolved = _median_s(resolve_all, repeat)
    rows.append(("resolve", t, f"{resolved} of {len(candidates)} candidates resolved"))

    t, (pipelines, rejected) = _median_s(
        lambda: chain.plan_pipelines(snap, book, policy, candidates=candidates), repeat
    )
    rows.append(("pipelines", t, f"{len(pipelines)} planned, {len(rejected)} rejected"))

    t, (tasks, legs) = _median_s(lambda: pipeline.build_tasks(pipelines, policy, cargo), repeat)
    rows.append(("tasks", t, f"{len(tasks)} tasks, {len(legs)} legs"))

    ships = [s for s in snap.ships if s.cargo_capacity > 0]
    makespans: dict[str, int] = {}
    solver: dict[str, float] = {}
    for method in ("list", "greedy"):
        t, result = _median_s(
            lambda m=method: schedule.schedule(
                tasks,
                legs,
                ships,
                snap.waypoints,
                policy,
                method=m,
                markets=snap.markets,
                epoch=snap.captured_at,
            ),
            repeat,
        )
        makespans[method] = result.makespan_s
        solver[method] = t
        placed = sum(len(s.legs) for s in result.ships)
        rows.append(
            (
                f"schedule {method}",
                t,
                f"makespan {result.makespan_s} s, {placed} of {len(legs)} legs placed, {result.status}",
            )
        )

    t, plan = _median_s(
        lambda: compile_plan(book, policy, snap, inputs={}, scheduler="list"), repeat
    )
    rows.append(("compile_plan", t, f"whole pipeline (list), {plan.objective.status}"))
    whole = t
    t, text = _median_s(lambda: dump_plan(plan), repeat)
    rows.append(("dump_plan", t, f"{len(text.splitlines())} lines"))
    non_solver = max(load_s + whole + t - solver["list"], 0.0)

    width = max(len(r[0]) for r in rows)
    print(f"  {label}")
    for name, secs, note in rows:
        print(f"    {name:<{width}}  {secs * 1000:9.1f} ms   {note}")
    print(
        f"    everything but the solver: {non_solver * 1000:.1f} ms, "
        f"ratio {non_solver / BUDGET_S:.3f} x the {BUDGET_S:.0f} s budget "
        f"({'within' if non_solver <= BUDGET_S else 'OVER'} budget)"
    )
    if makespans["greedy"] and makespans["list"]:
        print(
            f"    makespan list / greedy: {makespans['list']} s / {makespans['greedy']} s, "
            f"ratio {makespans['list'] / makespans['greedy']:.3f}"
        )
    return non_solver


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_compile", description=__doc__)
    parser.add_argument("--short", action="store_true", help="3 runs per phase (a few seconds)")
    parser.add_argument("--repeat", type=int, default=0, help="runs per phase (default 15)")
    parser.add_argument("--snapshot", type=Path, default=SNAPSHOT)
    args = parser.parse_args(argv)
    repeat = args.repeat or (3 if args.short else 15)

    from plancc.inputs import POLICY_NAME, bundled_recipes_dir, recipe_files
    from plancc.load import load_policy, load_recipes, load_snapshot

    recipes = recipe_files([])
    policy_path = bundled_recipes_dir() / POLICY_NAME
    load_s, (book, policy, snap) = _median_s(
        lambda: (load_recipes(recipes), load_policy(policy_path), load_snapshot(args.snapshot)),
        repeat,
    )
    print(f"bench_compile: {args.snapshot.name}, {len(book.recipes)} recipes, median of {repeat}")
    _case("as recorded", book, policy, snap, load_s, repeat)
    _case("fleet at headquarters", book, policy, _at_headquarters(snap), load_s, repeat)
    if not args.short:  # headroom: a bigger market table than the real system's
        big = _generated(7, 90, 3)
        _case(f"generated {big.system}, {len(big.markets)} markets", book, policy, big, 0.0, repeat)
    return 0  # a figure to read, not a gate: timing on a loaded CI box is no test


if __name__ == "__main__":
    raise SystemExit(main())
