"""``plancc snapshot``: record one system from the API as a snapshot file.

The recording is ``plancc.snapshot.take_snapshot``; its layout is described there.
"""

from __future__ import annotations

from pathlib import Path

import click

from plancc.cli.options import Finite


@click.command("snapshot")
@click.option("--system", help="System to record (default: the agent's headquarters system).")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Snapshot file to write (JSON).",
)
@click.option(
    "--api-url",
    envvar="PLANCC_API_URL",
    help="API base URL (default $PLANCC_API_URL, else https://api.spacetraders.io/v2).",
)
@click.option(
    "--token-file",
    type=click.Path(dir_okay=False),
    help="File holding the agent token (default $SPACETRADERS_TOKEN, else $PLANCC_TOKEN_FILE).",
)
@click.option(
    "--max-retry-after",
    type=Finite(0, 86400),
    default=120.0,
    show_default=True,
    help="Longest wait (s) a rate-limited request accepts; a server asking more fails at once.",
)
@click.option(
    "--state",
    type=click.Path(dir_okay=False, exists=True),
    help="Runner state: merge its freshest market observations in (each market's age noted).",
)
def snapshot_cmd(
    system: str | None,
    output: Path,
    api_url: str | None,
    token_file: str | None,
    max_retry_after: float,
    state: str | None = None,
) -> None:
    """Record agent, ships, waypoints and markets of one system into a snapshot file.

    Markets show prices (tradeGoods) only where one of your ships is; those get an
    observedAt time. Progress goes to stderr.

    \b
    Example:
      plancc snapshot -o snap.json
      plancc snapshot --system X1-AD75 --api-url http://127.0.0.1:8080/v2 -o snap.json
      plancc snapshot --state state.db -o snap.json
    """
    from plancc.api import Client
    from plancc.errors import InputError
    from plancc.fileio import check_output
    from plancc.snapshot import take_snapshot, write_snapshot

    check_output(output, [token_file, state])  # before minutes of API calls; never an input
    client = Client(base_url=api_url, token_file=token_file, max_retry_after_s=max_retry_after)
    if not client.has_token:
        raise InputError(
            "no agent token: set SPACETRADERS_TOKEN, PLANCC_TOKEN_FILE or pass --token-file"
        )
    with client:
        snap = take_snapshot(client, system, progress=lambda m: click.echo(m, err=True))
    if state:
        from runner.observe import merge_observations
        from runner.state import Store

        store = Store.open(state, create=False)
        snap = merge_observations(snap, store)
        store.close()
    write_snapshot(snap, output, inputs=[token_file, state])
    click.echo(
        f"wrote {output}: {len(snap['waypoints'])} waypoints, {len(snap['markets'])} markets"
        f" ({len(snap['observedAt'])} with trade goods), {len(snap['ships'])} ships;"
        f" {client.total_requests} requests",
        err=True,
    )
