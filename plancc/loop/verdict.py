"""Whether a freshly compiled plan replaces the active one: only when it is better by the
policy's threshold, so the fleet is not churned by noise between two snapshots.

    v = verdict(active=Score(...), candidate=Score(...), threshold=0.10)
    v.apply, v.reason
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Score:
    """A plan's worth from now on: expected profit of the work still to do and its rate."""

    profit_per_hour: float
    expected_profit: int
    pipelines: int  # pipelines with work still to do

    def describe(self) -> str:
        return (
            f"{self.pipelines} pipelines, {self.expected_profit:,} cr expected, "
            f"{self.profit_per_hour:,.0f} cr/h"
        )


@dataclass(frozen=True)
class Verdict:
    apply: bool
    reason: str


def verdict(active: Score | None, candidate: Score, threshold: float) -> Verdict:
    """Apply ``candidate`` when there is no active work and it has some, or when its profit per
    hour beats the active plan's by more than ``threshold`` (0.10 = 10%) without expecting
    less profit in all (it would replace the active plan's work still to start)."""
    if candidate.pipelines == 0 or candidate.expected_profit <= 0:
        return Verdict(False, f"the new plan has no profitable work ({candidate.describe()})")
    if active is None or active.pipelines == 0:
        return Verdict(True, f"no work waiting to start; new plan: {candidate.describe()}")
    bar = active.profit_per_hour * (1.0 + threshold) if active.profit_per_hour > 0 else 0.0
    if (
        threshold >= 0  # a negative threshold takes any profitable plan (tests, by hand)
        and candidate.profit_per_hour > bar
        and candidate.expected_profit < active.expected_profit
    ):
        # a faster plan that earns less in all would drop work the fleet has time for: on
        # the twin the haulers are idle most of the time, so the total is what is lost
        return Verdict(
            False,
            f"new plan {candidate.describe()} earns faster but less in all than the active "
            f"{active.describe()}: kept the active plan",
        )
    if candidate.profit_per_hour > bar:
        gain = (
            f"+{candidate.profit_per_hour / active.profit_per_hour - 1:.0%}"
            if active.profit_per_hour > 0
            else "active plan earns nothing"
        )
        return Verdict(
            True,
            f"new plan {candidate.describe()} beats the active {active.describe()} ({gain}, "
            f"threshold {threshold:.0%})",
        )
    return Verdict(
        False,
        f"new plan {candidate.describe()} does not beat the active {active.describe()} by "
        f"{threshold:.0%}: kept the active plan",
    )
