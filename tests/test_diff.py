"""plancc.diff: old plan + one changed input -> the expected small diff (pip-tools' habit)."""

from __future__ import annotations

import dataclasses
import json
import os
from datetime import timedelta
from pathlib import Path

import pytest
from plan_builder import FM, LR, leg_id, make_plan, with_times

from plancc.diff import PlanDiff, diff_plans
from plancc.model import LegGood, Plan
from plancc.render.diff import (
    DIFF_FORMAT_VERSION,
    render_diff_html,
    render_json,
    render_text,
    summary_line,
)
from plancc.render.fmt import fmt_credits, fmt_duration

BASE = make_plan()
DIAMOND_LEG = leg_id(BASE, "/leg/DIAMONDS")
RIFLE_LEG = leg_id(BASE, "/leg/LASER_RIFLES")
FAB_LEG = leg_id(BASE, "/leg/FAB_MATS")
IRON_LEG = leg_id(BASE, "/leg/IRON")


def _items(d: PlanDiff) -> set[tuple[str, str, str, str]]:
    return {(c.kind, c.op, c.id, c.cause) for c in d.items}


def _retask(plan: Plan, fragment: str, **changes: object) -> Plan:
    """The plan with one task (id containing ``fragment``) changed."""
    tasks = tuple(
        dataclasses.replace(t, **changes) if fragment in t.id else t  # type: ignore[arg-type]
        for t in plan.tasks
    )
    return dataclasses.replace(plan, tasks=tasks)


# (case name, new plan, expected (kind, op, id, cause) items, a fragment of the summary line)
CASES = [
    (
        "diamonds bought elsewhere",
        make_plan(diamond_market="B9"),
        {
            ("pipeline", "~", LR, "direct"),
            ("task", "-", f"{LR}/acquire/DIAMONDS@X1-AD75-B7#1", "direct"),
            ("task", "+", f"{LR}/acquire/DIAMONDS@X1-AD75-B9#1", "direct"),
            ("task", "~", f"{LR}/deliver/DIAMONDS@X1-AD75-F1#1", "direct"),
            ("leg", "~", DIAMOND_LEG, "direct"),
        },
        "1 pipeline changed",
    ),
    (
        "fab pipeline dropped",
        make_plan(with_fab=False),
        {("pipeline", "-", FM, "direct")}
        | {("task", "-", t.id, "direct") for t in BASE.tasks if t.pipeline == FM}
        | {("leg", "-", leg.id, "direct") for leg in BASE.legs if leg.pipeline == FM},
        "1 pipeline removed",
    ),
    (
        "one leg moved to another ship",
        make_plan(times=with_times(BASE, "/leg/FAB_MATS", "SHIP-2", 605, 2400)),
        {("leg", "~", FAB_LEG, "indirect")},
        "1 leg moved",
    ),
    (
        "one leg re-timed on its ship",
        make_plan(times=with_times(BASE, "/leg/IRON", "SHIP-3", 120, 725)),
        {("leg", "~", IRON_LEG, "indirect")},
        "1 leg re-timed",
    ),
    (
        "fresh snapshot, same plan",
        make_plan(snapshot_hash="sha256:" + "2" * 64),
        set(),
        "1 input changed",
    ),
    (
        "better schedule only",
        make_plan(makespan_s=1800),
        set(),
        "+55k cr/h",
    ),
]


@pytest.mark.parametrize(("name", "new", "expected", "summary"), CASES, ids=[c[0] for c in CASES])
def test_changed_input_gives_the_expected_items(name, new, expected, summary):
    d = diff_plans(BASE, new)
    assert _items(d) == expected
    assert summary in summary_line(d)
    assert d.changed


def test_identical_plans_print_no_changes():
    d = diff_plans(BASE, make_plan())
    assert not d.changed
    assert render_text(d).strip() == "No changes"


def test_items_are_matched_by_id_not_by_position():
    shuffled = dataclasses.replace(
        BASE,
        pipelines=BASE.pipelines[::-1],
        tasks=BASE.tasks[::-1],
        legs=BASE.legs[::-1],
        ships=BASE.ships[::-1],
    )
    assert not diff_plans(BASE, shuffled).changed


def test_quantity_change_marks_pipeline_tasks_and_legs_direct():
    d = diff_plans(BASE, make_plan(laser_qty=30))
    (p,) = d.pipelines
    assert p.id == LR and "quantity" in p.what
    assert {c.cause for c in d.tasks} == {"direct"}
    assert {c.id for c in d.tasks} == {t.id for t in BASE.tasks if t.pipeline == LR}
    assert {c.id for c in d.legs} == {leg.id for leg in BASE.legs if leg.pipeline == LR}
    assert all(c.cause == "direct" and "content" in c.what for c in d.legs)


def test_moved_leg_whose_task_changed_is_direct():
    moved = make_plan(times=with_times(BASE, "/leg/IRON", "SHIP-2", 0, 605))
    new = _retask(moved, "/acquire/IRON@", unit_price=120)
    (leg,) = [c for c in diff_plans(BASE, new).legs if c.id == IRON_LEG]
    assert leg.cause == "direct"
    assert leg.moved


def test_retimed_leg_downstream_of_a_changed_task_names_it_as_the_reason():
    retimed = make_plan(times=with_times(BASE, "/leg/LASER_RIFLES", "SHIP-1", 900, 2000))
    new = _retask(retimed, "/acquire/ALUMINUM@", unit_price=260)
    (leg,) = [c for c in diff_plans(BASE, new).legs if c.id == RIFLE_LEG]
    assert leg.cause == "indirect"
    assert "acquire/ALUMINUM" in leg.reason


def test_moved_leg_next_to_a_changed_leg_on_its_ship_names_that_leg():
    moved = make_plan(times=with_times(BASE, "/leg/ALUMINUM", "SHIP-3", 0, 505))
    new = _retask(moved, "/acquire/IRON@", unit_price=120)
    (leg,) = [c for c in diff_plans(BASE, new).legs if c.id == leg_id(BASE, "/leg/ALUMINUM")]
    assert leg.cause == "indirect"
    assert IRON_LEG in leg.reason


@pytest.mark.parametrize(("shift", "reported"), [(59, False), (60, False), (61, True)])
def test_time_shifts_are_reported_only_above_the_threshold(shift, reported):
    new = make_plan(times=with_times(BASE, "/leg/IRON", "SHIP-3", shift, 605 + shift))
    d = diff_plans(BASE, new, time_threshold_s=60)
    assert bool(d.legs) is reported
    assert d.hidden_time_shifts == (0 if reported else 1)


def test_a_larger_threshold_hides_a_shift():
    new = make_plan(times=with_times(BASE, "/leg/IRON", "SHIP-3", 300, 905))
    assert diff_plans(BASE, new, time_threshold_s=60).legs
    assert not diff_plans(BASE, new, time_threshold_s=300).legs


def test_hidden_time_shifts_are_mentioned_in_the_text():
    new = make_plan(times=with_times(BASE, "/leg/IRON", "SHIP-3", 30, 635))
    text = render_text(diff_plans(BASE, new))
    assert text.startswith("No changes")
    assert "1 time shift of at most 60s not shown" in text


def test_snapshot_time_shift_is_measured():
    new = make_plan(snapshot_time=BASE.provenance.snapshot_time + timedelta(hours=1, minutes=12))
    d = diff_plans(BASE, new)
    assert d.snapshot_shift_s == 4320
    assert [f.field for f in d.inputs] == ["snapshot_time"]
    assert "(+1h12m)" in render_text(d)


def test_changed_input_hashes_are_listed_by_name():
    new = dataclasses.replace(
        BASE,
        provenance=dataclasses.replace(
            BASE.provenance, inputs={**BASE.provenance.inputs, "recipes": "sha256:" + "c" * 64}
        ),
    )
    (f,) = diff_plans(BASE, new).inputs
    assert (f.field, f.old, f.new) == ("recipes", "sha256:" + "a" * 64, "sha256:" + "c" * 64)


def test_profit_per_hour_delta_leads_the_summary_in_compact_credits():
    # 110k profit over 40 min = 165k/h; 150k over 40 min = 225k/h: +60k cr/h
    d = diff_plans(BASE, make_plan(revenue=220_000))
    assert d.objective.profit_delta == 40_000
    assert summary_line(d) == "+60k cr/h"


def test_rejection_reason_change_is_reported():
    new = dataclasses.replace(
        BASE,
        rejected=(dataclasses.replace(BASE.rejected[0], reason="margin 5% under impact < 8%"),),
    )
    (c,) = diff_plans(BASE, new).rejected
    assert c.op == "~" and c.fields[0].new == "margin 5% under impact < 8%"


def test_tasks_of_an_added_pipeline_are_summed_up_on_its_line():
    d = diff_plans(make_plan(with_fab=False), BASE)
    assert summary_line(d) == "1 pipeline added"
    text = render_text(d)
    assert f"+ {FM}" in text and "(4 tasks, 2 legs)" in text
    assert "acquire/IRON" not in text
    assert len(d.tasks) == 4  # still all in the data (and the JSON)


def test_text_marks_items_with_plus_minus_tilde_and_splits_direct_from_indirect():
    new = make_plan(
        diamond_market="B9", times=with_times(BASE, "/leg/FAB_MATS", "SHIP-2", 605, 2400)
    )
    text = render_text(diff_plans(BASE, new))
    direct, indirect = text.split("Indirect changes")
    assert f"    - {LR}/acquire/DIAMONDS@X1-AD75-B7#1" in direct
    assert f"    + {LR}/acquire/DIAMONDS@X1-AD75-B9#1" in direct
    assert f"    ~ {LR}  [chain]" in direct
    assert f"    ~ {FAB_LEG}  moved SHIP-3 -> SHIP-2" in indirect


def test_text_has_colour_only_when_asked():
    d = diff_plans(BASE, make_plan(diamond_market="B9"))
    assert "\x1b[" not in render_text(d)
    assert "\x1b[32m+\x1b[0m" in render_text(d, color=True)


def test_json_has_format_version_and_every_item():
    d = diff_plans(BASE, make_plan(diamond_market="B9"))
    data = json.loads(render_json(d))
    assert data["format_version"] == DIFF_FORMAT_VERSION
    assert data["changed"] is True
    assert [t["op"] for t in data["tasks"]] == ["-", "+", "~"]
    assert data["pipelines"][0]["fields"][0]["field"] == "chain LASER_RIFLES/DIAMONDS"


def test_json_is_stable_across_runs():
    new = make_plan(diamond_market="B9", makespan_s=2000)
    assert render_json(diff_plans(BASE, new)) == render_json(diff_plans(BASE, new))
    assert list(json.loads(render_json(diff_plans(BASE, new))))[:3] == [
        "format_version",
        "changed",
        "summary",
    ]


def test_json_of_identical_plans_says_unchanged():
    data = json.loads(render_json(diff_plans(BASE, BASE)))
    assert data["changed"] is False and data["summary"] == "No changes"


def test_html_diff_is_self_contained_and_lists_items():
    page = render_diff_html(diff_plans(BASE, make_plan(diamond_market="B9")))
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page and "http" not in page.replace('xmlns="http://www.w3.org', "")
    assert page.count('<tr class="item"') == 5
    assert 'data-cause="direct"' in page


@pytest.mark.parametrize(
    ("value", "sign", "text"),
    [
        (950, False, "950"),
        (1500, False, "1.5k"),
        (41_000, True, "+41k"),
        (-1_200_000, False, "-1.2M"),
    ],
)
def test_credits_are_compact(value, sign, text):
    assert fmt_credits(value, sign=sign) == text


@pytest.mark.parametrize(
    ("s", "text"), [(45, "45s"), (750, "12m30s"), (3720, "1h02m"), (-180, "-3m00s")]
)
def test_durations_read_like_a_clock(s, text):
    assert fmt_duration(s) == text


# -- the real X1-AD75 snapshot through the real compiler: old plan + changed snapshot -> diff


def _real_inputs():
    from dev.example_plan import SNAPSHOT
    from plancc.inputs import POLICY_NAME, bundled_recipes_dir, recipe_files
    from plancc.load import load_policy, load_recipes, load_snapshot

    book = load_recipes(recipe_files([]))
    policy = load_policy(bundled_recipes_dir() / POLICY_NAME)
    snap = load_snapshot(SNAPSHOT)
    home = snap.agent.headquarters  # the fleet docked at headquarters, so there is work
    ships = tuple(
        dataclasses.replace(s, waypoint=home, status="DOCKED", arrival=None) for s in snap.ships
    )
    return book, policy, dataclasses.replace(snap, ships=ships)


def _compile(book, policy, snap, digest: str) -> Plan:
    from plancc.compile import compile_plan

    # the list scheduler: a fleet's worth of batches is more than the optimiser proves optimal
    # inside its wall-clock guard on a loaded machine; its determinism has its own tests
    return compile_plan(
        book, policy, snap, inputs={"snapshot": "sha256:" + digest * 64}, scheduler="list"
    )


def _buy_leaves(node):
    if not node.children:
        return [node] if node.method == "BUY" else []
    return [leaf for c in node.children for leaf in _buy_leaves(c)]


def test_recompiling_the_real_snapshot_unchanged_gives_no_changes():
    book, policy, snap = _real_inputs()
    old = _compile(book, policy, snap, "0")
    assert old.pipelines, "the real snapshot should give work to diff"
    assert not diff_plans(old, _compile(book, policy, snap, "0")).changed


def test_a_dearer_input_in_the_real_snapshot_changes_the_pipeline_that_buys_it():
    book, policy, snap = _real_inputs()
    old = _compile(book, policy, snap, "0")
    pipeline = old.pipelines[0]
    leaf = _buy_leaves(pipeline.chain)[0]
    market = snap.market(leaf.market)
    rows = tuple(
        dataclasses.replace(g, purchase_price=g.purchase_price * 11 // 10)
        if g.symbol == leaf.good
        else g
        for g in market.trade_goods
    )
    dearer = dataclasses.replace(
        snap,
        markets=tuple(
            dataclasses.replace(m, trade_goods=rows) if m.symbol == market.symbol else m
            for m in snap.markets
        ),
    )
    d = diff_plans(old, _compile(book, policy, dearer, "1"))
    (p,) = [c for c in d.pipelines if c.id == pipeline.id]
    assert p.cause == "direct"
    assert p.op == "-" or any(
        # the leaf is an input (chain .../GOOD) or the product itself, bought (chain GOOD)
        f.field.startswith("chain ")
        and (f.field.endswith(f"/{leaf.good}") or f.field == f"chain {leaf.good}")
        for f in p.fields
    )
    assert [f.field for f in d.inputs] == ["snapshot"]
    assert all(c.reason for c in d.items if c.cause == "indirect")


def test_leg_moved_onto_a_ship_freed_by_a_removed_pipeline_names_the_removed_leg():
    new = make_plan(with_fab=False, times=with_times(BASE, "/leg/ALUMINUM", "SHIP-3", 0, 505))
    (leg,) = [c for c in diff_plans(BASE, new).legs if c.id == leg_id(BASE, "/leg/ALUMINUM")]
    assert leg.cause == "indirect"
    assert leg.reason.startswith("SHIP-3 no longer runs leg FAB_MATS@")


GOLDEN = Path(__file__).parent / "golden" / "diff.txt"


def test_text_form_matches_the_reviewed_golden_file():
    """The whole text form for one mixed change; PLANCC_UPDATE_GOLDEN=1 rewrites it to review."""
    new = make_plan(
        diamond_market="B9",
        laser_qty=24,
        times={
            **with_times(BASE, "/leg/FAB_MATS", "SHIP-2", 605, 2460),
            **with_times(BASE, "/leg/IRON", "SHIP-3", 30, 640),
        },
        snapshot_hash="sha256:" + "2" * 64,
        snapshot_time=BASE.provenance.snapshot_time + timedelta(minutes=20),
        makespan_s=2460,
        revenue=216_000,
    )
    text = render_text(diff_plans(BASE, new), old_label="plans/a.yaml", new_label="plans/b.yaml")
    if os.environ.get("PLANCC_UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def _rerouted(plan: Plan, fragment: str, **stops: tuple[str, ...]) -> Plan:
    """The plan with the refuel stops of one scheduled leg (id containing ``fragment``) changed."""
    ships = tuple(
        dataclasses.replace(
            sp,
            legs=tuple(
                dataclasses.replace(sl, **stops) if fragment in sl.leg else sl for sl in sp.legs
            ),
        )
        for sp in plan.ships
    )
    return dataclasses.replace(plan, ships=ships)


def test_a_leg_flown_through_other_refuel_stops_is_reported_rerouted():
    new = _rerouted(BASE, "/leg/IRON", refuel_to_load=("X1-AD75-I55",))
    (leg,) = diff_plans(BASE, new).legs
    assert (leg.id, leg.op, leg.cause, leg.what) == (IRON_LEG, "~", "indirect", ("rerouted",))
    assert [(f.field, f.old, f.new) for f in leg.fields] == [
        ("refuel_to_load", "direct", "X1-AD75-I55")
    ]
    assert "X1-AD75-I55" in render_text(diff_plans(BASE, new))


def test_a_leg_that_takes_a_second_good_shows_what_else_it_carries():
    iron = next(leg for leg in BASE.legs if leg.id == IRON_LEG)
    extra = LegGood("COPPER", 7, "P/acquire/COPPER#1", "P/deliver/COPPER#1")
    legs = tuple(
        dataclasses.replace(leg, also=(extra,)) if leg.id == IRON_LEG else leg for leg in BASE.legs
    )
    d = diff_plans(BASE, dataclasses.replace(BASE, legs=legs))
    (leg,) = d.legs
    assert (leg.id, leg.op) == (IRON_LEG, "~")
    assert [(f.field, f.old, f.new) for f in leg.fields] == [("also", None, "7 COPPER")]
    assert iron.good in render_text(d) and "7 COPPER" in render_text(d)
