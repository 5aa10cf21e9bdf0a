"""Timing ship sequences: a local-search move timed from its neighbour is timed exactly as from
scratch (``decode(problem, seqs, base)`` reuses the legs the move cannot reach)."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st
from test_schedule_properties import built, instances

from bench.bench_schedule import generate, problem_of
from plancc.schedule import solve
from plancc.schedule.problem import Problem
from plancc.schedule.search import _relocate, _swap, _two_opt
from plancc.schedule.sequence import Timed, decode, seqs_of

MOVES = (_relocate, _swap, _two_opt)


def walk(problem: Problem, start: Timed, seed: int, steps: int) -> list[tuple[Timed, tuple]]:
    """(neighbour, move's sequences) pairs along a seeded random walk of moves from ``start``."""
    rng = random.Random(seed)
    usable = [k for k, s in enumerate(problem.ships) if s.usable]
    capable = [set(problem.capable(i)) for i in range(len(problem.legs))]
    cur, out = start, []
    for step in range(steps):
        seqs = MOVES[step % 3](cur.seqs, rng, usable, capable)
        if seqs is None:
            continue
        out.append((cur, seqs))
        timed = decode(problem, seqs)
        if timed is not None and rng.random() < 0.5:
            cur = timed
    return out


def test_a_move_timed_from_its_neighbour_matches_a_timing_from_scratch():
    problem = problem_of(generate(3, pipelines=6, ships=6, lots=4))
    start = decode(problem, seqs_of(solve(problem, method="list"), problem))
    assert start is not None
    pairs = walk(problem, start, seed=3, steps=600)
    feasible = 0
    for base, seqs in pairs:
        fresh = decode(problem, seqs)
        assert decode(problem, seqs, base) == fresh
        feasible += fresh is not None
    assert feasible > 100  # the walk really moved through schedules, not only dead ends


@settings(max_examples=40, deadline=None)
@given(instances(), st.integers(0, 1000))
def test_on_random_instances_a_neighbours_timing_is_the_timing_from_scratch(inst, seed):
    problem = built(inst)
    result = solve(problem, method="list")
    if result.unscheduled:
        return
    start = decode(problem, seqs_of(result, problem))
    assert start is not None
    for base, seqs in walk(problem, start, seed, steps=30):
        assert decode(problem, seqs, base) == decode(problem, seqs)


def test_a_timing_with_a_cutoff_stops_at_the_first_leg_ending_after_it():
    problem = problem_of(generate(3, pipelines=6, ships=6, lots=4))
    seqs = seqs_of(solve(problem, method="list"), problem)
    full = decode(problem, seqs)
    assert full is not None
    makespan = max(e[1] for e in full.ends)
    assert decode(problem, seqs, cutoff=makespan) == full
    assert decode(problem, seqs, cutoff=makespan - 1) is None


def test_a_neighbour_timed_with_a_cutoff_is_none_exactly_when_it_ends_later():
    problem = problem_of(generate(3, pipelines=6, ships=6, lots=4))
    start = decode(problem, seqs_of(solve(problem, method="list"), problem))
    assert start is not None
    cutoff = max(e[1] for e in start.ends)
    later = 0
    for base, seqs in walk(problem, start, seed=5, steps=300):
        fresh = decode(problem, seqs)
        cut = decode(problem, seqs, base, cutoff)
        if fresh is not None and max(e[1] for e in fresh.ends) <= cutoff:
            assert cut == fresh
        else:
            assert cut is None
            later += fresh is not None
    assert later > 10  # the walk met schedules the cutoff had to stop
