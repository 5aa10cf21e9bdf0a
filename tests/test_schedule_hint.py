"""With --hint (the plan now running) the list scheduler moves a leg only when it pays."""

from __future__ import annotations

import dataclasses

from test_schedule import EPOCH, build, by_leg, leg, ship, wp

from plancc.model import Objective, Plan, Policy, Provenance, ScheduledLeg, ShipPlan
from plancc.schedule import schedule

A, B, C, FAR = wp("A", 0, 0), wp("B", 30, 40), wp("C", 30, 0), wp("FAR", 400, 0)
WAYPOINTS = [A, B, C, FAR]


def hint_plan(assignment: dict[str, str]) -> Plan:
    """A previous plan that put each named leg on the named ship (times do not matter)."""
    ships = sorted(set(assignment.values()))
    return Plan(
        format_version=1,
        provenance=Provenance("0", EPOCH, "X1", {}),
        objective=Objective("list", "HEURISTIC", 0, 0, 0.0, 0, 0),
        pipelines=(),
        tasks=(),
        legs=(),
        ships=tuple(
            ShipPlan(
                s,
                tuple(
                    ScheduledLeg(lg, s, 0, 0, 0, 0)
                    for lg, on in sorted(assignment.items())
                    if on == s
                ),
            )
            for s in ships
        ),
    )


def assignment(result) -> dict[str, str]:
    return {name: sl.ship for name, sl in by_leg(result).items()}


def test_equal_ships_keep_the_legs_the_hint_gave_them():
    tasks, legs = build(leg("L1", "B", "C"), leg("L2", "B", "C"))
    fleet = [ship("S1", "A"), ship("S2", "A")]
    fresh = assignment(schedule(tasks, legs, fleet, WAYPOINTS, Policy(), epoch=EPOCH))
    swapped = {"L1": fresh["L2"], "L2": fresh["L1"]}
    hinted = schedule(tasks, legs, fleet, WAYPOINTS, Policy(), epoch=EPOCH, hint=hint_plan(swapped))
    assert assignment(hinted) == swapped


def test_a_leg_moves_off_its_hinted_ship_when_that_saves_more_than_the_penalty():
    tasks, legs = build(leg("L1", "B", "C"))
    fleet = [ship("NEAR", "A"), ship("AWAY", "FAR")]  # AWAY needs ~1000 s more to reach B
    hinted = schedule(
        tasks,
        legs,
        fleet,
        WAYPOINTS,
        Policy(move_penalty_s=120),
        epoch=EPOCH,
        hint=hint_plan({"L1": "AWAY"}),
    )
    assert assignment(hinted) == {"L1": "NEAR"}


def test_a_large_penalty_keeps_even_a_slower_hinted_ship():
    tasks, legs = build(leg("L1", "B", "C"))
    fleet = [ship("NEAR", "A"), ship("AWAY", "FAR")]
    policy = dataclasses.replace(Policy(), move_penalty_s=100_000)
    hinted = schedule(
        tasks, legs, fleet, WAYPOINTS, policy, epoch=EPOCH, hint=hint_plan({"L1": "AWAY"})
    )
    assert assignment(hinted) == {"L1": "AWAY"}


def test_greedy_baseline_ignores_the_hint():
    tasks, legs = build(leg("L1", "B", "C"))
    fleet = [ship("NEAR", "A"), ship("AWAY", "FAR")]
    policy = dataclasses.replace(Policy(), move_penalty_s=100_000)
    plain = schedule(tasks, legs, fleet, WAYPOINTS, policy, method="greedy", epoch=EPOCH)
    hinted = schedule(
        tasks,
        legs,
        fleet,
        WAYPOINTS,
        policy,
        method="greedy",
        epoch=EPOCH,
        hint=hint_plan({"L1": "AWAY"}),
    )
    assert assignment(hinted) == assignment(plain)
