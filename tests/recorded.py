"""The recorded X1-AD75 system as the compiler sees it: bundled recipes and policy, and the
snapshot plans/example.yaml is compiled from (loaded once per test process)."""

from __future__ import annotations

from functools import cache

from dev.example_plan import SNAPSHOT
from plancc.inputs import POLICY_NAME, bundled_recipes_dir, recipe_files
from plancc.load import load_policy, load_recipes, load_snapshot
from plancc.model import Policy, RecipeBook, Snapshot

INPUTS = {"snapshot": "sha256:" + "0" * 64}


@cache
def recorded() -> tuple[RecipeBook, Policy, Snapshot]:
    book = load_recipes(recipe_files([]))
    policy = load_policy(bundled_recipes_dir() / POLICY_NAME)
    return book, policy, load_snapshot(SNAPSHOT)
