"""An installed (non-editable) plancc finds its schemas and bundled recipes, not the checkout's.

The wheel is built for real from a copy of the sources (so the checkout is never written to).
Short form (``make test``): the wheel is installed with ``pip --target`` (dependencies come from
the test venv) and run from another directory. Long form (``PLANCC_FULL=1``): a fresh venv,
``pip install`` of the wheel with its dependencies, and its ``plancc`` console command.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

SOURCES = ("pyproject.toml", "README.md", "plancc", "runner", "schemas", "recipes", "cron")
FULL = os.environ.get("PLANCC_FULL") == "1"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("src")
    for name in SOURCES:
        path = REPO / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(path, src / name)
    dist = tmp_path_factory.mktemp("dist")
    out = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(src)],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    [found] = dist.glob("plancc-*.whl")
    return found


def _validate_bundled(python: list[str], site: Path, cwd: Path, env: dict[str, str]) -> str:
    """Validate the installed recipes and policy and the repo's example snapshot and plan."""
    args = [
        "validate",
        str(site / "plancc" / "recipes" / "supply-chain.yaml"),
        str(site / "plancc" / "recipes" / "policy.yaml"),
        str(REPO / "plans" / "example.snapshot.json"),
        str(REPO / "plans" / "example.yaml"),
    ]
    out = subprocess.run([*python, *args], cwd=cwd, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


def test_the_wheel_ships_every_schema_and_the_bundled_recipes(wheel: Path) -> None:
    import zipfile

    names = set(zipfile.ZipFile(wheel).namelist())
    for schema in sorted(p.name for p in (REPO / "schemas").glob("*.schema.json")):
        assert f"plancc/schemas/{schema}" in names
    assert {"plancc/recipes/supply-chain.yaml", "plancc/recipes/policy.yaml"} <= names
    assert "runner/__init__.py" in names


def test_an_installed_wheel_validates_every_kind_from_another_directory(
    wheel: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    out = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), wheel],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    env = {**os.environ, "PYTHONPATH": str(site)}
    where = subprocess.run(
        [sys.executable, "-c", "import plancc; print(plancc.__file__)"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert where.stdout.startswith(str(site)), where.stdout + where.stderr
    lines = _validate_bundled([sys.executable, "-m", "plancc"], site, tmp_path, env)
    assert [line.rsplit(" ", 1)[-1] for line in lines.splitlines()] == [
        "(recipe)",
        "(policy)",
        "(snapshot)",
        "(plan)",
    ]


@pytest.mark.slow
@pytest.mark.skipif(not FULL, reason="long form: PLANCC_FULL=1 (make test-full)")
def test_a_fresh_venv_installs_the_wheel_and_its_console_command_works(
    wheel: Path, tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    out = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    site = Path(
        subprocess.run(
            [
                str(venv / "bin" / "python"),
                "-c",
                "import plancc, os; print(os.path.dirname(os.path.dirname(plancc.__file__)))",
            ],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    assert site.is_relative_to(venv)
    lines = _validate_bundled([str(venv / "bin" / "plancc")], site, tmp_path, env)
    assert len(lines.splitlines()) == 4
