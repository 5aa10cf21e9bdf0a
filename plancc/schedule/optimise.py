"""The optimising scheduler: list heuristics, then CP-SAT exact or as an LNS repair step.

    result, info = optimise(problem, target, seed=0, time_limit_s=10)

1. Start from the best verified of the list scheduler (sticky to ``pins``) and its tail-aware
   variant: this is the fallback whatever happens next.
2. Small plans (at most ``EXACT_LEGS`` legs): one CP-SAT model over every leg and ship, hinted,
   every arc allowed. OPTIMAL when CP-SAT proves it and the exactly re-timed schedule scores what
   the model proved.
3. Otherwise (or when the exact model did not prove its solution): seeded GRASP and local search
   (``plancc.schedule.search``; under makespan two searches, see ``_ls_guides``), then a
   large-neighbourhood search: free a window of ``WINDOW_SHIPS`` ships (the ship finishing
   last, one lightly loaded, one at random; seeded), keep every other ship's sequence, re-solve
   with CP-SAT (one worker, deterministic time limit), keep strict improvements; until the
   iteration cap or the wall-time guard.
4. Plans of at most ``ARC_SET_LEGS`` legs: one model over every leg and ship on each leg's
   ``K_NEAREST`` nearest successors (and the plan's own arcs), hinted with the searched plan,
   each leg's earliest possible load stated. OPTIMAL when it proves the plan optimal within
   that arc set, and ``info.note`` says that is the claim; the bounds stay those valid over
   every sequence.
Every candidate is re-timed by ``sequence.decode`` (left shift) and the final one passes
``check``; any exception or failed check falls back to the best verified schedule, and
``info.note`` says so. Deterministic unless the wall-time guard cuts a phase short.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from plancc.schedule.bounds import labelled_bound
from plancc.schedule.list_schedule import run_list, tails
from plancc.schedule.objective import MAKESPAN, Target, target_bound
from plancc.schedule.problem import Problem, ScheduleResult
from plancc.schedule.search import critical_chain, decisive_leg, grasp, local_search
from plancc.schedule.sequence import Timed, decode, seqs_of, ships_of, to_result
from plancc.schedule.state import State
from plancc.schedule.verify import check

if TYPE_CHECKING:  # the cpsat package imports ortools: only where a model is solved
    from plancc.schedule.cpsat import SubSolve

# Budgets are counts, never wall time, so a result depends on the inputs, seed and time limit
# only; they are sized so a 2-core machine finishes inside the limit, and the wall clock is a
# guard that stops early (the plan's note then says so).
EXACT_LEGS = 60  # one model over everything up to here (proves X1-AD75-sized plans in < 1 s)
# of the time limit, in CP-SAT deterministic seconds (at least 0.5): on a 2-core machine one
# deterministic second of the exact model is 4-5 s of wall time; 0.15 spent 7.3 s of the example
# plan's 10 s compile returning its hint unchanged, and at 0.05 the exact50 instances end as
# short or shorter (4,673 / 5,133 / 6,627 against 4,673 / 5,234 / 6,627), the LNS getting the time
EXACT_DET_SHARE = 0.05
# the proof step (4.) up to here: with each leg's earliest load stated, it proves the makespan
# of the fleet-scale X1-AD75 plans (77-100 legs) in about a second
ARC_SET_LEGS = 120
WINDOW_SHIPS = 3
LNS_DET_TIME = 0.25  # deterministic seconds per sub-solve
LNS_PER_SECOND = 0.5  # sub-solves per second of time limit
K_NEAREST = 12  # arcs per leg in a window model
FREEZE_S = 900  # with a hint: legs the old plan starts this soon keep their ship
GRASP_STARTS = 2
# further tail-aware list starts, ranking by end - w x tail (the plain one uses w = 0.5): a few
# milliseconds each, and on the 200-leg headline instances the best start, local search and
# LNS end 0.3-3.6% shorter on 2 of 5 seeds (mean 0.872 -> 0.863x list), the others unchanged
TAIL_WEIGHTS = (0.75, 1.0)
PROFIT_SHARES = (0.25, 0.5, 1.0)  # profit-aware list starts: head starts, x list's makespan
HINT_POSITIONS = 12  # positions tried per ship when inserting a new leg into the hinted plan
LS_LEG_EVALS_PER_SECOND = 50_000  # local search: iterations x legs per second of time limit
# Past EXACT_LEGS no exact model runs, a sub-solve costs more, and the local search is what
# shortens plans (its improvements come until late in the budget): four times its budget and
# 0.3 sub-solves per second take the 200-leg headline instances from 0.863 to 0.849x list
# (mean of seeds 1-5) in 7.4-7.9 s of a 10 s limit. Below it they made plans no better, slower.
LS_LEG_EVALS_PER_SECOND_LARGE = 200_000
LNS_PER_SECOND_LARGE = 0.3


@dataclass(frozen=True)
class Info:
    status: str  # OPTIMAL / FEASIBLE / HEURISTIC
    primary: int  # the target's primary value (with move charges)
    primary_bound: int  # proven lower bound on it (0 when none)
    bound_s: int  # lower bound on the makespan
    bound_label: str  # which bound gave bound_s
    note: str  # fallback reason, or ""
    parameters: dict[str, object] = field(default_factory=dict)
    phases: tuple[str, ...] = ()  # what ran, for the progress line


def allowed_ships(
    problem: Problem, pinned: Sequence[int], frozen: Sequence[bool]
) -> tuple[tuple[int, ...], ...]:
    out = []
    for i in range(len(problem.legs)):
        cap = problem.capable(i)
        out.append((pinned[i],) if frozen[i] and pinned[i] in cap else cap)
    return tuple(out)


def optimise(
    problem: Problem,
    target: Target,
    *,
    seed: int = 0,
    time_limit_s: float = 10.0,
    pins: dict[str, str] | None = None,
    pinned_start: dict[str, int] | None = None,
    move_penalty_s: int = 0,
    clock: Callable[[], float] = time.monotonic,
    wall_guard_s: float | None = None,
) -> tuple[ScheduleResult, Info]:
    """See the module docstring. ``pins``: leg id -> ship of the previous plan; ``pinned_start``:
    leg id -> its start there (legs starting before ``FREEZE_S`` keep their ship).
    ``wall_guard_s``: CP-SAT's own wall-time guard per solve (None: from the time left); with a
    ``clock`` that never advances, a generous guard leaves the deterministic limits alone."""
    t0 = clock()
    deadline = t0 + time_limit_s

    def left() -> float:
        return deadline - clock()

    def stop() -> bool:
        return left() <= 0

    pins = pins or {}
    ship_index = {s.symbol: k for k, s in enumerate(problem.ships)}
    pinned = [ship_index.get(pins.get(leg.id, ""), -1) for leg in problem.legs]
    frozen = [
        pinned[i] >= 0 and (pinned_start or {}).get(leg.id, FREEZE_S) < FREEZE_S
        for i, leg in enumerate(problem.legs)
    ]
    if pins:
        target = target.with_pins(pinned, move_penalty_s)
    allowed = allowed_ships(problem, pinned, frozen)
    params: dict[str, object] = {
        "time_limit_s": time_limit_s,
        "exact_legs": EXACT_LEGS,
        "window_ships": WINDOW_SHIPS,
        "lns_det_time": LNS_DET_TIME,
        "lns_iterations": _lns_iterations(problem, time_limit_s),
        "ls_iterations": _ls_iterations(problem, time_limit_s),
        "k_nearest": K_NEAREST,
        "grasp_starts": GRASP_STARTS,
    }

    # 1. the fallback: list (sticky) and tail-aware list; if a frozen leg cannot stay on its
    # ship (the new snapshot moved things), nothing is frozen
    def afford(run_s: float) -> bool:
        return left() > 1.5 * run_s

    best, best_from, listed = _list_starts(
        problem, target, pins, move_penalty_s, allowed, afford, clock
    )
    if best is None and any(frozen):
        allowed = allowed_ships(problem, pinned, [False] * len(frozen))
        best, best_from, listed = _list_starts(
            problem, target, pins, move_penalty_s, allowed, afford, clock
        )
    if best is not None and pins:
        kept = _hint_start(problem, target, pinned, pinned_start or {}, allowed)
        if kept is not None and _score(target, kept) <= _score(target, best):
            best, best_from = kept, "hint"
    if best is None or not problem.legs:  # nothing to do, or unschedulable: list says what
        bound, label = labelled_bound(problem)
        return listed, Info(listed.status, 0, 0, bound, label, "", params, ("list",))

    # the bounds do not depend on the schedule: computed before the search, inside the limit
    bound, label = labelled_bound(problem)
    phases = [best_from]
    status = "HEURISTIC"
    within_arcs = False  # an OPTIMAL status is the arc-set model's claim (see _prove_in_arc_set)
    primary_bound = 0
    note = ""
    try:
        if len(problem.legs) <= EXACT_LEGS and not stop():
            sub = _solve_whole(
                problem, target, best, allowed, len(problem.legs), time_limit_s, wall_guard_s,
                left, seed,
            )  # fmt: skip
            phases.append(f"cpsat-exact:{sub.status}")
            if sub.seqs is not None:
                timed = decode(problem, sub.seqs)
                if timed is not None and _score(target, timed) <= _score(target, best):
                    best = timed
                primary_bound = sub.primary_bound
                if sub.status == "OPTIMAL" and _score(target, best)[0] == sub.primary:
                    status = "OPTIMAL"
                else:
                    status = "FEASIBLE"
        if status != "OPTIMAL" and not stop():
            # a GRASP construction costs about one list run: start one only if it fits
            list_s = clock() - t0
            start = grasp(
                problem,
                target,
                allowed,
                seed=seed,
                starts=GRASP_STARTS,
                stop=lambda: not afford(list_s / 2),
            )
            if (
                start is not None
                and _ok(start, allowed)
                and _score(target, start) < _score(target, best)
            ):
                best = start
                phases.append("grasp")
            start = best
            for name, guide in _ls_guides(problem, target):
                improved = local_search(
                    problem,
                    guide,
                    start,
                    allowed,
                    seed=seed,
                    iterations=_ls_iterations(problem, time_limit_s),
                    stop=stop,
                )
                if _score(target, improved) < _score(target, best):
                    best = improved
                    phases.append(name)
            best, used = _lns(
                problem,
                target,
                best,
                allowed,
                seed,
                left,
                _lns_iterations(problem, time_limit_s),
                wall_guard_s,
            )
            if used:
                phases.append(f"lns:{used}")
                status = "FEASIBLE" if status == "HEURISTIC" else status
            if len(problem.legs) <= ARC_SET_LEGS and not stop():
                best, proved = _prove_in_arc_set(
                    problem, target, best, allowed, time_limit_s, wall_guard_s, left, seed
                )
                phases.append(f"cpsat-arcs:{proved}")
                if proved == "OPTIMAL":
                    status, within_arcs = "OPTIMAL", True
                elif proved == "FEASIBLE" and status == "HEURISTIC":
                    status = "FEASIBLE"
    except Exception as exc:  # any solver failure: keep the best verified schedule
        note = f"optimiser failed ({type(exc).__name__}: {exc}); best schedule so far kept"

    result = to_result(problem, best, "cpsat", status)
    if check(problem, result):
        note = note or "optimised schedule failed the check; the list schedule is used"
        result = listed
        status = "HEURISTIC"
    # CP-SAT's optimum bounds the makespan only when the makespan is what it minimised
    proven = (
        status == "OPTIMAL" and not within_arcs and target.kind == MAKESPAN and not target.move_cost
    )
    if proven and result.makespan_s > bound:
        bound, label = result.makespan_s, "cpsat"
    if status == "OPTIMAL" and within_arcs and not note:  # the claim's scope, whatever the clock
        note = (
            f"optimal within the arc set (each leg followed by one of its {K_NEAREST} nearest "
            f"legs, or as in the plan); not proven over every sequence"
        )
    if stop() and not note:
        note = "time limit reached; best schedule so far"
    result = ScheduleResult(
        result.ships, result.makespan_s, bound, status, result.scheduler, result.unscheduled
    )
    primary = _score(target, best)[0]
    primary_bound = max(primary_bound, target_bound(problem, target, bound))
    return result, Info(
        status, primary, min(primary_bound, primary), bound, label, note, params, tuple(phases)
    )


def _solve_whole(
    problem: Problem,
    target: Target,
    hint: Timed,
    allowed: Sequence[Sequence[int]],
    k_nearest: int,
    time_limit_s: float,
    wall_guard_s: float | None,
    left: Callable[[], float],
    seed: int,
    prove: bool = False,
) -> SubSolve:
    """One CP-SAT model over every leg and usable ship, hinted, on each leg's ``k_nearest``
    nearest successors, with the exact model's share of the limit (``prove``: with each leg's
    earliest load stated, see ``cpsat.solve_window``)."""
    from plancc.schedule import cpsat

    return cpsat.solve_window(
        problem,
        target,
        hint,
        [k for k, s in enumerate(problem.ships) if s.usable],
        allowed,
        horizon=_horizon(target, hint),
        k_nearest=k_nearest,
        det_time=max(0.5, time_limit_s * EXACT_DET_SHARE),
        wall_guard=wall_guard_s or max(0.1, left() * 0.9),
        seed=seed,
        state_earliest_loads=prove,
    )


def _prove_in_arc_set(
    problem: Problem,
    target: Target,
    best: Timed,
    allowed: Sequence[Sequence[int]],
    time_limit_s: float,
    wall_guard_s: float | None,
    left: Callable[[], float],
    seed: int,
) -> tuple[Timed, str]:
    """One model over every leg and ship, hinted with the searched plan, on each leg's
    ``K_NEAREST`` nearest successors (and the plan's own arcs). Around a good plan this
    small arc set is solved to optimality in under a second on the X1-AD75 plans (where the
    full model, hinted with a list schedule, proves nothing in the same time), and at times it
    shortens the plan. Returns the better plan and "OPTIMAL" when the re-timed plan scores what
    the model proved, else the solver's status."""
    sub = _solve_whole(
        problem, target, best, allowed, K_NEAREST, time_limit_s, wall_guard_s, left, seed, True
    )
    if sub.seqs is None:
        return best, sub.status
    timed = decode(problem, sub.seqs)
    if timed is not None and _score(target, timed) <= _score(target, best):
        best = timed
    if sub.status == "OPTIMAL" and _score(target, best)[0] == sub.primary:
        return best, "OPTIMAL"
    return best, "FEASIBLE" if sub.status == "OPTIMAL" else sub.status


def _list_starts(
    problem: Problem,
    target: Target,
    pins: dict[str, str],
    move_penalty_s: int,
    allowed: Sequence[Sequence[int]],
    afford: Callable[[float], bool] = lambda _: True,
    clock: Callable[[], float] = time.monotonic,
) -> tuple[Timed | None, str, ScheduleResult]:
    """The best of list, tail-aware list (``TAIL_WEIGHTS`` too) and (profit-weighted targets)
    the profit-aware list starts (None: none places every leg), its name, and the plain list
    result (the fallback). A later start is skipped when ``afford`` says another run as long
    as the last does not fit the time left (very large plans)."""
    tail = tails(problem)
    t0 = clock()
    plain = _run_list(problem, pins, move_penalty_s, None, allowed)
    took = clock() - t0
    starts: list[tuple[str, Sequence[int]]] = [("list-tail", tail)]
    starts += [(f"list-tail:{w}", tuple(int(t * 2 * w) for t in tail)) for w in TAIL_WEIGHTS]
    if target.kind != MAKESPAN and target.groups:
        starts += [
            (f"list-profit:{share}", profit_credits(problem, target, tail, int(share * plain.makespan_s)))
            for share in PROFIT_SHARES
        ]  # fmt: skip
    best = None if plain.unscheduled else decode(problem, seqs_of(plain, problem))
    best_from = "list"
    for name, credit in starts:
        if not afford(took):
            break
        t0 = clock()
        res = _run_list(problem, pins, move_penalty_s, credit, allowed)
        took = clock() - t0
        timed = None if res.unscheduled else decode(problem, seqs_of(res, problem))
        if timed is not None and (best is None or _score(target, timed) < _score(target, best)):
            best, best_from = timed, name
    return best, best_from, plain


def _run_list(
    problem: Problem,
    pins: dict[str, str],
    move_penalty_s: int,
    credit: Sequence[int] | None,
    allowed: Sequence[Sequence[int]],
) -> ScheduleResult:
    st = State(problem)
    run_list(st, pins, move_penalty_s, tails=credit, allowed=allowed)
    return st.result("list")


def profit_credits(
    problem: Problem, target: Target, tail: Sequence[int], head_start_s: int
) -> tuple[int, ...]:
    """Per leg, the tail-aware list rule's credit plus a head start for the legs whose pipeline
    pays most: ``head_start_s`` (twice, as the rule halves it) for the heaviest pipeline, in
    proportion to weight; a leg counts the heaviest pipeline that waits for it. Smith's rule in
    list form: under profit-weighted completion the pipelines worth most go first, where the
    makespan rules interleave them. On the 200-leg generated instances a head start of half the
    list makespan alone cut profit-weighted completion to 0.80-0.83x of list's."""
    weight = [0] * len(problem.legs)
    for w, legs in target.groups:
        for i in legs:
            weight[i] = max(weight[i], w)
    for j in reversed(problem.topo):
        for i in problem.legs[j].preds:
            weight[i] = max(weight[i], weight[j])
    top = max(weight, default=0) or 1
    return tuple(t + 2 * head_start_s * w // top for t, w in zip(tail, weight, strict=True))


def _hint_start(
    problem: Problem,
    target: Target,
    pinned: Sequence[int],
    pinned_start: dict[str, int],
    allowed: Sequence[Sequence[int]],
) -> Timed | None:
    """The previous plan repaired: every leg it had stays on its ship in its old order; each new
    leg (in precedence order) goes where the score is best, trying every position on every
    allowed ship (at most ``HINT_POSITIONS`` evenly spread ones on long sequences). None: the
    old order no longer fits (then the list starts are used)."""
    seqs: list[list[int]] = [[] for _ in problem.ships]
    kept = sorted(
        (i for i, k in enumerate(pinned) if k >= 0 and k in allowed[i]),
        key=lambda i: (pinned_start.get(problem.legs[i].id, 0), problem.legs[i].id),
    )
    for i in kept:
        seqs[pinned[i]].append(i)
    placed = set(kept)
    for leg in problem.topo:
        if leg in placed:
            continue
        best: tuple[tuple[int, int], list[list[int]]] | None = None
        for k in allowed[leg]:
            n = len(seqs[k])
            positions = list(range(n + 1))
            if n + 1 > HINT_POSITIONS:
                positions = sorted({n * j // (HINT_POSITIONS - 1) for j in range(HINT_POSITIONS)})
            for pos in positions:
                trial = [list(s) for s in seqs]
                trial[k].insert(pos, leg)
                timed = decode_partial(problem, trial, placed | {leg})
                if timed is None:
                    continue
                if best is None or timed < best[0]:
                    best = (timed, trial)
        if best is None:
            return None
        seqs = best[1]
        placed.add(leg)
    return decode(problem, seqs)


def decode_partial(
    problem: Problem, seqs: Sequence[Sequence[int]], legs: set[int]
) -> tuple[int, int] | None:
    """(makespan, sum of ends) of ``seqs`` over a subset of legs whose preds are all in it."""
    from plancc.schedule.sequence import decode_subset

    ends = decode_subset(problem, seqs, legs)
    if ends is None:
        return None
    return (max(ends, default=0), sum(ends))


def _score(target: Target, timed: Timed) -> tuple[int, int]:
    return target.score(timed.ends, ships_of(timed))


def _ok(timed: Timed, allowed: Sequence[Sequence[int]]) -> bool:
    return all(s in allowed[i] for i, (s, _) in enumerate(timed.placements))


def _horizon(target: Target, timed: Timed) -> int:
    """Latest unload start a model allows: no later than now under makespan (only improvements
    are wanted), a quarter later under profit weighting (pipelines may trade places)."""
    makespan = max((e[1] for e in timed.ends), default=0)
    if target.kind == MAKESPAN and not target.move_cost:
        return makespan
    return makespan + makespan // 4 + 600


def _ls_guides(problem: Problem, target: Target) -> list[tuple[str, Target]]:
    """The targets local searches from the same start are guided by; the best result under
    ``target`` is kept. Under makespan, a second search breaks ties by leximax of the ships'
    ends (``Target.balanced``): each reaches a different local optimum and neither is better on
    average (on seeds 1-10 of the 200-leg headline instances leximax alone was shorter on six,
    longer on four, the same in total); the better of the two, then the LNS, is as short or
    shorter on all ten (0.849 -> 0.846x list at the median). The cutoff in ``decode`` paid for
    the second search."""
    if target.kind != MAKESPAN:
        return [("local-search", target)]
    return [
        ("local-search", target),
        ("local-search:balanced", target.balanced(len(problem.ships))),
    ]


def _large(problem: Problem) -> bool:
    return len(problem.legs) > EXACT_LEGS


def _ls_iterations(problem: Problem, time_limit_s: float) -> int:
    rate = LS_LEG_EVALS_PER_SECOND_LARGE if _large(problem) else LS_LEG_EVALS_PER_SECOND
    return int(0.5 * time_limit_s * rate / max(1, len(problem.legs)))


def _lns_iterations(problem: Problem, time_limit_s: float) -> int:
    return int(time_limit_s * (LNS_PER_SECOND_LARGE if _large(problem) else LNS_PER_SECOND))


def _lns(
    problem: Problem,
    target: Target,
    best: Timed,
    allowed: Sequence[Sequence[int]],
    seed: int,
    left: Callable[[], float],
    iterations: int,
    wall_guard_s: float | None = None,
) -> tuple[Timed, int]:
    """Window repair until the cap or the guard; returns the best and how many sub-solves ran."""
    from plancc.schedule import cpsat

    rng = random.Random(seed)
    usable = [k for k, s in enumerate(problem.ships) if s.usable]
    if len(usable) < 2:
        return best, 0
    score = _score(target, best)
    horizon = _horizon(target, best)
    used = 0
    for it in range(iterations):
        if left() <= 0:
            break
        window = _window(problem, target, best, usable, rng, it)
        sub = cpsat.solve_window(
            problem,
            target,
            best,
            window,
            allowed,
            horizon=horizon,
            k_nearest=K_NEAREST,
            det_time=LNS_DET_TIME,
            # a guard only: the deterministic limit decides
            wall_guard=wall_guard_s or max(0.05, left()),
            seed=seed + it,
        )
        used += 1
        if sub.seqs is None:
            continue
        timed = decode(problem, sub.seqs)
        if timed is None:
            continue
        s = _score(target, timed)
        if s < score:
            best, score = timed, s
    return best, used


def _window(
    problem: Problem, target: Target, best: Timed, usable: list[int], rng: random.Random, it: int
) -> list[int]:
    """The ship of the leg that decides the objective (the last one, or for profit weighting a
    heavy late pipeline's last SELL), up to one more ship on its critical chain, and one lightly
    loaded (even turns) or random ship; filled up at random."""
    last = decisive_leg(target, best, rng)
    chain = critical_ships(problem, best, last)
    pick = [chain[0]]
    others = [k for k in chain[1:] if k in usable and k not in pick]
    if others:
        pick.append(rng.choice(others))
    rest = [k for k in usable if k not in pick]
    if rest and it % 2 == 0:
        light = min(rest, key=lambda k: (len(best.seqs[k]), k))
        pick.append(light)
        rest.remove(light)
    while len(pick) < WINDOW_SHIPS and rest:
        k = rng.choice(rest)
        pick.append(k)
        rest.remove(k)
    return sorted(pick)


def critical_ships(problem: Problem, timed: Timed, leg: int) -> list[int]:
    """Ships along the critical chain ending at ``leg``, its own first."""
    ships: list[int] = []
    for j in critical_chain(problem, timed, leg):
        if timed.placements[j][0] not in ships:
            ships.append(timed.placements[j][0])
    return ships
