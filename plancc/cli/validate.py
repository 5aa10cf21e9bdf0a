"""``plancc validate FILE...``: check recipe, policy, snapshot and plan files.

Prints what ``plancc.validate.validate_files`` found; exits 0 when every file is valid, 2 otherwise.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from plancc.validate import KINDS


@click.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--kind",
    type=click.Choice(KINDS),
    default=None,
    help="Treat every FILE as this kind instead of detecting it from its content.",
)
def validate(files: tuple[Path, ...], kind: str | None) -> None:
    """Check recipe, policy, snapshot and plan files; print OK or one line per problem.

    Each FILE's kind is detected from its content. Recipe files are checked together, merged
    in the order given (a later file may override a good). Exit status: 0 all valid, 2 not.

    \b
    Example:
      plancc validate recipes/supply-chain.yaml recipes/extra.yaml snapshot.json
    prints
      OK recipes/supply-chain.yaml (recipe)
      recipes/extra.yaml:12:7: goods.LASER_RIFLES.inputs[2]: unknown good 'DIAMOND' (did you mean 'DIAMONDS'?)
      OK snapshot.json (snapshot)
    """
    from plancc.validate import validate_files

    lines, ok = validate_files(list(files), kind)
    for line in lines:
        click.echo(line)
    sys.exit(0 if ok else 2)
