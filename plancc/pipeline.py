"""Resolved pipelines -> the task DAG (ACQUIRE, DELIVER, COLLECT, SELL) cut into legs.

Every node of a pipeline's chain moves its quantity from where it is obtained to where it is
unloaded: a BUY node is ACQUIREd at its market, a MANUFACTURE node is COLLECTed at its factory;
it is then DELIVERed to its parent's factory, or SOLD at the pipeline's sell market (the root).
A node's quantity is cut into loads of at most ``cargo_capacity``; each load and its unload form
one Leg (the unit the scheduler places on a ship). A COLLECT depends on every DELIVER into its
factory for that node and waits ``policy.production_lag_s`` after the last of them.

Cargo already aboard: the units of a node that its ``aboard`` list takes from haulers' holds
are unloaded from those ships, one leg per ship, with an ABOARD load (buys nothing; its market
is where the ship is) and the leg pinned to that ship (``Leg.ship``); only the rest is bought
or collected. Those legs come first in a node's numbering. A ship's aboard legs fly in plan
order, one after the other: each later one "loads" where the one before unloaded and waits for
it (``chain_aboard``), so a ship holding cargo for two batches sells both on one stop instead of
flying back to where it was at compile time.

Ids are derived from content, readable and stable::

    pipeline  LASER_RIFLES@X1-AD75-A1
    task      LASER_RIFLES@X1-AD75-A1/acquire/DIAMONDS@X1-AD75-B7#1
    leg       LASER_RIFLES@X1-AD75-A1/leg/DIAMONDS@X1-AD75-B7>X1-AD75-D44#1
    aboard    LASER_RIFLES@X1-AD75-A1/aboard/DIAMONDS@SHIP-1#1  (its leg: ...@SHIP-1>...)

``#n`` numbers the loads of the same task kind, good and market within a pipeline, in chain
order (the same good bought at the same market for two factories continues the numbering).

Repeat visits: the planner priced each batch after the earlier batches' trades had recovered
for as long as its planned start allows (``plancc.chain.fill_horizon``). Given those starts, a
batch's ACQUIRE at a market and good an earlier batch also bought depends on that batch's last
ACQUIRE there, ``lag_s`` the gap between their planned starts: the schedule and the runner then
never buy there sooner than the plan's prices assumed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace

from plancc.chain import production_lag_at
from plancc.model import (
    Aboard,
    ChainNode,
    Leg,
    LegGood,
    Lot,
    Pipeline,
    Policy,
    Task,
    TaskType,
)

# (market, good) -> tradeVolume: the most one transaction moves there
Volumes = Mapping[tuple[str, str], int]


def cut(quantity: int, capacity: int) -> list[int]:
    """``quantity`` in loads of at most ``capacity``: full loads first, the remainder last."""
    if capacity <= 0:
        raise ValueError(f"cargo capacity must be positive, got {capacity}")
    full, rest = divmod(quantity, capacity)
    return [capacity] * full + ([rest] if rest else [])


def lots(units: int, unit_price: int, trade_volume: int) -> tuple[Lot, ...]:
    """``units`` as transactions of at most ``trade_volume`` (unknown volume: one lot)."""
    if trade_volume <= 0:
        return (Lot(units, unit_price),)
    return tuple(Lot(n, unit_price) for n in cut(units, trade_volume))


def limit_price(unit_price: int, is_load: bool, policy: Policy) -> int:
    """The runner's price limit: a ceiling on what a load pays, a floor on what an unload takes."""
    factor = policy.price_ceiling if is_load else policy.sale_floor
    return int(unit_price * factor)


class _Builder:
    def __init__(
        self,
        pipeline: Pipeline,
        policy: Policy,
        capacity: int,
        volumes: Volumes,
        positions: Mapping[str, str],
    ) -> None:
        self.p = pipeline
        self.policy = policy
        self.capacity = capacity
        self.volumes = volumes
        self.positions = positions
        self.tasks: list[Task] = []
        self.legs: list[Leg] = []
        self.counts: dict[str, int] = {}

    def _id(self, base: str) -> str:
        n = self.counts.get(base, 0) + 1
        self.counts[base] = n
        return f"{base}#{n}"

    def emit(self, node: ChainNode, dest: str, unload_type: TaskType) -> list[str]:
        """Tasks and legs that bring ``node`` to ``dest``; returns the unload task ids."""
        depends: tuple[str, ...] = ()
        lag = 0
        load_type: TaskType = "ACQUIRE"
        bought = node.quantity - node.aboard_units  # what is not already aboard
        if node.method == "MANUFACTURE" and bought > 0:
            delivered: list[str] = []
            for child in node.children:
                delivered += self.emit(child, node.market, "DELIVER")
            lag = production_lag_at(self.policy, node.market)
            depends, load_type = tuple(delivered), "COLLECT"
        unloads = [self.unload_aboard(node, a, dest, unload_type) for a in node.aboard]
        pid = self.p.id
        for units in cut(bought, self.capacity) if bought > 0 else ():
            load_id = self._id(f"{pid}/{load_type.lower()}/{node.good}@{node.market}")
            unload_id = self._id(f"{pid}/{unload_type.lower()}/{node.good}@{dest}")
            leg_id = self._id(f"{pid}/leg/{node.good}@{node.market}>{dest}")
            self.tasks.append(
                Task(
                    load_id,
                    load_type,
                    pid,
                    node.good,
                    units,
                    node.market,
                    depends,
                    lag,
                    node.unit_price,
                    lots(units, node.unit_price, self.volumes.get((node.market, node.good), 0)),
                    limit_price(node.unit_price, True, self.policy),
                )
            )
            self.tasks.append(self._unload(unload_id, unload_type, node, units, dest, load_id))
            self.legs.append(
                Leg(leg_id, load_id, unload_id, node.good, units, pid, hold=self.capacity)
            )
            unloads.append(unload_id)
        return unloads

    def _unload(
        self, task_id: str, kind: TaskType, node: ChainNode, units: int, dest: str, load_id: str
    ) -> Task:
        """The unload of ``units`` of ``node``'s good at ``dest``, after its load ``load_id``:
        priced at the node's unload price, cut into the market's lots, with the sale floor."""
        return Task(
            task_id,
            kind,
            self.p.id,
            node.good,
            units,
            dest,
            (load_id,),
            0,
            node.unload_price,
            lots(units, node.unload_price, self.volumes.get((dest, node.good), 0)),
            limit_price(node.unload_price, False, self.policy),
        )

    def unload_aboard(self, node: ChainNode, a: Aboard, dest: str, unload_type: TaskType) -> str:
        """The leg that unloads ``a`` (units of ``node``'s good aboard a ship) at ``dest``:
        an ABOARD load where the ship is, nothing bought; the leg flies on that ship only."""
        pid = self.p.id
        at = self.positions.get(a.ship, node.market)
        load_id = self._id(f"{pid}/aboard/{node.good}@{a.ship}")
        unload_id = self._id(f"{pid}/{unload_type.lower()}/{node.good}@{dest}")
        leg_id = self._id(f"{pid}/leg/{node.good}@{a.ship}>{dest}")
        self.tasks.append(Task(load_id, "ABOARD", pid, node.good, a.units, at))
        self.tasks.append(self._unload(unload_id, unload_type, node, a.units, dest, load_id))
        self.legs.append(
            Leg(leg_id, load_id, unload_id, node.good, a.units, pid, hold=a.units, ship=a.ship)
        )
        return unload_id


def build_tasks(
    pipelines: Sequence[Pipeline],
    policy: Policy,
    cargo_capacity: int,
    volumes: Volumes | None = None,
    starts: Mapping[str, float] | None = None,
    positions: Mapping[str, str] | None = None,
) -> tuple[tuple[Task, ...], tuple[Leg, ...]]:
    """The task DAG and legs of ``pipelines``, in chain order (inputs before what they feed).

    ``cargo_capacity`` is the largest load a leg may carry (the leg's ``hold``). ``volumes``
    gives each market's tradeVolume, which cuts every task into its lots. ``starts``: each
    pipeline's planned start (seconds), in the order of ``pipelines``; repeat visits then wait
    for their market as planned (see the module docstring). ``positions``: ship -> the
    waypoint it is at (or flying to), the market of the ABOARD loads of its cargo.
    """
    tasks: list[Task] = []
    legs: list[Leg] = []
    for p in pipelines:
        b = _Builder(p, policy, cargo_capacity, volumes or {}, positions or {})
        b.emit(p.chain, p.sell_market, "SELL")
        tasks += b.tasks
        legs += b.legs
    if starts:
        tasks = space_repeat_visits(tasks, pipelines, starts)
    start_of = {p.id: (starts or {}).get(p.id, 0.0) for p in pipelines}
    legs = share_routes(tasks, legs, start_of, policy.leg_share_window_s)
    return tuple(chain_aboard(tasks, legs)), tuple(legs)


def share_routes(
    tasks: Sequence[Task],
    legs: Sequence[Leg],
    starts: Mapping[str, float],
    window_s: int,
) -> list[Leg]:
    """``legs`` with the goods bought at one market for one destination flown together: a leg
    takes a later one on the same route (``Leg.also``) while their goods differ, fit its hold,
    and their pipelines' planned starts lie within ``window_s`` (0: every leg flies alone).

    Only ACQUIRE loads share, and only with loads as many repeat visits deep into their
    market (``visit_depth``): every dependency of such a load is a visit one deeper down, so
    the shared legs wait for nothing that waits for them (no cycle), and sharing delays a
    load at most by the spacing of the other good's visits. The shared leg keeps the first
    leg's id, pipeline and place in the order."""
    if window_s <= 0:
        return list(legs)
    by_id = {t.id: t for t in tasks}
    depth = visit_depth(tasks)
    out: list[Leg] = []
    open_at: dict[tuple[str, str, int], list[int]] = {}  # route and depth -> indices in out
    for leg in legs:
        load, unload = by_id[leg.load], by_id[leg.unload]
        if leg.ship or load.type != "ACQUIRE":
            out.append(leg)
            continue
        key = (load.market, unload.market, depth[load.id])
        start = starts.get(leg.pipeline, 0.0)
        for k in open_at.get(key, []):
            head = out[k]
            if (
                leg.good not in {g.good for g in head.parts}
                and head.units + leg.quantity <= head.hold
                and abs(starts.get(head.pipeline, 0.0) - start) <= window_s
            ):
                part = LegGood(leg.good, leg.quantity, leg.load, leg.unload)
                out[k] = replace(head, also=(*head.also, part))
                break
        else:
            open_at.setdefault(key, []).append(len(out))
            out.append(leg)
    return out


def visit_depth(tasks: Sequence[Task]) -> dict[str, int]:
    """Task id -> how many ACQUIREs it waits for in a row (0: none; ``space_repeat_visits``
    makes a repeat visit wait for the visit before it)."""
    by_id = {t.id: t for t in tasks}
    depth: dict[str, int] = {}

    def of(tid: str) -> int:
        if tid not in depth:
            deps = [d for d in by_id[tid].depends_on if d in by_id]
            depth[tid] = 1 + max(map(of, deps)) if deps else 0
        return depth[tid]

    for t in tasks:
        of(t.id)
    return depth


def chain_aboard(tasks: Sequence[Task], legs: Sequence[Leg]) -> list[Task]:
    """``tasks`` with each ship's aboard legs in a row: the ABOARD load of every such leg after
    a ship's first one is where the previous one unloads, and waits for that unload."""
    out = list(tasks)
    index = {t.id: i for i, t in enumerate(out)}
    last: dict[str, Task] = {}  # ship -> the unload of its previous aboard leg
    for leg in legs:
        if not leg.ship:
            continue
        before = last.get(leg.ship)
        if before is not None:
            i = index[leg.load]
            out[i] = replace(out[i], market=before.market, depends_on=(before.id,))
        last[leg.ship] = out[index[leg.unload]]
    return out


def space_repeat_visits(
    tasks: Sequence[Task], pipelines: Sequence[Pipeline], starts: Mapping[str, float]
) -> list[Task]:
    """``tasks`` with each repeat ACQUIRE at a market and good made to wait for the previous
    pipeline's last ACQUIRE there plus the gap between the two pipelines' planned starts."""
    out = list(tasks)
    by_pipeline: dict[str, list[int]] = {}
    for i, t in enumerate(out):
        if t.type == "ACQUIRE":
            by_pipeline.setdefault(t.pipeline, []).append(i)
    last: dict[tuple[str, str], tuple[str, float]] = {}  # (market, good) -> (task id, start)
    for p in pipelines:
        start = starts.get(p.id)
        if start is None:
            continue
        here: dict[tuple[str, str], str] = {}
        for i in by_pipeline.get(p.id, []):
            t = out[i]
            key = (t.market, t.good)
            before = last.get(key)
            if before is not None and not t.depends_on:
                gap = max(0, math.ceil(start - before[1]))
                out[i] = replace(t, depends_on=(before[0],), lag_s=gap)
            here[key] = t.id
        last.update({key: (tid, start) for key, tid in here.items()})
    return out
