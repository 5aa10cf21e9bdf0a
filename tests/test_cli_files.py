"""Every command reads and writes files the same safe way (plancc.fileio), seen from the command
line: an output never replaces a device or one of the command's inputs, a FIFO given as an input
is refused at once, and a write that fails leaves the previous file as it was.

Each refusal is one line and exit 2; a failed write is one line and exit 1 (2 for diff, whose 1
means "the plans differ").
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from special_files import bounded, char_device, make_fifo

from plancc.cli import cli

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_PLAN = REPO / "plans" / "example.yaml"
EXAMPLE_SNAPSHOT = REPO / "plans" / "example.snapshot.json"


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env)


def one_line(result: Result, code: int = 2) -> str:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture
def plans(tmp_path: Path) -> tuple[Path, Path]:
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    shutil.copy(EXAMPLE_PLAN, old)
    shutil.copy(EXAMPLE_PLAN, new)
    return old, new


@pytest.fixture
def snapshot(tmp_path: Path) -> Path:
    path = tmp_path / "snap.json"
    shutil.copy(EXAMPLE_SNAPSHOT, path)
    return path


# ---------------------------------------------------------------------------------------------
# Outputs that must not be replaced


def test_compile_to_a_null_device_refuses_and_the_device_stays(tmp_path: Path) -> None:
    device = char_device(tmp_path)
    result = run("compile", "--snapshot", str(EXAMPLE_SNAPSHOT), "-o", str(device))
    line = one_line(result)
    assert line == (
        f"error: {device}: is a character device, not a regular file: refusing to replace it"
    )
    assert stat.S_ISCHR(device.stat().st_mode)


def test_compile_onto_its_own_snapshot_refuses_and_the_snapshot_is_untouched(
    snapshot: Path,
) -> None:
    before = snapshot.read_bytes()
    line = one_line(run("compile", "--snapshot", str(snapshot), "-o", str(snapshot)))
    assert line.startswith(f"error: {snapshot}: is also an input of this command")
    assert snapshot.read_bytes() == before


def test_compile_onto_its_hint_refuses(snapshot: Path, plans: tuple[Path, Path]) -> None:
    hint = plans[0]
    result = run("compile", "--snapshot", str(snapshot), "--hint", str(hint), "-o", str(hint))
    assert "is also an input of this command" in one_line(result)


def test_report_onto_its_plan_refuses_and_the_plan_is_untouched(plans: tuple[Path, Path]) -> None:
    plan = plans[0]
    line = one_line(run("report", str(plan), "--html", str(plan)))
    assert line.startswith(f"error: {plan}: is also an input of this command")
    assert plan.read_bytes() == EXAMPLE_PLAN.read_bytes()


@pytest.mark.parametrize("which", [0, 1], ids=["old", "new"])
def test_diff_onto_a_plan_under_review_refuses(plans: tuple[Path, Path], which: int) -> None:
    old, new = plans
    line = one_line(run("diff", str(old), str(new), "--html", str(plans[which])))
    assert "is also an input of this command" in line
    assert plans[which].read_bytes() == EXAMPLE_PLAN.read_bytes()


def test_snapshot_onto_its_token_file_refuses(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("tok-abc\n")
    result = run(
        "snapshot",
        "--api-url",
        "http://127.0.0.1:9/v2",
        "--token-file",
        str(token),
        "-o",
        str(token),
        env={"SPACETRADERS_TOKEN": "", "PLANCC_TOKEN_FILE": ""},
    )
    assert "is also an input of this command" in one_line(result)
    assert token.read_text() == "tok-abc\n"


def test_report_into_a_missing_directory_refuses(plans: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "nope" / "r.html"
    line = one_line(run("report", str(plans[0]), "--html", str(out)))
    assert line == f"error: {out}: cannot write: directory {tmp_path / 'nope'} does not exist"


def test_twin_save_to_a_device_is_refused_before_serving(tmp_path: Path) -> None:
    device = char_device(tmp_path)
    result = run("sim", "serve", "--port", "0", "--save", str(device))
    assert "is a character device" in one_line(result)
    assert "PLANCC_API_URL" not in result.stdout


# ---------------------------------------------------------------------------------------------
# Inputs that are FIFOs: refused at once, never waited on


def test_validate_refuses_a_fifo_at_once(tmp_path: Path) -> None:
    fifo = make_fifo(tmp_path)
    result = bounded(lambda: run("validate", str(fifo)), fifo)
    assert result.exit_code == 2
    assert f"{fifo}: is a FIFO (named pipe), not a regular file" in result.output


def test_report_refuses_a_fifo_at_once(tmp_path: Path) -> None:
    fifo = make_fifo(tmp_path)
    result = bounded(lambda: run("report", str(fifo)), fifo)
    assert one_line(result) == f"error: {fifo}: is a FIFO (named pipe), not a regular file"


def test_compile_refuses_a_fifo_snapshot_at_once(tmp_path: Path) -> None:
    fifo = make_fifo(tmp_path)
    out = tmp_path / "plan.yaml"
    result = bounded(lambda: run("compile", "--snapshot", str(fifo), "-o", str(out)), fifo)
    assert f"{fifo}: is a FIFO (named pipe), not a regular file" in one_line(result)
    assert not out.exists()


def test_a_fifo_token_file_is_refused_at_once(tmp_path: Path) -> None:
    fifo = make_fifo(tmp_path)
    args = ["snapshot", "--api-url", "http://127.0.0.1:9/v2", "--token-file", str(fifo)]
    result = bounded(
        lambda: run(
            *args,
            "-o",
            str(tmp_path / "s.json"),
            env={"SPACETRADERS_TOKEN": "", "PLANCC_TOKEN_FILE": ""},
        ),
        fifo,
    )
    assert one_line(result) == f"error: {fifo}: is a FIFO (named pipe), not a regular file"


def test_twin_from_a_fifo_is_refused_at_once(tmp_path: Path) -> None:
    fifo = make_fifo(tmp_path)
    result = bounded(lambda: run("sim", "serve", "--port", "0", "--from", str(fifo)), fifo)
    assert one_line(result) == f"error: {fifo}: is a FIFO (named pipe), not a regular file"


def test_an_oversized_token_file_is_refused(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_bytes(b"x" * 100_000)
    result = run(
        "snapshot",
        "--token-file",
        str(token),
        "-o",
        str(tmp_path / "s.json"),
        env={"SPACETRADERS_TOKEN": "", "PLANCC_TOKEN_FILE": ""},
    )
    assert one_line(result) == (
        f"error: {token}: larger than 64 KiB, the most plancc reads for a token file"
    )


# ---------------------------------------------------------------------------------------------
# Writes that fail midway (a real limit in a child process, not a mock)


FILE_SIZE_LIMIT = 1024  # bytes: less than any page plancc writes


def _limited_file_size() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE_LIMIT, FILE_SIZE_LIMIT))


def _plancc_with_small_files(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "plancc", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_limited_file_size,
    )


def test_a_report_that_cannot_be_written_exits_1_and_the_previous_page_stays(
    plans: tuple[Path, Path], tmp_path: Path
) -> None:
    page = tmp_path / "report.html"
    page.write_text("<p>yesterday</p>\n")
    done = _plancc_with_small_files("report", str(plans[0]), "--html", str(page))
    assert done.returncode == 1, done.stderr
    assert done.stderr == f"error: {page}: cannot write: File too large\n"
    assert page.read_text() == "<p>yesterday</p>\n"
    assert sorted(os.listdir(tmp_path)) == ["new.yaml", "old.yaml", "report.html"]


def test_a_diff_page_that_cannot_be_written_exits_2_as_trouble(
    plans: tuple[Path, Path], tmp_path: Path
) -> None:
    page = tmp_path / "diff.html"
    page.write_text("<p>yesterday</p>\n")
    done = _plancc_with_small_files("diff", str(plans[0]), str(plans[1]), "--html", str(page))
    assert done.returncode == 2, done.stderr
    assert done.stderr == f"error: {page}: cannot write: File too large\n"
    assert page.read_text() == "<p>yesterday</p>\n"
