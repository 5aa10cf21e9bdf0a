"""The hourly check of the server's ``resetDate`` is made before a tick's first call that
changes the game (navigate, refuel, buy, sell), never on a tick that only reads (a COLLECT's
supply poll, a ship's re-read): after a reset every call with the old token is refused with
4113, which stops the tick all the same (test_runner_e2e), and a read changes nothing.

Before, a COLLECT polling its factory hourly for hours paid a status check with each poll:
4 of the benchmark's 5 checks."""

from __future__ import annotations

import json
from pathlib import Path

from tests.runner_world import RunnerWorld

STATUS = "GET /"
CHANGES = ("navigate", "refuel", "purchase", "sell")


def test_a_status_check_is_made_only_by_a_tick_that_changes_the_game(tmp_path: Path) -> None:
    world = RunnerWorld.build(tmp_path, seed=1, haulers=5)
    world.run_until_done()
    store = world.store()
    ticks = [json.loads(r[0]) for r in store.conn.execute("SELECT requests FROM ticks")]
    checked = [t for t in ticks if STATUS in t]
    only_reads = [t for t in ticks if t and not any(k.endswith(CHANGES) for k in t)]
    assert only_reads  # the COLLECT's polls, hours after the rest of the plan ended
    assert checked and all(any(k.endswith(CHANGES) for k in t) for t in checked)
    assert world.check() == []
