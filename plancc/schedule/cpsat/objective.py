"""The target of ``plancc.schedule.objective`` in the model: primary x (horizon + 1) + makespan,
so makespan only breaks ties, exactly as the Python search compares (primary, makespan)."""

from __future__ import annotations

from ortools.sat.python import cp_model

from plancc.schedule.cpsat.variables import Vars
from plancc.schedule.objective import MAKESPAN, Target
from plancc.schedule.problem import Problem


def minimise(v: Vars, problem: Problem, target: Target, free: dict[int, tuple[int, ...]]) -> int:
    """Set the objective; returns the factor the primary term is multiplied by."""
    m = v.model
    dock = problem.dock_s
    moved: list[cp_model.LinearExprT] = []  # legs off their pinned ship (target.move_cost each)
    for leg in sorted(free) if target.move_cost else ():
        pin = target.pinned[leg] if leg < len(target.pinned) else -1
        if pin < 0:
            continue
        moved.append(1 - v.on[(leg, pin)] if (leg, pin) in v.on else 1)
    for leg, pin in enumerate(target.pinned if target.move_cost else ()):
        if pin >= 0 and leg not in free and v.fixed_ship.get(leg, pin) != pin:
            moved.append(1)
    makespan = m.new_int_var(0, v.horizon + dock, "makespan")
    for i in range(len(problem.legs)):
        m.add(makespan >= v.unload[i] + dock)
    if target.kind == MAKESPAN and not moved and len(free) < len(problem.legs):
        # a window (LNS): the plan may not end later than now (its horizon), and the window's
        # own latest end is minimised. Minimising the plan's makespan instead stalls on a
        # plateau: when a ship outside the window ends as late, every window solution scores
        # the same, and the window never makes the room the next one needs.
        m.add(makespan <= v.horizon)
        window_end = m.new_int_var(0, v.horizon + dock, "window_end")
        for i in free:
            m.add(window_end >= v.unload[i] + dock)
        m.minimize(window_end)
        return 1
    if target.kind == MAKESPAN and not moved:
        m.minimize(makespan)  # one small term: a far stronger model than a scaled sum
        return 1
    factor = v.horizon + dock + 1
    penalty = target.move_cost * cp_model.LinearExpr.sum(moved)
    if target.kind == MAKESPAN:
        m.minimize((makespan + penalty) * factor + makespan)
        return factor
    terms = []
    for g, (weight, legs) in enumerate(target.groups):
        done = m.new_int_var(0, v.horizon + dock, f"done{g}")
        for i in legs:
            m.add(done >= v.unload[i] + dock)
        terms.append(weight * done)
    m.minimize((cp_model.LinearExpr.sum(terms) + penalty) * factor + makespan)
    return factor
