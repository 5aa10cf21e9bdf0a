"""Executes ``decide``'s actions: API calls through ``plancc.api``'s client, results to state.

Every call that changes the game (navigate, refuel, purchase, sell) first writes a *pending
intent* on its ship (committed), then calls, then writes the answer and clears the intent in
one transaction. A kill or a lost answer in between leaves the intent: the next step for
that ship is a re-read (``recover.resolve``), which records in the ledger what actually
happened. Nothing is retried blindly.

Failures follow the design's table; each becomes an event with its reason:
- 429 beyond the client's bounded waits (``RateLimited``): the ship waits until the next tick
  (``retry-after`` carried over), never slept through;
- 5xx / timeouts (``ServerUnavailable``, a 500 ``ApiError``): that action fails, with jittered
  backoff; the chain goes on; after ``max_retries`` the task's pipeline fails;
- 4214 in transit: the arrival from the error is recorded and the ship waits;
- 4600: the ship parks until credits allow, never a crash loop;
- 4203: refuel where fuel is sold, else drift; never a retry loop;
- 404 ship: its tasks fail; 4113: the universe was reset (raised to the tick).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from plancc.errors import (
    ApiError,
    InsufficientCredits,
    OutcomeUnknown,
    RateLimited,
    ServerUnavailable,
    ShipInTransit,
    UniverseReset,
)
from runner import killpoint
from runner.clock import Clock
from runner.decide import Action, backoff
from runner.model import ShipState
from runner.policy import RunnerPolicy
from runner.state import LedgerLine, Store

LIMITER_KEY = "rate_limiter"  # meta key: the last client's rate-limit pools (wall-clock times)
GAME_CHANGING = frozenset({"NAVIGATE", "REFUEL", "BUY", "SELL"})
NOT_ENOUGH_FUEL = 4203


PRESENCE_RETRY_S = 2.0  # a market read that does not see the ship yet is retried this much later


def restore_limiter(store: Store, client: Any) -> None:
    """Give a new client the rate-limit pools the last client of this state spent: the last
    tick's (or loop pass's) requests still count against the server's limits."""
    limiter = getattr(client, "limiter", None)
    saved = store.get(LIMITER_KEY)
    if limiter is not None and saved:
        limiter.restore(json.loads(saved))


def save_limiter(store: Store, client: Any) -> None:
    """Keep ``client``'s rate-limit pools in state for the next tick's or loop's new client."""
    limiter = getattr(client, "limiter", None)
    if limiter is not None:
        store.put(**{LIMITER_KEY: json.dumps(limiter.export())})


def epoch(dt: Any) -> float | None:
    return dt.timestamp() if dt is not None else None


def system_of(waypoint: str) -> str:
    return waypoint.rsplit("-", 1)[0]


@dataclass
class Executor:
    """Runs actions for one tick. ``client_factory`` builds the API client on first use, so a
    tick with nothing due never imports httpx."""

    store: Store
    client_factory: Callable[[], Any]
    clock: Clock
    policy: RunnerPolicy
    errors: int = 0
    actions: int = 0
    _client: Any = field(default=None, repr=False)

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = self.client_factory()
            restore_limiter(self.store, self._client)
        return self._client

    def save_limiter(self) -> None:
        save_limiter(self.store, self._client)

    @property
    def requests(self) -> dict[str, int]:
        return dict(self._client.request_counts) if self._client is not None else {}

    def now(self) -> float:
        return self.clock.now()

    def _observe(self) -> None:
        st = self._client.server_time if self._client is not None else None
        if st is not None:
            self.clock.observe(st.timestamp())

    # -- dispatch --------------------------------------------------------------------------

    def run(self, a: Action) -> None:
        self.actions += 1
        if not a.costs_request:
            getattr(self, f"_do_{a.kind.lower()}")(a)
            return
        ships = self.store.ships()
        ship = ships.get(a.ship)
        if ship is not None and ship.status == "IN_TRANSIT" and ship.arrival is not None:
            late = self.now() - ship.arrival
            if late >= 0:  # the first action since the ship arrived: how long it waited
                self.store.log(
                    self.now(),
                    "arrived",
                    f"at {ship.waypoint}: first action {late:.1f} s after arrival",
                    ship=a.ship,
                )
        if a.kind == "READ_SHIP":
            from runner.recover import resolve

            self._guard(a, lambda: resolve(self, a.ship))
            return
        if a.kind in GAME_CHANGING and ship is not None:
            self._write_intent(a, ship)
        self._guard(a, lambda: getattr(self, f"_api_{a.kind.lower()}")(a))

    def _write_intent(self, a: Action, ship: ShipState) -> None:
        intent = {
            "action": a.kind,
            "good": a.good,
            "units": a.units,
            "task": a.task,
            "pipeline": a.pipeline,
            "liquidation": a.liquidation,
            "market": a.market,
            "before_units": ship.cargo.get(a.good, 0),
            "before_fuel": ship.fuel,
            "before_credits": int(self.store.get("credits") or 0),
        }
        with self.store.tx() as c:
            self.store.update_ship(c, a.ship, pending=json.dumps(intent, sort_keys=True))

    def _guard(self, a: Action, call: Callable[[], None]) -> None:
        now = self.now()
        try:
            killpoint.point("request")
            call()
            return
        except UniverseReset:
            raise
        except OutcomeUnknown as exc:
            self.errors += 1
            self.store.log(now, "unknown-outcome", f"{a.describe()}: {exc}", ship=a.ship)
            from runner.recover import resolve

            try:
                resolve(self, a.ship)
            except (ApiError, OSError) as again:
                self.store.log(now, "error", f"re-read after lost answer: {again}", ship=a.ship)
            return
        except RateLimited as exc:
            self.errors += 1
            wait = _retry_after(exc)
            with self.store.tx() as c:
                # a re-read keeps the intent it was to settle; another call never reached it
                kept = {} if a.kind == "READ_SHIP" else {"pending": ""}
                self.store.update_ship(c, a.ship, not_before=now + wait, **kept)
                self.store.event(
                    c,
                    now,
                    "rate-limited",
                    f"{a.describe()}: 429, retry in {wait:.0f} s (carried to a later tick)",
                    ship=a.ship,
                )
            return
        except ShipInTransit as exc:
            self.errors += 1
            arrival = _arrival(exc, now)
            with self.store.tx() as c:
                self.store.update_ship(c, a.ship, pending="", status="IN_TRANSIT", arrival=arrival)
                self.store.event(c, now, "in-transit", f"{a.describe()}: {exc}", ship=a.ship)
            return
        except InsufficientCredits as exc:
            self.errors += 1
            credits = exc.data.get("agentCredits")
            with self.store.tx() as c:
                self.store.update_ship(
                    c,
                    a.ship,
                    pending="",
                    not_before=now + backoff(a.ship, 1 + self.errors, self.policy),
                    park_reason=f"insufficient credits (4600) for {a.describe()}",
                )
                if isinstance(credits, int):
                    self.store.set(c, "credits", credits)
                    self.store.set(c, "credits_at", now)
                self.store.event(c, now, "parked", f"{a.describe()}: 4600, parked", ship=a.ship)
            return
        except ApiError as exc:
            self.errors += 1
            self._failed(a, exc, now)
        except OSError as exc:  # a socket error the client did not wrap
            self.errors += 1
            self._failed(a, ApiError(str(exc), endpoint=a.kind), now)

    def _failed(self, a: Action, exc: ApiError, now: float) -> None:
        """One action failed: jittered backoff on the ship, a retry counted on its task."""
        fuel = exc.code == NOT_ENOUGH_FUEL
        missing = exc.status == 404 and a.kind in ("READ_SHIP", "ORBIT", "DOCK", "NAVIGATE")
        with self.store.tx() as c:
            row = (
                c.execute("SELECT retries, pipeline FROM tasks WHERE id=?", (a.task,)).fetchone()
                if a.task
                else None
            )
            retries = (row[0] if row else 0) + 1
            # a failed re-read keeps the intent it was to settle (the lot it may have traded)
            cols: dict[str, Any] = {} if a.kind == "READ_SHIP" else {"pending": ""}
            if fuel:
                c.execute("UPDATE ships SET fuel_fails=fuel_fails+1 WHERE symbol=?", (a.ship,))
            elif not isinstance(exc, ServerUnavailable) and exc.status < 500:
                cols["verified"] = 0  # a rule said no: the cached view is wrong somewhere
            if not fuel:
                cols["not_before"] = now + backoff(a.ship, retries, self.policy)
            self.store.update_ship(c, a.ship, **cols)
            if row:
                c.execute(
                    "UPDATE tasks SET retries=?, last_error=? WHERE id=?",
                    (retries, str(exc)[:300], a.task),
                )
            self.store.event(c, now, "error", f"{a.describe()}: {exc}", ship=a.ship, task=a.task)
            if missing:
                self._fail_ship_tasks(c, a.ship, now, f"ship {a.ship} missing ({exc})")
            elif row and retries > self.policy.max_retries and not fuel:
                self._fail_pipeline(c, row[1], now, f"{a.describe()} failed {retries} times")

    # -- API actions -----------------------------------------------------------------------

    def _api_read_agent(self, a: Action) -> None:
        agent = self.client.agent()
        killpoint.point("response")
        self._observe()
        now = self.now()
        with self.store.tx() as c:
            self.store.set(c, "credits", agent.credits)
            self.store.set(c, "credits_at", now)

    def _api_read_market(self, a: Action) -> None:
        from runner.observe import quotes_of

        market = self.client.market(system_of(a.market), a.market)
        killpoint.point("response")
        self._observe()
        now = self.now()
        quotes = quotes_of(market, now)
        with self.store.tx() as c:
            self.store.observe_market(c, a.market, now, quotes, by=a.ship)
            ship = c.execute("SELECT waypoint FROM ships WHERE symbol=?", (a.ship,)).fetchone()
            here = bool(ship) and ship[0] == a.market
            if here and not quotes:
                # no prices: the server does not see the ship there yet (its clock a moment
                # behind the arrival we computed). Ask again shortly, not at once and forever.
                self.store.update_ship(
                    c,
                    a.ship,
                    not_before=now + PRESENCE_RETRY_S,
                    park_reason=f"{a.market} shows no prices yet: the server has the ship arriving",
                )
                return
            if here:
                self.store.update_ship(c, a.ship, quote_ok=1)
            if a.task:  # a COLLECT's supply poll
                supply = next((q.supply for q in quotes if q.good == a.good), "ABSENT")
                self.store.event(
                    c, now, "supply-read", f"{a.good} at {a.market} is {supply}", ship=a.ship,
                    task=a.task,
                )  # fmt: skip
                c.execute(
                    "INSERT INTO factory_states(task, market, good, pipeline, awaiting_since, "
                    "next_poll, supply) SELECT ?, ?, ?, pipeline, ?, ?, ? FROM tasks WHERE id=? "
                    "ON CONFLICT(task) DO UPDATE SET supply=excluded.supply",
                    (a.task, a.market, a.good, now, now, supply, a.task),
                )

    def _api_read_waypoints(self, a: Action) -> None:
        """The marketplaces of the ship's system with their coordinates, paged; kept in state
        for good (a universe's waypoints do not move): the refuel decision costs hops from
        them. Marketplaces only: every place a plan or a detour flies to trades or sells fuel,
        and the ship asking is docked at one (a third of the waypoints, so a third of the
        pages). A hop from elsewhere (a ship's starting point) is not costed, as before this
        read: its planned mode is asked for and a refusal (4203) drifts."""
        system = system_of(a.market)
        points = self.client.waypoints(system, traits=("MARKETPLACE",))
        killpoint.point("response")
        self._observe()
        now = self.now()
        with self.store.tx() as c:
            self.store.put_coords(c, {w.symbol: (w.x, w.y) for w in points})
            self.store.event(
                c, now, "waypoints", f"{len(points)} marketplaces of {system}", ship=a.ship
            )

    def _api_orbit(self, a: Action) -> None:
        nav = self.client.orbit(a.ship)
        self._nav_answer(a, nav)

    def _api_dock(self, a: Action) -> None:
        nav = self.client.dock(a.ship)
        self._nav_answer(a, nav)

    def _api_flight_mode(self, a: Action) -> None:
        nav = self.client.set_flight_mode(a.ship, a.mode)
        self._nav_answer(a, nav)

    def _nav_answer(self, a: Action, nav: Any) -> None:
        killpoint.point("response")
        self._observe()
        with self.store.tx() as c:
            self.store.update_ship(
                c,
                a.ship,
                waypoint=nav.waypoint,
                status=nav.status,
                arrival=epoch(nav.arrival) if nav.status == "IN_TRANSIT" else None,
                flight_mode=nav.flight_mode,
            )

    def _api_navigate(self, a: Action) -> None:
        result = self.client.navigate(a.ship, a.market)
        killpoint.point("response")
        self._observe()
        now = self.now()
        nav = result.nav
        with self.store.tx() as c:
            self.store.update_ship(
                c,
                a.ship,
                pending="",
                waypoint=nav.waypoint,
                status=nav.status,
                arrival=epoch(nav.arrival),
                flight_mode=nav.flight_mode,
                fuel=result.fuel.current,
                quote_ok=0,
                fuel_fails=0,
                park_reason="",
            )
            self.store.event(
                c,
                now,
                "navigate",
                f"to {nav.waypoint} ({nav.flight_mode}), arrives in "
                f"{(epoch(nav.arrival) or now) - now:.0f} s",
                ship=a.ship,
            )

    def _api_refuel(self, a: Action) -> None:
        result = self.client.refuel(a.ship)
        killpoint.point("response")
        self._observe()
        now = self.now()
        t = result.transaction
        with self.store.tx() as c:
            self.store.record(
                c,
                LedgerLine(
                    now,
                    a.ship,
                    "FUEL",
                    "FUEL",
                    t.units,
                    t.price_per_unit,
                    t.total_price,
                    result.agent.credits,
                ),
            )
            self.store.update_ship(c, a.ship, pending="", fuel=result.fuel.current)
            self.store.event(
                c, now, "refuel", f"{t.units} fuel for {t.total_price:,} cr", ship=a.ship
            )

    def _api_buy(self, a: Action) -> None:
        self._trade(a, self.client.purchase, "PURCHASE")

    def _api_sell(self, a: Action) -> None:
        self._trade(a, self.client.sell, "SELL")

    def _trade(self, a: Action, call: Callable[[str, str, int], Any], kind: str) -> None:
        result = call(a.ship, a.good, a.units)
        killpoint.point("response")
        self._observe()
        now = self.now()
        t = result.transaction
        cargo = {i.symbol: i.units for i in result.cargo.inventory if i.units > 0}
        with self.store.tx() as c:
            self.store.record(
                c,
                LedgerLine(
                    now,
                    a.ship,
                    kind,
                    a.good,
                    t.units,
                    t.price_per_unit,
                    t.total_price,
                    result.agent.credits,
                    a.task,
                    a.pipeline,
                    a.liquidation,
                    market=a.market,
                ),
            )
            self.store.update_ship(c, a.ship, pending="", cargo=cargo, quote_ok=0, park_reason="")
            verb = "bought" if kind == "PURCHASE" else "sold"
            self.store.event(
                c,
                now,
                kind.lower(),
                f"{verb} {t.units} {a.good} at {t.price_per_unit:,} (expected {a.price:,})"
                f" = {t.total_price:,} cr",
                ship=a.ship,
                task=a.task,
                pipeline=a.pipeline,
            )

    # -- state-only actions ----------------------------------------------------------------

    def _do_start_task(self, a: Action) -> None:
        now = self.now()
        with self.store.tx() as c:
            c.execute(
                "UPDATE tasks SET status='ACTIVE', ship=?, started_at=? WHERE id=?",
                (a.ship, now, a.task),
            )
            c.execute(
                "UPDATE pipelines SET started_at=COALESCE(started_at, ?) "
                "WHERE id=(SELECT pipeline FROM tasks WHERE id=?)",
                (now, a.task),
            )
            self.store.event(c, now, "start", "task started", ship=a.ship, task=a.task)

    def _do_complete_task(self, a: Action) -> None:
        now = self.now()
        with self.store.tx() as c:
            c.execute(
                "UPDATE tasks SET status='COMPLETED', completed_at=?, "
                "ship=CASE WHEN ship='' THEN ? ELSE ship END WHERE id=?",
                (now, a.ship, a.task),
            )
            self.store.event(
                c,
                now,
                "complete",
                f"task completed{f' ({a.reason})' if a.reason else ''}",
                ship=a.ship,
                task=a.task,
            )

    def _do_take_over(self, a: Action) -> None:
        """The leg moves to ``a.ship``, after its other legs; its route to the load market
        was planned from the other ship's position, so it is flown direct (``go_to`` goes
        through fuel markets when the tank needs it)."""
        now = self.now()
        with self.store.tx() as c:
            row = c.execute("SELECT ship FROM legs WHERE id=?", (a.leg,)).fetchone()
            if row is None:
                return
            (seq,) = c.execute(
                "SELECT COALESCE(MAX(seq), -1) + 1 FROM legs WHERE ship=?", (a.ship,)
            ).fetchone()
            c.execute(
                "UPDATE legs SET ship=?, seq=?, via_to_load='[]', modes_to_load='[]' WHERE id=?",
                (a.ship, seq, a.leg),
            )
            what = f"leg {a.leg} from {row[0]}: {a.reason}"
            self.store.event(c, now, "take-over", what, ship=a.ship, task=a.task)

    def _do_stall(self, a: Action) -> None:
        now = self.now()
        with self.store.tx() as c:
            row = c.execute("SELECT retries FROM tasks WHERE id=?", (a.task,)).fetchone()
            retries = (row[0] if row else 0) + 1
            wait = backoff(a.ship, retries, self.policy)
            c.execute(
                "UPDATE tasks SET retries=?, last_error=? WHERE id=?", (retries, a.reason, a.task)
            )
            self.store.update_ship(
                c, a.ship, not_before=now + wait, quote_ok=0, park_reason=a.reason
            )
            self.store.event(
                c, now, "stall", f"{a.reason}; retry in {wait:.0f} s", ship=a.ship, task=a.task
            )

    def _do_redirect(self, a: Action) -> None:
        """The task trades at ``a.market`` from now on (the plan's market stays on record in
        the event); the ship flies there direct."""
        now = self.now()
        with self.store.tx() as c:
            c.execute("UPDATE tasks SET market=? WHERE id=?", (a.market, a.task))
            self.store.update_ship(c, a.ship, quote_ok=0, park_reason="")
            self.store.event(
                c, now, "redirect", f"to {a.market}: {a.reason}", ship=a.ship, task=a.task
            )

    def _do_wait_supply(self, a: Action) -> None:
        now = self.now()
        with self.store.tx() as c:
            # the first poll may be another ship's read: it opens the wait as a read would
            c.execute(
                "INSERT INTO factory_states(task, market, good, pipeline, awaiting_since, "
                "next_poll, polls, supply) SELECT ?, ?, ?, pipeline, ?, ?, 1, '' FROM tasks "
                "WHERE id=? ON CONFLICT(task) DO UPDATE SET next_poll=excluded.next_poll, "
                "polls=polls+1",
                (a.task, a.market, a.good, now, a.until, a.task),
            )
            self.store.event(
                c,
                now,
                "supply",
                f"{a.reason}; next poll in {a.until - now:.0f} s",
                ship=a.ship,
                task=a.task,
            )

    def _do_park(self, a: Action) -> None:
        now = self.now()
        with self.store.tx() as c:
            self.store.update_ship(c, a.ship, not_before=a.until, park_reason=a.reason)
            self.store.event(c, now, "parked", a.reason, ship=a.ship, task=a.task)

    def _do_fail_pipeline(self, a: Action) -> None:
        with self.store.tx() as c:
            self._fail_pipeline(c, a.pipeline, self.now(), a.reason)

    def _fail_pipeline(self, c: sqlite3.Connection, pipeline: str, now: float, reason: str) -> None:
        c.execute(
            "UPDATE pipelines SET status='FAILED', reason=?, ended_at=? "
            "WHERE id=? AND status='ACTIVE'",
            (reason, now, pipeline),
        )
        c.execute(
            "UPDATE tasks SET status='CANCELLED', last_error=? "
            "WHERE pipeline=? AND status IN ('PENDING', 'ACTIVE')",
            (reason, pipeline),
        )
        self.store.event(c, now, "pipeline-failed", reason, pipeline=pipeline)

    def _fail_ship_tasks(self, c: sqlite3.Connection, ship: str, now: float, reason: str) -> None:
        rows = c.execute(
            "SELECT DISTINCT pipeline FROM tasks WHERE ship=? AND status='ACTIVE'", (ship,)
        ).fetchall()
        c.execute(
            "UPDATE tasks SET status='FAILED', last_error=? WHERE ship=? AND status='ACTIVE'",
            (reason, ship),
        )
        for (pipeline,) in rows:
            self._fail_pipeline(c, pipeline, now, reason)

    def _do_complete_pipeline(self, a: Action) -> None:
        now = self.now()
        with self.store.tx() as c:
            c.execute(
                "UPDATE pipelines SET status='COMPLETED', ended_at=? WHERE id=?",
                (now, a.pipeline),
            )
            self.store.event(
                c, now, "pipeline-completed", "every task completed", pipeline=a.pipeline
            )

    def _do_liquidate(self, a: Action) -> None:
        now = self.now()
        with self.store.tx() as c:
            n = c.execute("SELECT COUNT(*) FROM liquidations").fetchone()[0]
            liq_id = f"liquidate/{a.ship}/{a.good}#{n + 1}"
            c.execute(
                "INSERT INTO liquidations(id, ship, good, units, market, pipeline, reason, "
                "created_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?)",
                (liq_id, a.ship, a.good, a.units, a.market, a.pipeline, a.reason, now),
            )
            self.store.event(
                c,
                now,
                "liquidate",
                f"{a.units} {a.good} {a.reason}: sell at {a.market or '(no known market)'}",
                ship=a.ship,
                pipeline=a.pipeline,
            )

    def _do_attach(self, a: Action) -> None:
        now = self.now()
        with self.store.tx() as c:
            c.execute(
                "UPDATE tasks SET done_units=done_units+?, status='ACTIVE', ship=? WHERE id=?",
                (a.units, a.ship, a.task),
            )
            self.store.event(
                c, now, "attach", f"{a.units} {a.good} aboard: {a.reason}", ship=a.ship, task=a.task
            )

    def _do_complete_liquidation(self, a: Action) -> None:
        now = self.now()
        with self.store.tx() as c:
            c.execute(
                "UPDATE liquidations SET status='DONE', done_at=? WHERE id=?",
                (now, a.liquidation),
            )
            self.store.event(c, now, "liquidated", a.liquidation, ship=a.ship)


def _retry_after(exc: ApiError) -> float:
    for key in ("retryAfter", "retry_after"):
        v = exc.data.get(key)
        if isinstance(v, int | float) and not isinstance(v, bool):
            return max(1.0, float(v))
    return 60.0


def _arrival(exc: ApiError, now: float) -> float:
    s = exc.data.get("secondsToArrival")
    if isinstance(s, int | float) and not isinstance(s, bool):
        return now + float(s)
    return now + 60.0
