"""A visit's first lot may trade on another ship's read of that market made within
``policy.fresh_quote_s``, instead of a read of its own: prices move only with trades and on
the NPC economy's ~15-minute step, the server rejects no trade for a stale price, the ledger
keeps the price actually paid and caps count from the ledger. A read is still made when the
quote is older, the reader is this ship itself or unknown, or the price would stall the task
(a stall is decided on a real read). A lot of that good the fleet traded there the same way
since the read replaces it (test_runner_fleet_trades)."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

from test_runner_decide import LOAD, NOW, POLICY, UNLOAD, only, quote, world

from runner.model import FleetTrade, ShipState, TaskState
from tests.runner_world import RunnerWorld

ARRIVED_AT_A = ShipState(
    "S-1", "MKT-A", "DOCKED", fuel=400, fuel_capacity=400, cargo_capacity=40, quote_ok=False
)
AT_B = ShipState(
    "S-1", "MKT-B", "DOCKED", fuel=400, fuel_capacity=400, cargo_capacity=40,
    cargo={"IRON": 40}, quote_ok=False,
)  # fmt: skip
LOADED = TaskState(LOAD, "COMPLETED", "S-1", done_units=40)


def read_by(by: str, age: float, **kw: int):
    return replace(quote("MKT-A", at=NOW - age, **kw), by=by)


def test_another_ships_recent_read_is_traded_on_without_a_read() -> None:
    a = only(world(ship=ARRIVED_AT_A, quotes=(read_by("S-2", 60, purchase=104),)))
    assert (a.kind, a.price) == ("BUY", 104)


def test_a_read_older_than_the_policy_allows_is_read_again() -> None:
    old = read_by("S-2", POLICY.fresh_quote_s + 1)
    assert only(world(ship=ARRIVED_AT_A, quotes=(old,))).kind == "READ_MARKET"


def test_the_ships_own_earlier_read_or_one_by_no_known_ship_is_read_again() -> None:
    for by in ("S-1", ""):
        view = world(ship=ARRIVED_AT_A, quotes=(read_by(by, 10),))
        assert only(view).kind == "READ_MARKET", by


def test_a_fleet_trade_of_that_good_there_since_the_read_makes_it_stale() -> None:
    # S-2 bought IRON at MKT-A after the read: the read's 100 is no longer the price; the
    # lot's own answer (101, moved by the per-lot impact guess) is, within the window
    traded = FleetTrade("MKT-A", "IRON", "PURCHASE", NOW - 30, 101, "S-2")
    view = world(ship=ARRIVED_AT_A, quotes=(read_by("S-2", 60),))
    a = only(replace(view, trades={("MKT-A", "IRON", "PURCHASE"): traded}))
    assert (a.kind, a.price) == ("BUY", math.ceil(101 * (1 + POLICY.buy_impact_guess)))
    older = replace(traded, at=NOW - POLICY.fresh_quote_s - 1)
    stale = replace(view, quotes={("MKT-A", "IRON"): read_by("S-2", POLICY.fresh_quote_s + 5)})
    assert only(replace(stale, trades={("MKT-A", "IRON", "PURCHASE"): older})).kind == (
        "READ_MARKET"
    )


def test_a_fresh_price_past_the_ceiling_is_checked_by_a_read_not_stalled_on() -> None:
    high = read_by("S-2", 10, purchase=126)  # ceiling 1.25 x 100
    assert only(world(ship=ARRIVED_AT_A, quotes=(high,))).kind == "READ_MARKET"


def test_a_sale_trades_on_a_fresh_bid_above_the_floor_and_reads_one_below() -> None:
    def at_b(sell: int):
        bid = replace(quote("MKT-B", sell=sell, at=NOW - 30, type_="IMPORT"), by="S-2")
        return world(ship=AT_B, load=LOADED, unload=TaskState(UNLOAD, "ACTIVE", "S-1"),
                     quotes=(bid,))  # fmt: skip

    a = only(at_b(190))
    assert (a.kind, a.price) == ("SELL", 190)
    assert only(at_b(150)).kind == "READ_MARKET"  # floor 0.8 x 200 = 160


def test_on_the_twin_each_read_records_the_ship_that_made_it(tmp_path: Path) -> None:
    world_ = RunnerWorld.build(tmp_path, seed=1, haulers=5)
    world_.run_until_done()
    store = world_.store()
    readers = {r[0] for r in store.conn.execute("SELECT DISTINCT ship FROM market_obs")}
    assert readers and "" not in readers
    assert readers <= set(store.ships())
    world_.check()
