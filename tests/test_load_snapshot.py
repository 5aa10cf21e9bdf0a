"""Snapshot files -> Snapshot (plancc.load.load_snapshot), the snapshot schema and the spec."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO

from plancc.errors import InputErrors
from plancc.load import load_snapshot, schema
from plancc.parse import realdata_to_snapshot

SMALL = {
    "system": "X1-T1",
    "capturedAt": "2025-04-09T17:25:39.192Z",
    "agent": {
        "symbol": "TESTER",
        "credits": 175000,
        "headquarters": "X1-T1-A1",
        "shipCount": 1,
        "startingFaction": None,
        "accountId": None,
    },
    "ships": [
        {
            "symbol": "TESTER-1",
            "registration": {"name": "TESTER-1", "role": "COMMAND", "factionSymbol": None},
            "nav": {
                "systemSymbol": "X1-T1",
                "waypointSymbol": "X1-T1-A1",
                "status": "DOCKED",
                "flightMode": "CRUISE",
                "route": {"arrival": None, "departureTime": None, "origin": None},
            },
            "frame": {"symbol": "FRAME_FRIGATE", "requirements": {"slots": None}},
            "engine": {"speed": 36},
            "cargo": {
                "capacity": 40,
                "units": 10,
                "inventory": [{"symbol": "IRON_ORE", "units": 10}],
            },
            "fuel": {"current": 400, "capacity": 400, "consumed": None},
            "cooldown": {"expiration": None},
        }
    ],
    "waypoints": [
        {
            "symbol": "X1-T1-A1",
            "systemSymbol": "X1-T1",
            "type": "PLANET",
            "x": 10,
            "y": -5,
            "orbits": None,
            "chart": None,
            "traits": [{"symbol": "MARKETPLACE"}],
        }
    ],
    "markets": [
        {
            "symbol": "X1-T1-A1",
            "exports": [],
            "imports": [{"symbol": "IRON_ORE"}],
            "exchange": [],
            "transactions": None,
            "tradeGoods": [
                {
                    "symbol": "IRON_ORE",
                    "type": "IMPORT",
                    "tradeVolume": 60,
                    "supply": "SCARCE",
                    "activity": None,
                    "purchasePrice": 60,
                    "sellPrice": 55,
                }
            ],
        }
    ],
    "observedAt": {"X1-T1-A1": "2025-04-09T17:20:00.000Z"},
}


def _write(tmp_path: Path, data: Any, name: str = "snap.json") -> Path:
    p = tmp_path / name
    p.write_text(json.dumps(data, indent=2))
    return p


@pytest.fixture(scope="module")
def real(realdata_snapshot_path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(realdata_snapshot_path.read_text())
    return data


def test_real_x1_ad75_snapshot_converts_and_loads(real: dict[str, Any], tmp_path: Path) -> None:
    snap = load_snapshot(_write(tmp_path, realdata_to_snapshot(real)))
    assert snap.system == "X1-AD75"
    assert len(snap.markets) == 25
    assert len(snap.waypoints) == 82
    assert len(snap.ships) == 2
    assert snap.agent.symbol == "FLWI_TEST"
    assert all(m.trade_goods and m.observed_at for m in snap.markets)


def test_real_snapshot_loads_as_compact_json_too(real: dict[str, Any], tmp_path: Path) -> None:
    p = tmp_path / "compact.json"
    p.write_text(json.dumps(realdata_to_snapshot(real), separators=(",", ":")))
    assert len(load_snapshot(p).markets) == 25


def test_nulls_for_optional_fields_load(tmp_path: Path) -> None:
    snap = load_snapshot(_write(tmp_path, SMALL))
    assert snap.agent.starting_faction == ""
    assert snap.ships[0].arrival is None
    assert snap.waypoints[0].orbits is None
    assert snap.markets[0].trade_goods[0].activity is None


def test_market_without_trade_goods_loads_unobserved(tmp_path: Path) -> None:
    d = copy.deepcopy(SMALL)
    d["markets"][0]["tradeGoods"] = None
    d["observedAt"] = {}
    snap = load_snapshot(_write(tmp_path, d))
    assert snap.markets[0].trade_goods == ()
    assert snap.markets[0].observed_at is None


def test_schema_violation_is_reported_at_its_line_and_column(tmp_path: Path) -> None:
    d = copy.deepcopy(SMALL)
    d["markets"][0]["tradeGoods"][0]["supply"] = "PLENTY"
    path = _write(tmp_path, d)
    line = next(i for i, t in enumerate(path.read_text().splitlines(), 1) if "PLENTY" in t)
    with pytest.raises(InputErrors) as exc:
        load_snapshot(path)
    [err] = exc.value.errors
    assert (err.where.line, err.where.column) == (line, 21)
    assert err.field == "markets[0].tradeGoods[0].supply"


def test_a_bad_time_found_by_the_parser_is_located_too(tmp_path: Path) -> None:
    d = copy.deepcopy(SMALL)
    d["capturedAt"] = "noon"
    path = _write(tmp_path, d)
    with pytest.raises(InputErrors) as exc:
        load_snapshot(path)
    assert [str(e) for e in exc.value.errors] == [
        f"{path}:3:17: capturedAt: not an ISO 8601 time: 'noon'"
    ]


def test_json_nan_and_infinity_are_refused_at_their_position(tmp_path: Path) -> None:
    d = copy.deepcopy(SMALL)
    d["agent"]["credits"] = float("nan")
    d["waypoints"][0]["x"] = float("inf")
    path = _write(tmp_path, d)  # json.dumps writes NaN / Infinity, which json.loads accepts
    text = path.read_text().splitlines()
    credits = next(i for i, t in enumerate(text, 1) if "NaN" in t)
    x = next(i for i, t in enumerate(text, 1) if "Infinity" in t)
    with pytest.raises(InputErrors) as exc:
        load_snapshot(path)
    assert [(e.where.line, e.field, e.message) for e in exc.value.errors] == [
        (credits, "agent.credits", "must be a finite number, got nan"),
        (x, "waypoints[0].x", "must be a finite number, got inf"),
    ]


@pytest.mark.parametrize("depth", [70, 5000], ids=["deep", "past-the-json-parsers-recursion"])
def test_json_nested_too_deeply_is_refused_at_its_position(tmp_path: Path, depth: int) -> None:
    path = tmp_path / "snap.json"
    path.write_text('{\n  "system": ' + "[" * depth + "]" * depth + "\n}")
    with pytest.raises(InputErrors) as exc:
        load_snapshot(path)
    [err] = exc.value.errors
    assert err.message == "nested more than 64 levels deep"
    assert err.where is not None and err.where.line == 2


def test_a_snapshot_saved_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    path = tmp_path / "snap.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(SMALL).encode())
    assert load_snapshot(path).system == "X1-T1"


def test_malformed_json_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "snap.json"
    path.write_text('{\n  "system": "X1-T1",\n  "agent": {,\n}')
    with pytest.raises(InputErrors, match=r"snap.json:3:13: malformed JSON"):
        load_snapshot(path)


def test_a_snapshot_of_another_shape_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputErrors, match="expected a snapshot object, got a list"):
        load_snapshot(_write(tmp_path, [1, 2]))


# --- the schema against the official spec --------------------------------------------------------


def _spec_model(api_spec_dir: Path, name: str) -> dict[str, Any]:
    model: dict[str, Any] = json.loads((api_spec_dir / "models" / f"{name}.json").read_text())
    return model


def _resolve(api_spec_dir: Path, node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = _spec_model(api_spec_dir, Path(node["$ref"]).stem)
    return node


def _check_against_spec(
    api_spec_dir: Path, ours: dict[str, Any], spec: dict[str, Any], path: str, problems: list[str]
) -> None:
    """Our schema may ask for less than the spec, never for more or for something else."""
    spec = _resolve(api_spec_dir, spec)
    if "$ref" in ours:
        ours = schema("snapshot")["$defs"][ours["$ref"].rsplit("/", 1)[1]]
    ours_enum = [v for v in ours.get("enum", []) if v is not None]
    if ours_enum and "enum" in spec and ours_enum != spec["enum"]:
        problems.append(f"{path}: enum differs from the spec")
    for name in ours.get("required", []):
        if name not in spec.get("required", []):
            problems.append(f"{path}.{name}: required here but optional in the spec")
    for name, sub in ours.get("properties", {}).items():
        if name not in spec.get("properties", {}):
            problems.append(f"{path}.{name}: not in the spec")
            continue
        spec_sub = _resolve(api_spec_dir, spec["properties"][name])
        ours_types = sub.get("type")
        if ours_types and "type" in spec_sub:
            allowed = {ours_types} if isinstance(ours_types, str) else set(ours_types)
            if spec_sub["type"] not in allowed:
                problems.append(f"{path}.{name}: type {allowed} vs spec {spec_sub['type']}")
        _check_against_spec(api_spec_dir, sub, spec_sub, f"{path}.{name}", problems)
    if "items" in ours and "items" in spec:
        _check_against_spec(api_spec_dir, ours["items"], spec["items"], f"{path}[]", problems)


@pytest.mark.parametrize(
    ("ours", "spec"),
    [("Agent", "Agent"), ("Ship", "Ship"), ("Waypoint", "Waypoint"), ("Market", "Market")],
)
def test_snapshot_schema_asks_nothing_the_spec_does_not(
    api_spec_dir: Path, ours: str, spec: str
) -> None:
    problems: list[str] = []
    _check_against_spec(
        api_spec_dir,
        schema("snapshot")["$defs"][ours],
        _spec_model(api_spec_dir, spec),
        ours,
        problems,
    )
    assert problems == []


def _drop_nulls(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _drop_nulls(x) for k, x in v.items() if x is not None}
    if isinstance(v, list):
        return [_drop_nulls(x) for x in v]
    return v


@pytest.mark.parametrize(
    ("model", "key"), [("Agent", "agent"), ("Waypoint", "waypoints"), ("Market", "marketplaces")]
)
def test_recorded_objects_conform_to_the_spec_with_nulls_as_absent(
    api_spec_dir: Path, real: dict[str, Any], model: str, key: str
) -> None:
    import openapi_spec as spec

    objs = real[key] if isinstance(real[key], list) else [real[key]]
    assert [p for o in objs for p in spec.validate_model(model, _drop_nulls(o))] == []


# --- finding the schemas -----------------------------------------------------------------------


def test_schemas_ship_in_the_package_data() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert config["package-dir"]["plancc.schemas"] == "schemas"
    assert "*.json" in config["package-data"]["plancc.schemas"]
    assert "*.yaml" in config["package-data"]["plancc.recipes"]


def test_schemas_and_recipes_are_found_outside_the_checkout(tmp_path: Path) -> None:
    """Lay the package out as an installed wheel would, and load from another directory."""
    site = tmp_path / "site"
    shutil.copytree(REPO / "plancc", site / "plancc", ignore=shutil.ignore_patterns("__pycache__"))
    for pkg, src, pattern in (("schemas", "schemas", "*.json"), ("recipes", "recipes", "*.yaml")):
        (site / "plancc" / pkg).mkdir(exist_ok=True)
        shutil.copy(REPO / src / "__init__.py", site / "plancc" / pkg / "__init__.py")
        for f in (REPO / src).glob(pattern):
            shutil.copy(f, site / "plancc" / pkg / f.name)
    code = (
        "import plancc, plancc.load as l;"
        f"assert plancc.__file__.startswith({str(site)!r}), plancc.__file__;"
        "print(len(l.trade_symbols()), len(l.load_recipes([l.default_recipe_path()]).raw),"
        " l.load_policy(l.default_policy_path()).max_pipelines, sorted(l.schema('snapshot')['required']))"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[:3] == ["145", "25", "0"]  # policy.yaml: max_pipelines 0 (no cap)
