"""Checking recipe, policy, snapshot and plan files, the way ``plancc validate`` reports them.

``validate_files`` returns ``OK <file> (<kind>)`` for each good file and one
``file:line:col: field: problem`` line per problem, and whether all were valid. Recipe files
are checked together, merged in the order given, the way the compiler reads them (so one file
may use a good another defines).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from plancc import load
from plancc.doc import read_doc
from plancc.errors import InputError, InputErrors, PlanccError, Where
from plancc.model import Policy
from plancc.planfile import load_plan

KINDS = ("recipe", "policy", "snapshot", "plan")
_POLICY_KNOBS = frozenset(Policy.__dataclass_fields__)


def detect_kind(path: Path) -> str:
    """Tell a file's kind from its content (then its name). Raises InputError when unsure."""
    doc, _ = read_doc(path)  # duplicate keys etc. are reported by the real check
    data = doc.data
    name = path.name.lower()
    if isinstance(data, dict):
        keys = set(data)
        if "format_version" in keys:
            return "plan"
        if keys and keys <= {"raw", "goods"}:
            return "recipe"
        if keys & {"capturedAt", "markets", "ships", "waypoints", "observedAt"}:
            return "snapshot"
        if keys & _POLICY_KNOBS:
            return "policy"
    if data is None and "policy" in name:
        return "policy"  # an empty policy is valid: every knob at its default
    for kind in KINDS:
        if kind in name:
            return kind
    raise InputError(
        "cannot tell what kind of file this is (recipe, policy, snapshot or plan); use --kind",
        Where(str(path)),
    )


def _problems(exc: PlanccError) -> list[str]:
    if isinstance(exc, InputErrors):
        return [str(e) for e in exc.errors]
    return [str(exc)]


def _file_of(problem: InputError) -> str:
    return problem.where.file if problem.where else ""


def validate_files(paths: Sequence[Path], kind: str | None = None) -> tuple[list[str], bool]:
    """Check files; return the lines to print (in file order) and whether all were valid."""
    kinds: dict[Path, str] = {}
    lines: dict[Path, list[str]] = {p: [] for p in paths}
    for p in paths:
        try:
            # reading first refuses, for every kind, a file no loader can take (missing, not
            # text, malformed, nested too deeply)
            if kind is None:
                kinds[p] = detect_kind(p)
            else:
                read_doc(p)
                kinds[p] = kind
        except PlanccError as exc:
            lines[p] = _problems(exc)

    recipes = [p for p in paths if kinds.get(p) == "recipe"]
    if recipes:
        try:
            load.load_recipes(recipes)
        except InputErrors as exc:
            by_file = {str(p): p for p in recipes}
            for e in exc.errors:
                target = by_file.get(_file_of(e), recipes[0])
                lines[target].append(str(e))
        except PlanccError as exc:
            lines[recipes[0]].extend(_problems(exc))

    notes: dict[Path, list[str]] = {}  # what a valid file holds that the compiler leaves out
    checks: dict[str, Callable[[Path], Any]] = {
        "policy": load.load_policy,
        "snapshot": load.load_snapshot,
        "plan": load_plan,
    }
    for p in paths:
        k = kinds.get(p)
        if k is None or k == "recipe":
            continue
        try:
            checked = checks[k](p)
        except PlanccError as exc:
            lines[p].extend(_problems(exc))
            continue
        notes[p] = [f"{p}: note: {n}" for n in getattr(checked, "left_out", ())]

    out: list[str] = []
    ok = True
    for p in paths:
        if lines[p]:
            ok = False
            out.extend(lines[p])
        else:
            out.append(f"OK {p} ({kinds[p]})")
            out.extend(notes.get(p, ()))
    return out, ok
