"""The package's public surface, as re-exported from ``plancc/__init__``."""

import plancc
from plancc import errors


def test_public_surface_is_the_exception_tree_and_version():
    assert sorted(plancc.__all__) == sorted(
        [
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
