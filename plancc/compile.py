"""The compile pipeline: recipes + policy + snapshot -> a Plan. Pure: no files, no clock.

    demand -> resolve -> sizing -> sell selection  (plancc.chain.plan_pipelines)
           -> tasks and legs                       (plancc.pipeline.build_tasks)
           -> schedule + verify                    (plancc.schedule)
           -> Plan (canonical order, see plancc.canonical)

Loading and validating the inputs is the caller's job (``plancc.load``); writing the file is
``plancc.planfile``'s. No profitable work is not an error: the plan is empty, its status is
``EMPTY`` and every candidate carries the reason it was not planned.

    plan = compile_plan(book, policy, snapshot, inputs={"snapshot": "sha256:..."})
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping

from plancc import __version__, chain, figures, fleet, flight, pipeline, schedule
from plancc.canonical import FORMAT_VERSION, canonical_plan
from plancc.errors import InputError, PlanccError
from plancc.model import (
    Objective,
    Pipeline,
    Plan,
    Policy,
    Provenance,
    RecipeBook,
    Rejection,
    Search,
    Snapshot,
)

SCHEDULERS: tuple[str, ...] = schedule.METHODS  # "cpsat" (the optimiser) first: the default
OBJECTIVES: tuple[str, ...] = schedule.OBJECTIVES

# progress(phase, detail): called once at the end of each phase, in order
Progress = Callable[[str, str], None]
PHASES: tuple[str, ...] = ("demand", "pipelines", "tasks", "schedule", "verify")


def _quiet(phase: str, detail: str) -> None:
    return None


def budget_clock() -> float:
    """The optimiser's clock in a compile: it never advances, so the optimiser stops on its
    iteration and deterministic-time budgets (sized from ``time_limit_s``) and never on the
    machine's load: the same inputs give the same plan file, byte for byte, on any machine.
    (A horizon of batches is more legs than the optimiser proves inside a wall-clock limit on
    a loaded machine, and the wall clock then cut each run at a different point.)"""
    return 0.0


# When the policy's flight mode leaves pipelines no ship can fly (a BURN route needs twice the
# fuel of CRUISE, so a tank that CRUISE refills along the way may reach nothing in BURN), the
# plan is compiled again one mode slower and the slower plan is kept if it flies more: BURN
# where it reaches, else CRUISE; DRIFT (hours per hop) only when CRUISE flies nothing at all.
SLOWER_MODE: Mapping[str, str] = {"BURN": "CRUISE", "CRUISE": "DRIFT", "AUTO": "DRIFT"}
UNFLYABLE = "no ship can fly leg"


def _unflyable(plan: Plan) -> int:
    return sum(1 for r in plan.rejected if r.reason.startswith(UNFLYABLE))


def _pays(plan: Plan, policy: Policy) -> bool:
    """A plan in a slower mode is only worth flying while its working haulers still earn
    ``min_profit_per_hour`` each over its makespan (a DRIFT plan of day-long hops does not)."""
    working = sum(1 for s in plan.ships if s.legs)
    return working > 0 and plan.objective.profit_per_hour >= policy.min_profit_per_hour * working


def valued_policy(policy: Policy, snapshot: Snapshot, book: RecipeBook) -> Policy:
    """``policy`` with a hauler-hour's worth filled in as ``compile_plan`` fills it (the plan's
    own expected profit per hauler-hour, unless the policy pins ``time_value_per_hour``): the
    figure AUTO flight modes and the choice of seller weigh time with, so a check of a
    compiled plan's routes must build its problem from the same policy."""
    if policy.time_value_per_hour is not None:
        return policy
    haulers, _ = fleet.haulers(snapshot.ships, policy)
    value = chain.hauler_time_value(dataclasses.replace(snapshot, ships=haulers), book, policy)
    return dataclasses.replace(policy, time_value_per_hour=round(value * 3600))


def compile_plan(
    book: RecipeBook,
    policy: Policy,
    snapshot: Snapshot,
    *,
    inputs: Mapping[str, str],
    scheduler: str = "cpsat",
    time_limit_s: float = 10.0,
    hint: Plan | None = None,
    progress: Progress | None = None,
    objective: str = schedule.WEIGHTED,
    seed: int = 0,
) -> Plan:
    """Compile one plan. ``inputs`` maps logical input names to ``sha256:`` of their bytes.

    Flown in ``policy.flight_mode``, or one mode slower where that flies pipelines the
    policy's mode cannot reach (see SLOWER_MODE). Further arguments: ``_compile_in_mode``.
    """

    def compile_in(mode: str) -> Plan:
        return _compile_in_mode(
            book,
            dataclasses.replace(policy, flight_mode=mode),
            snapshot,
            inputs=inputs,
            scheduler=scheduler,
            time_limit_s=time_limit_s,
            hint=hint,
            progress=progress,
            objective=objective,
            seed=seed,
        )

    mode = policy.flight_mode
    plan = compile_in(mode)
    while _unflyable(plan) and mode in SLOWER_MODE:
        mode = SLOWER_MODE[mode]
        if mode == "DRIFT" and plan.pipelines:
            break  # DRIFT only when nothing else reaches
        (progress or _quiet)("schedule", f"{_unflyable(plan)} pipeline(s) unflyable: try {mode}")
        slower = compile_in(mode)
        if len(slower.pipelines) <= len(plan.pipelines) or not _pays(slower, policy):
            break
        plan = slower
    return plan


def _compile_in_mode(
    book: RecipeBook,
    policy: Policy,
    snapshot: Snapshot,
    *,
    inputs: Mapping[str, str],
    scheduler: str = "cpsat",
    time_limit_s: float = 10.0,
    hint: Plan | None = None,
    progress: Progress | None = None,
    objective: str = schedule.WEIGHTED,
    seed: int = 0,
) -> Plan:
    """Compile one plan with every hop flown in ``policy.flight_mode``.

    ``time_limit_s`` sizes the optimising scheduler's budgets ("cpsat", minimising ``objective``
    with ``seed``; see ``budget_clock``); the list and greedy schedulers are constructive and finish well inside it. ``hint`` (the previous plan) lets the scheduler
    keep legs where they were, so a recompile moves as little as it can.
    """
    if scheduler not in SCHEDULERS:
        raise InputError(
            f"unknown scheduler {scheduler!r} (choose {', '.join(SCHEDULERS)})",
            field="--scheduler",
        )
    if objective not in OBJECTIVES:
        raise InputError(
            f"unknown objective {objective!r} (choose {', '.join(OBJECTIVES)})",
            field="--objective",
        )
    if time_limit_s <= 0:
        raise InputError("the time limit must be positive", field="--time-limit")
    report = progress or _quiet

    # only the ships that haul are planned for (policy: hauler_exclude_roles, hauler_min_cargo);
    # the chain sizes batches for them and the scheduler gives them the legs
    cargo_ships, left_out = fleet.haulers(snapshot.ships, policy)
    snapshot = dataclasses.replace(snapshot, ships=cargo_ships)
    if left_out:
        report_left_out = f"; not hauling: {', '.join(f'{o.ship} ({o.reason})' for o in left_out)}"
    else:
        report_left_out = ""

    # where to buy, and under AUTO each hop's flight mode, weigh hauler time at the plan's own
    # profit rate (or the policy's time_value_per_hour): measured once, used by all
    policy = valued_policy(policy, snapshot, book)
    value = (policy.time_value_per_hour or 0.0) / 3600
    candidates, demand_rejections = chain.find_demand(snapshot, book, policy, time_value=value)
    report(
        "demand",
        f"{len(candidates)} candidates, {len(demand_rejections)} products rejected"
        + report_left_out,
    )

    # cargo already aboard the haulers is part of the plan: batches unload it before buying,
    # and what no batch takes is sold from its ship where it fetches the most
    holds = chain.holds_of(cargo_ships)

    def hold_for(planned: tuple[Pipeline, ...]) -> int:
        """The hold legs are cut to once the cargo ``planned`` unloads is out of the holds."""
        kept = {h.ship: 0 for h in holds}
        for h in chain.holds_left(holds, planned):
            kept[h.ship] += h.units
        return fleet.leg_hold(cargo_ships, kept)

    def plan_batches(
        exclude: frozenset[str],
    ) -> tuple[tuple[chain.Batch, ...], tuple[Rejection, ...]]:
        batches, rejections = chain.fill_horizon(
            snapshot,
            book,
            policy,
            candidates=candidates,
            exclude=exclude,
            time_value=value,
            holds=holds,
        )
        planned = tuple(b.pipeline for b in batches)
        left = tuple(h for h in chain.holds_left(holds, planned) if h.good not in exclude)
        sales, unsold = chain.sell_aboard(snapshot, policy, left, planned=planned, time_value=value)
        return (*batches, *sales), (*rejections, *unsold)

    batches, rejections = plan_batches(frozenset())
    pipelines = tuple(b.pipeline for b in batches)
    capacity = hold_for(pipelines)
    rejected = tuple(dict.fromkeys((*demand_rejections, *rejections)))
    aboard = sum(h.units for h in holds)
    report(
        "pipelines",
        f"{len(pipelines)} planned, {len(rejected)} candidates rejected"
        + (f"; {aboard} units aboard {len({h.ship for h in holds})} ship(s)" if holds else ""),
    )

    provenance = Provenance(
        plancc_version=__version__,
        snapshot_time=snapshot.captured_at,
        system=snapshot.system,
        inputs=dict(inputs),
    )
    if not pipelines or capacity <= 0:
        if capacity <= 0:
            why = "no ship in the fleet can carry cargo" + report_left_out
            lost = [Rejection(p.product, p.sell_market, why) for p in pipelines]
            rejected = (*rejected, *(lost or [Rejection("*", "", why)]))
        elif not rejected:
            rejected = (
                Rejection("*", "", "no candidate: nothing plancc can make or buy is imported here"),
            )
        report("tasks", "0 tasks, 0 legs")
        report("schedule", "nothing to schedule")
        report("verify", "empty plan")
        return _empty_plan(provenance, scheduler, rejected, policy.horizon_s)

    # legs are cut to the biggest free hold among the haulers (plancc.fleet.leg_hold): that
    # ship flies full, and smaller holds take the remainders that fit them
    volumes = {
        (m.symbol, g.symbol): g.trade_volume for m in snapshot.markets for g in m.trade_goods
    }
    active = tuple(pipelines)
    unflyable: list[Rejection] = []  # pipelines dropped because no ship can fly one of their legs
    positions = {s.symbol: s.waypoint for s in cargo_ships}
    while True:
        # a repeat visit to a market waits as long as the planner let the market recover
        starts = {b.pipeline.id: b.start_s for b in batches}
        tasks, legs = pipeline.build_tasks(
            active, policy, capacity, volumes, starts, positions=positions
        )
        # which legs no ship can fly is the same for every scheduler: ask the fast one first
        result = schedule.schedule(
            tasks,
            legs,
            cargo_ships,
            snapshot.waypoints,
            policy,
            method="list" if scheduler == "cpsat" else scheduler,
            hint=hint,
            markets=snapshot.markets,
            epoch=snapshot.captured_at,
        )
        if not result.unscheduled:
            break
        # a pipeline with a leg no ship can fly would strand its cargo: drop it, say why, and
        # plan again without it, so the next-ranked candidate takes its slot and its budget
        pipeline_of = {leg.id: leg.pipeline for leg in legs}
        dropped: dict[str, str] = {}
        for u in sorted(result.unscheduled, key=lambda u: u.leg):
            dropped.setdefault(pipeline_of[u.leg], f"{UNFLYABLE} {u.leg}: {u.reason}")
        unflyable += [
            Rejection(p.product, p.sell_market, dropped[p.id]) for p in active if p.id in dropped
        ]
        batches, rejections = plan_batches(frozenset(r.good for r in unflyable))
        active = tuple(b.pipeline for b in batches)
        capacity = hold_for(active)
        rejected = tuple(dict.fromkeys((*demand_rejections, *rejections, *unflyable)))
        if not active or capacity <= 0:
            report("tasks", "0 tasks, 0 legs")
            report("schedule", f"no ship can fly {len(unflyable)} pipeline(s): dropped")
            report("verify", "empty plan")
            return _empty_plan(provenance, scheduler, rejected, policy.horizon_s)
    shared = sum(1 for leg in legs if leg.also)
    also = f", {shared} carrying several goods" if shared else ""
    report("tasks", f"{len(tasks)} tasks, {len(legs)} legs{also} (cargo {capacity})")
    search = None
    if scheduler == "cpsat":
        result, info = schedule.schedule_with_info(
            tasks,
            legs,
            cargo_ships,
            snapshot.waypoints,
            policy,
            method="cpsat",
            hint=hint,
            markets=snapshot.markets,
            epoch=snapshot.captured_at,
            objective=objective,
            profits={p.id: p.expected_profit for p in active},
            seed=seed,
            time_limit_s=time_limit_s,
            clock=budget_clock,
            # CP-SAT's own guard per solve, far past its deterministic limit (a fraction of
            # time_limit_s): only a pathological solve on a crawling machine meets it
            wall_guard_s=max(60.0, 10 * time_limit_s),
        )
        assert info is not None
        search = Search(
            objective=objective,
            value=info.primary,
            value_bound=info.primary_bound,
            bound_label=info.bound_label,
            solver=schedule.solver_version(),
            parameters=tuple(sorted((k, str(v)) for k, v in info.parameters.items())),
            seed=seed,
            note=info.note,
        )
    used = sum(1 for s in result.ships if s.legs)
    report(
        "schedule",
        f"{result.scheduler}: makespan {result.makespan_s} s, bound {result.bound_s} s, "
        f"{used} of {len(cargo_ships)} ships used"
        + (f", {search.objective} {search.value} ({search.bound_label} bound)" if search else "")
        + (f", {len(unflyable)} unflyable pipeline(s) dropped" if unflyable else ""),
    )

    problems = schedule.verify(
        tasks,
        legs,
        result,
        cargo_ships,
        snapshot.waypoints,
        policy,
        markets=snapshot.markets,
        epoch=snapshot.captured_at,
    )
    if problems:  # a bug, not bad input: never hand the runner a plan that cannot be flown
        raise PlanccError(
            f"internal error: the {result.scheduler} schedule breaks {len(problems)} rule(s); "
            f"first: {problems[0]}"
        )
    report("verify", "feasible")

    makespan = result.makespan_s
    bound = min(result.bound_s, makespan)
    objective_figures = Objective(
        scheduler=result.scheduler,
        status=result.status,
        makespan_s=makespan,
        bound_s=bound,
        gap=(makespan - bound) / makespan if makespan else 0.0,
        expected_cost=sum(p.expected_cost for p in active),
        expected_revenue=sum(p.expected_revenue for p in active),
        search=search,
        horizon_s=policy.horizon_s,
        utilisation=figures.utilisation(result.ships, len(cargo_ships), policy.horizon_s),
    )
    return canonical_plan(
        Plan(
            format_version=FORMAT_VERSION,
            provenance=provenance,
            objective=objective_figures,
            pipelines=active,
            tasks=tuple(tasks),
            legs=tuple(legs),
            ships=figures.with_flight_modes(result.ships, flight.default_mode(policy)),
            rejected=rejected,
        )
    )


def _empty_plan(
    provenance: Provenance, scheduler: str, rejected: tuple[Rejection, ...], horizon_s: int = 0
) -> Plan:
    return canonical_plan(
        Plan(
            format_version=FORMAT_VERSION,
            provenance=provenance,
            objective=Objective(scheduler, "EMPTY", 0, 0, 0.0, 0, 0, horizon_s=horizon_s),
            pipelines=(),
            tasks=(),
            legs=(),
            ships=(),
            rejected=rejected,
        )
    )
