"""Shared fixtures: where the repo, the shared folder and the official API spec are."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


def spec_dir() -> Path | None:
    """The official SpaceTraders spec folder: $PLANCC_API_SPEC, else ../shared/spacetraders-api."""
    env = os.environ.get("PLANCC_API_SPEC")
    candidate = Path(env) if env else SHARED / "spacetraders-api"
    return candidate if (candidate / "reference" / "SpaceTraders.json").is_file() else None


@pytest.fixture(scope="session")
def api_spec_dir() -> Path:
    """Skip visibly when the spec is absent; fail instead when PLANCC_REQUIRE_SPEC=1 (CI)."""
    found = spec_dir()
    if found is None:
        reason = "official SpaceTraders spec not found (set PLANCC_API_SPEC or put ../shared beside the repo)"
        if os.environ.get("PLANCC_REQUIRE_SPEC") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return found


@pytest.fixture(scope="session")
def realdata_snapshot_path() -> Path:
    p = SHARED / "realdata" / "X1-AD75-universe-snapshot.json"
    if not p.is_file():
        if os.environ.get("PLANCC_REQUIRE_SPEC") == "1":
            pytest.fail(f"real data missing: {p}")
        pytest.skip(f"real data missing: {p}")
    return p
