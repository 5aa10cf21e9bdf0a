"""A leg carrying two goods is flown as one flight on the twin (issue 8).

Seed 1's plan buys ADVANCED_CIRCUITRY at H14 to sell at C15, and COPPER at H14 to deliver to
the MICROPROCESSORS factory at C15: one leg carries both. The runner flies those two
pipelines through the real client against the twin, checking the ledger after every tick.
"""

from __future__ import annotations

import pytest

from runner.planview import read_plan
from tests.runner_world import RunnerWorld


@pytest.fixture(scope="module")
def flown(tmp_path_factory: pytest.TempPathFactory) -> RunnerWorld:
    world = RunnerWorld.build(tmp_path_factory.mktemp("shared"), seed=1, haulers=5, shared=True)
    world.run_until_done(check_each=True)
    return world


def _group(world: RunnerWorld) -> list[str]:
    legs = read_plan(world.plan).legs
    (group,) = {g.group for g in legs if g.group}
    return [g.good for g in legs if g.group == group]


def test_the_runner_reads_a_shared_leg_as_one_leg_per_good_of_one_group(
    flown: RunnerWorld,
) -> None:
    legs = read_plan(flown.plan).legs
    members = [g for g in legs if g.group]
    assert len(members) == 2 and len({g.ship for g in members}) == 1
    assert [g.seq for g in members] == [members[0].seq, members[0].seq + 1]
    assert len({g.pipeline for g in members}) == 2


def test_both_goods_are_bought_before_either_is_unloaded(flown: RunnerWorld) -> None:
    goods = _group(flown)
    rows = (
        flown.store()
        .conn.execute(
            "SELECT at, ship, kind, good FROM ledger WHERE good IN (?, ?) AND task != '' "
            "ORDER BY id",
            goods,
        )
        .fetchall()
    )
    bought = [r for r in rows if r[2] == "PURCHASE"]
    unloaded = [r for r in rows if r[2] == "SELL"]
    assert {r[3] for r in bought} == set(goods) and len({r[1] for r in bought}) == 1
    assert max(r[0] for r in bought) <= min(r[0] for r in unloaded)


def test_the_shared_flight_ends_with_both_goods_unloaded_and_the_ledger_reconciled(
    flown: RunnerWorld,
) -> None:
    s = flown.store()
    legs = [g for g in read_plan(flown.plan).legs if g.group]
    unloads = [s.conn.execute("SELECT status FROM tasks WHERE id=?", (g.unload,)).fetchone()[0]
               for g in legs]  # fmt: skip
    assert unloads == ["COMPLETED", "COMPLETED"]
    assert flown.check() == []
