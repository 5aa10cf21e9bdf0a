"""Ship sequences -> times: the left-shifted schedule every optimising scheduler reports.

A solution of the optimisers is only which ship flies which legs in which order. ``decode`` times
it: each leg as early as its ship (free, position, fuel) and its precedence edges allow, using the
same ``place`` as the list scheduler, so every rule of ``plancc.schedule.problem`` holds by
construction (and ``check`` confirms it). The times are the unique earliest ones for those
sequences: slack legs get canonical times whatever solver found the order ("left shift").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from plancc.schedule.problem import Placement, Problem, ScheduleResult, place
from plancc.schedule.state import State

Seqs = tuple[tuple[int, ...], ...]  # per ship (problem order): leg indices in flying order
FAR = 1 << 62


@dataclass(frozen=True)
class Timed:
    seqs: Seqs
    ends: tuple[tuple[int, int], ...]  # per leg: (load task end, unload task end)
    placements: tuple[tuple[int, Placement], ...]  # per leg: (ship, placement)


def decode(
    problem: Problem,
    seqs: Sequence[Sequence[int]],
    base: Timed | None = None,
    cutoff: int = FAR,
) -> Timed | None:
    """Time ``seqs``; None when they cannot be flown (a cycle between ship order and
    precedence, a leg on a ship that cannot carry it or reach it with its fuel, a leg missing).

    ``base``: a decoded neighbour (a local-search move away); the legs its change cannot
    reach keep their times instead of being placed again (the result is the same).
    ``cutoff``: also None as soon as a leg would end after it (a search that only wants
    schedules no longer than its current one stops timing a worse candidate half way)."""
    if base is None or len(base.seqs) != len(seqs):
        return _decode(problem, seqs, len(problem.legs), cutoff=cutoff)
    return _decode(problem, seqs, len(problem.legs), base, _unchanged(base, seqs), cutoff)


def _unchanged(base: Timed, seqs: Sequence[Sequence[int]]) -> tuple[int, ...]:
    """Per ship, how many of its first legs in ``seqs`` keep their times from ``base``.

    Let T be the earliest old start of a leg at or after the first position where a ship's
    sequence changed. A leg that ended before T in ``base``, at a position before its ship's
    change, keeps its time: its ship's earlier legs ended earlier still, and so did its
    predecessors (an edge ends before the task it feeds), none of which is at a changed
    position (those started at T or later); by induction over time, nothing it waits for moved.
    """
    first: list[int] = []
    cut = FAR
    for old, new in zip(base.seqs, seqs, strict=True):
        if old == new:
            first.append(len(old))
            continue
        p = 0
        for a, b in zip(old, new, strict=False):
            if a != b:
                break
            p += 1
        first.append(p)
        if p < len(old):
            cut = min(cut, base.placements[old[p]][1].start_s)
    keep = []
    for old, p in zip(base.seqs, first, strict=True):
        n = 0
        while n < p and base.placements[old[n]][1].end_s < cut:
            n += 1
        keep.append(n)
    return tuple(keep)


def decode_subset(
    problem: Problem, seqs: Sequence[Sequence[int]], legs: set[int]
) -> list[int] | None:
    """End times of ``seqs`` when they hold only ``legs`` (a set closed under predecessors),
    as a plan under construction; None: they cannot be flown."""
    timed = _decode(problem, seqs, len(legs))
    return None if timed is None else [e[1] for e in timed.ends]


def _decode(
    problem: Problem,
    seqs: Sequence[Sequence[int]],
    expect: int,
    base: Timed | None = None,
    keep: tuple[int, ...] = (),
    cutoff: int = FAR,
) -> Timed | None:
    n = len(problem.legs)
    ends: list[tuple[int, int] | None] = [None] * n
    placed: list[tuple[int, Placement] | None] = [None] * n
    free = [s.ready_s for s in problem.ships]
    pos = [s.start_point for s in problem.ships]
    fuel = [s.fuel_start for s in problem.ships]
    at = [0] * len(seqs)
    done = 0
    total = sum(len(s) for s in seqs)
    if total != expect:
        return None
    dock = problem.dock_s
    legs = problem.legs
    if base is not None:
        for k, count in enumerate(keep):
            for leg in seqs[k][:count]:
                placed[leg] = base.placements[leg]
                ends[leg] = base.ends[leg]
                if base.ends[leg][1] > cutoff:
                    return None
            if count:
                leg = seqs[k][count - 1]
                last = base.placements[leg][1]
                free[k], pos[k], fuel[k] = last.end_s, legs[leg].unload_point, last.fuel_after
            at[k] = count
            done += count
    while done < total:
        progress = False
        for k, seq in enumerate(seqs):
            i = at[k]
            if i == len(seq):
                continue
            f, p, fu = free[k], pos[k], fuel[k]
            while i < len(seq):
                leg = seq[i]
                if placed[leg] is not None:
                    return None  # the same leg twice
                waiting = False
                for j in legs[leg].preds:
                    if ends[j] is None:
                        waiting = True
                        break
                if waiting:
                    break
                pl = place(problem, leg, k, f, p, fu, ends)
                if pl is None or pl.end_s > cutoff:
                    return None
                placed[leg] = (k, pl)
                ends[leg] = (pl.load_s + dock, pl.end_s)
                f, p, fu = pl.end_s, legs[leg].unload_point, pl.fuel_after
                i += 1
            if i > at[k]:
                done += i - at[k]
                at[k], free[k], pos[k], fuel[k] = i, f, p, fu
                progress = True
        if not progress:
            return None
    return Timed(
        tuple(tuple(s) for s in seqs),
        tuple(e for e in ends if e is not None),
        tuple(p for p in placed if p is not None),
    )


def seqs_of(result: ScheduleResult, problem: Problem) -> Seqs:
    """The sequences of a complete result (ship order as in the problem)."""
    leg_index = {leg.id: i for i, leg in enumerate(problem.legs)}
    by_ship = {sp.ship: tuple(leg_index[sl.leg] for sl in sp.legs) for sp in result.ships}
    return tuple(by_ship.get(s.symbol, ()) for s in problem.ships)


def to_result(problem: Problem, timed: Timed, scheduler: str, status: str) -> ScheduleResult:
    """A ScheduleResult of a decoded solution (bound: ``lower_bound``; callers may improve it)."""
    st = State(problem)
    for k, seq in enumerate(timed.seqs):
        for leg in seq:
            st.placed[leg] = (k, timed.placements[leg][1])
            st.ends[leg] = timed.ends[leg]
        st.route[k] = list(seq)
    st.ready = set()
    r = st.result(scheduler)
    return ScheduleResult(r.ships, r.makespan_s, r.bound_s, status, scheduler, r.unscheduled)


def ships_of(timed: Timed) -> tuple[int, ...]:
    """Per leg, the ship index flying it."""
    return tuple(s for s, _ in timed.placements)
