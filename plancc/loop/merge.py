"""Shaping a freshly compiled plan before it replaces the active one (pure, on runner views).

- ``pinned``: pipelines of the active plan that have started (something bought, delivered or
  fed) are kept as they are, their legs first on the ships that fly them: a ship mid-leg keeps
  its leg and a factory already fed keeps its COLLECT; but a COLLECT still waiting for its
  factory (``waiting``) goes last on its ship, so the legs queued behind it are flown first
  instead of waiting hours for a factory that may never reach the collect level;
- the candidate's pipelines that would sell the same product at the same market as a pinned
  one, or collect the same good from the same factory, are left out (two pipelines collecting
  from one factory would each see half its output);
- ``without_products``: paused products are not planned;
- ``apart_from``: a candidate pipeline whose id an ended pipeline already used gets a fresh id
  (the compiler names pipelines after product and market, so the same trade planned again
  later has the same id; applied as such, its tasks would carry the ended one's COMPLETED
  status over and never be flown).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

from runner.planview import LegSpec, PlanView, _with_id


def without_products(view: PlanView, products: Collection[str]) -> PlanView:
    drop = {p.id for p in view.pipelines if p.product in products}
    if not drop:
        return view
    return _with_id(
        system=view.system,
        snapshot_time=view.snapshot_time,
        pipelines=tuple(p for p in view.pipelines if p.id not in drop),
        tasks=tuple(t for t in view.tasks if t.pipeline not in drop),
        legs=tuple(leg for leg in view.legs if leg.pipeline not in drop),
    )


def _clashing(active: PlanView, started: Collection[str], candidate: PlanView) -> set[str]:
    """Candidate pipelines that would sell a product at a market a started one sells it at, or
    collect a good at a factory a started one collects it from (each would see half the
    factory's output). A started pipeline that only buys or sells other goods at a factory
    does not keep new work from it."""
    keep_ids = set(started)
    busy = {(p.product, p.sell_market) for p in active.pipelines if p.id in keep_ids}
    collecting = {
        (t.market, t.good) for t in active.tasks if t.pipeline in keep_ids and t.type == "COLLECT"
    }
    return {
        p.id
        for p in candidate.pipelines
        if p.id in keep_ids
        or (p.product, p.sell_market) in busy
        or any(
            (t.market, t.good) in collecting and t.type == "COLLECT"
            for t in candidate.tasks
            if t.pipeline == p.id
        )
    }


def fresh_only(
    active: PlanView, started: Collection[str], candidate: PlanView, limit: int
) -> PlanView:
    """The candidate's pipelines that do not clash with started work, at most ``limit`` of
    them, the most profitable first (ties by id)."""
    clash = _clashing(active, started, candidate)
    fresh = sorted(
        (p for p in candidate.pipelines if p.id not in clash),
        key=lambda p: (-(p.expected_revenue - p.expected_cost), p.id),
    )[: max(0, limit)]
    ids = {p.id for p in fresh}
    return _with_id(
        system=candidate.system,
        snapshot_time=candidate.snapshot_time,
        pipelines=tuple(p for p in candidate.pipelines if p.id in ids),
        tasks=tuple(t for t in candidate.tasks if t.pipeline in ids),
        legs=tuple(leg for leg in candidate.legs if leg.pipeline in ids),
    )


def pinned(
    active: PlanView,
    started: Collection[str],
    candidate: PlanView,
    waiting: Collection[str] = (),
) -> PlanView:
    """``candidate`` with the ``started`` pipelines of ``active`` kept, their legs first;
    the kept legs in ``waiting`` (ids of COLLECTs not begun whose factory is short of the
    collect level) last on their ships, after the new work."""
    keep = [p for p in active.pipelines if p.id in started]
    if not keep:
        return candidate
    keep_ids = {p.id for p in keep}
    clash = _clashing(active, keep_ids, candidate)
    fresh = [p for p in candidate.pipelines if p.id not in keep_ids and p.id not in clash]
    fresh_ids = {p.id for p in fresh}
    legs: list[LegSpec] = []
    for leg in active.legs:
        if leg.pipeline in keep_ids:
            # before anything new on the ship; a COLLECT waiting on its factory after it
            legs.append(replace(leg, seq=leg.seq + (10_000 if leg.id in waiting else -10_000)))
    legs.extend(leg for leg in candidate.legs if leg.pipeline in fresh_ids)
    by_ship: dict[str, list[LegSpec]] = {}
    for leg in legs:
        by_ship.setdefault(leg.ship, []).append(leg)
    ordered = [
        replace(leg, seq=i)
        for ship in sorted(by_ship)
        for i, leg in enumerate(sorted(by_ship[ship], key=lambda g: (g.seq, g.id)))
    ]
    return _with_id(
        system=candidate.system,
        snapshot_time=candidate.snapshot_time,
        pipelines=tuple(keep) + tuple(fresh),
        tasks=tuple(t for t in active.tasks if t.pipeline in keep_ids)
        + tuple(t for t in candidate.tasks if t.pipeline in fresh_ids),
        legs=tuple(ordered),
    )


def deferred(view: PlanView, waiting: Collection[str]) -> PlanView:
    """``view`` with the legs in ``waiting`` (COLLECTs whose factory is not ready) last on
    their ships, the other legs in their order; ``view`` itself when that changes nothing."""
    by_ship: dict[str, list[LegSpec]] = {}
    for leg in view.legs:
        by_ship.setdefault(leg.ship, []).append(leg)
    ordered = [
        replace(leg, seq=i)
        for ship in sorted(by_ship)
        for i, leg in enumerate(sorted(by_ship[ship], key=lambda g: (g.id in waiting, g.seq, g.id)))
    ]
    moved = {leg.id: leg.seq for leg in ordered}
    if all(
        [g.id for g in sorted(ls, key=lambda g: (g.seq, g.id))]
        == [g.id for g in sorted(ls, key=lambda g: moved[g.id])]
        for ls in by_ship.values()
    ):
        return view
    return _with_id(
        system=view.system,
        snapshot_time=view.snapshot_time,
        pipelines=view.pipelines,
        tasks=view.tasks,
        legs=tuple(ordered),
    )


def fresh_names(view: PlanView, taken: Collection[str], tag: str) -> dict[str, str]:
    """``{pipeline id: fresh id}`` for the pipelines of ``view`` whose id is in ``taken``:
    ``<id>~<tag>`` (then ``~<tag>.2``, ... if that too is taken)."""
    used = set(taken) | {p.id for p in view.pipelines}
    out: dict[str, str] = {}
    for p in view.pipelines:
        if p.id not in taken:
            continue
        name, n = f"{p.id}~{tag}", 1
        while name in used:
            n += 1
            name = f"{p.id}~{tag}.{n}"
        used.add(name)
        out[p.id] = name
    return out


def renamed_id(item_id: str, names: dict[str, str]) -> str:
    """A pipeline's, task's or leg's id after its pipeline was renamed (task and leg ids
    start with their pipeline's id and a slash)."""
    head, sep, tail = item_id.partition("/")
    return names.get(head, head) + sep + tail


def apart_from(view: PlanView, taken: Collection[str], tag: str) -> PlanView:
    """``view`` with every pipeline whose id is in ``taken`` (and its tasks and legs) renamed
    by ``fresh_names``."""
    names = fresh_names(view, taken, tag)
    if not names:
        return view

    def rn(item_id: str) -> str:
        return renamed_id(item_id, names)

    return _with_id(
        system=view.system,
        snapshot_time=view.snapshot_time,
        pipelines=tuple(replace(p, id=rn(p.id)) for p in view.pipelines),
        tasks=tuple(
            replace(
                t,
                id=rn(t.id),
                pipeline=rn(t.pipeline),
                depends_on=tuple(rn(d) for d in t.depends_on),
            )
            for t in view.tasks
        ),
        legs=tuple(
            replace(
                leg,
                id=rn(leg.id),
                pipeline=rn(leg.pipeline),
                load=rn(leg.load),
                unload=rn(leg.unload),
                group=rn(leg.group) if leg.group else "",
            )
            for leg in view.legs
        ),
    )
