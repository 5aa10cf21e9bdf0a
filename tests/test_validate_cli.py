"""`plancc validate FILE...`: OK lines or one line per problem, exit 0 or 2, never a traceback.

The table of bad inputs is ``tests/data/bad/``; ``expected.yaml`` there lists, per file, the
exact problems (``line:col: field: message``) validate must print.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from conftest import REPO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plancc.cli import cli
from plancc.parse import realdata_to_snapshot
from plancc.validate import KINDS, validate_files

BAD = REPO / "tests" / "data" / "bad"
EXPECTED: dict[str, list[str]] = yaml.safe_load((BAD / "expected.yaml").read_text())
SUPPLY_CHAIN = REPO / "recipes" / "supply-chain.yaml"
POLICY = REPO / "recipes" / "policy.yaml"


def _validate(*args: str | Path) -> tuple[int, list[str]]:
    result = CliRunner().invoke(cli, ["validate", *map(str, args)])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output.splitlines()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_file_is_reported_at_its_line_and_column(name: str) -> None:
    code, lines = _validate(BAD / name)
    assert code == 2
    assert lines == [f"{BAD / name}:{problem}" for problem in EXPECTED[name]]


def test_every_bad_file_has_its_expected_problems_listed() -> None:
    files = sorted(p.name for p in BAD.iterdir() if p.name != "expected.yaml")
    assert files == sorted(EXPECTED)


def test_the_corpus_covers_every_kind_of_problem() -> None:
    problems = " ".join(p for ps in EXPECTED.values() for p in ps)
    for words in (
        "duplicate key",
        "expected a list",
        "must not be empty",
        "unknown good",
        "is both raw",
        "cycle not cut by a raw material",
        "malformed YAML",
        "malformed JSON",
        "missing required field",
        "must be >=",
        "must be a finite number",
        "nested more than 64 levels deep",
        "aliases repeat more than",
        "is not one of",
    ):
        assert words in problems, words


def test_shipped_files_are_ok(tmp_path: Path) -> None:
    code, lines = _validate(SUPPLY_CHAIN, POLICY)
    assert code == 0
    assert lines == [f"OK {SUPPLY_CHAIN} (recipe)", f"OK {POLICY} (policy)"]


def test_real_snapshot_is_ok(realdata_snapshot_path: Path, tmp_path: Path) -> None:
    snap = tmp_path / "X1-AD75.json"
    snap.write_text(
        json.dumps(realdata_to_snapshot(json.loads(realdata_snapshot_path.read_text())))
    )
    assert _validate(snap) == (0, [f"OK {snap} (snapshot)"])


def test_recipe_files_are_checked_merged_in_order(tmp_path: Path) -> None:
    a = tmp_path / "a.yaml"
    a.write_text("goods:\n  WIDGETS: [GADGETS]\n")
    b = tmp_path / "b.yaml"
    b.write_text("raw: [IRON]\ngoods:\n  GADGETS: [IRON]\n")
    assert _validate(a, b) == (0, [f"OK {a} (recipe)", f"OK {b} (recipe)"])


def test_good_files_still_print_ok_beside_bad_ones() -> None:
    code, lines = _validate(POLICY, BAD / "policy_unknown_knob.yaml")
    assert code == 2
    assert lines[0] == f"OK {POLICY} (policy)"
    assert lines[1].startswith(f"{BAD / 'policy_unknown_knob.yaml'}:2:1: max_pipeline: ")


def test_kind_can_be_forced(tmp_path: Path) -> None:
    odd = tmp_path / "odd.yaml"
    odd.write_text("raw: [FOOD]\n")
    code, lines = _validate("--kind", "policy", odd)
    assert code == 2
    assert lines == [f"{odd}:1:1: raw: unknown field 'raw'"]


def test_an_unrecognisable_file_is_a_problem(tmp_path: Path) -> None:
    odd = tmp_path / "notes.yaml"
    odd.write_text("hello: world\n")
    code, lines = _validate(odd)
    assert code == 2
    assert lines == [
        f"{odd}: cannot tell what kind of file this is (recipe, policy, snapshot or plan); use --kind"
    ]


def test_missing_and_binary_files_are_problems_not_tracebacks(tmp_path: Path) -> None:
    binary = tmp_path / "x.yaml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    code, lines = _validate(tmp_path / "nope.json", binary)
    assert code == 2
    assert lines == [
        f"{tmp_path / 'nope.json'}: no such file",
        f"{binary}: not UTF-8 text (byte 0)",
    ]


def test_a_bad_plan_file_is_a_problem(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text("format_version: 1\n")
    code, lines = _validate(plan)
    assert code == 2
    assert len(lines) == 1 and lines[0].startswith(f"{plan}:")


@pytest.mark.parametrize("kind", KINDS)
def test_a_file_nested_past_pythons_recursion_is_one_problem_of_any_kind(
    tmp_path: Path, kind: str
) -> None:
    deep = tmp_path / "deep.yaml"
    deep.write_text("format_version: 1\ntasks: " + "[" * 950 + "]" * 950 + "\n")
    assert _validate("--kind", kind, deep) == (
        2,
        [f"{deep}:2:71: nested more than 64 levels deep"],
    )


@pytest.mark.parametrize(
    ("old", "new"),
    [("  quantity: 40\n", "  quantity: -40\n"), ("  depends_on: []\n", "  depends_on: [NOPE]\n")],
    ids=["negative-quantity", "unknown-task"],
)
def test_a_broken_plan_is_reported_at_the_line_and_column_of_the_problem(
    tmp_path: Path, old: str, new: str
) -> None:
    text = (REPO / "plans" / "example.yaml").read_text()
    at = text.index(old)
    line = text[:at].count("\n") + 1
    plan = tmp_path / "plan.yaml"
    plan.write_text(text[:at] + new + text[at + len(old) :])
    code, lines = _validate(plan)
    assert code == 2
    assert len(lines) == 1
    assert lines[0].startswith(f"{plan}:{line}:"), lines[0]


def test_validate_needs_a_file() -> None:
    result = CliRunner().invoke(cli, ["validate"])
    assert result.exit_code == 2
    assert "Missing argument" in result.output


_YAML_BITS = st.sampled_from(
    ["goods:", "raw:", "\n", "  ", "- ", "[", "]", "{", "}", ":", ",", "&a ", "*a", "<<: ", "IRON",
     "FOOD", "inputs", "note", "'", '"', "1", "-3", "null", "max_retries", "\t", "#", "!!str ", "?"]
)  # fmt: skip


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.lists(_YAML_BITS, max_size=30).map("".join), kind=st.sampled_from(KINDS))
def test_any_text_gives_problems_not_a_traceback(tmp_path: Path, text: str, kind: str) -> None:
    path = tmp_path / ("f.json" if kind == "snapshot" else "f.yaml")
    path.write_text(text)
    lines, ok = validate_files([path], kind)  # raises nothing but the library's own errors
    assert ok or all(line.startswith(str(path)) for line in lines)


def _json_values() -> st.SearchStrategy[object]:
    scalars = st.none() | st.booleans() | st.integers(-5, 5) | st.sampled_from(["X", "DOCKED", ""])
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(
                st.sampled_from(["symbol", "nav", "ships", "markets", "x"]), inner, max_size=3
            )
        ),
        max_leaves=10,
    )


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    key=st.sampled_from(["agent", "ships", "waypoints", "markets", "observedAt", "capturedAt"]),
    value=_json_values(),
)
def test_any_snapshot_field_value_gives_problems_not_a_traceback(
    tmp_path: Path, key: str, value: object
) -> None:
    from test_load_snapshot import SMALL

    path = tmp_path / "snap.json"
    path.write_text(json.dumps({**SMALL, key: value}))
    lines, ok = validate_files([path], "snapshot")
    assert ok or all(line.startswith(str(path)) for line in lines)
