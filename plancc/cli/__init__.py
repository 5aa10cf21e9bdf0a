"""The ``plancc`` command: a thin click group.

Each command lives in its own module and is imported only when it runs, so ``plancc run``
(the cron tick) never pays for OR-Tools or the twin. Commands map library errors to
one-line messages and exit codes: 0 ok, 1 failure or "changed" (diff), 2 bad input.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any

import click

from plancc.errors import PlanccError

# command name -> "module:attribute" of a click.Command
COMMANDS: dict[str, str] = {
    "validate": "plancc.cmd_validate:validate",
    "compile": "plancc.cmd_compile:compile_cmd",
    "diff": "plancc.cmd_diff:diff_cmd",
    "report": "plancc.cmd_report:report_cmd",
    "snapshot": "plancc.cmd_snapshot:snapshot_cmd",
    "sim": "plancc.sim.cli:sim",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, _, attr = target.partition(":")
        try:
            return getattr(importlib.import_module(module), attr)
        except ModuleNotFoundError as exc:
            if exc.name == module:  # the command is planned but not built yet
                return None
            raise


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="plancc")
def cli() -> None:
    """plancc: compile a SpaceTraders fleet's work into a plan, review it, run it.

    \b
    Example:
      plancc validate recipes/*.yaml
      plancc compile --snapshot snap.json -o plans/today.yaml
    """


def run_guarded(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call library code; turn PlanccError into a message on stderr and its exit code."""
    try:
        return fn(*args, **kwargs)
    except PlanccError as exc:
        click.echo(f"error: {exc}" if "\n" not in str(exc) else str(exc), err=True)
        sys.exit(exc.exit_code)


def main() -> None:
    try:
        cli(standalone_mode=True)
    except PlanccError as exc:  # a command that did not guard itself
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
