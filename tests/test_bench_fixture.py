"""The best-known plans of bench/fixtures/best_known.json still fit their generated instances."""

from __future__ import annotations

import json

import pytest

from bench.bench_optimise import FIXTURE, sized
from bench.bench_schedule import problem_of
from plancc.schedule import check
from plancc.schedule.sequence import decode, to_result

ENTRIES = sorted(json.loads(FIXTURE.read_text()).items())


@pytest.mark.parametrize(("key", "entry"), ENTRIES, ids=[k for k, _ in ENTRIES])
def test_best_known_sequences_retime_to_their_recorded_makespan_and_keep_every_rule(key, entry):
    g = entry["generator"]
    problem = problem_of(sized(g["seed"], g["legs"], g["ships"]))
    index = {leg.id: i for i, leg in enumerate(problem.legs)}
    seqs = [[index[leg] for leg in entry["ships"].get(s.symbol, [])] for s in problem.ships]
    timed = decode(problem, seqs)
    assert timed is not None
    result = to_result(problem, timed, "cpsat", "FEASIBLE")
    assert result.makespan_s == entry["makespan_s"]
    assert check(problem, result) == []
