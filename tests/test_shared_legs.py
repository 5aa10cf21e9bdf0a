"""Goods bought at one market for one destination share a leg (issue 8: "one leg may carry
several goods that share its route"): the compiler puts them on one flight while they fit
the hold, and the scheduler times that flight once for all of them."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from plancc.model import ChainNode, Pipeline, Policy, Ship, Task, Waypoint
from plancc.pipeline import build_tasks, visit_depth
from plancc.schedule import schedule, verify
from plancc.schedule.objective import target
from plancc.schedule.problem import build_problem

POLICY = Policy(production_lag_s=600, flight_mode="CRUISE", leg_share_window_s=900)
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
WAYPOINTS = tuple(
    Waypoint(s, "X1", "PLANET", x, y, ("MARKETPLACE",))
    for s, x, y in (("X1-M", 0, 0), ("X1-F", 300, 0), ("X1-S", 300, 200))
)


def leaf(good: str, qty: int) -> ChainNode:
    return ChainNode(good, "BUY", "X1-M", qty, 100, unload_price=150)


def widgets(qty: int = 15, pid: str = "WIDGETS@X1-S") -> Pipeline:
    """WIDGETS made at F from COPPER and IRON, both bought at M; sold at S."""
    root = ChainNode(
        "WIDGETS", "MANUFACTURE", "X1-F", qty, 500, (leaf("COPPER", qty), leaf("IRON", qty)),
        unload_price=900,
    )  # fmt: skip
    return Pipeline(pid, "WIDGETS", "X1-S", qty, root, 3000, 13500, 100)


def traded(good: str, qty: int, batch: int = 1) -> Pipeline:
    """``good`` bought at M and sold at S as it is (an adaptive root), batch ``batch``."""
    pid = f"{good}@X1-S" + (f"+{batch}" if batch > 1 else "")
    root = ChainNode(good, "BUY", "X1-M", qty, 100, unload_price=200)
    return Pipeline(pid, good, "X1-S", qty, root, 100 * qty, 200 * qty, 50)


def hauler(cargo: int = 40) -> Ship:
    return Ship(
        "S-1", "HAULER", "FRAME", 10, cargo, (), 400, 400, "X1-M", "X1", "DOCKED", "CRUISE", None
    )  # type: ignore[arg-type]


def test_two_inputs_bought_at_one_market_for_one_factory_fly_on_one_leg() -> None:
    _, legs = build_tasks([widgets()], POLICY, 40)
    (shared,) = [leg for leg in legs if leg.also]
    assert [g.good for g in shared.parts] == ["COPPER", "IRON"]
    assert shared.units == 30 and len(legs) == 2  # the shared delivery leg and the collect


def test_goods_that_do_not_fit_the_hold_together_fly_alone() -> None:
    _, legs = build_tasks([widgets(qty=15)], POLICY, 20)
    assert not any(leg.also for leg in legs) and len(legs) == 3


def test_a_zero_window_keeps_one_good_per_leg() -> None:
    _, legs = build_tasks([widgets()], replace(POLICY, leg_share_window_s=0), 40)
    assert not any(leg.also for leg in legs)


def test_batches_planned_far_apart_do_not_share() -> None:
    pipes = [traded("COPPER", 5), traded("IRON", 5)]
    starts = {pipes[0].id: 0.0, pipes[1].id: 3600.0}
    _, legs = build_tasks(pipes, POLICY, 40, starts=starts)
    assert not any(leg.also for leg in legs)
    _, near = build_tasks(pipes, POLICY, 40, starts={p.id: 0.0 for p in pipes})
    assert [len(leg.parts) for leg in near] == [2]


def test_one_good_is_never_carried_twice_on_a_leg() -> None:
    pipes = [traded("COPPER", 5), traded("COPPER", 5, batch=2)]
    _, legs = build_tasks(pipes, POLICY, 40)
    assert not any(leg.also for leg in legs)


def test_repeat_visits_share_only_with_visits_as_deep_so_the_legs_have_no_cycle() -> None:
    """COPPER's and IRON's first visits do not fit together; their second visits do. A second
    visit never joins a first one (it waits for the first visit of its own good)."""
    pipes = [traded("COPPER", 30), traded("IRON", 30), traded("COPPER", 5, 2), traded("IRON", 5, 2)]
    starts = {p.id: 0.0 if i < 2 else 600.0 for i, p in enumerate(pipes)}
    tasks, legs = build_tasks(pipes, POLICY, 40, starts=starts)
    depth = visit_depth(tasks)
    for leg in legs:
        assert len({depth[g.load] for g in leg.parts}) == 1
    assert sorted(len(leg.parts) for leg in legs) == [1, 1, 2]
    build_problem(tasks, legs, [hauler()], WAYPOINTS, POLICY)  # raises on a cycle


def test_a_shared_leg_fills_the_hold_with_all_its_goods() -> None:
    tasks, legs = build_tasks([widgets()], POLICY, 40)
    problem = build_problem(tasks, legs, [hauler(cargo=20)], WAYPOINTS, POLICY)
    shared = next(i for i, leg in enumerate(legs) if leg.also)
    assert problem.legs[shared].quantity == 30
    result = schedule(tasks, legs, [hauler(cargo=20)], WAYPOINTS, POLICY, epoch=EPOCH)
    assert legs[shared].id in {u.leg for u in result.unscheduled}  # 30 units, a 20-unit hold


def test_the_collect_waits_for_every_good_the_shared_leg_delivers() -> None:
    tasks, legs = build_tasks([widgets()], POLICY, 40)
    problem = build_problem(tasks, legs, [hauler()], WAYPOINTS, POLICY)
    shared = next(i for i, leg in enumerate(legs) if leg.also)
    collect = next(i for i, leg in enumerate(legs) if not leg.also)
    waits_for = {
        (e.pred_leg, e.lag_s) for e in problem.legs[collect].edges_in if e.pred_leg != collect
    }
    assert waits_for == {(shared, POLICY.production_lag_s)}


def test_sharing_flies_the_plan_sooner_on_one_ship() -> None:
    def makespan(policy: Policy) -> int:
        tasks, legs = build_tasks([widgets()], policy, 40)
        result = schedule(tasks, legs, [hauler()], WAYPOINTS, policy, epoch=EPOCH)
        assert verify(tasks, legs, result, [hauler()], WAYPOINTS, policy, epoch=EPOCH) == []
        return result.makespan_s

    assert makespan(POLICY) < makespan(replace(POLICY, leg_share_window_s=0))


def test_a_leg_shared_by_two_pipelines_counts_for_the_completion_of_both() -> None:
    pipes = [traded("COPPER", 5), traded("IRON", 5)]
    tasks, legs = build_tasks(pipes, POLICY, 40)
    (leg,) = legs
    t = target("profit_weighted_completion", legs, tasks, {p.id: 100 for p in pipes})
    assert [group for _, group in t.groups] == [(0,), (0,)]
    assert {tasks_of(tasks, g.unload).pipeline for g in leg.parts} == {p.id for p in pipes}


def tasks_of(tasks: tuple[Task, ...], task_id: str) -> Task:
    return next(t for t in tasks if t.id == task_id)
