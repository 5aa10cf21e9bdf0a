"""What the fleet traded at a market tells a later visit about the price there (issue 11):
the ledger records where each lot was traded, and the view keeps the fleet's last lot of
each good at each market each way, a task's or a liquidation's alike.

- A lot traded the same way since the last read makes that read stale; within
  ``policy.fresh_quote_s`` the lot's own price, moved by the per-lot impact guess, prices the
  next lot without a read (never past the ceiling or the floor: then a read).
- A lot traded the other way since the read moved the price in our favour (a sale lowers the
  ask, a purchase raises the bid), so the read still bounds the price.
- Before, only tasks' lots were seen: a liquidation's sale at a market left another ship's
  read there looking fresh (the view had no time for it).
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

from test_runner_decide import LOAD, NOW, POLICY, UNLOAD, only, quote, world

from runner.model import FleetTrade, ShipState, TaskState, View
from runner.state import LedgerLine, Store
from tests.runner_world import RunnerWorld

AT_A = ShipState("S-1", "MKT-A", "DOCKED", fuel=400, fuel_capacity=400, cargo_capacity=40)
AT_B = ShipState(
    "S-1", "MKT-B", "DOCKED", fuel=400, fuel_capacity=400, cargo_capacity=40,
    cargo={"IRON": 40},
)  # fmt: skip


def buying(*trades: FleetTrade, read_age: float = 60, purchase: int = 104) -> View:
    read = replace(quote("MKT-A", purchase=purchase, at=NOW - read_age), by="S-2")
    view = world(ship=AT_A, quotes=(read,))
    return replace(view, trades={(t.market, t.good, t.kind): t for t in trades})


def selling(*trades: FleetTrade, sell: int = 190) -> View:
    read = replace(quote("MKT-B", sell=sell, at=NOW - 60, type_="IMPORT"), by="S-2")
    view = world(
        ship=AT_B,
        load=TaskState(LOAD, "COMPLETED", "S-1", done_units=40),
        unload=TaskState(UNLOAD, "ACTIVE", "S-1"),
        quotes=(read,),
    )
    return replace(view, trades={(t.market, t.good, t.kind): t for t in trades})


def bought(at: float, price: int, **kw: object) -> FleetTrade:
    return FleetTrade("MKT-A", "IRON", "PURCHASE", at, price, "S-3", **kw)  # type: ignore[arg-type]


def sold(at: float, price: int, market: str = "MKT-B") -> FleetTrade:
    return FleetTrade(market, "IRON", "SELL", at, price, "S-3")


def test_the_fleets_last_lot_the_same_way_prices_the_next_lot_without_a_read() -> None:
    a = only(buying(bought(NOW - 30, 100), read_age=600))
    assert (a.kind, a.price) == ("BUY", math.ceil(100 * (1 + POLICY.buy_impact_guess)))


def test_a_lot_older_than_the_window_is_not_priced_on() -> None:
    old = bought(NOW - POLICY.fresh_quote_s - 1, 100)
    assert only(buying(old, read_age=POLICY.fresh_quote_s + 60)).kind == "READ_MARKET"


def test_a_guess_past_the_ceiling_is_checked_by_a_read() -> None:
    assert only(buying(bought(NOW - 30, 115))).kind == "READ_MARKET"  # 115 x 1.13 > 125


def test_a_lot_whose_answer_was_lost_is_not_priced_on() -> None:
    assert only(buying(bought(NOW - 30, 100, recovered=True))).kind == "READ_MARKET"


def test_a_sale_there_since_the_read_leaves_the_read_good_for_a_purchase() -> None:
    a = only(buying(sold(NOW - 30, 180, market="MKT-A"), purchase=104))
    assert (a.kind, a.price) == ("BUY", 104)


def test_a_liquidation_sale_since_the_read_is_seen_by_a_sale_there() -> None:
    # another ship liquidated IRON at MKT-B after S-2's read: its bid of 190 is gone; the
    # liquidation's price says the next lot fetches about 170 x 0.89 < the floor of 160
    assert only(selling(sold(NOW - 20, 170))).kind == "READ_MARKET"
    a = only(selling(sold(NOW - 20, 200)))
    assert (a.kind, a.price) == ("SELL", math.floor(200 * (1 - POLICY.sell_impact_guess)))


def test_the_view_keeps_liquidation_sales_where_they_were_made() -> None:
    store = Store.open(":memory:")
    with store.tx() as c:
        c.execute(
            "INSERT INTO liquidations(id, ship, good, units, market, created_at) "
            "VALUES('liq-1', 'S-3', 'IRON', 10, 'MKT-B', ?)",
            (NOW - 100,),
        )
        line = LedgerLine(NOW - 20, "S-3", "SELL", "IRON", 10, 170, 1700, 5000, liquidation="liq-1")
        store.record(c, line)  # a line from before the ledger's market column
        store.record(c, replace(line, at=NOW - 10, price_per_unit=160, market="MKT-C"))
    trades = store.view(NOW).trades
    assert trades[("MKT-B", "IRON", "SELL")] == FleetTrade(
        "MKT-B", "IRON", "SELL", NOW - 20, 170, "S-3"
    )
    assert trades[("MKT-C", "IRON", "SELL")].price == 160


def test_on_the_twin_every_lot_is_recorded_where_it_was_traded(tmp_path: Path) -> None:
    world_ = RunnerWorld.build(tmp_path, seed=1, haulers=5)
    world_.run_until_done()
    store = world_.store()
    rows = store.conn.execute(
        "SELECT l.market, t.market FROM ledger l JOIN tasks t ON t.id = l.task "
        "WHERE l.kind IN ('PURCHASE', 'SELL')"
    ).fetchall()
    assert rows and all(where == task_market for where, task_market in rows)
    assert world_.check() == []
