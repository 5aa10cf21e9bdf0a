"""``plancc run``: one cron tick (library: ``runner.tick``)."""

from __future__ import annotations

import click

from plancc.cli.runner_options import (
    api_url_option,
    client_factory,
    clock_for,
    state_option,
    token_file_option,
)


@click.command("run")
@state_option
@click.option("--budget", default=55.0, show_default=True, help="Seconds of work, then exit.")
@click.option("--dry-run", is_flag=True, help="Read the server, print the actions; change nothing.")
@api_url_option
@token_file_option
def run_cmd(
    state: str, budget: float, dry_run: bool, api_url: str | None, token_file: str | None
) -> None:
    """One tick: every action due now, then wait for arrivals inside the budget, then exit.

    Exit codes: 0 normal (also when another tick holds the lock), 3 the universe was reset,
    4 the state file is broken.

    \b
    Example (cron, every minute):
      plancc run --state state.db --budget 55
      plancc run --state state.db --dry-run
    """
    from runner.tick import run_tick

    def go() -> None:
        r = run_tick(
            state,
            client_factory(api_url, token_file, budget),
            clock_for(state),
            budget_s=budget,
            dry_run=dry_run,
        )
        if r.outcome == "preview":
            total = 0
            for a in r.preview:
                click.echo(a.describe())
                sign = -1 if a.kind == "BUY" else 1 if a.kind == "SELL" else 0
                total += sign * a.price * a.units
            click.echo(
                f"{len(r.preview)} actions, expected credits {total:+,} "
                f"({r.request_count} reads for the preview)"
            )
            return
        if r.outcome in ("reset", "broken"):
            from plancc.errors import RunnerStopped

            raise RunnerStopped(r.message, r.exit_code)
        if r.message:
            click.echo(r.message, err=True)
        elif r.outcome != "idle":
            click.echo(
                f"tick: {r.actions} actions, {r.request_count} requests, {r.errors} errors",
                err=True,
            )

    go()
