"""``plancc diff OLD NEW``: review what a recompile changed, like diff(1) for plans.

Exit status as diff(1): 0 the plans are the same, 1 they differ, 2 trouble (a missing or bad
plan file, reported as one ``file:line:col: field: problem`` line, never a traceback).
"""

from __future__ import annotations

import sys

import click


@click.command("diff")
@click.argument("old", type=click.Path(dir_okay=False))
@click.argument("new", type=click.Path(dir_okay=False))
@click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON object (with format_version)."
)
@click.option(
    "--html",
    "html_file",
    type=click.Path(dir_okay=False, writable=True),
    help="Also write a self-contained HTML page of the diff to this file.",
)
@click.option(
    "--threshold",
    type=click.IntRange(min=0),
    default=60,
    show_default=True,
    help="Report a leg's time shift only when it is more than this many seconds.",
)
@click.option(
    "--color/--no-color",
    default=False,
    help="Colour +/-/~ with ANSI codes (off by default: output is pasted into code reviews).",
)
def diff_cmd(
    old: str, new: str, as_json: bool, html_file: str | None, threshold: int, color: bool
) -> None:
    """Show what changed between two plan files and why it matters.

    A one-line summary first ("2 pipelines added, 5 legs moved, +41k cr/h"), then each item
    marked + (added), - (removed) or ~ (changed), split into direct changes (the item's own
    inputs changed: market, quantity, price, chain) and indirect ones (a leg moved to another
    ship or re-timed as a consequence). Identical plans print "No changes".

    Exit status: 0 same, 1 different, 2 error (like diff(1)).

    \b
    Example:
      plancc diff plans/yesterday.yaml plans/today.yaml
      plancc diff old.yaml new.yaml --json | jq .summary
      plancc diff old.yaml new.yaml --html review.html --threshold 300
    """
    from plancc.diff import diff_plans
    from plancc.errors import OutputError
    from plancc.fileio import check_output, write_atomically
    from plancc.planfile import load_plan
    from plancc.render.diff import render_diff_html, render_json, render_text

    if html_file:
        check_output(html_file, [old, new])  # never a plan under review (diff P Q --html P)
    d = diff_plans(load_plan(old), load_plan(new), time_threshold_s=threshold)
    if html_file:
        try:
            page = render_diff_html(d, old_label=old, new_label=new)
            write_atomically(html_file, page, inputs=[old, new])
        except OutputError as exc:
            exc.exit_code = 2  # diff(1): 1 means "the plans differ"; a failed write is trouble
            raise
    if as_json:
        click.echo(render_json(d), nl=False)
    else:
        click.echo(render_text(d, color=color, old_label=old, new_label=new), nl=False, color=color)
    sys.exit(1 if d.changed else 0)
