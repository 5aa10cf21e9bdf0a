"""A previous plan as the scheduler's hint, with what the runner has under way frozen.

    hint = freeze_in_flight(old_plan, store.legs_in_flight(), freeze_s=FREEZE_S)

The scheduler keeps a hinted leg on its ship when the hint starts it before ``freeze_s`` and
charges the policy's move penalty for moving any other hinted leg. A plan file's start times
are seconds from its own snapshot, which is in the past by the time a player recompiles; what
the runner's state says is under way is what must not move. So the legs in flight start at 0
(frozen), and every other leg keeps its order but starts after ``freeze_s`` (pinned, movable
at a price).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

from plancc.model import Plan


def freeze_in_flight(plan: Plan, in_flight: Collection[str], *, freeze_s: int) -> Plan:
    return replace(
        plan,
        ships=tuple(
            replace(
                ship,
                legs=tuple(
                    replace(sl, start_s=0 if sl.leg in in_flight else freeze_s + sl.start_s)
                    for sl in ship.legs
                ),
            )
            for ship in plan.ships
        ),
    )
