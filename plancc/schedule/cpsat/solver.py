"""Build the model for a window, hint it, solve it deterministically, read back the sequences.

Determinism (measured in issue 10): one worker, a deterministic time limit per solve and a seed;
wall time is only a guard (``max_time_in_seconds``) that returns the best found so far. Presolve
probing is off: default probing took 2.4 of 2.7 s of presolve on 55 legs.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import ortools
from ortools.sat.python import cp_model

from plancc.schedule.bounds import earliest_loads
from plancc.schedule.cpsat import constraints
from plancc.schedule.cpsat.objective import minimise
from plancc.schedule.cpsat.variables import DEPOT, make_vars
from plancc.schedule.objective import Target
from plancc.schedule.problem import Problem
from plancc.schedule.sequence import Seqs, Timed

SOLVER_VERSION = f"ortools {ortools.__version__}"  # type: ignore[attr-defined]
# Fixed parameters (the plan records them with the per-solve deterministic limit and seed).
PARAMETERS: dict[str, object] = {"num_workers": 1, "cp_model_probing_level": 0}


@dataclass(frozen=True)
class SubSolve:
    status: str  # CP-SAT's: OPTIMAL, FEASIBLE, INFEASIBLE, MODEL_INVALID, UNKNOWN
    seqs: Seqs | None  # None: no solution
    primary_bound: int  # proven lower bound on the target's primary term (within the window)
    primary: int  # the model's primary value of its solution (-1: none)


def solve_window(
    problem: Problem,
    target: Target,
    current: Timed,
    window: Sequence[int],
    allowed: Sequence[Sequence[int]],
    *,
    horizon: int,
    k_nearest: int,
    det_time: float,
    wall_guard: float,
    seed: int,
    state_earliest_loads: bool = False,
) -> SubSolve:
    """Free the legs of the ``window`` ships (every other ship keeps its sequence), hint the
    current solution, and solve. The returned sequences cover every ship. ``allowed``: per leg
    the ships it may fly on. ``state_earliest_loads``: add each leg's earliest possible load
    (``plancc.schedule.bounds.earliest_loads``). Valid for every schedule, it is what lets the
    proof step close its bound. The exact step and the windows leave it out: in the exact step
    it sent the example plan's search elsewhere, to a plan 1.7% worse."""
    win = sorted(set(window))
    ships_of: dict[int, set[int]] = {k: set() for k in win}
    free: dict[int, tuple[int, ...]] = {}
    for k in win:
        for leg in current.seqs[k]:
            free[leg] = tuple(s for s in allowed[leg] if s in ships_of)
    for leg, on_ships in free.items():
        for s in on_ships:
            ships_of[s].add(leg)
    v = make_vars(problem, horizon, free)
    before = constraints.ancestors(problem)
    for k, seq in enumerate(current.seqs):
        if k not in ships_of:
            constraints.fixed_sequence(v, problem, k, seq)
    for k in win:
        seq = current.seqs[k]
        must = set(itertools.pairwise(seq))
        constraints.circuit(v, problem, k, sorted(ships_of[k]), k_nearest, must, before)
    if state_earliest_loads:
        constraints.earliest_loads(v, problem, earliest_loads(problem))
    constraints.one_ship_each(v, free)
    constraints.precedence(v, problem)
    factor = minimise(v, problem, target, free)
    _hint(v, current, win)

    solver = cp_model.CpSolver()
    prm = solver.parameters
    prm.num_workers = 1
    prm.cp_model_probing_level = 0
    prm.random_seed = seed
    prm.max_deterministic_time = det_time
    prm.max_time_in_seconds = wall_guard
    prm.log_search_progress = bool(__import__("os").environ.get("PLANCC_CPSAT_LOG"))
    code = solver.solve(v.model)
    status = solver.status_name(code)
    bound = int(solver.best_objective_bound) // factor if status in ("OPTIMAL", "FEASIBLE") else 0
    if status not in ("OPTIMAL", "FEASIBLE"):
        return SubSolve(status, None, 0, -1)
    seqs = list(current.seqs)
    for k in win:
        seqs[k] = _follow(solver, v, k, ships_of[k])
    return SubSolve(status, tuple(seqs), bound, int(solver.objective_value) // factor)


def _hint(v, current: Timed, win: list[int]) -> None:  # type: ignore[no-untyped-def]
    m = v.model
    for i, (_, pl) in enumerate(current.placements):
        m.add_hint(v.load[i], pl.load_s)
        m.add_hint(v.unload[i], pl.unload_s)
    for (leg, s), lit in v.on.items():
        m.add_hint(lit, current.placements[leg][0] == s)
    used: set[tuple[int, int, int]] = set()
    for k in win:
        seq = current.seqs[k]
        path = [DEPOT, *seq, DEPOT]
        used |= {(k, a, b) for a, b in itertools.pairwise(path)}
        if k in v.unused:
            m.add_hint(v.unused[k], not seq)
    for key, lit in v.arcs.items():
        m.add_hint(lit, key in used and not (key[1] == DEPOT and key[2] == DEPOT))


def _follow(solver: cp_model.CpSolver, v, ship: int, legs: set[int]) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    nxt = {a: b for (s, a, b), lit in v.arcs.items() if s == ship and solver.boolean_value(lit)}
    out: list[int] = []
    at = nxt.get(DEPOT, DEPOT)
    while at != DEPOT and len(out) <= len(legs):
        out.append(at)
        at = nxt.get(at, DEPOT)
    return tuple(out)
