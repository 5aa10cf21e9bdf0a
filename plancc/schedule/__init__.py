"""First-cut schedulers: put every leg on a ship with times, and say how good that is.

    result = schedule(tasks, legs, snapshot.ships, snapshot.waypoints, policy,
                      method="list", markets=snapshot.markets, epoch=snapshot.captured_at)
    assert verify(tasks, legs, result, snapshot.ships, snapshot.waypoints, policy,
                  markets=snapshot.markets, epoch=snapshot.captured_at) == []

* ``method="list"``: earliest-completion-time list scheduling (min-min). Among the ready legs
  (every leg they wait for already placed) and every ship, place the pair whose leg would END
  soonest; ties by leg id, then ship symbol. Each leg thus goes where it would finish soonest,
  weighing engine speed, distance, dock time, precedence lags, cargo and fuel.
* ``method="greedy"``: the original design's rule, the baseline the benchmarks compare with. The
  first ready leg in priority order (the order of ``legs``: the pipeline builder emits best
  pipeline first, each in dependency order) goes to the ship that is free earliest; ties go to the
  ship closest to the load market, then by symbol. It ignores speed and what comes after.

Both share ``plancc.schedule_problem``: the rules, the problem tables, the lower bound and the
checker. The rules and what ``bound_s`` bounds are written there. Pure: no I/O, no clock, no
dict/set order dependence; the same input gives the same output. ``hint`` (the previous plan)
makes the list scheduler sticky, as pip-tools prefers existing pins: a leg the hint put on a ship
that can still take it is compared as if it finished ``policy.move_penalty_s`` sooner there, so
it moves only when moving gains more than that. The greedy baseline ignores the hint.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from plancc.model import Leg, Market, Plan, Policy, ScheduledLeg, Ship, ShipPlan, Task, Waypoint
from plancc.schedule_problem import (
    Placement,
    Problem,
    ScheduleError,
    ScheduleResult,
    Unscheduled,
    build_problem,
    check,
    lower_bound,
    place,
    verify,
)

__all__ = [
    "METHODS",
    "ScheduleError",
    "ScheduleResult",
    "Unscheduled",
    "check",
    "schedule",
    "solve",
    "verify",
]

METHODS: tuple[str, ...] = ("list", "greedy")


def schedule(
    tasks: Sequence[Task],
    legs: Sequence[Leg],
    ships: Sequence[Ship],
    waypoints: Sequence[Waypoint],
    policy: Policy,
    *,
    method: str = "list",
    hint: Plan | None = None,
    markets: Sequence[Market] | None = None,
    epoch: datetime | None = None,
) -> ScheduleResult:
    """Schedule ``legs`` on ``ships``; see the module docstring. Raises ScheduleError on bad input.

    ``markets`` says which waypoints sell FUEL (default: every marketplace); ``epoch`` (the
    snapshot time) is needed when a ship is IN_TRANSIT with an arrival time.
    """
    problem = build_problem(tasks, legs, ships, waypoints, policy, markets=markets, epoch=epoch)
    return solve(problem, method=method, pins=hint_pins(hint), move_penalty_s=policy.move_penalty_s)


def hint_pins(hint: Plan | None) -> dict[str, str]:
    """Leg id -> the ship the previous plan gave it."""
    if hint is None:
        return {}
    return {sl.leg: sp.ship for sp in hint.ships for sl in sp.legs}


def solve(
    problem: Problem,
    *,
    method: str = "list",
    pins: dict[str, str] | None = None,
    move_penalty_s: int = 0,
) -> ScheduleResult:
    """``schedule`` on an already built problem (benchmarks and later schedulers reuse it)."""
    if method not in METHODS:
        raise ScheduleError(f"unknown scheduler {method!r} (choose from {', '.join(METHODS)})")
    state = _State(problem)
    if method == "list":
        _run_list(state, pins or {}, move_penalty_s)
    else:
        _run_greedy(state)
    return state.result(method)


class _State:
    """Ships' positions and free times, leg placements; the loop bodies of both schedulers."""

    def __init__(self, problem: Problem) -> None:
        self.p = problem
        self.free = [s.ready_s for s in problem.ships]
        self.pos = [s.start_point for s in problem.ships]
        self.fuel = [s.fuel_start for s in problem.ships]
        self.ends: list[tuple[int, int] | None] = [None] * len(problem.legs)
        self.placed: list[tuple[int, Placement] | None] = [None] * len(problem.legs)
        self.route: list[list[int]] = [[] for _ in problem.ships]  # legs per ship, in flying order
        self.dropped: dict[int, str] = {}
        self.waiting = [len(leg.preds) for leg in problem.legs]
        self.succs: list[list[int]] = [[] for _ in problem.legs]
        for i, leg in enumerate(problem.legs):
            for j in leg.preds:
                self.succs[j].append(i)
        self.ready: set[int] = {i for i, w in enumerate(self.waiting) if w == 0}
        self.usable = [i for i, s in enumerate(problem.ships) if s.usable]

    def try_place(self, leg: int, ship: int) -> Placement | None:
        return place(self.p, leg, ship, self.free[ship], self.pos[ship], self.fuel[ship], self.ends)

    def commit(self, leg: int, ship: int, pl: Placement) -> None:
        self.placed[leg] = (ship, pl)
        self.route[ship].append(leg)
        self.ends[leg] = (pl.load_s + self.p.dock_s, pl.end_s)
        self.free[ship] = pl.end_s
        self.pos[ship] = self.p.legs[leg].unload_point
        self.fuel[ship] = pl.fuel_after
        self.ready.discard(leg)
        for j in self.succs[leg]:
            self.waiting[j] -= 1
            if self.waiting[j] == 0:
                self.ready.add(j)

    def drop_ready(self) -> None:
        """No ready leg fits any ship as things stand: report them, and every leg after them."""
        for leg in sorted(self.ready):
            self.dropped[leg] = self._why_not(leg)
        stack = sorted(self.ready)
        self.ready = set()
        while stack:
            i = stack.pop()
            for j in self.succs[i]:
                if j not in self.dropped:
                    self.dropped[j] = f"waits for unscheduled leg {self.p.legs[i].id}"
                    stack.append(j)

    def _why_not(self, leg: int) -> str:
        spec = self.p.legs[leg]
        if not self.usable:
            return "no ship can carry cargo"
        most = max(self.p.ships[s].free_cargo for s in self.usable)
        if spec.quantity > most:
            return f"{spec.quantity} units exceed every ship's free cargo (largest {most})"
        return (
            f"no ship has a route with the fuel it carries ({self.p.flight_mode}, refuelling at "
            f"FUEL markets) to {self.p.points[spec.load_point]} and on to "
            f"{self.p.points[spec.unload_point]}"
        )

    def result(self, method: str) -> ScheduleResult:
        def scheduled(leg: int) -> ScheduledLeg:
            ship, pl = self.placed[leg]  # type: ignore[misc]
            sym = self.p.ships[ship].symbol
            names = self.p.points
            return ScheduledLeg(
                self.p.legs[leg].id,
                sym,
                pl.start_s,
                pl.load_s,
                pl.unload_s,
                pl.end_s,
                tuple(names[k] for k in pl.via_load),
                tuple(names[k] for k in pl.via_unload),
            )

        # In flying order, not sorted by time: legs that take no time (same market, no dock)
        # share a start time, and only the order they were placed in says where the ship is.
        plans = tuple(
            ShipPlan(ship=s.symbol, legs=tuple(scheduled(i) for i in self.route[k]))
            for k, s in enumerate(self.p.ships)
        )
        makespan = max((e[1] for e in self.ends if e is not None), default=0)
        unscheduled = tuple(
            Unscheduled(self.p.legs[i].id, why)
            for i, why in sorted(self.dropped.items(), key=lambda kv: self.p.legs[kv[0]].id)
        )
        status = "EMPTY" if not self.p.legs else ("PARTIAL" if unscheduled else "HEURISTIC")
        return ScheduleResult(plans, makespan, lower_bound(self.p), status, method, unscheduled)


def _run_list(st: _State, pins: dict[str, str], move_penalty_s: int) -> None:
    """Min-min list scheduling. A (leg, ship) evaluation only changes when that ship moves, so
    evaluations are cached and only the moved ship's column is recomputed. A leg on the ship
    ``pins`` names competes with ``move_penalty_s`` taken off its end time."""
    p = st.p
    cache: dict[tuple[int, int], Placement | None] = {}
    while st.ready:
        best: tuple[int, str, str, int, int, Placement] | None = None
        for leg in sorted(st.ready):
            for ship in st.usable:
                key = (leg, ship)
                if key not in cache:
                    cache[key] = st.try_place(leg, ship)
                pl = cache[key]
                if pl is None:
                    continue
                leg_id, symbol = p.legs[leg].id, p.ships[ship].symbol
                bonus = move_penalty_s if pins.get(leg_id) == symbol else 0
                cand = (pl.end_s - bonus, leg_id, symbol, leg, ship, pl)
                if best is None or cand[:3] < best[:3]:
                    best = cand
        if best is None:
            st.drop_ready()
            break
        _, _, _, leg, ship, pl = best
        st.commit(leg, ship, pl)
        for key in [k for k in cache if k[1] == ship]:
            del cache[key]


def _run_greedy(st: _State) -> None:
    """The design's rule: first ready leg by priority -> earliest free ship -> closest -> symbol."""
    p = st.p
    stuck: set[int] = set()
    while st.ready - stuck:
        leg = min(st.ready - stuck)  # priority = position in ``legs``
        spec = p.legs[leg]
        best: tuple[int, float, str, int, Placement] | None = None
        for ship in st.usable:
            pl = st.try_place(leg, ship)
            if pl is None:
                continue
            cand = (
                st.free[ship],
                p.distance(st.pos[ship], spec.load_point),
                p.ships[ship].symbol,
                ship,
                pl,
            )
            if best is None or cand[:3] < best[:3]:
                best = cand
        if best is None:
            stuck.add(leg)  # may fit later, once a ship has moved (fuel)
            continue
        st.commit(leg, best[3], best[4])
        stuck.clear()
    if st.ready:
        st.drop_ready()
