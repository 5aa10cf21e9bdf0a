"""A hauler starts with cargo in its hold; the compiled plan unloads it, and the runner flies that
plan on the twin: the cargo is sold by the plan's own legs (not liquidated), the one batch that
took part of it buys only the rest, and the ledger reconciles with the agent's credits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from plancc.inputs import bundled_recipes_dir, compile_files
from plancc.model import Plan
from plancc.planfile import dump_plan
from plancc.sim.app import DEFAULT_START, Twin
from plancc.sim.universe import generate_universe, seen_from_everywhere
from plancc.sim.world import World
from tests.runner_world import RunnerWorld, only_pipelines

SEED = 2
# seed 2's plan sells ELECTRONICS (its first batch: 12 units) and nothing takes ALUMINUM
HELD = {"ALUMINUM": 30, "ELECTRONICS": 10}  # a full 40-unit hold


def only_aboard_pipelines(plan: Plan) -> Plan:
    """The pipelines that unload cargo aboard, and their legs: the run stays short."""
    return only_pipelines(plan, {leg.pipeline for leg in plan.legs if leg.ship})


@pytest.fixture(scope="module")
def flown(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunnerWorld, Plan, str]:
    tmp: Path = tmp_path_factory.mktemp("aboard")
    u = generate_universe(SEED, start=DEFAULT_START, haulers=2, probes=0)
    holder = u.ships[0]
    for good, units in HELD.items():
        World._add_cargo(holder, good, units)  # the twin's own ships start with it too
    (tmp / "snapshot.json").write_text(json.dumps(seen_from_everywhere(u, DEFAULT_START)))
    plan, _ = compile_files(
        (str(bundled_recipes_dir()),), None, str(tmp / "snapshot.json"), scheduler="list"
    )
    plan = only_aboard_pipelines(plan)
    (tmp / "plan.yaml").write_text(dump_plan(plan))
    world = RunnerWorld(Twin(u, now=DEFAULT_START, seed=SEED), tmp / "state.db", tmp / "plan.yaml")
    world.apply()
    world.run_until_done(check_each=True)
    return world, plan, holder["symbol"]


def test_the_plan_unloads_every_unit_the_hauler_held(flown) -> None:
    _, plan, holder = flown
    aboard = {}
    for leg in plan.legs:
        if leg.ship:
            assert leg.ship == holder
            aboard[leg.good] = aboard.get(leg.good, 0) + leg.quantity
    assert aboard == HELD


def test_the_held_cargo_is_sold_by_the_plans_legs_not_liquidated(flown) -> None:
    world, plan, holder = flown
    s = world.store()
    rows = s.conn.execute("SELECT id, status, done_units, ship FROM tasks").fetchall()
    done = {r[0]: (r[1], r[2], r[3]) for r in rows}
    for leg in plan.legs:
        if leg.ship:
            assert done[leg.load] == ("COMPLETED", leg.quantity, holder)
            assert done[leg.unload] == ("COMPLETED", leg.quantity, holder)
    assert s.conn.execute("SELECT COUNT(*) FROM liquidations").fetchone()[0] == 0
    statuses = {r[0] for r in s.conn.execute("SELECT status FROM pipelines")}
    assert statuses == {"COMPLETED"}


def test_only_what_was_not_aboard_is_bought(flown) -> None:
    world, plan, _ = flown
    s = world.store()
    bought = s.conn.execute(
        "SELECT good, SUM(units) FROM ledger WHERE kind='PURCHASE' GROUP BY good"
    ).fetchall()
    (electronics,) = [p for p in plan.pipelines if p.product == "ELECTRONICS"]
    assert dict(bought) == {"ELECTRONICS": electronics.quantity - HELD["ELECTRONICS"]}


def test_no_cargo_is_left_and_the_ledger_reconciles(flown) -> None:
    world, _, _ = flown
    s = world.store()
    with world.client() as c:
        assert all(ship.cargo_units == 0 for ship in c.ships())
        assert c.agent().credits == s.expected_credits()
    sold = dict(
        s.conn.execute(
            "SELECT good, SUM(units) FROM ledger WHERE kind='SELL' GROUP BY good"
        ).fetchall()
    )
    assert sold["ALUMINUM"] == HELD["ALUMINUM"]
    assert world.check() == []
