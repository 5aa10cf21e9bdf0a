"""``plancc tasks``: the task queue (library: ``runner.status``)."""

from __future__ import annotations

import json

import click

from plancc.cli.runner_options import (
    state_option,
)


@click.command("tasks")
@state_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def tasks_cmd(state: str, as_json: bool) -> None:
    """The task queue: status, ship, dependencies, retries and last error of every task.

    \b
    Example:
      plancc tasks --state state.db --json
    """

    def go() -> None:
        from runner.state import Store
        from runner.status import render_tasks, tasks_data

        rows = tasks_data(Store.open(state, create=False))
        click.echo(json.dumps(rows, indent=2) if as_json else render_tasks(rows))

    go()
