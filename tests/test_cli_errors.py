"""The CLI's one mapping from plancc's exceptions to a message and an exit code."""

from __future__ import annotations

import ast
from pathlib import Path

from click.testing import CliRunner
from conftest import REPO

from plancc.cli import cli
from plancc.cli.exits import failure
from plancc.errors import ApiError, InputError, InputErrors, StateError, Where


def test_an_input_error_is_one_prefixed_line_and_exit_2():
    assert failure(InputError("no such plan file", Where("p.yaml"))) == (
        "error: p.yaml: no such plan file",
        2,
    )


def test_several_input_errors_print_one_line_each_without_prefix_and_exit_2():
    exc = InputErrors([InputError("a", Where("f", 1, 2)), InputError("b", Where("f", 3, 4))])
    assert failure(exc) == ("f:1:2: a\nf:3:4: b", 2)


def test_an_api_or_state_error_exits_1():
    assert failure(ApiError("boom", endpoint="GET /my/agent"))[1] == 1
    assert failure(StateError("locked"))[1] == 1


def test_every_command_reports_a_missing_input_the_same_way(tmp_path):
    missing = str(tmp_path / "nope.yaml")
    for args in (["report", missing], ["diff", missing, missing]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2, args
        assert result.output.strip().splitlines() == [f"error: {missing}: no such plan file"]


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def test_nothing_outside_the_cli_package_imports_it():
    """The library never reaches up into the commands (``python -m plancc`` is the one door)."""
    cli_dir = REPO / "plancc" / "cli"
    entry_point = REPO / "plancc" / "__main__.py"
    offenders = [
        str(p.relative_to(REPO))
        for top in ("plancc", "runner", "bench")
        for p in sorted((REPO / top).rglob("*.py"))
        if cli_dir not in p.parents
        and p != entry_point
        and any(m == "plancc.cli" or m.startswith("plancc.cli.") for m in _imports(p))
    ]
    assert offenders == []


def test_a_stopped_runner_exits_with_the_code_its_error_carries():
    from plancc.errors import RunnerStopped

    assert failure(RunnerStopped("universe reset", RunnerStopped.RESET)) == (
        "error: universe reset",
        3,
    )
    assert failure(RunnerStopped("state broken", RunnerStopped.BROKEN_STATE))[1] == 4


def test_no_command_module_prints_errors_and_exits_by_itself():
    """Errors reach the user only through ``exits.failure``: no command has its own fail()."""
    offenders = []
    for path in sorted((REPO / "plancc" / "cli").glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name in {"fail", "_fail", "run_guarded"}:
                offenders.append(f"{path.name}:{node.lineno} {node.name}")
    assert offenders == []
