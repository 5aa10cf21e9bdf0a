"""Minimum-cost assignment of rows to distinct columns (OR-Tools' linear sum assignment)."""

from __future__ import annotations

from collections.abc import Sequence

from ortools.graph.python import linear_sum_assignment


def min_cost_assignment(cost: Sequence[Sequence[int]]) -> int | None:
    """Each row to a different column (rows <= columns), minimising the sum; None: no solution.
    Columns are padded with dummy rows of cost 0 so the instance is square."""
    rows = len(cost)
    cols = len(cost[0]) if rows else 0
    if rows == 0:
        return 0
    if rows > cols:
        return None
    solver = linear_sum_assignment.SimpleLinearSumAssignment()
    for r in range(cols):
        for c in range(cols):
            solver.add_arc_with_cost(r, c, cost[r][c] if r < rows else 0)
    if solver.solve() != solver.OPTIMAL:
        return None
    return int(solver.optimal_cost())
