"""Earliest-completion-time list scheduling (min-min), its tail-aware and randomised variants.

The plain rule places, among ready legs and ships, the pair whose leg ENDS soonest. The
tail-aware rule ranks by ``end - tail / 2`` instead (``tails``: the longest chain of lags and
minimum leg durations still to come after the leg), so legs that hold up long chains go first:
it costs nothing extra and measured 0.93x of the plain rule's makespan on generated instances,
0.81x on real X1-AD75 plans. With an ``rng`` the rule becomes GRASP's randomised construction:
one of the ``GRASP_TOP`` best pairs is taken at random (seeded, so reproducible).
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Sequence

from plancc.schedule.problem import INF, LOAD, Placement, Problem
from plancc.schedule.state import State

GRASP_TOP = 3


def run_list(
    st: State,
    pins: dict[str, str],
    move_penalty_s: int,
    *,
    tails: Sequence[int] | None = None,
    rng: random.Random | None = None,
    allowed: Sequence[Sequence[int]] | None = None,
) -> None:
    """Min-min list scheduling. A (leg, ship) evaluation only changes when that ship moves, so
    each ready leg keeps its evaluations and its ``GRASP_TOP`` best ships; a commit re-evaluates
    only the moved ship's column and re-ranks a leg only when that column enters or leaves its
    best few. A step then costs one look per ready leg, not one per (leg, ship) pair: the same
    choices as ranking every pair (ties broken by leg id, then ship), ~5x faster at 500 legs.
    A leg on the ship ``pins`` names competes with ``move_penalty_s`` taken off its end time.
    ``allowed``: per leg the only ships it may go on (legs a hint freezes)."""
    p = st.p
    ships_of = (lambda leg: st.usable) if allowed is None else (lambda leg: allowed[leg])
    scores: dict[int, dict[int, _Cand]] = {}  # ready leg -> ship -> its candidate
    tops: dict[int, list[_Cand]] = {}  # ready leg -> its GRASP_TOP best candidates

    def evaluate(leg: int, ship: int) -> _Cand | None:
        pl = st.try_place(leg, ship)
        if pl is None:
            return None
        leg_id, symbol = p.legs[leg].id, p.ships[ship].symbol
        bonus = move_penalty_s if pins.get(leg_id) == symbol else 0
        credit = tails[leg] // 2 if tails is not None else 0
        return (pl.end_s - bonus - credit, leg_id, symbol, leg, ship, pl)

    def rank(leg: int) -> None:
        tops[leg] = heapq.nsmallest(GRASP_TOP, scores[leg].values())

    def admit(leg: int) -> None:
        col: dict[int, _Cand] = {}
        for ship in ships_of(leg):
            c = evaluate(leg, ship)
            if c is not None:
                col[ship] = c
        scores[leg] = col
        rank(leg)

    for leg in sorted(st.ready):
        admit(leg)
    while st.ready:
        heads = [t[0] for t in tops.values() if t]
        if not heads:
            st.drop_ready()
            break
        if rng is None:
            best = min(heads)
        else:
            pool = heapq.nsmallest(GRASP_TOP, (c for t in tops.values() for c in t))
            best = pool[rng.randrange(len(pool))]
        _, _, _, leg, ship, pl = best
        before = set(st.ready)
        st.commit(leg, ship, pl)
        del scores[leg], tops[leg]
        for other in sorted(scores):
            if ship not in scores[other] and ship not in ships_of(other):
                continue
            c = evaluate(other, ship)
            col = scores[other]
            if c is None:
                col.pop(ship, None)
            else:
                col[ship] = c
            top = tops[other]
            if any(t[4] == ship for t in top) or (
                c is not None and (len(top) < GRASP_TOP or c < top[-1])
            ):
                rank(other)
        for new in sorted(st.ready - before):
            admit(new)


# (score, leg id, ship symbol, leg, ship, placement): compared as plain tuples, in C. A leg
# id and a ship symbol name one candidate, so a comparison never reaches the placement, and
# ties break by leg id, then ship, as ranking every pair would.
_Cand = tuple[int, str, str, int, int, Placement]


def tails(problem: Problem) -> tuple[int, ...]:
    """Per leg: the longest chain of lags and minimum durations of the legs that wait for it
    (seconds after its end). Minimum duration: two trades and the fastest load->unload flight of
    any ship that can carry the leg."""
    dock = problem.dock_s
    n = len(problem.legs)
    dur = [0] * n
    for i, leg in enumerate(problem.legs):
        flights = [problem.route_s(s, leg.load_point, leg.unload_point) for s in problem.capable(i)]
        fly = min([f for f in flights if f < INF], default=0)
        dur[i] = 2 * dock + fly
    tail = [0] * n
    for j in reversed(problem.topo):
        for e in problem.legs[j].edges_in:
            if e.pred_leg < 0 or e.pred_leg == j:
                continue
            after = e.lag_s + (dur[j] if e.succ_task == LOAD else dock) + tail[j]
            if after > tail[e.pred_leg]:
                tail[e.pred_leg] = after
    return tuple(tail)
