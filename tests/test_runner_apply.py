"""``plancc apply``: a new plan takes over; work in flight carries over by task and leg id,
what no longer matches is liquidated by the next tick."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from runner.planview import PipelineSpec, TaskSpec
from tests.runner_world import HAULER, PIPE, RunnerWorld, mini, mini_plan


def _bought_and_aboard(world: RunnerWorld) -> int:
    for _ in range(5):
        world.tick(budget_s=1)
        store = world.store()
        ship = store.ships()[HAULER]
        if ship.cargo.get("IRON", 0) >= 20:
            return ship.cargo["IRON"]
    raise AssertionError("the ship never loaded")


def _current(world: RunnerWorld):  # the plan the mini world applied
    plan = world.store().active_plan()
    assert plan is not None
    return plan


def test_reapplying_the_same_plan_mid_flight_keeps_its_progress(tmp_path: Path) -> None:
    world = mini(tmp_path, quantity=20)
    aboard = _bought_and_aboard(world)
    changes = world.apply_view(_current(world))
    assert any(line.startswith("= leg leg in flight") for line in changes)
    assert world.store().tasks()["load"].done_units == aboard
    world.run_until_done()
    bought = sum(x.units for x in world.store().ledger() if x.kind == "PURCHASE")
    assert bought == 20  # nothing bought again
    assert world.store().pipeline_pnl()[0]["status"] == "COMPLETED"
    assert world.check() == []


def test_cargo_of_a_pipeline_the_new_plan_drops_is_liquidated(tmp_path: Path) -> None:
    world = mini(tmp_path, quantity=20)
    _bought_and_aboard(world)
    other = mini_plan(20, 100, 100)
    other = replace(
        other,
        plan_id="other",
        pipelines=(replace(other.pipelines[0], id="FOOD@BELT", product="FOOD"),),
        tasks=(),
        legs=(),
    )
    changes = world.apply_view(other)
    assert f"- pipeline {PIPE} dropped: its cargo in flight will be liquidated" in changes
    world.run_until_done()
    store = world.store()
    dropped = next(p for p in store.pipeline_pnl() if p["id"] == PIPE)
    assert dropped["status"] == "FAILED" and dropped["reason"] == "dropped by the new plan"
    liqs = store.liquidations()
    assert liqs and all(q.status == "DONE" for q in liqs)
    assert world.check() == []


def test_apply_dry_run_changes_nothing(tmp_path: Path) -> None:
    world = mini(tmp_path, quantity=20)
    before = world.store().active_plan()
    bigger = mini_plan(40, 100, 200)
    bigger = replace(
        bigger,
        plan_id="bigger",
        pipelines=(PipelineSpec("GOLD@BELT", "GOLD", "X1-T-B1", 1, 1, 2),),
        tasks=(TaskSpec("x", "ACQUIRE", "GOLD@BELT", "GOLD", 1, "X1-T-A1", 1),),
        legs=(),
    )
    changes = world.apply_view(bigger, dry_run=True)
    assert "+ pipeline GOLD@BELT: 1 GOLD, expected profit 1 cr" in changes
    assert world.store().active_plan() == before
