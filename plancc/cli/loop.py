"""``plancc loop``: one pass of the closed loop (library: ``plancc.loop.run``), for cron every
15 minutes; ``--cron`` prints that crontab line."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import click

from plancc.cli.runner_options import (
    api_url_option,
    client_factory,
    clock_for,
    state_option,
    token_file_option,
)


@click.command("loop")
@state_option
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where the loop writes its snapshot and each candidate plan (default: STATE-loop/).",
)
@click.option("--recipes", multiple=True, help="Recipe files or folders (default: bundled).")
@click.option("--policy", default=None, help="Policy file (default: the bundled policy.yaml).")
@click.option(
    "--threshold",
    type=float,
    default=None,
    help="Apply only a plan this much better per hour (default: policy loop_apply_threshold).",
)
@click.option("--time-limit", type=float, default=10.0, show_default=True)
@click.option("--no-scout", is_flag=True, help="Do not send probes to markets with stale prices.")
@click.option(
    "--cron", "cron", is_flag=True, help="Print the crontab line (every 15 min) and exit."
)
@api_url_option
@token_file_option
def loop_cmd(
    state: str,
    out: Path | None,
    recipes: tuple[str, ...],
    policy: str | None,
    threshold: float | None,
    time_limit: float,
    no_scout: bool,
    cron: bool,
    api_url: str | None,
    token_file: str | None,
) -> None:
    """Re-plan from what the fleet has seen; apply only when better by the threshold.

    Probes visit markets whose prices are stale; figures learned from the state (production
    delays, price impact) replace policy defaults; products whose realised margin stays low
    are paused. Work in flight is pinned. What was applied, or why not, goes to the events
    (`plancc status`) and to stdout.

    \b
    Example:
      plancc loop --state state.db
      (crontab -l; plancc loop --state ~/plancc/state.db --cron) | crontab -
    """
    if cron:
        click.echo(_cron_line(state))
        return
    from plancc.loop.run import LoopSettings, loop_once

    settings = LoopSettings(
        out_dir=out or Path(f"{state}-loop"),
        threshold=threshold,
        recipes=recipes,
        policy=policy,
        time_limit_s=time_limit,
        scout=not no_scout,
    )
    client = client_factory(api_url, token_file)()
    with client:
        result = loop_once(Path(state), client, clock_for(state).now(), settings)
    for order in sorted(result.scouted.items()):
        click.echo(f"scout {order[0]} -> {order[1]}")
    for ch in result.pauses:
        click.echo(f"{ch.action} {ch.product}: {ch.reason}")
    click.echo(f"{result.outcome}: {result.reason}")
    for line in result.changes:
        click.echo(f"  {line}")
    if result.learned:
        for name, fig in sorted(result.learned.items()):
            click.echo(f"learned {name} = {fig['value']} from {fig['observations']} observations")
    click.echo(f"{result.requests} requests", err=True)


def _cron_line(state: str) -> str:
    plancc = shutil.which("plancc") or f"{sys.executable} -m plancc"
    state = os.path.abspath(state)
    return (
        "# plancc loop: re-plan every 15 minutes (the token comes from PLANCC_TOKEN_FILE)\n"
        f"*/15 * * * * cd {os.getcwd()} && {plancc} loop --state {state} "
        f">> {state}.loop.log 2>&1"
    )
