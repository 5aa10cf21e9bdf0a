"""The headline benchmark's CI form (1 seed, 2 game-hours, 10 haulers): every strategy flies to
the end with its ledger reconciled against the agent's credits, and the table is printed.

The figures are read by people (README, closing notes), never asserted: machines are shared.
The long form (5 seeds, 6 game-hours) is `python -m bench.strategies`.
"""

from __future__ import annotations

import io

from bench.strategies import run
from plancc.loop.strategies import STRATEGIES


def test_short_form_completes_and_every_ledger_reconciles() -> None:
    out = io.StringIO()
    result = run([1], haulers=10, hours=2.0, time_limit=1.0, out=out)
    rows = result["rows"]
    assert sorted(r["strategy"] for r in rows) == sorted(STRATEGIES)
    assert all(r["ledger_reconciled"] for r in rows), out.getvalue()
    assert all(r["game_hours"] >= 2.0 for r in rows)
    text = out.getvalue()
    assert "ratio credits/hour plancc/serial" in text and "ratio credits/hour plancc/greedy" in text
