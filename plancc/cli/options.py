"""Option types shared by the commands: numbers that must be finite and within bounds.

click's ``FloatRange`` lets NaN through (every comparison with NaN is false) and ``inf``
through an open upper end; a NaN speed or an infinite time limit then breaks a loop far from
the command line. ``Finite`` refuses both at the option, naming it, with exit 2.
"""

from __future__ import annotations

import math
from typing import Any

import click


class Finite(click.FloatRange):
    """A float in ``[min, max]`` (``min_open``: ``> min``) that is not NaN or infinite."""

    name = "finite float"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = click.FLOAT.convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return super().convert(number, param, ctx)
