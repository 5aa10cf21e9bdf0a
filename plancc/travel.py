"""The game's travel formulas, shared by the scheduler and the twin.

time = round(round(max(1, d)) * multiplier / engine_speed + 15) seconds
fuel: CRUISE/STEALTH round(d) (min 1), BURN 2 * round(d) (min 2), DRIFT 1
d is the Euclidean distance; orbitals share their parent's coordinates (d = 0, still 1 fuel).
``round`` is half up, like JavaScript's ``Math.round`` in the public bots' formula (Python's
``round`` goes half to even: a 142.5 s hop came out 142 s instead of 143).
"""

from __future__ import annotations

import math

FLIGHT_MULTIPLIER: dict[str, float] = {
    "CRUISE": 25.0,
    "BURN": 12.5,
    "DRIFT": 250.0,
    "STEALTH": 30.0,
}


def round_half_up(x: float) -> int:
    """Nearest integer, halves away from zero for positive x (``Math.round`` for x >= 0)."""
    return math.floor(x + 0.5)


def distance(ax: int, ay: int, bx: int, by: int) -> float:
    return math.hypot(ax - bx, ay - by)


def travel_seconds(d: float, engine_speed: int, flight_mode: str = "CRUISE") -> int:
    """Seconds a ship with ``engine_speed`` needs to fly ``d`` units in ``flight_mode``."""
    mult = FLIGHT_MULTIPLIER[flight_mode]
    return round_half_up(round_half_up(max(1.0, d)) * mult / max(1, engine_speed) + 15)


def fuel_cost(d: float, flight_mode: str = "CRUISE") -> int:
    """Fuel units the flight uses (ships with no fuel tank, like probes, use none: the caller checks)."""
    if flight_mode == "DRIFT":
        return 1
    if flight_mode == "BURN":
        return max(2, 2 * round_half_up(d))
    return max(1, round_half_up(d))
