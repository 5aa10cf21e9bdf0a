"""`plancc diff` and `plancc report` through click's CliRunner: exit codes like diff(1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from plan_builder import make_plan

from plancc.cli import cli
from plancc.model import Plan

planfile = pytest.importorskip("plancc.planfile")


def _write(tmp_path: Path, name: str, plan: Plan) -> str:
    p = tmp_path / name
    p.write_text(planfile.dump_plan(plan), encoding="utf-8")
    return str(p)


@pytest.fixture
def old(tmp_path: Path) -> str:
    return _write(tmp_path, "old.yaml", make_plan())


@pytest.fixture
def new(tmp_path: Path) -> str:
    return _write(tmp_path, "new.yaml", make_plan(diamond_market="B9"))


def _run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_same_plans_exit_0_and_print_no_changes(tmp_path, old):
    same = _write(tmp_path, "same.yaml", make_plan())
    result = _run("diff", old, same)
    assert result.exit_code == 0, result.output
    assert "No changes" in result.output


def test_different_plans_exit_1_with_summary_first(old, new):
    result = _run("diff", old, new)
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"plancc diff {old} {new}"
    assert lines[1].startswith("1 pipeline changed")


def test_missing_plan_file_exits_2_with_one_line(old, tmp_path):
    missing = str(tmp_path / "nope.yaml")
    result = _run("diff", old, missing)
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [f"error: {missing}: no such plan file"]


def test_bad_plan_file_exits_2_naming_file_line_and_column(old, tmp_path):
    bad = tmp_path / "bad.yaml"
    text = planfile.dump_plan(make_plan()).replace("quantity: 20", "quantity: -3", 1)
    bad.write_text(text, encoding="utf-8")
    result = _run("diff", old, str(bad))
    assert result.exit_code == 2
    (line,) = result.output.strip().splitlines()
    assert line.startswith(f"error: {bad}:") and "quantity" in line
    assert "Traceback" not in result.output
    file_line_col = line.removeprefix("error: ").split(": ")[0]
    assert file_line_col.count(":") == 2


def test_json_output_carries_format_version(old, new):
    result = _run("diff", old, new, "--json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["format_version"] == 1
    assert data["changed"] is True


def test_json_output_of_same_plans_exits_0(old):
    result = _run("diff", old, old, "--json")
    assert result.exit_code == 0
    assert json.loads(result.output)["changed"] is False


def test_html_option_writes_a_page(old, new, tmp_path):
    page = tmp_path / "review.html"
    result = _run("diff", old, new, "--html", str(page))
    assert result.exit_code == 1
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "1 pipeline changed" in html


def test_threshold_option_hides_small_shifts(tmp_path, old):
    from plan_builder import with_times

    base = make_plan()
    shifted = _write(
        tmp_path,
        "shifted.yaml",
        make_plan(times=with_times(base, "/leg/FAB_MATS", "SHIP-3", 695, 2490)),
    )
    assert _run("diff", old, shifted).exit_code == 1
    assert _run("diff", old, shifted, "--threshold", "120").exit_code == 0


def test_report_prints_text_without_html(old):
    result = _run("report", old)
    assert result.exit_code == 0, result.output
    assert "SHIP-1: 4 tasks" in result.output


def test_report_html_writes_a_page(old, tmp_path):
    page = tmp_path / "plan.html"
    result = _run("report", old, "--html", str(page))
    assert result.exit_code == 0, result.output
    assert page.read_text(encoding="utf-8").count('class="bar"') == 10


def test_report_of_a_bad_file_exits_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("format_version: [1\n", encoding="utf-8")
    result = _run("report", str(bad))
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1
    assert str(bad) in result.output


def test_colour_only_with_the_color_flag(old, new):
    assert "\x1b[" not in _run("diff", old, new).output
    assert "\x1b[31m-\x1b[0m" in _run("diff", old, new, "--color").output
