"""The package's public surface, as re-exported from ``plancc/__init__``."""

import json
import subprocess
import sys

from conftest import REPO

import plancc
from plancc import errors


def test_public_surface_is_the_library_the_exception_tree_and_version():
    assert sorted(plancc.__all__) == sorted(
        [
            "Client",
            "PlanDiff",
            "compile_files",
            "compile_plan",
            "diff_plans",
            "dump_plan",
            "load_plan",
            "load_policy",
            "load_recipes",
            "load_snapshot",
            "take_snapshot",
            "ApiError",
            "GameError",
            "InputError",
            "InputErrors",
            "InsufficientCredits",
            "OutcomeUnknown",
            "PlanccError",
            "RateLimited",
            "ServerUnavailable",
            "ShipInTransit",
            "ShipNotDocked",
            "ShipNotInOrbit",
            "StateError",
            "TradeVolumeExceeded",
            "UniverseReset",
            "__version__",
        ]
    )
    for name in plancc.__all__:
        assert hasattr(plancc, name)


def test_public_names_are_the_library_objects_themselves():
    from plancc import api, compile, diff, inputs, load, planfile, snapshot

    assert plancc.compile_plan is compile.compile_plan
    assert plancc.compile_files is inputs.compile_files
    assert plancc.load_recipes is load.load_recipes
    assert plancc.load_policy is load.load_policy
    assert plancc.load_snapshot is load.load_snapshot
    assert plancc.load_plan is planfile.load_plan
    assert plancc.dump_plan is planfile.dump_plan
    assert plancc.diff_plans is diff.diff_plans
    assert plancc.Client is api.Client
    assert plancc.take_snapshot is snapshot.take_snapshot


def test_importing_plancc_loads_no_compiler_client_or_yaml():
    """The cron tick imports plancc; the library behind the names loads only when used."""
    code = "import json, sys, plancc; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    loaded = set(json.loads(out.stdout))
    heavy = {"plancc.compile", "plancc.api", "plancc.load", "yaml", "httpx", "ortools"}
    assert loaded & heavy == set()


def test_bad_input_errors_exit_2_and_print_file_line_column_field():
    err = errors.InputError(
        "unknown good 'DIAMOND'", errors.Where("r.yaml", 12, 7), "goods.X.inputs[2]"
    )
    assert err.exit_code == 2
    assert str(err) == "r.yaml:12:7: goods.X.inputs[2]: unknown good 'DIAMOND'"


def test_api_errors_name_the_call_and_the_code():
    err = errors.GameError("Ship is in transit", code=4214, endpoint="POST /my/ships/A-1/dock")
    assert isinstance(err, errors.ApiError)
    assert str(err) == "POST /my/ships/A-1/dock: Ship is in transit (code 4214)"


def test_version_is_the_installed_distributions():
    from importlib.metadata import version

    assert plancc.__version__ == version("plancc")
