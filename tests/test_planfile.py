"""Plan files: canonical, deterministic YAML that round-trips and names bad input precisely."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime

import pytest
import yaml
from conftest import REPO
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from plancc.errors import InputError
from plancc.model import (
    ChainNode,
    Leg,
    LegGood,
    Lot,
    Objective,
    Pipeline,
    Plan,
    Provenance,
    Rejection,
    ScheduledLeg,
    Search,
    ShipPlan,
    Task,
)
from plancc.planfile import (
    FORMAT_VERSION,
    canonical_plan,
    dump_plan,
    load_plan,
    parse_plan,
    plan_schema,
)

SHA = "sha256:" + "ab" * 32
P = "ADVANCED_CIRCUITRY@X1-AD75-A2"


def _sample_plan() -> Plan:
    """A one-pipeline plan built by hand: buy two inputs, deliver, collect, sell."""
    chain = ChainNode(
        good="ADVANCED_CIRCUITRY",
        method="MANUFACTURE",
        market="X1-AD75-D43",
        quantity=20,
        unit_price=2000,
        supply="MODERATE",
        reason="no market sells it at HIGH supply",
        children=(
            ChainNode(
                "ELECTRONICS",
                "BUY",
                "X1-AD75-H50",
                20,
                700,
                supply="HIGH",
                reason="HIGH",
                unload_price=800,
            ),
            ChainNode("MICROPROCESSORS", "BUY", "X1-AD75-H50", 20, 900, supply="HIGH"),
        ),
    )
    pipe = Pipeline(P, "ADVANCED_CIRCUITRY", "X1-AD75-A2", 20, chain, 32_000, 80_000, 4000, 1)
    a1 = Task(
        f"{P}/acquire/ELECTRONICS@X1-AD75-H50#1",
        "ACQUIRE",
        P,
        "ELECTRONICS",
        20,
        "X1-AD75-H50",
        unit_price=700,
        lots=(Lot(12, 690), Lot(8, 715)),
        limit_price=875,
    )
    a2 = Task(
        f"{P}/acquire/MICROPROCESSORS@X1-AD75-H50#1",
        "ACQUIRE",
        P,
        "MICROPROCESSORS",
        20,
        "X1-AD75-H50",
        unit_price=900,
    )
    d1 = Task(
        f"{P}/deliver/ELECTRONICS@X1-AD75-D43#1",
        "DELIVER",
        P,
        "ELECTRONICS",
        20,
        "X1-AD75-D43",
        (a1.id,),
        unit_price=800,
    )
    d2 = Task(
        f"{P}/deliver/MICROPROCESSORS@X1-AD75-D43#1",
        "DELIVER",
        P,
        "MICROPROCESSORS",
        20,
        "X1-AD75-D43",
        (a2.id,),
        unit_price=950,
    )
    c = Task(
        f"{P}/collect/ADVANCED_CIRCUITRY@X1-AD75-D43#1",
        "COLLECT",
        P,
        "ADVANCED_CIRCUITRY",
        20,
        "X1-AD75-D43",
        (d1.id, d2.id),
        lag_s=600,
        unit_price=2000,
    )
    s = Task(
        f"{P}/sell/ADVANCED_CIRCUITRY@X1-AD75-A2#1",
        "SELL",
        P,
        "ADVANCED_CIRCUITRY",
        20,
        "X1-AD75-A2",
        (c.id,),
        unit_price=4000,
    )
    legs = (
        Leg(f"{P}/leg/ELECTRONICS#1", a1.id, d1.id, "ELECTRONICS", 20, P, hold=40),
        Leg(f"{P}/leg/MICROPROCESSORS#1", a2.id, d2.id, "MICROPROCESSORS", 20, P, hold=40),
        Leg(f"{P}/leg/ADVANCED_CIRCUITRY#1", c.id, s.id, "ADVANCED_CIRCUITRY", 20, P, hold=40),
    )
    ships = (
        ShipPlan(
            "SHIP-1",
            (
                ScheduledLeg(
                    legs[0].id,
                    "SHIP-1",
                    0,
                    100,
                    200,
                    205,
                    refuel_to_load=("X1-AD75-B6",),
                    refuel_to_unload=("X1-AD75-C9", "X1-AD75-B6"),
                    modes_to_load=("CRUISE", "BURN"),
                    modes_to_unload=("CRUISE", "CRUISE", "DRIFT"),
                ),
                ScheduledLeg(
                    legs[2].id, "SHIP-1", 810, 900, 1000, 1005, (), (), ("BURN",), ("BURN",)
                ),
            ),
        ),
        ShipPlan(
            "SHIP-2",
            (
                ScheduledLeg(
                    legs[1].id, "SHIP-2", 0, 120, 205, 210, (), (), ("CRUISE",), ("CRUISE",)
                ),
            ),
        ),
    )
    return Plan(
        format_version=FORMAT_VERSION,
        provenance=Provenance(
            "0.1.0",
            datetime(2025, 4, 9, 12, 46, 33, 179000, tzinfo=UTC),
            "X1-AD75",
            {"snapshot": SHA, "policy": SHA, "recipes/supply-chain.yaml": SHA},
            {"production_lag_s": {"value": 1620, "observations": 4}},
        ),
        objective=Objective(
            "cpsat",
            "HEURISTIC",
            1005,
            800,
            0.203980,
            32_000,
            80_000,
            Search(
                "profit_weighted_completion",
                1_005_000,
                800_000,
                "critical_path",
                "ortools 9.15",
                (("k_nearest", "12"), ("time_limit_s", "10.0")),
                7,
                "time limit reached; best schedule so far",
            ),
            horizon_s=7200,
            utilisation=0.0432,
        ),
        pipelines=(pipe,),
        tasks=(s, c, d2, d1, a2, a1),  # deliberately not in file order
        legs=tuple(reversed(legs)),
        ships=tuple(reversed(ships)),
        rejected=(
            Rejection("SHIP_PLATING", "X1-AD75-A1", "margin 3% under impact < 8% minimum"),
            Rejection("FAB_MATS", "", "no WEAK/RESTRICTED importer of FAB_MATS"),
        ),
    )


def test_dump_then_parse_gives_the_same_plan():
    plan = canonical_plan(_sample_plan())
    assert parse_plan(dump_plan(plan), "p.yaml") == plan


def test_dump_is_byte_identical_for_the_same_plan_in_any_list_order():
    plan = _sample_plan()
    shuffled = dataclasses.replace(
        plan, tasks=tuple(reversed(plan.tasks)), ships=tuple(reversed(plan.ships))
    )
    assert dump_plan(plan) == dump_plan(shuffled)


def test_dump_of_a_parsed_file_reproduces_the_file():
    text = dump_plan(_sample_plan())
    assert dump_plan(parse_plan(text, "p.yaml")) == text


def test_every_field_of_the_plan_model_is_written():
    """A field added to model.py but not to the file format would be lost on a round trip."""
    data = yaml.safe_load(dump_plan(_sample_plan()))
    written = {
        Plan: set(data),
        Provenance: set(data["provenance"]),
        Objective: set(data["objective"]),
        Pipeline: set(data["pipelines"][0]),
        ChainNode: set(data["pipelines"][0]["chain"]) | {"aboard"},  # only for cargo aboard
        Task: set(data["tasks"][0]),
        # also: written only when there is a second good; ship: only for cargo aboard
        Leg: set(data["legs"][0]) | {"also", "ship"},
        ShipPlan: set(data["ships"][0]),
        ScheduledLeg: set(data["ships"][0]["legs"][0]) | {"ship"},  # the ship is the parent's
        Rejection: set(data["rejected"][0]),
    }
    for cls, keys in written.items():
        missing = {f.name for f in dataclasses.fields(cls)} - keys
        assert missing == set(), f"{cls.__name__} fields not in the plan file: {missing}"


def test_learned_figures_round_trip_and_are_left_out_when_there_are_none():
    plan = _sample_plan()
    back = parse_plan(dump_plan(plan), "p.yaml")
    assert back.provenance.learned == {"production_lag_s": {"value": 1620, "observations": 4}}
    plain = dataclasses.replace(plan, provenance=dataclasses.replace(plan.provenance, learned={}))
    assert "learned" not in yaml.safe_load(dump_plan(plain))["provenance"]


def test_file_starts_with_a_do_not_edit_header():
    text = dump_plan(_sample_plan())
    assert text.startswith("# plancc plan file")
    assert "Do not edit by hand" in text.splitlines()[0] + text.splitlines()[1]


def test_tasks_are_written_in_dependency_order():
    plan = canonical_plan(_sample_plan())
    seen: set[str] = set()
    for t in plan.tasks:
        assert set(t.depends_on) <= seen, t.id
        seen.add(t.id)


def test_written_plan_validates_against_the_schema():
    data = yaml.safe_load(dump_plan(_sample_plan()))
    errors = list(Draft202012Validator(plan_schema()).iter_errors(data))
    assert errors == []


def test_schema_file_in_repo_is_a_valid_2020_12_schema():
    schema = json.loads((REPO / "schemas" / "plan.schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"].endswith("2020-12/schema")


def test_only_the_snapshot_time_appears_as_a_time():
    text = dump_plan(_sample_plan())
    assert text.count("2025-04-09T") == 1
    assert "snapshot_time: '2025-04-09T12:46:33.179000Z'" in text


def test_a_retimed_leg_changes_one_line():
    plan = _sample_plan()
    ship = plan.ships[-1]
    moved = dataclasses.replace(
        ship, legs=(dataclasses.replace(ship.legs[0], start_s=1, load_s=101), *ship.legs[1:])
    )
    changed = dataclasses.replace(plan, ships=(*plan.ships[:-1], moved))
    old, new = dump_plan(plan).splitlines(), dump_plan(changed).splitlines()
    assert len(old) == len(new)
    assert sum(a != b for a, b in zip(old, new, strict=True)) == 1


def test_empty_plan_round_trips():
    plan = dataclasses.replace(
        canonical_plan(_sample_plan()),
        objective=Objective("list", "EMPTY", 0, 0, 0.0, 0, 0),
        pipelines=(),
        tasks=(),
        legs=(),
        ships=(),
    )
    text = dump_plan(plan)
    assert "pipelines: []" in text
    assert parse_plan(text, "e.yaml") == plan


def _bad(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def _line_of(text: str, needle: str) -> int:
    for i, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return i
    raise AssertionError(needle)


def test_bad_task_type_is_reported_at_its_line_and_column():
    text = _bad(dump_plan(_sample_plan()), "type: SELL", "type: SHIP")
    with pytest.raises(InputError) as exc:
        parse_plan(text, "p.yaml")
    line = _line_of(text, "type: SHIP")
    col = text.splitlines()[line - 1].index("SHIP") + 1
    assert str(exc.value).startswith(f"p.yaml:{line}:{col}: tasks[5].type: ")


def test_unknown_field_is_named_with_its_position():
    text = _bad(dump_plan(_sample_plan()), "  bound_s: 800\n", "  bound_s: 800\n  bonus: 3\n")
    with pytest.raises(InputError) as exc:
        parse_plan(text, "p.yaml")
    assert (
        str(exc.value)
        == f"p.yaml:{_line_of(text, 'bonus')}:3: objective.bonus: unknown field 'bonus'"
    )


def test_missing_field_points_at_its_parent():
    text = _bad(dump_plan(_sample_plan()), "  system: X1-AD75\n", "")
    with pytest.raises(InputError) as exc:
        parse_plan(text, "p.yaml")
    assert str(exc.value).startswith(f"p.yaml:{_line_of(text, 'plancc_version')}:3: provenance: ")
    assert "missing required field 'system'" in str(exc.value)


def test_broken_yaml_gives_file_line_column():
    text = _bad(dump_plan(_sample_plan()), "status: HEURISTIC", "status: [HEURISTIC")
    with pytest.raises(InputError) as exc:
        parse_plan(text, "p.yaml")
    assert str(exc.value).startswith("p.yaml:")
    assert "malformed YAML" in str(exc.value)
    assert str(exc.value).split(":")[1].isdigit()


def test_dependency_on_an_unknown_task_is_reported():
    plan = _sample_plan()
    dep = f"- {P}/acquire/ELECTRONICS@X1-AD75-H50#1\n"
    text = _bad(dump_plan(plan), "  " + dep, "  - NOPE\n")
    with pytest.raises(InputError) as exc:
        parse_plan(text, "p.yaml")
    assert (
        str(exc.value)
        == f"p.yaml:{_line_of(text, '- NOPE')}:5: tasks[2].depends_on[0]: unknown task 'NOPE'"
    )


def test_leg_scheduled_on_two_ships_is_rejected():
    plan = _sample_plan()
    s1, s2 = sorted(plan.ships, key=lambda s: s.ship)
    twice = dataclasses.replace(
        s2,
        legs=(
            *s2.legs,
            dataclasses.replace(
                s1.legs[0], ship=s2.ship, start_s=2000, load_s=2000, unload_s=2000, end_s=2000
            ),
        ),
    )
    with pytest.raises(InputError, match="scheduled twice"):
        parse_plan(dump_plan(dataclasses.replace(plan, ships=(s1, twice))), "p.yaml")


def test_dependency_cycle_is_rejected():
    plan = _sample_plan()
    tasks = list(plan.tasks)
    sell = tasks[0]
    acquire = tasks[-1]
    tasks[-1] = dataclasses.replace(acquire, depends_on=(sell.id,))
    with pytest.raises(InputError, match="dependency cycle"):
        parse_plan(dump_plan(dataclasses.replace(plan, tasks=tuple(tasks))), "p.yaml")


def test_newer_format_version_asks_for_an_upgrade():
    text = _bad(dump_plan(_sample_plan()), "format_version: 2", "format_version: 3")
    with pytest.raises(InputError, match="upgrade plancc"):
        parse_plan(text, "p.yaml")


def test_format_1_plan_is_refused_with_a_message_to_recompile():
    text = _bad(dump_plan(_sample_plan()), "format_version: 2", "format_version: 1")
    with pytest.raises(InputError, match=r"older than this plancc reads \(2\): recompile") as exc:
        parse_plan(text, "p.yaml")
    assert exc.value.where is not None and exc.value.where.line == 4


def test_lots_that_do_not_add_up_to_the_task_are_rejected():
    text = _bad(
        dump_plan(_sample_plan()), "{units: 8, unit_price: 715}", "{units: 9, unit_price: 715}"
    )
    with pytest.raises(InputError, match="lots carry 21 units, the task 20"):
        parse_plan(text, "p.yaml")


def test_a_flight_mode_is_needed_for_every_hop():
    text = _bad(dump_plan(_sample_plan()), "modes_to_load: [CRUISE, BURN]", "modes_to_load: [BURN]")
    with pytest.raises(InputError, match=r"1 flight mode\(s\) for 2 hop\(s\)"):
        parse_plan(text, "p.yaml")


def test_an_unknown_flight_mode_is_rejected():
    text = _bad(
        dump_plan(_sample_plan()), "modes_to_load: [CRUISE, BURN]", "modes_to_load: [CRUISE, WARP]"
    )
    with pytest.raises(InputError, match="modes_to_load"):
        parse_plan(text, "p.yaml")


def test_a_leg_carrying_a_second_good_round_trips():
    plan = canonical_plan(_sample_plan())
    first, second = plan.legs[0], plan.legs[1]
    shared = dataclasses.replace(
        first, also=(LegGood(second.good, second.quantity, second.load, second.unload),)
    )
    plan = dataclasses.replace(plan, legs=(shared, *plan.legs[1:]))
    text = dump_plan(plan)
    assert "also:" in text
    assert parse_plan(text, "p.yaml").legs[0].also == shared.also


def _sharing(**change):
    """The sample plan's first leg carrying the second's good too (``change``: to that good)."""
    plan = canonical_plan(_sample_plan())
    first, second = plan.legs[0], plan.legs[1]
    extra = dataclasses.replace(
        LegGood(second.good, second.quantity, second.load, second.unload), **change
    )
    return dump_plan(dataclasses.replace(plan, legs=(dataclasses.replace(first, also=(extra,)),)))


def test_a_second_good_loaded_at_another_market_than_its_leg_is_rejected():
    text = _sharing(load=canonical_plan(_sample_plan()).legs[2].load)
    with pytest.raises(
        InputError, match="load at X1-AD75-D43, but the leg's own load is at X1-AD75-H50"
    ) as exc:
        parse_plan(text, "p.yaml")
    assert exc.value.field == "legs[0].also[0].load"


def test_a_second_good_unloaded_elsewhere_than_its_leg_is_rejected():
    plan = canonical_plan(_sample_plan())
    text = _sharing(unload=plan.tasks[-1].id)  # the SELL at A2, not the DELIVER at D43
    with pytest.raises(InputError, match="unload at X1-AD75-A2, but the leg's own unload") as exc:
        parse_plan(text, "p.yaml")
    assert exc.value.field == "legs[0].also[0].unload"


def test_goods_sharing_a_leg_must_fit_its_hold():
    text = _sharing().replace("hold: 40", "hold: 30", 1)
    with pytest.raises(InputError, match="add up to 40 units, more than its hold 30"):
        parse_plan(text, "p.yaml")


def test_one_good_twice_on_a_leg_is_rejected():
    plan = canonical_plan(_sample_plan())
    first = plan.legs[0]
    text = _sharing(good=first.good)
    with pytest.raises(InputError, match="ELECTRONICS"):
        parse_plan(text, "p.yaml")


def test_load_plan_names_a_missing_file(tmp_path):
    with pytest.raises(InputError) as exc:
        load_plan(tmp_path / "gone.yaml")
    assert str(exc.value) == f"{tmp_path / 'gone.yaml'}: no such plan file"


def test_load_plan_reads_what_dump_wrote(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(dump_plan(_sample_plan()), encoding="utf-8")
    assert load_plan(path) == canonical_plan(_sample_plan())


_symbol = st.from_regex(r"[A-Z][A-Z_]{0,6}", fullmatch=True)


@settings(max_examples=30, deadline=None)
@given(
    goods=st.lists(_symbol, min_size=1, max_size=4, unique=True),
    qty=st.integers(1, 200),
    seed_times=st.lists(st.integers(0, 5000), min_size=1, max_size=4),
)
def test_ids_and_bytes_are_stable_under_reordering(goods, qty, seed_times):
    """Any plan, dumped from any list order, gives the same bytes and round-trips."""
    pid = f"{goods[0]}@X1-S-A1"
    tasks, legs, sched = [], [], []
    for i, g in enumerate(goods):
        a = Task(f"{pid}/acquire/{g}#1", "ACQUIRE", pid, g, qty, "X1-S-B1")
        s = Task(f"{pid}/sell/{g}#1", "SELL", pid, g, qty, "X1-S-A1", (a.id,))
        leg = Leg(f"{pid}/leg/{g}#1", a.id, s.id, g, qty, pid, hold=qty)
        # each leg in its own window of time: one ship flies one leg at a time
        t0 = i * 5004 + seed_times[i % len(seed_times)]
        tasks += [a, s]
        legs.append(leg)
        sched.append(
            ScheduledLeg(
                leg.id, "S-1", t0, t0 + 1, t0 + 2, t0 + 3, (), (), ("CRUISE",), ("CRUISE",)
            )
        )
    chain = ChainNode(goods[0], "BUY", "X1-S-B1", qty, 10)
    plan = Plan(
        FORMAT_VERSION,
        Provenance("0.1.0", datetime(2025, 1, 1, tzinfo=UTC), "X1-S", {"snapshot": SHA}),
        Objective("greedy", "HEURISTIC", 10, 5, 0.5, 10, 20),
        (Pipeline(pid, goods[0], "X1-S-A1", qty, chain, 10, 20, 2),),
        tuple(tasks),
        tuple(legs),
        (ShipPlan("S-1", tuple(sched)),),
    )
    reordered = dataclasses.replace(
        plan,
        tasks=tuple(reversed(plan.tasks)),
        legs=tuple(reversed(plan.legs)),
        ships=(ShipPlan("S-1", tuple(reversed(sched))),),
    )
    text = dump_plan(plan)
    assert dump_plan(reordered) == text
    assert parse_plan(text, "h.yaml") == canonical_plan(plan)


def test_duplicate_key_is_reported_at_the_second_one():
    text = _bad(dump_plan(_sample_plan()), "  bound_s: 800\n", "  bound_s: 800\n  bound_s: 900\n")
    with pytest.raises(InputError) as exc:
        parse_plan(text, "p.yaml")
    assert str(exc.value) == (
        f"p.yaml:{_line_of(text, 'bound_s: 900')}:3: objective.bound_s: duplicate key 'bound_s'"
        f" (first at line {_line_of(text, 'bound_s: 800')})"
    )


@pytest.mark.parametrize("text", ["", "# only a comment\n", "- a list\n"])
def test_a_file_that_is_not_a_plan_mapping_is_rejected_at_line_1(text):
    with pytest.raises(InputError) as exc:
        parse_plan(text, "p.yaml")
    assert str(exc.value).startswith("p.yaml:1:1: ")


def test_error_deep_in_a_chain_names_the_whole_path():
    text = _bad(dump_plan(_sample_plan()), "method: BUY", "method: STEAL")
    with pytest.raises(InputError) as exc:
        parse_plan(text, "p.yaml")
    line = _line_of(text, "method: STEAL")
    assert str(exc.value).startswith(
        f"p.yaml:{line}:15: pipelines[0].chain.children[0].method: 'STEAL' is not one of"
    )


def test_duplicate_task_ids_are_written_and_then_rejected_not_lost():
    plan = _sample_plan()
    doubled = dataclasses.replace(plan, tasks=(*plan.tasks, plan.tasks[0]))
    text = dump_plan(doubled)
    assert text.count(f"- id: {plan.tasks[0].id}\n") == 2
    with pytest.raises(InputError, match="duplicate task id"):
        parse_plan(text, "p.yaml")


def test_refuel_stops_of_a_leg_are_written_in_order_and_read_back():
    """The runner flies the route the scheduler assumed: the stops survive the file."""
    text = dump_plan(_sample_plan())
    data = yaml.safe_load(text)
    first = data["ships"][0]["legs"][0]
    assert first["refuel_to_load"] == ["X1-AD75-B6"]
    assert first["refuel_to_unload"] == ["X1-AD75-C9", "X1-AD75-B6"]
    back = parse_plan(text, "p.yaml").ships[0].legs[0]
    assert back.refuel_to_unload == ("X1-AD75-C9", "X1-AD75-B6")


def test_a_direct_leg_writes_no_refuel_keys():
    """Plans without stops keep their lines: no empty lists to churn a diff."""
    data = yaml.safe_load(dump_plan(_sample_plan()))
    direct = data["ships"][0]["legs"][1]
    assert "refuel_to_load" not in direct and "refuel_to_unload" not in direct


def test_deeply_nested_plan_is_one_clear_error_not_a_crash():
    text = "format_version: 1\nprovenance: " + "[" * 100 + "]" * 100 + "\n"
    with pytest.raises(InputError) as exc:
        parse_plan(text, "deep.yaml")
    assert str(exc.value).startswith("deep.yaml:2:")
    assert "nested more than" in str(exc.value)


def test_alias_bomb_in_a_plan_is_refused_quickly_at_a_position():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]
    with pytest.raises(InputError) as exc:
        parse_plan("\n".join(lines) + "\n", "bomb.yaml")
    assert str(exc.value).startswith("bomb.yaml:")
    assert "aliases repeat" in str(exc.value)
