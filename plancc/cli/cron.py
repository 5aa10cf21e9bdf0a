"""``plancc cron``: the crontab line for this checkout (library: ``runner.crontab``)."""

from __future__ import annotations

import click

from plancc.cli.runner_options import (
    state_option,
)


@click.command("cron")
@state_option
@click.option("--log", "log_file", default=None, help="Log file (default: STATE.log).")
@click.option("--budget", default=55.0, show_default=True)
def cron_cmd(state: str, log_file: str | None, budget: float) -> None:
    """Print the crontab line that runs one tick a minute for this checkout and state.

    \b
    Example:
      plancc cron --state ~/plancc/state.db | crontab -    # replaces your crontab!
      (crontab -l; plancc cron --state ~/plancc/state.db) | crontab -
    """
    from runner.crontab import crontab_line

    click.echo(crontab_line(state, log_file, budget))
