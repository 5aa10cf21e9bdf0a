"""Seeded GRASP and local search over ship sequences, budgeted by iterations (reproducible).

Moves (one per iteration, chosen by the seeded generator):
* relocate: take a leg off its ship and insert it elsewhere (another ship or position);
* swap: exchange two legs, on two ships or one;
* 2-opt: reverse a short run of legs on one ship;
* tail re-insertion: take the leg that ends last on the latest ship and try it on every ship, at
  the position matching its current time, keeping the best;
* critical re-insertion: the same for a random leg of the critical chain (the binding precedence
  edges and ship orders) that ends at the decisive leg (the last one, or under profit
  weighting the last SELL of a heavy, late pipeline); drawn twice as often as the others, as it
  is the move that shortened plans most on generated instances.
A move is kept when the decoded (left-shifted) schedule is no worse under the target; every
candidate is timed by ``sequence.decode``, so the rules hold. ``stop`` is a guard the caller may
pass (wall time at the edge); without it the result depends on the seed and budget only.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Sequence

from plancc.schedule.list_schedule import run_list, tails
from plancc.schedule.objective import MAKESPAN, Target
from plancc.schedule.problem import LOAD, Problem
from plancc.schedule.sequence import Seqs, Timed, decode, seqs_of, ships_of
from plancc.schedule.state import State

Stop = Callable[[], bool]


def _never() -> bool:
    return False


def grasp(
    problem: Problem,
    target: Target,
    allowed: Sequence[Sequence[int]],
    *,
    seed: int,
    starts: int,
    stop: Stop = _never,
) -> Timed | None:
    """The best of ``starts`` randomised tail-aware list constructions (None: none complete)."""
    rng = random.Random(seed)
    tail = tails(problem)
    best: tuple[tuple[int, int], Timed] | None = None
    for _ in range(starts):
        if stop():
            break
        st = State(problem)
        run_list(st, {}, 0, tails=tail, rng=rng, allowed=allowed)
        if st.dropped:
            continue
        timed = decode(problem, seqs_of(st.result("grasp"), problem))
        if timed is None:
            continue
        score = target.score(timed.ends, ships_of(timed))
        if best is None or score < best[0]:
            best = (score, timed)
    return None if best is None else best[1]


def local_search(
    problem: Problem,
    target: Target,
    start: Timed,
    allowed: Sequence[Sequence[int]],
    *,
    seed: int,
    iterations: int,
    stop: Stop = _never,
) -> Timed:
    """Improve ``start`` by the moves above for ``iterations`` evaluations; the best found.
    ``allowed``: per leg the ships it may go on (frozen legs: only their own)."""
    rng = random.Random(seed)
    capable = [set(a) for a in allowed]
    usable = [k for k, s in enumerate(problem.ships) if s.usable]
    cur, cur_score = start, target.score(start.ends, ships_of(start))
    best, best_score = cur, cur_score
    spent = 0
    while spent < iterations and not stop():
        move = rng.randrange(6)
        if move == 3:
            cands = _tail_reinsertions(cur, usable, capable)
        elif move >= 4:
            chain = critical_chain(problem, cur, decisive_leg(target, cur, rng))
            cands = _reinsertions(cur, rng.choice(chain), usable, capable)
        else:
            cand = (_relocate, _swap, _two_opt)[move](cur.seqs, rng, usable, capable)
            cands = [cand] if cand is not None else []
        spent += max(1, len(cands))
        chosen: tuple[tuple[int, int], Timed] | None = None
        cutoff = target.end_cutoff(cur_score[0])
        for seqs in cands:
            timed = decode(problem, seqs, cur, cutoff)
            if timed is None:
                continue
            score = target.score(timed.ends, ships_of(timed))
            if chosen is None or score < chosen[0]:
                chosen = (score, timed)
                cutoff = target.end_cutoff(min(score[0], cur_score[0]))
        if chosen is not None and chosen[0] <= cur_score:
            cur, cur_score = chosen[1], chosen[0]
            if cur_score < best_score:
                best, best_score = cur, cur_score
    return best


def _relocate(
    seqs: Seqs, rng: random.Random, usable: list[int], capable: list[set[int]]
) -> Seqs | None:
    src = [k for k in usable if seqs[k]]
    if not src:
        return None
    a = rng.choice(src)
    i = rng.randrange(len(seqs[a]))
    leg = seqs[a][i]
    targets = [k for k in usable if k in capable[leg]]
    b = rng.choice(targets)
    out = [list(s) for s in seqs]
    del out[a][i]
    out[b].insert(rng.randrange(len(out[b]) + 1), leg)
    return tuple(tuple(s) for s in out)


def _swap(
    seqs: Seqs, rng: random.Random, usable: list[int], capable: list[set[int]]
) -> Seqs | None:
    src = [k for k in usable if seqs[k]]
    if len(src) < 1:
        return None
    a, b = rng.choice(src), rng.choice(src)
    i, j = rng.randrange(len(seqs[a])), rng.randrange(len(seqs[b]))
    la, lb = seqs[a][i], seqs[b][j]
    if la == lb or b not in capable[la] or a not in capable[lb]:
        return None
    out = [list(s) for s in seqs]
    out[a][i], out[b][j] = lb, la
    return tuple(tuple(s) for s in out)


def _two_opt(
    seqs: Seqs, rng: random.Random, usable: list[int], capable: list[set[int]]
) -> Seqs | None:
    src = [k for k in usable if len(seqs[k]) >= 2]
    if not src:
        return None
    a = rng.choice(src)
    n = len(seqs[a])
    i = rng.randrange(n - 1)
    j = min(n, i + 2 + rng.randrange(3))
    s = list(seqs[a])
    s[i:j] = reversed(s[i:j])
    out = list(seqs)
    out[a] = tuple(s)
    return tuple(out)


def _tail_reinsertions(cur: Timed, usable: list[int], capable: list[set[int]]) -> list[Seqs]:
    """The last leg of the ship that finishes last, re-inserted on every ship at its time."""
    last_ship = max(
        (k for k in usable if cur.seqs[k]),
        key=lambda k: (cur.ends[cur.seqs[k][-1]][1], -k),
        default=None,
    )
    if last_ship is None:
        return []
    return _reinsertions(cur, cur.seqs[last_ship][-1], usable, capable)


def _reinsertions(cur: Timed, leg: int, usable: list[int], capable: list[set[int]]) -> list[Seqs]:
    """``leg`` moved to every other allowed ship, at the position matching its start time."""
    last_ship = cur.placements[leg][0]
    start = cur.placements[leg][1].start_s
    out = []
    for b in usable:
        if b not in capable[leg] or b == last_ship:
            continue
        seq = cur.seqs[b]
        at = next((p for p, j in enumerate(seq) if cur.placements[j][1].start_s > start), len(seq))
        for pos in sorted({at, max(0, at - 1)}):
            new = list(cur.seqs)
            new[last_ship] = seq_without(cur.seqs[last_ship], leg)
            new[b] = (*seq[:pos], leg, *seq[pos:])
            out.append(tuple(new))
    return sorted(out)


def seq_without(seq: tuple[int, ...], leg: int) -> tuple[int, ...]:
    return tuple(j for j in seq if j != leg)


def critical_chain(problem: Problem, timed: Timed, leg: int) -> list[int]:
    """The chain of binding constraints that ends at ``leg`` (``leg`` first): walk back through
    whichever held each leg up, a precedence edge (with its lag) or the ship's previous leg."""
    prev: dict[int, int] = {}
    for seq in timed.seqs:
        for a, b in itertools.pairwise(seq):
            prev[b] = a
    chain: list[int] = []
    seen: set[int] = set()
    while leg >= 0 and leg not in seen:
        seen.add(leg)
        chain.append(leg)
        pl = timed.placements[leg][1]
        binding = -1
        for e in problem.legs[leg].edges_in:
            if e.pred_leg < 0 or e.pred_leg == leg:
                continue
            start = pl.load_s if e.succ_task == LOAD else pl.unload_s
            if timed.ends[e.pred_leg][e.pred_task] + e.lag_s == start:
                binding = e.pred_leg
                break
        if binding < 0:
            before = prev.get(leg, -1)
            binding = (
                before if before >= 0 and timed.placements[before][1].end_s == pl.start_s else -1
            )
        leg = binding
    return chain


def decisive_leg(target: Target, timed: Timed, rng: random.Random) -> int:
    """The leg whose end decides most of the objective: the last to end (makespan), or the last
    SELL of one of the three pipelines with the largest weight x completion."""
    if target.kind == MAKESPAN or not target.groups:
        return max(range(len(timed.ends)), key=lambda i: (timed.ends[i][1], -i))
    late = sorted(
        ((w * max(timed.ends[i][1] for i in legs), max(legs, key=lambda i: timed.ends[i][1]))
         for w, legs in target.groups),
        reverse=True,
    )  # fmt: skip
    return late[rng.randrange(min(3, len(late)))][1]
