"""The checker every scheduler's result must pass: the rules in ``plancc.schedule.problem``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from plancc.errors import ScheduleError
from plancc.model import Leg, Market, Policy, ScheduledLeg, Ship, Task, Waypoint
from plancc.schedule.problem import (
    LOAD,
    OUTSIDE,
    Problem,
    ScheduleResult,
    build_problem,
)


def verify(
    tasks: Sequence[Task],
    legs: Sequence[Leg],
    result: ScheduleResult,
    ships: Sequence[Ship],
    waypoints: Sequence[Waypoint],
    policy: Policy,
    *,
    markets: Sequence[Market] | None = None,
    epoch: datetime | None = None,
) -> list[str]:
    """Every way ``result`` breaks the rules (module docstring), one readable line each; [] = ok."""
    try:
        problem = build_problem(tasks, legs, ships, waypoints, policy, markets=markets, epoch=epoch)
    except ScheduleError as exc:
        return [f"inputs: {exc}"]
    return check(problem, result)


def check(problem: Problem, result: ScheduleResult) -> list[str]:
    """``verify`` on an already built problem."""
    out: list[str] = []
    dock = problem.dock_s
    leg_index = {s.id: i for i, s in enumerate(problem.legs)}
    ship_index = {s.symbol: i for i, s in enumerate(problem.ships)}
    placed: dict[int, tuple[int, ScheduledLeg]] = {}  # leg -> (ship, ScheduledLeg)
    seen_ships: set[str] = set()
    for plan in result.ships:
        if plan.ship not in ship_index:
            out.append(f"ship {plan.ship}: not in the fleet")
            continue
        if plan.ship in seen_ships:
            out.append(f"ship {plan.ship}: listed twice")
            continue
        seen_ships.add(plan.ship)
        si = ship_index[plan.ship]
        spec = problem.ships[si]
        if plan.legs and not spec.usable:
            out.append(f"ship {plan.ship}: takes legs but is unusable ({spec.unusable})")
        free, pos, fuel = spec.ready_s, spec.start_point, spec.fuel_start
        for sl in plan.legs:
            where = f"ship {plan.ship} leg {sl.leg}"
            if sl.leg not in leg_index:
                out.append(f"{where}: unknown leg")
                continue
            li = leg_index[sl.leg]
            if li in placed:
                out.append(f"{where}: leg scheduled twice")
                continue
            placed[li] = (si, sl)
            leg = problem.legs[li]
            if leg.ship >= 0 and leg.ship != si:
                out.append(f"{where}: its cargo is aboard {problem.ships[leg.ship].symbol}")
            elif leg.ship < 0 and leg.quantity > spec.free_cargo:
                out.append(f"{where}: {leg.quantity} units exceed free cargo {spec.free_cargo}")
            if leg.ship < 0 and any(j not in placed for j in spec.aboard_legs):
                out.append(f"{where}: flown before the ship unloads the cargo it holds")
            if sl.start_s < free:
                out.append(f"{where}: starts at {sl.start_s}s before the ship is free at {free}s")
            if pos >= 0:
                there = problem.fly(si, pos, leg.load_point, fuel)
                on = there and problem.fly(si, leg.load_point, leg.unload_point, there.fuel_after)
                if there is None or on is None:
                    a, b = (
                        (pos, leg.load_point)
                        if there is None
                        else (leg.load_point, leg.unload_point)
                    )
                    out.append(
                        f"{where}: no route with the fuel on board from {problem.points[a]} "
                        f"to {problem.points[b]} ({problem.flight_mode}, refuelling at FUEL markets)"
                    )
                else:
                    fuel = on.fuel_after
                    for what, flight, recorded, modes in (
                        ("load", there, sl.refuel_to_load, sl.modes_to_load),
                        ("unload", on, sl.refuel_to_unload, sl.modes_to_unload),
                    ):
                        assumed = tuple(problem.points[k] for k in flight.stops[:-1])
                        if tuple(recorded) != assumed:
                            out.append(
                                f"{where}: refuel stops to the {what} market "
                                f"{list(recorded)}, but the route flown is {list(assumed)}"
                            )
                        flown = problem.mode_names(flight.modes)
                        if modes and flight.stops and tuple(modes) != flown:
                            out.append(
                                f"{where}: flight modes to the {what} market {list(modes)}, "
                                f"but the route is flown {list(flown)}"
                            )
                    if sl.load_s < sl.start_s + there.seconds:
                        out.append(
                            f"{where}: loads at {sl.load_s}s but cannot reach "
                            f"{problem.points[leg.load_point]} before {sl.start_s + there.seconds}s"
                        )
                    if sl.unload_s < sl.load_s + dock + on.seconds:
                        out.append(
                            f"{where}: unloads at {sl.unload_s}s, before "
                            f"{sl.load_s + dock + on.seconds}s (trade + flight from the load market)"
                        )
            if sl.end_s != sl.unload_s + dock:
                out.append(
                    f"{where}: ends at {sl.end_s}s, not unload + dock = {sl.unload_s + dock}s"
                )
            if sl.start_s < 0:
                out.append(f"{where}: negative start time")
            free, pos = sl.end_s, leg.unload_point

    unscheduled = {u.leg for u in result.unscheduled}
    for u in sorted(unscheduled):
        if u not in leg_index:
            out.append(f"leg {u}: listed as unscheduled but unknown")
    for i, leg in enumerate(problem.legs):
        if i not in placed and leg.id not in unscheduled:
            out.append(f"leg {leg.id}: neither scheduled nor reported unscheduled")
        if i in placed and leg.id in unscheduled:
            out.append(f"leg {leg.id}: both scheduled and reported unscheduled")

    def ends(j: int) -> tuple[int, int]:
        sl = placed[j][1]
        return (sl.load_s + dock, sl.end_s)

    for i in sorted(placed):
        sl = placed[i][1]
        leg = problem.legs[i]
        for e in leg.edges_in:
            start = sl.load_s if e.succ_task == LOAD else sl.unload_s
            task = leg.load_task if e.succ_task == LOAD else leg.unload_task
            if e.pred_leg == OUTSIDE:
                need, what = e.lag_s, "time 0 (dependency outside any leg)"
            elif e.pred_leg == i:
                need, what = sl.load_s + dock + e.lag_s, f"its own load {leg.load_task}"
            elif e.pred_leg not in placed:
                out.append(f"task {task}: depends on unscheduled leg {problem.legs[e.pred_leg].id}")
                continue
            else:
                pred = problem.legs[e.pred_leg]
                ptask = pred.load_task if e.pred_task == LOAD else pred.unload_task
                need, what = ends(e.pred_leg)[e.pred_task] + e.lag_s, ptask
            if start < need:
                out.append(
                    f"task {task}: starts at {start}s, before {need}s ({what} + lag {e.lag_s}s)"
                )

    makespan = max((ends(i)[1] for i in placed), default=0)
    if result.makespan_s != makespan:
        out.append(f"makespan {result.makespan_s}s, but the last leg ends at {makespan}s")
    want = "EMPTY" if not problem.legs else ("PARTIAL" if unscheduled else None)
    if want and result.status != want:
        out.append(f"status {result.status}, expected {want}")
    if result.bound_s < 0:
        out.append(f"bound {result.bound_s}s is negative")
    if not unscheduled and result.bound_s > result.makespan_s:
        out.append(f"bound {result.bound_s}s exceeds makespan {result.makespan_s}s")
    return out
