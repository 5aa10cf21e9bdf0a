"""``plancc register``: a new agent from the account token; its token only in a 0600 file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from loopback import serving

from plancc.api import Client
from plancc.cli import cli
from plancc.errors import InputError
from plancc.register import register_agent
from plancc.sim.app import Twin

ACCOUNT = "account-token-for-tests"  # for requests refused before they are sent


@pytest.fixture
def twin() -> Twin:
    return Twin.generate(3, haulers=2, probes=1)


def _register(twin: Twin, path: Path, **kw: object):
    return register_agent(
        "BADGER",
        "COSMIC",
        path,
        account_token=twin.account_token,  # the twin answers 401 to any other (the spec)
        base_url=twin.base_url,
        transport=twin.transport(),
        **kw,
    )


def test_register_writes_a_working_agent_token_to_a_0600_file(twin: Twin, tmp_path: Path) -> None:
    path = tmp_path / "agent.token"
    agent = _register(twin, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with Client(base_url=twin.base_url, token_file=path, transport=twin.transport()) as c:
        assert c.agent().symbol == "BADGER" == agent.symbol
        assert sorted(s.symbol for s in c.ships()) == list(agent.ships)
    assert agent.credits > 0 and agent.headquarters


def test_the_agent_token_is_not_in_the_result(twin: Twin, tmp_path: Path) -> None:
    path = tmp_path / "agent.token"
    agent = _register(twin, path)
    assert path.read_text().strip() not in repr(agent)


def test_register_sends_the_account_token_as_bearer(tmp_path: Path) -> None:
    import httpx

    seen: list[str] = []
    twin = Twin.generate(3, haulers=1, probes=0)
    real = twin.transport()

    class Spy(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            seen.append(request.headers.get("authorization", ""))
            return real.handle_request(request)

    register_agent(
        "BADGER",
        "COSMIC",
        tmp_path / "t",
        account_token=twin.account_token,
        base_url=Twin.base_url,
        transport=Spy(),
    )
    assert seen == [f"Bearer {twin.account_token}"]


def test_an_existing_token_file_is_not_overwritten(twin: Twin, tmp_path: Path) -> None:
    path = tmp_path / "agent.token"
    path.write_text("the-live-agents-token\n")
    with pytest.raises(InputError, match="already exists"):
        _register(twin, path)
    assert path.read_text() == "the-live-agents-token\n"
    assert "BADGER" not in twin.world.agents  # refused before any request


def test_replace_overwrites_the_token_file_after_a_reset(twin: Twin, tmp_path: Path) -> None:
    path = tmp_path / "agent.token"
    path.write_text("dead-token\n")
    _register(twin, path, replace=True)
    assert path.read_text().strip() != "dead-token"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize("symbol", ["AB", "FIFTEEN_LETTERS", "BAD NAME"])
def test_a_bad_agent_symbol_is_refused_before_any_request(
    twin: Twin, tmp_path: Path, symbol: str
) -> None:
    with pytest.raises(InputError, match="symbol"):
        register_agent(
            symbol,
            "COSMIC",
            tmp_path / "t",
            account_token=ACCOUNT,
            base_url=twin.base_url,
            transport=twin.transport(),
        )
    assert not (tmp_path / "t").exists()


def test_cli_register_over_loopback_prints_the_agent_but_never_the_token(
    twin: Twin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "agent.token"
    monkeypatch.setenv("SPACETRADERS_ACCOUNT_TOKEN", twin.account_token)
    with serving(twin) as url:
        result = CliRunner().invoke(
            cli,
            [
                "register",
                "BADGER",
                "--faction",
                "COSMIC",
                "--token-file",
                str(path),
                "--api-url",
                url,
            ],
        )
    assert result.exit_code == 0, result.output
    token = path.read_text().strip()
    assert "registered BADGER" in result.output
    assert token not in result.output and twin.account_token not in result.output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_cli_register_without_an_account_token_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SPACETRADERS_ACCOUNT_TOKEN", raising=False)
    result = CliRunner().invoke(
        cli,
        [
            "register",
            "BADGER",
            "--token-file",
            str(tmp_path / "t"),
            "--api-url",
            "http://127.0.0.1:9/v2",
        ],
    )
    assert result.exit_code == 2
    assert "SPACETRADERS_ACCOUNT_TOKEN" in result.output
    assert "Traceback" not in result.output


def test_a_claimed_symbol_is_one_line_with_the_game_code_and_exit_1(
    twin: Twin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPACETRADERS_ACCOUNT_TOKEN", twin.account_token)
    _register(twin, tmp_path / "first")
    with serving(twin) as url:
        result = CliRunner().invoke(
            cli,
            ["register", "BADGER", "--token-file", str(tmp_path / "second"), "--api-url", url],
        )
    assert result.exit_code == 1
    assert "4111" in result.output and twin.account_token not in result.output
    assert not (tmp_path / "second").exists()


def test_a_token_file_that_cannot_be_written_is_refused_before_the_agent_exists(
    twin: Twin, tmp_path: Path
) -> None:
    fifo = tmp_path / "agent.token"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match=r"is a FIFO \(named pipe\), not a regular file"):
        _register(twin, fifo, replace=True)
    # nothing was registered: the symbol is still free for a token file that works
    agent = _register(twin, tmp_path / "good.token")
    assert agent.symbol == "BADGER"
