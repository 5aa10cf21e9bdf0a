"""``make demo`` / ``plancc demo``: the product end to end on the twin, with no internet.

1. start the digital twin of the SpaceTraders API (seeded generated universe on a virtual
   clock, or ``--from`` a recorded snapshot; in-process, or ``--serve`` over loopback HTTP),
   with an agent whose fleet is ``--ships`` haulers and probes;
2. scout: probes fly to every market through the real client, reading each market's trade
   goods as they arrive (the game shows them only to a ship that is there);
3. snapshot the system (agent, fleet, waypoints, the markets as scouted) to a file;
4. compile (``plancc loop``'s first pass: nothing is active yet), show the diff against the
   empty plan, apply it, and draw the plan's report;
5. fly ``--hours`` of game time: the runner's tick every game-minute, ``plancc loop`` every 15
   (scouting stale markets, learning, pausing, re-planning), with a progress bar;
6. a summary table (``--json``: one JSON object) and a run report page.

Everything it writes goes to ``demo-out/``: snapshot.json, plan.yaml (the first plan),
plan.html (its report), run.html (the run report), state.db (the runner's state), plans/ (every
plan the loop compiled).
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from plancc.api import Client
from plancc.travel import distance

Say = Callable[[str], None]

SEED = 3  # seed 1's universe offers almost no profitable work on the calibrated twin economy
PROBES = 4
HAULERS = 10
HOURS = 6.0
DRAIN_HOURS = (
    8.0  # after --hours: no new work, fly on until the pipelines end (runner patience 6 h)
)
SUMMARY_KEYS = (
    "credits_per_hour",
    "utilisation",
    "pipelines_completed",
    "pipelines_failed",
    "pipelines_dropped",
    "requests_per_task",
    "profit_per_request",
    "planned_margin",
    "realised_margin",
    "http_429",
    "ledger_reconciled",
)


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
    say(f"    {len(seen)}/{len(markets)} markets read by {len(probes)} probes")
    return seen


def make_twin(seed: int, ships: int, probes: int, source: Path | None, faults: str | None) -> Any:
    from plancc.sim.app import Twin
    from plancc.sim.serve import load_twin_source, parse_faults

    config = parse_faults(faults, seed) if faults else None
    if source is not None:
        twin = Twin.from_snapshot(load_twin_source(source), seed=seed, traders=0.02)
    else:
        twin = Twin.generate(seed, haulers=ships, probes=probes, traders=0.02)
    if config is not None:
        twin.faults.configure(config)  # switched on once the plan is applied
    return twin


def run(
    out: Path,
    *,
    seed: int = SEED,
    ships: int = HAULERS,
    probes: int = PROBES,
    hours: float = HOURS,
    source: Path | None = None,
    serve: bool = False,
    faults: str | None = None,
    as_json: bool = False,
    time_limit_s: float = 5.0,
    drain_hours: float = DRAIN_HOURS,
    say: Say = _say,
) -> int:
    from contextlib import ExitStack

    from plancc.diff import diff_plans
    from plancc.fileio import write_atomically
    from plancc.loop.run import LoopSettings
    from plancc.loop.session import Flight
    from plancc.planfile import load_plan
    from plancc.render.diff import render_text, summary_line
    from plancc.render.report import render_report_html
    from plancc.render.run_report import render_run_report
    from plancc.snapshot import take_snapshot, write_snapshot

    out.mkdir(parents=True, exist_ok=True)
    for stale in ("state.db", "state.db-wal", "state.db-shm", "plans"):
        p = out / stale
        shutil.rmtree(p) if p.is_dir() else p.unlink(missing_ok=True)
    where = f"snapshot {source}" if source else f"generated universe seed {seed}"
    say(
        f"1/6 twin: {where}, {ships} haulers and {probes} probes{', over loopback HTTP' if serve else ''}"
    )
    twin = make_twin(seed, ships, probes, source, faults)
    with ExitStack() as stack:
        url = stack.enter_context(_served(twin)) if serve else None
        clock_start = twin.now()
        client = Client(
            base_url=url or twin.base_url,
            token=twin.token,
            transport=None if serve else twin.transport(),
            clock=twin.now,
            wall=twin.now,
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
        write_snapshot(snap, out / "snapshot.json")
        say(
            f"    {len(snap['markets'])} markets in {(twin.now() - clock_start) / 3600:.1f} "
            f"game-hours, {client.total_requests} requests -> {out / 'snapshot.json'}"
        )

        say("4/6 compile, review against the empty plan, apply")
        settings = LoopSettings(out_dir=out / "plans", time_limit_s=time_limit_s)
        flight = Flight.start_on(twin, out, snap, settings, http_url=url)
        first = flight.loop()
        if first.plan_path is None:
            say(f"    nothing applied: {first.reason}")
            return 1
        plan = load_plan(first.plan_path)
        shutil.copyfile(first.plan_path, out / "plan.yaml")
        d = diff_plans(_empty(plan), plan)
        if not as_json:
            click.echo(render_text(d))
        write_atomically(out / "plan.html", render_report_html(plan))
        say(f"    {summary_line(d)}; {first.outcome}: {first.reason}")
        say(f"    plan report: {out / 'plan.html'}")

        say(f"5/6 fly {hours:g} game-hours: a tick every game-minute, the loop every 15")
        if faults:
            twin.faults.enabled = True
        bar = ProgressBar(flight.start, hours)
        flight.run(hours, bar.update)
        bar.done()
        if drain_hours > 0:
            say(
                f"    no new work from here: flying on until every pipeline has ended "
                f"(at most {drain_hours:g} more game-hours)"
            )
            ended = flight.drain(drain_hours)
            flown = (twin.now() - flight.start) / 3600.0
            say(
                f"    {'every pipeline ended' if ended else 'work still open'} after "
                f"{flown:.1f} game-hours"
            )
        twin.faults.enabled = False

        say("6/6 summary")
        summary = flight.summary()
        title = f"{snap['system']}: {ships} haulers, {summary['game_hours']:g} game-hours"
        data = flight.report_data(title)
        write_atomically(out / "run.html", render_run_report(data))
        status = _status_text(flight)
    shown = {k: summary[k] for k in SUMMARY_KEYS}
    if as_json:
        click.echo(json.dumps(shown, sort_keys=False))
    else:
        click.echo(status)
        click.echo(summary_table(shown))
    say(f"    run report: {out / 'run.html'}; state: {out / 'state.db'}")
    return 0 if summary["ledger_reconciled"] else 1


def _status_text(flight: Any) -> str:
    """What ``plancc status --state demo-out/state.db`` shows at the end of the flight."""
    from runner.state import Store
    from runner.status import render_status, status_data

    store = Store.open(flight.state, create=False)
    try:
        return render_status(status_data(store, flight.twin.now()))
    finally:
        store.close()


def _empty(plan: Any) -> Any:
    """The plan before any: no pipeline, no task, no leg (for the first review)."""
    from dataclasses import replace

    return replace(plan, pipelines=(), tasks=(), legs=(), ships=(), rejected=())


class _served:
    """The twin over loopback HTTP on a thread; the URL of its ``/v2``."""

    def __init__(self, twin: Any) -> None:
        self.twin = twin

    def __enter__(self) -> str:
        import threading
        from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

        class Quiet(WSGIRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = make_server("127.0.0.1", 0, self.twin.wsgi(), WSGIServer, Quiet)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return f"http://127.0.0.1:{self.server.server_address[1]}/v2"

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)
        self.server.server_close()


class ProgressBar:
    """game time, credits, active pipelines, utilisation; redrawn in place on a terminal,
    one line per game-hour otherwise."""

    def __init__(self, start: float, hours: float, width: int = 24) -> None:
        self.start, self.hours, self.width = start, hours, width
        self.tty = sys.stderr.isatty()
        self.last_hour = -1

    def update(self, flight: Any) -> None:
        done = min(1.0, (flight.twin.now() - self.start) / (self.hours * 3600.0))
        hour = int((flight.twin.now() - self.start) // 3600)
        if not self.tty and hour == self.last_hour and done < 1.0:
            return
        self.last_hour = hour
        credits = flight.credits[-1][1] if flight.credits else 0
        active, util = flight.live_figures()
        filled = int(done * self.width)
        line = (
            f"[{'#' * filled}{'.' * (self.width - filled)}] "
            f"{done * self.hours:4.1f}/{self.hours:g} h  credits {credits:,}  "
            f"pipelines {active} active  utilisation {util:.0%}"
        )
        if self.tty:
            click.echo("\r" + line, err=True, nl=False)
        else:
            click.echo("    " + line, err=True)

    def done(self) -> None:
        if self.tty:
            click.echo("", err=True)


def summary_table(summary: dict[str, Any]) -> str:
    labels = {
        "credits_per_hour": "credits / hour",
        "utilisation": "utilisation",
        "pipelines_completed": "pipelines completed",
        "pipelines_failed": "pipelines failed",
        "pipelines_dropped": "dropped unstarted by a re-plan",
        "requests_per_task": "requests / task",
        "profit_per_request": "profit / request",
        "planned_margin": "planned margin",
        "realised_margin": "realised margin",
        "http_429": "429s received",
        "ledger_reconciled": "ledger reconciled",
    }

    def shown(k: str, v: Any) -> str:
        if v is None:
            return "-"
        if isinstance(v, bool):
            return "yes" if v else "NO"
        if k in ("utilisation", "planned_margin", "realised_margin"):
            return f"{v:.1%}"
        if isinstance(v, float):
            return f"{v:,.2f}" if abs(v) < 100 else f"{v:,.0f}"
        return f"{v:,}"

    rows = [(labels[k], shown(k, v)) for k, v in summary.items()]
    w = max(len(a) for a, _ in rows)
    v = max(len(b) for _, b in rows)
    line = f"+{'-' * (w + 2)}+{'-' * (v + 2)}+"
    body = "\n".join(f"| {a:<{w}} | {b:>{v}} |" for a, b in rows)
    return f"{line}\n{body}\n{line}"


@click.command("demo")
@click.argument("out", default="demo-out", type=click.Path(file_okay=False, path_type=Path))
@click.option("--ships", default=HAULERS, show_default=True, help="Haulers in the fleet.")
@click.option("--probes", default=PROBES, show_default=True, help="Probes (scouts) in the fleet.")
@click.option("--hours", default=HOURS, show_default=True, help="Game-hours to fly.")
@click.option("--seed", default=SEED, show_default=True, help="Universe seed.")
@click.option(
    "--from",
    "source",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Seed the twin from a recorded snapshot instead of a generated universe.",
)
@click.option("--serve", is_flag=True, help="Talk to the twin over loopback HTTP.")
@click.option("--faults", help="Inject faults while flying, e.g. '503=0.05,lost=0.01'.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
@click.option("--time-limit", default=5.0, show_default=True, help="Compile time limit (s).")
@click.option(
    "--drain-hours",
    default=DRAIN_HOURS,
    show_default=True,
    type=click.FloatRange(min=0),
    help="After --hours, no new work: fly on until every pipeline has ended, at most this long.",
)
def demo_cmd(
    out: Path,
    ships: int,
    probes: int,
    hours: float,
    seed: int,
    source: Path | None,
    serve: bool,
    faults: str | None,
    as_json: bool,
    time_limit: float,
    drain_hours: float,
) -> None:
    """Start the twin, scout, compile, apply, and fly a fleet for some game-hours.

    Writes demo-out/: snapshot, the first plan and its report, the run report, the state.

    \b
    Example:
      plancc demo                          # 10 haulers, 6 game-hours, seed 3
      plancc demo --hours 2 --ships 4 --json
      plancc demo --from ../shared/realdata/X1-AD75-universe-snapshot.json --serve
    """
    code = run(
        out,
        seed=seed,
        ships=ships,
        probes=probes,
        hours=hours,
        source=source,
        serve=serve,
        faults=faults,
        as_json=as_json,
        time_limit_s=time_limit,
        drain_hours=drain_hours,
    )
    sys.exit(code)


def main(argv: list[str] | None = None) -> int:
    from plancc.errors import PlanccError

    try:
        demo_cmd.main(args=sys.argv[1:] if argv is None else argv, prog_name="plancc demo")
    except SystemExit as exc:
        return int(exc.code or 0)
    except PlanccError as exc:
        click.echo(f"error: {exc}", err=True)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
