"""One exception tree for all of plancc.

    PlanccError                       anything plancc raises on purpose
    ├── InputError                    bad input file or argument; the CLI exits 2, no traceback
    │                                 (carries file, line, column and field path)
    ├── InputErrors                   several InputErrors found in one pass (validate prints each)
    ├── ApiError                      the SpaceTraders API said no; carries endpoint, code, data
    │   ├── RateLimited               429 that retries did not clear
    │   ├── ServerUnavailable         5xx / connect errors that retries did not clear
    │   ├── OutcomeUnknown            a game-changing POST was sent but its answer was lost
    │   ├── UniverseReset             4113: the token is from an older reset
    │   └── GameError                 a 4xxx rule of the game; ``code`` says which, and the codes
    │       │                         plancc reacts to have their own class (``game_error_class``):
    │       ├── ShipInTransit         4214: the ship is flying (``data.secondsToArrival``)
    │       ├── ShipNotInOrbit        4236: orbit first
    │       ├── ShipNotDocked         4244: dock first
    │       ├── InsufficientCredits   4600: the purchase costs more than the agent has
    │       └── TradeVolumeExceeded   4604: more units than the good's ``tradeVolume`` per trade
    ├── StateError                    runner state is inconsistent or locked
    ├── RunnerStopped                 a tick stopped the runner: exit 3 universe reset, 4 broken state
    ├── OutputError                   an output file could not be written (disk full, permission);
    │                                 exit 1, the previous file is left as it was
    ├── Unresolvable                  no way to obtain a good (the compiler's chain resolver)
    └── ScheduleError                 tasks and legs handed to the scheduler are inconsistent

Messages never contain the agent token: ``ApiError`` is built from the endpoint path and the
server's error body only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

QUOTE_LIMIT = 80  # characters of an offending value a message quotes


def quote(value: Any, limit: int = QUOTE_LIMIT) -> str:
    """``repr(value)``, cut to about ``limit`` characters: a message names a value, not a file."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class PlanccError(Exception):
    """Base of every error plancc raises on purpose."""

    exit_code: int = 1


@dataclass(frozen=True)
class Where:
    """A place in an input file: 1-based line and column, or 0 when unknown."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line and self.column:
            return f"{self.file}:{self.line}:{self.column}"
        if self.line:
            return f"{self.file}:{self.line}"
        return self.file


class InputError(PlanccError):
    """A bad input: prints as ``file:line:col: field.path: message``."""

    exit_code = 2

    def __init__(self, message: str, where: Where | None = None, field: str = "") -> None:
        self.message = message
        self.where = where
        self.field = field
        super().__init__(str(self))

    def __str__(self) -> str:
        parts = [str(self.where)] if self.where else []
        if self.field:
            parts.append(self.field)
        parts.append(self.message)
        return ": ".join(parts)


class InputErrors(PlanccError):
    """Several input errors found in one pass; ``str`` is one line per problem."""

    exit_code = 2

    def __init__(self, errors: list[InputError]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


class ApiError(PlanccError):
    """The SpaceTraders API refused or failed a call.

    ``code`` is the game's numeric error code (or the HTTP status when the body had none);
    ``data`` is the error body's ``data`` object; ``endpoint`` is ``"POST /my/ships/S-1/purchase"``.
    """

    def __init__(
        self,
        message: str,
        *,
        code: int = 0,
        status: int = 0,
        data: dict[str, Any] | None = None,
        endpoint: str = "",
    ) -> None:
        self.message = message
        self.code = code
        self.status = status
        self.data = data or {}
        self.endpoint = endpoint
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.endpoint}: " if self.endpoint else ""
        code = f" (code {self.code})" if self.code else ""
        return f"{where}{self.message}{code}"


class RateLimited(ApiError):
    """429 responses kept coming after the client's bounded retries."""


class ServerUnavailable(ApiError):
    """5xx or connection failures kept coming after the client's bounded retries."""


class OutcomeUnknown(ApiError):
    """A POST that changes the game was sent, but its response was lost.

    It is not retried blindly: the caller re-reads the ship (cargo, nav) and decides.
    """


class UniverseReset(ApiError):
    """The server was reset since the token was issued (code 4113) or ``resetDate`` changed."""


class GameError(ApiError):
    """A rule of the game refused the action (codes 4xxx); ``code`` says which."""


class ShipInTransit(GameError):
    """4214: the ship is in transit; ``data`` has its ``arrival`` and ``secondsToArrival``."""


class ShipNotInOrbit(GameError):
    """4236: the action needs the ship in orbit."""


class ShipNotDocked(GameError):
    """4244: the action needs the ship docked."""


class InsufficientCredits(GameError):
    """4600: the agent cannot pay; ``data`` has ``agentCredits`` and ``totalPrice``."""


class TradeVolumeExceeded(GameError):
    """4604: more units than one transaction may move; ``data`` has ``tradeVolume``."""


# game error code -> its class (codes ../shared/spacetraders-api/error-codes.json names)
GAME_ERRORS: dict[int, type[ApiError]] = {
    4113: UniverseReset,
    4214: ShipInTransit,
    4236: ShipNotInOrbit,
    4244: ShipNotDocked,
    4600: InsufficientCredits,
    4604: TradeVolumeExceeded,
}


def game_error_class(code: int) -> type[ApiError]:
    """The exception class for an API error ``code``: its own class, ``GameError`` for any
    other 4xxx code, else ``ApiError``."""
    if code in GAME_ERRORS:
        return GAME_ERRORS[code]
    return GameError if 4000 <= code < 5000 else ApiError


class StateError(PlanccError):
    """The runner's state cannot be used as it is (locked, corrupt, from another plan)."""


class RunnerStopped(PlanccError):
    """A tick stopped all work; cron keeps starting ticks, so the exit code says why.

    ``exit_code`` 3: the universe was reset (the runner never acts on the old plan);
    4: the state file is broken (a person must look before anything is flown).
    """

    RESET = 3
    BROKEN_STATE = 4

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class OutputError(PlanccError):
    """Writing an output file failed midway (disk full, permission, file size limit).

    The writer (``plancc.fileio``) removed its temp file: the previous file is intact. A target
    refused before writing (a device, an input of the command) is an ``InputError`` instead.
    """

    def __init__(self, message: str, where: Where | None = None) -> None:
        self.message = message
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


class Unresolvable(PlanccError):
    """No way to obtain ``good``: no seller at the policy's supply level, no factory, ...

    ``path`` is the chain from the product down to ``good``; ``str`` reads
    ``"LASER_RIFLES -> ADVANCED_CIRCUITRY: no factory exports ADVANCED_CIRCUITRY ..."``.
    """

    def __init__(self, good: str, reason: str, path: tuple[str, ...] = ()) -> None:
        self.good = good
        self.reason = reason
        self.path = path or (good,)
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{' -> '.join(self.path)}: {self.reason}"


class ScheduleError(PlanccError):
    """The tasks and legs handed to the scheduler are inconsistent (unknown id, cycle, ...)."""
