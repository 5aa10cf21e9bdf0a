"""A repeat visit to a market depends on the earlier batch's visit only for spacing (the
market recovers in between): when the earlier batch is dropped by a new plan or fails, the
later batch still flies. Before, one dropped batch failed every later batch of its product
("a task it depends on failed"): 9 of them per product in a demo run."""

from __future__ import annotations

from runner.decide import decide
from runner.model import PipelineState, Quote, ShipState, TaskState, View
from runner.planview import LegSpec, PipelineSpec, TaskSpec
from runner.policy import RunnerPolicy

NOW = 1_000_000.0
POLICY = RunnerPolicy()
FIRST = TaskSpec("p1-buy", "ACQUIRE", "P@S", "IRON", 40, "MKT-M", 100)
REPEAT = TaskSpec(
    "p2-buy", "ACQUIRE", "P@S+1", "IRON", 40, "MKT-M", 100, depends_on=("p1-buy",), lag_s=600
)
SELL = TaskSpec("p2-sell", "SELL", "P@S+1", "IRON", 40, "MKT-S", 150, depends_on=("p2-buy",))
LEG = LegSpec("leg", "P@S+1", "S-1", 0, "p2-buy", "p2-sell", "IRON", 40)


def _view(first: TaskState, repeat: TaskSpec = REPEAT) -> View:
    ship = ShipState(
        "S-1", "MKT-M", "DOCKED", fuel=400, fuel_capacity=400, cargo_capacity=40, quote_ok=True
    )
    tasks = (first, TaskState(repeat, "ACTIVE", "S-1"), TaskState(SELL))
    return View(
        now=NOW,
        credits=1_000_000,
        credits_at=NOW,
        ships={"S-1": ship},
        tasks={t.id: t for t in tasks},
        legs=(LEG,),
        pipelines={
            "P@S": PipelineState(PipelineSpec("P@S", "IRON", "MKT-S", 40, 4000, 6000), "FAILED"),
            "P@S+1": PipelineState(PipelineSpec("P@S+1", "IRON", "MKT-S", 40, 4000, 6000)),
        },
        liquidations=(),
        quotes={("MKT-M", "IRON"): Quote("MKT-M", "IRON", NOW - 5, "EXPORT", "HIGH", 100, 150, 40)},
        factories={},
    )


def test_a_repeat_visit_whose_earlier_batch_was_dropped_still_buys() -> None:
    (a,) = decide(_view(TaskState(FIRST, "CANCELLED")), POLICY)
    assert (a.kind, a.task) == ("BUY", "p2-buy")


def test_a_repeat_visit_whose_earlier_batch_failed_still_buys() -> None:
    (a,) = decide(_view(TaskState(FIRST, "FAILED")), POLICY)
    assert (a.kind, a.task) == ("BUY", "p2-buy")


def test_a_repeat_visit_waits_out_the_recovery_after_an_earlier_batch_that_traded() -> None:
    done = TaskState(FIRST, "COMPLETED", "S-2", 40, completed_at=NOW - 60)
    assert decide(_view(done), POLICY) == []


def test_a_failed_task_of_the_same_pipeline_still_fails_the_pipeline() -> None:
    same = TaskSpec("p2-first", "ACQUIRE", "P@S+1", "COPPER", 40, "MKT-M", 100)
    repeat = TaskSpec("p2-buy", "ACQUIRE", "P@S+1", "IRON", 40, "MKT-M", 100, ("p2-first",))
    (a,) = decide(_view(TaskState(same, "FAILED"), repeat), POLICY)
    assert a.kind == "FAIL_PIPELINE" and "depends on failed" in a.reason
