"""Auto-pause and resume of products by realised margin.

    changes = pause_changes(outcomes, paused, fresh_margins, now, rule)

A product whose pipelines, finished within the last ``window_s``, realised on average a margin
below ``min_margin`` (at least ``min_pipelines`` of them) is paused: the compiler plans none of
it. A paused product resumes when prices read after the pause (every market its fresh pipeline
uses) give it a planned margin of at least ``min_margin`` again. Only pipelines finished after a product's last resume count, so a
product is not paused again for the results that paused it the first time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from plancc.loop.records import Outcome


@dataclass(frozen=True)
class PauseRule:
    min_margin: float = 0.08
    window_s: float = 3 * 3600.0
    min_pipelines: int = 2


@dataclass(frozen=True)
class Paused:
    product: str
    since: float
    reason: str


@dataclass(frozen=True)
class Change:
    product: str
    action: str  # "pause" or "resume"
    reason: str


def pause_changes(
    outcomes: Iterable[Outcome],
    paused: Mapping[str, Paused],
    fresh_margins: Mapping[str, tuple[float, float]],
    now: float,
    rule: PauseRule,
    *,
    resumed_at: Mapping[str, float] | None = None,
) -> list[Change]:
    """The pauses and resumes to make now, sorted by product.

    ``fresh_margins``: product -> (margin the compiler would plan it at now, when the oldest
    price that margin rests on was read). ``resumed_at``: product -> its last resume.
    """
    resumed_at = resumed_at or {}
    recent: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        if now - o.ended_at <= rule.window_s and o.ended_at > resumed_at.get(o.product, -1e18):
            recent[o.product].append(o)
    changes: list[Change] = []
    for product in sorted(set(recent) | set(paused)):
        if product in paused:
            fresh = fresh_margins.get(product)
            if fresh is None:
                continue
            margin, read_at = fresh
            if margin >= rule.min_margin and read_at > paused[product].since:
                changes.append(
                    Change(
                        product,
                        "resume",
                        f"prices read since the pause plan {product} at {margin:.1%} margin "
                        f"(policy minimum {rule.min_margin:.0%})",
                    )
                )
            continue
        done = recent[product]
        if len(done) < rule.min_pipelines:
            continue
        realised = _margin(done, lambda o: (o.profit, o.spent), lambda o: o.realised_margin)
        if realised < rule.min_margin:
            planned = _margin(
                done, lambda o: (o.expected_profit, o.expected_cost), lambda o: o.planned_margin
            )
            failed = sum(1 for o in done if o.status == "FAILED")
            changes.append(
                Change(
                    product,
                    "pause",
                    f"realised margin {realised:.1%} (planned {planned:.1%}) over {len(done)} "
                    f"pipelines ({failed} failed) in the last {rule.window_s / 3600:g} h, "
                    f"below the policy minimum {rule.min_margin:.0%}",
                )
            )
    return changes


def _margin(
    done: Sequence[Outcome],
    money: Callable[[Outcome], tuple[int, int]],
    ratio: Callable[[Outcome], float],
) -> float:
    """The product's margin over ``done``: total profit over total cost when the credits are
    known (so cargo one pipeline bought and another sold counts once: a failed pipeline's
    cargo re-attached to the next one's load made the first -100% and the second 0%), else
    the mean of the pipelines' margins."""
    cost = sum(money(o)[1] for o in done)
    if cost > 0:
        return sum(money(o)[0] for o in done) / cost
    return sum(ratio(o) for o in done) / len(done)
