"""A hauler is not held by a COLLECT its factory is not ready for (issue 11): it works the
later legs of its plan that can load now, and comes back when the factory may be ready.

Before, a ship whose next leg collected from a factory still being fed (or still below the
collect level) flew there and waited, for hours on the calibrated twin, while its later legs
of other pipelines could have been flown: the demo's fleet was busy ~2% of the time.
"""

from __future__ import annotations

from dataclasses import replace

from runner.decide import Wait, current_leg, decide, poll_due, ship_step
from runner.model import FactoryWait, PipelineState, Quote, ShipState, TaskState, View
from runner.planview import LegSpec, PipelineSpec, TaskSpec
from runner.policy import RunnerPolicy

NOW = 1_000_000.0
POLICY = RunnerPolicy()

# pipeline A: deliver COPPER to factory F, collect WIRE there, sell it at S
DELIVER = TaskSpec("a-deliver", "DELIVER", "A", "COPPER", 40, "FAC", 50)
COLLECT = TaskSpec("a-collect", "COLLECT", "A", "WIRE", 40, "FAC", 100, depends_on=("a-deliver",))
SELL_A = TaskSpec("a-sell", "SELL", "A", "WIRE", 40, "MKT-S", 200, depends_on=("a-collect",))
# pipeline B: buy IRON at M, sell it at S
BUY_B = TaskSpec("b-buy", "ACQUIRE", "B", "IRON", 40, "MKT-M", 100)
SELL_B = TaskSpec("b-sell", "SELL", "B", "IRON", 40, "MKT-S", 150, depends_on=("b-buy",))

LEG_A = LegSpec("leg-a", "A", "S-1", 0, "a-collect", "a-sell", "WIRE", 40)
LEG_B = LegSpec("leg-b", "B", "S-1", 1, "b-buy", "b-sell", "IRON", 40)


def _quote(market: str, good: str, supply: str = "HIGH", at: float = NOW - 10) -> Quote:
    return Quote(market, good, at, "EXPORT", supply, 100, 200, 40)


def view(
    *,
    delivered: bool,
    collect: TaskState | None = None,
    buy_b: TaskState | None = None,
    wait: FactoryWait | None = None,
    fac_supply: str = "MODERATE",
    fac_read_at: float = NOW - 10,
) -> View:
    deliver = TaskState(
        DELIVER,
        "COMPLETED" if delivered else "ACTIVE",
        "S-2",
        40 if delivered else 0,
        completed_at=NOW - 3600 if delivered else None,
    )
    tasks = [
        deliver,
        collect or TaskState(COLLECT),
        TaskState(SELL_A),
        buy_b or TaskState(BUY_B),
        TaskState(SELL_B),
    ]
    ship = ShipState(
        "S-1", "MKT-M", "DOCKED", fuel=400, fuel_capacity=400, cargo_capacity=40, quote_ok=True
    )
    return View(
        now=NOW,
        credits=1_000_000,
        credits_at=NOW,
        ships={"S-1": ship},
        tasks={t.id: t for t in tasks},
        legs=(LEG_A, LEG_B),
        pipelines={
            "A": PipelineState(PipelineSpec("A", "WIRE", "MKT-S", 40, 4000, 8000)),
            "B": PipelineState(PipelineSpec("B", "IRON", "MKT-S", 40, 4000, 6000)),
        },
        liquidations=(),
        quotes={
            ("FAC", "WIRE"): _quote("FAC", "WIRE", fac_supply, fac_read_at),
            ("MKT-M", "IRON"): _quote("MKT-M", "IRON"),
        },
        factories={wait.task: wait} if wait else {},
    )


def test_a_collect_whose_inputs_are_still_being_delivered_lets_the_ship_fly_its_next_leg() -> None:
    v = view(delivered=False)
    assert current_leg(v, "S-1", POLICY.collect_supply_level) == LEG_B
    assert [a.kind for a in decide(v, POLICY)] == ["START_TASK"]
    assert decide(v, POLICY)[0].task == "b-buy"


def test_a_factory_polled_below_the_collect_level_lets_the_ship_work_until_the_next_poll() -> None:
    wait = FactoryWait("a-collect", "FAC", "WIRE", NOW - 600, NOW + 900, polls=2)
    v = view(delivered=True, wait=wait)
    assert current_leg(v, "S-1", POLICY.collect_supply_level) == LEG_B


def test_a_factory_due_for_another_look_takes_the_ship_back_to_its_collect() -> None:
    wait = FactoryWait("a-collect", "FAC", "WIRE", NOW - 7200, NOW - 1, polls=3)
    # the factory was last read at the poll before, an interval before this one was due
    v = view(delivered=True, wait=wait, fac_read_at=NOW - 1 - POLICY.supply_poll_max_s)
    assert current_leg(v, "S-1", POLICY.collect_supply_level) == LEG_A


def test_a_ready_factory_is_collected_first_in_plan_order() -> None:
    v = view(delivered=True, fac_supply="HIGH")
    assert current_leg(v, "S-1", POLICY.collect_supply_level) == LEG_A


def test_a_leg_with_cargo_aboard_is_finished_before_the_ship_returns_to_its_collect() -> None:
    bought = TaskState(BUY_B, "COMPLETED", "S-1", 40, completed_at=NOW - 60)
    v = view(delivered=True, buy_b=bought, fac_supply="HIGH")
    assert current_leg(v, "S-1", POLICY.collect_supply_level) == LEG_B


def test_with_nothing_else_ready_the_ship_keeps_to_its_collect() -> None:
    blocked_b = replace(BUY_B, depends_on=("a-deliver",))
    v = view(delivered=False, buy_b=TaskState(blocked_b))
    assert current_leg(v, "S-1", POLICY.collect_supply_level) == LEG_A


def _nothing_else_ready(wait: FactoryWait, fac_read_at: float = NOW - 10) -> View:
    """S-1's COLLECT started (it heads for FAC); its other leg waits on that pipeline."""
    blocked_b = replace(BUY_B, depends_on=("a-sell",))
    v = view(delivered=True, buy_b=TaskState(blocked_b), wait=wait, fac_read_at=fac_read_at)
    return replace(v, tasks={**v.tasks, "a-collect": TaskState(COLLECT, "ACTIVE", "S-1")})


def test_with_nothing_else_ready_a_ship_stays_put_until_its_factory_is_due_for_a_look() -> None:
    wait = FactoryWait("a-collect", "FAC", "WIRE", NOW - 600, NOW + 900, polls=2)
    v = _nothing_else_ready(wait)
    assert current_leg(v, "S-1", POLICY.collect_supply_level) == LEG_A
    assert decide(v, POLICY) == []
    step = ship_step(v, v.ships["S-1"], POLICY)
    assert isinstance(step, Wait)
    assert step.until == poll_due(wait, v.quotes[("FAC", "WIRE")], POLICY) > NOW


def test_once_the_look_is_due_the_ship_flies_to_its_factory() -> None:
    wait = FactoryWait("a-collect", "FAC", "WIRE", NOW - 7200, NOW - 1, polls=3)
    v = _nothing_else_ready(wait, fac_read_at=NOW - 1 - POLICY.supply_poll_max_s)
    kinds = [a.kind for a in decide(v, POLICY)]
    assert kinds and kinds[0] in ("ORBIT", "NAVIGATE", "FLIGHT_MODE")


def test_a_collect_still_waiting_for_its_inputs_still_sends_the_ship_ahead() -> None:
    blocked_b = replace(BUY_B, depends_on=("a-deliver",))
    v = view(delivered=False, buy_b=TaskState(blocked_b))
    started = replace(v, tasks={**v.tasks, "a-collect": TaskState(COLLECT, "ACTIVE", "S-1")})
    kinds = [a.kind for a in decide(started, POLICY)]
    assert kinds and kinds[0] in ("ORBIT", "NAVIGATE", "FLIGHT_MODE")


def test_a_ship_whose_speed_is_known_leaves_so_as_to_arrive_when_the_look_is_due() -> None:
    wait = FactoryWait("a-collect", "FAC", "WIRE", NOW - 600, NOW + 5000, polls=2)
    coords = {"MKT-M": (0, 0), "FAC": (300, 400)}  # 500 apart: 15 + 500 x 25 / 10 = 1,265 s
    v = replace(_nothing_else_ready(wait), coords=coords)
    due = poll_due(wait, v.quotes[("FAC", "WIRE")], POLICY)
    slow = replace(v.ships["S-1"], speed=10)
    step = ship_step(v, slow, POLICY)
    assert isinstance(step, Wait) and step.until == due - 1265
    unknown = ship_step(v, v.ships["S-1"], POLICY)
    assert isinstance(unknown, Wait) and unknown.until == due
    late = replace(v, now=due - 600)  # less than the flight left: it goes now
    kinds = [a.kind for a in decide(replace(late, ships={"S-1": slow}), POLICY)]
    assert kinds and kinds[0] in ("ORBIT", "NAVIGATE", "FLIGHT_MODE", "REFUEL", "DOCK")
