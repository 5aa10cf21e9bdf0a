"""``plancc apply PLAN``: make a plan the runner's active plan (library: ``runner.apply``)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click

from plancc.cli.runner_options import (
    api_url_option,
    client_factory,
    state_option,
    token_file_option,
)


@click.command("apply")
@click.argument("plan", type=click.Path(dir_okay=False))
@state_option
@click.option("--dry-run", is_flag=True, help="Print what would change; write nothing.")
@click.option(
    "--snapshot",
    type=click.Path(dir_okay=False, exists=True),
    help="The snapshot PLAN was compiled from: the runner learns from it where fuel is sold "
    "and the prices it shows (each at the time it was read).",
)
@api_url_option
@token_file_option
def apply_cmd(
    plan: str,
    state: str,
    dry_run: bool,
    api_url: str | None,
    token_file: str | None,
    snapshot: str | None = None,
) -> None:
    """Make PLAN the active plan; work in flight carries over, what no longer matches is
    liquidated. Prints the changes like a diff.

    \b
    Example:
      plancc apply plans/today.yaml --state state.db --dry-run
      plancc apply plans/today.yaml --state state.db --snapshot snap.json
    """

    def go() -> None:
        from runner import lock
        from runner.apply import apply_plan, server_view
        from runner.planview import read_plan
        from runner.state import Store

        view = read_plan(plan)
        seed = _snapshot_for(view.system, snapshot) if snapshot else None

        def against(store_path: str) -> list[str]:
            store = Store.open(store_path)
            with client_factory(api_url, token_file)() as client:
                server = server_view(client)
                now = client.server_time.timestamp() if client.server_time else 0.0
            changes = apply_plan(store, view, server, now, source=plan, dry_run=dry_run)
            if seed is not None:
                from plancc.loop.statesnap import fuel_markets, seed_from_snapshot

                if not dry_run:
                    seed_from_snapshot(store, seed)
                changes.append(
                    f"  fuel known at {len(fuel_markets(seed))} of {len(seed['markets'])} "
                    f"markets of {snapshot}"
                )
            if not dry_run and now:  # the first tick knows the server's time already
                store.put(time_offset=now + 0.5 - time.time())
            store.close()
            return changes

        try:
            if dry_run and not Path(state).exists():
                changes = against(":memory:")  # a preview never creates the state file
            else:
                with lock.exclusive(state):
                    changes = against(state)
        except lock.LockHeld as exc:
            from plancc.errors import StateError

            raise StateError(f"{exc}: try again after the tick") from exc
        for line in changes:
            click.echo(line)
        click.echo(
            f"{'would apply' if dry_run else 'applied'} plan {view.plan_id}: "
            f"{len(view.pipelines)} pipelines, {len(view.tasks)} tasks, {len(view.legs)} legs",
            err=True,
        )

    go()


def _snapshot_for(system: str, path: str) -> dict[str, Any]:
    """The snapshot at ``path``, checked as ``plancc compile`` checks it, and of ``system``."""
    from plancc.doc import read_or_raise
    from plancc.errors import InputError
    from plancc.load import check_snapshot_doc

    doc, errors = read_or_raise(Path(path), "snapshot")
    snap = check_snapshot_doc(doc, errors)
    if snap.system != system:
        raise InputError(
            f"{snap.system}, but the plan is for {system}", doc.where(("system",)), "system"
        )
    data: dict[str, Any] = doc.data
    return data
