"""The model's variables: per leg its load and unload start times; per free leg and allowed
ship a presence literal; per window ship the arcs of its circuit."""

from __future__ import annotations

from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from plancc.schedule.problem import Problem

DEPOT = -1  # circuit node of a ship's start (and end)


@dataclass
class Vars:
    model: cp_model.CpModel
    horizon: int
    load: list[cp_model.IntVar]
    unload: list[cp_model.IntVar]
    on: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)  # (leg, ship)
    arcs: dict[tuple[int, int, int], cp_model.IntVar] = field(default_factory=dict)  # (ship, a, b)
    unused: dict[int, cp_model.IntVar] = field(default_factory=dict)  # ship -> empty circuit
    fixed_ship: dict[int, int] = field(default_factory=dict)  # leg outside the window -> ship


def make_vars(problem: Problem, horizon: int, free: dict[int, tuple[int, ...]]) -> Vars:
    """``free``: free leg -> the window ships allowed to fly it."""
    m = cp_model.CpModel()
    n = len(problem.legs)
    v = Vars(
        m,
        horizon,
        [m.new_int_var(0, horizon, f"load{i}") for i in range(n)],
        [m.new_int_var(0, horizon, f"unload{i}") for i in range(n)],
    )
    for leg in sorted(free):
        for s in free[leg]:
            v.on[(leg, s)] = m.new_bool_var(f"on{leg}_{s}")
    return v


def arc(v: Vars, ship: int, a: int, b: int) -> cp_model.IntVar:
    key = (ship, a, b)
    if key not in v.arcs:
        v.arcs[key] = v.model.new_bool_var(f"arc{ship}_{a}_{b}")
    return v.arcs[key]
