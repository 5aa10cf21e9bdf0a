"""The pure core takes data and returns data: it imports nothing that does I/O.

The core is the domain logic: model, chain, pipeline, schedule (a module or a package), diff,
and what they lean on (errors, travel, canonical, compile, render.fmt). None of it may touch
files, HTTP, SQLite, the wall clock or the command line; those live at the edges (plancc.doc,
plancc.load, plancc.planfile, plancc.fileio, plancc.api, plancc.cli, plancc.sim, runner). A
monotonic time budget (a search's time limit, injected as a ``clock`` parameter) is allowed:
it bounds how long a search runs, it does not make a result depend on the date.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

PLANCC = REPO / "plancc"
CORE_NAMES = (
    "model",
    "errors",
    "travel",
    "chain",
    "pipeline",
    "schedule",
    "diff",
    "canonical",
    "compile",
    "render/fmt",
    "loop/records",
    "loop/learn",
    "loop/verdict",
    "loop/pause",
    "loop/scout",
)

# Modules (or their packages) whose import means I/O: files, HTTP, SQLite, templates, the CLI.
FORBIDDEN = (
    "click",
    "httpx",
    "sqlite3",
    "sqlite_utils",
    "yaml",
    "jsonschema",
    "jinja2",
    "socket",
    "urllib",
    "http",
    "subprocess",
    "shutil",
    "tempfile",
    "pathlib",
    "io",
    "os",
    "plancc.api",
    "plancc.doc",
    "plancc.load",
    "plancc.planfile",
    "plancc.fileio",
    "plancc.inputs",
    "plancc.snapshot",
    "plancc.validate",
    "plancc.cli",
    "plancc.sim",
    "plancc.demo",
    "runner",
)
# Calls that read the wall clock or open a file.
FORBIDDEN_CALLS = {("datetime", "now"), ("datetime", "utcnow"), ("date", "today"), ("time", "time")}


def core_files() -> list[Path]:
    files: list[Path] = []
    for name in CORE_NAMES:
        as_module, as_package = PLANCC / f"{name}.py", PLANCC / name
        if as_package.is_dir():
            files += sorted(
                p
                for p in as_package.rglob("*.py")
                if "cpsat" not in p.relative_to(as_package).parts  # OR-Tools: no I/O either,
            )  # but its own test (only plancc/schedule/cpsat imports ortools) covers it
        elif as_module.is_file():
            files.append(as_module)
        else:
            raise AssertionError(f"core module {name} not found")
    return files


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


CORE = core_files()


def _forbidden(module: str) -> bool:
    return any(module == f or module.startswith(f + ".") for f in FORBIDDEN)


def _imports(tree: ast.AST) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):  # imports inside functions count too: they run all the same
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return found


@pytest.mark.parametrize("path", CORE, ids=module_name)
def test_core_module_imports_nothing_that_does_io(path: Path) -> None:
    imported = _imports(ast.parse(path.read_text(encoding="utf-8")))
    assert sorted(m for m in imported if _forbidden(m)) == []


@pytest.mark.parametrize("path", CORE, ids=module_name)
def test_core_module_reads_no_wall_clock_and_opens_no_file(path: Path) -> None:
    bad: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        if isinstance(f, ast.Name) and f.id == "open":
            bad.append(f"line {node.lineno}: open()")
        if (
            isinstance(f, ast.Attribute)
            and isinstance(f.value, ast.Name)
            and (f.value.id, f.attr) in FORBIDDEN_CALLS
        ):
            bad.append(f"line {node.lineno}: {f.value.id}.{f.attr}()")
    assert bad == []


def test_importing_the_core_loads_no_io_library() -> None:
    """What the core pulls in transitively, in a fresh interpreter."""
    names = sorted({module_name(p) for p in CORE})
    code = (
        "import json, sys\n"
        + "".join(f"import {n}\n" for n in names)
        + "print(json.dumps(sorted(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    loaded = json.loads(out.stdout)
    io_libraries = ("click", "httpx", "sqlite3", "sqlite_utils", "yaml", "jsonschema", "jinja2")
    ours = ("plancc.api", "plancc.doc", "plancc.load", "plancc.planfile", "plancc.cli", "runner")
    assert [m for m in loaded if m.split(".")[0] in io_libraries or m in ours] == []


def test_only_the_cpsat_package_imports_ortools() -> None:
    cpsat = PLANCC / "schedule" / "cpsat"
    offenders = [
        str(p.relative_to(REPO))
        for top in ("plancc", "runner")
        for p in sorted((REPO / top).rglob("*.py"))
        if cpsat not in p.parents
        and any(m.split(".")[0] == "ortools" for m in _imports(ast.parse(p.read_text())))
    ]
    assert offenders == []
