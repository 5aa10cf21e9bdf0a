"""A schedule under construction: ships' positions, free times and fuel, legs placed so far."""

from __future__ import annotations

from plancc.model import ScheduledLeg, ShipPlan
from plancc.schedule.bounds import lower_bound
from plancc.schedule.problem import Placement, Problem, ScheduleResult, Unscheduled, place


class State:
    """Ships' positions and free times, leg placements; the loop bodies of both schedulers."""

    def __init__(self, problem: Problem) -> None:
        self.p = problem
        self.free = [s.ready_s for s in problem.ships]
        self.pos = [s.start_point for s in problem.ships]
        self.fuel = [s.fuel_start for s in problem.ships]
        self.ends: list[tuple[int, int] | None] = [None] * len(problem.legs)
        self.placed: list[tuple[int, Placement] | None] = [None] * len(problem.legs)
        self.route: list[list[int]] = [[] for _ in problem.ships]  # legs per ship, in flying order
        self.dropped: dict[int, str] = {}
        self.waiting = [len(leg.preds) for leg in problem.legs]
        self.succs: list[list[int]] = [[] for _ in problem.legs]
        for i, leg in enumerate(problem.legs):
            for j in leg.preds:
                self.succs[j].append(i)
        self.ready: set[int] = {i for i, w in enumerate(self.waiting) if w == 0}
        self.usable = [i for i, s in enumerate(problem.ships) if s.usable]

    def try_place(self, leg: int, ship: int) -> Placement | None:
        return place(self.p, leg, ship, self.free[ship], self.pos[ship], self.fuel[ship], self.ends)

    def commit(self, leg: int, ship: int, pl: Placement) -> None:
        self.placed[leg] = (ship, pl)
        self.route[ship].append(leg)
        self.ends[leg] = (pl.load_s + self.p.dock_s, pl.end_s)
        self.free[ship] = pl.end_s
        self.pos[ship] = self.p.legs[leg].unload_point
        self.fuel[ship] = pl.fuel_after
        self.ready.discard(leg)
        for j in self.succs[leg]:
            self.waiting[j] -= 1
            if self.waiting[j] == 0:
                self.ready.add(j)

    def drop_ready(self) -> None:
        """No ready leg fits any ship as things stand: report them, and every leg after them."""
        for leg in sorted(self.ready):
            self.dropped[leg] = self._why_not(leg)
        stack = sorted(self.ready)
        self.ready = set()
        while stack:
            i = stack.pop()
            for j in self.succs[i]:
                if j not in self.dropped:
                    self.dropped[j] = f"waits for unscheduled leg {self.p.legs[i].id}"
                    stack.append(j)

    def _why_not(self, leg: int) -> str:
        spec = self.p.legs[leg]
        if not self.usable:
            return "no ship can carry cargo"
        most = max(self.p.ships[s].free_cargo for s in self.usable)
        if spec.quantity > most:
            return f"{spec.quantity} units exceed every ship's free cargo (largest {most})"
        return (
            f"no ship has a route with the fuel it carries ({self.p.flight_mode}, refuelling at "
            f"FUEL markets) to {self.p.points[spec.load_point]} and on to "
            f"{self.p.points[spec.unload_point]}"
        )

    def result(self, method: str) -> ScheduleResult:
        def scheduled(leg: int) -> ScheduledLeg:
            ship, pl = self.placed[leg]  # type: ignore[misc]
            sym = self.p.ships[ship].symbol
            names = self.p.points
            return ScheduledLeg(
                self.p.legs[leg].id,
                sym,
                pl.start_s,
                pl.load_s,
                pl.unload_s,
                pl.end_s,
                tuple(names[k] for k in pl.via_load),
                tuple(names[k] for k in pl.via_unload),
                self.p.mode_names(pl.modes_load),
                self.p.mode_names(pl.modes_unload),
            )

        # In flying order, not sorted by time: legs that take no time (same market, no dock)
        # share a start time, and only the order they were placed in says where the ship is.
        plans = tuple(
            ShipPlan(ship=s.symbol, legs=tuple(scheduled(i) for i in self.route[k]))
            for k, s in enumerate(self.p.ships)
        )
        makespan = max((e[1] for e in self.ends if e is not None), default=0)
        unscheduled = tuple(
            Unscheduled(self.p.legs[i].id, why)
            for i, why in sorted(self.dropped.items(), key=lambda kv: self.p.legs[kv[0]].id)
        )
        status = "EMPTY" if not self.p.legs else ("PARTIAL" if unscheduled else "HEURISTIC")
        return ScheduleResult(plans, makespan, lower_bound(self.p), status, method, unscheduled)
