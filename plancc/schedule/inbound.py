"""The inbound-flight assignment bound: every leg's ship arrives from somewhere.

In any complete schedule each leg is flown right after exactly one predecessor on its ship (the
ship's start, or another leg, whose unload market the ship leaves from), and each start or leg is
followed by at most one leg. So the legs' total inbound flying time is at least a minimum-cost
assignment of legs to predecessors, with the cost of a pair the fastest route any ship that can
carry the leg flies it in (ship starts: that ship's own speed). Issue 10 measured it taking
best/bound from 1.42-2.22 to 1.31-1.38. The assignment itself is solved by OR-Tools
(``plancc.schedule.cpsat.assignment``).
"""

from __future__ import annotations

from plancc.schedule.problem import INF, Problem

BIG = 10**9  # "cannot follow" (still assignable, so the bound stays a relaxation; capped below)


def inbound_assignment_s(problem: Problem) -> int | None:
    """Minimum total inbound seconds over all legs; None when it cannot be computed."""
    from plancc.schedule.cpsat.assignment import min_cost_assignment

    n = len(problem.legs)
    ships = [k for k, s in enumerate(problem.ships) if s.usable]
    capable = [set(problem.capable(i)) for i in range(n)]
    routes = sorted({problem.ships[k].route_class for k in ships})
    classes = [sorted({problem.ships[k].route_class for k in capable[i]}) for i in range(n)]
    cost: list[list[int]] = []  # rows: legs; columns: ship starts, then legs
    for i, leg in enumerate(problem.legs):
        row = []
        for k in ships:
            t = (
                problem.route_s(k, problem.ships[k].start_point, leg.load_point)
                if k in capable[i]
                else BIG
            )
            row.append(min(t, BIG))
        for j, other in enumerate(problem.legs):
            if j == i:
                row.append(BIG)
                continue
            t = min(
                (problem.routes[rc].time[other.unload_point][leg.load_point] for rc in classes[i]),
                default=INF,
            )
            row.append(min(t, BIG) if other.unload_point != leg.load_point else 0)
        cost.append(row)
    del routes
    total = min_cost_assignment(cost)
    if total is None or total >= BIG:
        return None
    return total
