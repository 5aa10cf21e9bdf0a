"""``make demo``: the main job end to end on the bundled twin universe, with no internet.

1. start the digital twin of the SpaceTraders API (seeded universe, virtual clock);
2. scout: probes fly to every market through the real client, reading each market's trade
   goods as they arrive (the game shows them only to a ship that is there);
3. snapshot the system (agent, fleet, waypoints, the markets as scouted) to a file;
4. compile it with the design's greedy scheduler and with plancc's list scheduler;
5. review the change with ``plancc diff`` and draw the plan's report (HTML, Gantt chart);
6. fly it: ``plancc apply`` the plan, then the runner's cron ticks on the twin's virtual clock
   until every pipeline has ended (a progress line per working tick), then ``plancc status``
   and the ledger check (``status --check``).

Everything it writes goes to ``demo-out/`` (the runner's state: ``demo-out/state.db``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from plancc.api import Client
from plancc.travel import distance

Say = Callable[[str], None]

SEED = 1
PROBES = 8
HAULERS = 4


def _say(message: str) -> None:
    click.echo(message, err=True)


def _discard(value: object) -> None:
    """Make a function returning something usable where a ``-> None`` callback is due."""


def scout(client: Client, advance: Callable[[float], object], say: Say = _say) -> dict[str, Any]:
    """Fly every probe of the fleet to the nearest unvisited market until all are read.

    Returns ``{market symbol: (market JSON with tradeGoods, server time it was read)}``.
    Waiting is done on the twin's virtual clock through ``advance`` (seconds).
    """
    from plancc.parse import format_time

    agent = client.agent_json()
    system = agent["headquarters"].rsplit("-", 1)[0]
    waypoints = {w["symbol"]: w for w in client.waypoints_json(system)}
    markets = sorted(
        s
        for s, w in waypoints.items()
        if any(t.get("symbol") == "MARKETPLACE" for t in w.get("traits") or [])
    )
    probes = {
        s["symbol"]: s["nav"]["waypointSymbol"]
        for s in client.ships_json()
        if s["registration"]["role"] == "SATELLITE"
    }
    if not probes:
        raise click.ClickException("the fleet has no probes to scout with")
    unvisited = set(markets)
    seen: dict[str, Any] = {}
    in_flight: dict[str, tuple[float, str]] = {}  # probe -> (arrival epoch s, market)

    def read(probe: str, market: str) -> None:
        data = client.market_json(system, market)
        when = client.server_time
        seen[market] = (data, format_time(when) if when else "")
        say(f"  scout {probe} read {market} ({len(seen)}/{len(markets)} markets)")

    def nearest(at: str) -> str:
        here = waypoints[at]
        return min(
            sorted(unvisited),
            key=lambda m: distance(here["x"], here["y"], waypoints[m]["x"], waypoints[m]["y"]),
        )

    for probe, at in sorted(probes.items()):
        if at in unvisited:
            unvisited.discard(at)
            read(probe, at)
    while unvisited or in_flight:
        for probe in sorted(probes):
            if probe in in_flight or not unvisited:
                continue
            target = nearest(probes[probe])
            unvisited.discard(target)
            client.orbit(probe)
            nav = client.navigate(probe, target).nav
            arrival = nav.arrival.timestamp() if nav.arrival else 0.0
            in_flight[probe] = (arrival, target)
        probe, (arrival, market) = min(in_flight.items(), key=lambda kv: (kv[1][0], kv[0]))
        now = client.server_time.timestamp() if client.server_time else arrival
        if arrival > now:
            advance(arrival - now + 1)
        del in_flight[probe]
        probes[probe] = market
        read(probe, market)
    return seen


def run(out: Path, say: Say = _say) -> int:
    from plancc.diff import diff_plans
    from plancc.fileio import write_atomically
    from plancc.inputs import bundled_recipes_dir, compile_files
    from plancc.planfile import dump_plan, load_plan
    from plancc.render.diff import render_text, summary_line
    from plancc.render.report import render_report_html
    from plancc.sim.app import Twin
    from plancc.snapshot import take_snapshot, write_snapshot

    out.mkdir(parents=True, exist_ok=True)
    say(f"1/6 twin: generating universe seed {SEED} ({HAULERS} haulers, {PROBES} probes)")
    twin = Twin.generate(SEED, haulers=HAULERS, probes=PROBES)
    clock_start = twin.now()
    # The client paces itself on the twin's clock: waiting for the rate limit is game time.
    client = Client(
        base_url=twin.base_url,
        token=twin.token,
        transport=twin.transport(),
        clock=twin.now,
        sleep=lambda seconds: _discard(twin.advance(seconds)),
    )
    with client:
        say("2/6 scout: probes fly to every market")
        scouted = scout(client, twin.advance, say)
        say("3/6 snapshot")
        snap = take_snapshot(client, progress=lambda m: None)
    for i, market in enumerate(snap["markets"]):
        if not market.get("tradeGoods") and market["symbol"] in scouted:
            data, when = scouted[market["symbol"]]
            snap["markets"][i] = data
            snap["observedAt"][market["symbol"]] = when
    snap["observedAt"] = dict(sorted(snap["observedAt"].items()))
    snapshot_path = out / "snapshot.json"
    write_snapshot(snap, snapshot_path)
    hours = (twin.now() - clock_start) / 3600
    say(
        f"    {len(snap['markets'])} markets read in {hours:.1f} game-hours with "
        f"{client.total_requests} requests -> {snapshot_path}"
    )

    recipes = (str(bundled_recipes_dir()),)
    paths = {}
    for scheduler in ("greedy", "list"):
        say(f"4/6 compile with the {scheduler} scheduler")
        plan, _ = compile_files(
            recipes,
            None,
            str(snapshot_path),
            scheduler=scheduler,
            progress=lambda phase, detail: say(f"    {phase}: {detail}"),
        )
        path = out / f"plan-{scheduler}.yaml"
        write_atomically(path, dump_plan(plan))
        paths[scheduler] = path
        o = plan.objective
        say(
            f"    {len(plan.pipelines)} pipelines, {len(plan.legs)} legs, makespan "
            f"{o.makespan_s / 60:.0f} min (bound {o.bound_s / 60:.0f} min), expected profit "
            f"{o.expected_profit:,} cr ({o.profit_per_hour:,.0f} cr/h) -> {path}"
        )

    say("5/6 review: plancc diff plan-greedy.yaml plan-list.yaml")
    old, new = load_plan(paths["greedy"]), load_plan(paths["list"])
    d = diff_plans(old, new)
    click.echo(render_text(d))
    report = out / "plan.html"
    write_atomically(report, render_report_html(new))
    say(f"    {summary_line(d)}")
    say(f"    report with the Gantt chart: {report}")
    if not new.pipelines:
        say("    (no profitable pipeline in this universe: see `rejected` in the plan)")
        return 0
    return fly_plan(twin, paths["list"], out / "state.db", say)


def fly_plan(twin: Any, plan_path: Path, state: Path, say: Say = _say) -> int:
    """Step 6: apply the plan, tick on the virtual clock until it ends, status, ledger check."""
    from runner.apply import apply_plan, server_view
    from runner.clock import TwinClock
    from runner.fly import fly
    from runner.planview import read_plan
    from runner.state import Store
    from runner.status import check, render_status, status_data

    say(f"6/6 fly: plancc apply {plan_path.name}, then the runner's ticks on the virtual clock")
    state.unlink(missing_ok=True)

    def client() -> Client:
        return Client(
            base_url=twin.base_url,
            token=twin.token,
            transport=twin.transport(),
            clock=twin.now,
            sleep=twin.advance,
        )

    store = Store.open(state)
    with client() as c:
        for line in apply_plan(
            store, read_plan(plan_path), server_view(c), twin.now(), source=str(plan_path)
        ):
            say(f"    {line}")
    store.close()
    result = fly(
        state,
        client,
        TwinClock(twin.now, twin.advance),
        lambda t: twin.advance(max(0.0, t - twin.now())),
        progress=lambda line: say(f"    {line}"),
    )
    say(f"    {result.ticks} ticks, {result.requests} requests")
    store = Store.open(state)
    click.echo(render_status(status_data(store, twin.now())))
    with client() as c:
        problems = check(store, c)
    store.close()
    for p in problems:
        say(f"    MISMATCH {p}")
    say("    check: ledger and cargo reconcile" if not problems else "    check FAILED")
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else Path("demo-out")
    from plancc.errors import PlanccError

    try:
        return run(out)
    except PlanccError as exc:
        click.echo(f"error: {exc}", err=True)
        return exc.exit_code


if __name__ == "__main__":
    raise SystemExit(main())
