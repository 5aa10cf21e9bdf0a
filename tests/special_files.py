"""Special files for the tests of plancc.fileio and of the commands that use it: a FIFO, a
private character device, and a bound on anything that could block on them."""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

BOUND_S = 10.0  # no read here may take longer; a hang fails the test instead of the suite


def bounded(fn: Callable[[], Any], fifo: Path | None = None) -> Any:
    """Run ``fn`` on a thread; fail if it has not returned within BOUND_S (then release a
    reader blocked on ``fifo`` so the thread ends)."""
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            out["value"] = fn()
        except BaseException as exc:  # handed to the test below
            out["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(BOUND_S)
    if thread.is_alive():
        if fifo is not None:
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail(f"still blocked after {BOUND_S} s")
    if "error" in out:
        raise out["error"]
    return out.get("value")


def char_device(tmp_path: Path) -> Path:
    """A private null device (as root; /dev/null itself is never put at risk), else /dev/null."""
    node = tmp_path / "null"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        return Path("/dev/null")
    return node


def make_fifo(tmp_path: Path) -> Path:
    """A named pipe no one writes to: opening it for reading the usual way blocks forever."""
    path = tmp_path / "pipe.yaml"
    os.mkfifo(path)
    return path
