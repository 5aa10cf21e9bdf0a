"""The runner's pure decisions: a View in, actions out. No SQLite, no HTTP, no clock."""

from __future__ import annotations

from dataclasses import replace

from runner.decide import Wait, backoff, decide, next_due, ship_step
from runner.model import FactoryWait, Liquidation, PipelineState, Quote, ShipState, TaskState, View
from runner.planview import LegSpec, PipelineSpec, TaskSpec
from runner.policy import RunnerPolicy

NOW = 1_000_000.0
POLICY = RunnerPolicy()
PIPE = "P@SELL"
LOAD = TaskSpec("t-load", "ACQUIRE", PIPE, "IRON", 40, "MKT-A", 100)
UNLOAD = TaskSpec("t-unload", "SELL", PIPE, "IRON", 40, "MKT-B", 200, depends_on=("t-load",))
LEG = LegSpec("leg-1", PIPE, "S-1", 0, "t-load", "t-unload", "IRON", 40)


def quote(
    market: str,
    good: str = "IRON",
    *,
    purchase: int = 100,
    sell: int = 200,
    supply: str = "HIGH",
    tv: int = 20,
    at: float = NOW,
    type_: str = "EXPORT",
) -> Quote:
    return Quote(market, good, at, type_, supply, purchase, sell, tv)


def world(
    *,
    ship: ShipState | None = None,
    load: TaskState | None = None,
    unload: TaskState | None = None,
    quotes: tuple[Quote, ...] = (),
    credits: int = 1_000_000,
    spent: int = 0,
    liquidations: tuple[Liquidation, ...] = (),
    factories: dict[str, FactoryWait] | None = None,
    load_spec: TaskSpec = LOAD,
) -> View:
    ship = ship or ShipState(
        "S-1", "MKT-A", "DOCKED", fuel=400, fuel_capacity=400, cargo_capacity=40, quote_ok=True
    )
    load = load or TaskState(load_spec, "ACTIVE", "S-1")
    unload = unload or TaskState(UNLOAD)
    pipe = PipelineState(PipelineSpec(PIPE, "IRON", "MKT-B", 40, 4000, 8000), spent=spent)
    return View(
        now=NOW,
        credits=credits,
        credits_at=NOW,
        ships={ship.symbol: ship},
        tasks={load.id: load, unload.id: unload},
        legs=(replace(LEG, load=load.id),),
        pipelines={PIPE: pipe},
        liquidations=liquidations,
        quotes={(q.market, q.good): q for q in quotes},
        factories=factories or {},
    )


def only(view: View):
    actions = decide(view, POLICY)
    assert len(actions) == 1, actions
    return actions[0]


def test_a_ship_in_transit_costs_nothing_until_it_arrives() -> None:
    ship = ShipState("S-1", "MKT-B", "IN_TRANSIT", arrival=NOW + 90, cargo_capacity=40)
    view = world(ship=ship)
    assert decide(view, POLICY) == []
    assert next_due(view, POLICY) == NOW + 90


def test_a_transit_without_a_known_eta_is_read_not_waited_on_forever() -> None:
    ship = ShipState("S-1", "MKT-B", "IN_TRANSIT", arrival=None, cargo_capacity=40)
    assert only(world(ship=ship)).kind == "READ_SHIP"


def test_a_working_ship_read_long_ago_is_read_again_before_resuming() -> None:
    old = ShipState(
        "S-1",
        "MKT-A",
        "DOCKED",
        cargo_capacity=40,
        quote_ok=True,
        read_at=NOW - POLICY.view_max_age_s - 1,
    )
    assert only(world(ship=old, quotes=(quote("MKT-A"),))).kind == "READ_SHIP"
    fresh = replace(old, read_at=NOW - 60)
    assert only(world(ship=fresh, quotes=(quote("MKT-A"),))).kind == "BUY"


def test_a_ship_whose_view_is_not_trusted_is_read_before_anything_else() -> None:
    ship = ShipState("S-1", "MKT-A", "DOCKED", cargo_capacity=40, verified=False)
    assert only(world(ship=ship)).kind == "READ_SHIP"


def test_buy_runs_one_lot_of_at_most_the_trade_volume_at_the_quoted_price() -> None:
    a = only(world(quotes=(quote("MKT-A", tv=20, purchase=110),)))
    assert (a.kind, a.units, a.price, a.task) == ("BUY", 20, 110, "t-load")


def test_buy_rereads_the_price_before_each_lot() -> None:
    ship = ShipState("S-1", "MKT-A", "DOCKED", cargo_capacity=40, quote_ok=False)
    a = only(world(ship=ship, quotes=(quote("MKT-A"),)))
    assert (a.kind, a.market) == ("READ_MARKET", "MKT-A")


def test_buy_counts_units_already_bought_from_the_ledger() -> None:
    load = TaskState(LOAD, "ACTIVE", "S-1", done_units=30)
    ship = ShipState("S-1", "MKT-A", "DOCKED", cargo_capacity=40, cargo={"IRON": 30}, quote_ok=True)
    a = only(world(ship=ship, load=load, quotes=(quote("MKT-A", tv=20),)))
    assert (a.kind, a.units) == ("BUY", 10)


def test_a_price_above_the_ceiling_stalls_and_then_fails_the_pipeline() -> None:
    high = (quote("MKT-A", purchase=126),)  # ceiling 1.25 x 100
    assert only(world(quotes=high)).kind == "STALL"
    tired = TaskState(LOAD, "ACTIVE", "S-1", retries=POLICY.price_patience)
    a = only(world(load=tired, quotes=high))
    assert a.kind == "FAIL_PIPELINE" and "ceiling" in a.reason


def test_a_retry_can_never_buy_past_the_pipeline_cap_counted_from_the_ledger() -> None:
    policy = replace(POLICY, spend_cap_pipeline=5_000, min_margin=-1.0)
    view = world(quotes=(quote("MKT-A", purchase=100, tv=60),), spent=4_000)
    a = decide(view, policy)[0]
    assert (a.kind, a.units) == ("BUY", 10)


def test_live_credits_below_the_reserve_park_the_ship_instead_of_buying() -> None:
    a = only(world(quotes=(quote("MKT-A"),), credits=POLICY.reserve_credits + 50))
    assert a.kind == "PARK" and "reserve" in a.reason and a.until > NOW


def test_stale_credits_are_read_live_before_buying() -> None:
    view = replace(world(quotes=(quote("MKT-A"),)), credits_at=NOW - 3600)
    assert only(view).kind == "READ_AGENT"


def test_a_margin_fallen_below_policy_fails_the_pipeline() -> None:
    # expected revenue 8000; 40 units at 124 (under the ceiling) cost 4960: margin 61%. At a
    # revenue of 5000 the same price leaves 1%.
    view = world(quotes=(quote("MKT-A", purchase=124),))
    view = replace(
        view,
        pipelines={PIPE: PipelineState(PipelineSpec(PIPE, "IRON", "MKT-B", 40, 4000, 5000))},
    )
    a = only(view)
    assert a.kind == "FAIL_PIPELINE" and "margin" in a.reason


def test_sale_stops_below_the_floor_of_the_quoted_price() -> None:
    ship = ShipState("S-1", "MKT-B", "DOCKED", cargo_capacity=40, cargo={"IRON": 40}, quote_ok=True)
    load = TaskState(LOAD, "COMPLETED", "S-1", done_units=40, completed_at=NOW - 100)
    unload = TaskState(UNLOAD, "ACTIVE", "S-1")
    low = quote("MKT-B", sell=159, type_="IMPORT")  # floor 0.8 x 200 = 160
    assert only(world(ship=ship, load=load, unload=unload, quotes=(low,))).kind == "STALL"
    ok = quote("MKT-B", sell=160, type_="IMPORT", tv=20)
    a = only(world(ship=ship, load=load, unload=unload, quotes=(ok,)))
    assert (a.kind, a.units, a.price) == ("SELL", 20, 160)


def test_collect_waits_until_factory_supply_is_high() -> None:
    spec = replace(LOAD, type="COLLECT")
    moderate = quote("MKT-A", supply="MODERATE")
    wait = FactoryWait("t-load", "MKT-A", "IRON", NOW - 60, NOW - 60)
    a = only(world(load_spec=spec, quotes=(moderate,), factories={"t-load": wait}))
    assert a.kind == "WAIT_SUPPLY" and a.until > NOW
    later = replace(wait, next_poll=NOW + 300, polls=1)
    polled = quote("MKT-A", supply="MODERATE", at=NOW + 300 - POLICY.supply_level_s)
    view = world(load_spec=spec, quotes=(polled,), factories={"t-load": later})
    assert decide(view, POLICY) == [] and next_due(view, POLICY) == NOW + 300
    high = quote("MKT-A", supply="HIGH")
    assert only(world(load_spec=spec, quotes=(high,), factories={"t-load": wait})).kind == "BUY"


def test_a_factory_that_never_reaches_high_within_patience_fails_its_pipeline() -> None:
    spec = replace(LOAD, type="COLLECT")
    since = NOW - POLICY.supply_patience_s - 1
    wait = FactoryWait("t-load", "MKT-A", "IRON", since, NOW - 1, polls=9)
    a = only(
        world(
            load_spec=spec, quotes=(quote("MKT-A", supply="LIMITED"),), factories={"t-load": wait}
        )
    )
    assert a.kind == "FAIL_PIPELINE" and "patience" in a.reason


def test_a_factory_that_no_longer_exports_aborts_the_pipeline() -> None:
    spec = replace(LOAD, type="COLLECT")
    wait = FactoryWait("t-load", "MKT-A", "IRON", NOW - 60, NOW - 60)
    view = world(load_spec=spec, quotes=(quote("MKT-A", at=NOW - 30),), factories={"t-load": wait})
    view = replace(view, market_read_at={"MKT-A": NOW - 5})  # read since: IRON not listed
    a = only(view)
    assert a.kind == "FAIL_PIPELINE" and "no longer exports" in a.reason


def test_cargo_no_task_owns_is_liquidated_where_it_sells_best() -> None:
    ship = ShipState("S-1", "MKT-A", "DOCKED", cargo_capacity=40, cargo={"GOLD": 5})
    quotes = (
        quote("MKT-B", "GOLD", sell=50, type_="IMPORT"),
        quote("MKT-C", "GOLD", sell=70, type_="IMPORT"),
    )
    a = only(world(ship=ship, quotes=quotes))
    assert (a.kind, a.good, a.units, a.market) == ("LIQUIDATE", "GOLD", 5, "MKT-C")


def test_cargo_matching_the_ships_next_load_is_reattached_not_sold() -> None:
    ship = ShipState("S-1", "MKT-A", "DOCKED", cargo_capacity=40, cargo={"IRON": 15})
    a = only(world(ship=ship))
    assert (a.kind, a.task, a.units) == ("ATTACH", "t-load", 15)


def test_an_open_liquidation_sells_at_any_price() -> None:
    ship = ShipState("S-1", "MKT-C", "DOCKED", cargo_capacity=40, cargo={"GOLD": 5}, quote_ok=True)
    liq = Liquidation("liq-1", "S-1", "GOLD", 5, "MKT-C")
    a = only(
        world(
            ship=ship, liquidations=(liq,), quotes=(quote("MKT-C", "GOLD", sell=1, type_="IMPORT"),)
        )
    )
    assert (a.kind, a.units, a.liquidation) == ("SELL", 5, "liq-1")


def test_travel_orbits_a_docked_ship_then_navigates() -> None:
    ship = ShipState("S-1", "MKT-X", "DOCKED", fuel=400, fuel_capacity=400, cargo_capacity=40)
    assert only(world(ship=ship)).kind == "ORBIT"
    orbit = replace(ship, status="IN_ORBIT")
    a = only(world(ship=orbit))
    assert (a.kind, a.market) == ("NAVIGATE", "MKT-A")


def test_not_enough_fuel_refuels_where_fuel_is_sold_then_drifts() -> None:
    ship = ShipState(
        "S-1", "MKT-X", "DOCKED", fuel=10, fuel_capacity=400, cargo_capacity=40, fuel_fails=1
    )
    fuel = quote("MKT-X", "FUEL", purchase=70, type_="EXCHANGE")
    assert only(world(ship=ship, quotes=(fuel,))).kind == "REFUEL"
    nowhere = replace(ship, status="IN_ORBIT")
    a = only(world(ship=nowhere))
    assert (a.kind, a.mode) == ("FLIGHT_MODE", "DRIFT")
    a = only(world(ship=replace(nowhere, fuel_fails=3)))
    assert a.kind == "PARK"


def test_a_ship_backing_off_is_not_due_until_its_backoff_ends() -> None:
    ship = ShipState("S-1", "MKT-A", "DOCKED", cargo_capacity=40, not_before=NOW + 45)
    view = world(ship=ship)
    assert decide(view, POLICY) == [] and next_due(view, POLICY) == NOW + 45


def test_backoff_is_jittered_per_ship_so_a_restart_does_not_fire_all_at_once() -> None:
    waits = {backoff(f"S-{i}", 3, POLICY) for i in range(10)}
    assert len(waits) == 10
    base = POLICY.backoff_base_s * 4
    assert all(base * 0.5 <= w <= base for w in waits)


def test_a_pipeline_whose_tasks_all_completed_is_completed() -> None:
    load = TaskState(LOAD, "COMPLETED", "S-1", done_units=40)
    unload = TaskState(UNLOAD, "COMPLETED", "S-1", done_units=40)
    a = only(world(load=load, unload=unload))
    assert (a.kind, a.pipeline) == ("COMPLETE_PIPELINE", PIPE)


def test_an_idle_fleet_is_never_due() -> None:
    load = TaskState(LOAD, "COMPLETED", "S-1", done_units=40)
    unload = TaskState(UNLOAD, "COMPLETED", "S-1", done_units=40)
    view = world(load=load, unload=unload)
    view = replace(view, pipelines={PIPE: replace(view.pipelines[PIPE], status="COMPLETED")})
    assert decide(view, POLICY) == [] and next_due(view, POLICY) is None
    assert ship_step(view, view.ships["S-1"], POLICY).reason == "idle"


ABOARD = TaskSpec("t-aboard", "ABOARD", PIPE, "IRON", 30, "MKT-A", 0)


def test_cargo_the_plan_found_aboard_is_attached_to_its_aboard_load() -> None:
    ship = ShipState("S-1", "MKT-C", "DOCKED", cargo_capacity=40, cargo={"IRON": 30})
    a = only(world(ship=ship, load=TaskState(ABOARD), load_spec=ABOARD))
    assert (a.kind, a.task, a.units) == ("ATTACH", "t-aboard", 30)


def test_an_aboard_load_completes_where_the_ship_is_without_buying() -> None:
    ship = ShipState("S-1", "MKT-C", "DOCKED", cargo_capacity=40, cargo={"IRON": 30})
    a = only(world(ship=ship, load=TaskState(ABOARD, "ACTIVE", "S-1", done_units=30)))
    assert (a.kind, a.task) == ("COMPLETE_TASK", "t-aboard")


def test_an_aboard_load_whose_cargo_is_gone_fails_its_pipeline() -> None:
    ship = ShipState("S-1", "MKT-C", "DOCKED", cargo_capacity=40)
    a = only(world(ship=ship, load=TaskState(ABOARD), load_spec=ABOARD))
    assert (a.kind, a.pipeline) == ("FAIL_PIPELINE", PIPE)
    assert "no longer there" in a.reason


def test_cargo_attached_to_a_later_aboard_leg_is_owned_not_liquidated() -> None:
    later = TaskSpec("t-aboard-2", "ABOARD", PIPE, "COPPER", 5, "MKT-A", 0)
    sell_later = TaskSpec("t-sell-2", "SELL", PIPE, "COPPER", 5, "MKT-B", 50, ("t-aboard-2",))
    ship = ShipState(
        "S-1",
        "MKT-A",
        "DOCKED",
        cargo_capacity=40,
        cargo={"IRON": 10, "COPPER": 5},
        quote_ok=True,
    )
    # the ship is buying IRON for its first leg; the COPPER waits for its second
    view = world(
        ship=ship, load=TaskState(LOAD, "ACTIVE", "S-1", done_units=10), quotes=(quote("MKT-A"),)
    )
    view = replace(
        view,
        tasks={
            **view.tasks,
            later.id: TaskState(later, "ACTIVE", "S-1", done_units=5),
            sell_later.id: TaskState(sell_later),
        },
        legs=(*view.legs, LegSpec("leg-2", PIPE, "S-1", 1, later.id, sell_later.id, "COPPER", 5)),
    )
    assert [a.kind for a in decide(view, POLICY)] == ["BUY"]


def test_a_ship_whose_last_call_is_unsettled_is_read_before_another_ship_trades() -> None:
    """Recovery prices a lost trade by the credits that moved since its intent: another ship's
    lot bought first would be counted in it too (a kill test recorded one lot twice)."""
    intent = '{"action": "BUY", "good": "IRON", "before_credits": 1000000}'
    lost = ShipState("S-0", "MKT-A", "DOCKED", cargo_capacity=40, pending=intent)
    v = world(quotes=(quote("MKT-A"),))
    assert [a.kind for a in decide(v, POLICY)] == ["BUY"]
    both = replace(v, ships={**v.ships, "S-0": lost})
    assert [(a.kind, a.ship) for a in decide(both, POLICY)] == [("READ_SHIP", "S-0")]


def test_a_failed_re_read_keeps_the_intent_it_was_to_settle_and_waits_out_its_backoff(
    tmp_path,
) -> None:
    """Before, a re-read that failed (a 5xx, a 429) cleared the ship's unsettled intent: the
    lot it may have traded was never written to the ledger. And a pending ship was re-read
    at once, backoff or not."""
    import json

    from plancc.errors import ServerUnavailable
    from runner.actions import Executor
    from runner.state import Store

    class _Down:
        def ship(self, symbol: str) -> None:
            raise ServerUnavailable("GET /my/ships/S-1: 503", status=503)

    class _Clock:
        def now(self) -> float:
            return NOW

        def wait(self, seconds: float) -> None:
            raise AssertionError("no wait")

    intent = json.dumps({"action": "BUY", "good": "IRON", "before_credits": 10, "units": 5})
    store = Store.open(tmp_path / "state.db")
    with store.tx() as c:
        store.ship_row(c, ShipState("S-1", "MKT-A", "DOCKED", cargo_capacity=40), NOW)
        store.update_ship(c, "S-1", pending=intent)
    Executor(store, _Down, _Clock(), POLICY).run(decide(store.view(NOW), POLICY)[0])
    ship = store.ships()["S-1"]
    assert ship.pending == intent and ship.not_before > NOW
    assert isinstance(ship_step(store.view(NOW), ship, POLICY), Wait)
    store.close()
