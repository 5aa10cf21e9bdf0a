"""The ``plancc`` command: a thin click group, one module per command in this package.

Each command is imported only when it runs, so ``plancc run`` (the cron tick) never pays for
OR-Tools or the twin. Adding a command is one module here plus one line in ``COMMANDS``.

Commands open files, call the library and print; they do not catch plancc's errors. The group
does, in one place (``exits.failure``): every ``PlanccError`` becomes one message on stderr and
the exit code its class carries (0 ok, 1 failure or "changed" (diff), 2 bad input). Nothing
outside ``plancc/cli/`` imports this package.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from plancc.cli.exits import GuardedGroup, failure
from plancc.errors import PlanccError

# command name -> "module:attribute" of a click.Command
COMMANDS: dict[str, str] = {
    "validate": "plancc.cli.validate:validate",
    "compile": "plancc.cli.compile:compile_cmd",
    "diff": "plancc.cli.diff:diff_cmd",
    "report": "plancc.cli.report:report_cmd",
    "snapshot": "plancc.cli.snapshot:snapshot_cmd",
    "sim": "plancc.cli.sim:sim",
    "register": "plancc.cli.register:register_cmd",
    "apply": "plancc.cli.apply:apply_cmd",
    "run": "plancc.cli.run:run_cmd",
    "status": "plancc.cli.status:status_cmd",
    "tasks": "plancc.cli.tasks:tasks_cmd",
    "cron": "plancc.cli.cron:cron_cmd",
    "loop": "plancc.cli.loop:loop_cmd",
    "demo": "plancc.cli.demo:demo_cmd",
}


class LazyGroup(GuardedGroup):
    """Finds a command's module in ``COMMANDS`` only when the command is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, _, attr = target.partition(":")
        try:
            command: click.Command = getattr(importlib.import_module(module), attr)
        except ModuleNotFoundError as exc:
            if exc.name == module:  # the command is planned but not built yet
                return None
            raise
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="plancc")
def cli() -> None:
    """plancc: compile a SpaceTraders fleet's work into a plan, review it, run it.

    \b
    Example:
      plancc validate recipes/*.yaml
      plancc compile --snapshot snap.json -o plans/today.yaml
    """


def main(argv: list[str] | None = None) -> Any:
    try:
        return cli.main(args=argv, prog_name="plancc", standalone_mode=True)
    except PlanccError as exc:  # raised while click parsed options, outside a command
        message, code = failure(exc)
        click.echo(message, err=True)
        sys.exit(code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
