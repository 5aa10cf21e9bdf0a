"""The runner's latest quote of each market's good is kept as reads land (schema v6), and is
exactly what a scan of every observation would pick: the read with the latest server time,
the later-written one on a tie. A view no longer scans the whole history, which grows with
every read for as long as the runner runs."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

from runner.model import Quote
from runner.state import MIGRATIONS, Store

SCAN = (
    "SELECT o.* FROM market_obs o JOIN (SELECT market, good, MAX(at) AS at "
    "FROM market_obs GROUP BY market, good) m "
    "ON o.market=m.market AND o.good=m.good AND o.at=m.at ORDER BY o.id"
)


def _scanned(conn: sqlite3.Connection) -> dict[tuple[str, str], tuple]:
    out = {}
    for r in conn.execute(SCAN):
        out[(r["market"], r["good"])] = (r["at"], r["supply"], r["purchase"], r["ship"])
    return out


def _kept(store: Store) -> dict[tuple[str, str], tuple]:
    return {k: (q.at, q.supply, q.purchase, q.by) for k, q in store.latest_quotes().items()}


def _quote(market: str, good: str, at: float, price: int) -> Quote:
    return Quote(market, good, at, "EXPORT", "HIGH", price, price - 5, 10)


def test_reads_in_any_order_keep_what_a_scan_of_all_observations_would_pick(
    tmp_path: Path,
) -> None:
    rng = random.Random(7)
    store = Store.open(tmp_path / "s.db")
    try:
        for n in range(300):
            market = rng.choice(["M1", "M2", "M3"])
            at = float(rng.randrange(20))  # out of order, with ties
            goods = [_quote(market, g, at, n) for g in rng.sample(["A", "B", "C"], 2)]
            with store.tx() as c:
                store.observe_market(c, market, at, goods, by=f"S-{n}")
        assert _kept(store) == _scanned(store.conn)
    finally:
        store.close()


def test_an_older_read_landing_late_does_not_replace_the_latest(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "s.db")
    try:
        with store.tx() as c:
            store.observe_market(c, "M1", 200.0, [_quote("M1", "A", 200.0, 110)])
        with store.tx() as c:
            store.observe_market(c, "M1", 100.0, [_quote("M1", "A", 100.0, 90)])
        (quote,) = store.latest_quotes().values()
    finally:
        store.close()
    assert (quote.at, quote.purchase) == (200.0, 110)


def test_a_state_file_from_before_keeps_its_latest_quotes(tmp_path: Path) -> None:
    path = tmp_path / "v5.db"
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    conn.executescript("".join(MIGRATIONS[:5]) + "PRAGMA user_version=5;")
    rows = [("M1", "A", 10.0, 100), ("M1", "A", 30.0, 120), ("M1", "A", 30.0, 125)]
    rows += [("M2", "B", 50.0, 70), ("M1", "B", 20.0, 60)]
    for market, good, at, price in rows:
        conn.execute(
            "INSERT INTO market_obs(market, good, at, type, supply, purchase, sell, "
            "trade_volume) VALUES(?, ?, ?, 'EXPORT', 'HIGH', ?, ?, 10)",
            (market, good, at, price, price - 5),
        )
    conn.commit()
    before = _scanned(conn)
    conn.close()
    store = Store.open(path)
    try:
        assert _kept(store) == before
        assert store.latest_quotes()[("M1", "A")].purchase == 125
    finally:
        store.close()
