"""The one jinja2 environment for every page and text report, with plancc's filters."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import jinja2

from plancc.render.fmt import fmt_credits, fmt_duration, fmt_field

TEMPLATES = Path(__file__).parent / "templates"


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html", "html.j2"]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["cr"] = lambda v: f"{int(v):,}"
    env.filters["compact"] = fmt_credits
    env.filters["dur"] = fmt_duration
    env.filters["scr"] = lambda v: f"{int(v):+,}"
    env.filters["sdur"] = lambda v: ("+" if v >= 0 else "") + fmt_duration(v)
    env.filters["pct"] = lambda v: f"{v:.1%}"
    env.filters["short"] = _short_hash
    env.globals["fmt_field"] = fmt_field
    return env


def _short_hash(v: object) -> str:
    s = str(v)
    return s[:19] if s.startswith("sha256:") else s
