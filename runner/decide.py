"""The runner's decisions, pure: a ``View`` of state + policy -> the next actions.

    actions = decide(view, policy)        # at most one action per ship, plus fleet-wide ones
    when = next_due(view, policy)         # the earliest time anything becomes due (None: never)

No SQLite, no HTTP, no clock: ``view.now`` is the time. Actions whose ``kind`` is in
``API_KINDS`` cost one request; the others only change state. A ship's work is its open
liquidations first, then its current leg (the first of its plan legs not finished):
go to the load market, buy lot by lot (price re-read before each lot, ceiling, margin, cap,
reserve), go to the unload market, sell lot by lot above the sale floor. Goods sharing the
leg's flight (``LegSpec.group``) are bought before the ship leaves (``shared_load``).
"""

from __future__ import annotations

import heapq
import math
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from plancc.travel import distance, fuel_cost, travel_seconds
from runner.model import OPEN_TASK, FactoryWait, Liquidation, Quote, ShipState, TaskState, View
from runner.planview import LegSpec, TaskSpec
from runner.policy import SUPPLY_RANK, RunnerPolicy

API_KINDS = frozenset(
    {
        "READ_SHIP",
        "READ_AGENT",
        "READ_MARKET",
        "ORBIT",
        "DOCK",
        "NAVIGATE",
        "FLIGHT_MODE",
        "REFUEL",
        "READ_WAYPOINTS",
        "BUY",
        "SELL",
    }
)
STATE_KINDS = frozenset(
    {
        "START_TASK",
        "COMPLETE_TASK",
        "STALL",
        "WAIT_SUPPLY",
        "FAIL_PIPELINE",
        "COMPLETE_PIPELINE",
        "LIQUIDATE",
        "ATTACH",
        "COMPLETE_LIQUIDATION",
        "PARK",
        "REDIRECT",
        "TAKE_OVER",
    }
)
ENDED = ("COMPLETED", "FAILED", "CANCELLED")
# the longest a ship holding cargo waits at a market for a good planned on the same flight
# to be buyable (its repeat visit's spacing); the compiler shares legs within 15 minutes
SHARE_WAIT_S = 900.0


@dataclass(frozen=True)
class Action:
    """One step. ``price`` is the expected unit price of a trade (the preview's cost)."""

    kind: str
    ship: str = ""
    task: str = ""
    pipeline: str = ""
    good: str = ""
    units: int = 0
    price: int = 0
    market: str = ""  # a trade's or read's market; NAVIGATE's destination
    mode: str = ""
    reason: str = ""
    until: float = 0.0
    liquidation: str = ""
    leg: str = ""  # TAKE_OVER: the leg the ship takes over

    @property
    def costs_request(self) -> bool:
        return self.kind in API_KINDS

    def describe(self) -> str:
        parts = [self.kind, self.ship]
        if self.units:
            parts.append(f"{self.units} {self.good}")
        elif self.good:
            parts.append(self.good)
        if self.market:
            parts.append(f"@{self.market}")
        if self.price:
            parts.append(f"~{self.price * max(self.units, 1):,} cr")
        if self.mode:
            parts.append(self.mode)
        if self.task:
            parts.append(f"[{self.task}]")
        if self.reason:
            parts.append(f"({self.reason})")
        return " ".join(p for p in parts if p)


@dataclass(frozen=True)
class Wait:
    """Nothing due for a ship until ``until`` (None: until something else changes)."""

    until: float | None
    reason: str = ""


Step = Action | Wait


# ---------------------------------------------------------------------------------------------
# Fleet level


def decide(view: View, policy: RunnerPolicy) -> list[Action]:
    """Every action due at ``view.now``: fleet-wide bookkeeping first, then one per ship."""
    fleet = fleet_actions(view, policy)
    if fleet:
        return fleet
    moves = take_over_actions(view, policy)
    if moves:
        return moves
    out = []
    for symbol in sorted(view.ships):
        step = ship_step(view, view.ships[symbol], policy)
        if isinstance(step, Action):
            out.append(step)
    # a call whose outcome is unknown is settled from the credits it moved: before any other
    # ship trades, or that ship's trade would be counted in it as well (a full kill test found
    # one lot recorded twice)
    unsettled = [a for a in out if a.kind == "READ_SHIP" and view.ships[a.ship].pending]
    return unsettled or out


def next_due(view: View, policy: RunnerPolicy) -> float | None:
    """The earliest time a ship has something to do, or None when nothing ever will."""
    if fleet_actions(view, policy) or take_over_actions(view, policy):
        return view.now
    times = []
    for symbol in sorted(view.ships):
        step = ship_step(view, view.ships[symbol], policy)
        if isinstance(step, Action):
            return view.now
        if step.until is not None:
            times.append(step.until)
    return min(times) if times else None


def fleet_actions(view: View, policy: RunnerPolicy) -> list[Action]:
    """Pipelines that are finished, and cargo that no task owns (attach or liquidate)."""
    out: list[Action] = []
    for pid in sorted(view.pipelines):
        p = view.pipelines[pid]
        tasks = [t for t in view.tasks.values() if t.spec.pipeline == pid]
        if p.status == "ACTIVE" and all(t.status == "COMPLETED" for t in tasks):
            out.append(Action("COMPLETE_PIPELINE", pipeline=pid))
    for symbol in sorted(view.ships):
        ship = view.ships[symbol]
        if not ship.verified or ship.pending:
            continue
        out.extend(orphan_actions(view, ship, policy))
    return out


def take_over_actions(view: View, policy: RunnerPolicy) -> list[Action]:
    """Idle haulers take over ready legs queued behind other work (``runner.takeover``)."""
    from runner.takeover import takeovers

    return [
        Action(
            "TAKE_OVER",
            ship=ship.symbol,
            task=leg.load,
            pipeline=leg.pipeline,
            market=view.tasks[leg.load].spec.market,
            leg=leg.id,
            reason=f"idle; {leg.ship} is busy and {saving:.0f} units farther from it",
        )
        for leg, ship, saving in takeovers(view, policy)
    ]


def orphan_actions(view: View, ship: ShipState, policy: RunnerPolicy) -> list[Action]:
    """Cargo aboard ``ship`` beyond what its leg and liquidations own: re-attach it to the
    ship's next load of that good, else liquidate it where it sells best."""
    owned = owned_units(view, ship.symbol)
    out = []
    for good in sorted(ship.cargo):
        extra = ship.cargo[good] - owned.get(good, 0)
        if extra <= 0:
            continue
        aboard = aboard_load(view, ship.symbol, good)
        if aboard is not None:
            out.append(_attach(ship, aboard, good, extra, "cargo the plan found aboard"))
            continue
        leg = current_leg(view, ship.symbol, policy.collect_supply_level, policy)
        if leg is not None and leg.good == good:
            load = view.tasks[leg.load]
            if load.status in OPEN_TASK and load.spec.quantity > load.done_units:
                out.append(
                    _attach(ship, load, good, extra, "cargo aboard matches the ship's next load")
                )
                continue
        market = liquidation_market(view, good)
        out.append(
            Action(
                "LIQUIDATE",
                ship=ship.symbol,
                good=good,
                units=extra,
                market=market,
                pipeline=_origin_pipeline(view, ship.symbol, good),
                reason="cargo owned by no live task",
            )
        )
    return out


def owned_units(view: View, ship: str) -> dict[str, int]:
    """Units of each good aboard ``ship`` that a live leg or an open liquidation owns."""
    owned: dict[str, int] = {}
    for liq in view.liquidations:
        if liq.ship == ship and liq.status == "OPEN":
            owned[liq.good] = owned.get(liq.good, 0) + max(0, liq.units - liq.sold)
    # the current leg's cargo, the goods sharing its flight, and cargo the plan found aboard
    # for later legs (``current_leg`` finishes a leg with cargo aboard before any other, so
    # no other leg holds any)
    for leg in open_legs(view, ship):
        load, unload = view.tasks[leg.load], view.tasks[leg.unload]
        owned[leg.good] = owned.get(leg.good, 0) + max(0, load.done_units - unload.done_units)
    return owned


def aboard_load(view: View, ship: str, good: str) -> TaskState | None:
    """The first ABOARD load of ``good`` on ``ship``'s open legs still short of its units."""
    for leg in open_legs(view, ship):
        load = view.tasks[leg.load]
        if (
            leg.good == good
            and load.spec.type == "ABOARD"
            and load.status in OPEN_TASK
            and load.done_units < load.spec.quantity
        ):
            return load
    return None


def open_legs(view: View, ship: str) -> list[LegSpec]:
    """The ship's plan legs whose unload is not finished and whose load has not failed."""
    out = []
    for leg in sorted((g for g in view.legs if g.ship == ship), key=lambda g: g.seq):
        unload = view.tasks.get(leg.unload)
        load = view.tasks.get(leg.load)
        if unload is None or load is None:
            continue
        if unload.status in OPEN_TASK and load.status not in ("FAILED", "CANCELLED"):
            out.append(leg)
    return out


def current_leg(
    view: View, ship: str, collect_level: str = "HIGH", policy: RunnerPolicy | None = None
) -> LegSpec | None:
    """The leg the ship works on now.

    A leg whose cargo is (partly) aboard comes first: it is finished before anything else.
    Otherwise the ship's first open leg, unless that leg's load is a COLLECT its factory is
    not ready for (inputs still being delivered, production lag, or supply polled below
    ``collect_level`` and not due for another poll): then the ship's first later leg that can
    load now, so a hauler works instead of waiting hours at a factory (the COLLECT is taken
    up again when nothing else is ready, or when its factory is due for another look).
    ``policy``: the poll spacing (else the defaults with ``collect_level``).
    """
    policy = policy or RunnerPolicy(collect_supply_level=collect_level)
    legs = open_legs(view, ship)
    for leg in legs:
        load = view.tasks[leg.load]
        if load.done_units > 0 or load.status == "COMPLETED":
            return leg
    if not legs:
        return None
    first = legs[0]
    if not collect_not_ready(view, view.tasks[first.load], policy):
        return first
    for leg in legs[1:]:
        load = view.tasks[leg.load]
        if load.spec.type == "COLLECT":
            if not collect_not_ready(view, load, policy):
                return leg
        elif deps_met(view, load):
            return leg
    return first


def _live_deps(view: View, task: TaskState) -> list[TaskState]:
    """The tasks ``task`` waits for. A task of another pipeline is only a spacing rule (a
    repeat visit to a market waits for it to recover from the earlier one): when that task
    failed or was dropped it never traded, or traded less, so it no longer holds this one."""
    deps = [view.tasks[d] for d in task.spec.depends_on if d in view.tasks]
    return [
        d
        for d in deps
        if d.spec.pipeline == task.spec.pipeline or d.status not in ("FAILED", "CANCELLED")
    ]


def deps_met(view: View, load: TaskState) -> bool:
    """Every task ``load`` depends on is done and its lag has passed."""
    deps = _live_deps(view, load)
    if any(d.status != "COMPLETED" for d in deps):
        return False
    ready_at = max((d.completed_at or 0.0 for d in deps), default=0.0) + load.spec.lag_s
    return ready_at <= view.now


def collect_not_ready(view: View, load: TaskState, policy: RunnerPolicy) -> bool:
    """A COLLECT not started whose factory cannot be collected from now (see current_leg)."""
    if load.spec.type != "COLLECT" or load.done_units > 0:
        return False
    return not deps_met(view, load) or next_look(view, load, policy) is not None


def next_look(view: View, load: TaskState, policy: RunnerPolicy) -> float | None:
    """When the factory of ``load``, a COLLECT its inputs have reached, is next due for a look,
    when it was read below the collect level and that look is still to come; else None."""
    wait = view.factories.get(load.id)
    q = view.quotes.get((load.spec.market, load.spec.good))
    if wait is None or q is None:
        return None
    if SUPPLY_RANK.get(q.supply, 0) >= SUPPLY_RANK[policy.collect_supply_level]:
        return None
    due = poll_due(wait, q, policy)
    return due if view.now < due else None


def liquidation_market(view: View, good: str) -> str:
    """Where ``good`` sells best as last observed; else a plan market that takes it; else ''."""
    quotes = [q for q in view.quotes.values() if q.good == good]
    takers = [q for q in quotes if q.type in ("IMPORT", "EXCHANGE")]
    if takers or quotes:  # an export market buys its own good too, at a lower price
        return max(takers or quotes, key=lambda q: (q.sell, q.market)).market
    planned = sorted(view.takers.get(good, ()))
    return planned[0] if planned else ""


def _origin_pipeline(view: View, ship: str, good: str) -> str:
    for leg in sorted((g for g in view.legs if g.ship == ship), key=lambda g: -g.seq):
        if leg.good == good and view.tasks[leg.load].done_units > 0:
            return leg.pipeline
    return ""


# ---------------------------------------------------------------------------------------------
# One ship


def ship_step(view: View, ship: ShipState, policy: RunnerPolicy) -> Step:
    now = view.now
    if ship.not_before > now:  # also a re-read that failed: it is tried again after the backoff
        return Wait(ship.not_before, ship.park_reason or "backing off")
    if ship.pending or not ship.verified:
        return Action("READ_SHIP", ship=ship.symbol, reason="cached view not trusted")
    if ship.status_at(now) == "IN_TRANSIT":
        if ship.arrival is None:  # no ETA to wait for: never an unbounded wait, ask the server
            return Action("READ_SHIP", ship=ship.symbol, reason="in transit without an ETA")
        return Wait(ship.arrival, "in transit")
    liq = next((q for q in view.liquidations if q.ship == ship.symbol and q.status == "OPEN"), None)
    leg = current_leg(view, ship.symbol, policy.collect_supply_level, policy)
    if liq is None and leg is None:
        return Wait(None, "idle")
    if ship.read_at is not None and now - ship.read_at > policy.view_max_age_s:
        # resuming on an old cached view (sp-j09q: a stale cargo cache cost 23 minutes)
        return Action("READ_SHIP", ship=ship.symbol, reason="cached view older than policy")
    if liq is not None:
        return liquidation_step(view, ship, liq, policy)
    assert leg is not None
    load, unload = view.tasks[leg.load], view.tasks[leg.unload]
    if load.status in OPEN_TASK:
        return load_step(view, ship, leg, load, policy)
    shared = shared_load(view, ship, leg)
    if isinstance(shared, Wait):
        return shared
    if shared is not None:
        return load_step(view, ship, shared, view.tasks[shared.load], policy)
    return unload_step(view, ship, leg, load, unload, policy)


def shared_load(view: View, ship: ShipState, leg: LegSpec) -> LegSpec | Wait | None:
    """The next good sharing ``leg``'s flight (``LegSpec.group``) to load before the ship
    leaves the market where it loaded ``leg``: one begun here, or one ``_bought_along``
    (an ACQUIRE here, not stalled or parked once: a good that could not be bought does not
    hold the cargo aboard, and a COLLECT waits on its factory; they fly later on legs of their
    own) with room for it in the hold; its tasks done. A Wait while its plan lag runs out,
    at most ``SHARE_WAIT_S``; None: fly on with what is aboard."""
    if not leg.group or ship.waypoint != view.tasks[leg.load].spec.market:
        return None
    full = ship.cargo_units >= ship.cargo_capacity
    for other in open_legs(view, ship.symbol):
        load = view.tasks[other.load]
        if not _shares(other, leg) or other.id == leg.id or load.status not in OPEN_TASK:
            continue
        begun_here = load.done_units and load.spec.market == ship.waypoint
        if not begun_here and (load.done_units or full or not _bought_along(load, ship.waypoint)):
            continue
        deps = _live_deps(view, load)
        if any(d.status != "COMPLETED" for d in deps):
            continue
        ready_at = max((d.completed_at or 0.0 for d in deps), default=0.0) + load.spec.lag_s
        if ready_at - view.now > SHARE_WAIT_S:
            continue
        if ready_at > view.now:
            return Wait(ready_at, f"{load.spec.good} shares this flight: waiting to buy it")
        return other
    return None


def load_step(
    view: View, ship: ShipState, leg: LegSpec, load: TaskState, policy: RunnerPolicy
) -> Step:
    now, spec = view.now, load.spec
    if spec.type == "ABOARD":
        return aboard_step(ship, load)
    if load.status == "PENDING":
        return Action("START_TASK", ship=ship.symbol, task=load.id)
    due = next_look(view, load, policy) if spec.type == "COLLECT" else None
    if due is not None and ship.waypoint != spec.market and deps_met(view, load):
        # its factory was read below the level and its next look is not due: flying there
        # now only parks the ship at the factory (and flies it away again when another leg
        # turns ready first); it leaves so as to arrive when the look is due
        leave = due - flight_seconds(view, ship, spec.market)
        if leave > now:
            return Wait(leave, f"{spec.good} at {spec.market} not due for another look")
    via, modes = (leg.via_to_load, leg.modes_to_load) if not load.moved_from else ((), ())
    onward = planned_hops(view, ship.symbol, leg, policy, after_load=True)
    travel = go_to(view, ship, spec.market, via, policy, modes, onward)
    if travel is not None:
        return travel
    deps = _live_deps(view, load)
    if any(d.status in ("FAILED", "CANCELLED") for d in deps):
        return _fail(spec.pipeline, f"{spec.id}: a task it depends on failed")
    if any(d.status != "COMPLETED" for d in deps):
        return Wait(None, "waiting for the tasks it depends on")
    ready_at = max((d.completed_at or 0.0 for d in deps), default=0.0) + spec.lag_s
    if ready_at > now:
        return Wait(ready_at, "production lag")
    remaining = spec.quantity - load.done_units
    space = ship.cargo_capacity - ship.cargo_units
    if remaining <= 0 or (space <= 0 and load.done_units > 0):
        return Action("COMPLETE_TASK", ship=ship.symbol, task=load.id)
    if space <= 0:
        return Wait(None, "hold full of cargo no task owns")
    if spec.type == "COLLECT" and load.done_units == 0:  # the gate opens the collection once
        supply = supply_step(view, ship, load, policy)
        if supply is not None:
            return supply
    if ship.status_at(now) != "DOCKED":
        return Action("DOCK", ship=ship.symbol, market=spec.market)
    if now - view.credits_at > policy.credits_max_age_s:
        return Action("READ_AGENT", ship=ship.symbol, reason="live credits before buying")
    q = view.quotes.get((spec.market, spec.good))
    if not ship.quote_ok:
        q = after_own_lot(ship, load, q, policy) or fresh_quote(view, ship, load, q, policy)
        if q is None:
            return Action("READ_MARKET", ship=ship.symbol, market=spec.market, good=spec.good)
    if q is None or _absent(view, q, spec.market):
        if spec.type == "COLLECT":
            return _fail(spec.pipeline, f"factory {spec.market} no longer exports {spec.good}")
        return _stall(ship, load, policy, f"{spec.good} not sold at {spec.market}")
    ceiling = ceiling_of(spec, policy)
    if ceiling and q.purchase > ceiling:
        why = f"price {q.purchase} above ceiling {ceiling}"
        if spec.type == "ACQUIRE" and load.done_units == 0:
            other = elsewhere(view, spec, policy, lambda o: o.purchase <= ceiling)
            if other is not None:
                return _redirect(ship, load, other, f"{why} at {spec.market}; {other.market} "
                                 f"asks {other.purchase}")  # fmt: skip
        return _stall(ship, load, policy, why, fail_after=True)
    pipe = view.pipelines[spec.pipeline]
    if margin_below(view, pipe.spec.id, load, q.purchase, policy):
        return _fail(spec.pipeline, f"margin below {policy.min_margin:.0%} at price {q.purchase}")
    lot = min(remaining, space, max(1, q.trade_volume), spec.next_lot(load.done_units))
    cap_room = policy.spend_cap_pipeline - pipe.spent
    if lot * q.purchase > cap_room:
        lot = max(0, cap_room // max(1, q.purchase))
        if lot == 0:
            if load.done_units > 0:
                return Action("COMPLETE_TASK", ship=ship.symbol, task=load.id, reason="spend cap")
            return _fail(spec.pipeline, "pipeline spend cap reached")
    afford = (view.credits - policy.reserve_credits) // max(1, q.purchase)
    if afford < lot:
        if afford <= 0:
            return Action(
                "PARK",
                ship=ship.symbol,
                task=load.id,
                reason=f"credits {view.credits:,} would fall below reserve",
                until=now + backoff(ship.symbol, load.retries + 1, policy),
            )
        lot = afford
    return Action(
        "BUY",
        ship=ship.symbol,
        task=load.id,
        pipeline=spec.pipeline,
        good=spec.good,
        units=lot,
        price=q.purchase,
        market=spec.market,
    )


def after_own_lot(
    ship: ShipState, task: TaskState, q: Quote | None, policy: RunnerPolicy
) -> Quote | None:
    """The quote to judge the next lot of ``task`` by without a market read: the ship traded
    a lot of it at this market since the last read, in this visit (after its arrival), so
    the trade's own answer is the freshest price there is, moved by the policy's per-lot
    impact guess (``after_lot``). None: read the market. Supply and trade volume stay as last
    read."""
    spec = task.spec
    if (
        q is None
        or task.last_ship != ship.symbol
        or task.last_at < q.at
        or ship.waypoint != spec.market
        or (ship.arrival is not None and task.last_at < ship.arrival)
        or task.last_price <= 0
    ):
        return None
    return after_lot(spec, q, task.last_price, policy)


def after_lot(spec: TaskSpec, q: Quote, price: int, policy: RunnerPolicy) -> Quote | None:
    """``q`` with the price a lot of ``spec``'s good traded at ``price`` leaves for the next
    lot the same way: moved by the policy's per-lot impact guess (the live maximum, so the
    guess errs towards reading). None when the guess is past the ceiling or the floor: a
    stall is decided on a read, never on a guess."""
    if spec.is_load:
        guess = math.ceil(price * (1 + policy.buy_impact_guess))
        ceiling = ceiling_of(spec, policy)
        return replace(q, purchase=guess) if not ceiling or guess <= ceiling else None
    guess = math.floor(price * (1 - policy.sell_impact_guess))
    return replace(q, sell=guess) if guess >= floor_of(spec, policy) else None


def fresh_quote(
    view: View, ship: ShipState, task: TaskState, q: Quote | None, policy: RunnerPolicy
) -> Quote | None:
    """The quote to trade ``task``'s next lot on without a read of its own, from what the
    fleet learned at that market within ``policy.fresh_quote_s``:

    - the fleet's last lot of that good there the same way (any ship, a task's or a
      liquidation's), when it is later than the last read: its price moved by the per-lot
      impact guess (``after_lot``);
    - else a read by another ship (not a read by no known ship, nor this ship's own: it
      traded or moved since, or it would hold ``quote_ok``; unless it made that read here
      after its last arrival, so only its trades moved prices since, and those of this good
      are the first case: a ship buying or selling the goods of a shared flight one after
      the other needs one read for all of them). Lots traded the other way since only moved
      the price in our favour (a sale lowers the ask, a purchase raises the bid), so the
      read still bounds the price.

    Only when the price passes the ceiling (loads) or the floor (unloads). None: read the
    market (so a stall or a redirect is decided on a real read). The server rejects no trade
    for a stale price: the ledger keeps the price actually paid, and caps and margins count
    from the ledger."""
    spec = task.spec
    if q is None or _absent(view, q, spec.market):
        return None
    kind = "PURCHASE" if spec.is_load else "SELL"
    last = view.trades.get((spec.market, spec.good, kind))
    if last is not None and last.at >= q.at:
        if last.recovered or last.price <= 0 or view.now - last.at > policy.fresh_quote_s:
            return None
        return after_lot(spec, q, last.price, policy)
    here = ship.waypoint == spec.market and ship.arrival is not None and q.at >= ship.arrival
    if not q.by or (q.by == ship.symbol and not here) or view.now - q.at > policy.fresh_quote_s:
        return None
    if spec.is_load:
        ceiling = ceiling_of(spec, policy)
        return q if not ceiling or q.purchase <= ceiling else None
    return q if q.sell >= floor_of(spec, policy) else None


def ceiling_of(spec: TaskSpec, policy: RunnerPolicy) -> int:
    """Most a load may pay per unit: the plan's limit, else the policy's multiple of the plan's
    price (0: no limit)."""
    return spec.limit_price or int(spec.unit_price * policy.price_ceiling)


def floor_of(spec: TaskSpec, policy: RunnerPolicy) -> int:
    """Least an unload may take per unit: the plan's limit, else the policy's fraction."""
    return spec.limit_price or int(spec.unit_price * policy.sale_floor)


def aboard_step(ship: ShipState, load: TaskState) -> Step:
    """An ABOARD load buys nothing and goes nowhere: the cargo the plan found in the hold was
    attached to it (``orphan_actions``), so it is done with what was attached. Nothing attached
    means that cargo is gone (sold or jettisoned since): the pipeline cannot be flown as planned."""
    if load.done_units > 0:
        return Action("COMPLETE_TASK", ship=ship.symbol, task=load.id)
    return _fail(
        load.spec.pipeline, f"{load.id}: {load.spec.good} the plan found aboard is no longer there"
    )


def supply_step(view: View, ship: ShipState, load: TaskState, policy: RunnerPolicy) -> Step | None:
    """COLLECT's gate: poll the factory's export (backing off) until it reaches the level.

    None when the supply is there (go and buy). The first read opens a ``FactoryWait`` (a
    read of the factory by any ship since the collect could start serves as that read);
    each read that finds too little schedules the next poll further out (``poll_interval``),
    and a read of the factory made meanwhile for another reason counts as the poll
    (``poll_due``). The last poll falls on the end of the patience, and fails the pipeline.
    """
    spec, now = load.spec, view.now
    wait = view.factories.get(load.id)
    q = view.quotes.get((spec.market, spec.good))
    if wait is None:
        if q is None or q.at < collect_ready_at(view, load):
            return Action(
                "READ_MARKET", ship=ship.symbol, market=spec.market, good=spec.good, task=load.id
            )
        wait = FactoryWait(load.id, spec.market, spec.good, now, q.at)  # q: the first poll
    due = poll_due(wait, q, policy)
    read = view.market_read_at.get(spec.market, -math.inf)
    if now >= due and (q is None or q.at < due) and read < due:
        return Action(
            "READ_MARKET", ship=ship.symbol, market=spec.market, good=spec.good, task=load.id
        )
    if q is None or _absent(view, q, spec.market):  # the poll's read does not list the good
        return _fail(spec.pipeline, f"factory {spec.market} no longer exports {spec.good}")
    if SUPPLY_RANK.get(q.supply, 0) >= SUPPLY_RANK[policy.collect_supply_level]:
        return None
    if now < due:
        return Wait(due, f"awaiting {policy.collect_supply_level} supply")
    if q.at - wait.awaiting_since >= policy.supply_patience_s:
        return _fail(
            spec.pipeline,
            f"factory {spec.market} {spec.good} stayed {q.supply} for "
            f"{(q.at - wait.awaiting_since) / 3600:.1f} h "
            f"(patience {policy.supply_patience_s / 3600:.1f} h)",
        )
    interval = poll_interval(wait, q, wait.polls, policy)
    return Action(
        "WAIT_SUPPLY",
        ship=ship.symbol,
        task=load.id,
        market=spec.market,
        good=spec.good,
        until=q.at + interval,
        reason=f"{spec.good} at {spec.market} is {q.supply}",
    )


def collect_ready_at(view: View, load: TaskState) -> float:
    """When ``load``'s factory may first be collected from: its tasks done plus the plan's
    production lag (a read before then says nothing about the supply the plan waits for)."""
    deps = _live_deps(view, load)
    return max((d.completed_at or 0.0 for d in deps), default=0.0) + load.spec.lag_s


def poll_interval(wait: FactoryWait, q: Quote, polls: int, policy: RunnerPolicy) -> float:
    """How long after the read ``q`` (the ``polls``-th) the factory is read again: a fed
    export climbs about one level per ``supply_level_s``, so no sooner than that for each level
    still missing; growing x1.5 per poll (a factory that did not get there in that time is
    slower than that), at most ``supply_poll_max_s``; and never past the end of the patience,
    so the last read is made then and decides the failure (a poll that would leave less than
    half an interval of patience after it is skipped for that last one). At most 0: ``q``
    was read at or after the end of the patience."""
    missing = SUPPLY_RANK[policy.collect_supply_level] - SUPPLY_RANK.get(q.supply, 0)
    first = max(policy.supply_poll_first_s, max(1, missing) * policy.supply_level_s)
    interval = min(policy.supply_poll_max_s, first * 1.5**polls)
    left = wait.awaiting_since + policy.supply_patience_s - q.at
    return left if left < 1.5 * interval else interval


def poll_due(wait: FactoryWait, q: Quote | None, policy: RunnerPolicy) -> float:
    """When the waiting COLLECT's factory is next read: its scheduled poll; later when the
    market was read since the last poll and before this one was due (another ship docked
    there, a scout): that read served as a poll, and the next is due the same interval after
    it. A read made once the poll was due is that poll (``supply_step`` records it)."""
    if q is None or wait.polls == 0 or q.at >= wait.next_poll:
        return wait.next_poll
    return max(wait.next_poll, q.at + max(0.0, poll_interval(wait, q, wait.polls - 1, policy)))


def unload_step(
    view: View,
    ship: ShipState,
    leg: LegSpec,
    load: TaskState,
    unload: TaskState,
    policy: RunnerPolicy,
) -> Step:
    spec = unload.spec
    held = min(ship.cargo.get(spec.good, 0), load.done_units - unload.done_units)
    if held <= 0:
        return Action("COMPLETE_TASK", ship=ship.symbol, task=unload.id)
    if unload.status == "PENDING":
        return Action("START_TASK", ship=ship.symbol, task=unload.id)
    via, modes = (leg.via_to_unload, leg.modes_to_unload) if not unload.moved_from else ((), ())
    onward = planned_hops(view, ship.symbol, leg, policy, after_load=False)
    step = docked_quote(view, ship, spec.market, spec.good, via, policy, modes, onward)
    if isinstance(step, Action) and step.kind == "READ_MARKET":
        q = view.quotes.get((spec.market, spec.good))
        guess = after_own_lot(ship, unload, q, policy) or fresh_quote(view, ship, unload, q, policy)
        step = guess if guess is not None else step
    if isinstance(step, Action):
        return step
    if step is None:
        return _stall(ship, unload, policy, f"{spec.market} does not buy {spec.good}", True)
    floor = floor_of(spec, policy)
    if step.sell < floor:
        why = f"bid {step.sell} below floor {floor}"
        if spec.type == "SELL":
            other = elsewhere(view, spec, policy, lambda o: o.sell >= floor)
            if other is not None:
                return _redirect(ship, unload, other, f"{why} at {spec.market}; {other.market} "
                                 f"bids {other.sell}")  # fmt: skip
        return _stall(ship, unload, policy, why, True)
    lot = max(1, spec.next_lot(unload.done_units))
    return _sell(ship, step, min(held, lot), task=unload.id, pipeline=spec.pipeline)


def liquidation_step(view: View, ship: ShipState, liq: Liquidation, policy: RunnerPolicy) -> Step:
    held = min(ship.cargo.get(liq.good, 0), liq.units - liq.sold)
    if held <= 0:
        return Action("COMPLETE_LIQUIDATION", ship=ship.symbol, liquidation=liq.id)
    if not liq.market:  # no market was known when the cargo was orphaned: maybe one is now
        liq = replace(liq, market=liquidation_market(view, liq.good))
    if not liq.market:
        return Action(
            "PARK",
            ship=ship.symbol,
            reason=f"no known market buys {liq.good}",
            until=view.now + policy.backoff_cap_s,
        )
    step = docked_quote(view, ship, liq.market, liq.good, (), policy)
    if isinstance(step, Action):
        return step
    if step is None:
        return Action(
            "PARK",
            ship=ship.symbol,
            reason=f"{liq.market} does not buy {liq.good}",
            until=view.now + policy.backoff_cap_s,
        )
    return _sell(ship, step, held, liquidation=liq.id, pipeline=liq.pipeline)


def docked_quote(
    view: View,
    ship: ShipState,
    market: str,
    good: str,
    via: tuple[str, ...],
    policy: RunnerPolicy,
    modes: tuple[str, ...] = (),
    onward: tuple[Hop, ...] | None = None,
) -> Action | Quote | None:
    """The steps to be docked at ``market`` with a fresh price of ``good``: the next of them,
    or the quote once there (None: the market does not list the good)."""
    travel = go_to(view, ship, market, via, policy, modes, onward)
    if travel is not None:
        return travel
    if ship.status_at(view.now) != "DOCKED":
        return Action("DOCK", ship=ship.symbol, market=market)
    if not ship.quote_ok:
        return Action("READ_MARKET", ship=ship.symbol, market=market, good=good)
    q = view.quotes.get((market, good))
    return None if q is None or _absent(view, q, market) else q


def _sell(
    ship: ShipState,
    q: Quote,
    held: int,
    *,
    task: str = "",
    liquidation: str = "",
    pipeline: str = "",
) -> Action:
    """One lot of what is held, at most the trade volume, at the quoted bid."""
    return Action(
        "SELL",
        ship=ship.symbol,
        task=task,
        liquidation=liquidation,
        pipeline=pipeline,
        good=q.good,
        units=min(held, max(1, q.trade_volume)),
        price=q.sell,
        market=q.market,
        reason="liquidation" if liquidation else "",
    )


# ---------------------------------------------------------------------------------------------
# Travel


@dataclass(frozen=True)
class Hop:
    """One planned flight: to ``to`` in ``mode``; ``stop``: a planned refuel stop."""

    to: str
    mode: str
    stop: bool = False


def _flight(
    via: tuple[str, ...], dest: str, modes: tuple[str, ...], policy: RunnerPolicy
) -> tuple[Hop, ...]:
    points = (*via, dest)
    return tuple(
        Hop(p, modes[i] if i < len(modes) else policy.flight_mode, i < len(via))
        for i, p in enumerate(points)
    )


def planned_hops(
    view: View, ship: str, leg: LegSpec, policy: RunnerPolicy, *, after_load: bool
) -> tuple[Hop, ...]:
    """The hops the plan flies ``ship`` after it reaches the market it is heading for in
    ``leg``: the rest of ``leg`` (when heading for the load), then its other open legs in
    order (``current_leg`` takes them up in that order). Goods of ``leg``'s flight add no
    hop when aboard, or, heading for the load, when ``shared_load`` will buy them there too;
    one it will not counts as a flight of its own."""
    out: list[Hop] = []
    if after_load:
        unload = view.tasks[leg.unload]
        via = leg.via_to_unload if not unload.moved_from else ()
        out.extend(_flight(via, unload.spec.market, leg.modes_to_unload, policy))
    market = view.tasks[leg.load].spec.market
    legs = open_legs(view, ship)
    along = {
        g.id
        for g in legs
        if _shares(g, leg)
        and (
            view.tasks[g.load].done_units
            or (after_load and _bought_along(view.tasks[g.load], market))
        )
    }
    for g in (g for g in legs if g.id != leg.id and g.id not in along):
        load, unload = view.tasks[g.load], view.tasks[g.unload]
        if load.spec.type != "ABOARD":
            via = g.via_to_load if not load.moved_from else ()
            out.extend(_flight(via, load.spec.market, g.modes_to_load, policy))
        via = g.via_to_unload if not unload.moved_from else ()
        out.extend(_flight(via, unload.spec.market, g.modes_to_unload, policy))
    return tuple(out)


def _bought_along(load: TaskState, market: str) -> bool:
    """``shared_load`` buys this good when the ship is at ``market`` for its flight (price
    and lag permitting): an open ACQUIRE there that has not stalled."""
    return (
        load.status in OPEN_TASK
        and load.spec.type == "ACQUIRE"
        and load.spec.market == market
        and not load.retries
    )


def _shares(a: LegSpec, b: LegSpec) -> bool:
    """``a`` and ``b`` are goods of one shared flight (``LegSpec.group``)."""
    return bool(a.group) and a.group == b.group


def sells_fuel(view: View, market: str) -> bool:
    """``market`` sells fuel: a ship read its FUEL price, or its trade lists (from a snapshot)
    name FUEL."""
    return market in view.fuel_markets or (market, "FUEL") in view.quotes


def known_fuel_markets(view: View) -> frozenset[str]:
    return view.fuel_markets | {m for (m, g) in view.quotes if g == "FUEL"}


def fuel_needed(view: View, start: str, hops: Iterable[Hop], capacity: int = 0) -> int | None:
    """Fuel the ``hops`` from ``start`` burn up to the first place the ship refuels anyway (a
    planned stop, or a market known to sell fuel, where ``go_to`` tops up if short); None when
    a waypoint's coordinates are unknown. Staying put costs nothing. When the hops end (the
    plan's last) before any such place: a full ``capacity``, so the ship is left where the
    next plan's compiler expects it, having left its last fuel market with a full tank."""
    need, here = 0, start
    for hop in hops:
        cost = hop_fuel(view, here, hop.to, hop.mode)
        if cost is None:
            return None
        if capacity and cost > capacity:  # no tank flies it: drifted (affordable_mode)
            cost = hop_fuel(view, here, hop.to, "CRUISE") or 0
            cost = cost if cost <= capacity else 1
        need += cost
        here = hop.to
        if hop.stop or sells_fuel(view, hop.to):
            return need
    return max(need, capacity)


def fuel_short(
    view: View,
    ship: ShipState,
    hops: tuple[Hop, ...],
    onward: tuple[Hop, ...] | None,
    policy: RunnerPolicy,
) -> bool | None:
    """The fuel aboard is less than the ``hops`` ahead need (see ``fuel_needed``) plus the
    policy's margin. ``onward``: the plan's hops after the last of ``hops`` (None: unknown,
    so they count only when the ship refuels where ``hops`` end). None: cannot be costed."""
    route = hops if onward is None else (*hops, *onward)
    if onward is None and hops and not sells_fuel(view, hops[-1].to) and not hops[-1].stop:
        return None
    need = fuel_needed(view, ship.waypoint, route, ship.fuel_capacity)
    if need is None:
        return None
    return ship.fuel < need + math.ceil(policy.refuel_margin * ship.fuel_capacity)


def flight_seconds(view: View, ship: ShipState, to: str) -> float:
    """Seconds ``ship`` flies direct to ``to`` in CRUISE; 0 when its speed or a coordinate is
    not known (it then leaves late rather than early)."""
    a, b = view.coords.get(ship.waypoint), view.coords.get(to)
    if not ship.speed or a is None or b is None or a == b:
        return 0.0
    return float(travel_seconds(distance(a[0], a[1], b[0], b[1]), ship.speed))


def hop_fuel(view: View, a: str, b: str, mode: str) -> int | None:
    """Fuel of the hop ``a`` -> ``b`` in ``mode`` (plancc.travel); None: coordinates unknown."""
    if a == b:
        return 0
    pa, pb = view.coords.get(a), view.coords.get(b)
    if pa is None or pb is None:
        return None
    return fuel_cost(distance(pa[0], pa[1], pb[0], pb[1]), mode)


def affordable_mode(view: View, ship: ShipState, to: str, planned: str) -> str:
    """``planned``, unless the hop to ``to`` costs more fuel than the ship has (known from the
    coordinates; a refuel, when one was possible, came first): then CRUISE if that fits, else
    DRIFT, which the server would otherwise only be asked for after refusing (4203)."""
    if not ship.fuel_capacity:
        return planned
    for mode in dict.fromkeys((planned, "CRUISE")):
        need = hop_fuel(view, ship.waypoint, to, mode)
        if need is None or need <= ship.fuel:
            return mode
    return "DRIFT"


def _reachable(view: View, ship: ShipState, to: str) -> bool:
    """The hop from where the ship is to ``to`` fits its tank in CRUISE: after a refuel here
    when fuel is sold here, else with the fuel aboard (True when it cannot be costed)."""
    need = hop_fuel(view, ship.waypoint, to, "CRUISE")
    if need is None or not ship.fuel_capacity:
        return True
    fuel_here = sells_fuel(view, ship.waypoint)
    return need <= (ship.fuel_capacity if fuel_here else ship.fuel)


def detour(view: View, ship: ShipState, dest: str) -> tuple[str, ...] | None:
    """The refuel stops of the shortest way from the ship to ``dest`` through markets known to
    sell fuel, every hop flown in CRUISE within the tank (the first with the fuel aboard unless
    fuel is sold where the ship is); None: no such way, or coordinates unknown. A hop counts
    its distance plus a minute, so a stop is made only where it saves more than that."""
    if not ship.fuel_capacity or ship.waypoint not in view.coords or dest not in view.coords:
        return None
    fuel = sorted(m for m in known_fuel_markets(view) if m in view.coords)
    start_fuel = ship.fuel_capacity if sells_fuel(view, ship.waypoint) else ship.fuel
    best: dict[str, tuple[float, tuple[str, ...]]] = {ship.waypoint: (0.0, ())}
    frontier: list[tuple[float, str, tuple[str, ...]]] = [(0.0, ship.waypoint, ())]
    while frontier:
        cost, at, path = heapq.heappop(frontier)
        if at == dest:
            return path[:-1]
        if best.get(at, (math.inf,))[0] < cost:
            continue
        tank = start_fuel if at == ship.waypoint else ship.fuel_capacity
        for nxt in (*fuel, dest):
            need = hop_fuel(view, at, nxt, "CRUISE")
            if nxt == at or need is None or need > tank:
                continue
            c = cost + need + 60.0
            if c < best.get(nxt, (math.inf,))[0]:
                best[nxt] = (c, (*path, nxt))
                heapq.heappush(frontier, (c, nxt, (*path, nxt)))
    return None


def go_to(
    view: View,
    ship: ShipState,
    dest: str,
    via: tuple[str, ...],
    policy: RunnerPolicy,
    modes: tuple[str, ...] = (),
    onward: tuple[Hop, ...] | None = None,
) -> Action | None:
    """The next step towards ``dest`` through the refuel stops ``via``; None when there.

    ``modes`` gives the plan's flight mode for each hop (else the policy's); a ship that ran
    short of fuel drifts regardless. ``onward``: the plan's hops after ``dest`` (None: not
    known). Fuel: always at a planned stop (``via``); at another fuel market only when the
    fuel aboard is short of the hops up to the next refuel point (``fuel_short``), or, when
    those cannot be costed, below ``policy.refuel_below`` of the tank."""
    if ship.waypoint == dest:
        return None
    hops = (*via, dest)
    here = hops.index(ship.waypoint) if ship.waypoint in hops else -1
    if here < 0 and ship.fuel_fails == 0 and not _reachable(view, ship, hops[0]):
        # the plan's route starts elsewhere (a leg taken up out of order): its first hop is
        # more than this tank can fly from here; go through known fuel markets instead
        stops = detour(view, ship, dest)
        if stops is not None:
            via, modes, onward = stops, (), None
            hops = (*via, dest)
    nxt = hops[here + 1]
    status = ship.status_at(view.now)
    fuel_here = sells_fuel(view, ship.waypoint)
    at_stop = ship.waypoint in via
    short: bool | None = ship.fuel < policy.refuel_below * ship.fuel_capacity
    if fuel_here and not at_stop and ship.fuel_fails == 0 and ship.fuel < ship.fuel_capacity:
        if view.coords_unread:
            return Action(
                "READ_WAYPOINTS",
                ship=ship.symbol,
                market=ship.waypoint,
                reason="waypoint coordinates, to cost the hops ahead in fuel",
            )
        ahead = _flight(via, dest, modes, policy)[here + 1 :]
        short = fuel_short(view, ship, ahead, onward, policy)
        if short is None:
            short = ship.fuel < policy.refuel_below * ship.fuel_capacity
    wants_fuel = ship.fuel < ship.fuel_capacity and (
        at_stop or (ship.fuel_fails == 1 and fuel_here) or (fuel_here and short)
    )
    if wants_fuel and ship.fuel_capacity and (fuel_here or at_stop):
        if status != "DOCKED":
            return Action("DOCK", ship=ship.symbol, market=ship.waypoint)
        return Action("REFUEL", ship=ship.symbol, market=ship.waypoint, good="FUEL")
    if ship.fuel_fails >= 3:
        return Action(
            "PARK",
            ship=ship.symbol,
            reason=f"cannot reach {nxt}: not enough fuel even drifting",
            until=view.now + policy.backoff_cap_s,
        )
    planned = modes[here + 1] if here + 1 < len(modes) else policy.flight_mode
    mode = "DRIFT" if ship.fuel_fails >= 1 else affordable_mode(view, ship, nxt, planned)
    if ship.flight_mode != mode:
        return Action("FLIGHT_MODE", ship=ship.symbol, mode=mode)
    if status == "DOCKED":
        return Action("ORBIT", ship=ship.symbol)
    return Action("NAVIGATE", ship=ship.symbol, market=nxt, mode=mode)


# ---------------------------------------------------------------------------------------------
# Helpers


def margin_below(
    view: View, pipeline: str, load: TaskState, price: int, policy: RunnerPolicy
) -> bool:
    """Projected margin of ``pipeline`` if the rest of ``load`` is bought at ``price``: spent
    so far (ledger) + this task's rest at the live price + other open loads at plan prices."""
    pipe = view.pipelines[pipeline]
    rest = (load.spec.quantity - load.done_units) * price
    others = sum(
        max(0, t.spec.quantity - t.done_units) * t.spec.unit_price
        for t in view.tasks.values()
        if t.spec.pipeline == pipeline
        and t.spec.is_load
        and t.id != load.id
        and t.status in OPEN_TASK
    )
    cost = pipe.spent + rest + others
    if cost <= 0:
        return False
    return (pipe.spec.expected_revenue - cost) / cost < policy.min_margin


def _absent(view: View, q: Quote, market: str) -> bool:
    """The market was read after this quote and no longer lists the good."""
    return view.market_read_at.get(market, 0.0) > q.at


def backoff(key: str, attempt: int, policy: RunnerPolicy) -> float:
    """Exponential backoff with a jitter that differs per ship and attempt (stable across
    restarts, so a restart does not fire every ship's retry at once)."""
    base = min(policy.backoff_cap_s, policy.backoff_base_s * 2.0 ** max(0, attempt - 1))
    jitter = (zlib.crc32(f"{key}#{attempt}".encode()) % 1000) / 1000.0
    return base * (0.5 + 0.5 * jitter)


def _stall(
    ship: ShipState, task: TaskState, policy: RunnerPolicy, reason: str, fail_after: bool = False
) -> Action:
    if task.retries + 1 > (policy.price_patience if fail_after else policy.max_retries):
        return _fail(task.spec.pipeline, f"{reason} after {task.retries} retries")
    return Action(
        "STALL",
        ship=ship.symbol,
        task=task.id,
        reason=reason,
        until=0.0,  # the executor adds backoff(ship, retries) to now
    )


def _attach(ship: ShipState, load: TaskState, good: str, extra: int, reason: str) -> Action:
    """Unowned cargo aboard becomes ``load``'s, as much as it still needs."""
    need = load.spec.quantity - load.done_units
    return Action(
        "ATTACH", ship=ship.symbol, task=load.id, good=good, units=min(extra, need), reason=reason
    )


def elsewhere(
    view: View, spec: TaskSpec, policy: RunnerPolicy, good_enough: Callable[[Quote], bool]
) -> Quote | None:
    """Another market for a trade its own market no longer pays for (a bid crashed below the
    floor, an ask above the ceiling): the best one read within ``policy.elsewhere_max_age_s``
    that trades ``spec.good`` the right way (a SELL needs an importer or exchange, an ACQUIRE
    an exporter or exchange) at a price ``good_enough`` says passes. None: stay and stall."""
    sell = not spec.is_load
    kinds = ("IMPORT", "EXCHANGE") if sell else ("EXPORT", "EXCHANGE")
    fresh = [
        q
        for (market, good), q in view.quotes.items()
        if good == spec.good
        and market != spec.market
        and q.type in kinds
        and view.now - q.at <= policy.elsewhere_max_age_s
        and not _absent(view, q, market)
        and good_enough(q)
    ]
    if not fresh:
        return None
    if sell:
        return max(fresh, key=lambda q: (q.sell, q.market))
    return min(fresh, key=lambda q: (q.purchase, q.market))


def _redirect(ship: ShipState, task: TaskState, to: Quote, reason: str) -> Action:
    return Action("REDIRECT", ship=ship.symbol, task=task.id, market=to.market, reason=reason)


def _fail(pipeline: str, reason: str) -> Action:
    return Action("FAIL_PIPELINE", pipeline=pipeline, reason=reason)


def describe_all(actions: Iterable[Action]) -> list[str]:
    return [a.describe() for a in actions]
