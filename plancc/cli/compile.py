"""``plancc compile``: load the inputs, run the compiler, write the plan file atomically.

The command only opens files and prints; the work is ``plancc.compile.compile_plan`` and the
file format is ``plancc.planfile``'s. Progress goes to stderr (one line per phase), the summary
to stdout (``--json``: one JSON object), so ``plancc compile --json ... | jq`` works.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import time
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import click

from plancc.cli import run_guarded
from plancc.errors import InputError, Where
from plancc.model import Plan, Rejection, Snapshot

Progress = Callable[[str, str], None]  # as plancc.compile.Progress, without importing it

POLICY_NAME = "policy.yaml"


def bundled_recipes_dir() -> Path:
    """The default supply chain and policy: ``recipes/`` (shipped as ``plancc.recipes``)."""
    return Path(str(resources.files("plancc.recipes")))


def recipe_files(paths: Sequence[str]) -> list[Path]:
    """Expand ``--recipes``: a directory means its ``*.yaml`` but policy.yaml, sorted by name."""
    out: list[Path] = []
    for raw in paths or [str(bundled_recipes_dir())]:
        p = Path(raw)
        if p.is_dir():
            found = sorted(f for f in p.glob("*.yaml") if f.name != POLICY_NAME)
            if not found:
                raise InputError("no recipe files (*.yaml) in this directory", Where(raw))
            out.extend(found)
        elif p.is_file():
            out.append(p)
        else:
            raise InputError("no such recipe file or directory", Where(raw))
    return out


def sha256_of(path: Path) -> str:
    try:
        return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", Where(str(path))) from None


def input_hashes(recipes: Sequence[Path], policy: Path, snapshot: Path) -> dict[str, str]:
    """Logical input names -> sha256. Names do not depend on where the files sit on disk."""
    hashes = {"policy": sha256_of(policy), "snapshot": sha256_of(snapshot)}
    for r in recipes:
        name = f"recipes/{r.name}"
        if name in hashes:  # two recipe files of one name from different folders
            name = f"recipes/{r.as_posix()}"
        hashes[name] = sha256_of(r)
    return hashes


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so a reader sees the old file or the new one, never half."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}", Where(str(path))) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _file_mode(path))  # mkstemp makes 0600; a plan is an ordinary file
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _file_mode(path: Path) -> int:
    """Keep an existing file's mode; a new file gets 0666 less the umask, as open() would."""
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def summary(plan: Plan, output: str, ships_in_fleet: int) -> dict[str, Any]:
    """The figures a reviewer looks at first; ``--json`` prints exactly this."""
    obj = plan.objective
    return {
        "output": output,
        "status": obj.status,
        "scheduler": obj.scheduler,
        "pipelines": len(plan.pipelines),
        "tasks": len(plan.tasks),
        "legs": len(plan.legs),
        "ships_used": sum(1 for s in plan.ships if s.legs),
        "ships": ships_in_fleet,
        "makespan_s": obj.makespan_s,
        "bound_s": obj.bound_s,
        "gap": obj.gap,
        "expected_cost": obj.expected_cost,
        "expected_revenue": obj.expected_revenue,
        "expected_profit": obj.expected_profit,
        "profit_per_hour": round(obj.profit_per_hour, 1),
        "rejected": len(plan.rejected),
    }


_RANKED = re.compile(r"ranked #(\d+) ")  # plancc.chain's reason when the pipeline slots are full


def _hms(seconds: int) -> str:
    h, rest = divmod(int(seconds), 3600)
    m, s = divmod(rest, 60)
    return f"{h}h{m:02d}m{s:02d}s" if h else f"{m}m{s:02d}s"


def render_summary(plan: Plan, s: dict[str, Any]) -> str:
    """One screen: the totals, one line per pipeline, the first few rejections."""
    lines = [
        f"wrote {s['output']}: {s['status']} ({s['scheduler']} scheduler)",
        f"  {s['pipelines']} pipelines, {s['tasks']} tasks, {s['legs']} legs, "
        f"{s['ships_used']} of {s['ships']} ships used",
        f"  makespan {_hms(s['makespan_s'])}, bound {_hms(s['bound_s'])}, gap {s['gap']:.1%}",
        f"  expected cost {s['expected_cost']:,} cr, revenue {s['expected_revenue']:,} cr, "
        f"profit {s['expected_profit']:,} cr ({s['profit_per_hour']:,.0f} cr/h)",
    ]
    for p in plan.pipelines:
        lines.append(
            f"  + {p.id}: {p.quantity} {p.product} -> {p.sell_market}, "
            f"cost {p.expected_cost:,}, revenue {p.expected_revenue:,}, profit {p.expected_profit:,}"
        )
    shown = 8

    # reasons a player can act on first; "ranked #n ... policy allows k" only says the slots
    # were full, so those come last, best-ranked first
    def rank(r: Rejection) -> tuple[int, int]:
        m = _RANKED.match(r.reason)
        return (1, int(m.group(1))) if m else (0, 0)

    for r in sorted(plan.rejected, key=rank)[:shown]:
        lines.append(f"  - {r.good}{'@' + r.market if r.market else ''}: {r.reason}")
    if len(plan.rejected) > shown:
        lines.append(f"  ... and {len(plan.rejected) - shown} more rejected (see the plan file)")
    return "\n".join(lines)


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
    "--time-limit",
    type=float,
    default=10.0,
    show_default=True,
    help="Seconds the optimising scheduler may search. Not used yet: the list and greedy "
    "schedulers build one schedule and stop (well under a second); it is checked (> 0).",
)
@click.option(
    "--scheduler",
    type=click.Choice(["list", "greedy"]),
    default="list",
    show_default=True,
    help="list: earliest completion time; greedy: the design's baseline.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
@click.option("-o", "--output", required=True, metavar="FILE", help="Plan file to write.")
def compile_cmd(
    recipes: tuple[str, ...],
    policy: str | None,
    snapshot: str,
    hint: str | None,
    time_limit: float,
    scheduler: str,
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
    """
    run_guarded(_compile, recipes, policy, snapshot, hint, time_limit, scheduler, as_json, output)


def compile_files(
    recipes: Sequence[str],
    policy: str | None,
    snapshot: str,
    *,
    hint: str | None = None,
    scheduler: str = "list",
    time_limit_s: float = 10.0,
    progress: Progress | None = None,
) -> tuple[Plan, Snapshot]:
    """Load and validate the input files, then compile. Shared by the command and example_plan."""
    from plancc.compile import compile_plan
    from plancc.load import load_policy, load_recipes, load_snapshot
    from plancc.planfile import load_plan

    recipe_paths = recipe_files(recipes)
    policy_path = Path(policy) if policy else bundled_recipes_dir() / POLICY_NAME
    snapshot_path = Path(snapshot)
    book = load_recipes(recipe_paths)
    pol = load_policy(policy_path)
    snap = load_snapshot(snapshot_path)
    hint_plan = load_plan(hint) if hint else None
    inputs = input_hashes(recipe_paths, policy_path, snapshot_path)
    if progress:
        progress(
            "load",
            f"{len(book.recipes)} recipes, {len(snap.markets)} markets, {len(snap.ships)} ships",
        )
    plan = compile_plan(
        book,
        pol,
        snap,
        inputs=inputs,
        scheduler=scheduler,
        time_limit_s=time_limit_s,
        hint=hint_plan,
        progress=progress,
    )
    return plan, snap


def _compile(
    recipes: tuple[str, ...],
    policy: str | None,
    snapshot: str,
    hint: str | None,
    time_limit: float,
    scheduler: str,
    as_json: bool,
    output: str,
) -> None:
    from plancc.planfile import dump_plan

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
        scheduler=scheduler,
        time_limit_s=time_limit,
        progress=progress,
    )
    write_atomically(Path(output), dump_plan(plan))
    progress("write", output)
    click.echo(f"{'total':>9}: {(time.perf_counter() - started) * 1000:.0f} ms", err=True)
    figures = summary(plan, output, len(snap.ships))
    if as_json:
        click.echo(json.dumps(figures, sort_keys=True))
    else:
        click.echo(render_summary(plan, figures))
