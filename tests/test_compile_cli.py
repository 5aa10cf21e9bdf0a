"""`plancc compile` through click's CliRunner: outputs, progress, exit codes, bad input."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from dev.example_plan import SNAPSHOT
from plancc.cli import cli
from plancc.compile import PHASES
from plancc.inputs import bundled_recipes_dir
from plancc.planfile import load_plan

SUMMARY_KEYS = {
    "pipelines",
    "legs",
    "ships_used",
    "makespan_s",
    "expected_cost",
    "expected_revenue",
    "expected_profit",
    "profit_per_hour",
    "bound_s",
    "gap",
    "status",
    "scheduler",
}


def _run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["compile", *args])


def _one_line_error(result: Result) -> str:
    """The one error line on stderr, after any progress lines of the phases that did run."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = [x for x in result.stderr.strip().splitlines() if not re.search(r"\(\d+ ms\)$", x)]
    assert len(lines) == 1, result.stderr
    assert lines[0] == result.stderr.strip().splitlines()[-1]
    return lines[0]


def test_json_summary_has_the_documented_keys(tmp_path):
    out = tmp_path / "p.yaml"
    result = _run("--snapshot", str(SNAPSHOT), "--json", "-o", str(out))
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert set(summary) >= SUMMARY_KEYS
    plan = load_plan(out)
    assert summary["pipelines"] == len(plan.pipelines)
    assert summary["legs"] == len(plan.legs)
    assert summary["expected_profit"] == plan.objective.expected_profit
    assert summary["status"] == plan.objective.status


def test_progress_goes_to_stderr_one_line_per_phase(tmp_path):
    result = _run("--snapshot", str(SNAPSHOT), "--json", "-o", str(tmp_path / "p.yaml"))
    assert result.exit_code == 0, result.output
    phases = [line.split(":")[0].strip() for line in result.stderr.splitlines()]
    assert phases[: len(PHASES) + 1] == ["load", *PHASES]
    assert "load" not in result.stdout


def test_text_summary_names_the_output_and_the_profit(tmp_path):
    out = tmp_path / "p.yaml"
    result = _run("--snapshot", str(SNAPSHOT), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.stdout
    assert "profit" in result.stdout
    assert len(result.stdout.splitlines()) <= 24  # one screen


def test_recipes_directory_and_explicit_files_give_the_same_plan(tmp_path):
    recipes = bundled_recipes_dir()
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    files = [str(p) for p in sorted(recipes.glob("*.yaml")) if p.name != "policy.yaml"]
    r1 = _run("--recipes", str(recipes), "--snapshot", str(SNAPSHOT), "-o", str(a))
    r2 = _run(
        *[x for f in files for x in ("--recipes", f)], "--snapshot", str(SNAPSHOT), "-o", str(b)
    )
    assert (r1.exit_code, r2.exit_code) == (0, 0)
    assert a.read_bytes() == b.read_bytes()


def test_greedy_scheduler_flag_is_recorded_in_the_plan(tmp_path):
    out = tmp_path / "g.yaml"
    result = _run("--snapshot", str(SNAPSHOT), "--scheduler", "greedy", "--json", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["scheduler"] == "greedy"
    assert load_plan(out).objective.scheduler == "greedy"


def test_hint_from_a_previous_plan_is_accepted(tmp_path):
    # one batch of three products: a plan the optimiser proves, so the hint keeps every byte
    # (a horizon of batches is not proven in the budget and its bound may move with a hint)
    policy = tmp_path / "policy.yaml"
    policy.write_text("max_pipelines: 3\nmax_batches: 1\n")
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    common = ("--snapshot", str(SNAPSHOT), "--policy", str(policy))
    assert _run(*common, "-o", str(old)).exit_code == 0
    result = _run(*common, "--hint", str(old), "-o", str(new))
    assert result.exit_code == 0, result.output
    assert old.read_bytes() == new.read_bytes()


def test_output_replaces_the_old_file_and_leaves_no_temp_files(tmp_path):
    out = tmp_path / "p.yaml"
    out.write_text("old\n")
    assert _run("--snapshot", str(SNAPSHOT), "-o", str(out)).exit_code == 0
    assert out.read_text().startswith("# plancc plan file")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.yaml"]


def test_missing_snapshot_exits_2_with_one_line(tmp_path):
    line = _one_line_error(
        _run("--snapshot", str(tmp_path / "none.json"), "-o", str(tmp_path / "p.yaml"))
    )
    assert "none.json" in line
    assert not (tmp_path / "p.yaml").exists()


def test_broken_snapshot_json_names_file_line_and_column(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{\n  "system": "X1-AD75",\n  "capturedAt": ,\n}\n')
    line = _one_line_error(_run("--snapshot", str(bad), "-o", str(tmp_path / "p.yaml")))
    assert line.startswith(f"error: {bad}:3:")


def test_broken_hint_names_file_line_and_column(tmp_path):
    hint = tmp_path / "hint.yaml"
    hint.write_text("format_version: 1\nprovenance: [\n")
    line = _one_line_error(
        _run("--snapshot", str(SNAPSHOT), "--hint", str(hint), "-o", str(tmp_path / "p.yaml"))
    )
    assert line.startswith(f"error: {hint}:")
    assert line.split(":")[2].isdigit()


def test_recipes_directory_without_recipes_exits_2(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    line = _one_line_error(
        _run("--recipes", str(empty), "--snapshot", str(SNAPSHOT), "-o", str(tmp_path / "p.yaml"))
    )
    assert str(empty) in line


def test_unprofitable_policy_exits_0_with_an_empty_plan(tmp_path):
    bundled = (bundled_recipes_dir() / "policy.yaml").read_text(encoding="utf-8")
    assert "min_margin: 0.08" in bundled
    policy = tmp_path / "policy.yaml"
    policy.write_text(bundled.replace("min_margin: 0.08", "min_margin: 1000"), encoding="utf-8")
    out = tmp_path / "p.yaml"
    result = _run("--policy", str(policy), "--snapshot", str(SNAPSHOT), "--json", "-o", str(out))
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["status"], summary["pipelines"], summary["legs"]) == ("EMPTY", 0, 0)
    assert load_plan(out).rejected


@pytest.mark.parametrize("flag", ["--scheduler", "--time-limit"])
def test_bad_option_values_exit_2(tmp_path, flag):
    result = _run("--snapshot", str(SNAPSHOT), flag, "nope", "-o", str(tmp_path / "p.yaml"))
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_inputs_are_named_by_role_not_by_path(tmp_path):
    out = tmp_path / "p.yaml"
    snap = tmp_path / "deep" / "snap.json"
    snap.parent.mkdir()
    shutil.copy(SNAPSHOT, snap)
    assert _run("--snapshot", str(snap), "-o", str(out)).exit_code == 0
    inputs = dict(load_plan(out).provenance.inputs)
    assert "snapshot" in inputs and "policy" in inputs
    assert not any(str(tmp_path) in k for k in inputs)
    assert any(k.startswith("recipes/") for k in inputs)


def test_same_inputs_at_different_paths_give_the_same_bytes(tmp_path):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    copy = Path(shutil.copy(SNAPSHOT, tmp_path / "copy.json"))
    assert _run("--snapshot", str(SNAPSHOT), "-o", str(a)).exit_code == 0
    assert _run("--snapshot", str(copy), "-o", str(b)).exit_code == 0
    assert a.read_bytes() == b.read_bytes()


def test_failed_compile_leaves_the_previous_plan_untouched(tmp_path):
    out = tmp_path / "p.yaml"
    out.write_text("previous plan\n")
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    _one_line_error(_run("--snapshot", str(bad), "-o", str(out)))
    assert out.read_text() == "previous plan\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.json", "p.yaml"]


def test_unwritable_output_exits_2_naming_it(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    line = _one_line_error(_run("--snapshot", str(SNAPSHOT), "-o", str(blocker / "p.yaml")))
    assert line.startswith(f"error: {blocker / 'p.yaml'}: cannot write")


def test_compile_help_describes_the_schedulers_objective_and_time_limit():
    result = CliRunner().invoke(cli, ["compile", "--help"], terminal_width=200)
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "--scheduler [cpsat|list|greedy]" in text
    assert "[default: cpsat]" in text
    assert "--objective [profit_weighted_completion|makespan]" in text
    assert "Seconds the cpsat scheduler may search" in text
    assert "--seed" in text


def test_list_scheduler_is_still_selectable(tmp_path):
    out = tmp_path / "p.yaml"
    result = _run("--snapshot", str(SNAPSHOT), "--scheduler", "list", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "scheduler: list" in out.read_text()
    assert "search:" not in out.read_text()


def test_time_limit_must_be_positive(tmp_path):
    err = _one_line_error(
        _run("--snapshot", str(SNAPSHOT), "--time-limit", "0", "-o", str(tmp_path / "p.yaml"))
    )
    assert "time limit" in err


def test_compile_output_does_not_depend_on_the_process_hash_seed(tmp_path):
    """Set and dict order must never leak into the plan: two processes, two hash seeds."""
    outs = []
    for seed in (1, 2):
        out = tmp_path / f"p{seed}.yaml"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "plancc",
                "compile",
                "--snapshot",
                str(SNAPSHOT),
                "-o",
                str(out),
            ],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            check=True,
        )
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]


def test_a_compile_on_a_busy_machine_writes_the_same_plan_file(tmp_path):
    """A horizon of batches (17 legs on one hauler) is more than the optimiser proves within
    its limit: the budget sized from --time-limit, not the clock, ends its search. The same
    compile with two CPU hogs beside it (a wall clock would cut it short at another point)
    writes the same bytes."""

    def compile_to(out: Path) -> bytes:
        cmd = [sys.executable, "-m", "plancc", "compile", "--snapshot", str(SNAPSHOT)]
        cmd += ["--time-limit", "4", "-o", str(out)]
        subprocess.run(cmd, capture_output=True, check=True, timeout=600)
        return out.read_bytes()

    calm = compile_to(tmp_path / "calm.yaml")
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    try:
        busy = compile_to(tmp_path / "busy.yaml")
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
    assert busy == calm
    assert "time limit reached" not in busy.decode()


def test_summary_lists_reasons_to_act_on_before_full_pipeline_slots(tmp_path):
    bundled = (bundled_recipes_dir() / "policy.yaml").read_text(encoding="utf-8")
    policy = tmp_path / "policy.yaml"
    policy.write_text(bundled.replace("max_pipelines: 0", "max_pipelines: 1"), encoding="utf-8")
    out = str(tmp_path / "p.yaml")
    result = _run("--policy", str(policy), "--snapshot", str(SNAPSHOT), "-o", out)
    assert result.exit_code == 0, result.output
    lines = [x for x in result.stdout.splitlines() if x.startswith("  - ")]
    ranked = [i for i, x in enumerate(lines) if "policy allows" in x]
    other = [i for i, x in enumerate(lines) if "policy allows" not in x]
    assert other and (not ranked or max(other) < min(ranked))
    assert "policy allows 1 pipelines" in (tmp_path / "p.yaml").read_text(encoding="utf-8")
    ranks = [int(re.search(r"ranked #(\d+)", lines[i]).group(1)) for i in ranked]
    assert ranks == sorted(ranks)
