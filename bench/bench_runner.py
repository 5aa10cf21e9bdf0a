"""Runner benchmarks, measured side by side in one run (``make bench`` or ``python -m
bench.bench_runner``):

1. requests per completed task against the minimum the API allows (target <= 1.25x): a
   compiled 3-pipeline plan on 5 ships flown to its end on the twin, applied with its
   snapshot as ``plancc apply --snapshot`` applies it. The API minimum per
   task: orbit + navigate + dock when the ship must move there, plus one trade per lot
   actually traded; plus the plan's refuel stops and flight-mode changes, and the fewest
   refuels that fly the route the ships flew (BURN hops empty most of a tank). Also shown
   against the minimum under the runner's own rules (a price re-read before each lot).
2. time from a ship's arrival to its next action (target < 5 s within a tick's budget), in
   game seconds on the virtual clock: over all arrivals, and over those with an action due on
   arrival (``watch_waits`` tells them from ships the runner decided to leave waiting for
   production, a delivery or a factory's supply); plus the wall time the tick spends per
   action.
   ``--policy FILE`` compiles the plan under that policy instead of the bundled one.
3. wall time of a tick with nothing due, as a ratio to ``python -c pass`` (target < 6x),
   ``plancc run`` started as cron starts it; also on a copy of the state with a million older
   market observations (``--short``: 100,000), as a long run's history leaves it.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from plancc.travel import distance, fuel_cost

SHORT = False  # `--short` (make test): fewer timing runs


def _flown(tmp: Path, policy: str | None = None, waits: dict | None = None) -> Any:
    """Seed 1's plan flown to its end; ``waits`` (when given) collects ``watch_waits``."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.runner_world import RunnerWorld

    world = RunnerWorld.build(tmp, seed=1, haulers=5, plan_policy=policy, seed_state=True)
    starts = {
        s.symbol: (s.waypoint, s.fuel, s.fuel_capacity) for s in world.store().ships().values()
    }
    t0 = time.perf_counter()
    with watch_waits(waits if waits is not None else {}):
        world.run_until_done()
    return world, starts, time.perf_counter() - t0


@contextlib.contextmanager
def watch_waits(waits: dict[tuple[str, float], str]) -> Iterator[None]:
    """A probe on the decision core while the plan flies: for each ship past its arrival that
    the runner decided to leave waiting, (ship, arrival) -> why (its ``Wait`` reason). An
    arrival with a reason had nothing due when it came: its first action came when the plan
    made one due (a delivery, production, the batch's visit), not late."""
    import runner.decide as decide

    real = decide.ship_step

    def probed(view: Any, ship: Any, policy: Any) -> Any:
        step = real(view, ship, policy)
        arrived = ship.arrival is not None and ship.arrival <= view.now
        if isinstance(step, decide.Wait) and ship.status == "IN_TRANSIT" and arrived:
            waits.setdefault((ship.symbol, round(ship.arrival)), step.reason)
        return step

    decide.ship_step = probed
    try:
        yield
    finally:
        decide.ship_step = real


def fewest_refuels(
    start: str,
    fuel: int,
    capacity: int,
    hops: list[tuple[str, str, bool]],
    coords: dict[str, tuple[int, int]],
    fuel_markets: set[str],
) -> int:
    """The fewest refuels (besides the planned stops, which always refuel) that fly ``hops``
    (to, mode, is a planned stop) from ``start`` with ``fuel`` aboard, refuelling to a full
    tank only where fuel is sold. Refuelling as late as possible is optimal: a later refuel
    leaves the same full tank further along. A segment no full tank flies counts once."""
    if not capacity:
        return 0
    count, here = 0, start
    for i, (to, mode, _) in enumerate(hops):
        # fuel to the next place that sells fuel (or the route's end), from here
        need, at = 0, here
        for nxt, m, stop in hops[i:]:
            a, b = coords.get(at), coords.get(nxt)
            need += fuel_cost(distance(*a, *b), m) if a and b and at != nxt else 0
            at = nxt
            if stop or nxt in fuel_markets:
                break
        if here in fuel_markets and fuel < min(need, capacity):
            count, fuel = count + 1, capacity
        a, b = coords.get(here), coords.get(to)
        fuel -= fuel_cost(distance(*a, *b), mode) if a and b and here != to else 0
        fuel = max(fuel, 0)
        if hops[i][2]:
            fuel = capacity
        here = to
    return count


def requests_per_task(world: Any, starts: dict[str, tuple[str, int, int]]) -> dict[str, Any]:
    store = world.store()
    made: dict[str, int] = {}
    for (text,) in store.conn.execute("SELECT requests FROM ticks"):
        for k, v in json.loads(text).items():
            made[k] = made.get(k, 0) + v
    total = sum(made.values())
    rows = store.conn.execute(
        "SELECT id, ship, market, completed_at FROM tasks WHERE status='COMPLETED' "
        "ORDER BY ship, completed_at"
    ).fetchall()
    lots = dict(
        store.conn.execute(
            "SELECT task, COUNT(*) FROM ledger WHERE kind IN ('PURCHASE','SELL') GROUP BY task"
        ).fetchall()
    )
    liquidation_lots = store.conn.execute(
        "SELECT COUNT(*) FROM ledger WHERE liquidation != ''"
    ).fetchone()[0]
    minimum = 0
    where = {ship: at for ship, (at, _, _) in starts.items()}
    for task, ship, market, _ in rows:
        if where.get(ship) != market:
            minimum += 3  # orbit, navigate, dock
            where[ship] = market
        minimum += lots.get(task, 0)
    minimum += liquidation_lots * 1
    # refuel stops the plan's route requires: orbit, navigate, dock and refuel at each
    done = {task for task, _, _, _ in rows}
    plan = store.active_plan()
    stops = 0
    for leg in plan.legs if plan else ():
        stops += len(leg.via_to_load) if leg.load in done else 0
        stops += len(leg.via_to_unload) if leg.unload in done else 0
    minimum += 4 * stops
    # flight-mode changes the plan's modes require (a ship starts in CRUISE): one PATCH each
    modes = 0
    for ship in sorted({leg.ship for leg in plan.legs} if plan else ()):
        mode = "CRUISE"
        for leg in sorted((g for g in plan.legs if g.ship == ship), key=lambda g: g.seq):
            for task, hops in ((leg.load, leg.modes_to_load), (leg.unload, leg.modes_to_unload)):
                for m in hops if task in done else ():
                    modes += m != mode
                    mode = m
    minimum += modes
    # refuels the flown route needs besides its planned stops: one call each (docked there)
    legs: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    for leg in plan.legs if plan else ():
        legs[leg.load] = (leg.via_to_load, leg.modes_to_load)
        legs[leg.unload] = (leg.via_to_unload, leg.modes_to_unload)
    coords = dict(store.coords())
    fuel_markets = {m for (m, g) in store.latest_quotes() if g == "FUEL"}
    needed = 0
    for ship, (at, fuel, capacity) in sorted(starts.items()):
        hops: list[tuple[str, str, bool]] = []
        for task, s, market, _ in rows:
            if s != ship:
                continue
            via, hop_modes = legs.get(task, ((), ()))
            for i, p in enumerate((*via, market)):
                hops.append((p, hop_modes[i] if i < len(hop_modes) else "CRUISE", i < len(via)))
        needed += fewest_refuels(at, fuel, capacity, hops, coords, fuel_markets)
    minimum += needed
    rule_minimum = minimum + sum(lots.values()) + liquidation_lots  # a price read per lot
    # where the requests beyond the API minimum went (the minimum counts none of these)
    # the reads made to poll a COLLECT's factory (a poll served by another read costs none)
    polls = store.conn.execute("SELECT COUNT(*) FROM events WHERE kind='supply-read'").fetchone()[0]
    refuels = store.conn.execute("SELECT COUNT(*) FROM ledger WHERE kind='FUEL'").fetchone()[0]
    reads = made.get("GET /systems/{systemSymbol}/waypoints/{waypointSymbol}/market", 0)
    excess = {
        "supply_polls": polls,
        "trade_reads": reads - polls,
        "refuels_beyond_needed": refuels - stops - needed,
    }
    return {
        "completed_tasks": len(rows),
        "requests": total,
        "per_task": total / max(1, len(rows)),
        "api_minimum": minimum,
        "ratio_vs_api_minimum": total / max(1, minimum),
        "rule_minimum": rule_minimum,
        "ratio_vs_rule_minimum": total / max(1, rule_minimum),
        "by_endpoint": dict(sorted(made.items(), key=lambda kv: -kv[1])),
        "mode_changes": modes,
        "refuels_needed": needed,
        "excess": excess,
    }


def arrival_latency(world: Any, waits: dict[tuple[str, float], str]) -> dict[str, Any]:
    """From the ``arrived`` events: game seconds between a ship's arrival and its first action,
    over all arrivals, and over those with an action due on arrival (``watch_waits`` saw no
    decision to wait): the latency the target is about."""
    store = world.store()
    lat: list[float] = []
    due: list[float] = []
    waited: dict[str, int] = {}
    for ship, at, message in store.conn.execute(
        "SELECT ship, at, message FROM events WHERE kind='arrived'"
    ):
        late = float(re.search(r"first action (-?[\d.]+) s", message).group(1))  # type: ignore[union-attr]
        lat.append(late)
        reason = waits.get((ship, round(at - late)))
        if reason is None:
            due.append(late)
        else:
            waited[reason] = waited.get(reason, 0) + 1
    lat.sort()
    due.sort()
    return {
        "arrivals": len(lat),
        "p50_s": statistics.median(lat) if lat else 0.0,
        "p90_s": lat[int(0.9 * (len(lat) - 1))] if lat else 0.0,
        "max_s": lat[-1] if lat else 0.0,
        "within_5s": sum(1 for x in lat if x < 5.0),
        "due_arrivals": len(due),
        "due_within_5s": sum(1 for x in due if x < 5.0),
        "due_max_s": due[-1] if due else 0.0,
        "waited": dict(sorted(waited.items())),
    }


def _wall(cmd: list[str], runs: int, env: dict[str, str] | None = None) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, check=False, capture_output=True, env=env)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def idle_tick(world: Any, runs: int) -> dict[str, Any]:
    """``plancc run`` on a state whose ships are all in transit or idle: no request."""
    env = {**os.environ, "PLANCC_API_URL": "http://127.0.0.1:9/v2", "SPACETRADERS_TOKEN": "x"}
    env.pop("PLANCC_TWIN_CLOCK", None)
    # as installed: bytecode cached (this sandbox sets PYTHONDONTWRITEBYTECODE; the first run
    # below writes the .pyc files, as pip install does)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    state = str(world.state)
    out = subprocess.run(
        [sys.executable, "-m", "plancc", "run", "--state", state],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    base = _wall([sys.executable, "-c", "pass"], runs, env)
    tick = _wall([sys.executable, "-m", "plancc", "run", "--state", state], runs, env)
    aged = aged_copy(world.state, AGED_OBSERVATIONS // (10 if runs < 10 else 1))
    old = _wall([sys.executable, "-m", "plancc", "run", "--state", str(aged)], runs, env)
    return {
        "python_c_pass_s": base,
        "idle_tick_s": tick,
        "ratio": tick / base,
        "aged_observations": AGED_OBSERVATIONS // (10 if runs < 10 else 1),
        "aged_idle_tick_s": old,
        "aged_ratio": old / base,
    }


AGED_OBSERVATIONS = 1_000_000  # --short: a tenth


def aged_copy(state: Path, n: int) -> Path:
    """A copy of ``state`` with ``n`` more market observations, older than its own (a long
    run's history): a tick's cost must not grow with the history a state file keeps."""
    import sqlite3

    out = state.with_name("aged.db")
    src, dst = sqlite3.connect(state), sqlite3.connect(out)
    src.backup(dst)
    src.close()
    rows = dst.execute(
        "SELECT market, good, MIN(at), type, supply, activity, purchase, sell, trade_volume "
        "FROM market_obs GROUP BY market, good ORDER BY market, good"
    ).fetchall()
    dst.executemany(
        "INSERT INTO market_obs(market, good, at, type, supply, activity, purchase, sell, "
        "trade_volume) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            (m, g, first - 1 - i // len(rows), t, sup, act, buy, sell, vol)
            for i, (m, g, first, t, sup, act, buy, sell, vol) in (
                (i, rows[i % len(rows)]) for i in range(n)
            )
        ),
    )
    dst.commit()
    dst.close()
    return out


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    short = "--short" in args or SHORT
    policy = args[args.index("--policy") + 1] if "--policy" in args else None  # FILE
    runs = 3 if short else 20
    with tempfile.TemporaryDirectory() as d:
        waits: dict[tuple[str, float], str] = {}
        world, starts, wall = _flown(Path(d), policy, waits)
        r = requests_per_task(world, starts)
        actions = sum(t.actions for t in world.ticks)
        lat = arrival_latency(world, waits)
        idle = idle_tick(world, runs)
    load = os.getloadavg()
    print(
        f"runner benchmarks, each figure a ratio to its target (load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, 2 cores shared)"
    )
    print(
        f"  requests per completed task: {r['requests']} requests / {r['completed_tasks']} "
        f"tasks = {r['per_task']:.2f}; API minimum {r['api_minimum']} -> "
        f"{r['ratio_vs_api_minimum']:.2f}x (target <= 1.25x); with a price read per lot "
        f"{r['rule_minimum']} -> {r['ratio_vs_rule_minimum']:.2f}x (the minimum counts the "
        f"{r['mode_changes']} flight-mode changes the plan's modes require and the "
        f"{r['refuels_needed']} refuels its route needs besides its planned stops)"
    )
    print(f"    by endpoint: {r['by_endpoint']}")
    x = r["excess"]
    print(
        f"    beyond the API minimum: {x['trade_reads']} market reads before trading, "
        f"{x['supply_polls']} supply polls of COLLECTs waiting for their factory, "
        f"{x['refuels_beyond_needed']} refuels the route did not need"
    )
    print(
        f"  arrival -> next action (game s): p50 {lat['p50_s']:.1f}, p90 {lat['p90_s']:.1f}, "
        f"max {lat['max_s']:.1f}; {lat['within_5s']}/{lat['arrivals']} under 5 s. With an "
        f"action due on arrival: {lat['due_within_5s']}/{lat['due_arrivals']} under 5 s, max "
        f"{lat['due_max_s']:.1f} s (target < 5 s); the others arrived early and waited, as "
        f"decided: {lat['waited']}; wall per action {1000 * wall / max(1, actions):.1f} ms"
    )
    print(
        f"  idle tick: {idle['idle_tick_s'] * 1000:.0f} ms vs python -c pass "
        f"{idle['python_c_pass_s'] * 1000:.0f} ms = {idle['ratio']:.1f}x (target < 6x); with "
        f"{idle['aged_observations']:,} older market observations in state "
        f"{idle['aged_idle_tick_s'] * 1000:.0f} ms = {idle['aged_ratio']:.1f}x"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
