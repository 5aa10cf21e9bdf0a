"""The runner flies each hop in the flight mode the plan chose for it. Before, the state's legs
table kept no modes, so every hop was flown in the policy's mode (CRUISE) whatever the plan
said: a BURN the compiler paid fuel for to save time was never flown."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from runner.planview import read_plan
from tests.runner_world import RunnerWorld


def test_a_hop_the_plan_burns_is_flown_in_burn(tmp_path: Path) -> None:
    world = RunnerWorld.build(tmp_path, seed=2, haulers=5, apply=False)
    plan = read_plan(world.plan)
    first = min(plan.legs, key=lambda g: (g.seq, g.ship))
    burnt = replace(first, modes_to_load=("BURN",) * (len(first.via_to_load) + 1))
    world.apply_view(replace(plan, legs=tuple(burnt if g is first else g for g in plan.legs)))
    (leg,) = [g for g in world.store().legs() if g.id == first.id]
    assert leg.modes_to_load == burnt.modes_to_load
    world.tick()
    market = world.store().view(world.twin.now()).tasks[first.load].spec.market
    flights = [
        e["message"]
        for e in world.store().events(100, "navigate")
        if e["ship"] == first.ship and e["message"].startswith(f"to {market} ")
    ]
    assert flights and all("(BURN)" in m for m in flights)


def test_a_state_file_from_before_the_modes_opens_with_its_legs_in_the_policys_mode(
    tmp_path: Path,
) -> None:
    import sqlite3

    from runner.state import MIGRATIONS, Store

    path = tmp_path / "v3.db"
    conn = sqlite3.connect(path)
    conn.executescript("".join(MIGRATIONS[:3]) + "PRAGMA user_version=3;")
    conn.execute(
        "INSERT INTO legs(id, pipeline, ship, seq, load_task, unload_task, good, quantity) "
        "VALUES('L1', 'P', 'S-1', 0, 'P/a', 'P/s', 'IRON', 10)"
    )
    conn.commit()
    conn.close()
    store = Store.open(path)
    try:
        (leg,) = store.legs()
    finally:
        store.close()
    assert (leg.id, leg.modes_to_load, leg.modes_to_unload) == ("L1", (), ())
