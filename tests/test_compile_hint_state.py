"""`plancc compile --hint-state STATE`: the runner's active plan is the hint, and the legs it
has under way keep their ships in the recompiled plan."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from plancc.cli import cli
from plancc.planfile import load_plan
from runner.state import Store
from tests.runner_world import RunnerWorld


def _flying(tmp: Path) -> tuple[RunnerWorld, frozenset[str]]:
    """A world whose runner has some legs under way (and some not)."""
    world = RunnerWorld.build(tmp, seed=1, haulers=5)
    for _ in range(30):
        world.tick()
        store = Store.open(world.state, create=False)
        in_flight = store.legs_in_flight()
        store.close()
        if len(in_flight) >= 3:
            return world, in_flight
    raise AssertionError("no legs under way after 30 ticks")


def _recompile(world: RunnerWorld, out: Path, *hint: str) -> dict[str, str]:
    """Leg -> ship of a recompile of the world's snapshot for another objective."""
    snap = world.plan.parent / "snapshot.json"
    result = CliRunner().invoke(
        cli,
        ["compile", "--snapshot", str(snap), "--objective", "makespan", "--time-limit", "2",
         *hint, "-o", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    plan = load_plan(out)
    return {sl.leg: s.ship for s in plan.ships for sl in s.legs}


def test_legs_under_way_keep_their_ships_in_a_recompile_from_the_state(tmp_path: Path) -> None:
    world, in_flight = _flying(tmp_path)
    store = Store.open(world.state, create=False)
    ship_of = {leg.id: leg.ship for leg in store.legs()}
    store.close()
    placed = _recompile(world, tmp_path / "new.yaml", "--hint-state", str(world.state))
    kept = [leg for leg in sorted(in_flight) if leg in placed]
    assert kept, "the recompile plans the same legs"
    assert all(placed[leg] == ship_of[leg] for leg in kept)


def test_a_state_without_an_applied_plan_is_refused_naming_the_file(tmp_path: Path) -> None:
    world = RunnerWorld.build(tmp_path, seed=1, haulers=2, apply=False)
    Store.open(world.state).close()
    snap = world.plan.parent / "snapshot.json"
    result = CliRunner().invoke(
        cli,
        ["compile", "--snapshot", str(snap), "--hint-state", str(world.state),
         "-o", str(tmp_path / "new.yaml")],
    )  # fmt: skip
    assert result.exit_code == 2
    assert str(world.state) in result.output and "no plan applied" in result.output
    assert not (tmp_path / "new.yaml").exists()
