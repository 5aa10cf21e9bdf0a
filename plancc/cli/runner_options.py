"""Options and helpers the runner's commands share (apply, run, status, tasks, cron).

Exit codes come from the error classes through ``plancc.cli.exits`` (``run`` raises
``RunnerStopped``: 3 on a universe reset, 4 on a broken state file); ``status --check`` exits 1 when the ledger or the cargo do not reconcile. ``run``
imports neither the compiler nor httpx unless a request is due.
"""

from __future__ import annotations

import os
from typing import Any

import click

DEFAULT_STATE = "state.db"

state_option = click.option(
    "--state",
    "state",
    default=DEFAULT_STATE,
    show_default=True,
    type=click.Path(dir_okay=False),
    envvar="PLANCC_STATE",
    help="The runner's state file (SQLite).",
)
api_url_option = click.option(
    "--api-url", envvar="PLANCC_API_URL", help="API base URL (default $PLANCC_API_URL)."
)
token_file_option = click.option(
    "--token-file", type=click.Path(dir_okay=False), help="File holding the agent token."
)


def client_factory(
    api_url: str | None, token_file: str | None, budget_s: float | None = None
) -> Any:
    """Builds the client on first use. A tick's client accepts 429 waits up to its budget:
    a longer one raises ``RateLimited`` and the ship's retry is carried to a later tick."""

    def make() -> Any:
        from plancc.api import Client

        extra: dict[str, Any] = {"max_retry_after_s": budget_s} if budget_s is not None else {}
        client = Client(base_url=api_url, token_file=token_file, **extra)
        if not client.has_token:
            from plancc.errors import InputError

            raise InputError(
                "no agent token: set SPACETRADERS_TOKEN, PLANCC_TOKEN_FILE or pass --token-file"
            )
        return client

    return make


def clock_for(state: str) -> Any:
    """The server's clock; on a twin served with ``PLANCC_TWIN_CLOCK=URL`` its virtual clock."""
    twin = os.environ.get("PLANCC_TWIN_CLOCK")
    if twin:
        from runner.clock import TwinHttpClock

        return TwinHttpClock(twin)
    from runner.clock import ServerClock

    return ServerClock()
