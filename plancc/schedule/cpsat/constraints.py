"""The rules of ``plancc.schedule.problem`` as CP-SAT constraints (fuel relaxed: see package)."""

from __future__ import annotations

from collections.abc import Sequence

from ortools.sat.python import cp_model

from plancc.schedule.cpsat.variables import DEPOT, Vars, arc
from plancc.schedule.problem import INF, LOAD, OUTSIDE, Problem


def leg_duration(
    v: Vars, problem: Problem, leg: int, ship: int, lit: cp_model.IntVar | None
) -> None:
    """Unload no earlier than load + trade + flight to the unload market on ``ship``."""
    spec = problem.legs[leg]
    fly = problem.route_s(ship, spec.load_point, spec.unload_point)
    c = v.model.add(v.unload[leg] >= v.load[leg] + problem.dock_s + fly)
    if lit is not None:
        c.only_enforce_if(lit)


def fixed_sequence(v: Vars, problem: Problem, ship: int, seq: Sequence[int]) -> None:
    """A ship outside the window keeps its legs in order; only their times move."""
    spec = problem.ships[ship]
    prev_point, prev_end = spec.start_point, None
    for leg in seq:
        v.fixed_ship[leg] = ship
        leg_duration(v, problem, leg, ship, None)
        travel = problem.route_s(ship, prev_point, problem.legs[leg].load_point)
        if prev_end is None:
            v.model.add(v.load[leg] >= spec.ready_s + travel)
        else:
            v.model.add(v.load[leg] >= v.unload[prev_end] + problem.dock_s + travel)
        prev_point, prev_end = problem.legs[leg].unload_point, leg


def circuit(
    v: Vars,
    problem: Problem,
    ship: int,
    legs: Sequence[int],
    k_nearest: int,
    must: set[tuple[int, int]],
    before: Sequence[frozenset[int]],
) -> None:
    """The window ship's route: depot -> some of ``legs`` -> depot, travel on every arc. Arcs
    between legs: each leg's ``k_nearest`` successors by travel, plus ``must`` (the hint's arcs);
    none towards a leg that must come earlier (``before[i]``: legs that transitively precede i)."""
    spec = problem.ships[ship]
    m = v.model
    dock = problem.dock_s
    arcs: list[tuple[int, int, cp_model.LiteralT]] = []
    node = {leg: k + 1 for k, leg in enumerate(legs)}
    v.unused[ship] = m.new_bool_var(f"unused{ship}")
    arcs.append((0, 0, v.unused[ship]))
    for leg in legs:
        on = v.on[(leg, ship)]
        leg_duration(v, problem, leg, ship, on)
        arcs.append((node[leg], node[leg], ~on))
        first = arc(v, ship, DEPOT, leg)
        arcs.append((0, node[leg], first))
        travel = problem.route_s(ship, spec.start_point, problem.legs[leg].load_point)
        m.add(v.load[leg] >= spec.ready_s + travel).only_enforce_if(first)
        arcs.append((node[leg], 0, arc(v, ship, leg, DEPOT)))
    for a in legs:
        here = problem.legs[a].unload_point
        options = []
        for b in legs:
            if b == a or b in before[a]:
                continue
            t = problem.route_s(ship, here, problem.legs[b].load_point)
            if t < INF:
                options.append((t, b))
        options.sort()
        keep = {b for _, b in options[:k_nearest]} | {b for (x, b) in must if x == a}
        for t, b in options:
            if b not in keep:
                continue
            lit = arc(v, ship, a, b)
            arcs.append((node[a], node[b], lit))
            m.add(v.load[b] >= v.unload[a] + dock + t).only_enforce_if(lit)
    m.add_circuit(arcs)
    intervals = []
    for leg in legs:
        size = m.new_int_var(0, v.horizon, f"size{leg}_{ship}")
        m.add(size == v.unload[leg] + dock - v.load[leg]).only_enforce_if(v.on[(leg, ship)])
        intervals.append(
            m.new_optional_interval_var(
                v.load[leg], size, v.unload[leg] + dock, v.on[(leg, ship)], f"iv{leg}_{ship}"
            )
        )
    m.add_no_overlap(intervals)


def earliest_loads(v: Vars, problem: Problem, earliest: Sequence[int]) -> None:
    """Each leg loads no earlier than any ship could get there (``bounds.earliest_loads``):
    valid for every schedule, and what the relaxation otherwise only learns from arcs."""
    for i, t in enumerate(earliest):
        if t > 0:
            v.model.add(v.load[i] >= t)


def one_ship_each(v: Vars, free: dict[int, tuple[int, ...]]) -> None:
    for leg in sorted(free):
        v.model.add_exactly_one(v.on[(leg, s)] for s in free[leg])


def precedence(v: Vars, problem: Problem) -> None:
    """start(successor task) >= end(predecessor task) + lag, for every edge."""
    dock = problem.dock_s
    for j, spec in enumerate(problem.legs):
        for e in spec.edges_in:
            start = v.load[j] if e.succ_task == LOAD else v.unload[j]
            if e.pred_leg == OUTSIDE:
                v.model.add(start >= e.lag_s)
                continue
            end = v.load[e.pred_leg] if e.pred_task == LOAD else v.unload[e.pred_leg]
            v.model.add(start >= end + dock + e.lag_s)


def ancestors(problem: Problem) -> list[frozenset[int]]:
    """Per leg, every leg it transitively waits for."""
    out: list[frozenset[int]] = [frozenset()] * len(problem.legs)
    for i in problem.topo:
        acc: set[int] = set()
        for p in problem.legs[i].preds:
            acc.add(p)
            acc |= out[p]
        out[i] = frozenset(acc)
    return out
