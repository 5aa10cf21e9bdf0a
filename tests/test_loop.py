"""``plancc loop`` on the twin: apply threshold, pinning, auto-pause/resume, learned figures."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from loop_world import new_flight

from plancc.loop import history
from plancc.loop.learn import learn, policy_figures
from plancc.loop.pause import PauseRule
from plancc.planfile import load_plan
from runner.state import Store


def _store(flight) -> Store:
    return Store.open(flight.state, create=False)


def test_the_first_loop_applies_a_plan_and_says_why(tmp_path: Path) -> None:
    flight = new_flight(tmp_path)
    result = flight.loop()
    assert result.outcome == "applied" and "no work waiting to start" in result.reason
    s = _store(flight)
    plan = s.active_plan()
    assert plan is not None and plan.pipelines
    [event] = s.events(kind="loop")
    assert event["message"].startswith(f"applied {result.plan_path.name}")
    assert "+ pipeline" in event["message"]  # the diff it applied


def test_a_new_plan_no_better_than_the_threshold_is_not_applied(tmp_path: Path) -> None:
    flight = new_flight(tmp_path)
    flight.loop()
    first = _store(flight).active_plan()
    again = flight.loop()  # same state, same prices: the same plan, not 10% better
    assert again.outcome == "kept" and "does not beat" in again.reason
    s = _store(flight)
    assert s.active_plan() == first
    assert s.events(kind="loop")[-1]["message"].startswith("kept the active plan")


def test_a_new_plan_better_than_the_threshold_is_applied(tmp_path: Path) -> None:
    flight = new_flight(tmp_path)
    flight.loop()
    flight.settings = replace(flight.settings, threshold=-1.0)  # any profitable plan beats it
    assert flight.loop().outcome == "applied"


def test_work_in_flight_is_pinned_when_a_new_plan_is_applied(tmp_path: Path) -> None:
    flight = new_flight(tmp_path, haulers=5)
    flight.loop()
    s = _store(flight)
    while not history.started_pipelines(s):
        s.close()
        flight.run(hours=(flight.twin.now() - flight.start) / 3600 + 1 / 60)
        s = _store(flight)
    started = history.started_pipelines(s)
    waiting = history.waiting_collects(s, started, "HIGH")
    busy = history.busy_ships(s, started, waiting)
    before_tasks = {
        r["id"]: (r["status"], r["done_units"])
        for r in s.conn.execute(
            f"SELECT * FROM tasks WHERE pipeline IN ({','.join('?' * len(started))})",
            tuple(started),
        )
    }
    before_legs = {leg.id: leg.ship for leg in s.legs() if leg.pipeline in started}
    s.close()
    flight.settings = replace(flight.settings, threshold=-1.0)
    result = flight.loop()
    s = _store(flight)
    assert result.outcome in ("applied", "kept")
    after_tasks = {
        r["id"]: (r["status"], r["done_units"]) for r in s.conn.execute("SELECT * FROM tasks")
    }
    assert all(after_tasks[t] == v for t, v in before_tasks.items())
    assert {leg.id: leg.ship for leg in s.legs() if leg.id in before_legs} == before_legs
    statuses = dict(s.conn.execute("SELECT id, status FROM pipelines").fetchall())
    assert all(statuses[p] == "ACTIVE" for p in started)
    # ships busy with work in flight got no new leg ahead of it (a COLLECT waiting on its
    # factory is not such work: it goes last, after the new legs)
    for leg in s.legs():
        if leg.ship in busy and leg.pipeline not in started:
            first_pinned = min(
                g.seq
                for g in s.legs()
                if g.ship == leg.ship and g.pipeline in started and g.id not in waiting
            )
            assert leg.seq > first_pinned
        if leg.id in waiting:
            others = [g.seq for g in s.legs() if g.ship == leg.ship and g.id not in waiting]
            assert all(seq < leg.seq for seq in others)


def _fake_outcomes(s: Store, product: str, margin: float, at: float, n: int = 2) -> None:
    """``n`` finished pipelines of ``product`` whose ledger shows ``margin`` realised."""
    with s.tx() as c:
        for i in range(n):
            pid = f"{product}@OLD-{i}"
            c.execute(
                "INSERT INTO pipelines(id, product, sell_market, quantity, expected_cost, "
                "expected_revenue, status, started_at, ended_at) "
                "VALUES(?, ?, 'X', 10, 10000, 13000, 'COMPLETED', ?, ?)",
                (pid, product, at - 3600, at - 60 * (i + 1)),
            )
            for kind, total in (("PURCHASE", 10000), ("SELL", round(10000 * (1 + margin)))):
                c.execute(
                    "INSERT INTO ledger(at, ship, kind, good, units, price_per_unit, total, "
                    "pipeline) VALUES(?, 'S', ?, ?, 10, ?, ?, ?)",
                    (at - 120, kind, product, total // 10, total, pid),
                )


def test_a_product_whose_realised_margin_stays_low_is_paused_then_resumes(tmp_path: Path) -> None:
    flight = new_flight(tmp_path)
    flight.loop()
    s = _store(flight)
    product = s.active_plan().pipelines[0].product
    _fake_outcomes(s, product, 0.01, flight.twin.now())
    s.close()
    flight.twin.advance(60)
    flight.settings = replace(flight.settings, threshold=-1.0)
    paused = flight.loop()
    assert [(c.product, c.action) for c in paused.pauses] == [(product, "pause")]
    s = _store(flight)
    [event] = s.events(kind="product-pause")
    assert product in event["message"] and "realised margin 1.0%" in event["message"]
    assert product not in {p.product for p in s.active_plan().pipelines}
    s.close()
    # no price read since the pause: stays paused
    flight.twin.advance(60)
    assert flight.loop().pauses == []
    # its prices read again (as a probe would) and healthy against the minimum: it resumes
    flight.twin.advance(60)
    s = _store(flight)
    now = flight.twin.now()
    with s.tx() as c:
        for q in s.latest_quotes().values():
            s.observe_market(c, q.market, now, [q])
    s.close()
    flight.settings = replace(flight.settings, pause=PauseRule(min_margin=0.0))
    resumed = flight.loop()
    assert [(c.product, c.action) for c in resumed.pauses] == [(product, "resume")]
    s = _store(flight)
    assert s.events(kind="product-resume")
    assert product in {p.product for p in s.active_plan().pipelines}


def test_learned_figures_replace_the_defaults_and_the_plan_says_from_how_many(
    tmp_path: Path,
) -> None:
    # a half-hour horizon: the first plan's work is done (haulers free to re-plan) by 0.75 h
    overrides = (("horizon_s", 1800),)
    flight = new_flight(tmp_path, seed=2, haulers=5, min_observations=2, policy_overrides=overrides)
    flight.run(hours=0.75)
    s = _store(flight)
    figures = policy_figures(
        learn(history.observations(s), history.trades(s), history.feeds(s), min_count=2)
    )
    s.close()
    assert "buy_impact_per_lot" in figures
    flight.settings = replace(flight.settings, threshold=-1.0)
    result = flight.loop()
    assert result.plan_path is not None
    learned = load_plan(result.plan_path).provenance.learned
    assert learned["buy_impact_per_lot"] == {
        "value": round(figures["buy_impact_per_lot"].value, 4),
        "observations": figures["buy_impact_per_lot"].count,
    }
    # and the compiler used them: the same loop without learning plans other prices
    flight.settings = replace(flight.settings, learn=False)
    plain = flight.loop()
    assert plain.plan_path is not None
    assert load_plan(plain.plan_path).provenance.learned == {}
    assert (
        load_plan(plain.plan_path).objective.expected_cost
        != load_plan(result.plan_path).objective.expected_cost
    )


def test_a_trade_planned_again_after_its_pipeline_ended_is_flown_again(tmp_path: Path) -> None:
    """The compiler names a pipeline after its product and market: planned again once the
    first one ended, it gets a new id rather than the ended one's tasks (never flown again)."""
    flight = new_flight(tmp_path, seed=3, haulers=10, probes=2)
    flight.run(hours=2)
    applied = [line for r in flight.loops if r.outcome == "applied" for line in r.changes]
    assert not [line for line in applied if "kept (COMPLETED)" in line or "kept (FAILED)" in line]
    s = _store(flight)
    again = [r["id"] for r in s.conn.execute("SELECT id FROM pipelines") if "~" in r["id"]]
    assert again, "no trade was planned twice in this run: the test shows nothing"
    flown = s.conn.execute(
        f"SELECT COUNT(*) FROM tasks WHERE done_units > 0 AND pipeline IN "
        f"({','.join('?' * len(again))})",
        again,
    ).fetchone()[0]
    assert flown > 0


def test_collects_waiting_on_their_factory_no_longer_hold_up_the_legs_behind_them(
    tmp_path: Path,
) -> None:
    """Seed 1, 5 haulers, 3 h: with waiting COLLECTs moved last on their ships the fleet is
    busier than with every started leg pinned in its planned order."""
    figures = {}
    for defer in (True, False):
        flight = new_flight(tmp_path / str(defer), defer_waiting=defer)
        flight.loop()
        flight.run(hours=3)
        figures[defer] = flight.summary()["utilisation"]
    assert figures[True] > figures[False]


def test_a_loop_pass_hands_its_spent_rate_limit_to_the_next_tick(tmp_path: Path) -> None:
    """The loop and the ticks share one account's limits: the loop's client starts from the
    pools the last tick spent and leaves its own in the state file for the next tick (before,
    the loop paced itself alone and the tick after it drew 429s: 3 on the headline's seed 3)."""
    import json

    from runner.actions import LIMITER_KEY

    flight = new_flight(tmp_path)
    s = _store(flight)
    s.put(**{LIMITER_KEY: json.dumps({"recent": [], "pool": 0, "window_end": None})})
    s.close()
    result = flight.loop()
    s = _store(flight)
    saved = json.loads(s.get(LIMITER_KEY) or "{}")
    assert result.requests > 0
    assert len(saved["recent"]) >= min(result.requests, 2)


def test_a_probes_read_is_recorded_as_that_probes_so_haulers_may_trade_on_it(
    tmp_path: Path,
) -> None:
    """A hauler trades a visit's first lot on another ship's read of the last two minutes
    (``fresh_quote_s``); a scout read recorded with no ship would never count as another's."""
    flight = new_flight(tmp_path, probes=1)
    flight.loop()  # orders the probe to the stalest market
    flight.run(hours=1.0)  # it arrives; a later pass reads the market it reached
    s = _store(flight)
    readers = {
        r[0] for r in s.conn.execute("SELECT DISTINCT ship FROM market_obs WHERE ship != ''")
    }
    probes = {sym for (sym,) in s.conn.execute("SELECT symbol FROM ships WHERE cargo_capacity = 0")}
    s.close()
    assert probes & readers, f"no read recorded by a probe ({sorted(probes)}): {sorted(readers)}"


def test_the_loop_learns_only_from_the_history_inside_the_policys_learning_window(
    tmp_path: Path,
) -> None:
    window = 1200  # the last 20 of 45 game-minutes
    overrides = (("horizon_s", 1800), ("learn_window_s", window))
    flight = new_flight(tmp_path, seed=2, haulers=5, min_observations=2, policy_overrides=overrides)
    flight.run(hours=0.75)
    s = _store(flight)
    since = flight.twin.now() - window
    recent = learn(
        history.observations(s, since),
        history.trades(s, since),
        history.feeds(s, since),
        min_count=2,
    )
    everything = learn(history.observations(s), history.trades(s), history.feeds(s), min_count=2)
    assert all(o.at >= since for o in history.observations(s, since))
    assert all(t.at >= since for t in history.trades(s, since))
    assert len(history.observations(s, since)) < len(history.observations(s))
    s.close()
    assert policy_figures(recent) != policy_figures(everything)
    flight.settings = replace(flight.settings, threshold=-1.0)
    result = flight.loop()
    assert result.plan_path is not None
    assert load_plan(result.plan_path).provenance.learned == {
        name: {"value": round(f.value, 4), "observations": f.count}
        for name, f in sorted(policy_figures(recent).items())
    }
