"""Lower bounds on the makespan of any schedule of a problem."""

from __future__ import annotations

from plancc.schedule.problem import INF, LOAD, UNLOAD, Problem, release_s


def lower_bound(problem: Problem) -> int:
    """max(critical path, fleet workload): see ``_parts``."""
    cp, work, _, _ = _parts(problem)
    return max(cp, work)


def labelled_bound(problem: Problem, proven_s: int = 0) -> tuple[int, str]:
    """The best makespan bound and which one it is: ``critical_path``, ``fleet_workload``,
    ``inbound_assignment`` (a minimum-cost assignment of each leg's inbound flight to where a
    ship could come from: every leg follows exactly one ship start or other leg, and each of
    those is followed by at most one leg) or ``cpsat`` (``proven_s``: a makespan CP-SAT proved
    optimal). Ties keep the cheaper label, in that order."""
    cp, work, own, _ = _parts(problem)
    best = [(cp, "critical_path"), (work, "fleet_workload")]
    usable = sum(1 for s in problem.ships if s.usable)
    if usable and own and len(own) == len(problem.legs):
        from plancc.schedule.inbound import inbound_assignment_s

        inbound = inbound_assignment_s(problem)
        if inbound is not None:
            best.append((-(-(inbound + sum(own)) // usable), "inbound_assignment"))
    if proven_s:
        best.append((proven_s, "cpsat"))
    value = max(v for v, _ in best)
    return value, next(label for v, label in best if v == value)


def critical_path_ends(problem: Problem) -> list[tuple[int, int] | None]:
    """Per leg, the critical path's (load end, unload end): no schedule ends its tasks sooner
    (None: a leg no ship can fly)."""
    return _parts(problem)[3]


Parts = tuple[int, int, list[int], list[tuple[int, int] | None]]


def _parts(problem: Problem) -> Parts:
    """``_bound_parts`` once per problem: every list start's result and the search's label ask
    for the same figures (about a second each at 800 legs)."""
    cached: Parts | None = problem.__dict__.get("_bound_parts")
    if cached is None:
        cached = _bound_parts(problem)
        object.__setattr__(problem, "_bound_parts", cached)  # a frozen dataclass's own cache
    return cached


def _bound_parts(problem: Problem) -> Parts:
    """A lower bound on the makespan of every schedule of all legs that follows the rules.

    It is max(critical path, work / ships), both relaxations (flights are timed as if the tank
    were full: ``Problem.route_s``; every leg gets the best any ship able to carry it could do):
      * critical path: each leg loads no earlier than a ship that can carry it could get there
        (its ready time plus ``Problem.reach_lb_s`` from its start, over any chain of hops) and
        than its precedence edges with lags allow, then takes
        ``2 * dock + fastest load->unload flight among capable ships``;
      * work: a ship is busy on a leg from leaving its previous position (its start, or the
        unload market of the leg it flew before) until the unload trade ends. Each leg needs at
        least the shortest such inbound flight, plus ``2 * dock`` and its fastest load->unload
        flight. The sum over legs, divided by the number of usable ships (rounded up), bounds the
        makespan, since ships work one leg at a time from time 0 or later.
    Legs no ship can carry are left out (with their edges), so under status PARTIAL the figure
    bounds the schedulable part only, and need not bound a partial schedule's makespan.
    """
    dock = problem.dock_s
    placeable = [i for i in range(len(problem.legs)) if problem.capable(i)]
    unload_count: dict[int, int] = {}
    for i in placeable:
        p = problem.legs[i].unload_point
        unload_count[p] = unload_count.get(p, 0) + 1
    unload_points = sorted(unload_count)
    # per (route class, load point): the two nearest unload points to come from (the nearest
    # may be the leg's own unload market, which is only a possible origin if another leg ends
    # there too)
    nearest: dict[tuple[int, int], list[tuple[int, int]]] = {}

    def came_from(ship: int, load_point: int, own_unload: int) -> int:
        key = (problem.ships[ship].route_class, load_point)
        two = nearest.get(key)
        if two is None:
            times = sorted((problem.route_s(ship, p, load_point), p) for p in unload_points)
            two = nearest[key] = times[:2]
        legs = min(
            (t for t, p in two if p != own_unload or unload_count[p] > 1),
            default=INF,
        )
        return min(legs, problem.route_s(ship, problem.ships[ship].start_point, load_point))

    ends: list[tuple[int, int] | None] = [None] * len(problem.legs)
    cp = 0
    work = 0
    own: list[int] = []  # per placeable leg: 2 trades + fastest load->unload flight
    for i in problem.topo:
        spec = problem.legs[i]
        cap = problem.capable(i)
        if not cap:
            continue
        fly = min(problem.route_s(s, spec.load_point, spec.unload_point) for s in cap)
        if fly >= INF:
            continue  # no ship can fly this leg at all: it is reported unscheduled
        ready = min(
            problem.ships[s].ready_s
            + problem.reach_lb_s(s, problem.ships[s].start_point, spec.load_point)
            for s in cap
        )
        load = max(ready, release_s(problem, i, LOAD, ends, 0, skip_missing=True))
        unload = max(
            load + dock + fly, release_s(problem, i, UNLOAD, ends, load, skip_missing=True)
        )
        ends[i] = (load + dock, unload + dock)
        cp = max(cp, unload + dock)
        # where the ship could come from: another leg's unload market or its own start
        inbound = min(came_from(s, spec.load_point, spec.unload_point) for s in cap)
        if inbound >= INF:
            inbound = 0
        work += inbound + 2 * dock + fly
        own.append(2 * dock + fly)
    usable = sum(1 for s in problem.ships if s.usable)
    return cp, (-(-work // usable) if usable else 0), own, ends


def earliest_loads(problem: Problem) -> tuple[int, ...]:
    """Per leg, no schedule loads it earlier: some capable ship's ready time plus the shortest
    chain of stops from its start to the load market (``_stop_metric``). 0 when no ship can.

    A CP-SAT model knows how soon a leg can load only through the arc its ship takes into it,
    so its linear relaxation lets every leg load at once. Stated outright, these earliest loads
    prove the makespan of the fleet-scale X1-AD75 plans (77-100 legs) optimal in its arc set in
    a second, where without them 20 deterministic seconds were needed."""
    cached: tuple[int, ...] | None = problem.__dict__.get("_earliest_loads")
    if cached is not None:
        return cached
    metrics: dict[int, dict[tuple[int, int], int]] = {}
    out = []
    for i, spec in enumerate(problem.legs):
        best = INF
        for k in problem.capable(i):
            ship = problem.ships[k]
            rc = ship.route_class
            if rc not in metrics:
                metrics[rc] = _stop_metric(problem, k)
            t = metrics[rc].get((ship.start_point, spec.load_point), INF)
            best = min(best, ship.ready_s + t)
        out.append(0 if best >= INF else best)
    cached = tuple(out)
    object.__setattr__(problem, "_earliest_loads", cached)  # a frozen dataclass's own cache
    return cached


def _stop_metric(problem: Problem, ship: int) -> dict[tuple[int, int], int]:
    """Shortest times between the points a ship of ``ship``'s route class can stop at (ship
    starts, load and unload markets), over chains of such stops, each stop at least ``dock_s``.

    Every flight a schedule makes takes at least ``Problem.route_s`` (a full tank), and every
    stop between flights is a trade of ``dock_s`` or more, so no chain of legs reaches a point
    sooner than this closure. ``route_s`` itself need not obey the triangle inequality (a full
    tank is assumed at every stop), which is why the closure is taken."""
    points = sorted(
        {s.start_point for s in problem.ships if s.start_point >= 0}
        | {leg.load_point for leg in problem.legs}
        | {leg.unload_point for leg in problem.legs}
    )
    d = {(a, b): problem.route_s(ship, a, b) for a in points for b in points}
    dock = problem.dock_s
    for c in points:  # Floyd-Warshall, a stop at c costing dock_s
        for a in points:
            ac = d[(a, c)]
            if ac >= INF:
                continue
            for b in points:
                via = ac + dock + d[(c, b)]
                if via < d[(a, b)]:
                    d[(a, b)] = via
    return d
