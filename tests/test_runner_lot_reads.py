"""Within one visit a lot is judged by the previous lot's own answer, not by a market read.

The purchase or sale answer carries the price the lot actually got; the next lot's price is
that moved by the policy's per-lot impact guess (the live maximum). The runner reads the market
again only when the guess crosses the ceiling or the floor, or when its last lot there was in
an earlier visit.
"""

from __future__ import annotations

import math

from test_runner_decide import LOAD, NOW, POLICY, UNLOAD, only, quote, world

from runner.model import ShipState, TaskState

DOCKED_AT_A = ShipState(
    "S-1",
    "MKT-A",
    "DOCKED",
    fuel=400,
    fuel_capacity=400,
    cargo_capacity=40,
    cargo={"IRON": 10},
    quote_ok=False,  # a lot was traded since the read
    arrival=NOW - 600,
)


def _bought(price: int, at: float) -> TaskState:
    return TaskState(
        LOAD, "ACTIVE", "S-1", done_units=10, last_price=price, last_at=at, last_ship="S-1"
    )


def test_the_next_lot_is_bought_on_the_last_lots_price_without_a_read() -> None:
    view = world(
        ship=DOCKED_AT_A,
        load=_bought(104, NOW - 60),
        quotes=(quote("MKT-A", purchase=100, at=NOW - 120),),
    )
    action = only(view)
    assert action.kind == "BUY"
    assert action.price == math.ceil(104 * (1 + POLICY.buy_impact_guess))


def test_a_guess_above_the_ceiling_is_checked_by_a_read() -> None:
    # ceiling: 100 x 1.25 = 125; 112 x 1.13 = 127 > 125
    view = world(
        ship=DOCKED_AT_A,
        load=_bought(112, NOW - 60),
        quotes=(quote("MKT-A", purchase=100, at=NOW - 120),),
    )
    assert only(view).kind == "READ_MARKET"


def test_a_lot_from_an_earlier_visit_is_no_guide_the_market_is_read() -> None:
    view = world(
        ship=DOCKED_AT_A,
        load=_bought(104, NOW - 900),  # before this arrival
        quotes=(quote("MKT-A", purchase=100, at=NOW - 1000),),
    )
    assert only(view).kind == "READ_MARKET"


def test_the_next_sale_is_judged_on_the_last_sales_price_and_the_floor() -> None:
    ship = ShipState(
        "S-1", "MKT-B", "DOCKED", fuel=400, fuel_capacity=400, cargo_capacity=40,
        cargo={"IRON": 30}, quote_ok=False, arrival=NOW - 600,
    )  # fmt: skip
    load = TaskState(LOAD, "COMPLETED", "S-1", done_units=40)

    def sold(price: int) -> TaskState:
        return TaskState(
            UNLOAD, "ACTIVE", "S-1", done_units=10, last_price=price, last_at=NOW - 60,
            last_ship="S-1",
        )  # fmt: skip

    quotes = (quote("MKT-B", sell=200, at=NOW - 120, type_="IMPORT"),)
    action = only(world(ship=ship, load=load, unload=sold(198), quotes=quotes))
    assert action.kind == "SELL"
    assert action.price == math.floor(198 * (1 - POLICY.sell_impact_guess))
    # floor: 200 x 0.8 = 160; 175 x 0.89 = 155 < 160: read before selling lower
    assert only(world(ship=ship, load=load, unload=sold(175), quotes=quotes)).kind == "READ_MARKET"
