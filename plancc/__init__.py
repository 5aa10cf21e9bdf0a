"""plancc: a SpaceTraders fleet run as a parallel manufacturing pipeline.

The public surface is re-exported here; ``tests/test_public_api.py`` pins it:

    from plancc import compile_files, load_plan, diff_plans, Client, InputError

The exception tree is imported at once; the library functions load their module on first use
(PEP 562), so ``import plancc`` (and with it the runner's cron tick) stays light: no YAML,
no HTTP client, no compiler until one is asked for.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from plancc.errors import (
    ApiError,
    GameError,
    InputError,
    InputErrors,
    InsufficientCredits,
    OutcomeUnknown,
    PlanccError,
    RateLimited,
    ServerUnavailable,
    ShipInTransit,
    ShipNotDocked,
    ShipNotInOrbit,
    StateError,
    TradeVolumeExceeded,
    UniverseReset,
)

__version__ = "0.1.0"

# public name -> the module that defines it, imported when the name is first used
_LAZY: dict[str, str] = {
    "compile_plan": "plancc.compile",
    "compile_files": "plancc.inputs",
    "load_recipes": "plancc.load",
    "load_policy": "plancc.load",
    "load_snapshot": "plancc.load",
    "load_plan": "plancc.planfile",
    "dump_plan": "plancc.planfile",
    "diff_plans": "plancc.diff",
    "PlanDiff": "plancc.diff",
    "Client": "plancc.api",
    "take_snapshot": "plancc.snapshot",
}

if TYPE_CHECKING:
    from plancc.api import Client
    from plancc.compile import compile_plan
    from plancc.diff import PlanDiff, diff_plans
    from plancc.inputs import compile_files
    from plancc.load import load_policy, load_recipes, load_snapshot
    from plancc.planfile import dump_plan, load_plan
    from plancc.snapshot import take_snapshot


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'plancc' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "ApiError",
    "Client",
    "GameError",
    "InputError",
    "InputErrors",
    "InsufficientCredits",
    "OutcomeUnknown",
    "PlanDiff",
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
    "compile_files",
    "compile_plan",
    "diff_plans",
    "dump_plan",
    "load_plan",
    "load_policy",
    "load_recipes",
    "load_snapshot",
    "take_snapshot",
]
