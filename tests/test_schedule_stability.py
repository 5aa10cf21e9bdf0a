"""Recompiling with the previous plan as hint gives a small diff (table-driven).

Each case: an old instance, a changed one; the old plan (optimised) is the hint of the new
compile. Of the legs both share, at most ``most_moved`` may change ship; the hinted plan moves no
more of them than a fresh compile does; legs the old plan starts within the freeze window keep
their ship.
"""

from __future__ import annotations

import dataclasses

import pytest

from bench.bench_schedule import Instance, generate
from plancc.model import Objective, Plan, Policy, Provenance, Ship
from plancc.schedule import schedule_with_info
from plancc.schedule.optimise import FREEZE_S

POLICY = Policy()
BASE = generate(11, pipelines=7, ships=6, lots=3)


def only(inst: Instance, pipelines: set[str], ships: tuple[Ship, ...] | None = None) -> Instance:
    legs = tuple(lg for lg in inst.legs if lg.pipeline in pipelines)
    tasks = tuple(t for t in inst.tasks if t.pipeline in pipelines)
    return dataclasses.replace(inst, legs=legs, tasks=tasks, ships=ships or inst.ships)


def compile_(inst: Instance, hint: Plan | None = None):
    result, _ = schedule_with_info(
        inst.tasks,
        inst.legs,
        inst.ships,
        inst.waypoints,
        POLICY,
        method="cpsat",
        hint=hint,
        time_limit_s=3.0,
    )
    return result


def as_plan(result) -> Plan:
    return Plan(
        1,
        Provenance("0", _epoch(), "X1", {}),
        Objective("cpsat", result.status, result.makespan_s, result.bound_s, 0.0, 0, 0),
        (),
        (),
        (),
        result.ships,
    )


def _epoch():
    from test_schedule import EPOCH

    return EPOCH


def ships_of(result) -> dict[str, str]:
    return {sl.leg: sp.ship for sp in result.ships for sl in sp.legs}


def starts_of(result) -> dict[str, int]:
    return {sl.leg: sl.start_s for sp in result.ships for sl in sp.legs}


OLD = {f"P{i}" for i in range(6)}
NEW_SHIP = Ship("HAULER-99", "HAULER", "F", 30, 80, (), 1200, 1200, "X1-W03", "X1", "DOCKED")

CASES = {
    # name: (old instance, new instance, most legs moved (fraction of the shared legs))
    "drop one pipeline, add one": (only(BASE, OLD), only(BASE, OLD - {"P0"} | {"P6"}), 0.25),
    "drop one pipeline": (only(BASE, OLD), only(BASE, OLD - {"P2"}), 0.25),
    "a ship joins": (only(BASE, OLD), only(BASE, OLD, (*BASE.ships, NEW_SHIP)), 0.25),
    "nothing changes": (only(BASE, OLD), only(BASE, OLD), 0.0),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_recompile_with_the_old_plan_as_hint_moves_few_legs(case):
    old_inst, new_inst, most_moved = CASES[case]
    old = compile_(old_inst)
    hinted = compile_(new_inst, as_plan(old))
    fresh = compile_(new_inst)
    before, after, unhinted = ships_of(old), ships_of(hinted), ships_of(fresh)
    shared = sorted(set(before) & set(after))
    moved = [leg for leg in shared if before[leg] != after[leg]]
    assert len(moved) <= most_moved * len(shared), moved
    assert len(moved) <= len([leg for leg in shared if before[leg] != unhinted[leg]])
    starts = starts_of(old)
    assert all(before[leg] == after[leg] for leg in shared if starts[leg] < FREEZE_S)
