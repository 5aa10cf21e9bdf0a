"""Every command explains itself: `--help` works and shows an example (sqlite-utils' habit)."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from plancc.cli import COMMANDS, cli


def _commands() -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    ctx = click.Context(cli)
    for name in sorted(COMMANDS):
        cmd = cli.get_command(ctx, name)
        if cmd is None:
            continue
        found.append((name, cmd))
        if isinstance(cmd, click.Group):
            for sub in cmd.list_commands(ctx):
                found.append((f"{name} {sub}", cmd.get_command(ctx, sub)))
    return found


def test_every_registered_command_exists():
    ctx = click.Context(cli)
    missing = [name for name in COMMANDS if cli.get_command(ctx, name) is None]
    assert missing == []


@pytest.mark.parametrize("name", [n for n, _ in _commands()])
def test_command_help_shows_an_example(name):
    result = CliRunner().invoke(cli, [*name.split(), "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output, f"`plancc {name} --help` has no example"
