"""A hand-edited plan is checked for consistency, each problem located at file:line:col."""

from __future__ import annotations

import dataclasses

import pytest
from plan_builder import leg_id, make_plan, with_times

from plancc.errors import InputError
from plancc.model import Plan
from plancc.planfile import dump_plan, parse_plan

BASE = make_plan()


def _problem(plan: Plan | str) -> str:
    text = plan if isinstance(plan, str) else dump_plan(plan)
    with pytest.raises(InputError) as exc:
        parse_plan(text, "p.yaml")
    return str(exc.value)


def _line_of(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_two_legs_on_one_ship_that_overlap_are_refused():
    overlapping = make_plan(times=with_times(BASE, "/leg/IRON", "SHIP-3", 90, 695))
    problem = _problem(overlapping)
    assert problem.startswith("p.yaml:")
    assert ".start_s: leg " in problem and "on the same ship ends (695s)" in problem


def test_a_leg_whose_good_differs_from_its_tasks_is_refused():
    lid = leg_id(BASE, "/leg/IRON")
    legs = tuple(dataclasses.replace(x, good="COPPER") if x.id == lid else x for x in BASE.legs)
    text = dump_plan(dataclasses.replace(BASE, legs=legs))
    problem = _problem(text)
    assert problem.startswith(f"p.yaml:{_line_of(text, 'good: COPPER')}:")
    assert "leg carries 'COPPER' but its load task" in problem


def test_a_leg_whose_quantity_differs_from_its_tasks_is_refused():
    lid = leg_id(BASE, "/leg/IRON")
    legs = tuple(dataclasses.replace(x, quantity=999) if x.id == lid else x for x in BASE.legs)
    text = dump_plan(dataclasses.replace(BASE, legs=legs))
    problem = _problem(text)
    assert problem.startswith(f"p.yaml:{_line_of(text, 'quantity: 999')}:")
    assert "leg carries 999 units but its load task" in problem


def test_pinned_naming_an_unknown_task_is_refused():
    ships = (dataclasses.replace(BASE.ships[0], pinned="NO/SUCH/TASK"), *BASE.ships[1:])
    text = dump_plan(dataclasses.replace(BASE, ships=ships))
    problem = _problem(text)
    assert problem == (
        f"p.yaml:{_line_of(text, 'pinned: NO/SUCH/TASK')}:11: ships[0].pinned: "
        "pinned to unknown task 'NO/SUCH/TASK'"
    )


@pytest.mark.parametrize("figure", ["gap", "profit_per_hour"])
def test_a_nan_objective_figure_is_refused(figure: str):
    text = dump_plan(BASE)
    line = next(x for x in text.splitlines() if x.startswith(f"  {figure}: "))
    text = text.replace(line, f"  {figure}: .nan")
    problem = _problem(text)
    assert problem.startswith(f"p.yaml:{_line_of(text, f'{figure}: .nan')}:")
    assert f"objective.{figure}: must be a finite number, got nan" in problem
