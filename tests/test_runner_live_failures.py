"""Every failure ../shared/LIVE-FACTS.md lists under "What went wrong for live bots", as a test.

A hand-made one-leg plan on the tiny twin (tests/twin_fixtures.py): buy IRON at the
headquarters (an export), sell it at the belt (an import). Each test breaks one thing the way
the live game broke it and checks the runner's answer. Failures covered elsewhere name their
test at the bottom of this module.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from runner import lock
from runner.policy import RunnerPolicy
from runner.tick import run_tick
from tests.runner_world import RunnerWorld, listing, mini, wait_child
from tests.twin_fixtures import BELT, HAULER, HQ, mini_twin


def ledger(world: RunnerWorld, kind: str) -> list:
    return [line for line in world.store().ledger() if line.kind == kind]


def errors(world: RunnerWorld) -> list[str]:
    return [e["message"] for e in world.store().events(100000, "error")]


def test_a_purchase_whose_answer_was_lost_is_recorded_once_and_never_rebought(
    tmp_path: Path,
) -> None:
    """sp-5nqx: a retry re-ran a purchase that had succeeded (118,872 spent vs a 40,000 cap)."""
    world = mini(tmp_path, quantity=40)
    world.twin.faults.queue("lost")  # the first game-changing request: the first lot's purchase
    world.run_until_done()
    bought = ledger(world, "PURCHASE")
    assert sum(line.units for line in bought) == 40
    assert [line.source for line in bought].count("recovered") == 1
    assert world.check() == []


def test_a_sale_whose_answer_was_lost_is_settled_from_the_ship_not_resold(tmp_path: Path) -> None:
    """sp-j09q: a cargo cache kept goods already delivered (23 minutes of 4219 errors)."""
    world = mini(tmp_path, quantity=20)
    for _ in range(3):  # bought, flying to the belt
        world.tick()
    assert ledger(world, "PURCHASE")
    world.twin.faults.queue("lost", "lost")  # orbit/dock are idempotent; the sale's answer too
    world.run_until_done()
    assert sum(line.units for line in ledger(world, "SELL")) == 20
    assert not any("4219" in m for m in errors(world))
    assert world.check() == []


def test_buying_stops_at_the_ceiling_as_own_purchases_raise_the_price(tmp_path: Path) -> None:
    """ese: own buying ran MACHINERY 498 -> 860 over ten lots."""
    twin_price = listing(mini_twin(), HQ, "IRON")["purchasePrice"]
    plan_price = int(twin_price / 1.25) + 1  # ceiling = the price now: the second lot is above
    world = mini(tmp_path, quantity=40, buy_price=plan_price)
    world.run_until_done()
    ceiling = int(plan_price * 1.25)
    assert all(line.price_per_unit <= ceiling for line in ledger(world, "PURCHASE"))
    assert sum(line.units for line in ledger(world, "PURCHASE")) < 40
    assert world.store().pipeline_pnl()[0]["status"] == "FAILED"
    assert world.check() == []  # what was bought was liquidated, nothing left aboard


def test_sales_stop_below_the_floor_of_the_quoted_price(tmp_path: Path) -> None:
    """sp-lbbm: two ships selling into one market took a bid from 19,950 to 4."""
    bid = listing(mini_twin(), BELT, "IRON")["sellPrice"]
    world = mini(tmp_path, quantity=40, sell_price=int(bid / 0.8))  # floor = today's bid
    world.run_until_done()
    floor = int(int(bid / 0.8) * 0.8)
    planned = [line for line in ledger(world, "SELL") if not line.liquidation]
    assert planned and all(line.price_per_unit >= floor for line in planned)
    assert any("below floor" in e["message"] for e in world.store().events(10000, "stall"))
    assert world.check() == []


def test_live_credits_are_read_before_buying_so_the_reserve_holds(tmp_path: Path) -> None:
    """sp-agzj: a spend floor checked at plan time against a stale balance was breached."""
    policy = RunnerPolicy(reserve_credits=99_000)
    world = mini(tmp_path, quantity=40, policy=policy)
    world.twin.advance(policy.credits_max_age_s + 1)  # the balance seen at apply is now stale
    world.twin.world.agents[world.twin.agent_symbol]["credits"] = 100_000
    world.tick()
    with world.client() as c:
        assert c.agent().credits >= policy.reserve_credits
    assert any("reserve" in e["message"] for e in world.store().events(100, "parked"))


def test_insufficient_credits_parks_the_ship_instead_of_a_crash_loop(tmp_path: Path) -> None:
    """sp-vwhi: 4600 caused 18 crash-restarts in 3 minutes."""
    world = mini(tmp_path, quantity=40, policy=RunnerPolicy(reserve_credits=0))
    world.twin.world.agents[world.twin.agent_symbol]["credits"] = 10  # cached view says 100k
    for _ in range(20):
        result = world.tick()
        assert result.exit_code == 0
    refusals = [
        m
        for m in errors(world) + [e["message"] for e in world.store().events(999, "parked")]
        if "4600" in m
    ]
    assert 1 <= len(refusals) <= 6  # backing off, not once a tick
    world.twin.world.agents[world.twin.agent_symbol]["credits"] = 100_000
    world.run_until_done()
    assert world.store().pipeline_pnl()[0]["status"] == "COMPLETED"
    assert world.check() == []


def test_not_enough_fuel_refuels_or_drifts_never_a_retry_loop(tmp_path: Path) -> None:
    """sp-c2bc: 4203 (not enough fuel) 22 times in 3.5 h."""
    world = mini(tmp_path, quantity=20)
    world.twin.world.ships[HAULER]["fuel"]["current"] = 0
    store = world.store()
    store.distrust_ships()  # the runner must read the empty tank from the server
    world.run_until_done()
    fuel_errors = [m for m in errors(world) if "4203" in m]
    assert len(fuel_errors) <= 1
    assert world.store().pipeline_pnl()[0]["status"] == "COMPLETED"
    assert world.check() == []


def test_an_arrival_seen_too_early_waits_for_the_servers_arrival(tmp_path: Path) -> None:
    """sp-pafv / sp-ht1f: lost arrival events left workers waiting forever; a 2-minute timeout
    on a 23-minute transit. The runner waits to the server's ETA and re-reads on a mismatch."""
    world = mini(tmp_path, quantity=20)
    store = world.store()
    for _ in range(5):
        run_tick(world.state, world.client, world.clock(), world.policy, budget_s=1)
        if store.ships()[HAULER].status == "IN_TRANSIT":
            break
    ship = store.ships()[HAULER]
    assert ship.status == "IN_TRANSIT" and ship.arrival is not None
    with store.tx() as c:  # a wrong cached ETA: it says the ship is there already
        store.update_ship(c, HAULER, arrival=world.twin.now() - 1)
    run_tick(world.state, world.client, world.clock(), world.policy, budget_s=1)
    assert store.events(10, "in-transit"), "the server's 4214 must correct the cached ETA"
    assert store.ships()[HAULER].arrival == pytest.approx(ship.arrival, abs=2)
    world.run_until_done()
    assert world.store().pipeline_pnl()[0]["status"] == "COMPLETED"
    assert world.check() == []


def test_one_500_fails_that_action_not_the_chain(tmp_path: Path) -> None:
    """sp-vsfn: one 500 on a refuel killed a whole factory chain."""
    world = mini(tmp_path, quantity=40)
    world.twin.faults.queue("500")
    world.run_until_done()
    assert any("500" in m for m in errors(world))
    assert world.store().pipeline_pnl()[0]["status"] == "COMPLETED"
    assert world.check() == []


def test_a_killed_tick_leaves_no_claim_on_the_state_or_its_ships(tmp_path: Path) -> None:
    """sp-vjwb / sp-tgp5: dead processes kept claims on loaded ships."""
    world = mini(tmp_path, quantity=20)
    pid = os.fork()
    if pid == 0:
        with lock.exclusive(world.state):
            os.kill(os.getpid(), signal.SIGKILL)
    assert wait_child(pid) == -signal.SIGKILL
    result = world.tick()
    assert result.outcome == "worked"


def test_a_rate_limit_longer_than_the_budget_is_carried_to_a_later_tick(tmp_path: Path) -> None:
    """api-docs #49 / sp-x8i5: a 429 wait past the tick's budget is never slept through."""
    world = mini(tmp_path, quantity=20)
    world.twin.faults.queue("429", "429", "429", "429", "429")  # more than the client retries
    world.tick()
    events = world.store().events(100, "rate-limited")
    assert events and "later tick" in events[0]["message"]
    world.run_until_done()
    assert world.check() == []


# Covered elsewhere:
# - sp-1hj5 (runs ended "successful" with cargo aboard) and sp-hrzd (leftover cargo jammed the
#   fleet): test_runner_e2e.test_every_pipeline_ends_completed_or_failed_with_no_cargo_left and
#   test_runner_decide.test_cargo_no_task_owns_is_liquidated_where_it_sells_best;
# - sp-bp6f (no working-capital floor): test_live_credits_are_read_before_buying_so_the_reserve_holds;
# - sp-nkci (every backoff fired at once after a restart):
#   test_runner_decide.test_backoff_is_jittered_per_ship_so_a_restart_does_not_fire_all_at_once;
# - sp-njpu (the dead token kept in use after a reset):
#   test_runner_e2e.test_a_universe_reset_mid_plan_stops_the_tick_with_its_exit_code.
