"""Each benchmark's short form runs in CI: it must finish and print ratios measured side by side.

The figures themselves are read by people (closing notes), never asserted: machines are shared.
"""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import bench

BENCHES = sorted(
    m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_")
)


def test_there_are_benchmarks():
    assert BENCHES


@pytest.mark.parametrize("name", BENCHES)
def test_benchmark_short_form_runs_and_reports_a_ratio(name, capsys):
    module = importlib.import_module(f"bench.{name}")
    assert module.main(["--short"]) == 0
    out = capsys.readouterr().out
    assert "ratio" in out.lower() or " x" in out or "×" in out, out
