"""``plancc cron``: the crontab lines for this checkout and state, from ``cron/crontab.j2``."""

from __future__ import annotations

import shutil
import sys
from importlib import resources
from pathlib import Path


def template_text() -> str:
    """``cron/crontab.j2`` of the checkout, else the copy installed as ``runner.cron``."""
    beside = Path(__file__).resolve().parent.parent / "cron" / "crontab.j2"
    if beside.is_file():
        return beside.read_text(encoding="utf-8")
    return resources.files("runner.cron").joinpath("crontab.j2").read_text(encoding="utf-8")


def crontab_line(state: str, log: str | None = None, budget: float = 55.0) -> str:
    import jinja2

    text = template_text()
    state_path = Path(state).expanduser().resolve()
    plancc = shutil.which("plancc") or f"{sys.executable} -m plancc"
    checkout = Path.cwd().resolve()
    line: str = jinja2.Template(text, keep_trailing_newline=True, autoescape=False).render(
        state=state_path,
        log=Path(log).expanduser().resolve() if log else f"{state_path}.log",
        plancc=plancc,
        checkout=checkout,
        budget=f"{budget:g}",
        token_file=str(Path("~/.config/plancc/token").expanduser()),
    )
    return line
