"""Earliest-completion-time list scheduling (min-min); see ``plancc.schedule``."""

from __future__ import annotations

from plancc.schedule.problem import Placement
from plancc.schedule.state import State


def run_list(st: State, pins: dict[str, str], move_penalty_s: int) -> None:
    """Min-min list scheduling. A (leg, ship) evaluation only changes when that ship moves, so
    evaluations are cached and only the moved ship's column is recomputed. A leg on the ship
    ``pins`` names competes with ``move_penalty_s`` taken off its end time."""
    p = st.p
    cache: dict[tuple[int, int], Placement | None] = {}
    while st.ready:
        best: tuple[int, str, str, int, int, Placement] | None = None
        for leg in sorted(st.ready):
            for ship in st.usable:
                key = (leg, ship)
                if key not in cache:
                    cache[key] = st.try_place(leg, ship)
                pl = cache[key]
                if pl is None:
                    continue
                leg_id, symbol = p.legs[leg].id, p.ships[ship].symbol
                bonus = move_penalty_s if pins.get(leg_id) == symbol else 0
                cand = (pl.end_s - bonus, leg_id, symbol, leg, ship, pl)
                if best is None or cand[:3] < best[:3]:
                    best = cand
        if best is None:
            st.drop_ready()
            break
        _, _, _, leg, ship, pl = best
        st.commit(leg, ship, pl)
        for key in [k for k in cache if k[1] == ship]:
            del cache[key]
