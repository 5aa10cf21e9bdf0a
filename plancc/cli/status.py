"""``plancc status``: progress, P&L, ships, and ``--check`` (library: ``runner.status``)."""

from __future__ import annotations

import json
import sys

import click

from plancc.cli.runner_options import (
    api_url_option,
    client_factory,
    clock_for,
    state_option,
    token_file_option,
)


@click.command("status")
@state_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option(
    "--check",
    is_flag=True,
    help="Verify the ledger against the agent's credits and the cargo aboard; exit 1 if not.",
)
@click.option(
    "--all",
    "all_pipelines",
    is_flag=True,
    help="List every pipeline, also those ended long ago or dropped unstarted by a re-plan.",
)
@api_url_option
@token_file_option
def status_cmd(
    state: str,
    as_json: bool,
    check: bool,
    all_pipelines: bool,
    api_url: str | None,
    token_file: str | None,
) -> None:
    """Pipelines with progress and P&L (totals, then the live ones and the 20 that ended last;
    --all lists every one), ships with task, phase and ETA, factories awaiting supply, why
    anything is parked, the last tick and recent errors.

    \b
    Example:
      plancc status --state state.db
      plancc status --state state.db --check
    """

    def go() -> None:
        from runner.state import Store
        from runner.status import check as run_check
        from runner.status import render_status, status_data

        store = Store.open(state, create=False)
        clock = clock_for(state)
        if hasattr(clock, "offset"):
            clock.offset = store.get_float("time_offset")
        data = status_data(store, clock.now(), all_pipelines=all_pipelines)
        problems: list[str] = []
        if check:
            with client_factory(api_url, token_file)() as client:
                problems = run_check(store, client)
            data["check"] = problems or "ok"
        click.echo(json.dumps(data, indent=2, default=str) if as_json else render_status(data))
        if check and not as_json:
            for p in problems:
                click.echo(f"MISMATCH {p}")
            if not problems:
                click.echo("check: ledger and cargo reconcile")
        if problems:
            sys.exit(1)

    go()
