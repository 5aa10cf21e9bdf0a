"""Scouting: which markets are stale, and which probe goes where next.

stale = stale_markets(markets, read_at, now, max_age_s)          # oldest first
orders = assign_scouts(idle_probes, stale, position, coords)      # probe -> market
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence


def stale_markets(
    markets: Iterable[str], read_at: Mapping[str, float], now: float, max_age_s: float
) -> list[str]:
    """Markets last read more than ``max_age_s`` ago (or never), oldest first, then by name."""
    never = -math.inf
    old = [m for m in markets if now - read_at.get(m, never) > max_age_s]
    return sorted(old, key=lambda m: (read_at.get(m, never), m))


def assign_scouts(
    probes: Sequence[str],
    targets: Sequence[str],
    position: Mapping[str, str],
    coords: Mapping[str, tuple[float, float]],
    *,
    taken: Iterable[str] = (),
) -> dict[str, str]:
    """Each idle probe to one stale market, no market twice: the stalest market first goes to
    the nearest free probe, and so on (``taken``: markets a probe is already flying to)."""
    free = sorted(probes)
    out: dict[str, str] = {}
    busy = set(taken)
    for market in targets:
        if not free:
            break
        if market in busy:
            continue
        tx, ty = coords[market]

        def dist(p: str, tx: float = tx, ty: float = ty) -> tuple[float, str]:
            x, y = coords[position[p]]
            return (math.hypot(x - tx, y - ty), p)

        probe = min(free, key=dist)
        free.remove(probe)
        out[probe] = market
        busy.add(market)
    return dict(sorted(out.items()))
