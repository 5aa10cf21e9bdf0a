"""``plancc report PLAN``: the plan as a page a player reads (Gantt, chains, P&L), or as text."""

from __future__ import annotations

import click


@click.command("report")
@click.argument("plan_file", metavar="PLAN", type=click.Path(dir_okay=False))
@click.option(
    "--html",
    "html_file",
    type=click.Path(dir_okay=False, writable=True),
    help="Write a self-contained HTML page (inline SVG and CSS, no network) to this file.",
)
def report_cmd(plan_file: str, html_file: str | None) -> None:
    """Report a plan: every ship's timeline, each pipeline's chain, expected profit and loss.

    With --html, writes one self-contained page with a Gantt chart (one row per ship, one bar
    per task); without it, prints the same report as text.

    \b
    Example:
      plancc report plans/today.yaml --html today.html
      plancc report plans/today.yaml | less
    """
    from plancc.fileio import check_output, write_atomically
    from plancc.planfile import load_plan
    from plancc.render.report import render_report_html, render_report_text

    if html_file is not None:
        check_output(html_file, [plan_file])  # never the plan itself (report P --html P)
    plan = load_plan(plan_file)
    if html_file is None:
        click.echo(render_report_text(plan), nl=False)
        return
    write_atomically(html_file, render_report_html(plan), inputs=[plan_file])
    click.echo(f"wrote {html_file}", err=True)
