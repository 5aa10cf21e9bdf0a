"""The one place where plancc's exceptions become a message and an exit code.

The exit code is the one the exception's class carries (``plancc.errors``: ``InputError`` 2,
any other ``PlanccError`` 1); a command that needs a new code gives its error class one there.
The message is one line (``error: file:line:col: field: problem``); ``InputErrors`` (several
problems found in one pass) print one such line each, without the ``error:`` prefix, the way
``plancc validate`` prints them.
"""

from __future__ import annotations

from typing import Any

import click

from plancc.errors import InputErrors, PlanccError


def failure(exc: PlanccError) -> tuple[str, int]:
    """The message to print on stderr and the exit code for ``exc``."""
    text = str(exc)
    if isinstance(exc, InputErrors) and len(exc.errors) > 1:
        return text, exc.exit_code
    return f"error: {text}", exc.exit_code


class GuardedGroup(click.Group):
    """A click group whose commands (and sub-groups' commands) raise ``PlanccError`` freely:
    the group prints ``failure(exc)`` and exits with its code, no traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PlanccError as exc:
            message, code = failure(exc)
            click.echo(message, err=True)
            ctx.exit(code)
