"""What the optimising schedulers minimise: profit-weighted completion time, or makespan.

Profit-weighted completion time is the sum over pipelines of the pipeline's profit times the end
of its last SELL (the moment its money is in). Only the first quarter-hour of a plan is flown
before the next re-plan, so a plan that finishes profitable pipelines early earns more per hour
than one that merely ends the whole batch early (issue 10's closed-loop measurement: 1.07x vs
1.01x of the list scheduler's profit per hour). Makespan breaks ties.

Profits are scaled to integer weights 1..1000 (``WEIGHT_SCALE``) so that CP-SAT's objective stays
small; the Python search and the model use the same weights, so they agree on what "better" is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from plancc.model import Leg, Task
from plancc.schedule.bounds import critical_path_ends
from plancc.schedule.problem import Problem
from plancc.schedule.sequence import FAR

WEIGHTED = "profit_weighted_completion"
MAKESPAN = "makespan"
OBJECTIVES: tuple[str, ...] = (WEIGHTED, MAKESPAN)
WEIGHT_SCALE = 1000


@dataclass(frozen=True)
class Target:
    """``groups``: per pipeline (sorted by id), its weight and the legs whose ends it waits for."""

    kind: str
    groups: tuple[tuple[int, tuple[int, ...]], ...] = ()
    pinned: tuple[int, ...] = ()  # per leg: the ship index a previous plan gave it, or -1
    move_cost: int = 0  # added to the primary term per leg not on its pinned ship
    # makespan only: when above zero, the tie-break is the ships' end times (this many ships)
    # compared largest first, not the sum of leg ends (``balanced``)
    balance: int = 0

    def score(
        self, ends: Sequence[tuple[int, int] | None], ships: Sequence[int] = ()
    ) -> tuple[int, int]:
        """(primary, tie-break) of a complete timing; lower is better, compared as a tuple. The
        tie-break is the makespan (profit-weighted) or the sum of leg ends (makespan).
        ``ships``: per leg its ship index (needed to charge moves when ``pinned``)."""
        makespan = max((e[1] for e in ends if e is not None), default=0)
        moved = sum(1 for p, s in zip(self.pinned, ships, strict=False) if p >= 0 and p != s)
        if self.kind == MAKESPAN:
            if self.balance:
                return (makespan + moved * self.move_cost, self._leximax(ends, ships))
            # ties: the sum of all ends, so a search on a plateau of equal makespans still
            # sees which schedule leaves more room
            return (makespan + moved * self.move_cost, sum(e[1] for e in ends if e is not None))
        total = 0
        for weight, legs in self.groups:
            total += weight * max((ends[i][1] for i in legs if ends[i] is not None), default=0)  # type: ignore[index]
        return (total + moved * self.move_cost, makespan)

    def balanced(self, ships: int) -> Target:
        """The same target with ties broken by the ``ships`` ships' end times, largest first
        (leximax): a move that shortens the second-latest ship wins a tie. Where many ships end
        within seconds of the makespan, the sum of leg ends can rise on the move that balances
        them; see ``plancc.schedule.optimise`` for how the search uses both."""
        return Target(self.kind, self.groups, self.pinned, self.move_cost, ships)

    def _leximax(self, ends: Sequence[tuple[int, int] | None], ships: Sequence[int]) -> int:
        last = [0] * self.balance
        for e, k in zip(ends, ships, strict=False):
            if e is not None and e[1] > last[k]:
                last[k] = e[1]
        key = 0
        for end in sorted(last, reverse=True):
            key = (key << 40) | end
        return key

    def end_cutoff(self, primary: int) -> int:
        """A time no leg of a schedule whose primary term is at most ``primary`` ends after.
        Under makespan the primary is the makespan plus non-negative move charges, so it is
        ``primary`` itself; under profit weighting any leg may end late at a small cost, so
        there is none (``FAR``)."""
        return primary if self.kind == MAKESPAN else FAR

    def with_pins(self, pinned: Sequence[int], move_penalty_s: int) -> Target:
        """Charge ``move_penalty_s`` per leg moved off the ship ``pinned`` names, as if the move
        delayed the whole plan by that much: under makespan, that many seconds; under
        profit-weighted completion, every pipeline's weight times them. So a leg changes ship
        only when that brings the plan as a whole ``move_penalty_s`` forward (the policy's
        meaning of the penalty). A weaker charge (one average pipeline) moved 24-35% of the
        untouched legs on the stability cases of tests/test_schedule_stability.py."""
        total = sum(w for w, _ in self.groups) if self.kind != MAKESPAN else 1
        return Target(self.kind, self.groups, tuple(pinned), move_penalty_s * max(1, total))


def target(
    kind: str,
    legs: Sequence[Leg],
    tasks: Sequence[Task],
    profits: Mapping[str, int] | None = None,
) -> Target:
    """The objective over ``legs`` (in the problem's order). ``profits``: pipeline id -> profit;
    a pipeline without one (or with none above zero) weighs 1, so it still wants to finish."""
    if kind not in OBJECTIVES:
        raise ValueError(f"unknown objective {kind!r} (choose from {', '.join(OBJECTIVES)})")
    if kind == MAKESPAN:
        return Target(MAKESPAN)
    by_pipeline, sells = _legs_by_pipeline(legs, tasks)
    profits = profits or {}
    top = max([p for p in profits.values() if p > 0], default=0)
    groups = []
    for pid in sorted(by_pipeline):
        profit = profits.get(pid, 0)
        weight = max(1, round(WEIGHT_SCALE * profit / top)) if top and profit > 0 else 1
        groups.append((weight, tuple(sells.get(pid) or by_pipeline[pid])))
    return Target(WEIGHTED, tuple(groups))


def _legs_by_pipeline(
    legs: Sequence[Leg], tasks: Sequence[Task]
) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """Pipeline id -> the legs (indices) carrying its goods, and -> those that SELL them. A
    leg shared by goods of two pipelines counts for both."""
    by_id = {t.id: t for t in tasks}
    by_pipeline: dict[str, list[int]] = {}
    sells: dict[str, list[int]] = {}
    for i, leg in enumerate(legs):
        for part in leg.parts:
            unload = by_id.get(part.unload)
            pid = unload.pipeline if unload is not None else leg.pipeline
            if i not in by_pipeline.get(pid, ()):
                by_pipeline.setdefault(pid, []).append(i)
            if unload is not None and unload.type == "SELL" and i not in sells.get(pid, ()):
                sells.setdefault(pid, []).append(i)
    return by_pipeline, sells


def weighted_completion(
    profits: Mapping[str, int], legs: Sequence[Leg], tasks: Sequence[Task], ends: Mapping[str, int]
) -> int:
    """The unscaled figure people read: sum of profit x end of the pipeline's last SELL (credit-s).
    ``ends``: leg id -> end time."""
    t = target(WEIGHTED, legs, tasks, {k: max(v, 1) for k, v in profits.items()})
    total = 0
    pipelines = sorted(_legs_by_pipeline(legs, tasks)[0])
    for (_, group), pid in zip(t.groups, pipelines, strict=True):
        total += max(1, profits.get(pid, 0)) * max(ends[legs[i].id] for i in group)
    return total


def target_bound(problem: Problem, target: Target, makespan_bound: int) -> int:
    """A lower bound on ``target``'s primary value over every complete schedule: under
    makespan ``makespan_bound`` (the labelled bound); profit-weighted, each pipeline's weight
    times the critical-path end of its legs. Moves charged on top only raise the value."""
    if target.kind == MAKESPAN:
        return makespan_bound
    ends = critical_path_ends(problem)
    total = 0
    for weight, legs in target.groups:
        total += weight * max((e[1] for i in legs if (e := ends[i]) is not None), default=0)
    return total
