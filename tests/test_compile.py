"""compile_plan end to end on the real X1-AD75 snapshot with the bundled recipes and policy.

The recording caught the only cargo ship (a 40-unit frigate, 400 fuel) at X1-AD75-J58, 750+
units from every factory: the plan only exists because the scheduler routes through refuelling
stops. A second case docks the fleet at the agent's headquarters (X1-AD75-A1), where a new agent
starts, and the determinism property parks it at any market.
"""

from __future__ import annotations

import dataclasses
import json
import os
from functools import cache

import pytest
import yaml
from conftest import REPO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from dev.example_plan import PLAN, SNAPSHOT, plan_text, snapshot_text
from plancc import schedule
from plancc.compile import PHASES, compile_plan, valued_policy
from plancc.errors import InputError
from plancc.inputs import POLICY_NAME, bundled_recipes_dir, recipe_files
from plancc.load import load_policy, load_recipes, load_snapshot
from plancc.model import Plan, Policy, Snapshot
from plancc.planfile import dump_plan, parse_plan, plan_schema

INPUTS = {"snapshot": "sha256:" + "0" * 64}


@cache
def _inputs() -> tuple:
    """The bundled recipes and policy, and the recorded snapshot as it is."""
    book = load_recipes(recipe_files([]))
    policy = load_policy(bundled_recipes_dir() / POLICY_NAME)
    return book, policy, load_snapshot(SNAPSHOT)


def _at_headquarters(snap: Snapshot) -> Snapshot:
    home = snap.agent.headquarters
    ships = tuple(
        dataclasses.replace(s, waypoint=home, status="DOCKED", arrival=None) for s in snap.ships
    )
    return dataclasses.replace(snap, ships=ships)


@cache
def _compiled(scheduler: str = "cpsat") -> Plan:
    book, policy, snap = _inputs()
    return compile_plan(book, policy, snap, inputs=INPUTS, scheduler=scheduler)


def _one_batch(policy: Policy) -> Policy:
    """The plan as it was before batches: three products, one batch each. Small enough for
    CP-SAT to prove optimal inside its budget, which a horizon of batches (17 legs on one
    hauler here) is not."""
    return dataclasses.replace(policy, max_pipelines=3, max_batches=1)


@cache
def _compiled_one_batch() -> Plan:
    book, policy, snap = _inputs()
    return compile_plan(book, _one_batch(policy), snap, inputs=INPUTS)


def _verify(plan: Plan, snap: Snapshot, policy: Policy) -> list[str]:
    """The schedule checker on ``plan``, built from the policy the compile used (AUTO flight
    modes weigh time at the hauler-hour value the compile fills in)."""
    policy = valued_policy(policy, snap, _inputs()[0])
    result = schedule.ScheduleResult(
        ships=plan.ships,
        makespan_s=plan.objective.makespan_s,
        bound_s=plan.objective.bound_s,
        status=plan.objective.status,
        scheduler=plan.objective.scheduler,
    )
    ships = [s for s in snap.ships if s.cargo_capacity > 0]
    return schedule.verify(
        plan.tasks,
        plan.legs,
        result,
        ships,
        snap.waypoints,
        policy,
        markets=snap.markets,
        epoch=snap.captured_at,
    )


def test_real_snapshot_gives_a_plan_with_work():
    plan = _compiled()
    assert plan.pipelines
    assert plan.legs
    assert plan.objective.status in ("OPTIMAL", "FEASIBLE")
    assert plan.objective.expected_profit > 0
    # batches fill the horizon: more than one batch of a product, more than three products
    assert max(p.batch for p in plan.pipelines) > 1
    assert len({p.product for p in plan.pipelines}) > 3


def test_real_one_batch_plan_is_proven_optimal():
    plan = _compiled_one_batch()
    assert len(plan.pipelines) == 3
    assert plan.objective.status == "OPTIMAL"
    assert plan.objective.expected_profit > 0


def test_list_scheduler_plan_says_it_is_heuristic():
    plan = _compiled("list")
    assert plan.objective.status == "HEURISTIC"
    assert plan.objective.search is None


def test_real_plan_is_proven_optimal_and_says_how():
    search = _compiled_one_batch().objective.search
    assert search is not None
    assert search.objective == "profit_weighted_completion"
    assert search.value == search.value_bound > 0
    assert search.solver.startswith("ortools ")
    assert dict(search.parameters)["time_limit_s"] == "10.0"
    assert search.seed == 0


def test_real_plan_validates_against_the_schema():
    data = yaml.safe_load(dump_plan(_compiled()))
    assert list(Draft202012Validator(plan_schema()).iter_errors(data)) == []


def test_real_plan_round_trips_through_the_file():
    plan = _compiled()
    assert parse_plan(dump_plan(plan), "real.yaml") == plan


def test_real_plan_schedule_is_feasible():
    _, policy, snap = _inputs()
    assert _verify(_compiled(), snap, policy) == []


def test_fleet_docked_at_headquarters_gets_the_same_pipelines_sooner():
    # on plans the optimiser proves, so that the makespans compare schedules, not searches
    book, policy, snap = _inputs()
    home = _at_headquarters(snap)
    plan = compile_plan(book, _one_batch(policy), home, inputs=INPUTS)
    assert _verify(plan, home, _one_batch(policy)) == []
    far = _compiled_one_batch()
    assert [p.id for p in plan.pipelines] == [p.id for p in far.pipelines]
    assert plan.objective.makespan_s < far.objective.makespan_s  # no 750-unit trip first


def test_every_leg_is_flown_exactly_once():
    plan = _compiled()
    flown = [sl.leg for s in plan.ships for sl in s.legs]
    assert sorted(flown) == sorted(leg.id for leg in plan.legs)


def test_objective_totals_are_the_pipelines_sums():
    plan = _compiled()
    assert plan.objective.expected_cost == sum(p.expected_cost for p in plan.pipelines)
    assert plan.objective.expected_revenue == sum(p.expected_revenue for p in plan.pipelines)
    last_end = max(sl.end_s for s in plan.ships for sl in s.legs)
    assert plan.objective.makespan_s == last_end
    assert 0 <= plan.objective.bound_s <= plan.objective.makespan_s


def test_pipelines_respect_the_policy():
    _, policy, _ = _inputs()
    plan = _compiled()
    assert (
        not policy.max_pipelines or len({p.product for p in plan.pipelines}) <= policy.max_pipelines
    )
    assert sum(p.expected_cost for p in plan.pipelines) <= policy.spend_cap_total
    for p in plan.pipelines:
        assert p.expected_cost <= policy.spend_cap_pipeline
        assert (p.expected_revenue - p.expected_cost) / p.expected_cost >= policy.min_margin


def test_each_pipeline_sells_its_product_at_a_market_that_imports_it():
    _, policy, snap = _inputs()
    plan = _compiled()
    for p in plan.pipelines:
        sells = [t for t in plan.tasks if t.pipeline == p.id and t.type == "SELL"]
        assert sells and {t.market for t in sells} == {p.sell_market}
        assert sum(t.quantity for t in sells) == p.quantity
        good = snap.market(p.sell_market).good(p.product)
        assert good is not None and good.type == "IMPORT"
        assert good.activity in policy.sell_activities
        assert p.sell_price == good.sell_price  # what the market PAYS us, not what it charges


def _nodes(node):
    yield node
    for child in node.children:
        yield from _nodes(child)


def test_pipeline_cost_and_revenue_are_the_chain_trades():
    """Cost: every unit bought (leaves and the factory collect); revenue: every unit unloaded."""
    plan = _compiled()
    for p in plan.pipelines:
        nodes = list(_nodes(p.chain))
        cost = sum(n.quantity * n.unit_price for n in nodes)
        revenue = sum(n.quantity * n.unload_price for n in nodes)
        units = sum(n.quantity for n in nodes)
        assert abs(p.expected_cost - cost) <= units / 2, p.id  # unit prices are rounded
        assert abs(p.expected_revenue - revenue) <= units / 2, p.id


def test_chain_prices_move_against_us_within_the_policy_ceiling():
    _, policy, snap = _inputs()
    plan = _compiled()
    for p in plan.pipelines:
        for n in _nodes(p.chain):
            seen = snap.market(n.market).good(n.good)
            assert seen.purchase_price <= n.unit_price <= seen.purchase_price * policy.price_ceiling


def test_recompiling_identical_inputs_is_byte_identical():
    book, policy, snap = _inputs()
    again = compile_plan(book, policy, snap, inputs=INPUTS)
    assert dump_plan(again) == dump_plan(_compiled())


def test_greedy_flag_gives_a_feasible_greedy_plan():
    _, policy, snap = _inputs()
    plan = _compiled("greedy")
    assert plan.objective.scheduler == "greedy"
    assert _verify(plan, snap, policy) == []
    assert {p.id for p in plan.pipelines} == {p.id for p in _compiled().pipelines}


def test_unknown_scheduler_is_an_input_error():
    book, policy, snap = _inputs()
    with pytest.raises(InputError, match="unknown scheduler"):
        compile_plan(book, policy, snap, inputs=INPUTS, scheduler="magic")


def test_progress_reports_every_phase_in_order():
    book, policy, snap = _inputs()
    seen: list[str] = []
    compile_plan(book, policy, snap, inputs=INPUTS, progress=lambda phase, _: seen.append(phase))
    assert seen == list(PHASES)


def test_nothing_profitable_gives_an_empty_plan_with_reasons():
    book, policy, snap = _inputs()
    greedy_margin = dataclasses.replace(policy, min_margin=1000.0)
    plan = compile_plan(book, greedy_margin, snap, inputs=INPUTS)
    assert plan.objective.status == "EMPTY"
    assert (plan.pipelines, plan.tasks, plan.legs) == ((), (), ())
    assert plan.rejected and all(r.reason for r in plan.rejected)
    assert parse_plan(dump_plan(plan), "empty.yaml") == plan


def test_no_allowed_sell_activity_rejects_every_candidate_with_a_reason():
    book, policy, snap = _inputs()
    plan = compile_plan(book, dataclasses.replace(policy, sell_activities=()), snap, inputs=INPUTS)
    assert plan.objective.status == "EMPTY"
    assert plan.rejected


def test_fleet_without_cargo_space_gives_an_empty_plan_saying_so():
    book, policy, snap = _inputs()
    probes = tuple(dataclasses.replace(s, cargo_capacity=0) for s in snap.ships)
    plan = compile_plan(book, policy, dataclasses.replace(snap, ships=probes), inputs=INPUTS)
    assert plan.objective.status == "EMPTY"
    assert any("carry cargo" in r.reason for r in plan.rejected)


def test_provenance_records_the_snapshot_and_the_inputs():
    _, _, snap = _inputs()
    prov = _compiled().provenance
    assert prov.snapshot_time == snap.captured_at
    assert prov.system == "X1-AD75"
    assert dict(prov.inputs) == INPUTS


def test_checked_in_example_plan_is_current():
    """`make example-plan` regenerates it; a recipe, policy or code change must be committed with it."""
    current = plan_text(SNAPSHOT) == PLAN.read_text(encoding="utf-8")
    assert current, "plans/example.yaml is stale: run `make example-plan` and commit it"


def test_checked_in_example_snapshot_is_the_real_recording(realdata_snapshot_path):
    current = snapshot_text(realdata_snapshot_path) == SNAPSHOT.read_text(encoding="utf-8")
    assert current, "plans/example.snapshot.json is stale: run `make example-plan` and commit it"


def test_example_plan_inputs_do_not_depend_on_where_the_repo_is():
    prov = parse_plan(PLAN.read_text(encoding="utf-8"), str(PLAN)).provenance
    assert str(REPO) not in json.dumps(dict(prov.inputs))
    assert set(prov.inputs) >= {"policy", "snapshot"}


# A property over small generated variations of the real snapshot (prices scaled per market, the
# fleet parked at any market): whatever they are, recompiling gives the same bytes and a valid,
# flyable plan.
_factor = st.sampled_from([0.5, 0.8, 1.0, 1.25, 2.0])


@settings(
    max_examples=100 if os.environ.get("PLANCC_FULL") == "1" else 6,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_recompiling_any_snapshot_is_byte_identical(data):
    book, policy, snap = _inputs()
    markets = list(snap.markets)
    picks = data.draw(st.lists(st.integers(0, len(markets) - 1), max_size=6, unique=True))
    for i in picks:
        m = markets[i]
        f = data.draw(_factor)
        goods = tuple(
            dataclasses.replace(
                g,
                purchase_price=max(1, int(g.purchase_price * f)),
                sell_price=max(1, int(g.sell_price * f)),
            )
            for g in m.trade_goods
        )
        markets[i] = dataclasses.replace(m, trade_goods=goods)
    parked = data.draw(st.sampled_from(sorted(m.symbol for m in snap.markets)))
    ships = tuple(dataclasses.replace(s, waypoint=parked) for s in snap.ships)
    varied = dataclasses.replace(snap, markets=tuple(markets), ships=ships)
    plan = compile_plan(book, policy, varied, inputs=INPUTS)
    first = dump_plan(plan)
    assert dump_plan(compile_plan(book, policy, varied, inputs=INPUTS)) == first
    assert list(Draft202012Validator(plan_schema()).iter_errors(yaml.safe_load(first))) == []
    assert _verify(plan, varied, policy) == []


def test_listing_order_of_markets_and_waypoints_does_not_change_the_plan():
    """The API lists markets, waypoints and trade goods in no promised order."""
    book, policy, snap = _inputs()
    reordered = dataclasses.replace(
        snap,
        markets=tuple(
            dataclasses.replace(m, trade_goods=tuple(reversed(m.trade_goods)))
            for m in reversed(snap.markets)
        ),
        waypoints=tuple(reversed(snap.waypoints)),
        ships=tuple(reversed(snap.ships)),
    )
    assert dump_plan(compile_plan(book, policy, reordered, inputs=INPUTS)) == dump_plan(_compiled())


def _changed_lines(old: str, new: str) -> list[str]:
    a, b = old.splitlines(), new.splitlines()
    assert len(a) == len(b), "lines were added or removed"
    return [y for x, y in zip(a, b, strict=True) if x != y]


def test_a_one_credit_price_change_changes_only_prices_and_totals():
    """Minimal churn: the same work at a slightly different price is a diff of figures only.
    On a plan the optimiser proves (a horizon of batches is searched, not proven, and the
    profit weights may steer that search elsewhere)."""
    book, policy, snap = _inputs()
    policy = _one_batch(policy)
    leaf = next(n for n in _nodes(_compiled_one_batch().pipelines[0].chain) if n.method == "BUY")
    markets = tuple(
        dataclasses.replace(
            m,
            trade_goods=tuple(
                dataclasses.replace(g, purchase_price=g.purchase_price + 1)
                if g.symbol == leaf.good
                else g
                for g in m.trade_goods
            ),
        )
        if m.symbol == leaf.market
        else m
        for m in snap.markets
    )
    dearer = compile_plan(book, policy, dataclasses.replace(snap, markets=markets), inputs=INPUTS)
    changed = _changed_lines(dump_plan(_compiled_one_batch()), dump_plan(dearer))
    assert changed, "a dearer input must show in the plan"
    # the profit-weighted objective (value) weighs pipelines by profit: it is a total too
    figures = (
        "unit_price:",
        "expected_cost:",
        "expected_profit:",
        "profit_per_hour:",
        "reason:",
        "value:",
        "value_bound:",
        "limit_price:",  # the runner's ceiling follows the expected price
        "- {units:",  # a lot's expected price
    )
    assert all(line.strip().startswith(figures) for line in changed), changed


def _generated_snapshot(seed: int, waypoints: int, haulers: int) -> Snapshot:
    """A system from the twin's seeded generator, every market's trade goods visible."""
    from plancc.parse import parse_snapshot
    from plancc.sim.universe import generate_universe, seen_from_everywhere

    start = 1_750_000_000.0
    u = generate_universe(seed, start=start, waypoint_count=waypoints, haulers=haulers)
    return parse_snapshot(seen_from_everywhere(u, start))


@settings(max_examples=30 if os.environ.get("PLANCC_FULL") == "1" else 4, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    waypoints=st.integers(30, 60),
    haulers=st.integers(1, 4),
)
def test_generated_systems_compile_to_valid_flyable_repeatable_plans(seed, waypoints, haulers):
    book, policy, _ = _inputs()
    snap = _generated_snapshot(seed, waypoints, haulers)
    plan = compile_plan(book, policy, snap, inputs=INPUTS)
    text = dump_plan(plan)
    assert dump_plan(compile_plan(book, policy, snap, inputs=INPUTS)) == text
    assert list(Draft202012Validator(plan_schema()).iter_errors(yaml.safe_load(text))) == []
    assert parse_plan(text, "generated.yaml") == plan
    assert _verify(plan, snap, policy) == []
    assert (
        not policy.max_pipelines or len({p.product for p in plan.pipelines}) <= policy.max_pipelines
    )
    assert all(p.expected_profit > 0 for p in plan.pipelines)
