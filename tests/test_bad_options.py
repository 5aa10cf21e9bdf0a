"""Numeric command-line options refuse NaN, infinity and values past their upper bound:
one line naming the option, exit 2, nothing run."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from plancc.cli import cli

CASES = [
    (["compile", "--snapshot", "s.json", "-o", "p.yaml", "--time-limit", "nan"], "--time-limit"),
    (["compile", "--snapshot", "s.json", "-o", "p.yaml", "--time-limit", "inf"], "--time-limit"),
    (["compile", "--snapshot", "s.json", "-o", "p.yaml", "--time-limit", "1e9"], "--time-limit"),
    (["sim", "serve", "--port", "0", "--speed", "nan"], "--speed"),
    (["sim", "serve", "--port", "0", "--speed", "inf"], "--speed"),
    (["sim", "serve", "--port", "0", "--speed", "1e9"], "--speed"),
    (["sim", "serve", "--port", "0", "--traders", "nan"], "--traders"),
    (["sim", "serve", "--port", "0", "--haulers", "1000000"], "--haulers"),
    (["sim", "serve", "--port", "0", "--probes", "1000000"], "--probes"),
    (["snapshot", "-o", "s.json", "--max-retry-after", "nan"], "--max-retry-after"),
]


@pytest.mark.parametrize(("args", "option"), CASES, ids=[" ".join(a[-2:]) for a, _ in CASES])
def test_a_bad_number_is_refused_naming_its_option(args: list[str], option: str) -> None:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert f"Invalid value for '{option}'" in result.output
    assert "Traceback" not in result.output
