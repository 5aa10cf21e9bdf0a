"""plancc: a SpaceTraders fleet run as a parallel manufacturing pipeline.

The public surface is re-exported here; ``tests/test_public_api.py`` pins it.
"""

from __future__ import annotations

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

__all__ = [
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
