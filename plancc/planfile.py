"""Plan files: the one module that writes and reads ``plans/*.yaml``.

A plan file is reviewed like code (``git diff``, ``plancc diff``), so it is written like
pip-tools writes requirements: a header saying how it was made, keys in a fixed order, lists in
a stable order derived from content, and no clock other than the snapshot's. Recompiling the same
inputs gives the same bytes; a small change of input gives a small textual diff.

    text = dump_plan(plan)               # canonical YAML
    plan = parse_plan(text, "p.yaml")    # validates; InputError("p.yaml:12:7: tasks[3].type: ...")
    plan = load_plan("plans/x.yaml")

The order of every list is ``plancc.canonical.canonical_plan``'s (``dump_plan`` applies it).

The format, field by field and what the runner does with each, is ``docs/plan-format.md``.

A scheduled leg is one line: ``{leg, start_s, load_s, unload_s, end_s, modes_to_load,
modes_to_unload}`` (one flight mode per hop), plus
``refuel_to_load`` / ``refuel_to_unload`` (the refuel stops, in order, that the scheduler timed
and the runner must fly) only when the flight has stops, so direct plans keep their lines.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from plancc.canonical import FORMAT_VERSION, canonical_plan
from plancc.doc import Doc, field_path, parse_yaml, read_text, schema, schema_errors
from plancc.errors import InputError, Where, quote
from plancc.model import (
    Aboard,
    ChainNode,
    Leg,
    LegGood,
    Lot,
    Objective,
    Pipeline,
    Plan,
    Provenance,
    Rejection,
    ScheduledLeg,
    Search,
    ShipPlan,
    Task,
)

HEADER = (
    "# plancc plan file, written by `plancc compile`. Do not edit by hand: change the recipes,\n"
    "# policy or snapshot and recompile. Inputs and their sha256 are under `provenance`;\n"
    "# `plancc diff OLD NEW` shows what a recompile changed. Times are seconds from snapshot_time.\n"
)

Path_ = tuple[str | int, ...]


# ---------------------------------------------------------------------------------------------
# Writing


class _Flow(dict):  # type: ignore[type-arg]
    """A mapping written on one line: scheduled legs, so a re-timed leg is a one-line diff."""


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:  # never write &anchors: each item stands alone
        return True


def _represent_flow(dumper: yaml.SafeDumper, data: _Flow) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=True)


def _represent_dict(dumper: yaml.SafeDumper, data: dict[str, Any]) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=False)


_Dumper.add_representer(_Flow, _represent_flow)
_Dumper.add_representer(dict, _represent_dict)


def format_time(t: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``; naive times are taken as UTC."""
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _chain_dict(node: ChainNode) -> dict[str, Any]:
    out: dict[str, Any] = {
        "good": node.good,
        "method": node.method,
        "market": node.market,
        "quantity": node.quantity,
        "unit_price": node.unit_price,
        "unload_price": node.unload_price,
        "supply": node.supply,
        "reason": node.reason,
    }
    if node.children:
        out["children"] = [_chain_dict(c) for c in node.children]
    if node.aboard:  # only when cargo aboard is planned: other plans' lines do not change
        out["aboard"] = [_Flow(ship=a.ship, units=a.units) for a in node.aboard]
    return out


def _search_dict(search: Search | None) -> dict[str, Any]:
    if search is None:
        return {}
    out: dict[str, Any] = {
        "objective": search.objective,
        "value": search.value,
        "value_bound": search.value_bound,
        "bound_label": search.bound_label,
        "solver": search.solver,
        "parameters": dict(search.parameters),
        "seed": search.seed,
    }
    if search.note:
        out["note"] = search.note
    return {"search": out}


def _search_from(d: Mapping[str, Any] | None) -> Search | None:
    if d is None:
        return None
    return Search(
        objective=d["objective"],
        value=d["value"],
        value_bound=d["value_bound"],
        bound_label=d["bound_label"],
        solver=d["solver"],
        parameters=tuple(sorted((str(k), str(v)) for k, v in d["parameters"].items())),
        seed=d["seed"],
        note=d.get("note", ""),
    )


def _learned(learned: Mapping[str, Mapping[str, float | int]]) -> dict[str, Any]:
    """``{"learned": ...}`` sorted, or nothing: a plan compiled from defaults stays unchanged."""
    if not learned:
        return {}
    return {"learned": {k: dict(sorted(learned[k].items())) for k in sorted(learned)}}


def plan_to_data(plan: Plan) -> dict[str, Any]:
    """The plan as plain data in the file's key order (the JSON Schema describes this)."""
    plan = canonical_plan(plan)
    obj = plan.objective
    return {
        "format_version": plan.format_version,
        "provenance": {
            "plancc_version": plan.provenance.plancc_version,
            "snapshot_time": format_time(plan.provenance.snapshot_time),
            "system": plan.provenance.system,
            "inputs": dict(plan.provenance.inputs),
            **_learned(plan.provenance.learned),
        },
        "objective": {
            "scheduler": obj.scheduler,
            "status": obj.status,
            "makespan_s": obj.makespan_s,
            "bound_s": obj.bound_s,
            "gap": obj.gap,
            "expected_cost": obj.expected_cost,
            "expected_revenue": obj.expected_revenue,
            "expected_profit": obj.expected_profit,
            "profit_per_hour": round(obj.profit_per_hour, 1),
            "horizon_s": obj.horizon_s,
            "utilisation": obj.utilisation,
            **_search_dict(obj.search),
        },
        "pipelines": [
            {
                "id": p.id,
                "product": p.product,
                "sell_market": p.sell_market,
                "quantity": p.quantity,
                "sell_price": p.sell_price,
                "expected_cost": p.expected_cost,
                "expected_revenue": p.expected_revenue,
                "expected_profit": p.expected_profit,
                "batch": p.batch,
                "chain": _chain_dict(p.chain),
            }
            for p in plan.pipelines
        ],
        "tasks": [
            {
                "id": t.id,
                "type": t.type,
                "pipeline": t.pipeline,
                "good": t.good,
                "quantity": t.quantity,
                "market": t.market,
                "unit_price": t.unit_price,
                "limit_price": t.limit_price,
                "lag_s": t.lag_s,
                "depends_on": list(t.depends_on),
                "lots": [_Flow(units=lot.units, unit_price=lot.unit_price) for lot in t.lots],
            }
            for t in plan.tasks
        ],
        "legs": [
            {
                "id": leg.id,
                "pipeline": leg.pipeline,
                "good": leg.good,
                "quantity": leg.quantity,
                "load": leg.load,
                "unload": leg.unload,
                "hold": leg.hold,
                **({"ship": leg.ship} if leg.ship else {}),
                **(
                    {
                        "also": [
                            {
                                "good": g.good,
                                "quantity": g.quantity,
                                "load": g.load,
                                "unload": g.unload,
                            }
                            for g in leg.also
                        ]
                    }
                    if leg.also
                    else {}
                ),
            }
            for leg in plan.legs
        ],
        "ships": [
            {
                "ship": s.ship,
                "pinned": s.pinned,
                "legs": [
                    _Flow(
                        leg=sl.leg,
                        start_s=sl.start_s,
                        load_s=sl.load_s,
                        unload_s=sl.unload_s,
                        end_s=sl.end_s,
                        modes_to_load=list(sl.modes_to_load),
                        modes_to_unload=list(sl.modes_to_unload),
                        # only when there are stops: a direct plan's lines do not change
                        **(
                            {"refuel_to_load": list(sl.refuel_to_load)} if sl.refuel_to_load else {}
                        ),
                        **(
                            {"refuel_to_unload": list(sl.refuel_to_unload)}
                            if sl.refuel_to_unload
                            else {}
                        ),
                    )
                    for sl in s.legs
                ],
            }
            for s in plan.ships
        ],
        "rejected": [
            {"good": r.good, "market": r.market, "reason": r.reason} for r in plan.rejected
        ],
    }


def dump_plan(plan: Plan) -> str:
    """The plan file's text: header comment, then canonical YAML. Same plan, same bytes."""
    body = yaml.dump(
        plan_to_data(plan),
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=10_000,  # never fold a line: a folded id would make a one-field change two lines
        indent=2,
    )
    return HEADER + body


# ---------------------------------------------------------------------------------------------
# Reading


def plan_schema() -> dict[str, Any]:
    """``schemas/plan.schema.json`` (shipped as ``plancc.schemas``)."""
    return schema("plan")


def _times_as_text(value: Any) -> Any:
    """Unquoted timestamps written by hand read as text, as ``dump_plan`` writes them."""
    if isinstance(value, dict):
        return {k: _times_as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_times_as_text(v) for v in value]
    return format_time(value) if isinstance(value, datetime) else value


def _first(errors: list[InputError]) -> InputError:
    """The problem nearest the top of the file: what a reader fixes first."""
    return min(
        errors,
        key=lambda e: (e.where.line if e.where else 0, e.where.column if e.where else 0, str(e)),
    )


def _check_references(plan: Plan, doc: Doc) -> None:
    """What the schema cannot say: unique ids, references that resolve, no dependency cycle."""

    def fail(message: str, path: Path_) -> None:
        raise InputError(message, doc.where(path), field_path(path))

    pipeline_ids: set[str] = set()
    for i, p in enumerate(plan.pipelines):
        if p.id in pipeline_ids:
            fail(f"duplicate pipeline id {quote(p.id)}", ("pipelines", i, "id"))
        pipeline_ids.add(p.id)
    task_ids: dict[str, Task] = {}
    for i, t in enumerate(plan.tasks):
        if t.id in task_ids:
            fail(f"duplicate task id {quote(t.id)}", ("tasks", i, "id"))
        task_ids[t.id] = t
        if t.pipeline not in pipeline_ids:
            fail(f"unknown pipeline {quote(t.pipeline)}", ("tasks", i, "pipeline"))
    for i, t in enumerate(plan.tasks):
        if t.lots and sum(lot.units for lot in t.lots) != t.quantity:
            fail(
                f"lots carry {sum(lot.units for lot in t.lots)} units, the task {t.quantity}",
                ("tasks", i, "lots"),
            )
    for i, t in enumerate(plan.tasks):
        for j, dep in enumerate(t.depends_on):
            if dep not in task_ids:
                fail(f"unknown task {quote(dep)}", ("tasks", i, "depends_on", j))
    _check_acyclic(plan.tasks, doc)
    leg_ids: set[str] = set()
    pinned_to: dict[str, str] = {}  # leg -> the only ship that may fly it
    for i, leg in enumerate(plan.legs):
        if leg.id in leg_ids:
            fail(f"duplicate leg id {quote(leg.id)}", ("legs", i, "id"))
        leg_ids.add(leg.id)
        for key, ref, allowed in (
            ("load", leg.load, ("ACQUIRE", "COLLECT", "ABOARD")),
            ("unload", leg.unload, ("DELIVER", "SELL")),
        ):
            task = task_ids.get(ref)
            if task is None:
                fail(f"unknown task {quote(ref)}", ("legs", i, key))
            elif task.type not in allowed:
                fail(
                    f"a leg's {key} must be {' or '.join(allowed)}, not {task.type}",
                    ("legs", i, key),
                )
            elif task.good != leg.good:  # a hand edit changed one and not the other
                fail(
                    f"leg carries {quote(leg.good)} but its {key} task {quote(ref)} "
                    f"moves {quote(task.good)}",
                    ("legs", i, "good"),
                )
            elif task.quantity != leg.quantity:
                fail(
                    f"leg carries {leg.quantity} units but its {key} task {quote(ref)} "
                    f"moves {task.quantity}",
                    ("legs", i, "quantity"),
                )
        _check_also(leg, i, task_ids, fail)
        if leg.pipeline not in pipeline_ids:
            fail(f"unknown pipeline {quote(leg.pipeline)}", ("legs", i, "pipeline"))
        load = task_ids[leg.load]
        if (load.type == "ABOARD") != bool(leg.ship):
            fail(
                "a leg whose load is ABOARD names the ship holding its cargo (and only such a leg)",
                ("legs", i, "ship" if leg.ship else "load"),
            )
        pinned_to[leg.id] = leg.ship
    placed: set[str] = set()
    ship_names: set[str] = set()
    for i, s in enumerate(plan.ships):
        if s.ship in ship_names:
            fail(f"ship {quote(s.ship)} listed twice", ("ships", i, "ship"))
        ship_names.add(s.ship)
        if s.pinned and s.pinned not in task_ids:
            fail(f"pinned to unknown task {quote(s.pinned)}", ("ships", i, "pinned"))
        for j, sl in enumerate(s.legs):
            path: Path_ = ("ships", i, "legs", j)
            if sl.leg not in leg_ids:
                fail(f"unknown leg {quote(sl.leg)}", (*path, "leg"))
            if sl.leg in placed:
                fail(f"leg {quote(sl.leg)} is scheduled twice", (*path, "leg"))
            if pinned_to.get(sl.leg, "") not in ("", s.ship):
                fail(
                    f"leg {quote(sl.leg)} carries cargo aboard {pinned_to[sl.leg]}, not {s.ship}",
                    (*path, "leg"),
                )
            placed.add(sl.leg)
            if not sl.start_s <= sl.load_s <= sl.unload_s <= sl.end_s:
                fail("times must satisfy start_s <= load_s <= unload_s <= end_s", path)
            for key, stops, modes in (
                ("modes_to_load", sl.refuel_to_load, sl.modes_to_load),
                ("modes_to_unload", sl.refuel_to_unload, sl.modes_to_unload),
            ):
                if len(modes) != len(stops) + 1:
                    fail(
                        f"{len(modes)} flight mode(s) for {len(stops) + 1} hop(s)",
                        (*path, key),
                    )
        # one ship flies one leg at a time: in start order, each leg ends before the next starts
        order = sorted(range(len(s.legs)), key=lambda j: (s.legs[j].start_s, s.legs[j].end_s))
        for a, b in itertools.pairwise(order):
            if s.legs[b].start_s < s.legs[a].end_s:
                fail(
                    f"leg {quote(s.legs[b].leg)} starts at {s.legs[b].start_s}s, before leg "
                    f"{quote(s.legs[a].leg)} on the same ship ends ({s.legs[a].end_s}s)",
                    ("ships", i, "legs", b, "start_s"),
                )


def _check_also(
    leg: Leg, i: int, task_ids: dict[str, Task], fail: Callable[[str, Path_], None]
) -> None:
    """A further good on ``leg`` loads where the leg loads and unloads where it unloads, with
    the task kinds a leg may have; the leg's goods differ, and together fit its hold."""
    goods = {leg.good}
    for k, extra in enumerate(leg.also):
        path: Path_ = ("legs", i, "also", k)
        for key, ref, own, allowed in (
            ("load", extra.load, leg.load, ("ACQUIRE", "COLLECT")),
            ("unload", extra.unload, leg.unload, ("DELIVER", "SELL")),
        ):
            task, head = task_ids.get(ref), task_ids.get(own)
            if task is None:
                fail(f"unknown task {quote(ref)}", (*path, key))
            elif task.type not in allowed:
                fail(f"a leg's {key} must be {' or '.join(allowed)}, not {task.type}", (*path, key))
            elif head is not None and task.market != head.market:
                fail(
                    f"{key} at {task.market}, but the leg's own {key} is at {head.market}",
                    (*path, key),
                )
            elif (task.good, task.quantity) != (extra.good, extra.quantity):
                fail(
                    f"carries {extra.quantity} {quote(extra.good)} but its {key} task "
                    f"{quote(ref)} moves {task.quantity} {quote(task.good)}",
                    (*path, "good"),
                )
        if extra.good in goods:
            fail(f"{quote(extra.good)} is carried twice on one leg", (*path, "good"))
        goods.add(extra.good)
    if leg.also and leg.hold and leg.units > leg.hold:
        fail(f"its goods add up to {leg.units} units, more than its hold {leg.hold}", ("legs", i))


def _check_acyclic(tasks: Sequence[Task], doc: Doc) -> None:
    index = {t.id: i for i, t in enumerate(tasks)}
    state: dict[str, int] = {}  # 1 visiting, 2 done
    deps = {t.id: t.depends_on for t in tasks}
    for root in sorted(deps):
        if state.get(root):
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        state[root] = 1
        while stack:
            node, k = stack[-1]
            if k < len(deps[node]):
                stack[-1] = (node, k + 1)
                nxt = deps[node][k]
                if state.get(nxt) == 1:
                    path: Path_ = ("tasks", index[node], "depends_on", k)
                    raise InputError(
                        f"dependency cycle through {quote(nxt)}", doc.where(path), field_path(path)
                    )
                if not state.get(nxt) and nxt in deps:
                    state[nxt] = 1
                    stack.append((nxt, 0))
            else:
                state[node] = 2
                stack.pop()


def _chain_from(d: Mapping[str, Any]) -> ChainNode:
    return ChainNode(
        good=d["good"],
        method=d["method"],
        market=d["market"],
        quantity=d["quantity"],
        unit_price=d["unit_price"],
        unload_price=d.get("unload_price", 0),
        children=tuple(_chain_from(c) for c in d.get("children", ())),
        supply=d.get("supply", ""),
        reason=d.get("reason", ""),
        aboard=tuple(Aboard(a["ship"], a["units"]) for a in d.get("aboard", ())),
    )


def plan_from_data(d: Mapping[str, Any]) -> Plan:
    """Build the Plan from schema-valid data; derived figures (profit, cr/h) are recomputed."""
    prov = d["provenance"]
    obj = d["objective"]
    return Plan(
        format_version=d["format_version"],
        provenance=Provenance(
            plancc_version=str(prov["plancc_version"]),
            snapshot_time=datetime.fromisoformat(prov["snapshot_time"]),
            system=prov["system"],
            inputs=dict(prov["inputs"]),
            learned={k: dict(v) for k, v in prov.get("learned", {}).items()},
        ),
        objective=Objective(
            scheduler=obj["scheduler"],
            status=obj["status"],
            makespan_s=obj["makespan_s"],
            bound_s=obj["bound_s"],
            gap=float(obj["gap"]),
            expected_cost=obj["expected_cost"],
            expected_revenue=obj["expected_revenue"],
            search=_search_from(obj.get("search")),
            horizon_s=obj["horizon_s"],
            utilisation=float(obj["utilisation"]),
        ),
        pipelines=tuple(
            Pipeline(
                id=p["id"],
                product=p["product"],
                sell_market=p["sell_market"],
                quantity=p["quantity"],
                chain=_chain_from(p["chain"]),
                expected_cost=p["expected_cost"],
                expected_revenue=p["expected_revenue"],
                sell_price=p["sell_price"],
                batch=p["batch"],
            )
            for p in d["pipelines"]
        ),
        tasks=tuple(
            Task(
                id=t["id"],
                type=t["type"],
                pipeline=t["pipeline"],
                good=t["good"],
                quantity=t["quantity"],
                market=t["market"],
                depends_on=tuple(t.get("depends_on", ())),
                lag_s=t.get("lag_s", 0),
                unit_price=t.get("unit_price", 0),
                lots=tuple(Lot(lot["units"], lot["unit_price"]) for lot in t["lots"]),
                limit_price=t["limit_price"],
            )
            for t in d["tasks"]
        ),
        legs=tuple(
            Leg(
                id=leg["id"],
                load=leg["load"],
                unload=leg["unload"],
                good=leg["good"],
                quantity=leg["quantity"],
                pipeline=leg["pipeline"],
                hold=leg["hold"],
                ship=leg.get("ship", ""),
                also=tuple(
                    LegGood(g["good"], g["quantity"], g["load"], g["unload"])
                    for g in leg.get("also", ())
                ),
            )
            for leg in d["legs"]
        ),
        ships=tuple(
            ShipPlan(
                ship=s["ship"],
                legs=tuple(
                    ScheduledLeg(
                        leg=sl["leg"],
                        ship=s["ship"],
                        start_s=sl["start_s"],
                        load_s=sl["load_s"],
                        unload_s=sl["unload_s"],
                        end_s=sl["end_s"],
                        refuel_to_load=tuple(sl.get("refuel_to_load", ())),
                        refuel_to_unload=tuple(sl.get("refuel_to_unload", ())),
                        modes_to_load=tuple(sl["modes_to_load"]),
                        modes_to_unload=tuple(sl["modes_to_unload"]),
                    )
                    for sl in s.get("legs", ())
                ),
                pinned=s.get("pinned", ""),
            )
            for s in d["ships"]
        ),
        rejected=tuple(
            Rejection(good=r["good"], market=r["market"], reason=r["reason"])
            for r in d.get("rejected", ())
        ),
    )


def parse_plan(text: str, source: str) -> Plan:
    """Parse and validate a plan file's text; any problem is an InputError at file:line:col.

    Reading and the schema check are ``plancc.doc``'s, shared with every other input file:
    duplicate keys, nesting depth, alias bombs, non-finite numbers and schema problems get the
    same located, translated messages as in recipes; the first one in the file is raised.
    """
    doc, errors = parse_yaml(text, source)
    if errors:
        raise _first(errors)
    if doc.data is None:
        raise InputError("empty plan file", Where(source, 1, 1))
    doc.data = data = _times_as_text(doc.data)
    if not isinstance(data, dict):
        raise InputError(
            "a plan file is a mapping (format_version, provenance, ...)", doc.where(())
        )
    version = data.get("format_version")
    if isinstance(version, int) and version < FORMAT_VERSION:
        raise InputError(
            f"plan format {version} is older than this plancc reads ({FORMAT_VERSION}): "
            "recompile it with `plancc compile`",
            doc.where(("format_version",)),
            "format_version",
        )
    if isinstance(version, int) and version > FORMAT_VERSION:
        raise InputError(
            f"plan format {version} is newer than this plancc reads ({FORMAT_VERSION}); upgrade plancc",
            doc.where(("format_version",)),
            "format_version",
        )
    errors = schema_errors(doc, "plan")
    if errors:
        raise _first(errors)
    try:
        snapshot_time = datetime.fromisoformat(data["provenance"]["snapshot_time"])
    except ValueError:
        path = ("provenance", "snapshot_time")
        raise InputError("not an ISO 8601 time", doc.where(path), field_path(path)) from None
    if snapshot_time.tzinfo is None:
        path = ("provenance", "snapshot_time")
        raise InputError("needs a time zone (e.g. a trailing Z)", doc.where(path), field_path(path))
    plan = plan_from_data(data)
    _check_references(plan, doc)
    return plan


def load_plan(path: str | Path) -> Plan:
    """Read and validate a plan file; a missing or bad file is an InputError naming it."""
    return parse_plan(read_text(Path(path), "plan file", "plan file"), str(path))
