"""The list scheduler's incremental bookkeeping makes the same choices as ranking every pair.

The reference below is min-min in its plainest form: at each step evaluate every ready leg on
every ship and take the pair that ends first (ties by leg id, then ship symbol), or, with a
seeded random source, one of the three best pairs. The incremental ``run_list`` must place the
same legs on the same ships in the same order.
"""

from __future__ import annotations

import random

import pytest

from bench.bench_schedule import generate, problem_of
from plancc.schedule.list_schedule import GRASP_TOP, run_list, tails
from plancc.schedule.problem import Problem
from plancc.schedule.state import State


def every_pair_min_min(
    problem: Problem, tail: list[int] | tuple[int, ...] | None, rng: random.Random | None
) -> list[list[int]]:
    st = State(problem)
    while st.ready:
        cands = []
        for leg in sorted(st.ready):
            credit = tail[leg] // 2 if tail is not None else 0
            for ship in st.usable:
                pl = st.try_place(leg, ship)
                if pl is not None:
                    key = (pl.end_s - credit, problem.legs[leg].id, problem.ships[ship].symbol)
                    cands.append((key, leg, ship, pl))
        if not cands:
            st.drop_ready()
            break
        cands.sort(key=lambda c: c[0])
        pick = cands[0] if rng is None else cands[rng.randrange(min(GRASP_TOP, len(cands)))]
        st.commit(pick[1], pick[2], pick[3])
    return st.route


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("mode", ["plain", "tail-aware", "randomised"])
def test_incremental_list_scheduling_matches_ranking_every_pair(seed: int, mode: str) -> None:
    problem = problem_of(generate(seed, pipelines=6, ships=5, lots=3))
    tail = tails(problem) if mode != "plain" else None
    st = State(problem)
    run_list(st, {}, 0, tails=tail, rng=random.Random(seed) if mode == "randomised" else None)
    reference = every_pair_min_min(
        problem, tail, random.Random(seed) if mode == "randomised" else None
    )
    assert sum(map(len, st.route)) == len(problem.legs)
    assert st.route == reference
