"""Schedulers: put every leg on a ship with times, and say how good that is.

    result = schedule(tasks, legs, snapshot.ships, snapshot.waypoints, policy,
                      method="list", markets=snapshot.markets, epoch=snapshot.captured_at)
    assert verify(tasks, legs, result, snapshot.ships, snapshot.waypoints, policy,
                  markets=snapshot.markets, epoch=snapshot.captured_at) == []

* ``method="list"``: earliest-completion-time list scheduling (min-min). Among the ready legs
  (every leg they wait for already placed) and every ship, place the pair whose leg would END
  soonest; ties by leg id, then ship symbol. Each leg thus goes where it would finish soonest,
  weighing engine speed, distance, dock time, precedence lags, cargo and fuel.
* ``method="cpsat"``: the optimising scheduler (``plancc.schedule.optimise``): list schedules,
  then CP-SAT exact for small plans or seeded GRASP, local search and CP-SAT windows (LNS) for
  large ones, within ``time_limit_s``; it minimises ``objective`` (profit-weighted completion
  time by default, see ``plancc.schedule.objective``). ``schedule_with_info`` also returns what
  the search did (status, bounds, parameters) for the plan header.
* ``method="greedy"``: the original design's rule, the baseline the benchmarks compare with. The
  first ready leg in priority order (the order of ``legs``: the pipeline builder emits best
  pipeline first, each in dependency order) goes to the ship that is free earliest; ties go to the
  ship closest to the load market, then by symbol. It ignores speed and what comes after.

Both share ``plancc.schedule.problem``: the rules, the problem tables, the lower bound and the
checker. The rules and what ``bound_s`` bounds are written there. Pure: no I/O, no clock, no
dict/set order dependence; the same input gives the same output. ``hint`` (the previous plan)
makes the list scheduler sticky, as pip-tools prefers existing pins: a leg the hint put on a ship
that can still take it is compared as if it finished ``policy.move_penalty_s`` sooner there, so
it moves only when moving gains more than that. The greedy baseline ignores the hint.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from plancc.errors import ScheduleError
from plancc.model import Leg, Market, Plan, Policy, Ship, Task, Waypoint
from plancc.schedule.bounds import lower_bound
from plancc.schedule.greedy import run_greedy
from plancc.schedule.list_schedule import run_list
from plancc.schedule.objective import MAKESPAN, OBJECTIVES, WEIGHTED, target
from plancc.schedule.optimise import Info, optimise
from plancc.schedule.problem import (
    Problem,
    ScheduleResult,
    Unscheduled,
    build_problem,
)
from plancc.schedule.state import State
from plancc.schedule.verify import check, verify

__all__ = [
    "MAKESPAN",
    "METHODS",
    "OBJECTIVES",
    "WEIGHTED",
    "Info",
    "Problem",
    "ScheduleError",
    "ScheduleResult",
    "Unscheduled",
    "build_problem",
    "check",
    "lower_bound",
    "schedule",
    "schedule_with_info",
    "solve",
    "solver_version",
    "verify",
]

METHODS: tuple[str, ...] = ("cpsat", "list", "greedy")


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
    return schedule_with_info(
        tasks,
        legs,
        ships,
        waypoints,
        policy,
        method=method,
        hint=hint,
        markets=markets,
        epoch=epoch,
    )[0]


def schedule_with_info(
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
    objective: str = WEIGHTED,
    profits: Mapping[str, int] | None = None,
    seed: int = 0,
    time_limit_s: float = 10.0,
    clock: Callable[[], float] = time.monotonic,
    wall_guard_s: float | None = None,
) -> tuple[ScheduleResult, Info | None]:
    """``schedule``, plus the optimiser's record when ``method="cpsat"`` (else None).
    ``profits``: pipeline id -> expected profit, the weights of the profit-weighted objective.
    ``clock``: the optimiser's wall-time guard (a clock that never advances leaves only its
    iteration and deterministic-time budgets, sized from ``time_limit_s``); ``wall_guard_s``:
    CP-SAT's wall-time guard per solve (None: from the time left)."""
    problem = build_problem(tasks, legs, ships, waypoints, policy, markets=markets, epoch=epoch)
    if method != "cpsat":
        return solve(
            problem, method=method, pins=hint_pins(hint), move_penalty_s=policy.move_penalty_s
        ), None
    if objective not in OBJECTIVES:
        raise ScheduleError(
            f"unknown objective {objective!r} (choose from {', '.join(OBJECTIVES)})"
        )
    starts = {sl.leg: sl.start_s for sp in hint.ships for sl in sp.legs} if hint else {}
    return optimise(
        problem,
        target(objective, legs, tasks, profits),
        seed=seed,
        time_limit_s=time_limit_s,
        pins=hint_pins(hint),
        pinned_start=starts,
        move_penalty_s=policy.move_penalty_s,
        clock=clock,
        wall_guard_s=wall_guard_s,
    )


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
    if method == "cpsat":
        t = target(MAKESPAN, [], [])
        return optimise(problem, t, pins=pins, move_penalty_s=move_penalty_s)[0]
    state = State(problem)
    if method == "list":
        run_list(state, pins or {}, move_penalty_s)
    else:
        run_greedy(state)
    return state.result(method)


def solver_version() -> str:
    """The CP-SAT build the optimiser runs (imports OR-Tools, so only when asked)."""
    from plancc.schedule.cpsat import SOLVER_VERSION

    return SOLVER_VERSION
