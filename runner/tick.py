"""One tick: lock, recover, then decide and execute until nothing is due or the budget ends.

    result = run_tick("state.db", client_factory, clock, policy, budget_s=55)
    result.exit_code      # 0 normal or lock held, 3 universe reset, 4 broken state

A ship in transit whose arrival has not come costs no request; a tick with nothing due makes
no request at all (the client is built on first use). Within the budget the tick waits, on
the clock seam, for arrivals that fall inside it, then exits before the next cron tick.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from plancc.errors import ApiError, StateError, UniverseReset
from runner import lock, scouting
from runner.actions import GAME_CHANGING, Executor
from runner.clock import Clock
from runner.decide import Action, decide, next_due
from runner.policy import RunnerPolicy
from runner.state import Store

EXIT_OK = 0
EXIT_RESET = 3
EXIT_BROKEN = 4

RESET_MESSAGE = (
    "the SpaceTraders universe was reset{when}: the active plan belongs to the previous "
    "universe, so nothing was done. Register a new agent, then snapshot, compile and "
    "`plancc apply` a new plan."
)
REPEAT_LIMIT = 5  # identical decisions at one instant before the tick lets time pass
REPEAT_WAIT_S = 1.0
# kinds after which the rest of a round's decisions may be stale: decide again
REDECIDE_AFTER = frozenset(
    {"FAIL_PIPELINE", "COMPLETE_PIPELINE", "LIQUIDATE", "ATTACH", "COMPLETE_TASK", "READ_SHIP"}
)


@dataclass
class TickResult:
    outcome: str  # worked, idle, locked, reset, broken, no-plan
    message: str = ""
    actions: int = 0
    errors: int = 0
    requests: dict[str, int] = field(default_factory=dict)
    next_due: float | None = None
    preview: list[Action] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return {"reset": EXIT_RESET, "broken": EXIT_BROKEN}.get(self.outcome, EXIT_OK)

    @property
    def request_count(self) -> int:
        return sum(self.requests.values())


def run_tick(
    state_path: str | Path,
    client_factory: Callable[[], Any],
    clock: Clock,
    policy: RunnerPolicy | None = None,
    *,
    budget_s: float = 55.0,
    dry_run: bool = False,
) -> TickResult:
    policy = policy or RunnerPolicy()
    try:
        with lock.exclusive(state_path):
            try:
                store = Store.open(state_path, create=False)
            except StateError as exc:
                return TickResult("broken", str(exc))
            try:
                if dry_run:
                    return preview(store, client_factory, clock, policy)
                return _tick(store, client_factory, clock, policy, budget_s)
            finally:
                store.close()
    except lock.LockHeld as exc:
        return TickResult("locked", f"{exc}: this tick exits")


def _tick(
    store: Store,
    client_factory: Callable[[], Any],
    clock: Clock,
    policy: RunnerPolicy,
    budget_s: float,
) -> TickResult:
    reset = store.get("reset_stop")
    if reset:
        return TickResult("reset", reset)
    if store.active_plan() is None:
        return TickResult("no-plan", "no plan applied yet: `plancc apply PLAN` first")
    if hasattr(clock, "offset"):
        clock.offset = store.get_float("time_offset", getattr(clock, "offset", 0.0))
    killed_before = not store.previous_tick_clean()
    start = clock.now()
    start_offset = getattr(clock, "offset", 0.0)
    deadline = start + budget_s
    if not killed_before:
        view = store.view(start)
        if not decide(view, policy):
            due = _next_due(store, view, policy)
            if due is None or due > deadline:
                # nothing due in this tick's window: no request and no write (an idle tick
                # costs a read of the state file and nothing else)
                return TickResult("idle", "", next_due=due)
    store.begin_tick(start)
    if killed_before:
        store.distrust_ships()
        store.log(start, "recover", "the previous tick did not finish: ships are re-read")
    ex = Executor(store, client_factory, clock, policy)
    outcome = "idle"
    last: tuple[float, list[Action]] | None = None
    repeats = 0
    try:
        while True:
            now = clock.now()
            view = store.view(now)
            actions = decide(view, policy)
            if actions and last is not None and last == (now, actions):
                repeats += 1
                if repeats >= REPEAT_LIMIT:
                    # the same actions again with no time passed: they change nothing (a
                    # server that disagrees with our view); let time pass, never spin
                    store.log(now, "stall", f"{actions[0].describe()} changed nothing "
                              f"{repeats} times: waiting {REPEAT_WAIT_S:g} s", ship=actions[0].ship)  # fmt: skip
                    clock.wait(REPEAT_WAIT_S)
                    repeats = 0
                    continue
            else:
                repeats = 0
            last = (now, actions)
            if actions:
                outcome = "worked"
                if any(a.kind in GAME_CHANGING for a in actions):
                    _check_reset(store, ex, policy, now)
                for a in actions:
                    ex.run(a)
                    if a.kind in REDECIDE_AFTER:
                        break
            elif _scout_due(store, now):
                scouting.run_due(store, ex.client, now)  # probes read, then fly on
                outcome = "worked"
            else:
                due = _next_due(store, view, policy)
                left = deadline - start_offset - (now - getattr(clock, "offset", 0.0))
                if due is None or due - now > left:
                    break
                clock.wait(due - now)
                if now < due <= clock.now():
                    continue  # time moved to what fell due in the window, its last second too
            # the budget is elapsed local time: learning the server's offset is not work done
            if clock.now() - getattr(clock, "offset", 0.0) >= deadline - start_offset:
                break
    except UniverseReset as exc:
        message = _reset_message(exc)
        store.put(reset_stop=message)
        store.log(clock.now(), "universe-reset", message)
        ex.save_limiter()
        store.end_tick(clock.now(), ex.requests, ex.actions, ex.errors + 1, "reset")
        return TickResult("reset", message, ex.actions, ex.errors, ex.requests)
    end = clock.now()
    offset = getattr(clock, "offset", 0.0)
    if offset != store.get_float("time_offset"):
        store.put(time_offset=offset)
    view = store.view(end)
    due = _next_due(store, view, policy)
    ex.save_limiter()
    store.end_tick(end, ex.requests, ex.actions, ex.errors, outcome)
    return TickResult(outcome, "", ex.actions, ex.errors, ex.requests, due)


def _next_due(store: Store, view: Any, policy: RunnerPolicy) -> float | None:
    """When the plan's next action or the next scouting order falls due (None: neither)."""
    times = (next_due(view, policy), scouting.next_due(scouting.load(store)))
    return min((t for t in times if t is not None), default=None)


def _scout_due(store: Store, now: float) -> bool:
    """A probe's scouting order is due (without building the API client when none is)."""
    due = scouting.next_due(scouting.load(store))
    return due is not None and due <= now


def _check_reset(store: Store, ex: Executor, policy: RunnerPolicy, now: float) -> None:
    """The server's ``resetDate`` against the one seen at apply, at most once per interval,
    before a tick's first call that changes the game (navigate, refuel, buy, sell). A tick
    that only reads (a COLLECT's supply poll, a ship's re-read) skips it: after a reset every
    call with the old token is refused with 4113, which stops the tick all the same, and a
    read changes nothing meanwhile."""
    if now - store.get_float("status_checked_at", -1e18) < policy.status_check_every_s:
        return
    try:
        status = ex.client.status()
    except UniverseReset:
        raise
    except ApiError as exc:  # the check waits for a later tick; the work goes on
        store.log(now, "error", f"status check: {exc}")
        return
    seen = store.get("reset_date") or ""
    current = str(status.get("resetDate") or "")
    if seen and current and current != seen:
        raise UniverseReset(
            f"server resetDate is {current}, the plan was applied under {seen}",
            data={"expected": current, "actual": seen},
        )
    store.put(status_checked_at=now)


def _reset_message(exc: UniverseReset) -> str:
    when = exc.data.get("expected") or exc.data.get("actual") or ""
    return RESET_MESSAGE.format(when=f" ({when})" if when else "") + f" [{exc.message}]"


def preview(
    store: Store, client_factory: Callable[[], Any], clock: Clock, policy: RunnerPolicy
) -> TickResult:
    """``run --dry-run``: read the ships and the agent from the server, decide on that, and
    return what would be done first, writing nothing."""
    from dataclasses import replace

    from runner.observe import ship_state_of

    if store.get("reset_stop"):
        return TickResult("reset", store.get("reset_stop") or "")
    now = clock.now()
    view = store.view(now)
    client = client_factory()
    ships = dict(view.ships)
    for symbol in sorted(ships):
        fresh = ship_state_of(client.ship(symbol))
        ships[symbol] = replace(
            fresh,
            not_before=ships[symbol].not_before,
            park_reason=ships[symbol].park_reason,
            quote_ok=ships[symbol].quote_ok,
            fuel_fails=ships[symbol].fuel_fails,
        )
    agent = client.agent()
    view = replace(view, ships=ships, credits=agent.credits, credits_at=now)
    actions = decide(view, policy)
    return TickResult(
        "preview", "", 0, 0, dict(client.request_counts), next_due(view, policy), actions
    )
