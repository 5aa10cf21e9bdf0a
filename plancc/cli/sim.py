"""``plancc sim``: the digital twin's commands (the work is ``plancc.sim.serve``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from plancc.cli.exits import GuardedGroup
from plancc.cli.options import Finite


@click.group(cls=GuardedGroup)
def sim() -> None:
    """The digital twin of the SpaceTraders API.

    \b
    Example:
      eval "$(plancc sim serve --port 8787 --seed 1 --speed 10 | head -2)"
    """


@sim.command("serve")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8787,
    show_default=True,
    help="Loopback port (0: any free one).",
)
@click.option("--seed", default=1, show_default=True, help="Seed of the generated universe.")
@click.option(
    "--speed",
    type=Finite(0.0, 3600.0),  # markets catch up tick by tick: keep that bounded
    default=1.0,
    show_default=True,
    help="Game seconds per real second, up to 3600 (0: only /_twin/advance moves time).",
)
@click.option(
    "--from",
    "source",
    type=click.Path(path_type=Path),
    default=None,
    help="Seed from a snapshot JSON (plancc or recorded layout) or a saved twin state.",
)
@click.option(
    "--traders",
    type=Finite(0.0, 1.0),
    default=0.0,
    show_default=True,
    help="Background traders: chance per game-minute that a HIGH export is hit (0.02 ~ hourly).",
)
@click.option(
    "--rate-limit/--no-rate-limit",
    default=True,
    show_default=True,
    help="Apply the live server's 2/s + 30/60s limits.",
)
@click.option(
    "--save",
    type=click.Path(path_type=Path),
    default=None,
    help="Write the twin's state here when it stops.",
)
@click.option(
    "--faults",
    default="",
    help="Random faults per request, e.g. '503=0.05,lost=0.01' (kinds: 429, 429-bare,"
    " 429-html, 500, 502, 503, timeout, lost); seeded by --seed.",
)
@click.option(
    "--haulers",
    type=click.IntRange(0, 500),
    default=3,
    show_default=True,
    help="Generated fleet: haulers.",
)
@click.option(
    "--probes",
    type=click.IntRange(0, 500),
    default=1,
    show_default=True,
    help="Generated fleet: probes.",
)
@click.option("--waypoints", default=60, show_default=True, help="Generated system: 30..90.")
@click.option("--verbose", is_flag=True, help="Log request lines to stderr.")
def serve_cmd(**options: Any) -> None:
    """Serve the twin on 127.0.0.1 and print PLANCC_API_URL and SPACETRADERS_TOKEN.

    The two lines are shell-ready; Ctrl-C or SIGTERM stops the server.

    \b
    Example:
      plancc sim serve --port 8787 --seed 1 --speed 10
      plancc sim serve --from ../shared/realdata/X1-AD75-universe-snapshot.json
    """
    from plancc.sim.serve import ServeOptions, serve

    serve(ServeOptions(**options))
