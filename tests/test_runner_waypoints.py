"""The refuel decision costs hops from waypoint coordinates, read once per system: the
marketplaces only (every place a plan or a detour flies to trades or sells fuel, and the
ship asking is docked at one), a third of the waypoints and so a third of the pages. Before,
the whole system was read: 3 pages of 60 waypoints on the twin for 1 of 19 marketplaces."""

from __future__ import annotations

import json
from pathlib import Path

from tests.runner_world import RunnerWorld

LIST = "GET /systems/{systemSymbol}/waypoints"


def test_the_coordinates_of_every_market_the_plan_flies_to_cost_one_page(tmp_path: Path) -> None:
    world = RunnerWorld.build(tmp_path, seed=1, haulers=5)
    world.run_until_done()
    store = world.store()
    pages = sum(
        json.loads(r[0]).get(LIST, 0) for r in store.conn.execute("SELECT requests FROM ticks")
    )
    assert pages == 1
    plan = store.active_plan()
    assert plan is not None
    flown = {t.market for t in plan.tasks}
    flown |= {w for leg in plan.legs for w in (*leg.via_to_load, *leg.via_to_unload)}
    assert flown <= set(store.coords())
    refused = store.conn.execute("SELECT COUNT(*) FROM events WHERE message LIKE '%4203%'")
    assert refused.fetchone()[0] == 0
    assert world.check() == []
