"""Recipe files -> RecipeBook (plancc.load.load_recipes) and the bundled supply chain."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from conftest import REPO

from plancc.errors import InputErrors
from plancc.load import default_recipe_path, load_recipes, schema, trade_symbols

SUPPLY_CHAIN = REPO / "recipes" / "supply-chain.yaml"
DESIGN_RAW = {  # the design doc's raw materials: minerals, ores, volatiles, biologicals, FOOD, FABRICS
    "DIAMONDS", "PLATINUM", "GOLD", "SILVER", "COPPER", "ALUMINUM",
    "IRON_ORE", "COPPER_ORE", "ALUMINUM_ORE", "GOLD_ORE", "SILVER_ORE", "PLATINUM_ORE",
    "ICE_WATER", "LIQUID_HYDROGEN", "LIQUID_NITROGEN", "HYDROCARBON", "AMMONIA_ICE",
    "POLYNUCLEOTIDES", "FABRICS", "FOOD",
}  # fmt: skip

Write = Callable[[str, str], Path]


@pytest.fixture
def write(tmp_path: Path) -> Write:
    def _write(name: str, text: str) -> Path:
        p = tmp_path / name
        p.write_text(text)
        return p

    return _write


def _server_map(api_spec_dir: Path) -> dict[str, list[str]]:
    data = json.loads((api_spec_dir / "supply-chain.json").read_text())
    result: dict[str, list[str]] = data["data"]["exportToImportMap"]
    return result


def _problems(exc: pytest.ExceptionInfo[InputErrors]) -> list[str]:
    return [str(e) for e in exc.value.errors]


# --- the bundled supply chain -----------------------------------------------------------------


def test_default_supply_chain_loads_with_the_loop_cut() -> None:
    book = load_recipes([SUPPLY_CHAIN])
    # EXPLOSIVES -> LIQUID_HYDROGEN -> MACHINERY -> IRON -> IRON_ORE -> EXPLOSIVES is cut twice
    assert book.inputs("EXPLOSIVES") == ("LIQUID_HYDROGEN", "LIQUID_NITROGEN")
    assert book.is_raw("LIQUID_HYDROGEN") and book.is_raw("IRON_ORE")
    assert book.is_manufactured("MACHINERY") and book.is_manufactured("IRON")


def test_every_chain_of_the_default_supply_chain_ends_at_raw_goods() -> None:
    book = load_recipes([SUPPLY_CHAIN])

    def leaves(good: str, seen: tuple[str, ...] = ()) -> set[str]:
        assert good not in seen, f"loop: {(*seen, good)}"
        if book.is_raw(good) or good not in book.recipes:
            return {good}
        return set().union(*(leaves(g, (*seen, good)) for g in book.inputs(good)))

    for good in book.recipes:
        assert leaves(good) <= book.raw, good


def test_default_raw_list_starts_from_the_design_list() -> None:
    assert DESIGN_RAW.issubset(load_recipes([SUPPLY_CHAIN]).raw)


def test_default_supply_chain_keeps_the_servers_inputs_in_order(api_spec_dir: Path) -> None:
    book = load_recipes([SUPPLY_CHAIN])
    for good, inputs in _server_map(api_spec_dir).items():
        if book.is_raw(good):
            continue
        assert book.inputs(good) == tuple(dict.fromkeys(inputs)), good


def test_every_server_good_is_raw_or_has_a_recipe(api_spec_dir: Path) -> None:
    book = load_recipes([SUPPLY_CHAIN])
    missing = [g for g in _server_map(api_spec_dir) if g not in book.raw and g not in book.recipes]
    assert missing == []


def test_the_servers_duplicate_input_is_listed_once_with_a_note() -> None:
    recipe = load_recipes([SUPPLY_CHAIN]).recipes["MODULE_WARP_DRIVE_III"]
    assert recipe.inputs == ("PLATINUM", "ADVANCED_CIRCUITRY", "MERITIUM")
    assert "MERITIUM, MERITIUM" in recipe.note


def test_the_servers_own_map_has_the_loop_the_raw_list_cuts(
    write: Write, api_spec_dir: Path
) -> None:
    goods = {g: list(dict.fromkeys(i)) for g, i in _server_map(api_spec_dir).items()}
    path = write("server.yaml", yaml.safe_dump({"goods": goods}))
    with pytest.raises(InputErrors) as exc:
        load_recipes([path])
    [problem] = _problems(exc)
    assert (
        "cycle not cut by a raw material: "
        "EXPLOSIVES -> LIQUID_HYDROGEN -> MACHINERY -> IRON -> IRON_ORE -> EXPLOSIVES"
    ) in problem


def test_recipe_source_names_file_and_line() -> None:
    recipe = load_recipes([SUPPLY_CHAIN]).recipes["ADVANCED_CIRCUITRY"]
    line = next(
        i
        for i, text in enumerate(SUPPLY_CHAIN.read_text().splitlines(), 1)
        if text.startswith("  ADVANCED_CIRCUITRY:")
    )
    assert recipe.source == f"{SUPPLY_CHAIN}:{line}"


def test_bundled_recipes_are_found_through_the_package() -> None:
    assert default_recipe_path().read_text() == SUPPLY_CHAIN.read_text()


def test_known_goods_are_the_specs_trade_symbols(api_spec_dir: Path) -> None:
    spec = json.loads((api_spec_dir / "models" / "TradeSymbol.json").read_text())
    assert trade_symbols() == frozenset(spec["enum"])


def test_recipe_schema_accepts_both_recipe_forms(write: Write) -> None:
    path = write(
        "r.yaml", "goods:\n  CLOTHING: [FABRICS]\n  FOOD: {inputs: [FERTILIZERS], note: farmed}\n"
    )
    book = load_recipes([path])
    assert book.inputs("CLOTHING") == ("FABRICS",)
    assert book.recipes["FOOD"].note == "farmed"


def test_recipe_schema_is_draft_2020_12() -> None:
    assert schema("recipe")["$schema"] == "https://json-schema.org/draft/2020-12/schema"


# --- merging ------------------------------------------------------------------------------------


def test_a_later_file_overrides_a_good(write: Write) -> None:
    extra = write("extra.yaml", "goods:\n  EQUIPMENT: [ALUMINUM]\n")
    book = load_recipes([SUPPLY_CHAIN, extra])
    assert book.inputs("EQUIPMENT") == ("ALUMINUM",)
    assert book.recipes["EQUIPMENT"].source == f"{extra}:2"


def test_a_later_raw_entry_makes_a_good_raw(write: Write) -> None:
    extra = write("extra.yaml", "raw: [MACHINERY]\n")
    book = load_recipes([SUPPLY_CHAIN, extra])
    assert book.is_raw("MACHINERY")
    assert "MACHINERY" not in book.recipes


def test_a_later_recipe_makes_a_raw_good_manufactured(write: Write) -> None:
    extra = write("extra.yaml", "goods:\n  ALUMINUM: [ALUMINUM_ORE]\n")
    book = load_recipes([SUPPLY_CHAIN, extra])
    assert book.is_manufactured("ALUMINUM")
    assert not book.is_raw("ALUMINUM")


def test_a_good_defined_in_a_later_file_is_known_in_an_earlier_one(write: Write) -> None:
    first = write("a.yaml", "raw: [IRON]\ngoods:\n  WIDGETS: [GADGETS]\n")
    second = write("b.yaml", "goods:\n  GADGETS: [IRON]\n")
    book = load_recipes([first, second])
    assert book.inputs("WIDGETS") == ("GADGETS",)


def test_a_cycle_made_by_a_later_file_is_reported_there(write: Write) -> None:
    extra = write("loop.yaml", "goods:\n  LIQUID_HYDROGEN: [MACHINERY]\n  IRON_ORE: [EXPLOSIVES]\n")
    with pytest.raises(InputErrors) as exc:
        load_recipes([SUPPLY_CHAIN, extra])
    assert _problems(exc) == [
        f"{extra}:3:3: goods.IRON_ORE: cycle not cut by a raw material: EXPLOSIVES -> "
        "LIQUID_HYDROGEN -> MACHINERY -> IRON -> IRON_ORE -> EXPLOSIVES"
        " (list one of these goods under 'raw')"
    ]


# --- errors -------------------------------------------------------------------------------------


def test_all_problems_of_a_file_come_in_one_pass(write: Write) -> None:
    path = write("r.yaml", "raw: [FOOD]\ngoods:\n  CLOTHING: [FABRIC]\n  DRUGS: [AMMONIA_IC]\n")
    with pytest.raises(InputErrors) as exc:
        load_recipes([path])
    assert _problems(exc) == [
        f"{path}:3:14: goods.CLOTHING[0]: unknown good 'FABRIC' (did you mean 'FABRICS'?)",
        f"{path}:4:11: goods.DRUGS[0]: unknown good 'AMMONIA_IC' (did you mean 'AMMONIA_ICE'?)",
    ]


def test_problems_of_several_files_come_together(write: Write) -> None:
    a = write("a.yaml", "raw: [FOD]\n")
    b = write("b.yaml", "goods:\n  CLOTHING: [FABRICS, FABRICS]\n")
    with pytest.raises(InputErrors) as exc:
        load_recipes([a, b])
    assert [str(e.where.file) for e in exc.value.errors if e.where] == [str(a), str(b)]


def test_self_loop_is_a_cycle(write: Write) -> None:
    path = write("r.yaml", "goods:\n  GADGETS: [GADGETS]\n")
    with pytest.raises(InputErrors, match="GADGETS -> GADGETS"):
        load_recipes([path])


def test_empty_recipe_file_is_an_error(write: Write) -> None:
    with pytest.raises(InputErrors, match="empty recipe file"):
        load_recipes([write("r.yaml", "# nothing\n")])


def test_missing_recipe_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputErrors, match="no such file"):
        load_recipes([tmp_path / "nope.yaml"])


def test_anchors_and_aliases_still_locate_errors(write: Write) -> None:
    path = write(
        "r.yaml",
        "goods:\n  CLOTHING: &x [FABRICS]\n  MEDICINE: [FABRIC, POLYNUCLEOTIDES]\n  FOOD: *x\n",
    )
    with pytest.raises(InputErrors) as exc:
        load_recipes([path])
    assert _problems(exc) == [
        f"{path}:3:14: goods.MEDICINE[0]: unknown good 'FABRIC' (did you mean 'FABRICS'?)"
    ]


def test_a_malformed_entry_does_not_hide_the_files_other_problems(write: Write) -> None:
    path = write("r.yaml", "goods:\n  CLOTHING: 3\n  DRUGS: [AMMONIA_IC]\n")
    with pytest.raises(InputErrors) as exc:
        load_recipes([path])
    assert [(e.where.line, e.field) for e in exc.value.errors if e.where] == [
        (2, "goods.CLOTHING"),
        (3, "goods.DRUGS[0]"),
    ]


def test_the_servers_recipes_for_raw_goods_are_kept_as_comments(api_spec_dir: Path) -> None:
    noted = dict(
        re.findall(r"^  - ([A-Z_]+) +# server: made from (.+)$", SUPPLY_CHAIN.read_text(), re.M)
    )
    book = load_recipes([SUPPLY_CHAIN])
    server = _server_map(api_spec_dir)
    assert set(noted) == set(book.raw)
    assert {g: noted[g].split(", ") for g in noted} == {g: server[g] for g in noted}
