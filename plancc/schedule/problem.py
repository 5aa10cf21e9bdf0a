"""The scheduling problem, built once: the rules every scheduler follows, as integer tables.

``build_problem`` turns tasks, legs, ships and waypoints into plain integer tables: the legs with
their load/unload points and quantities, every ship's start (point, time, fuel, free cargo), a
direct-flight time table per engine speed, a fuel table, the refuel points, the fastest routes
(with refuel stops) per engine speed and tank size, and the precedence edges with their lags. The list and greedy schedulers (``plancc.schedule``) read only this; a later CP-SAT
model can read the same tables (every constraint below is linear in the leg times).

The rules (the checker ``verify`` enforces each one):

* A leg runs on one ship: it leaves its position at ``start_s``, flies to the load market
  (``load_s >= start_s + travel``), trades ``dock_seconds``, flies to the unload market
  (``unload_s >= load_s + dock + travel``), trades, and is free there at ``end_s = unload_s + dock``.
  Travel uses ``plancc.travel`` with the ship's engine speed and ``policy.flight_mode`` for each
  hop (see Fuel for routes with refuel stops); staying at the same waypoint takes no time or fuel.
* Ship exclusivity: a ship's legs do not overlap; each starts where the previous one ended, and
  the first starts at the ship's snapshot waypoint (its destination when IN_TRANSIT) no earlier
  than its arrival.
* Cargo: a leg's quantity fits the ship's free cargo, i.e. capacity minus the cargo it already
  holds at compile time that no leg of the plan unloads (that cargo stays for the whole plan).
  Ships with no free cargo (probes) take no legs. Cargo aboard that the plan does unload: a
  leg that names a ship (``Leg.ship``, an ABOARD load) goes on that ship only, needs no free
  cargo, and every such leg of a ship comes before any other leg of that ship (so the hold is
  empty of it by then).
* Fuel: a ship departing a refuel point (a market trading FUEL) leaves with a full tank; elsewhere
  it has what is left. A hop costing more fuel than that is infeasible, so a ship flies the
  fastest route whose hops fit, stopping at refuel points on the way (each stop takes
  ``dock_seconds``; ``Problem.fly`` gives the stops, which the runner must fly too). No route:
  the leg cannot go on that ship. Fuel capacity 0 (probes): no fuel, always direct.
* Precedence: a task starts (load task at ``load_s``, unload task at ``unload_s``) no earlier than
  every task in its ``depends_on`` has ended (load task ends at ``load_s + dock``, unload task at
  ``end_s``) plus its own ``lag_s``. Tasks that belong to no leg count as ended at time 0.
* Makespan: when the last scheduled leg ends (0 when there is none).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from plancc import flight
from plancc.errors import ScheduleError
from plancc.model import Leg, Market, Policy, Ship, ShipPlan, Task, Waypoint
from plancc.travel import FLIGHT_MULTIPLIER, distance, fuel_cost, travel_seconds

LOAD = 0  # task slot of a leg: its load task (ACQUIRE/COLLECT)
UNLOAD = 1  # its unload task (DELIVER/SELL)
OUTSIDE = -1  # pred_leg of an edge from a task that belongs to no leg (ended at time 0)


@dataclass(frozen=True)
class Unscheduled:
    """A leg no ship could take, with the reason."""

    leg: str
    reason: str


@dataclass(frozen=True)
class ScheduleResult:
    """Every ship (sorted by symbol) with its legs in flying order (which is also time order).

    ``status``: "HEURISTIC" (all legs placed), "PARTIAL" (some in ``unscheduled``), "EMPTY" (no
    legs). ``bound_s`` is ``lower_bound(problem)``: see there for exactly what it bounds.
    """

    ships: tuple[ShipPlan, ...]
    makespan_s: int
    bound_s: int
    status: str
    scheduler: str
    unscheduled: tuple[Unscheduled, ...] = ()


@dataclass(frozen=True)
class Edge:
    """``start(succ_leg.succ_task) >= end(pred_leg.pred_task) + lag_s`` (pred OUTSIDE: end 0)."""

    pred_leg: int
    pred_task: int
    succ_leg: int
    succ_task: int
    lag_s: int


@dataclass(frozen=True)
class LegSpec:
    id: str
    load_task: str
    unload_task: str
    quantity: int
    load_point: int
    unload_point: int
    preds: tuple[int, ...]  # other legs this one waits for, sorted
    edges_in: tuple[Edge, ...]  # every edge into this leg's two tasks
    ship: int = -1  # the only ship that may fly it (its cargo is aboard); -1: any


@dataclass(frozen=True)
class ShipSpec:
    symbol: str
    speed_class: int  # index into Problem.travel (direct hops)
    route_class: int  # index into Problem.routes (fastest routes for this speed and tank)
    free_cargo: int
    fuel_capacity: int
    fuel_start: int
    start_point: int  # -1 when the ship's waypoint is unknown (then unusable)
    ready_s: int
    unusable: str  # why the ship takes no legs; "" when usable
    aboard_legs: tuple[int, ...] = ()  # legs unloading its cargo aboard: flown before any other

    @property
    def usable(self) -> bool:
        return not self.unusable


INF = 10**12  # "no route"


@dataclass(frozen=True)
class RouteTable:
    """Fastest routes for one (engine speed, fuel capacity), departing each point with a full
    tank and refuelling only at refuel points on the way (each stop costs ``dock_s``).

    ``time[a][b]`` is INF when no route exists; ``nxt[a][b]`` is the next point after ``a`` on
    that route (``b`` itself for a direct hop). Ships without a fuel tank always fly direct.
    """

    speed_class: int
    fuel_capacity: int
    time: tuple[tuple[int, ...], ...]
    nxt: tuple[tuple[int, ...], ...]
    # one direct hop: seconds (INF: no mode fits the tank), fuel, and the mode flown (index
    # into Problem.modes: the policy's mode, or the slower fallback where it does not fit)
    hop_time: tuple[tuple[int, ...], ...] = ()
    hop_fuel: tuple[tuple[int, ...], ...] = ()
    hop_mode: tuple[tuple[int, ...], ...] = ()


@dataclass(frozen=True)
class Flight:
    """How a ship gets from one point to another: seconds, fuel left on arrival, points visited
    after the origin (refuel stops, then the destination)."""

    seconds: int
    fuel_after: int
    stops: tuple[int, ...]
    modes: tuple[int, ...] = ()  # per stop, the mode of the hop into it (index into Problem.modes)


@dataclass(frozen=True)
class Problem:
    """Integer tables for one scheduling instance; legs keep the caller's order (the priority)."""

    legs: tuple[LegSpec, ...]
    ships: tuple[ShipSpec, ...]  # sorted by symbol
    points: tuple[str, ...]  # waypoint symbols, sorted
    coords: tuple[tuple[int, int], ...]
    refuel: tuple[bool, ...]
    speeds: tuple[int, ...]  # engine speed of each speed class
    travel: tuple[tuple[tuple[int, ...], ...], ...]  # [speed class][from][to] direct seconds
    routes: tuple[RouteTable, ...]
    dock_s: int
    flight_mode: str
    topo: tuple[int, ...]  # leg indices, every leg after its preds (ties by input order)
    # the policy's mode first, then the slower mode a hop falls back to where the policy's mode
    # needs more fuel than the ship's tank holds (BURN -> CRUISE)
    modes: tuple[str, ...] = ()
    # fly()'s answers: a pure function of the tables, asked the same questions over and over
    # by every scheduler (not an input: ``replace`` starts an empty one)
    _flights: dict[tuple[int, int, int, int, int], Flight | None] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    # per leg, its edges split by the task they feed (``release_terms``), built on first use
    _terms: list[ReleaseTerms] = field(default_factory=list, init=False, repr=False, compare=False)

    def hop_s(self, ship: int, a: int, b: int) -> int:
        """Seconds of one direct flight in the mode the ship's tank allows (INF: none)."""
        return 0 if a == b else self._hops(ship).hop_time[a][b]

    def _hops(self, ship: int) -> RouteTable:
        return self.routes[self.ships[ship].route_class]

    def mode_names(self, modes: tuple[int, ...]) -> tuple[str, ...]:
        """The names of a flight's hop modes (``Flight.modes``, ``Placement.modes_load``)."""
        names = self.modes or (self.flight_mode,)
        return tuple(names[m] for m in modes)

    def route_s(self, ship: int, a: int, b: int) -> int:
        """Seconds of the fastest route leaving ``a`` with a full tank (INF: none). It is never
        more than any flight ``fly`` finds, so bounds may use it."""
        return 0 if a == b else self.routes[self.ships[ship].route_class].time[a][b]

    def fly(self, ship: int, a: int, b: int, fuel: int) -> Flight | None:
        """The flight a ship at ``a`` with ``fuel`` in its tank makes to ``b``; None: no route.

        From a refuel point the tank is filled first and the fastest route is flown. Elsewhere
        the first hop must fit the fuel left: direct, or to a refuel point and on from there,
        whichever is fastest (direct on a tie, then the lowest point).
        """
        if a == b:
            return Flight(0, fuel, ())
        spec = self.ships[ship]
        cap = spec.fuel_capacity
        key = (spec.route_class, cap, a, b, -1 if cap == 0 or self.refuel[a] else fuel)
        if key in self._flights:
            return self._flights[key]
        flight = self._fly(spec.route_class, cap, a, b, fuel)
        self._flights[key] = flight
        return flight

    def _fly(self, route_class: int, cap: int, a: int, b: int, fuel: int) -> Flight | None:
        table = self.routes[route_class]
        hop_fuel, hop_mode = table.hop_fuel, table.hop_mode
        if cap == 0:
            return Flight(table.hop_time[a][b], 0, (b,), (hop_mode[a][b],))
        if self.refuel[a]:
            if table.time[a][b] >= INF:
                return None
            stops = self._path(table, a, b)
            last = stops[-2] if len(stops) > 1 else a
            return Flight(
                table.time[a][b], cap - hop_fuel[last][b], stops, self._modes(table, a, stops)
            )
        best: Flight | None = None
        if table.hop_time[a][b] < INF and hop_fuel[a][b] <= fuel:
            best = Flight(table.hop_time[a][b], fuel - hop_fuel[a][b], (b,), (hop_mode[a][b],))
        for k in range(len(self.points)):
            if k in (a, b) or not self.refuel[k] or table.hop_time[a][k] >= INF:
                continue
            if hop_fuel[a][k] > fuel:
                continue
            onward = table.time[k][b]
            if onward >= INF:
                continue
            t = table.hop_time[a][k] + self.dock_s + onward
            if best is None or t < best.seconds:
                stops = (k, *self._path(table, k, b))
                best = Flight(t, cap - hop_fuel[stops[-2]][b], stops, self._modes(table, a, stops))
        return best

    @staticmethod
    def _modes(table: RouteTable, a: int, stops: tuple[int, ...]) -> tuple[int, ...]:
        out, here = [], a
        for k in stops:
            out.append(table.hop_mode[here][k])
            here = k
        return tuple(out)

    def stops(self, ship: str, a: str, b: str, fuel: int) -> tuple[str, ...] | None:
        """Waypoints the ship flies through from ``a`` to ``b`` (refuel stops, then ``b``), as
        the schedule assumes; for the runner. None: no route with ``fuel`` on board."""
        index = {p: i for i, p in enumerate(self.points)}
        ship_index = next(i for i, s in enumerate(self.ships) if s.symbol == ship)
        flight = self.fly(ship_index, index[a], index[b], fuel)
        return None if flight is None else tuple(self.points[i] for i in flight.stops)

    @staticmethod
    def _path(table: RouteTable, a: int, b: int) -> tuple[int, ...]:
        out = []
        while a != b:
            a = table.nxt[a][b]
            out.append(a)
        return tuple(out)

    def distance(self, a: int, b: int) -> float:
        (ax, ay), (bx, by) = self.coords[a], self.coords[b]
        return distance(ax, ay, bx, by)

    def reach_lb_s(self, ship: int, a: int, b: int) -> int:
        """A lower bound on the flying time from ``a`` to ``b`` by ANY chain of hops.

        Each hop takes round(round(max(1, d)) * m / v + 15) >= (d - 0.5) * m / v + 14.5 seconds,
        and distances obey the triangle inequality, so k >= 1 hops covering a straight-line
        distance D take at least D * m / v + k * (14.5 - 0.5 * m / v). When that per-hop term is
        negative (slow ships in slow modes) only "at least one hop, at least 15 s" is used.
        """
        if a == b:
            return 0
        fastest = min(FLIGHT_MULTIPLIER[m] for m in self.modes or (self.flight_mode,))
        ratio = fastest / self.speeds[self.ships[ship].speed_class]
        per_hop = 14.5 - 0.5 * ratio
        if per_hop < 0:
            return 15
        return max(15, math.floor(self.distance(a, b) * ratio + per_hop))

    def capable(self, leg: int) -> tuple[int, ...]:
        """Ships that could carry this leg's quantity (ignoring fuel and position); a leg whose
        cargo is aboard a ship: that ship alone."""
        spec = self.legs[leg]
        if spec.ship >= 0:
            return (spec.ship,) if self.ships[spec.ship].usable else ()
        q = spec.quantity
        return tuple(i for i, s in enumerate(self.ships) if s.usable and s.free_cargo >= q)

    def release_terms(self, leg: int) -> ReleaseTerms:
        """``leg``'s edges as ``place`` reads them, split by the task they feed: (pred leg,
        pred task, lag) into the load task, the same into the unload task, and the lag after
        the leg's own load (-1: no such edge). An edge from OUTSIDE has pred leg -1."""
        if not self._terms:
            self._terms.extend(_split_edges(i, spec) for i, spec in enumerate(self.legs))
        return self._terms[leg]

    def fits(self, leg: int, ship: int) -> bool:
        """``ship`` may carry ``leg``: usable, and the leg's cargo fits its free hold (or the
        leg's cargo is already in its hold)."""
        spec, s = self.legs[leg], self.ships[ship]
        if not s.usable:
            return False
        if spec.ship >= 0:
            return ship == spec.ship
        return spec.quantity <= s.free_cargo


def refuel_points(
    waypoints: Sequence[Waypoint], markets: Sequence[Market] | None
) -> frozenset[str]:
    """Markets trading FUEL; without market data, every waypoint with a MARKETPLACE."""
    if markets is None:
        return frozenset(w.symbol for w in waypoints if w.has_market)
    return frozenset(
        m.symbol
        for m in markets
        if "FUEL" in m.exports
        or "FUEL" in m.imports
        or "FUEL" in m.exchange
        or m.good("FUEL") is not None
    )


def _slots(leg: Leg) -> list[tuple[int, str]]:
    """Every task of ``leg`` with its slot: each good's load is the leg's LOAD, its unload the
    leg's UNLOAD (goods sharing a leg trade on the same two stops)."""
    return [(end, tid) for g in leg.parts for end, tid in ((LOAD, g.load), (UNLOAD, g.unload))]


def build_problem(
    tasks: Sequence[Task],
    legs: Sequence[Leg],
    ships: Sequence[Ship],
    waypoints: Sequence[Waypoint],
    policy: Policy,
    *,
    markets: Sequence[Market] | None = None,
    epoch: datetime | None = None,
) -> Problem:
    """Check the inputs' consistency and build the tables. Raises ScheduleError when inconsistent.

    ``markets`` tells which waypoints sell FUEL (default: every marketplace). ``epoch`` (the
    snapshot's capture time) turns an IN_TRANSIT ship's arrival into seconds; it is required
    when any ship has an arrival time.
    """
    if policy.flight_mode not in FLIGHT_MULTIPLIER and policy.flight_mode != flight.AUTO:
        raise ScheduleError(f"policy.flight_mode: unknown flight mode {policy.flight_mode!r}")
    wp = {w.symbol: w for w in waypoints}
    task_by_id: dict[str, Task] = {}
    for t in tasks:
        if t.id in task_by_id:
            raise ScheduleError(f"task {t.id!r} appears twice")
        task_by_id[t.id] = t

    # Which leg and slot every task sits in.
    slot: dict[str, tuple[int, int]] = {}
    seen_legs: set[str] = set()
    for i, leg in enumerate(legs):
        if leg.id in seen_legs:
            raise ScheduleError(f"leg {leg.id!r} appears twice")
        seen_legs.add(leg.id)
        for end, tid in _slots(leg):
            if tid not in task_by_id:
                raise ScheduleError(f"leg {leg.id!r}: unknown task {tid!r}")
            if tid in slot:
                raise ScheduleError(f"task {tid!r} is in two legs")
            if task_by_id[tid].market not in wp:
                raise ScheduleError(
                    f"leg {leg.id!r}: task {tid!r} market {task_by_id[tid].market!r} "
                    "is not among the waypoints"
                )
            own = leg.load if end == LOAD else leg.unload
            if task_by_id[tid].market != task_by_id.get(own, task_by_id[tid]).market:
                raise ScheduleError(
                    f"leg {leg.id!r}: task {tid!r} is at {task_by_id[tid].market}, "
                    f"not where the leg's {own!r} is"
                )
            slot[tid] = (i, end)

    used = {task_by_id[leg.load].market for leg in legs} | {
        task_by_id[leg.unload].market for leg in legs
    }
    used |= {s.waypoint for s in ships if s.waypoint in wp}
    fuel_at = refuel_points(waypoints, markets)
    used |= {p for p in fuel_at if p in wp}  # possible refuel stops on the way
    points = tuple(sorted(used))
    index = {p: i for i, p in enumerate(points)}
    coords = tuple((wp[p].x, wp[p].y) for p in points)
    refuel = tuple(p in fuel_at for p in points)
    n = len(points)
    dist = [[distance(*coords[a], *coords[b]) for b in range(n)] for a in range(n)]
    modes = flight.candidate_modes(policy)
    weigh = flight.weights(policy, markets)
    fuels = [
        tuple(tuple(fuel_cost(dist[a][b], mode) for b in range(n)) for a in range(n))
        for mode in modes
    ]

    speeds = sorted({max(1, s.engine_speed) for s in ships})
    speed_class = {v: k for k, v in enumerate(speeds)}
    travels = [
        tuple(
            tuple(tuple(travel_seconds(dist[a][b], v, mode) for b in range(n)) for a in range(n))
            for v in speeds
        )
        for mode in modes
    ]
    travel = travels[0]

    dock = max(0, policy.dock_seconds)
    route_keys = sorted(
        {(speed_class[max(1, s.engine_speed)], max(0, s.fuel_capacity)) for s in ships}
    )
    route_class = {k: i for i, k in enumerate(route_keys)}
    routes = tuple(
        _routes(sc, cap, [t[sc] for t in travels], fuels, refuel, dock, weigh)
        for sc, cap in route_keys
    )

    aboard_legs: dict[str, list[int]] = {}  # ship -> legs unloading the cargo it holds
    for i, leg in enumerate(legs):
        if leg.ship:
            aboard_legs.setdefault(leg.ship, []).append(i)
    ship_specs = []
    for s in sorted(ships, key=lambda s: s.symbol):
        ready = 0
        if s.arrival is not None and s.status == "IN_TRANSIT":
            if epoch is None:
                raise ScheduleError(
                    f"ship {s.symbol} is in transit: pass epoch= (the snapshot time) to place its arrival"
                )
            ready = max(0, math.ceil((s.arrival - epoch).total_seconds()))
        unloaded = sum(legs[i].quantity for i in aboard_legs.get(s.symbol, ()))
        free = s.cargo_capacity - max(0, s.cargo_units - unloaded)
        unusable = ""
        if s.waypoint not in wp:
            unusable = f"waypoint {s.waypoint} is not among the waypoints"
        elif s.cargo_capacity <= 0:
            unusable = "no cargo hold"
        elif free <= 0:
            unusable = "cargo hold full"
        ship_specs.append(
            ShipSpec(
                symbol=s.symbol,
                speed_class=speed_class[max(1, s.engine_speed)],
                route_class=route_class[
                    (speed_class[max(1, s.engine_speed)], max(0, s.fuel_capacity))
                ],
                free_cargo=max(0, free),
                fuel_capacity=max(0, s.fuel_capacity),
                fuel_start=max(0, min(s.fuel_current, s.fuel_capacity)),
                start_point=index.get(s.waypoint, -1),
                ready_s=ready,
                unusable=unusable,
                aboard_legs=tuple(aboard_legs.get(s.symbol, ())),
            )
        )

    ship_at = {spec.symbol: k for k, spec in enumerate(ship_specs)}
    specs = []
    for i, leg in enumerate(legs):
        if leg.ship and leg.ship not in ship_at:
            raise ScheduleError(f"leg {leg.id!r}: its cargo is aboard {leg.ship}, not in the fleet")
        edges: list[Edge] = []
        for end, tid in _slots(leg):
            t = task_by_id[tid]
            for dep in sorted(set(t.depends_on)):
                if dep not in task_by_id:
                    raise ScheduleError(f"task {tid!r} depends on unknown task {dep!r}")
                pl, ps = slot.get(dep, (OUTSIDE, UNLOAD))
                if pl == i and (ps, end) != (LOAD, UNLOAD):
                    raise ScheduleError(
                        f"leg {leg.id!r}: task {tid!r} depends on {dep!r} in its own leg"
                    )
                edges.append(Edge(pl, ps, i, end, max(0, t.lag_s)))
        edges = list(dict.fromkeys(edges))  # goods sharing a leg may wait for the same task
        preds = tuple(sorted({e.pred_leg for e in edges if e.pred_leg not in (OUTSIDE, i)}))
        specs.append(
            LegSpec(
                id=leg.id,
                load_task=leg.load,
                unload_task=leg.unload,
                quantity=leg.units,
                load_point=index[task_by_id[leg.load].market],
                unload_point=index[task_by_id[leg.unload].market],
                preds=preds,
                edges_in=tuple(edges),
                ship=ship_at[leg.ship] if leg.ship else -1,
            )
        )
    topo = _topological(specs)
    return Problem(
        legs=tuple(specs),
        ships=tuple(ship_specs),
        points=points,
        coords=coords,
        refuel=refuel,
        speeds=tuple(speeds),
        travel=travel,
        routes=routes,
        dock_s=dock,
        flight_mode=policy.flight_mode,
        topo=topo,
        modes=modes,
    )


def _routes(
    speed_class: int,
    cap: int,
    hops: Sequence[tuple[tuple[int, ...], ...]],
    fuels: Sequence[tuple[tuple[int, ...], ...]],
    refuel: tuple[bool, ...],
    dock: int,
    weigh: tuple[float, float] | None = None,
) -> RouteTable:
    """Floyd-Warshall over direct hops that fit a full tank, with refuel points as the only
    intermediate stops (each stop adds ``dock``). Strict improvements only: deterministic.

    ``hops``/``fuels``: per mode (``flight.candidate_modes``), seconds and fuel of each direct
    hop. A hop is flown in the mode ``flight.pick`` chooses: the first whose fuel fits the tank
    (a BURN plan crosses the one gap its tank cannot burn across in CRUISE instead of giving up
    the route), or under AUTO (``weigh``) the one whose time and fuel cost least."""
    n = len(hops[0])
    hop_time = [[INF] * n for _ in range(n)]
    hop_fuel = [[0] * n for _ in range(n)]
    hop_mode = [[0] * n for _ in range(n)]
    for a in range(n):
        for b in range(n):
            if a == b:
                hop_time[a][b] = 0
                continue
            if weigh is None:  # the first mode that fits (hot: 9 classes x 215^2 hops)
                m = next((m for m, f in enumerate(fuels) if cap == 0 or f[a][b] <= cap), None)
            else:
                m = flight.pick(
                    [(h[a][b], f[a][b]) for h, f in zip(hops, fuels, strict=True)], cap, weigh
                )
            if m is not None:
                hop_time[a][b], hop_fuel[a][b], hop_mode[a][b] = hops[m][a][b], fuels[m][a][b], m
    time, nxt = _through_refuel_points(hop_time, refuel, dock) if cap > 0 else _direct(hop_time)
    return RouteTable(
        speed_class,
        cap,
        time,
        nxt,
        tuple(map(tuple, hop_time)),
        tuple(map(tuple, hop_fuel)),
        tuple(map(tuple, hop_mode)),
    )


Table = tuple[tuple[int, ...], ...]


def _direct(hop_time: list[list[int]]) -> tuple[Table, Table]:
    n = len(hop_time)
    nxt = tuple(tuple(b if hop_time[a][b] < INF else -1 for b in range(n)) for a in range(n))
    return tuple(map(tuple, hop_time)), nxt


def _through_refuel_points(
    hop_time: list[list[int]], refuel: tuple[bool, ...], dock: int
) -> tuple[Table, Table]:
    """Floyd-Warshall with the refuel points as the only intermediate stops, in numpy: at 215
    points and 9 (speed, tank) classes the Python loops took 5 s of an 800-leg compile. Row
    and column ``k`` do not change while ``k`` is the intermediate, so updating the whole
    matrix at once is the same strict-improvement order as the loops it replaces."""
    import numpy as np

    n = len(hop_time)
    time = np.array(hop_time, dtype=np.int64).reshape(n, n)
    nxt = np.where(time < INF, np.arange(n, dtype=np.int64)[None, :], -1)
    for k in range(n):
        if not refuel[k]:
            continue
        reach = time[:, k] < INF
        reach[k] = False
        via = np.minimum(time[:, k, None] + dock + time[None, k, :], INF)
        better = reach[:, None] & (via < time)
        time = np.where(better, via, time)
        nxt = np.where(better, nxt[:, k, None], nxt)
    return tuple(map(tuple, time.tolist())), tuple(map(tuple, nxt.tolist()))


def _topological(specs: Sequence[LegSpec]) -> tuple[int, ...]:
    """Kahn's algorithm, always taking the lowest ready index: deterministic."""

    waiting = [len(s.preds) for s in specs]
    succs: list[list[int]] = [[] for _ in specs]
    for i, s in enumerate(specs):
        for p in s.preds:
            succs[p].append(i)
    heap = [i for i, w in enumerate(waiting) if w == 0]
    heapq.heapify(heap)
    order: list[int] = []
    while heap:
        i = heapq.heappop(heap)
        order.append(i)
        for j in succs[i]:
            waiting[j] -= 1
            if waiting[j] == 0:
                heapq.heappush(heap, j)
    if len(order) != len(specs):
        stuck = sorted(specs[i].id for i, w in enumerate(waiting) if w > 0)
        raise ScheduleError(f"legs depend on each other in a cycle: {', '.join(stuck[:5])}")
    return tuple(order)


def release_s(
    problem: Problem,
    leg: int,
    task: int,
    ends: Sequence[tuple[int, int] | None],
    load_s: int = 0,
    *,
    skip_missing: bool = False,
) -> int:
    """Earliest start of ``leg``'s ``task`` from its edges; ``ends[j]`` = (load end, unload end).

    The edge from the leg's own load task uses ``load_s``. A pred not yet placed raises KeyError,
    unless ``skip_missing`` (the bound over legs no ship can carry) ignores it.
    """
    into_load, into_unload, own_lag = problem.release_terms(leg)
    if task == LOAD:
        return _released(problem, into_load, ends, skip_missing)
    r = _released(problem, into_unload, ends, skip_missing)
    return max(r, load_s + problem.dock_s + own_lag) if own_lag >= 0 else r


ReleaseTerms = tuple[tuple[tuple[int, int, int], ...], tuple[tuple[int, int, int], ...], int]


def _split_edges(leg: int, spec: LegSpec) -> ReleaseTerms:
    into: tuple[list[tuple[int, int, int]], list[tuple[int, int, int]]] = ([], [])
    own = -1
    for e in spec.edges_in:
        if e.pred_leg == leg and e.succ_task == UNLOAD:
            own = max(own, e.lag_s)
        elif e.pred_leg != leg:
            into[0 if e.succ_task == LOAD else 1].append((e.pred_leg, e.pred_task, e.lag_s))
    return tuple(into[0]), tuple(into[1]), own


def _released(
    problem: Problem,
    terms: tuple[tuple[int, int, int], ...],
    ends: Sequence[tuple[int, int] | None],
    skip_missing: bool = False,
) -> int:
    r = 0
    for j, task, lag in terms:
        if j == OUTSIDE:
            end = lag
        else:
            pe = ends[j]
            if pe is None:
                if skip_missing:
                    continue
                raise KeyError(problem.legs[j].id)
            end = pe[task] + lag
        if end > r:
            r = end
    return r


class Placement(NamedTuple):
    """A leg timed on a ship, and where the ship is afterwards.

    A named tuple, not a frozen dataclass: the local search builds hundreds of thousands a
    second, and a tuple is built in a third of the time (0.55 against 1.6 us)."""

    start_s: int
    load_s: int
    unload_s: int
    end_s: int
    fuel_after: int
    via_load: tuple[int, ...] = ()  # refuel stops on the way to the load point
    via_unload: tuple[int, ...] = ()  # refuel stops from the load point to the unload point
    # flight mode of each hop to the load point, and from there to the unload point, as
    # indices into Problem.modes (``Problem.mode_names`` names them: only results need names)
    modes_load: tuple[int, ...] = ()
    modes_unload: tuple[int, ...] = ()


def place(
    problem: Problem,
    leg: int,
    ship: int,
    free_s: int,
    pos: int,
    fuel: int,
    ends: Sequence[tuple[int, int] | None],
) -> Placement | None:
    """Time ``leg`` on ``ship`` (free at ``free_s`` at point ``pos`` with ``fuel``), as early as
    the rules allow; the ship leaves just in time to load at the leg's release. None: infeasible."""
    spec = problem.legs[leg]
    if not problem.fits(leg, ship):
        return None
    aboard = problem.ships[ship].aboard_legs
    if aboard and spec.ship < 0 and any(ends[j] is None for j in aboard):
        return None  # the ship's cargo aboard is unloaded first
    there = problem.fly(ship, pos, spec.load_point, fuel)
    if there is None:
        return None
    on = problem.fly(ship, spec.load_point, spec.unload_point, there.fuel_after)
    if on is None:
        return None
    fly1, fly2, left = there.seconds, on.seconds, on.fuel_after
    into_load, into_unload, own_lag = problem.release_terms(leg)
    start = max(free_s, _released(problem, into_load, ends) - fly1)
    load = start + fly1
    unload = max(load + problem.dock_s + fly2, _released(problem, into_unload, ends))
    if own_lag >= 0:
        unload = max(unload, load + problem.dock_s + own_lag)
    return Placement(
        start,
        load,
        unload,
        unload + problem.dock_s,
        left,
        there.stops[:-1],
        on.stops[:-1],
        there.modes,
        on.modes,
    )
