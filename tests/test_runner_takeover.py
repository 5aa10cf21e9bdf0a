"""An idle hauler takes over a leg that is ready to load but queued behind another leg on a
busy ship, when it is nearer to the leg's load market than that ship will be (issue 12).

Before, such a leg waited for its own ship: the headline flights showed legs ready to load
waiting 5-48 minutes behind their ship's current work while other haulers sat empty.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from runner.decide import Action, current_leg, decide
from runner.model import PipelineState, Quote, ShipState, TaskState, View
from runner.planview import LegSpec, PipelineSpec, TaskSpec
from runner.policy import RunnerPolicy
from runner.takeover import takeovers

NOW = 1_000_000.0
POLICY = RunnerPolicy()
COORDS = {"MKT-A": (0, 0), "MKT-B": (100, 0), "MKT-C": (400, 0), "MKT-D": (400, 300)}

# pipeline P: buy COPPER at A, sell at B (S-1 is flying it); Q: buy IRON at C, sell at D
BUY_P = TaskSpec("p-buy", "ACQUIRE", "P", "COPPER", 40, "MKT-A", 100)
SELL_P = TaskSpec("p-sell", "SELL", "P", "COPPER", 40, "MKT-B", 150, depends_on=("p-buy",))
BUY_Q = TaskSpec("q-buy", "ACQUIRE", "Q", "IRON", 40, "MKT-C", 100)
SELL_Q = TaskSpec("q-sell", "SELL", "Q", "IRON", 40, "MKT-D", 150, depends_on=("q-buy",))
LEG_P = LegSpec("leg-p", "P", "S-1", 0, "p-buy", "p-sell", "COPPER", 40)
LEG_Q = LegSpec("leg-q", "Q", "S-1", 1, "q-buy", "q-sell", "IRON", 40)


def _ship(symbol: str, at: str, **kw: object) -> ShipState:
    fields: dict = dict(fuel=400, fuel_capacity=400, cargo_capacity=40, quote_ok=True)
    fields.update(kw)
    return ShipState(symbol, at, "IN_ORBIT", **fields)


def view(*ships: ShipState, buy_q: TaskState | None = None, legs=(LEG_P, LEG_Q)) -> View:
    busy = _ship("S-1", "MKT-A", cargo={"COPPER": 20})
    fleet = {s.symbol: s for s in (busy, *ships)}
    tasks = [
        TaskState(BUY_P, "ACTIVE", "S-1", 20),
        TaskState(SELL_P),
        buy_q or TaskState(BUY_Q),
        TaskState(SELL_Q),
    ]
    return View(
        now=NOW,
        credits=1_000_000,
        credits_at=NOW,
        ships=fleet,
        tasks={t.id: t for t in tasks},
        legs=tuple(legs),
        pipelines={
            "P": PipelineState(PipelineSpec("P", "COPPER", "MKT-B", 40, 4000, 6000)),
            "Q": PipelineState(PipelineSpec("Q", "IRON", "MKT-D", 40, 4000, 6000)),
        },
        quotes={("MKT-C", "IRON"): Quote("MKT-C", "IRON", NOW - 10, "EXPORT", "HIGH", 100, 90, 40)},
        coords=COORDS,
    )


def test_an_idle_hauler_nearer_the_load_market_takes_over_the_queued_leg() -> None:
    """S-1 is buying at A, sells at B, then would fly 300 to C: S-2 waits at D, 300 from C."""
    (move,) = decide(view(_ship("S-2", "MKT-C")), POLICY)
    assert (move.kind, move.ship, move.leg, move.market) == ("TAKE_OVER", "S-2", "leg-q", "MKT-C")


def test_a_hauler_farther_away_than_the_busy_ship_will_be_leaves_the_leg() -> None:
    far = _ship("S-2", "MKT-D")  # D->C is 300; S-1 flies A->B->C, 100 + 300 = 400
    assert takeovers(view(far), POLICY) != []
    farther = View(**{**view(far).__dict__, "coords": {**COORDS, "MKT-D": (400, 500)}})
    assert takeovers(farther, POLICY) == []


def test_a_leg_the_busy_ship_flies_next_stays_with_it() -> None:
    """S-1's own leg P is loaded: Q is queued. With P gone, Q is S-1's current leg."""
    only_q = view(_ship("S-2", "MKT-C"), legs=(LEG_Q,))
    assert current_leg(only_q, "S-1") == LEG_Q
    assert takeovers(only_q, POLICY) == []


def test_a_leg_not_ready_to_load_is_not_taken_over() -> None:
    waiting = replace(BUY_Q, depends_on=("p-sell",))
    v = view(_ship("S-2", "MKT-C"), buy_q=TaskState(waiting))
    assert takeovers(v, POLICY) == []


def test_a_ship_with_cargo_aboard_or_too_small_a_hold_does_not_take_over() -> None:
    assert takeovers(view(_ship("S-2", "MKT-C", cargo={"IRON": 1})), POLICY) == []
    assert takeovers(view(_ship("S-2", "MKT-C", cargo_capacity=30)), POLICY) == []


def test_a_hauler_whose_only_leg_waits_on_its_factory_takes_over_too() -> None:
    """S-2's own leg collects from a factory still being fed: it would wait there."""
    feed = TaskSpec("w-deliver", "DELIVER", "W", "COPPER", 40, "MKT-D", 50)
    collect = TaskSpec("w-collect", "COLLECT", "W", "WIRE", 40, "MKT-D", 90, ("w-deliver",))
    sell = TaskSpec("w-sell", "SELL", "W", "WIRE", 40, "MKT-B", 200, ("w-collect",))
    waiting = LegSpec("leg-w", "W", "S-2", 0, "w-collect", "w-sell", "WIRE", 40)
    v = view(_ship("S-2", "MKT-C"), legs=(LEG_P, LEG_Q, waiting))
    tasks = {**v.tasks, **{t.id: TaskState(t) for t in (feed, collect, sell)}}
    v = replace(v, tasks=tasks)
    assert current_leg(v, "S-2") == waiting
    assert [(leg.id, ship.symbol) for leg, ship, _ in takeovers(v, POLICY)] == [("leg-q", "S-2")]


def test_the_policy_can_switch_take_overs_off() -> None:
    assert takeovers(view(_ship("S-2", "MKT-C")), replace(POLICY, take_over_legs=False)) == []


def test_of_two_idle_haulers_the_nearer_takes_the_leg_and_only_once() -> None:
    moves = decide(view(_ship("S-2", "MKT-D"), _ship("S-3", "MKT-C")), POLICY)
    assert [(m.ship, m.leg) for m in moves] == [("S-3", "leg-q")]


def test_a_take_over_moves_the_leg_in_state_and_the_new_ship_flies_it(tmp_path: Path) -> None:
    """Through the executor on the twin: the leg is the idle ship's after one state write, and
    it is that ship which then buys for it."""
    from tests.runner_world import RunnerWorld

    world = RunnerWorld.build(tmp_path, seed=2, haulers=5, pipelines=1)
    store = world.store()
    legs = store.legs()
    leg = min(legs, key=lambda g: (g.seq, g.id))
    idle = next(s for s in sorted(store.ships()) if s not in {g.ship for g in legs})
    from runner.actions import Executor

    ex = Executor(store, world.client, world.clock(), world.policy)
    ex.run(Action("TAKE_OVER", ship=idle, task=leg.load, leg=leg.id, reason="test"))
    (moved,) = [g for g in store.legs() if g.id == leg.id]
    assert moved.ship == idle and moved.via_to_load == () and moved.modes_to_load == ()
    (event,) = store.events(5, "take-over")
    assert leg.ship in event["message"] and event["ship"] == idle
    for _ in range(30):
        world.tick()
        if world.store().view(world.twin.now()).tasks[leg.load].done_units:
            break
    assert world.store().view(world.twin.now()).tasks[leg.load].ship == idle


def test_a_loop_pass_that_keeps_a_started_pipeline_leaves_a_taken_over_leg_where_it_went(
    tmp_path: Path,
) -> None:
    """The loop keeps a started pipeline's legs from the active plan: from the plan as applied
    it would hand a taken-over leg back to the busy ship at every pass."""
    from loop_world import new_flight

    from plancc.loop import history
    from runner.actions import Executor
    from runner.clock import TwinClock
    from runner.state import Store
    from runner.tick import run_tick

    # a world whose second pass applies (threshold: any plan beats the active one; seed 1 in
    # CRUISE, one good per leg, has new work for a free hauler then): only an applied pass
    # re-pins started work
    flight = new_flight(
        tmp_path,
        haulers=5,
        threshold=-1e9,
        policy_overrides=(("flight_mode", "CRUISE"), ("leg_share_window_s", 0)),
    )
    flight.loop()
    clock = TwinClock(flight.twin.now, flight.twin.advance)
    queued: list[LegSpec] = []
    for _ in range(30):
        store = Store.open(flight.state)
        started = history.started_pipelines(store)
        v = store.view(flight.twin.now())
        queued = [
            g for g in v.legs if g.pipeline in started and v.tasks[g.load].status == "PENDING"
        ]
        store.close()
        if queued:
            break
        run_tick(flight.state, flight.client, clock, flight.runner_policy)
        flight.twin.advance(60)
    leg = queued[0]
    other = next(s for s in sorted(v.ships) if s != leg.ship)
    store = Store.open(flight.state)
    Executor(store, flight.client, clock, flight.runner_policy).run(
        Action("TAKE_OVER", ship=other, task=leg.load, leg=leg.id, reason="test")
    )
    store.close()
    result = flight.loop()
    assert result.outcome == "applied", result.reason
    store = Store.open(flight.state)
    (after,) = [g for g in store.legs() if g.id == leg.id]
    store.close()
    assert after.ship == other


def test_with_speeds_known_a_slow_hauler_leaves_the_leg_to_a_fast_busy_ship() -> None:
    """S-1 flies 400 to C at speed 40 (~1,030 s); S-2 waits 300 from C at speed 10 (~3,015 s):
    by distance S-2 is nearer, in time it is not."""
    v = view(_ship("S-2", "MKT-D", speed=10))
    fast = replace(v, ships={**v.ships, "S-1": replace(v.ships["S-1"], speed=40)})
    assert takeovers(fast, POLICY) == []
    even = replace(v, ships={**v.ships, "S-1": replace(v.ships["S-1"], speed=10)})
    assert [(leg.id, ship.symbol) for leg, ship, _ in takeovers(even, POLICY)] == [("leg-q", "S-2")]


def test_a_ship_whose_speed_was_never_read_makes_the_fleet_compare_distances() -> None:
    v = view(_ship("S-2", "MKT-D", speed=10))  # S-1's speed unknown (0)
    assert [(leg.id, ship.symbol) for leg, ship, _ in takeovers(v, POLICY)] == [("leg-q", "S-2")]
