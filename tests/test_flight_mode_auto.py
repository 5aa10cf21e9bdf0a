"""Flight mode AUTO (issue 8): BURN on a hop where the hauler time it saves is worth its extra
fuel, CRUISE otherwise. A hop's time is valued at the plan's own profit per hauler-hour (or the
policy's ``time_value_per_hour``); its fuel at the snapshot's FUEL price per 100 tank units (or
the policy's ``fuel_price``). BURN saves 12.5 d / v seconds for d more tank units, so for a
speed-30 hauler at 72 cr per FUEL unit it pays above about 2.88 * 72 * 30 = 6,221 cr/h."""

from __future__ import annotations

import dataclasses

from planhops import hops
from recorded import INPUTS, recorded

from plancc import flight
from plancc.compile import compile_plan
from plancc.load import policy_from_data
from plancc.model import Market, Plan, Policy, Snapshot, TradeGood
from plancc.schedule.problem import _routes
from plancc.travel import fuel_cost, travel_seconds

AUTO = Policy(flight_mode="AUTO")
# one hop of 300 units for a speed-30 engine: BURN 140 s / 600 fuel, CRUISE 265 s / 300 fuel
D, SPEED = 300.0, 30
OPTIONS = [(travel_seconds(D, SPEED, m), fuel_cost(D, m)) for m in flight.AUTO_MODES]


def _weigh(per_hour: float, price: float = 72.0) -> tuple[float, float] | None:
    policy = dataclasses.replace(AUTO, time_value_per_hour=per_hour, fuel_price=price)
    return flight.weights(policy, None)


def test_auto_burns_a_hop_when_the_time_saved_is_worth_more_than_the_extra_fuel() -> None:
    assert flight.AUTO_MODES[flight.pick(OPTIONS, 600, _weigh(20_000)) or 0] == "BURN"


def test_auto_cruises_a_hop_when_hauler_time_is_worth_less_than_the_extra_fuel() -> None:
    assert flight.AUTO_MODES[flight.pick(OPTIONS, 600, _weigh(3_000)) or 0] == "CRUISE"


def test_the_break_even_value_grows_with_the_fuel_price() -> None:
    """Saved 125 s for 300 tank units (3 FUEL units): BURN pays above 3 * price * 3600 / 125."""
    for price in (50.0, 72.0, 200.0):
        even = 3 * price * 3600 / (OPTIONS[1][0] - OPTIONS[0][0])
        assert flight.pick(OPTIONS, 600, _weigh(even * 1.01, price)) == 0
        assert flight.pick(OPTIONS, 600, _weigh(even * 0.99, price)) == 1


def test_auto_cruises_a_hop_whose_burn_fuel_exceeds_the_tank() -> None:
    assert flight.AUTO_MODES[flight.pick(OPTIONS, 400, _weigh(1_000_000)) or 0] == "CRUISE"


def test_no_mode_reaches_a_hop_longer_than_the_tank_in_cruise() -> None:
    assert flight.pick(OPTIONS, 200, _weigh(20_000)) is None


def test_a_ship_without_a_tank_always_flies_the_fastest_mode() -> None:
    """Probes carry no fuel: fuel costs them nothing, whatever the time is worth."""
    assert flight.pick(OPTIONS, 0, _weigh(0.0)) == 0


def test_auto_without_a_time_value_cruises() -> None:
    """Unvalued time saves nothing, so the extra fuel never pays."""
    assert flight.pick(OPTIONS, 600, flight.weights(AUTO, None)) == 1


def test_a_named_mode_is_flown_on_every_hop_it_reaches_whatever_time_is_worth() -> None:
    burn = dataclasses.replace(AUTO, flight_mode="BURN", time_value_per_hour=0.0)
    assert flight.weights(burn, None) is None
    assert flight.pick(OPTIONS, 600, None) == 0


def test_the_fuel_price_is_the_snapshots_median_fuel_price() -> None:
    def market(symbol: str, price: int) -> Market:
        row = TradeGood("FUEL", "EXCHANGE", 100, "MODERATE", price, price - 4)
        return Market(symbol, exchange=("FUEL",), trade_goods=(row,))

    markets = [market("A", 70), market("B", 72), market("C", 90)]
    assert flight.fuel_price(AUTO, markets) == 72.0
    assert flight.fuel_price(AUTO, []) == flight.DEFAULT_FUEL_PRICE
    assert flight.fuel_price(dataclasses.replace(AUTO, fuel_price=55.0), markets) == 55.0


def test_route_tables_record_the_mode_auto_chose_per_hop() -> None:
    """Two points 300 apart and one 150 further: the long hop needs 600 BURN fuel, so a
    500-fuel tank burns the short hop and cruises the long one."""
    coords = [(0, 0), (150, 0), (450, 0)]
    n = len(coords)

    def table(mode: str, f: object) -> tuple[tuple[int, ...], ...]:
        return tuple(
            tuple(f(abs(coords[a][0] - coords[b][0]), mode) for b in range(n))
            for a in range(n)  # type: ignore[operator]
        )

    hops = [table(m, lambda d, m: travel_seconds(d, SPEED, m)) for m in flight.AUTO_MODES]
    fuels = [table(m, fuel_cost) for m in flight.AUTO_MODES]
    routes = _routes(0, 500, hops, fuels, (True, True, True), 5, _weigh(20_000))
    assert flight.AUTO_MODES[routes.hop_mode[0][1]] == "BURN"
    assert flight.AUTO_MODES[routes.hop_mode[1][2]] == "CRUISE"


def _compiled(snap: Snapshot | None = None, **policy: object) -> tuple[Plan, Snapshot]:
    book, base, recorded_snap = recorded()
    if snap is None:  # tanks that reach every hop in BURN
        ships = tuple(
            dataclasses.replace(s, fuel_capacity=4000, fuel_current=4000)
            for s in recorded_snap.ships
        )
        snap = dataclasses.replace(recorded_snap, ships=ships)
    plan = compile_plan(
        book,
        dataclasses.replace(base, **policy),
        snap,
        inputs=INPUTS,
        scheduler="list",  # type: ignore[arg-type]
    )
    return plan, snap


def test_a_compiled_auto_plan_burns_at_the_plans_own_profit_rate() -> None:
    """X1-AD75's plans earn far above the ~6k cr/h break-even per hauler-hour: every hop burns,
    and no hop is written as AUTO (the runner flies only modes the API knows)."""
    plan, snap = _compiled(flight_mode="AUTO")
    assert plan.pipelines and {m for _, _, m in hops(plan, snap)} == {"BURN"}


def test_a_compiled_auto_plan_cruises_when_the_policy_values_time_cheaply() -> None:
    plan, snap = _compiled(flight_mode="AUTO", time_value_per_hour=1_000)
    assert plan.pipelines and {m for _, _, m in hops(plan, snap)} == {"CRUISE"}


def test_an_auto_plan_burns_only_hops_whose_burn_fuel_fits_the_tank() -> None:
    """With the recorded tanks some hops are too long to burn: those, and only those, cruise."""
    _, _, snap = recorded()
    plan, snap = _compiled(snap, flight_mode="AUTO")
    flown = hops(plan, snap)
    assert plan.pipelines and {m for _, _, m in flown} == {"BURN", "CRUISE"}
    for d, tank, mode in flown:
        assert (mode == "BURN") == (fuel_cost(d, "BURN") <= tank), (d, tank, mode)


def test_auto_and_time_value_load_from_the_policy_file() -> None:
    policy = policy_from_data(
        {"flight_mode": "AUTO", "time_value_per_hour": 9000, "fuel_price": 70}
    )
    assert (policy.flight_mode, policy.time_value_per_hour, policy.fuel_price) == (
        "AUTO",
        9000.0,
        70.0,
    )
