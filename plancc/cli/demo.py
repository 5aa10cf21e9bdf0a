"""``plancc demo``: the product end to end on the twin (library: ``plancc.demo``)."""

from __future__ import annotations

from plancc.demo import demo_cmd

__all__ = ["demo_cmd"]
