"""Shaping a new plan around work in flight: clashes dropped, the most profitable kept, legs
of started pipelines first on their ships."""

from __future__ import annotations

from dataclasses import replace

from runner.planview import LegSpec, PipelineSpec, PlanView, TaskSpec, _with_id


def view(*pipes: tuple[str, str, str, int, str]) -> PlanView:
    """(id, product, sell market, profit, ship) per pipeline; one COLLECT+SELL leg each."""
    pipelines, tasks, legs = [], [], []
    for pid, product, market, profit, ship in pipes:
        pipelines.append(PipelineSpec(pid, product, market, 10, 1000, 1000 + profit))
        c, s = f"{pid}/collect", f"{pid}/sell"
        tasks += [
            TaskSpec(c, "COLLECT", pid, product, 10, f"F-{product}", 100),
            TaskSpec(s, "SELL", pid, product, 10, market, 200, (c,)),
        ]
        legs.append(LegSpec(f"{pid}/leg", pid, ship, 0, c, s, product, 10))
    return _with_id(
        system="X1",
        snapshot_time="t",
        pipelines=tuple(pipelines),
        tasks=tuple(tasks),
        legs=tuple(legs),
    )


def test_fresh_only_drops_what_clashes_with_started_work_and_keeps_the_best() -> None:
    from plancc.loop.merge import fresh_only

    active = view(("A@M1", "A", "M1", 500, "S-1"))
    candidate = view(
        ("A@M1", "A", "M1", 900, "S-2"),  # the same pipeline again
        ("B@M2", "B", "M2", 300, "S-3"),
        ("C@M3", "C", "M3", 700, "S-4"),
        ("D@M4", "D", "M4", 100, "S-5"),
    )
    fresh = fresh_only(active, {"A@M1"}, candidate, limit=2)
    assert [p.id for p in fresh.pipelines] == ["B@M2", "C@M3"]
    assert {leg.pipeline for leg in fresh.legs} == {"B@M2", "C@M3"}


def test_pinned_keeps_started_pipelines_with_their_legs_first() -> None:
    from plancc.loop.merge import pinned

    active = view(("A@M1", "A", "M1", 500, "S-1"))
    candidate = view(("B@M2", "B", "M2", 300, "S-1"))
    merged = pinned(active, {"A@M1"}, candidate)
    assert [p.id for p in merged.pipelines] == ["A@M1", "B@M2"]
    order = [leg.pipeline for leg in sorted(merged.legs, key=lambda g: g.seq) if leg.ship == "S-1"]
    assert order == ["A@M1", "B@M2"]


def test_apart_from_renames_pipelines_whose_id_an_ended_one_used_with_their_tasks_and_legs() -> (
    None
):
    from plancc.loop.merge import apart_from

    candidate = view(("A@M1", "A", "M1", 500, "S-1"), ("B@M2", "B", "M2", 300, "S-2"))
    out = apart_from(candidate, {"A@M1", "Z@M9"}, "7")
    assert [p.id for p in out.pipelines] == ["A@M1~7", "B@M2"]
    sell = out.task("A@M1~7/sell")
    assert sell.pipeline == "A@M1~7" and sell.depends_on == ("A@M1~7/collect",)
    leg = next(g for g in out.legs if g.ship == "S-1")
    assert (leg.id, leg.pipeline, leg.load, leg.unload) == (
        "A@M1~7/leg",
        "A@M1~7",
        "A@M1~7/collect",
        "A@M1~7/sell",
    )
    assert out.plan_id != candidate.plan_id


def test_apart_from_never_reuses_a_taken_name() -> None:
    from plancc.loop.merge import apart_from

    candidate = view(("A@M1", "A", "M1", 500, "S-1"))
    out = apart_from(candidate, {"A@M1", "A@M1~7"}, "7")
    assert [p.id for p in out.pipelines] == ["A@M1~7.2"]


def test_a_factory_a_started_pipeline_only_sells_to_still_takes_new_collects() -> None:
    from plancc.loop.merge import fresh_only

    active = view(("A@F-B", "A", "F-B", 500, "S-1"))  # sells A at the factory that makes B
    candidate = view(("B@M2", "B", "M2", 300, "S-2"))  # collects B at F-B
    assert [p.id for p in fresh_only(active, {"A@F-B"}, candidate, 5).pipelines] == ["B@M2"]


def test_a_factory_a_started_pipeline_collects_from_takes_no_second_collect_of_that_good() -> None:
    from plancc.loop.merge import fresh_only

    active = view(("A@M1", "A", "M1", 500, "S-1"))  # collects A at F-A
    candidate = view(("A@M3", "A", "M3", 900, "S-2"), ("B@M2", "B", "M2", 300, "S-3"))
    assert [p.id for p in fresh_only(active, {"A@M1"}, candidate, 5).pipelines] == ["B@M2"]


def test_a_collect_waiting_on_its_factory_goes_after_the_new_work_on_its_ship() -> None:
    from plancc.loop.merge import pinned

    active = view(("A@M1", "A", "M1", 500, "S-1"))
    candidate = view(("B@M2", "B", "M2", 300, "S-1"))
    merged = pinned(active, {"A@M1"}, candidate, waiting={"A@M1/leg"})
    assert [p.id for p in merged.pipelines] == ["A@M1", "B@M2"]
    order = [leg.pipeline for leg in sorted(merged.legs, key=lambda g: g.seq) if leg.ship == "S-1"]
    assert order == ["B@M2", "A@M1"]


def test_deferred_moves_a_waiting_collect_behind_the_legs_queued_after_it() -> None:
    from plancc.loop.merge import deferred

    active = view(
        ("A@M1", "A", "M1", 500, "S-1"),
        ("B@M2", "B", "M2", 300, "S-1"),
        ("C@M3", "C", "M3", 300, "S-1"),
    )
    legs = tuple(replace(leg, seq=i) for i, leg in enumerate(active.legs))
    active = replace(active, legs=legs)
    moved = deferred(active, {"A@M1/leg"})
    order = [leg.pipeline for leg in sorted(moved.legs, key=lambda g: g.seq)]
    assert order == ["B@M2", "C@M3", "A@M1"]
    assert moved.plan_id != active.plan_id


def test_deferred_leaves_a_plan_alone_when_the_waiting_collect_is_already_last() -> None:
    from plancc.loop.merge import deferred

    active = view(("A@M1", "A", "M1", 500, "S-1"), ("B@M2", "B", "M2", 300, "S-2"))
    assert deferred(active, {"A@M1/leg"}) is active
