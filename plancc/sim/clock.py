"""The twin's virtual clock: game time as Unix epoch seconds (float).

Tests advance it explicitly (``speed=0``: time stands still between ``advance`` calls, so a
test is deterministic). ``plancc sim serve --speed 10`` runs it at ten times real time on top
of any explicit advances, so a six-hour game day passes in 36 real minutes.

    clock = VirtualClock(start=1_700_000_000.0)
    clock.advance(90)          # a ship's flight passes
    clock.now()                # 1_700_000_090.0
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime


class VirtualClock:
    """Game time = start + explicit advances + speed * real seconds elapsed since creation."""

    def __init__(
        self,
        start: float,
        *,
        speed: float = 0.0,
        real_time: Callable[[], float] = time.monotonic,
    ) -> None:
        if speed < 0:
            raise ValueError("speed must be >= 0")
        self._start = float(start)
        self._offset = 0.0
        self._speed = float(speed)
        self._real = real_time
        self._real0 = real_time()
        self._lock = threading.Lock()

    @property
    def speed(self) -> float:
        return self._speed

    def now(self) -> float:
        with self._lock:
            return self._now_locked()

    def _now_locked(self) -> float:
        running = (self._real() - self._real0) * self._speed if self._speed else 0.0
        return self._start + self._offset + running

    def advance(self, seconds: float) -> float:
        """Move game time forward by ``seconds`` (never backwards); returns the new now."""
        if not 0 <= seconds < math.inf:  # NaN and inf would break every later timestamp
            raise ValueError("the virtual clock only moves forward, by a finite amount")
        with self._lock:
            self._offset += float(seconds)
            return self._now_locked()

    def set_speed(self, speed: float) -> None:
        """Change the running speed without a jump in game time."""
        if speed < 0:
            raise ValueError("speed must be >= 0")
        with self._lock:
            now = self._now_locked()
            self._start, self._offset = now, 0.0
            self._real0 = self._real()
            self._speed = float(speed)


def iso(ts: float) -> str:
    """API timestamp form: ``2025-04-09T12:46:33.179Z`` (milliseconds, UTC, Z)."""
    dt = datetime.fromtimestamp(ts, UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> float:
    """Inverse of :func:`iso` (accepts any ISO 8601 form with a zone or Z)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def http_date(ts: float) -> str:
    """RFC 7231 ``Date`` header value for game time ``ts``."""
    return format_datetime(datetime.fromtimestamp(ts, UTC), usegmt=True)
