"""``plancc compile``: load the inputs, run the compiler, write the plan file atomically.

The command only prints; the work is ``plancc.inputs.compile_files`` (which calls
``plancc.compile.compile_plan``), the file format is ``plancc.planfile``'s and the summary
``plancc.render.compile_summary``'s. Progress goes to stderr (one line per phase), the summary
to stdout (``--json``: one JSON object), so ``plancc compile --json ... | jq`` works.
"""

from __future__ import annotations

import json
import time

import click

from plancc.cli.options import Finite


@click.command("compile")
@click.option(
    "--recipes",
    "recipes",
    multiple=True,
    metavar="DIR|FILE",
    help="Recipe files, or directories of *.yaml (policy.yaml excluded). Default: the bundled recipes.",
)
@click.option("--policy", metavar="FILE", help="Policy file. Default: the bundled policy.yaml.")
@click.option("--snapshot", required=True, metavar="FILE", help="Market snapshot (JSON).")
@click.option("--hint", metavar="FILE", help="Previous plan: keep legs where they were.")
@click.option(
    "--hint-state",
    metavar="STATE",
    help="Runner state file: its active plan is the hint, and the legs the runner has under way "
    "keep their ships (instead of --hint).",
)
@click.option(
    "--time-limit",
    type=Finite(0.0, 3600.0),  # 0 is refused by the compiler, which says why
    default=10.0,
    show_default=True,
    help="Seconds the cpsat scheduler may search, as a budget: iterations and CP-SAT "
    "deterministic time sized for a 2-core machine (it stops sooner when it proves the plan "
    "optimal), never cut by the clock, so the same inputs give the same plan on any machine; "
    "a loaded machine just takes longer. "
    "The list and greedy schedulers finish in well under a second.",
)
@click.option(
    "--scheduler",
    type=click.Choice(["cpsat", "list", "greedy"]),
    default="cpsat",
    show_default=True,
    help="cpsat: the optimiser (list schedules, then OR-Tools CP-SAT: exact on small plans, "
    "local search and CP-SAT windows on large ones; the plan records objective, labelled bound, "
    "gap, status OPTIMAL/FEASIBLE/HEURISTIC, solver version, parameters and seed); "
    "list: earliest completion time; greedy: the design's baseline.",
)
@click.option(
    "--objective",
    type=click.Choice(["profit_weighted_completion", "makespan"]),
    default="profit_weighted_completion",
    show_default=True,
    help="What cpsat minimises: the sum of each pipeline's profit x the end of its last SELL "
    "(front-loads profit; makespan breaks ties), or the makespan.",
)
@click.option(
    "--seed", type=int, default=0, show_default=True, help="Seed of the cpsat scheduler's search."
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
@click.option("-o", "--output", required=True, metavar="FILE", help="Plan file to write.")
def compile_cmd(
    recipes: tuple[str, ...],
    policy: str | None,
    snapshot: str,
    hint: str | None,
    hint_state: str | None,
    time_limit: float,
    scheduler: str,
    objective: str,
    seed: int,
    as_json: bool,
    output: str,
) -> None:
    """Compile recipes, policy and a market snapshot into a plan file.

    Progress goes to stderr, a summary to stdout. No profitable work is not an error: the plan
    is empty and says why each candidate was rejected. Bad input exits 2.

    \b
    Example:
      plancc compile --recipes recipes/ --policy recipes/policy.yaml \\
          --snapshot plans/example.snapshot.json -o plans/today.yaml
      plancc compile --snapshot snap.json --hint plans/today.yaml --json -o plans/new.yaml
      plancc compile --snapshot snap.json --hint-state state.db -o plans/new.yaml
    """
    from plancc.fileio import check_output, write_atomically
    from plancc.inputs import compile_files, recipe_files
    from plancc.planfile import dump_plan
    from plancc.render.compile_summary import render_summary, summary

    # the plan never replaces one of its own inputs (-o SNAP --snapshot SNAP), nor a device;
    # checked before the compile so a bad -o costs nothing
    if hint and hint_state:
        raise click.UsageError("--hint and --hint-state: pass one of them")
    inputs = [*recipe_files(recipes), policy, snapshot, hint, hint_state]
    check_output(output, inputs)
    started = last = time.perf_counter()

    def progress(phase: str, detail: str) -> None:
        nonlocal last
        now = time.perf_counter()
        click.echo(f"{phase:>9}: {detail} ({(now - last) * 1000:.0f} ms)", err=True)
        last = now

    plan, snap = compile_files(
        recipes,
        policy,
        snapshot,
        hint=hint,
        hint_state=hint_state,
        scheduler=scheduler,
        time_limit_s=time_limit,
        progress=progress,
        objective=objective,
        seed=seed,
    )
    write_atomically(output, dump_plan(plan), inputs=inputs)
    progress("write", output)
    click.echo(f"{'total':>9}: {(time.perf_counter() - started) * 1000:.0f} ms", err=True)
    figures = summary(plan, output, len(snap.ships) + len(snap.left_out), snap.left_out)
    if as_json:
        click.echo(json.dumps(figures, sort_keys=True))
    else:
        click.echo(render_summary(plan, figures))
