"""A small reference run for the run report tests: two ships, two pipelines, one failed."""

from __future__ import annotations

from plancc.render.run_report import PipelineRun, RunData, ShipRun, Span

T0 = 1_767_571_200.0  # 2026-01-05 00:00 UTC


def make_run() -> RunData:
    h = 3600.0
    return RunData(
        title="X1-TEST demo",
        start=T0,
        end=T0 + 6 * h,
        credits=tuple((T0 + k * 900.0, 175_000 + k * 1_500 - (k % 3) * 900) for k in range(25)),
        ships=(
            ShipRun(
                "AGENT-1",
                planned=(Span(T0, T0 + h, "ACQUIRE"), Span(T0 + h, T0 + 2 * h, "DELIVER")),
                realised=(
                    Span(T0 + 60, T0 + 1.2 * h, "ACQUIRE"),
                    Span(T0 + 1.2 * h, T0 + 2.5 * h, "DELIVER"),
                ),
            ),
            ShipRun(
                "AGENT-2",
                planned=(
                    Span(T0 + 2 * h, T0 + 3 * h, "COLLECT"),
                    Span(T0 + 3 * h, T0 + 4 * h, "SELL"),
                ),
                realised=(Span(T0 + 2.1 * h, T0 + 5 * h, "LIQUIDATE"),),
            ),
        ),
        pipelines=(
            PipelineRun("p-fab", "FAB_MATS", "COMPLETED", 40_000, 52_000, 41_000, 50_500),
            PipelineRun("p-elec", "ELECTRONICS", "FAILED", 30_000, 36_000, 31_000, 22_000),
        ),
        summary={"credits_per_hour": 12_345.6, "ledger_reconciled": True},
    )
