"""One tick at a time per state file: an exclusive, non-blocking ``flock`` on ``STATE.lock``.

The kernel drops the lock when the holder dies (even by SIGKILL), so a killed tick never
blocks the next one (live bots' dead processes kept claims on loaded ships: sp-vjwb).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class LockHeld(Exception):
    """Another tick holds the state file."""


@contextmanager
def exclusive(state_path: str | Path) -> Iterator[None]:
    path = f"{state_path}.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockHeld(f"another tick holds {path}") from None
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
