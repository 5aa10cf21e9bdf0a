"""The twin under hostile clients and hostile input files: every refusal is the API's error
envelope, a bad ``--from`` file is one line and exit 2, and a crowd of clients is served.

In-process through httpx where the app decides; over loopback (``plancc.sim.serve.listen``, the
server ``plancc sim serve`` runs) where the HTTP server itself decides.
"""

from __future__ import annotations

import json
import select
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from twin_fixtures import HAULER, mini_twin

from plancc.cli.sim import sim
from plancc.sim.app import MAX_BODY_BYTES, Twin
from plancc.sim.serve import listen

DATA = Path(__file__).resolve().parent / "data" / "hostile"
CLIENTS = 40


@pytest.fixture
def twin() -> Twin:
    return mini_twin()


class Loopback:
    """The loopback server of ``plancc sim serve``: bound and listening, serving once started."""

    def __init__(self, twin: Twin) -> None:
        self.server = listen(twin, 0)
        self.address = self.server.server_address[:2]
        self.serving = False

    def start(self) -> None:
        self.serving = True
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        if self.serving:
            self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def server(twin: Twin) -> Iterator[Loopback]:
    srv = Loopback(twin)
    yield srv
    srv.close()


def _raw(srv: Loopback, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send raw bytes, read the answer to EOF: status, headers, body."""
    srv.start()
    with socket.create_connection(srv.address, timeout=10) as s:
        s.sendall(request)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines)}
    return int(status_line.split()[1]), headers, body


# ---------------------------------------------------------------------------------------------
# Bodies the app refuses


def test_a_deeply_nested_json_body_gets_a_400_error_envelope(twin: Twin) -> None:
    deep = b'{"symbol":' + b"[" * 100_000 + b"]" * 100_000 + b',"units":1}'
    with twin.client() as api:
        r = api.post(f"/my/ships/{HAULER}/purchase", content=deep)
    assert r.status_code == 400
    assert r.json()["error"]["message"] == "request body is nested too deeply"


def test_a_body_over_the_size_limit_gets_a_413_envelope(twin: Twin) -> None:
    with twin.client() as api:
        r = api.post(f"/my/ships/{HAULER}/purchase", content=b" " * (MAX_BODY_BYTES + 1))
    assert r.status_code == 413
    assert r.json()["error"]["code"] == 413


def test_an_advance_of_hundreds_of_digits_is_refused_in_the_envelope(twin: Twin) -> None:
    root = twin.base_url.removesuffix("/v2")
    with twin.client() as api:
        r = api.post(f"{root}/_twin/advance", content=b'{"seconds": 1' + b"0" * 400 + b"}")
    assert r.status_code == 422
    assert r.json()["error"]["data"] == {"field": "seconds"}


# ---------------------------------------------------------------------------------------------
# Requests the HTTP server refuses before the app sees them


def test_a_too_long_request_line_gets_a_414_error_envelope(server: Loopback) -> None:
    status, headers, body = _raw(server, b"GET /v2/" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n")
    assert status == 414
    assert headers["content-type"].startswith("application/json")
    assert json.loads(body)["error"]["code"] == 414


def test_too_many_headers_get_a_431_error_envelope(server: Loopback) -> None:
    many = b"".join(b"X-H%d: 1\r\n" % i for i in range(200))
    status, _, body = _raw(server, b"GET /v2 HTTP/1.1\r\n" + many + b"\r\n")
    assert status == 431
    assert json.loads(body)["error"]["code"] == 431


def test_a_garbled_request_line_gets_a_400_error_envelope(server: Loopback) -> None:
    status, _, body = _raw(server, b"HELLO THERE GENERAL KENOBI\r\n\r\n")
    assert status == 400
    assert json.loads(body)["error"]["code"] == 400


def test_the_server_answers_ordinary_requests_as_before(server: Loopback, twin: Twin) -> None:
    server.start()
    url = f"http://127.0.0.1:{server.address[1]}/v2"
    r = httpx.get(f"{url}/my/agent", headers={"Authorization": f"Bearer {twin.token}"})
    assert r.status_code == 200
    assert r.json()["data"]["symbol"] == twin.agent_symbol


# ---------------------------------------------------------------------------------------------
# A crowd


def test_forty_clients_connecting_at_once_are_all_queued_and_answered(server: Loopback) -> None:
    # Nobody accepts yet: a handshake completes only if the listen backlog has room for it
    # (with the stdlib's backlog of 5, six do and the rest wait on SYN retries or are reset).
    socks = [socket.socket() for _ in range(CLIENTS)]
    try:
        for s in socks:
            s.setblocking(False)
            s.connect_ex(server.address)
        pending = set(socks)
        deadline = time.monotonic() + 5.0  # a bound on the wait, not a speed requirement
        while pending and time.monotonic() < deadline:
            _, ready, _ = select.select([], list(pending), [], deadline - time.monotonic())
            pending -= set(ready)
        assert len(pending) == 0, f"{len(pending)} of {CLIENTS} handshakes did not complete"
        server.start()
        answers = []
        for s in socks:
            s.setblocking(True)
            s.settimeout(10)
            s.sendall(b"GET /v2 HTTP/1.0\r\n\r\n")
            data = b""
            while chunk := s.recv(65536):
                data += chunk
            answers.append(data.split(b"\r\n", 1)[0])
    finally:
        for s in socks:
            s.close()
    assert answers == [b"HTTP/1.0 200 OK"] * CLIENTS


# ---------------------------------------------------------------------------------------------
# Input files


def test_from_a_snapshot_with_a_ship_at_an_unknown_waypoint_is_refused_at_start() -> None:
    path = DATA / "snapshot_ship_at_unknown_waypoint.json"
    result = CliRunner().invoke(sim, ["serve", "--port", "0", "--from", str(path)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {path}: not a usable snapshot: ship TESTER-1 is at waypoint X1-T1-Z9,"
        " which the snapshot does not list\n"
    )
    assert "PLANCC_API_URL" not in result.stdout


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"waypoints": ["X1-A-A1"]}', "not a usable snapshot"),
        ('{"waypoints": [{"symbol": "X1-A-A1"}], "ships": ["S-1"]}', "not a usable snapshot"),
        ('{"credits": ' + "9" * 5000 + "}", "not a usable number"),
        ('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}", "JSON nested too deeply"),
    ],
    ids=[
        "waypoint-not-an-object",
        "ship-not-an-object",
        "integer-of-5000-digits",
        "nested-100000-deep",
    ],
)
def test_from_a_file_the_twin_cannot_use_is_one_line_and_exit_2(
    text: str, problem: str, tmp_path: Path
) -> None:
    path = tmp_path / "snap.json"
    path.write_text(text)
    result = CliRunner().invoke(sim, ["serve", "--port", "0", "--from", str(path)])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"error: {path}: {problem}")
    assert result.stderr.count("\n") == 1
