"""A small, readable Plan built by hand, and helpers to change one thing in it.

Used by the diff and report tests so they do not depend on the compiler: two pipelines
(LASER_RIFLES from DIAMONDS and ALUMINUM; FAB_MATS from IRON), three ships, five legs.
Times follow ScheduledLeg's meaning: start (leave), load (trade at the load market),
unload (trade at the unload market), end (ship free).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime

from plancc.canonical import FORMAT_VERSION
from plancc.model import (
    ChainNode,
    Leg,
    Objective,
    Pipeline,
    Plan,
    Provenance,
    Rejection,
    ScheduledLeg,
    ShipPlan,
    Task,
)

SYS = "X1-AD75"
LR = "LASER_RIFLES@X1-AD75-A1"
FM = "FAB_MATS@X1-AD75-E2"


def _w(name: str) -> str:
    return f"{SYS}-{name}"


def chain_laser(diamond_market: str = "B7", diamond_price: int = 3000) -> ChainNode:
    return ChainNode(
        "LASER_RIFLES",
        "MANUFACTURE",
        _w("F1"),
        20,
        6000,
        children=(
            ChainNode("DIAMONDS", "BUY", _w(diamond_market), 20, diamond_price, supply="HIGH"),
            ChainNode("ALUMINUM", "BUY", _w("C3"), 20, 200, supply="ABUNDANT"),
        ),
        supply="LIMITED",
        reason="no HIGH seller",
    )


def tasks_laser(diamond_market: str = "B7", qty: int = 20) -> tuple[Task, ...]:
    p = LR
    return (
        Task(f"{p}/acquire/DIAMONDS@{_w(diamond_market)}#1", "ACQUIRE", p, "DIAMONDS", qty, _w(diamond_market), unit_price=3000),
        Task(f"{p}/deliver/DIAMONDS@{_w('F1')}#1", "DELIVER", p, "DIAMONDS", qty, _w("F1"),
             depends_on=(f"{p}/acquire/DIAMONDS@{_w(diamond_market)}#1",), unit_price=3500),
        Task(f"{p}/acquire/ALUMINUM@{_w('C3')}#1", "ACQUIRE", p, "ALUMINUM", qty, _w("C3"), unit_price=200),
        Task(f"{p}/deliver/ALUMINUM@{_w('F1')}#1", "DELIVER", p, "ALUMINUM", qty, _w("F1"),
             depends_on=(f"{p}/acquire/ALUMINUM@{_w('C3')}#1",), unit_price=250),
        Task(f"{p}/collect/LASER_RIFLES@{_w('F1')}#1", "COLLECT", p, "LASER_RIFLES", qty, _w("F1"),
             depends_on=(f"{p}/deliver/ALUMINUM@{_w('F1')}#1", f"{p}/deliver/DIAMONDS@{_w('F1')}#1"),
             lag_s=600, unit_price=6000),
        Task(f"{p}/sell/LASER_RIFLES@{_w('A1')}#1", "SELL", p, "LASER_RIFLES", qty, _w("A1"),
             depends_on=(f"{p}/collect/LASER_RIFLES@{_w('F1')}#1",), unit_price=9000),
    )  # fmt: skip


def tasks_fab() -> tuple[Task, ...]:
    p = FM
    return (
        Task(f"{p}/acquire/IRON@{_w('D4')}#1", "ACQUIRE", p, "IRON", 40, _w("D4"), unit_price=100),
        Task(f"{p}/deliver/IRON@{_w('G6')}#1", "DELIVER", p, "IRON", 40, _w("G6"),
             depends_on=(f"{p}/acquire/IRON@{_w('D4')}#1",), unit_price=150),
        Task(f"{p}/collect/FAB_MATS@{_w('G6')}#1", "COLLECT", p, "FAB_MATS", 40, _w("G6"),
             depends_on=(f"{p}/deliver/IRON@{_w('G6')}#1",), lag_s=600, unit_price=700),
        Task(f"{p}/sell/FAB_MATS@{_w('E2')}#1", "SELL", p, "FAB_MATS", 40, _w("E2"),
             depends_on=(f"{p}/collect/FAB_MATS@{_w('G6')}#1",), unit_price=1100),
    )  # fmt: skip


def legs_for(tasks: tuple[Task, ...]) -> tuple[Leg, ...]:
    """Pair each load (ACQUIRE/COLLECT) with the unload that depends on it."""
    legs = []
    for t in tasks:
        if t.type in ("DELIVER", "SELL"):
            load = t.depends_on[0]
            lid = t.id.replace("/deliver/", "/leg/").replace("/sell/", "/leg/")
            legs.append(Leg(lid, load, t.id, t.good, t.quantity, t.pipeline, hold=40))
    return tuple(legs)


def make_plan(
    *,
    diamond_market: str = "B7",
    laser_qty: int = 20,
    with_fab: bool = True,
    times: dict[str, tuple[str, int, int, int, int]] | None = None,
    snapshot_hash: str = "sha256:" + "1" * 64,
    snapshot_time: datetime = datetime(2026, 11, 24, 20, 0, tzinfo=UTC),
    makespan_s: int = 2400,
    cost: int = 70_000,
    revenue: int = 180_000,
) -> Plan:
    """The reference plan; keyword arguments change one input at a time."""
    lt = tasks_laser(diamond_market, laser_qty)
    pipelines = [
        Pipeline(
            LR,
            "LASER_RIFLES",
            _w("A1"),
            laser_qty,
            chain_laser(diamond_market),
            expected_cost=65_000,
            expected_revenue=180_000 * laser_qty // 20,
            sell_price=9000,
        )
    ]
    tasks = list(lt)
    if with_fab:
        pipelines.append(
            Pipeline(
                FM,
                "FAB_MATS",
                _w("E2"),
                40,
                ChainNode(
                    "FAB_MATS",
                    "MANUFACTURE",
                    _w("G6"),
                    40,
                    700,
                    children=(ChainNode("IRON", "BUY", _w("D4"), 40, 100, supply="HIGH"),),
                ),
                expected_cost=32_000,
                expected_revenue=44_000,
                sell_price=1100,
            )
        )
        tasks.extend(tasks_fab())
    legs = legs_for(tuple(tasks))
    ids = [leg.id for leg in legs]
    default = default_times(ids)
    sched = {**default, **(times or {})}
    ships: dict[str, list[ScheduledLeg]] = {"SHIP-1": [], "SHIP-2": [], "SHIP-3": []}
    for lid in ids:
        ship, start, load, unload, end = sched[lid]
        ships.setdefault(ship, []).append(
            ScheduledLeg(
                lid, ship, start, load, unload, end,
                modes_to_load=("CRUISE",), modes_to_unload=("CRUISE",),
            )
        )  # fmt: skip
    return Plan(
        format_version=FORMAT_VERSION,
        provenance=Provenance(
            "0.1.0",
            snapshot_time,
            SYS,
            {
                "recipes": "sha256:" + "a" * 64,
                "policy": "sha256:" + "b" * 64,
                "snapshot": snapshot_hash,
            },
        ),
        objective=Objective("list", "HEURISTIC", makespan_s, 1800, 0.25, cost, revenue),
        pipelines=tuple(pipelines),
        tasks=tuple(sorted(tasks, key=lambda t: t.id)),
        legs=tuple(sorted(legs, key=lambda leg: leg.id)),
        ships=tuple(
            ShipPlan(s, tuple(sorted(v, key=lambda x: x.start_s))) for s, v in sorted(ships.items())
        ),
        rejected=(Rejection("MEDICINE", _w("K9"), "margin 3% under impact < 8% minimum"),),
    )


def default_times(leg_ids: list[str]) -> dict[str, tuple[str, int, int, int, int]]:
    """A fixed, feasible-looking schedule: diamonds and rifles on SHIP-1, the rest spread."""
    table: dict[str, tuple[str, int, int, int, int]] = {}
    for lid in leg_ids:
        if "LASER_RIFLES" in lid and "DIAMONDS" in lid:
            table[lid] = ("SHIP-1", 0, 300, 700, 705)
        elif "ALUMINUM" in lid:
            table[lid] = ("SHIP-2", 0, 200, 500, 505)
        elif "LASER_RIFLES" in lid:  # collect + sell, after the 600 s production lag
            table[lid] = ("SHIP-1", 705, 1305, 1800, 1805)
        elif "IRON" in lid:
            table[lid] = ("SHIP-3", 0, 250, 600, 605)
        else:  # FAB_MATS collect + sell
            table[lid] = ("SHIP-3", 605, 1205, 2395, 2400)
    return table


def leg_id(plan: Plan, fragment: str) -> str:
    (found,) = [leg.id for leg in plan.legs if fragment in leg.id]
    return found


def with_times(
    plan: Plan, fragment: str, ship: str, start: int, end: int
) -> dict[str, tuple[str, int, int, int, int]]:
    """A times override moving the one leg whose id contains ``fragment``."""
    lid = leg_id(plan, fragment)
    dur = end - start
    return {lid: (ship, start, start + dur // 3, end - 5, end)}


def replace(obj: object, **changes: object) -> object:
    return dataclasses.replace(obj, **changes)  # type: ignore[type-var]


Edit = Callable[[Plan], Plan]
