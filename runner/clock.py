"""The clock seam: what time it is in the game, and how to wait.

- ``ServerClock``: the live game. Time is the server's: every answer's ``Date`` header gives
  the offset to the local clock (``observe``), kept in state between ticks, so a tick with
  nothing due needs no request. Waiting sleeps.
- ``TwinClock``: the twin in-process; waiting advances its virtual clock (game time passes,
  no real time).
- ``TwinHttpClock``: a twin over loopback HTTP; reads and advances its clock through the
  admin route ``/_twin/advance``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float: ...

    def wait(self, seconds: float) -> None: ...

    def observe(self, server_epoch: float) -> None: ...


class ServerClock:
    def __init__(self, offset: float = 0.0, local: Callable[[], float] = time.time) -> None:
        self.offset = offset
        self.local = local

    def now(self) -> float:
        return self.local() + self.offset

    def wait(self, seconds: float) -> None:
        time.sleep(max(0.0, seconds))

    def observe(self, server_epoch: float) -> None:
        # the Date header has whole seconds: keep half a second of its truncation
        self.offset = server_epoch + 0.5 - self.local()


class TwinClock:
    def __init__(self, now: Callable[[], float], advance: Callable[[float], object]) -> None:
        self._now = now
        self._advance = advance
        self.offset = 0.0

    def now(self) -> float:
        return self._now()

    def wait(self, seconds: float) -> None:
        if seconds > 0:
            self._advance(seconds)

    def observe(self, server_epoch: float) -> None:
        pass


class TwinHttpClock:
    """``admin_url`` is the twin's root (``http://127.0.0.1:PORT``)."""

    def __init__(self, admin_url: str) -> None:
        import httpx

        self._http = httpx.Client(base_url=admin_url.rstrip("/"), timeout=30.0)
        self.offset = 0.0

    def _advance(self, seconds: float) -> float:
        r = self._http.post("/_twin/advance", json={"seconds": seconds})
        r.raise_for_status()
        return float(r.json()["data"]["epoch"])

    def now(self) -> float:
        return self._advance(0.0)

    def wait(self, seconds: float) -> None:
        if seconds > 0:
            self._advance(seconds)

    def observe(self, server_epoch: float) -> None:
        pass
