"""Which flight mode a hop is flown in: the policy's one, or under ``AUTO`` the one whose time and
fuel cost the plan least.

A BURN hop takes about half the seconds of a CRUISE hop for twice the fuel. Whether that pays
depends on what a hauler's time is worth (``Policy.time_value_per_hour``; the compiler fills it
with the plan's own profit per hauler-hour) against what the extra fuel costs: the market sells
FUEL in units of 100 tank units (``Policy.fuel_price``; unset: the snapshot's median FUEL price).
For an engine of speed ``v`` the time BURN saves is worth its fuel above about
``2.9 * price * v`` credits per hauler-hour: 6,200 cr/h for a speed-30 hauler at 72 cr.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from plancc.model import Market, Policy
from plancc.travel import fuel_cost, travel_seconds

AUTO = "AUTO"
# what the market's one unit of FUEL puts in a tank (the refuel endpoint's rule)
TANK_PER_FUEL_UNIT = 100
# credits per FUEL unit when the snapshot has no price: 24 of 25 X1-AD75 fuel markets
DEFAULT_FUEL_PRICE = 72.0
# the modes AUTO weighs, fastest first (ties go to the faster); DRIFT stays the compiler's
# whole-plan last resort (plancc.compile.SLOWER_MODE), never a per-hop choice
AUTO_MODES: tuple[str, ...] = ("BURN", "CRUISE")
# the slower mode a hop is flown in where the policy's mode needs more fuel than the tank holds;
# CRUISE never falls back to DRIFT per hop (a DRIFT hop takes ten times as long: compile
# decides for a whole plan whether that still pays)
FALLBACK_MODE: dict[str, tuple[str, ...]] = {"BURN": ("CRUISE",)}


def candidate_modes(policy: Policy) -> tuple[str, ...]:
    """The modes a hop may be flown in: the policy's, then its fallback; AUTO: ``AUTO_MODES``."""
    if policy.flight_mode == AUTO:
        return AUTO_MODES
    return (policy.flight_mode, *FALLBACK_MODE.get(policy.flight_mode, ()))


def default_mode(policy: Policy) -> str:
    """The mode written where the schedule recorded none (a flight of no hop)."""
    return "CRUISE" if policy.flight_mode == AUTO else policy.flight_mode


def fuel_price(policy: Policy, markets: Sequence[Market] | None) -> float:
    """Credits per FUEL unit: the policy's, else the median purchase price of FUEL among
    ``markets``, else ``DEFAULT_FUEL_PRICE``."""
    if policy.fuel_price is not None:
        return float(policy.fuel_price)
    prices = [
        row.purchase_price
        for m in markets or ()
        if (row := m.good("FUEL")) is not None and row.purchase_price > 0
    ]
    return float(statistics.median(prices)) if prices else DEFAULT_FUEL_PRICE


def weights(policy: Policy, markets: Sequence[Market] | None) -> tuple[float, float] | None:
    """(credits per hauler-second, credits per tank unit) that AUTO weighs a hop by; None when
    the policy names one mode (the first that fits the tank is flown)."""
    if policy.flight_mode != AUTO:
        return None
    per_s = (policy.time_value_per_hour or 0.0) / 3600.0
    return per_s, fuel_price(policy, markets) / TANK_PER_FUEL_UNIT


def pick(
    options: Sequence[tuple[int, int]], capacity: int, weigh: tuple[float, float] | None
) -> int | None:
    """Index of the mode a hop is flown in, from its (seconds, fuel) per candidate mode; None
    when no mode's fuel fits ``capacity`` (0: no tank, fuel is no object and costs nothing).

    Without ``weigh`` the first mode that fits; with it the one of least
    ``seconds * per_s + fuel * per_fuel`` (ties: the earlier, faster one)."""
    best: int | None = None
    best_cost = 0.0
    for m, (seconds, fuel) in enumerate(options):
        if capacity and fuel > capacity:
            continue
        if weigh is None:
            return m
        per_s, per_fuel = weigh
        cost = seconds * per_s + (fuel * per_fuel if capacity else 0.0)
        if best is None or cost < best_cost:
            best, best_cost = m, cost
    return best


def estimated_seconds(d: float, speed: int, policy: Policy) -> int:
    """Seconds of one hop of ``d`` for ranking and sizing work before a schedule exists: the
    mode AUTO would pick with a tank that holds it (the policy's fuel price, or the default)."""
    modes = candidate_modes(policy)
    weigh = None
    if policy.flight_mode == AUTO:
        weigh = weights(policy, None)
    options = [(travel_seconds(d, speed, m), fuel_cost(d, m)) for m in modes]
    chosen = pick(options, 0 if weigh is None else 10**9, weigh)
    return options[0 if chosen is None else chosen][0]
