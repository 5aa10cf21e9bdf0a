"""The bad-input corpus (``tests/data/bad-input/``): values, YAML tags and meaning.

Each file is one behaviour; ``expected.yaml`` there lists what ``plancc validate`` prints for
it: one ``line:col: field: problem`` per problem (``FILE`` stands for the file's path), never a
traceback, never a file silently accepted, never more than ~80 characters of an offending value.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from conftest import REPO

from plancc.cli import cli
from plancc.errors import QUOTE_LIMIT

CORPUS = REPO / "tests" / "data" / "bad-input"
EXPECTED: dict[str, list[str]] = yaml.safe_load((CORPUS / "expected.yaml").read_text())


def validate(path: Path) -> tuple[int, list[str]]:
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = [
        line.replace(f"{path}: ", "").replace(f"{path}:", "").replace(str(path), "FILE")
        for line in result.output.splitlines()
    ]
    return result.exit_code, lines


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_input_file_is_reported_as_expected(name: str) -> None:
    code, lines = validate(CORPUS / name)
    assert lines == EXPECTED[name]
    ok = all(line.startswith(("OK ", "note: ")) for line in lines)
    assert code == (0 if ok else 2)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_message_quotes_at_most_a_short_piece_of_a_value(name: str) -> None:
    _, lines = validate(CORPUS / name)
    # a field path (keys cut at 40) + one quoted value (cut at QUOTE_LIMIT) + fixed words
    assert all(len(line) <= 2 * QUOTE_LIMIT + 120 for line in lines)


def test_every_corpus_file_has_its_expected_output_listed() -> None:
    files = sorted(p.name for p in CORPUS.iterdir() if p.name != "expected.yaml")
    assert files == sorted(EXPECTED)
