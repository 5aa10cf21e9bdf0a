"""How long each compile phase takes on the real X1-AD75 snapshot, against the 1 s budget.

    python -m bench.bench_compile [--short] [--repeat N]

Issue 4 requires everything but the solver (load, demand, resolve, sizing, sell selection,
pipelines, tasks, writing the file) to stay under 1 s for this snapshot. Each phase is timed
on its own (median of N runs); then a whole ``compile_files`` + ``dump_plan`` run is timed with
each scheduler, and the non-solver figure is that whole run minus the list scheduler's median.
The list and greedy schedules' makespans are printed side by side.
"""

from __future__ import annotations

import argparse
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_compile", description=__doc__)
    parser.add_argument("--short", action="store_true", help="3 runs per phase (a few seconds)")
    parser.add_argument("--repeat", type=int, default=0, help="runs per phase (default 15)")
    parser.add_argument("--snapshot", type=Path, default=SNAPSHOT)
    args = parser.parse_args(argv)
    repeat = args.repeat or (3 if args.short else 15)

    from plancc import chain, pipeline, schedule
    from plancc.cmd_compile import POLICY_NAME, bundled_recipes_dir, compile_files, recipe_files
    from plancc.load import load_policy, load_recipes, load_snapshot
    from plancc.planfile import dump_plan

    recipes = recipe_files([])
    policy_path = bundled_recipes_dir() / POLICY_NAME

    rows: list[tuple[str, float, str]] = []

    t, (book, policy, snap) = _median_s(
        lambda: (load_recipes(recipes), load_policy(policy_path), load_snapshot(args.snapshot)),
        repeat,
    )
    rows.append(("load", t, f"{len(snap.markets)} markets, {len(book.recipes)} recipes"))

    t, (candidates, _) = _median_s(lambda: chain.find_demand(snap, book, policy), repeat)
    rows.append(("demand", t, f"{len(candidates)} candidates"))

    cargo = min((s.cargo_capacity for s in snap.ships if s.cargo_capacity > 0), default=0)

    def resolve_all() -> int:
        ok = 0
        for c in candidates:
            try:
                chain.resolve(c.good, cargo or 1, snap, book, policy)
                ok += 1
            except chain.Unresolvable:
                pass
        return ok

    t, resolved = _median_s(resolve_all, repeat)
    rows.append(("resolve", t, f"{resolved} of {len(candidates)} candidates resolved"))

    t, (pipelines, rejected) = _median_s(lambda: chain.plan_pipelines(snap, book, policy), repeat)
    rows.append(("pipelines", t, f"{len(pipelines)} planned, {len(rejected)} rejected"))

    t, (tasks, legs) = _median_s(lambda: pipeline.build_tasks(pipelines, policy, cargo), repeat)
    rows.append(("tasks", t, f"{len(tasks)} tasks, {len(legs)} legs"))

    ships = [s for s in snap.ships if s.cargo_capacity > 0]
    makespans: dict[str, int] = {}
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
        rows.append((f"schedule {method}", t, f"makespan {result.makespan_s} s, {result.status}"))

    whole: dict[str, float] = {}
    for method in ("list", "greedy"):
        t, text = _median_s(
            lambda m=method: dump_plan(compile_files([], None, str(args.snapshot), scheduler=m)[0]),
            repeat,
        )
        whole[method] = t
        rows.append((f"whole {method}", t, f"compile + dump, {len(text)} bytes"))

    width = max(len(r[0]) for r in rows)
    print(f"bench_compile: {args.snapshot.name}, median of {repeat} runs")
    for name, t, note in rows:
        print(f"  {name:<{width}}  {t * 1000:9.1f} ms   {note}")
    schedule_list = next(t for n, t, _ in rows if n == "schedule list")
    non_solver = max(whole["list"] - schedule_list, 0.0)
    print(
        f"  everything but the solver: {non_solver * 1000:.1f} ms = "
        f"ratio {non_solver / BUDGET_S:.3f} x the {BUDGET_S:.0f} s budget "
        f"({'within' if non_solver <= BUDGET_S else 'OVER'} budget)"
    )
    if makespans["greedy"]:
        print(
            f"  makespan list/greedy: {makespans['list']} s / {makespans['greedy']} s = "
            f"{makespans['list'] / makespans['greedy']:.3f}"
        )
    return 0  # a figure to read, not a gate: timing on a loaded CI box is no test


if __name__ == "__main__":
    raise SystemExit(main())
