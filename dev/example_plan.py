"""Regenerate the checked-in example: ``plans/example.snapshot.json`` and ``plans/example.yaml``.

    python -m dev.example_plan          # or: make example-plan

The snapshot is the real X1-AD75 recording (``../shared/realdata``) converted to plancc's
snapshot format, so the repository is self-contained; when the recording is not beside the
repo, the checked-in snapshot is kept and only the plan is recompiled. The plan is compiled from
the bundled recipes and policy with the default (cpsat) scheduler. ``tests/test_compile.py``
checks that both files are current.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from plancc.errors import PlanccError

REPO = Path(__file__).resolve().parent.parent
PLANS = REPO / "plans"
SNAPSHOT = PLANS / "example.snapshot.json"
PLAN = PLANS / "example.yaml"
REALDATA = REPO.parent / "shared" / "realdata" / "X1-AD75-universe-snapshot.json"


def snapshot_text(realdata: Path) -> str:
    """The recording as a plancc snapshot: API objects untouched, stable formatting."""
    from plancc.parse import realdata_to_snapshot

    snap = realdata_to_snapshot(json.loads(realdata.read_text(encoding="utf-8")))
    return json.dumps(snap, indent=1, ensure_ascii=False) + "\n"


def plan_text(snapshot: Path) -> str:
    """The example plan compiled from the bundled recipes, policy and ``snapshot``."""
    from plancc.inputs import compile_files
    from plancc.planfile import dump_plan

    plan, _ = compile_files([], None, str(snapshot))
    return dump_plan(plan)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dev.example_plan", description=__doc__)
    parser.add_argument("--realdata", type=Path, default=REALDATA, help="recorded dump to convert")
    args = parser.parse_args(argv)
    from plancc.fileio import write_atomically

    try:
        if args.realdata.is_file():
            write_atomically(SNAPSHOT, snapshot_text(args.realdata))
            print(f"wrote {SNAPSHOT.relative_to(REPO)} from {args.realdata}")
        else:
            print(f"{args.realdata} not found: keeping {SNAPSHOT.relative_to(REPO)}")
        write_atomically(PLAN, plan_text(SNAPSHOT))
        print(f"wrote {PLAN.relative_to(REPO)}")
    except PlanccError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
