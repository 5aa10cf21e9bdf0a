"""The plan as the runner sees it: the one module that reads the plan file format.

``read_plan(path)`` turns a plan file (format 2, ``docs/plan-format.md``) into frozen
dataclasses the runner owns; when the plan format changes, only this module changes. The view
is stored in the state database as JSON (``to_json``/``from_json``) so a tick never parses
YAML nor imports the compiler.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class PipelineSpec:
    id: str
    product: str
    sell_market: str
    quantity: int
    expected_cost: int
    expected_revenue: int


@dataclass(frozen=True)
class TaskSpec:
    """One action of a pipeline: buy (ACQUIRE/COLLECT) or sell (DELIVER/SELL) ``quantity``;
    ABOARD: a load that buys nothing (the cargo was in the ship's hold when the plan was made)."""

    id: str
    type: str
    pipeline: str
    good: str
    quantity: int
    market: str
    unit_price: int  # expected per-unit price paid (loads) or received (unloads)
    depends_on: tuple[str, ...] = ()
    lag_s: int = 0
    lots: tuple[int, ...] = ()  # the plan's transactions (units each), in order; () none given
    limit_price: int = 0  # the plan's ceiling (loads) or floor (unloads) per unit; 0 none given

    @property
    def is_load(self) -> bool:
        return self.type in ("ACQUIRE", "COLLECT", "ABOARD")

    def next_lot(self, done_units: int) -> int:
        """Units of the plan's next transaction once ``done_units`` are done (no lots: all)."""
        reach = 0
        for units in self.lots:
            reach += units
            if reach > done_units:
                return reach - done_units
        return max(0, self.quantity - done_units)


@dataclass(frozen=True)
class LegSpec:
    """A load and its unload on one ship; ``seq`` orders a ship's legs; routes are refuel stops."""

    id: str
    pipeline: str
    ship: str
    seq: int
    load: str
    unload: str
    good: str
    quantity: int
    via_to_load: tuple[str, ...] = ()
    via_to_unload: tuple[str, ...] = ()
    modes_to_load: tuple[str, ...] = ()  # flight mode per hop (via stops, then the market)
    modes_to_unload: tuple[str, ...] = ()
    # the plan's leg when it carries several goods: each good is a LegSpec of its own, all
    # with that leg's id here, flown on one flight (decide.shared_load); "" one good
    group: str = ""


@dataclass(frozen=True)
class PlanView:
    plan_id: str  # sha256 of the view's JSON: the same plan applied twice is the same id
    system: str
    snapshot_time: str
    pipelines: tuple[PipelineSpec, ...]
    tasks: tuple[TaskSpec, ...]
    legs: tuple[LegSpec, ...]

    def task(self, task_id: str) -> TaskSpec:
        for t in self.tasks:
            if t.id == task_id:
                return t
        raise KeyError(task_id)


def read_plan(path: str | Path) -> PlanView:
    """The plan file at ``path`` (validated by plancc.planfile; InputError on a bad file)."""
    from plancc.planfile import load_plan

    plan = load_plan(path)
    by_leg = {leg.id: leg for leg in plan.legs}
    task_of = {t.id: t for t in plan.tasks}
    legs: list[LegSpec] = []
    for ship in plan.ships:
        parts = [
            (sl, by_leg[sl.leg], k, g)
            for sl in ship.legs
            for k, g in enumerate(by_leg[sl.leg].parts)
        ]
        for seq, (sl, leg, k, part) in enumerate(parts):
            legs.append(
                LegSpec(
                    id=leg.id if k == 0 else f"{leg.id}/also/{part.good}",
                    pipeline=task_of[part.load].pipeline,
                    ship=ship.ship,
                    seq=seq,
                    load=part.load,
                    unload=part.unload,
                    good=part.good,
                    quantity=part.quantity,
                    via_to_load=tuple(sl.refuel_to_load),
                    via_to_unload=tuple(sl.refuel_to_unload),
                    modes_to_load=tuple(sl.modes_to_load),
                    modes_to_unload=tuple(sl.modes_to_unload),
                    group=leg.id if leg.also else "",
                )
            )
    return _with_id(
        system=plan.provenance.system,
        snapshot_time=plan.provenance.snapshot_time.isoformat(),
        pipelines=tuple(
            PipelineSpec(
                p.id, p.product, p.sell_market, p.quantity, p.expected_cost, p.expected_revenue
            )
            for p in plan.pipelines
        ),
        tasks=tuple(
            TaskSpec(
                id=t.id,
                type=t.type,
                pipeline=t.pipeline,
                good=t.good,
                quantity=t.quantity,
                market=t.market,
                unit_price=t.unit_price,
                depends_on=tuple(t.depends_on),
                lag_s=t.lag_s,
                lots=tuple(lot.units for lot in t.lots),
                limit_price=t.limit_price,
            )
            for t in plan.tasks
        ),
        legs=tuple(legs),
    )


def _with_id(**fields: Any) -> PlanView:
    body = json.dumps(_plain(fields), sort_keys=True, separators=(",", ":"))
    return PlanView(plan_id=hashlib.sha256(body.encode()).hexdigest()[:16], **fields)


def _plain(obj: Any) -> Any:
    if isinstance(obj, tuple | list):
        return [_plain(x) for x in obj]
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if hasattr(obj, "__dataclass_fields__"):
        return _plain(asdict(obj))
    return obj


def to_json(view: PlanView) -> str:
    return json.dumps(_plain(asdict(view)), sort_keys=True, separators=(",", ":"))


def from_json(text: str) -> PlanView:
    d = json.loads(text)
    return PlanView(
        plan_id=d["plan_id"],
        system=d["system"],
        snapshot_time=d["snapshot_time"],
        pipelines=tuple(PipelineSpec(**p) for p in d["pipelines"]),
        tasks=tuple(
            TaskSpec(
                **{**t, "depends_on": tuple(t["depends_on"]), "lots": tuple(t.get("lots", ()))}
            )
            for t in d["tasks"]
        ),
        legs=tuple(
            LegSpec(
                **{
                    **leg,
                    "via_to_load": tuple(leg["via_to_load"]),
                    "via_to_unload": tuple(leg["via_to_unload"]),
                    "modes_to_load": tuple(leg.get("modes_to_load", ())),
                    "modes_to_unload": tuple(leg.get("modes_to_unload", ())),
                }
            )
            for leg in d["legs"]
        ),
    )
