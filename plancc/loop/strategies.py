"""The three ways of running a fleet that ``bench/strategies.py`` puts side by side.

- ``serial``: the old approach: each hauler runs a whole pipeline by itself, start to finish
  (every leg of a pipeline on one ship, in the plan's order); a free hauler takes a new one;
- ``greedy``: the original design's parallel tasks, each leg to the closest idle ship (the
  compiler's ``greedy`` scheduler), re-planned only to give free haulers work, no learning;
- ``plancc``: the optimising scheduler with the closed loop (scouting, learned figures,
  auto-pause, re-plans applied when better by the policy threshold).

All three fly through the same runner, on the same twin, with the same loop cadence (15 game
minutes) and the same policy, except that each may run up to one pipeline per hauler
(``max_pipelines`` = haulers: the serial approach needs that to keep every ship working, and the
others get the same room); only what is planned and how it is re-planned differ.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from plancc.loop.run import LoopSettings
from runner.planview import LegSpec, PlanView, _with_id

NEVER = 1e9  # a threshold no new plan beats: the active plan is never replaced, only topped up
STRATEGIES = ("serial", "greedy", "plancc")


def serialise(plan: Any, view: PlanView) -> PlanView:
    """Every pipeline's legs on one hauler, in the plan's order; one pipeline per hauler."""
    starts = {sl.leg: sl.start_s for sp in plan.ships for sl in sp.legs}
    haulers = sorted({leg.ship for leg in view.legs})
    legs: list[LegSpec] = []
    kept = []
    for pipeline, ship in zip(view.pipelines, haulers, strict=False):
        own = sorted(
            (leg for leg in view.legs if leg.pipeline == pipeline.id),
            key=lambda g: (starts.get(g.group or g.id, 0), g.id),
        )
        legs.extend(replace(leg, ship=ship, seq=i) for i, leg in enumerate(own))
        kept.append(pipeline)
    ids = {p.id for p in kept}
    return _with_id(
        system=view.system,
        snapshot_time=view.snapshot_time,
        pipelines=tuple(kept),
        tasks=tuple(t for t in view.tasks if t.pipeline in ids),
        legs=tuple(legs),
    )


def settings_for(strategy: str, out_dir: Path, haulers: int, time_limit_s: float) -> LoopSettings:
    base = LoopSettings(
        out_dir=out_dir,
        time_limit_s=time_limit_s,
        policy_overrides=(("max_pipelines", haulers),),
    )
    # the baselines: no loop learning, pausing or scouting, and a plan topped up only; goods
    # sharing a leg are plancc's (issue 8), so they fly one good per leg, as the approaches
    # they stand for did
    baseline = replace(
        base,
        policy_overrides=(*base.policy_overrides, ("leg_share_window_s", 0)),
        threshold=NEVER,
        learn=False,
        auto_pause=False,
        scout=False,
    )
    if strategy == "serial":
        return replace(baseline, scheduler="list", shape=serialise)
    if strategy == "greedy":
        return replace(baseline, scheduler="greedy")
    if strategy == "plancc":
        return replace(base, scheduler="cpsat")
    raise ValueError(f"unknown strategy {strategy!r} (choose {', '.join(STRATEGIES)})")
