"""``plancc snapshot`` against a small fake SpaceTraders server on 127.0.0.1."""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Iterator
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

import httpx
import pytest
from click.testing import CliRunner

from plancc.api import Client
from plancc.cli import cli
from plancc.load import load_snapshot
from plancc.snapshot import take_snapshot

TOKEN = "agent-token-7f3a"
DATE = "Tue, 24 Nov 2026 20:00:00 GMT"


def _wp(symbol: str, x: int, traits: list[str]) -> dict[str, Any]:
    return {
        "systemSymbol": symbol.rsplit("-", 1)[0],
        "symbol": symbol,
        "type": "PLANET",
        "x": x,
        "y": -x,
        "orbitals": [],
        "traits": [{"symbol": t, "name": t.title(), "description": ""} for t in traits],
        "modifiers": [],
        "chart": {"submittedBy": "COSMIC", "submittedOn": "2026-11-01T00:00:00.000Z"},
        "faction": {"symbol": "COSMIC"},
        "isUnderConstruction": False,
        "orbits": None,  # the live server sometimes sends null for optional fields
    }


def _good(symbol: str) -> dict[str, Any]:
    return {"symbol": symbol, "name": symbol.title(), "description": ""}


def _world() -> dict[str, Any]:
    ship = {
        "symbol": "ME-1",
        "registration": {"name": "ME-1", "factionSymbol": "COSMIC", "role": "COMMAND"},
        "nav": {
            "systemSymbol": "X1-A",
            "waypointSymbol": "X1-A-B2",
            "route": {
                "origin": {
                    "symbol": "X1-A-A1",
                    "type": "PLANET",
                    "systemSymbol": "X1-A",
                    "x": 1,
                    "y": -1,
                },
                "destination": {
                    "symbol": "X1-A-B2",
                    "type": "PLANET",
                    "systemSymbol": "X1-A",
                    "x": 2,
                    "y": -2,
                },
                "departureTime": "2026-11-24T19:00:00.000Z",
                "arrival": "2026-11-24T19:01:00.000Z",
            },
            "status": "DOCKED",
            "flightMode": "CRUISE",
        },
        "frame": {"symbol": "FRAME_FRIGATE"},
        "engine": {"symbol": "ENGINE_ION_DRIVE_II", "speed": 36},
        "cargo": {"capacity": 40, "units": 0, "inventory": []},
        "fuel": {"current": 400, "capacity": 400},
    }
    seen = {
        "symbol": "X1-A-B2",
        "exports": [_good("IRON")],
        "imports": [_good("IRON_ORE")],
        "exchange": [],
        "tradeGoods": [
            {
                "symbol": "IRON",
                "type": "EXPORT",
                "tradeVolume": 20,
                "supply": "HIGH",
                "activity": "WEAK",
                "purchasePrice": 120,
                "sellPrice": 100,
            }
        ],
    }
    unseen = {"symbol": "X1-A-A1", "exports": [], "imports": [_good("IRON")], "exchange": []}
    return {
        "agent": {
            "accountId": "acc",
            "symbol": "ME",
            "headquarters": "X1-A-A1",
            "credits": 150000,
            "startingFaction": "COSMIC",
            "shipCount": 1,
        },
        "ships": [ship],
        "waypoints": {
            "X1-A": [
                _wp("X1-A-B2", 2, ["MARKETPLACE"]),
                _wp("X1-A-A1", 1, ["MARKETPLACE", "SHIPYARD"]),
                _wp("X1-A-C3", 3, ["BARREN"]),
            ],
            "X1-Z": [_wp("X1-Z-Q9", 9, ["MARKETPLACE"])],
        },
        "markets": {
            "X1-A-B2": seen,
            "X1-A-A1": unseen,
            "X1-Z-Q9": {"symbol": "X1-Z-Q9", "exports": [], "imports": [], "exchange": []},
        },
    }


def _shuffled(obj: Any, rng: random.Random) -> Any:
    """The same JSON with every object's keys in a random order."""
    if isinstance(obj, dict):
        keys = list(obj)
        rng.shuffle(keys)
        return {k: _shuffled(obj[k], rng) for k in keys}
    if isinstance(obj, list):
        return [_shuffled(v, rng) for v in obj]
    return obj


class FakeApi:
    """Just enough of the API for a snapshot; ``shuffle`` re-orders keys on every answer."""

    def __init__(self, shuffle_seed: int | None = None) -> None:
        self.world = _world()
        self.rng = random.Random(shuffle_seed) if shuffle_seed is not None else None
        self.paths: list[str] = []

    def answer(self, method: str, path: str, auth: str | None, query: str) -> tuple[int, Any]:
        self.paths.append(path)
        if auth != f"Bearer {TOKEN}":
            return 401, {"error": {"message": "Invalid agent token.", "code": 4100}}
        parts = path.removeprefix("/v2/").split("/")
        w = self.world
        if parts == ["my", "agent"]:
            return 200, {"data": w["agent"]}
        if parts == ["my", "ships"]:
            return 200, {"data": w["ships"], "meta": {"total": 1, "page": 1, "limit": 20}}
        if len(parts) == 3 and parts[0] == "systems" and parts[2] == "waypoints":
            items = w["waypoints"].get(parts[1], [])
            return 200, {"data": items, "meta": {"total": len(items), "page": 1, "limit": 20}}
        if len(parts) == 5 and parts[4] == "market":
            return 200, {"data": w["markets"][parts[3]]}
        return 404, {"error": {"message": "not found", "code": 404}}

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        status, body = self.answer(
            environ["REQUEST_METHOD"],
            environ["PATH_INFO"],
            environ.get("HTTP_AUTHORIZATION"),
            environ.get("QUERY_STRING", ""),
        )
        if self.rng is not None:
            body = _shuffled(body, self.rng)
        data = json.dumps(body).encode()
        start_response(
            f"{status} X",
            [
                ("content-type", "application/json"),
                ("date", DATE),
                ("content-length", str(len(data))),
            ],
        )
        return [data]


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def serve() -> Iterator[Any]:
    servers = []

    def start(app: FakeApi) -> str:
        server = make_server("127.0.0.1", 0, app, handler_class=_Quiet)
        threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}/v2"

    yield start
    for s in servers:
        s.shutdown()
        s.server_close()


def run(args: list[str], **env: str) -> Any:
    env.setdefault("SPACETRADERS_TOKEN", TOKEN)
    env.setdefault("PLANCC_TOKEN_FILE", "")
    return CliRunner().invoke(cli, ["snapshot", *args], env=env)


def test_snapshot_writes_the_api_objects_unchanged_under_the_snapshot_keys(serve, tmp_path):
    api = FakeApi()
    url = serve(api)
    out = tmp_path / "snap.json"
    result = run(["--api-url", url, "-o", str(out)])
    assert result.exit_code == 0, result.output
    snap = json.loads(out.read_text())
    world = _world()
    assert list(snap) == [
        "system", "capturedAt", "agent", "ships", "waypoints", "markets", "observedAt"
    ]  # fmt: skip
    assert snap["system"] == "X1-A"
    assert snap["agent"] == world["agent"]
    assert snap["ships"] == world["ships"]
    assert snap["waypoints"] == sorted(world["waypoints"]["X1-A"], key=lambda w: w["symbol"])
    assert snap["markets"] == [world["markets"]["X1-A-A1"], world["markets"]["X1-A-B2"]]
    assert snap["waypoints"][0]["orbits"] is None  # nulls kept as the server sent them


def test_snapshot_talks_to_plancc_api_url_when_no_api_url_option_is_given(serve, tmp_path):
    api = FakeApi()
    out = tmp_path / "snap.json"
    result = run(["-o", str(out)], PLANCC_API_URL=serve(api))
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["system"] == "X1-A"


def test_snapshot_api_url_option_wins_over_plancc_api_url(serve, tmp_path):
    out = tmp_path / "snap.json"
    unused = "http://127.0.0.1:9/v2"  # discard port: connecting there would fail
    result = run(["--api-url", serve(FakeApi()), "-o", str(out)], PLANCC_API_URL=unused)
    assert result.exit_code == 0, result.output


def test_snapshot_times_come_from_the_server_date_header(serve, tmp_path):
    url = serve(FakeApi())
    out = tmp_path / "snap.json"
    run(["--api-url", url, "-o", str(out)])
    snap = json.loads(out.read_text())
    assert snap["capturedAt"] == "2026-11-24T20:00:00.000Z"
    assert snap["observedAt"] == {"X1-A-B2": "2026-11-24T20:00:00.000Z"}  # only where seen


def test_snapshot_reads_another_system_when_asked(serve, tmp_path):
    api = FakeApi()
    url = serve(api)
    out = tmp_path / "snap.json"
    result = run(["--api-url", url, "--system", "X1-Z", "-o", str(out)])
    assert result.exit_code == 0, result.output
    snap = json.loads(out.read_text())
    assert snap["system"] == "X1-Z"
    assert [m["symbol"] for m in snap["markets"]] == ["X1-Z-Q9"]
    assert snap["observedAt"] == {}


def test_snapshot_is_byte_identical_whatever_key_order_the_server_uses(serve, tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    run(["--api-url", serve(FakeApi(shuffle_seed=1)), "-o", str(a)])
    run(["--api-url", serve(FakeApi(shuffle_seed=2)), "-o", str(b)])
    assert a.read_bytes() == b.read_bytes()


def test_snapshot_file_loads_as_a_plancc_snapshot(serve, tmp_path):
    out = tmp_path / "snap.json"
    run(["--api-url", serve(FakeApi()), "-o", str(out)])
    snap = load_snapshot(out)
    assert snap.system == "X1-A"
    assert snap.market("X1-A-B2").good("IRON").supply == "HIGH"
    assert snap.market("X1-A-B2").observed_at is not None
    assert [s.symbol for s in snap.ships] == ["ME-1"]


def test_snapshot_progress_goes_to_stderr_and_stdout_stays_empty(serve, tmp_path):
    result = run(["--api-url", serve(FakeApi()), "-o", str(tmp_path / "s.json")])
    assert result.stdout == ""
    assert "market 2/2 X1-A-B2 (trade goods)" in result.stderr
    assert "wrote" in result.stderr


def test_snapshot_reads_the_token_from_a_token_file(serve, tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    out = tmp_path / "snap.json"
    result = run(
        ["--api-url", serve(FakeApi()), "--token-file", str(token_file), "-o", str(out)],
        SPACETRADERS_TOKEN="",
    )
    assert result.exit_code == 0, result.output
    assert out.is_file()


def test_snapshot_with_a_refused_token_prints_one_line_and_exits_1(serve, tmp_path):
    out = tmp_path / "snap.json"
    result = run(["--api-url", serve(FakeApi()), "-o", str(out)], SPACETRADERS_TOKEN="wrong")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "error: GET /my/agent: Invalid agent token. (code 4100)"
    ]
    assert "Traceback" not in result.output
    assert not out.exists()


def test_snapshot_without_any_token_exits_2(tmp_path):
    result = run(["-o", str(tmp_path / "s.json")], SPACETRADERS_TOKEN="")
    assert result.exit_code == 2
    assert "no agent token" in result.stderr


def test_snapshot_with_an_unreadable_token_file_exits_2(tmp_path):
    missing = tmp_path / "nope"
    result = run(["--token-file", str(missing), "-o", str(tmp_path / "s.json")])
    assert result.exit_code == 2
    assert str(missing) in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_snapshot_without_output_option_is_a_usage_error():
    result = run([])
    assert result.exit_code == 2


def test_take_snapshot_over_any_transport():
    api = FakeApi()

    def handler(request: httpx.Request) -> httpx.Response:
        status, body = api.answer(
            request.method,
            request.url.path,
            request.headers.get("authorization"),
            request.url.query.decode(),
        )
        return httpx.Response(status, json=body, headers={"date": DATE})

    client = Client("https://st.test/v2", TOKEN, transport=httpx.MockTransport(handler))
    snap = take_snapshot(client)
    assert [m["symbol"] for m in snap["markets"]] == ["X1-A-A1", "X1-A-B2"]
    assert (
        client.request_counts["GET /systems/{systemSymbol}/waypoints/{waypointSymbol}/market"] == 2
    )
    assert client.total_requests == 5


def test_snapshot_with_a_malformed_api_url_exits_2_at_once(tmp_path):
    result = run(["--api-url", "127.0.0.1:8080/v2", "-o", str(tmp_path / "s.json")])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "error: api-url: API URL must start with http:// or https://, got '127.0.0.1:8080/v2'"
    )


def test_snapshot_never_writes_a_file_validate_rejects(serve, tmp_path):
    """The server's answer is checked as `plancc validate` checks a file, before writing."""
    api = FakeApi()
    api.world["ships"][0]["nav"]["waypointSymbol"] = "X1-A-NOWHERE"
    out = tmp_path / "snap.json"
    out.write_text("previous snapshot\n")
    result = run(["--api-url", serve(api), "-o", str(out)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert lines[-2] == (
        f"{out}: not written: the server's answer makes a snapshot `plancc validate` rejects"
    )
    assert "ships[0].nav.waypointSymbol: ship 'ME-1' is at 'X1-A-NOWHERE'" in lines[-1]
    assert out.read_text() == "previous snapshot\n"
