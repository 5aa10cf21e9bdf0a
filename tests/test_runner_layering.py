"""The runner's decisions are pure, and its tick never loads OR-Tools, the compiler, the twin
or pandas (sqlite-utils imports pandas when installed: ~0.35 s on every cron tick)."""

from __future__ import annotations

import json
import subprocess
import sys

PURE = ("runner.decide", "runner.model", "runner.policy")
IO = ("sqlite3", "sqlite_utils", "httpx", "click", "yaml", "socket", "plancc.api", "runner.state")
NEVER_ON_THE_TICK = (
    "ortools",
    "pandas",
    "sqlite_utils",
    "plancc.compile",
    "plancc.chain",
    "plancc.schedule",
    "plancc.sim",
    "plancc.planfile",
    "jsonschema",
    "yaml",
)


def _loaded_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport json, sys; print(json.dumps(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_the_decision_core_imports_nothing_that_does_io() -> None:
    loaded = _loaded_after("; ".join(f"import {m}" for m in PURE))
    assert not {m for m in loaded for bad in IO if m == bad or m.startswith(bad + ".")}


def test_a_tick_never_loads_ortools_the_compiler_the_twin_or_pandas() -> None:
    loaded = _loaded_after("import plancc.cli.run, runner.tick, runner.actions, runner.recover")
    hits = {m for m in loaded for bad in NEVER_ON_THE_TICK if m == bad or m.startswith(bad + ".")}
    assert not hits


def test_an_idle_tick_does_not_even_load_the_http_client() -> None:
    loaded = _loaded_after("import plancc.cli.run, runner.tick")
    assert "httpx" not in loaded and "plancc.api" not in loaded
