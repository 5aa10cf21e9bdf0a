"""The policy file -> Policy (plancc.load.load_policy) and the bundled recipes/policy.yaml."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
import yaml
from conftest import REPO

from plancc.errors import InputErrors
from plancc.load import default_policy_path, load_policy, schema
from plancc.model import Policy

POLICY = REPO / "recipes" / "policy.yaml"
FIELDS = [f.name for f in dataclasses.fields(Policy)]


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "policy.yaml"
    p.write_text(text)
    return p


def test_bundled_policy_holds_the_code_defaults() -> None:
    assert load_policy(POLICY) == Policy()


def test_bundled_policy_sets_every_knob() -> None:
    assert sorted(yaml.safe_load(POLICY.read_text())) == sorted(FIELDS)


def test_every_knob_in_the_bundled_policy_has_a_comment_saying_why() -> None:
    lines = POLICY.read_text().splitlines()
    for name in FIELDS:
        i = next(i for i, line in enumerate(lines) if line.startswith(f"{name}:"))
        assert lines[i - 1].startswith("#") or "#" in lines[i], f"{name} has no comment"


def test_every_table_entry_in_the_bundled_policy_has_a_comment() -> None:
    for line in POLICY.read_text().splitlines():
        if re.match(r"^  [A-Za-z_]+: ", line):
            assert " # " in line, line


def test_issue_defaults_are_the_shipped_ones() -> None:
    policy = load_policy(POLICY)
    assert dict(policy.purchase_fraction) == {
        "ABUNDANT": 0.8,
        "HIGH": 0.6,
        "MODERATE": 0.4,
        "LIMITED": 0.2,
        "SCARCE": 0.1,
    }
    assert dict(policy.sell_weights) == {"price": 0.4, "activity": 0.3, "supply": 0.2, "depth": 0.1}
    assert policy.sell_activities == ("WEAK", "RESTRICTED")
    assert policy.collect_supply_level == "HIGH"


def test_policy_schema_describes_every_knob_and_nothing_else() -> None:
    assert sorted(schema("policy")["properties"]) == sorted(FIELDS)


def test_missing_knobs_take_their_defaults(tmp_path: Path) -> None:
    policy = load_policy(_write(tmp_path, "max_pipelines: 5\n"))
    assert policy == dataclasses.replace(Policy(), max_pipelines=5)


def test_a_partial_table_keeps_the_other_defaults(tmp_path: Path) -> None:
    policy = load_policy(_write(tmp_path, "purchase_fraction:\n  SCARCE: 0.05\n"))
    assert policy.purchase_fraction["SCARCE"] == 0.05
    assert policy.purchase_fraction["ABUNDANT"] == 0.8


def test_an_empty_policy_is_all_defaults(tmp_path: Path) -> None:
    assert load_policy(_write(tmp_path, "# all defaults\n")) == Policy()


def test_numbers_take_the_knobs_type(tmp_path: Path) -> None:
    policy = load_policy(_write(tmp_path, "min_margin: 1\nmax_retries: 3.0\n"))
    assert isinstance(policy.min_margin, float)
    assert isinstance(policy.max_retries, int)


def test_sell_activities_become_a_tuple(tmp_path: Path) -> None:
    policy = load_policy(_write(tmp_path, "sell_activities: [WEAK]\n"))
    assert policy.sell_activities == ("WEAK",)


def test_policy_problems_come_in_one_pass_in_file_order(tmp_path: Path) -> None:
    path = _write(tmp_path, "max_retries: -1\nflight_mod: BURN\nprice_ceiling: cheap\n")
    with pytest.raises(InputErrors) as exc:
        load_policy(path)
    assert [str(e) for e in exc.value.errors] == [
        f"{path}:1:14: max_retries: must be >= 0, got -1",
        f"{path}:2:1: flight_mod: unknown field 'flight_mod' (did you mean 'flight_mode'?)",
        f"{path}:3:16: price_ceiling: expected a number, got a string ('cheap')",
    ]


def test_a_policy_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputErrors, match="expected a mapping of knob -> value, got a list"):
        load_policy(_write(tmp_path, "- max_retries\n"))


def test_bundled_policy_is_found_through_the_package() -> None:
    assert default_policy_path().read_text() == POLICY.read_text()


def test_a_yaml_boolean_or_date_for_a_choice_says_what_yaml_read(tmp_path: Path) -> None:
    path = _write(tmp_path, "flight_mode: no\ncollect_supply_level: 2026-01-05\n")
    with pytest.raises(InputErrors) as exc:
        load_policy(path)
    assert [str(e) for e in exc.value.errors] == [
        f"{path}:1:14: flight_mode: expected one of DRIFT, STEALTH, CRUISE, BURN, AUTO, got a boolean",
        f"{path}:2:23: collect_supply_level: expected one of SCARCE, LIMITED, MODERATE, HIGH,"
        " ABUNDANT, got a YAML date (2026-01-05; quote it to make it a string)",
    ]


def test_the_new_flight_and_raw_trade_knobs_reject_bad_values_with_file_line_and_field(
    tmp_path: Path,
) -> None:
    path = _write(tmp_path, "trade_raw_goods: maybe\ntime_value_per_hour: -5\nfuel_price: cheap\n")
    with pytest.raises(InputErrors) as exc:
        load_policy(path)
    lines = [str(e) for e in exc.value.errors]
    assert len(lines) == 3
    for n, field in enumerate(("trade_raw_goods", "time_value_per_hour", "fuel_price"), 1):
        assert lines[n - 1].startswith(f"{path}:{n}:") and f" {field}: " in lines[n - 1], lines
