"""Cron's rhythm on a virtual clock: when the next useful tick starts.

Ticks a minute apart; minutes in which nothing is due are skipped (those ticks would make no
request), so hours of game time pass in seconds on the twin.
"""

from __future__ import annotations

CRON_S = 60.0


def next_tick_at(started: float, due: float | None, cron_s: float = CRON_S) -> float:
    """When cron's next useful tick starts: a minute after this one, or the minute in which
    the next thing falls due when that is later."""
    nxt = started + cron_s
    if due is not None and due > nxt:
        nxt = started + cron_s * max(1, int((due - started) // cron_s))
    return nxt
