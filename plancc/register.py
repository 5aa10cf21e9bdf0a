"""``plancc register``: a new agent, whose token goes straight to a 0600 file.

    agent = register_agent("BADGER", "COSMIC", Path("agent.token"), account_token=...)
    agent.symbol, agent.headquarters, agent.ships      # what to print; never the token

POST /register is authorised by the *account* token (the spec's ``AccountToken``; from
``$SPACETRADERS_ACCOUNT_TOKEN``), and answers with the new *agent* token. That token is
written to ``token_file`` with mode 0600 before this function returns and is not kept
anywhere else: not in the result, not in a message. An existing token file is never
overwritten (it may hold the only copy of a live agent's token) unless ``replace=True``,
which is what a player does after a weekly reset.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from plancc.errors import ApiError, InputError, Where
from plancc.fileio import check_output, write_atomically

ACCOUNT_TOKEN_ENV = "SPACETRADERS_ACCOUNT_TOKEN"
SYMBOL_RULE = re.compile(r"[A-Za-z0-9_-]{3,14}")


@dataclass(frozen=True)
class Registered:
    """What registration created, minus the token (which is only in the token file)."""

    symbol: str
    faction: str
    headquarters: str
    credits: int
    ships: tuple[str, ...]
    token_file: Path


def account_token_from_env() -> str:
    token = os.environ.get(ACCOUNT_TOKEN_ENV, "").strip()
    if not token:
        raise InputError(
            f"no account token: set ${ACCOUNT_TOKEN_ENV} (create one on the SpaceTraders "
            "account dashboard)"
        )
    return token


def register_agent(
    symbol: str,
    faction: str,
    token_file: Path,
    *,
    account_token: str,
    base_url: str | None = None,
    transport: Any = None,
    replace: bool = False,
) -> Registered:
    """Register ``symbol`` with ``faction``; the agent token goes to ``token_file`` (0600)."""
    from plancc.api import Client

    if not SYMBOL_RULE.fullmatch(symbol):
        raise InputError(
            "the agent symbol must be 3 to 14 letters, digits, '-' or '_'", None, "symbol"
        )
    if not faction or not faction.replace("_", "").isalnum():
        raise InputError("the faction must be a faction symbol such as COSMIC", None, "faction")
    if token_file.exists() and not replace:
        raise InputError(
            "already exists: it may hold a live agent's token; pass --replace after a reset",
            Where(str(token_file)),
        )
    # the token can be written (no device, no missing directory) -- checked before the agent
    # exists, since a registration whose token is lost cannot be repeated
    _make_parent(token_file)
    check_output(token_file)
    # a register POST is not retried once sent: a second one would be 4111 (symbol claimed)
    client = Client(base_url=base_url, token=account_token, transport=transport)
    with client:
        data = client.data(
            "POST",
            "/register",
            json={"symbol": symbol, "faction": faction.upper()},
            changes_game=True,
        )
    token = data.get("token") if isinstance(data, dict) else None
    agent = data.get("agent") if isinstance(data, dict) else None
    if not isinstance(token, str) or not token or not isinstance(agent, dict):
        raise ApiError("malformed response: no token or agent", endpoint="POST /register")
    write_secret(token_file, token)
    ships = tuple(
        sorted(str(s.get("symbol")) for s in data.get("ships") or [] if isinstance(s, dict))
    )
    return Registered(
        symbol=str(agent.get("symbol", symbol.upper())),
        faction=faction.upper(),
        headquarters=str(agent.get("headquarters", "")),
        credits=int(agent.get("credits", 0)),
        ships=ships,
        token_file=token_file,
    )


def write_secret(path: Path, secret: str) -> None:
    """``secret`` into ``path`` with mode 0600 from the first byte (no window where the file is
    readable by others), atomically: a reader sees the old file or the whole new one."""
    _make_parent(path)
    write_atomically(path, secret + "\n", mode=0o600)


def _make_parent(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}", Where(str(path))) from None
