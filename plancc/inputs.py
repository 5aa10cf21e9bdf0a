"""Compiling from files: find the input files, hash them, load them, call the compiler.

The command (``plancc compile``), the runner, the closed loop, the demo and the benchmarks all
compile through ``compile_files``, so they read inputs the same way and record the same
provenance (``input_hashes``: logical names -> ``sha256:`` of the bytes).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path

from plancc.errors import InputError, Where
from plancc.fileio import read_bytes
from plancc.model import Plan, Snapshot

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
    return "sha256:" + hashlib.sha256(read_bytes(path)).hexdigest()


def input_hashes(recipes: Sequence[Path], policy: Path, snapshot: Path) -> dict[str, str]:
    """Logical input names -> sha256. Names do not depend on where the files sit on disk."""
    hashes = {"policy": sha256_of(policy), "snapshot": sha256_of(snapshot)}
    for r in recipes:
        name = f"recipes/{r.name}"
        if name in hashes:  # two recipe files of one name from different folders
            name = f"recipes/{r.as_posix()}"
        hashes[name] = sha256_of(r)
    return hashes


def compile_files(
    recipes: Sequence[str],
    policy: str | None,
    snapshot: str,
    *,
    hint: str | None = None,
    hint_state: str | None = None,
    scheduler: str = "cpsat",
    time_limit_s: float = 10.0,
    progress: Progress | None = None,
    objective: str = "profit_weighted_completion",
    seed: int = 0,
) -> tuple[Plan, Snapshot]:
    """Load and validate the input files, then compile. ``recipes`` empty: the bundled ones;
    ``policy`` None: the bundled policy. ``hint_state``: a runner state file whose active plan
    is the hint, with the legs it has under way frozen (instead of ``hint``)."""
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
    if hint_state:
        hint_plan = state_hint(hint_state)
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
        objective=objective,
        seed=seed,
    )
    return plan, snap


def state_hint(state: str) -> Plan:
    """The active plan of runner state ``state``, read from the file it was applied from, with
    the legs the runner has under way frozen (``plancc.hint``)."""
    from plancc.hint import freeze_in_flight
    from plancc.planfile import load_plan
    from plancc.schedule.optimise import FREEZE_S
    from runner.state import Store

    store = Store.open(state, create=False)
    try:
        source = store.active_plan_source()
        in_flight = store.legs_in_flight()
    finally:
        store.close()
    if not source:
        raise InputError("no plan applied yet: nothing to hint with", Where(state))
    if not Path(source).is_file():
        raise InputError(
            f"the active plan was applied from {source}, which is not a plan file here: "
            "pass that plan with --hint instead",
            Where(state),
        )
    return freeze_in_flight(load_plan(source), in_flight, freeze_s=FREEZE_S)
