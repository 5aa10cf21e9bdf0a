"""CP-SAT (OR-Tools) for ship sequences: the only place in plancc that imports ortools.

Split like PyJobShop: ``variables`` (times, ship choice, arcs), ``constraints`` (durations per
ship, circuits with travel on the arcs, fixed sequences, precedence with lags, no-overlap),
``objective`` and ``solver`` (parameters, solve, read back the sequences). One model serves both
uses: every leg free (exact, for small plans) and a window of a few ships free with every other
ship's sequence kept (the repair step of the large-neighbourhood search in
``plancc.schedule.optimise``).

Travel in the model is the fastest route leaving with a full tank (``Problem.route_s``), never
more than a real flight: the model relaxes fuel. Its sequences are therefore always re-timed by
``plancc.schedule.sequence.decode`` under the exact rules, and "optimal" is claimed only when the
decoded schedule scores what the model proved (and within the arc set: each leg's ``k_nearest``
successors).
"""

from plancc.schedule.cpsat.solver import PARAMETERS, SOLVER_VERSION, SubSolve, solve_window

__all__ = ["PARAMETERS", "SOLVER_VERSION", "SubSolve", "solve_window"]
