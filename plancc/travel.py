"""The game's travel formulas, shared by the scheduler and the twin.

time = round(round(max(1, d)) * multiplier / engine_speed + 15) seconds
fuel: CRUISE/STEALTH round(d) (min 1), BURN 2 * round(d) (min 2), DRIFT 1
d is the Euclidean distance; orbitals share their parent's coordinates (d = 0, still 1 fuel).
"""

from __future__ import annotations

import math

FLIGHT_MULTIPLIER: dict[str, float] = {
    "CRUISE": 25.0,
    "BURN": 12.5,
    "DRIFT": 250.0,
    "STEALTH": 30.0,
}


def distance(ax: int, ay: int, bx: int, by: int) -> float:
    return math.hypot(ax - bx, ay - by)


def travel_seconds(d: float, engine_speed: int, flight_mode: str = "CRUISE") -> int:
    """Seconds a ship with ``engine_speed`` needs to fly ``d`` units in ``flight_mode``."""
    mult = FLIGHT_MULTIPLIER[flight_mode]
    return round(round(max(1.0, d)) * mult / max(1, engine_speed) + 15)


def fuel_cost(d: float, flight_mode: str = "CRUISE") -> int:
    """Fuel units the flight uses (ships with no fuel tank, like probes, use none: the caller checks)."""
    if flight_mode == "DRIFT":
        return 1
    if flight_mode == "BURN":
        return max(2, 2 * round(d))
    return max(1, round(d))
