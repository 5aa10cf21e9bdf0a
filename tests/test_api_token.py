"""The agent token never leaks: not in exceptions, reprs, log records or snapshot output."""

from __future__ import annotations

import json
import logging
import threading
import traceback
from collections.abc import Callable, Iterator
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

import httpx
import pytest
from click.testing import CliRunner

from plancc.api import Client, resolve_token
from plancc.cli import cli
from plancc.errors import ApiError, InputError

TOKEN = "eyJhbGciOiJSUzI1NiJ9.SECRET-TOKEN-abc123"


class Echoing:
    """A server that is rude about tokens: its error messages quote the Authorization header."""

    def __init__(self, status: int = 401, code: int = 4100, *, echo_symbol: bool = False) -> None:
        self.status = status
        self.code = code
        self.echo_symbol = echo_symbol  # success bodies quote the token too, as the agent symbol

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        auth = environ.get("HTTP_AUTHORIZATION", "")
        path = environ["PATH_INFO"]
        if path == "/v2/my/agent" and self.status == 200:
            body: Any = {
                "data": {
                    "symbol": auth.removeprefix("Bearer ") if self.echo_symbol else "ME",
                    "headquarters": "X1-A-A1",
                    "credits": 1,
                    "shipCount": 0,
                    "startingFaction": "COSMIC",
                }
            }
        elif path == "/v2/my/ships" and self.status == 200:
            body = {"data": [], "meta": {"total": 0, "page": 1, "limit": 20}}
        elif path.startswith("/v2/systems/") and self.status == 200:
            wp = {"symbol": "X1-A-A1", "systemSymbol": "X1-A", "type": "PLANET", "x": 0, "y": 0}
            wp["traits"] = []  # as the live server sends it: a snapshot without is refused
            body = {"data": [wp], "meta": {"total": 1, "page": 1, "limit": 20}}
        else:
            body = {
                "error": {
                    "message": f"Token {auth} was refused",
                    "code": self.code,
                    "data": {"header": auth},
                }
            }
        status = 200 if "data" in body else self.status
        raw = json.dumps(body).encode()
        start_response(f"{status} X", [("content-type", "application/json")])
        return [raw]


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def serve() -> Iterator[Callable[[Any], str]]:
    servers = []

    def start(app: Any) -> str:
        server = make_server("127.0.0.1", 0, app, handler_class=_Quiet)
        threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}/v2"

    yield start
    for s in servers:
        s.shutdown()
        s.server_close()


def _all_text(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc)) + repr(exc) + str(exc)


def _no_sleep(_: float) -> None:
    pass


def test_token_is_not_in_the_client_repr():
    client = Client("https://st.test/v2", TOKEN)
    assert TOKEN not in repr(client)
    assert TOKEN not in str(client)
    assert "***" in repr(client)


def test_token_is_not_in_a_game_error_even_when_the_server_quotes_it(serve):
    client = Client(serve(Echoing(400, 4214)), TOKEN, sleep=_no_sleep)
    with pytest.raises(ApiError) as info:
        client.agent()
    assert TOKEN not in _all_text(info.value)
    assert TOKEN not in json.dumps(info.value.data)
    assert info.value.code == 4214


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectError(f"cannot reach, Authorization: Bearer {TOKEN}"),
        httpx.ReadTimeout(f"timed out, Authorization: Bearer {TOKEN}"),
    ],
    ids=["connect", "lost-post"],
)
def test_token_is_not_in_transport_failures(failure):
    def handler(request: httpx.Request) -> httpx.Response:
        raise failure

    client = Client(
        "https://st.test/v2",
        TOKEN,
        transport=httpx.MockTransport(handler),
        sleep=_no_sleep,
        max_retries=1,
    )
    with pytest.raises(ApiError) as info:
        client.purchase("ME-1", "IRON_ORE", 1)
    assert TOKEN not in _all_text(info.value)


def test_token_is_not_in_log_records_at_debug(serve, caplog):
    caplog.set_level(logging.DEBUG)
    client = Client(serve(Echoing(401, 4100)), TOKEN, sleep=_no_sleep)
    with pytest.raises(ApiError):
        client.agent()
    ok = Client(serve(Echoing(200)), TOKEN, sleep=_no_sleep)
    ok.agent()
    assert caplog.records, "expected httpx/httpcore/plancc debug records"
    for record in caplog.records:
        assert TOKEN not in record.getMessage()
        assert TOKEN not in repr(record.args)
    assert TOKEN not in caplog.text


def test_token_from_a_file_is_not_in_the_error_about_that_file(tmp_path):
    path = tmp_path / "token"
    path.write_text("")
    with pytest.raises(InputError) as info:
        resolve_token(token_file=path)
    assert str(path) in str(info.value)


def test_token_file_is_read_and_stripped(tmp_path, monkeypatch):
    monkeypatch.delenv("SPACETRADERS_TOKEN", raising=False)
    path = tmp_path / "token"
    path.write_text(f"  {TOKEN}\n")
    assert resolve_token(token_file=path) == TOKEN
    monkeypatch.setenv("PLANCC_TOKEN_FILE", str(path))
    assert resolve_token() == TOKEN


def test_token_is_not_in_snapshot_output_or_its_messages(serve, tmp_path):
    out = tmp_path / "snap.json"
    good = serve(Echoing(200))
    result = CliRunner().invoke(
        cli,
        ["snapshot", "--api-url", good, "-o", str(out)],
        env={"SPACETRADERS_TOKEN": TOKEN, "PLANCC_TOKEN_FILE": ""},
    )
    assert result.exit_code == 0, result.output
    assert TOKEN not in result.output
    assert TOKEN not in out.read_text()
    bad = CliRunner().invoke(
        cli,
        ["snapshot", "--api-url", serve(Echoing(401)), "-o", str(out)],
        env={"SPACETRADERS_TOKEN": TOKEN, "PLANCC_TOKEN_FILE": ""},
    )
    assert bad.exit_code == 1
    assert "Token Bearer *** was refused" in bad.stderr
    assert TOKEN not in bad.output


def test_token_echoed_as_the_agent_symbol_is_not_in_snapshot_progress_or_file(serve, tmp_path):
    out = tmp_path / "snap.json"
    result = CliRunner().invoke(
        cli,
        ["snapshot", "--api-url", serve(Echoing(200, echo_symbol=True)), "-o", str(out)],
        env={"SPACETRADERS_TOKEN": TOKEN, "PLANCC_TOKEN_FILE": ""},
    )
    assert result.exit_code == 0, result.output
    assert "agent ***:" in result.stderr
    assert TOKEN not in result.output
    assert TOKEN not in out.read_text()


@pytest.mark.parametrize(
    "bad", [f"{TOKEN}\nsecond-line", f"{TOKEN} trailing-word", f"{TOKEN}é"], ids=repr
)
def test_a_token_that_cannot_be_sent_is_an_input_error_naming_its_source_only(
    bad, tmp_path, monkeypatch
):
    monkeypatch.delenv("PLANCC_TOKEN_FILE", raising=False)
    monkeypatch.setenv("SPACETRADERS_TOKEN", bad)
    with pytest.raises(InputError) as info:
        Client("https://st.test/v2")
    assert info.value.field == "$SPACETRADERS_TOKEN"
    assert TOKEN not in _all_text(info.value)

    path = tmp_path / "token"
    path.write_text(bad)
    with pytest.raises(InputError) as info:
        resolve_token(token_file=path)
    assert info.value.field == str(path)
    assert TOKEN not in _all_text(info.value)


def test_snapshot_with_a_two_line_token_file_exits_2_without_showing_it(tmp_path):
    path = tmp_path / "token"
    path.write_text(f"{TOKEN}\n{TOKEN}\n")
    result = CliRunner().invoke(
        cli,
        ["snapshot", "--token-file", str(path), "-o", str(tmp_path / "s.json")],
        env={"SPACETRADERS_TOKEN": "", "PLANCC_TOKEN_FILE": ""},
    )
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert result.stderr.startswith(f"error: {path}: the agent token must be one line")
    assert TOKEN not in result.output
