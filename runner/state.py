"""The runner's state: one SQLite file (WAL), schema versioned by migrations, and its queries.

    store = Store.open("state.db")            # creates or migrates; StateError if it is broken
    view = store.view(now)                    # what decide() reads
    store.ledger_totals()                     # {"PURCHASE": .., "SELL": .., "FUEL": ..}
    store.pipeline_pnl()                      # planned vs realised, per pipeline
    store.ship_timeline("S-1")                # the events of one ship, oldest first

Every write commits before it returns, so a kill between any two statements leaves a state
the next tick continues from (``killpoint.point`` marks each commit for the kill test).
Uses the standard library's ``sqlite3``: sqlite-utils imports pandas when it is installed
(~0.35 s), too slow for a tick that has nothing to do.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from plancc.errors import StateError
from runner import killpoint
from runner.model import (
    FactoryWait,
    FleetTrade,
    Liquidation,
    PipelineState,
    Quote,
    ShipState,
    TaskState,
    View,
)
from runner.planview import LegSpec, PlanView, from_json

MIGRATIONS: tuple[str, ...] = (
    # 1: the design's tables plus ships, ledger, observations, ticks, events, applied plans
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE applied_plans (
        id INTEGER PRIMARY KEY, plan_id TEXT NOT NULL, applied_at REAL NOT NULL,
        source TEXT NOT NULL, view_json TEXT NOT NULL, summary TEXT NOT NULL DEFAULT '');
    CREATE TABLE pipelines (
        id TEXT PRIMARY KEY, product TEXT NOT NULL, sell_market TEXT NOT NULL,
        quantity INTEGER NOT NULL, expected_cost INTEGER NOT NULL,
        expected_revenue INTEGER NOT NULL, status TEXT NOT NULL DEFAULT 'ACTIVE',
        reason TEXT NOT NULL DEFAULT '', started_at REAL, ended_at REAL,
        CHECK (status IN ('ACTIVE', 'COMPLETED', 'FAILED')));
    CREATE TABLE tasks (
        id TEXT PRIMARY KEY, pipeline TEXT NOT NULL, type TEXT NOT NULL, good TEXT NOT NULL,
        quantity INTEGER NOT NULL, market TEXT NOT NULL, unit_price INTEGER NOT NULL,
        lag_s INTEGER NOT NULL DEFAULT 0, status TEXT NOT NULL DEFAULT 'PENDING',
        ship TEXT NOT NULL DEFAULT '', done_units INTEGER NOT NULL DEFAULT 0,
        money INTEGER NOT NULL DEFAULT 0, retries INTEGER NOT NULL DEFAULT 0,
        last_error TEXT NOT NULL DEFAULT '', started_at REAL, completed_at REAL,
        CHECK (status IN ('PENDING', 'ACTIVE', 'COMPLETED', 'FAILED', 'CANCELLED')));
    CREATE TABLE task_deps (
        task_id TEXT NOT NULL, depends_on TEXT NOT NULL, PRIMARY KEY (task_id, depends_on));
    CREATE TABLE legs (
        id TEXT PRIMARY KEY, pipeline TEXT NOT NULL, ship TEXT NOT NULL, seq INTEGER NOT NULL,
        load_task TEXT NOT NULL, unload_task TEXT NOT NULL, good TEXT NOT NULL,
        quantity INTEGER NOT NULL, via_to_load TEXT NOT NULL DEFAULT '[]',
        via_to_unload TEXT NOT NULL DEFAULT '[]');
    CREATE TABLE factory_states (
        task TEXT PRIMARY KEY, market TEXT NOT NULL, good TEXT NOT NULL,
        pipeline TEXT NOT NULL, awaiting_since REAL NOT NULL, next_poll REAL NOT NULL,
        polls INTEGER NOT NULL DEFAULT 0, supply TEXT NOT NULL DEFAULT '', ready_at REAL);
    CREATE TABLE ships (
        symbol TEXT PRIMARY KEY, waypoint TEXT NOT NULL, status TEXT NOT NULL, arrival REAL,
        flight_mode TEXT NOT NULL DEFAULT 'CRUISE', fuel INTEGER NOT NULL DEFAULT 0,
        fuel_capacity INTEGER NOT NULL DEFAULT 0, cargo_capacity INTEGER NOT NULL DEFAULT 0,
        cargo TEXT NOT NULL DEFAULT '{}', read_at REAL, verified INTEGER NOT NULL DEFAULT 0,
        not_before REAL NOT NULL DEFAULT 0, park_reason TEXT NOT NULL DEFAULT '',
        quote_ok INTEGER NOT NULL DEFAULT 0, fuel_fails INTEGER NOT NULL DEFAULT 0,
        pending TEXT NOT NULL DEFAULT '');
    CREATE TABLE liquidations (
        id TEXT PRIMARY KEY, ship TEXT NOT NULL, good TEXT NOT NULL, units INTEGER NOT NULL,
        sold INTEGER NOT NULL DEFAULT 0, market TEXT NOT NULL, pipeline TEXT NOT NULL DEFAULT '',
        reason TEXT NOT NULL DEFAULT '', status TEXT NOT NULL DEFAULT 'OPEN',
        created_at REAL NOT NULL, done_at REAL);
    CREATE TABLE ledger (
        id INTEGER PRIMARY KEY, at REAL NOT NULL, ship TEXT NOT NULL, kind TEXT NOT NULL,
        good TEXT NOT NULL, units INTEGER NOT NULL, price_per_unit INTEGER NOT NULL,
        total INTEGER NOT NULL, credits_after INTEGER, task TEXT NOT NULL DEFAULT '',
        pipeline TEXT NOT NULL DEFAULT '', liquidation TEXT NOT NULL DEFAULT '',
        source TEXT NOT NULL DEFAULT 'api',
        CHECK (kind IN ('PURCHASE', 'SELL', 'FUEL')));
    CREATE TABLE market_obs (
        id INTEGER PRIMARY KEY, market TEXT NOT NULL, good TEXT NOT NULL, at REAL NOT NULL,
        type TEXT NOT NULL, supply TEXT NOT NULL, activity TEXT NOT NULL DEFAULT '',
        purchase INTEGER NOT NULL, sell INTEGER NOT NULL, trade_volume INTEGER NOT NULL);
    CREATE INDEX market_obs_latest ON market_obs (market, good, at);
    CREATE TABLE market_reads (market TEXT PRIMARY KEY, at REAL NOT NULL);
    CREATE TABLE ticks (
        id INTEGER PRIMARY KEY, started_at REAL NOT NULL, ended_at REAL,
        requests TEXT NOT NULL DEFAULT '{}', actions INTEGER NOT NULL DEFAULT 0,
        errors INTEGER NOT NULL DEFAULT 0, outcome TEXT NOT NULL DEFAULT 'running');
    CREATE TABLE events (
        id INTEGER PRIMARY KEY, at REAL NOT NULL, tick INTEGER, ship TEXT NOT NULL DEFAULT '',
        task TEXT NOT NULL DEFAULT '', pipeline TEXT NOT NULL DEFAULT '', kind TEXT NOT NULL,
        message TEXT NOT NULL);
    CREATE INDEX events_ship ON events (ship, at);
    """,
    # 2: which ship read a market ('' unknown: a snapshot, a scout, a state older than this),
    # so another ship may trade on a read that fresh (decide.fresh_quote)
    """
    ALTER TABLE market_obs ADD COLUMN ship TEXT NOT NULL DEFAULT '';
    """,
    # 3: where a trade was made ('' a line older than this: its task's or liquidation's
    # market), so a later visit knows the fleet traded there since a read (decide.fresh_quote)
    """
    ALTER TABLE ledger ADD COLUMN market TEXT NOT NULL DEFAULT '';
    """,
    # 4: the plan's flight mode per hop of a leg ('[]': a plan applied before this, flown in
    # the policy's mode), so a BURN the compiler chose is flown as BURN
    """
    ALTER TABLE legs ADD COLUMN modes_to_load TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE legs ADD COLUMN modes_to_unload TEXT NOT NULL DEFAULT '[]';
    """,
    # 5: each ship's engine speed as read (0: not read since this), so the runner can weigh
    # flights in time: a take-over between ships of different speeds, when to leave for a poll
    """
    ALTER TABLE ships ADD COLUMN speed INTEGER NOT NULL DEFAULT 0;
    """,
    # 6: the latest observation of each market's good, kept as each read lands: every view
    # read them with a GROUP BY over all observations, which grows with every read for as
    # long as the runner runs (a million rows, about two months of scouting, cost 0.13 s a
    # view, and a working tick builds a view per action)
    """
    CREATE TABLE market_latest (
        market TEXT NOT NULL, good TEXT NOT NULL, obs_id INTEGER NOT NULL, at REAL NOT NULL,
        type TEXT NOT NULL, supply TEXT NOT NULL, activity TEXT NOT NULL DEFAULT '',
        purchase INTEGER NOT NULL, sell INTEGER NOT NULL, trade_volume INTEGER NOT NULL,
        ship TEXT NOT NULL DEFAULT '', PRIMARY KEY (market, good));
    INSERT OR REPLACE INTO market_latest
        SELECT o.market, o.good, o.id, o.at, o.type, o.supply, o.activity, o.purchase, o.sell,
               o.trade_volume, o.ship
        FROM market_obs o JOIN (SELECT market, good, MAX(at) AS at FROM market_obs
                                GROUP BY market, good) m
        ON o.market = m.market AND o.good = m.good AND o.at = m.at ORDER BY o.id;
    """,
    # 7: the plan leg a good's leg shares with other goods ('' it flies alone), so the ship
    # loads them all before it flies (decide.shared_load)
    """
    ALTER TABLE legs ADD COLUMN grp TEXT NOT NULL DEFAULT '';
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


@dataclass(frozen=True)
class LedgerLine:
    at: float
    ship: str
    kind: str  # PURCHASE, SELL, FUEL
    good: str
    units: int
    price_per_unit: int
    total: int
    credits_after: int | None
    task: str = ""
    pipeline: str = ""
    liquidation: str = ""
    source: str = "api"  # "recovered": reconstructed from a re-read after an unknown outcome
    market: str = ""  # where it was traded


class Store:
    """The state file. Use ``Store.open``; every method that writes commits before returning."""

    def __init__(self, conn: sqlite3.Connection, path: str) -> None:
        self.conn = conn
        self.path = path
        self.tick_id: int | None = None
        self._plan: tuple[int, PlanView] | None = None

    # -- opening ---------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path, *, create: bool = True) -> Store:
        p = str(path)
        if not create and p != ":memory:" and not Path(p).exists():
            raise StateError(f"{p}: no state file (run `plancc apply PLAN --state {p}` first)")
        try:
            conn = sqlite3.connect(p, timeout=10.0, isolation_level=None)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise StateError(f"{p}: not a usable state file ({exc})") from None
        if version > SCHEMA_VERSION:
            raise StateError(
                f"{p}: state schema v{version} is newer than this plancc (v{SCHEMA_VERSION})"
            )
        store = cls(conn, p)
        try:
            for i in range(version, SCHEMA_VERSION):
                # one script, one transaction: a kill mid-migration leaves the old version
                conn.executescript(
                    f"BEGIN IMMEDIATE;\n{MIGRATIONS[i]}\nPRAGMA user_version={i + 1};\nCOMMIT;"
                )
        except sqlite3.DatabaseError as exc:
            raise StateError(f"{p}: cannot migrate the state file ({exc})") from None
        return store

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """One transaction; committed (and a kill point passed) when the block ends."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")
        killpoint.point("commit")

    # -- meta ------------------------------------------------------------------------------

    def get(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else default

    def get_float(self, key: str, default: float = 0.0) -> float:
        v = self.get(key)
        return float(v) if v is not None else default

    def set(self, conn: sqlite3.Connection, key: str, value: Any) -> None:
        conn.execute(
            "INSERT INTO meta(key, value) VALUES(?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value=excluded.value",
            (key, str(value)),
        )

    def put(self, **values: Any) -> None:
        with self.tx() as c:
            for k, v in values.items():
                self.set(c, k, v)

    # -- events and ticks --------------------------------------------------------------------

    def event(
        self,
        conn: sqlite3.Connection,
        at: float,
        kind: str,
        message: str,
        *,
        ship: str = "",
        task: str = "",
        pipeline: str = "",
    ) -> None:
        conn.execute(
            "INSERT INTO events(at, tick, ship, task, pipeline, kind, message) "
            "VALUES(?, ?, ?, ?, ?, ?, ?)",
            (at, self.tick_id, ship, task, pipeline, kind, message),
        )

    def log(self, at: float, kind: str, message: str, **where: str) -> None:
        with self.tx() as c:
            self.event(c, at, kind, message, **where)

    def begin_tick(self, at: float) -> int:
        with self.tx() as c:
            cur = c.execute("INSERT INTO ticks(started_at) VALUES(?)", (at,))
            self.tick_id = int(cur.lastrowid or 0)
        return self.tick_id

    def end_tick(
        self, at: float, requests: Mapping[str, int], actions: int, errors: int, outcome: str
    ) -> None:
        with self.tx() as c:
            c.execute(
                "UPDATE ticks SET ended_at=?, requests=?, actions=?, errors=?, outcome=? "
                "WHERE id=?",
                (
                    at,
                    json.dumps(dict(requests), sort_keys=True),
                    actions,
                    errors,
                    outcome,
                    self.tick_id,
                ),
            )

    def last_tick(self) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT * FROM ticks ORDER BY id DESC LIMIT 1").fetchone()
        return dict(row) if row else None

    def previous_tick_clean(self) -> bool:
        """False when the last tick never ended (killed): cached ship views are then re-read."""
        row = self.conn.execute("SELECT ended_at FROM ticks ORDER BY id DESC LIMIT 1").fetchone()
        return row is None or row[0] is not None

    # -- the plan --------------------------------------------------------------------------

    def active_plan_source(self) -> str:
        """Where the active plan was applied from (a plan file, or what the loop made it from);
        "" when none is applied."""
        row = self.conn.execute(
            "SELECT source FROM applied_plans ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return str(row[0]) if row else ""

    def legs_in_flight(self) -> frozenset[str]:
        """Legs of the active plan that have begun and not ended: their load has begun (or
        bought something) and their unload is not completed. A recompile keeps them where
        they are: the ship holds, or is buying, their cargo."""
        return frozenset(
            r[0]
            for r in self.conn.execute(
                "SELECT l.id FROM legs l JOIN tasks a ON a.id = l.load_task "
                "JOIN tasks b ON b.id = l.unload_task "
                "WHERE (a.status != 'PENDING' OR a.done_units > 0) "
                "AND b.status NOT IN ('COMPLETED', 'FAILED', 'CANCELLED')"
            )
        )

    def flown_plan(self) -> PlanView | None:
        """The active plan with its legs where the runner holds them now: a leg an idle ship
        took over (``runner.takeover``) is on that ship, so a re-plan that keeps the plan's
        started work does not hand the leg back to the busy ship."""
        plan = self.active_plan()
        return replace(plan, legs=self.legs()) if plan is not None else None

    def active_plan(self) -> PlanView | None:
        """The last applied plan (parsed once per plan: a tick builds many views)."""
        row = self.conn.execute(
            "SELECT id, view_json FROM applied_plans ORDER BY id DESC LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        if self._plan is None or self._plan[0] != row[0]:
            self._plan = (row[0], from_json(row[1]))
        return self._plan[1]

    # -- ships -----------------------------------------------------------------------------

    def ship_row(self, conn: sqlite3.Connection, ship: ShipState, read_at: float | None) -> None:
        conn.execute(
            "INSERT INTO ships(symbol, waypoint, status, arrival, flight_mode, fuel, "
            "fuel_capacity, cargo_capacity, cargo, read_at, verified, speed) "
            "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?) ON CONFLICT(symbol) DO UPDATE SET "
            "waypoint=excluded.waypoint, status=excluded.status, arrival=excluded.arrival, "
            "flight_mode=excluded.flight_mode, fuel=excluded.fuel, "
            "fuel_capacity=excluded.fuel_capacity, cargo_capacity=excluded.cargo_capacity, "
            "cargo=excluded.cargo, read_at=COALESCE(excluded.read_at, ships.read_at), "
            "verified=1, speed=CASE WHEN excluded.speed > 0 THEN excluded.speed ELSE ships.speed END",
            (
                ship.symbol,
                ship.waypoint,
                ship.status,
                ship.arrival,
                ship.flight_mode,
                ship.fuel,
                ship.fuel_capacity,
                ship.cargo_capacity,
                json.dumps(dict(sorted(ship.cargo.items()))),
                read_at,
                ship.speed,
            ),
        )

    def update_ship(self, conn: sqlite3.Connection, symbol: str, **cols: Any) -> None:
        if "cargo" in cols:
            cols["cargo"] = json.dumps(dict(sorted(cols["cargo"].items())))
        sets = ", ".join(f"{k}=?" for k in cols)
        conn.execute(f"UPDATE ships SET {sets} WHERE symbol=?", (*cols.values(), symbol))

    def ships(self) -> dict[str, ShipState]:
        out = {}
        for r in self.conn.execute("SELECT * FROM ships ORDER BY symbol"):
            out[r["symbol"]] = ShipState(
                symbol=r["symbol"],
                waypoint=r["waypoint"],
                status=r["status"],
                arrival=r["arrival"],
                flight_mode=r["flight_mode"],
                fuel=r["fuel"],
                fuel_capacity=r["fuel_capacity"],
                cargo_capacity=r["cargo_capacity"],
                cargo={k: v for k, v in json.loads(r["cargo"]).items() if v > 0},
                verified=bool(r["verified"]),
                not_before=r["not_before"],
                park_reason=r["park_reason"],
                quote_ok=bool(r["quote_ok"]),
                fuel_fails=r["fuel_fails"],
                pending=r["pending"],
                read_at=r["read_at"],
                speed=r["speed"],
            )
        return out

    def distrust_ships(self) -> None:
        with self.tx() as c:
            c.execute("UPDATE ships SET verified=0")

    # -- the ledger ------------------------------------------------------------------------

    def record(self, conn: sqlite3.Connection, line: LedgerLine) -> None:
        """A ledger line, and the task/liquidation/pipeline totals it moves (same transaction)."""
        conn.execute(
            "INSERT INTO ledger(at, ship, kind, good, units, price_per_unit, total, "
            "credits_after, task, pipeline, liquidation, source, market) "
            "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                line.at,
                line.ship,
                line.kind,
                line.good,
                line.units,
                line.price_per_unit,
                line.total,
                line.credits_after,
                line.task,
                line.pipeline,
                line.liquidation,
                line.source,
                line.market,
            ),
        )
        if line.task:
            conn.execute(
                "UPDATE tasks SET done_units=done_units+?, money=money+? WHERE id=?",
                (line.units, line.total, line.task),
            )
        if line.liquidation:
            conn.execute(
                "UPDATE liquidations SET sold=sold+? WHERE id=?", (line.units, line.liquidation)
            )
        if line.credits_after is not None:
            self.set(conn, "credits", line.credits_after)
            self.set(conn, "credits_at", line.at)

    def ledger(self) -> list[LedgerLine]:
        return [
            LedgerLine(
                r["at"],
                r["ship"],
                r["kind"],
                r["good"],
                r["units"],
                r["price_per_unit"],
                r["total"],
                r["credits_after"],
                r["task"],
                r["pipeline"],
                r["liquidation"],
                r["source"],
                r["market"],
            )
            for r in self.conn.execute("SELECT * FROM ledger ORDER BY id")
        ]

    def ledger_totals(self) -> dict[str, int]:
        totals = {"PURCHASE": 0, "SELL": 0, "FUEL": 0}
        for kind, total in self.conn.execute("SELECT kind, SUM(total) FROM ledger GROUP BY kind"):
            totals[kind] = int(total or 0)
        return totals

    def expected_credits(self) -> int:
        """Starting credits + sales - purchases - fuel, from the ledger alone."""
        t = self.ledger_totals()
        return int(self.get("start_credits") or 0) + t["SELL"] - t["PURCHASE"] - t["FUEL"]

    def pipeline_money(self) -> dict[str, tuple[int, int]]:
        """Pipeline -> (spent, earned) from the ledger (liquidation sales count as earned)."""
        out: dict[str, tuple[int, int]] = {}
        for pid, kind, total in self.conn.execute(
            "SELECT pipeline, kind, SUM(total) FROM ledger WHERE pipeline != '' "
            "GROUP BY pipeline, kind"
        ):
            spent, earned = out.get(pid, (0, 0))
            if kind == "PURCHASE":
                spent += int(total)
            elif kind == "SELL":
                earned += int(total)
            out[pid] = (spent, earned)
        return out

    def pipeline_pnl(self) -> list[dict[str, Any]]:
        """Planned vs realised per pipeline: status, expected cost/revenue, spent, earned, when
        it ended, and ``dropped``: it failed before any task was done or any credit spent (a
        re-plan replaced it unstarted), which costs nothing and is no failure of the work."""
        money = self.pipeline_money()
        out = []
        for r in self.conn.execute("SELECT * FROM pipelines ORDER BY id"):
            spent, earned = money.get(r["id"], (0, 0))
            total = self.conn.execute(
                "SELECT COUNT(*), SUM(status='COMPLETED') FROM tasks WHERE pipeline=?", (r["id"],)
            ).fetchone()
            out.append(
                {
                    "id": r["id"],
                    "status": r["status"],
                    "reason": r["reason"],
                    "tasks": int(total[0] or 0),
                    "tasks_done": int(total[1] or 0),
                    "expected_cost": r["expected_cost"],
                    "expected_revenue": r["expected_revenue"],
                    "expected_profit": r["expected_revenue"] - r["expected_cost"],
                    "spent": spent,
                    "earned": earned,
                    "profit": earned - spent,
                    "ended_at": r["ended_at"],
                    "dropped": r["status"] == "FAILED" and not total[1] and not spent,
                }
            )
        return out

    def ship_timeline(self, ship: str) -> list[dict[str, Any]]:
        return [
            dict(r)
            for r in self.conn.execute(
                "SELECT at, kind, task, pipeline, message FROM events WHERE ship=? ORDER BY id",
                (ship,),
            )
        ]

    def events(self, limit: int = 20, kind: str | None = None) -> list[dict[str, Any]]:
        q = "SELECT * FROM events"
        args: tuple[Any, ...] = ()
        if kind:
            q += " WHERE kind=?"
            args = (kind,)
        rows = self.conn.execute(q + " ORDER BY id DESC LIMIT ?", (*args, limit)).fetchall()
        return [dict(r) for r in reversed(rows)]

    # -- markets ---------------------------------------------------------------------------

    def observe_market(
        self, conn: sqlite3.Connection, market: str, at: float, goods: list[Quote], by: str = ""
    ) -> None:
        """A read of ``market`` at ``at``; ``by``: the ship that read it ('' unknown)."""
        for q in goods:
            values = (
                market,
                q.good,
                at,
                q.type,
                q.supply,
                q.activity,
                q.purchase,
                q.sell,
                q.trade_volume,
                by,
            )
            cur = conn.execute(
                "INSERT INTO market_obs(market, good, at, type, supply, activity, purchase, "
                "sell, trade_volume, ship) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                values,
            )
            # the latest of each good: a read older than the one kept (a snapshot seeded
            # late) leaves it; one as old replaces it, as the later row would win a GROUP BY
            conn.execute(
                "INSERT INTO market_latest(market, good, at, type, supply, activity, purchase, "
                "sell, trade_volume, ship, obs_id) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(market, good) DO UPDATE SET obs_id=excluded.obs_id, "
                "at=excluded.at, type=excluded.type, supply=excluded.supply, "
                "activity=excluded.activity, purchase=excluded.purchase, sell=excluded.sell, "
                "trade_volume=excluded.trade_volume, ship=excluded.ship "
                "WHERE excluded.at >= market_latest.at",
                (*values, cur.lastrowid),
            )
        conn.execute(
            "INSERT INTO market_reads(market, at) VALUES(?, ?) "
            "ON CONFLICT(market) DO UPDATE SET at=excluded.at",
            (market, at),
        )

    def latest_quotes(self) -> dict[tuple[str, str], Quote]:
        rows = self.conn.execute("SELECT * FROM market_latest ORDER BY obs_id")
        return {
            (r["market"], r["good"]): Quote(
                r["market"],
                r["good"],
                r["at"],
                r["type"],
                r["supply"],
                r["purchase"],
                r["sell"],
                r["trade_volume"],
                r["activity"],
                r["ship"],
            )
            for r in rows
        }

    def fleet_trades(self) -> dict[tuple[str, str, str], FleetTrade]:
        """(market, good, PURCHASE|SELL) -> the fleet's last lot of that good there that way,
        tasks' and liquidations' alike (a line older than the ledger's market column is placed
        at its task's or liquidation's market)."""
        rows = self.conn.execute(
            "SELECT COALESCE(NULLIF(l.market, ''), t.market, q.market, '') AS m, l.good, l.kind, "
            "l.at, l.price_per_unit, l.ship, l.source FROM ledger l "
            "LEFT JOIN tasks t ON l.task != '' AND t.id = l.task "
            "LEFT JOIN liquidations q ON l.liquidation != '' AND q.id = l.liquidation "
            "WHERE l.kind IN ('PURCHASE', 'SELL') ORDER BY l.id"
        )
        return {
            (r[0], r[1], r[2]): FleetTrade(r[0], r[1], r[2], r[3], r[4], r[5], r[6] == "recovered")
            for r in rows
            if r[0]
        }

    def market_read_at(self) -> dict[str, float]:
        return {r[0]: r[1] for r in self.conn.execute("SELECT market, at FROM market_reads")}

    # -- the view --------------------------------------------------------------------------

    def tasks(self) -> dict[str, TaskState]:
        plan = self.active_plan()
        specs = {t.id: t for t in plan.tasks} if plan else {}
        out = {}
        last = {
            r[0]: (r[1], r[2], r[3])
            for r in self.conn.execute(
                "SELECT task, price_per_unit, at, ship FROM ledger WHERE id IN "
                "(SELECT MAX(id) FROM ledger WHERE task != '' GROUP BY task)"
            )
        }
        for r in self.conn.execute("SELECT * FROM tasks ORDER BY id"):
            spec = specs.get(r["id"])
            if spec is None:
                continue
            price, at, by = last.get(r["id"], (0, 0.0, ""))
            moved_from = ""
            if r["market"] != spec.market:  # the runner moved it (REDIRECT)
                spec, moved_from = replace(spec, market=r["market"]), spec.market
            out[r["id"]] = TaskState(
                spec=spec,
                status=r["status"],
                ship=r["ship"],
                done_units=r["done_units"],
                money=r["money"],
                retries=r["retries"],
                last_error=r["last_error"],
                completed_at=r["completed_at"],
                last_price=price,
                last_at=at,
                last_ship=by,
                moved_from=moved_from,
            )
        return out

    def legs(self) -> tuple[LegSpec, ...]:
        return tuple(
            LegSpec(
                id=r["id"],
                pipeline=r["pipeline"],
                ship=r["ship"],
                seq=r["seq"],
                load=r["load_task"],
                unload=r["unload_task"],
                good=r["good"],
                quantity=r["quantity"],
                via_to_load=tuple(json.loads(r["via_to_load"])),
                via_to_unload=tuple(json.loads(r["via_to_unload"])),
                modes_to_load=tuple(json.loads(r["modes_to_load"])),
                modes_to_unload=tuple(json.loads(r["modes_to_unload"])),
                group=r["grp"],
            )
            for r in self.conn.execute("SELECT * FROM legs ORDER BY ship, seq")
        )

    def pipelines(self) -> dict[str, PipelineState]:
        plan = self.active_plan()
        specs = {p.id: p for p in plan.pipelines} if plan else {}
        money = self.pipeline_money()
        out = {}
        for r in self.conn.execute("SELECT * FROM pipelines ORDER BY id"):
            if r["id"] not in specs:
                continue
            spent, earned = money.get(r["id"], (0, 0))
            out[r["id"]] = PipelineState(specs[r["id"]], r["status"], r["reason"], spent, earned)
        return out

    def liquidations(self) -> tuple[Liquidation, ...]:
        return tuple(
            Liquidation(
                r["id"],
                r["ship"],
                r["good"],
                r["units"],
                r["market"],
                r["pipeline"],
                r["reason"],
                r["status"],
                r["sold"],
            )
            for r in self.conn.execute("SELECT * FROM liquidations ORDER BY created_at, id")
        )

    def factories(self) -> dict[str, FactoryWait]:
        return {
            r["task"]: FactoryWait(
                r["task"],
                r["market"],
                r["good"],
                r["awaiting_since"],
                r["next_poll"],
                r["polls"],
                r["supply"],
            )
            for r in self.conn.execute("SELECT * FROM factory_states")
        }

    def view(self, now: float) -> View:
        return View(
            now=now,
            credits=int(self.get("credits") or 0),
            credits_at=self.get_float("credits_at", -1e18),
            ships=self.ships(),
            tasks=self.tasks(),
            legs=self.legs(),
            pipelines=self.pipelines(),
            liquidations=self.liquidations(),
            quotes=self.latest_quotes(),
            market_read_at=self.market_read_at(),
            trades=self.fleet_trades(),
            factories=self.factories(),
            takers=self.takers(),
            coords=self.coords(),
            coords_unread=self.get("waypoint_coords") is None,
            fuel_markets=self.fuel_markets(),
        )

    def coords(self) -> dict[str, tuple[int, int]]:
        """Waypoint -> (x, y) as read from the server's waypoint lists (``put_coords``)."""
        text = self.get("waypoint_coords")
        return {k: (int(v[0]), int(v[1])) for k, v in json.loads(text).items()} if text else {}

    def put_coords(self, conn: sqlite3.Connection, coords: Mapping[str, tuple[int, int]]) -> None:
        """Add waypoint coordinates to the ones known (waypoints do not move in a universe)."""
        known = {**self.coords(), **coords}
        self.set(
            conn, "waypoint_coords", json.dumps({k: list(v) for k, v in sorted(known.items())})
        )

    def fuel_markets(self) -> frozenset[str]:
        """Markets known from their trade lists to sell fuel (``put_fuel_markets``)."""
        text = self.get("fuel_markets")
        return frozenset(json.loads(text)) if text else frozenset()

    def put_fuel_markets(self, conn: sqlite3.Connection, markets: Iterable[str]) -> None:
        """Add markets that sell fuel (a market's trade lists never change within a reset)."""
        self.set(conn, "fuel_markets", json.dumps(sorted({*self.fuel_markets(), *markets})))

    def takers(self) -> dict[str, tuple[str, ...]]:
        out: dict[str, tuple[str, ...]] = {}
        for good, market in self.conn.execute(
            "SELECT DISTINCT good, market FROM tasks WHERE type IN ('DELIVER', 'SELL') "
            "ORDER BY good, market"
        ):
            out[good] = (*out.get(good, ()), market)
        return out

    def has_open_work(self) -> bool:
        """Any pipeline still active or any cargo still being liquidated."""
        row = self.conn.execute(
            "SELECT (SELECT COUNT(*) FROM pipelines WHERE status='ACTIVE') + "
            "(SELECT COUNT(*) FROM liquidations WHERE status='OPEN')"
        ).fetchone()
        return bool(row[0])
