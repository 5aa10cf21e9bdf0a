"""Kill points for the kill test: every API-request boundary and every state commit.

Off unless ``PLANCC_KILL_AT=N`` is set: then a counter kept in ``PLANCC_KILL_COUNTER`` (a file,
so the count runs across the ticks of one run) is bumped at each point and the process
SIGKILLs itself at the N-th. ``PLANCC_KILL_COUNTER`` alone only counts (how many points a run
has). Never set in production.
"""

from __future__ import annotations

import os
import signal

_AT = int(os.environ.get("PLANCC_KILL_AT") or 0)
_COUNTER = os.environ.get("PLANCC_KILL_COUNTER") or ""


def point(label: str) -> None:
    if not _COUNTER:
        return
    try:
        with open(_COUNTER, encoding="utf-8") as f:
            n = int(f.read().strip() or 0)
    except (OSError, ValueError):
        n = 0
    n += 1
    with open(_COUNTER, "w", encoding="utf-8") as f:
        f.write(str(n))
    if _AT and n == _AT:
        os.kill(os.getpid(), signal.SIGKILL)
