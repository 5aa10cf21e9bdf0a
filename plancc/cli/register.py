"""``plancc register SYMBOL --faction F``: a new agent; its token goes to a 0600 file.

The library side (``plancc.register``) does the request and writes the file; this prints what
was created, never the token.
"""

from __future__ import annotations

from pathlib import Path

import click


@click.command("register")
@click.argument("symbol")
@click.option("--faction", default="COSMIC", show_default=True, help="Starting faction.")
@click.option(
    "--token-file",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="PLANCC_TOKEN_FILE",
    default="agent.token",
    show_default=True,
    help="Where the new agent token is written, mode 0600 (default $PLANCC_TOKEN_FILE).",
)
@click.option(
    "--replace",
    is_flag=True,
    help="Overwrite an existing token file (after a weekly reset the old token is dead).",
)
@click.option(
    "--api-url",
    envvar="PLANCC_API_URL",
    help="API base URL (default $PLANCC_API_URL, else https://api.spacetraders.io/v2).",
)
def register_cmd(
    symbol: str, faction: str, token_file: Path, replace: bool, api_url: str | None
) -> None:
    """Register a new agent with the account token in $SPACETRADERS_ACCOUNT_TOKEN.

    The agent token the server returns is written to --token-file with mode 0600 and is never
    printed; later commands read it through $PLANCC_TOKEN_FILE or --token-file.

    \b
    Example:
      export SPACETRADERS_ACCOUNT_TOKEN=...   # from the account dashboard
      plancc register BADGER --faction COSMIC --token-file ~/.plancc/agent.token
    """
    from plancc.register import account_token_from_env, register_agent

    agent = register_agent(
        symbol,
        faction,
        token_file,
        account_token=account_token_from_env(),
        base_url=api_url,
        replace=replace,
    )
    click.echo(
        f"registered {agent.symbol} ({agent.faction}) at {agent.headquarters}: "
        f"{agent.credits:,} credits, {len(agent.ships)} ships ({', '.join(agent.ships)})"
    )
    click.echo(f"agent token written to {agent.token_file} (mode 0600)")
