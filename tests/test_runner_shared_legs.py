"""Goods sharing a flight (issue 8): a plan leg that carries two goods is two runner legs of
one ``group``. The ship buys both at the load market before it leaves, flies once, and sells
both at the destination; a good it cannot buy now does not hold the other's cargo.

Pipeline A buys COPPER at M and sells it at S; pipeline B buys IRON at M and sells it at S;
the plan put both on one leg of S-1.
"""

from __future__ import annotations

from dataclasses import replace

from runner.decide import (
    SHARE_WAIT_S,
    Action,
    Wait,
    decide,
    owned_units,
    planned_hops,
    ship_step,
)
from runner.model import PipelineState, Quote, ShipState, TaskState, View
from runner.planview import LegSpec, PipelineSpec, TaskSpec
from runner.policy import RunnerPolicy

NOW = 1_000_000.0
POLICY = RunnerPolicy()

BUY_A = TaskSpec("a-buy", "ACQUIRE", "A", "COPPER", 10, "MKT-M", 100)
SELL_A = TaskSpec("a-sell", "SELL", "A", "COPPER", 10, "MKT-S", 200, depends_on=("a-buy",))
BUY_B = TaskSpec("b-buy", "ACQUIRE", "B", "IRON", 8, "MKT-M", 100)
SELL_B = TaskSpec("b-sell", "SELL", "B", "IRON", 8, "MKT-S", 200, depends_on=("b-buy",))
BUY_B0 = TaskSpec("b0-buy", "ACQUIRE", "B0", "IRON", 8, "MKT-M", 100)  # an earlier visit

LEG_A = LegSpec("leg", "A", "S-1", 0, "a-buy", "a-sell", "COPPER", 10, group="leg")
LEG_B = LegSpec("leg/also/IRON", "B", "S-1", 1, "b-buy", "b-sell", "IRON", 8, group="leg")


def _quote(market: str, good: str) -> Quote:
    return Quote(market, good, NOW - 10, "EXPORT", "HIGH", 100, 200, 40)


def _ship(waypoint: str, cargo: dict[str, int], status: str = "DOCKED") -> ShipState:
    return ShipState(
        "S-1",
        waypoint,
        status,
        fuel=400,
        fuel_capacity=400,
        cargo_capacity=40,
        cargo=cargo,
        quote_ok=True,
    )


def view(
    ship: ShipState,
    *tasks: TaskState,
    extra: tuple[TaskState, ...] = (),
) -> View:
    states = {t.id: t for t in (*tasks, *extra)}
    for spec in (BUY_A, SELL_A, BUY_B, SELL_B):
        states.setdefault(spec.id, TaskState(spec))
    return View(
        now=NOW,
        credits=1_000_000,
        credits_at=NOW,
        ships={"S-1": ship},
        tasks=states,
        legs=(LEG_A, LEG_B),
        pipelines={
            p: PipelineState(PipelineSpec(p, g, "MKT-S", 10, 1000, 2000))
            for p, g in (("A", "COPPER"), ("B", "IRON"), ("B0", "IRON"))
        },
        liquidations=(),
        quotes={
            ("MKT-M", "COPPER"): _quote("MKT-M", "COPPER"),
            ("MKT-M", "IRON"): _quote("MKT-M", "IRON"),
            ("MKT-S", "COPPER"): _quote("MKT-S", "COPPER"),
            ("MKT-S", "IRON"): _quote("MKT-S", "IRON"),
        },
        coords={"MKT-M": (0, 0), "MKT-S": (100, 0)},
    )


A_BOUGHT = TaskState(BUY_A, "COMPLETED", "S-1", 10, completed_at=NOW - 60)
B_BOUGHT = TaskState(BUY_B, "COMPLETED", "S-1", 8, completed_at=NOW - 30)


def test_with_the_first_good_aboard_the_ship_buys_the_good_sharing_its_flight_before_leaving() -> (
    None
):
    v = view(_ship("MKT-M", {"COPPER": 10}), A_BOUGHT, TaskState(BUY_B, "ACTIVE", "S-1"))
    step = ship_step(v, v.ships["S-1"], POLICY)
    assert isinstance(step, Action)
    assert (step.kind, step.good, step.market, step.task) == ("BUY", "IRON", "MKT-M", "b-buy")


def test_the_second_good_is_bought_on_the_ships_own_read_made_since_it_arrived() -> None:
    """A read lists every good of the market: buying the first good moved only that good's
    price, so the second needs no read of its own."""
    ship = replace(_ship("MKT-M", {"COPPER": 10}), quote_ok=False, arrival=NOW - 120)
    read = replace(_quote("MKT-M", "IRON"), at=NOW - 60, by="S-1")
    v = view(ship, A_BOUGHT, TaskState(BUY_B, "ACTIVE", "S-1"))
    v = replace(v, quotes={**v.quotes, ("MKT-M", "IRON"): read})
    step = ship_step(v, ship, POLICY)
    assert isinstance(step, Action) and (step.kind, step.good) == ("BUY", "IRON")
    moved = replace(ship, arrival=NOW - 30)  # read before it last arrived: read again
    step = ship_step(replace(v, ships={"S-1": moved}), moved, POLICY)
    assert isinstance(step, Action) and step.kind == "READ_MARKET"


def test_with_every_good_of_the_flight_aboard_the_ship_flies_to_the_destination() -> None:
    v = view(_ship("MKT-M", {"COPPER": 10, "IRON": 8}), A_BOUGHT, B_BOUGHT)
    kinds = []
    ship = v.ships["S-1"]
    for _ in range(4):  # start the unload, then orbit / mode / navigate towards MKT-S
        step = ship_step(v, ship, POLICY)
        assert isinstance(step, Action)
        kinds.append(step.kind)
        if step.kind == "START_TASK":
            v = replace(
                v, tasks={**v.tasks, step.task: replace(v.tasks[step.task], status="ACTIVE")}
            )
        elif step.kind == "ORBIT":
            ship = replace(ship, status="IN_ORBIT")
        elif step.kind == "FLIGHT_MODE":
            ship = replace(ship, flight_mode=step.mode)
        elif step.kind == "NAVIGATE":
            assert step.market == "MKT-S"
            break
    assert kinds[0] == "START_TASK" and kinds[-1] == "NAVIGATE"


def test_the_fuel_plan_of_a_shared_flight_counts_one_flight_to_the_destination() -> None:
    """Goods aboard for the same flight add no hop: counting a flight back to the load market
    for the second good would refuel for a trip the ship never makes."""
    v = view(_ship("MKT-M", {"COPPER": 10, "IRON": 8}), A_BOUGHT, B_BOUGHT)
    hops = planned_hops(v, "S-1", LEG_B, POLICY, after_load=True)
    assert [h.to for h in hops] == ["MKT-S"]


def test_at_the_destination_both_goods_are_sold_on_the_same_stop() -> None:
    a_sold = TaskState(SELL_A, "COMPLETED", "S-1", 10, completed_at=NOW - 5)
    v = view(_ship("MKT-S", {"IRON": 8}), A_BOUGHT, B_BOUGHT, a_sold)
    step = ship_step(v, v.ships["S-1"], POLICY)
    assert isinstance(step, Action) and step.kind == "START_TASK" and step.task == "b-sell"
    started = replace(v, tasks={**v.tasks, "b-sell": TaskState(SELL_B, "ACTIVE", "S-1")})
    sell = ship_step(started, started.ships["S-1"], POLICY)
    assert isinstance(sell, Action)
    assert (sell.kind, sell.good, sell.market) == ("SELL", "IRON", "MKT-S")


def test_every_good_aboard_for_the_shared_flight_is_owned_so_none_is_liquidated() -> None:
    v = view(_ship("MKT-M", {"COPPER": 10, "IRON": 8}), A_BOUGHT, B_BOUGHT)
    assert owned_units(v, "S-1") == {"COPPER": 10, "IRON": 8}
    assert not [a for a in decide(v, POLICY) if a.kind in ("LIQUIDATE", "ATTACH")]


def test_a_good_that_stalled_once_does_not_hold_the_cargo_aboard() -> None:
    stalled = TaskState(BUY_B, "ACTIVE", "S-1", retries=1)
    v = view(_ship("MKT-M", {"COPPER": 10}), A_BOUGHT, stalled)
    step = ship_step(v, v.ships["S-1"], POLICY)
    assert isinstance(step, Action) and step.task == "a-sell"


def test_a_hold_filled_by_the_first_good_flies_on_without_the_second() -> None:
    """A retried lot can leave more of the first good aboard than planned: a full hold must
    not keep the ship waiting for room that never comes."""
    v = view(_ship("MKT-M", {"COPPER": 40}), replace(A_BOUGHT, done_units=40))
    step = ship_step(v, v.ships["S-1"], POLICY)
    assert isinstance(step, Action) and step.task == "a-sell"


def test_a_collect_sharing_the_flight_is_left_to_fly_on_its_own() -> None:
    """A hand-written plan may share a COLLECT: its factory's supply decides when it loads,
    which must not keep the first good's cargo waiting aboard."""
    collect = replace(BUY_B, type="COLLECT")
    v = view(_ship("MKT-M", {"COPPER": 10}), A_BOUGHT, TaskState(collect))
    step = ship_step(v, v.ships["S-1"], POLICY)
    assert isinstance(step, Action) and step.task == "a-sell"


def test_a_good_whose_repeat_visit_is_due_soon_is_waited_for() -> None:
    spaced = replace(BUY_B, depends_on=("b0-buy",), lag_s=300)
    earlier = TaskState(BUY_B0, "COMPLETED", "S-2", 8, completed_at=NOW - 100)
    v = view(_ship("MKT-M", {"COPPER": 10}), A_BOUGHT, TaskState(spaced), extra=(earlier,))
    step = ship_step(v, v.ships["S-1"], POLICY)
    assert isinstance(step, Wait) and step.until == NOW + 200


def test_a_good_whose_repeat_visit_is_far_off_flies_later_on_its_own() -> None:
    lag = int(SHARE_WAIT_S) + 600
    spaced = replace(BUY_B, depends_on=("b0-buy",), lag_s=lag)
    earlier = TaskState(BUY_B0, "COMPLETED", "S-2", 8, completed_at=NOW - 100)
    v = view(_ship("MKT-M", {"COPPER": 10}), A_BOUGHT, TaskState(spaced), extra=(earlier,))
    step = ship_step(v, v.ships["S-1"], POLICY)
    assert isinstance(step, Action) and step.task == "a-sell"


def test_once_the_ship_has_left_a_good_not_bought_is_fetched_after_the_first_is_sold() -> None:
    a_sold = TaskState(SELL_A, "COMPLETED", "S-1", 10, completed_at=NOW - 5)
    stalled = TaskState(BUY_B, "ACTIVE", "S-1", retries=1)
    v = view(_ship("MKT-S", {}), A_BOUGHT, a_sold, stalled)
    step = ship_step(v, v.ships["S-1"], POLICY)
    assert isinstance(step, Action) and step.kind in ("ORBIT", "FLIGHT_MODE", "NAVIGATE")
