"""The original design's greedy rule, the baseline benchmarks compare with; see ``plancc.schedule``."""

from __future__ import annotations

from plancc.schedule.problem import Placement
from plancc.schedule.state import State


def run_greedy(st: State) -> None:
    """The design's rule: first ready leg by priority -> earliest free ship -> closest -> symbol."""
    p = st.p
    stuck: set[int] = set()
    while st.ready - stuck:
        leg = min(st.ready - stuck)  # priority = position in ``legs``
        spec = p.legs[leg]
        best: tuple[int, float, str, int, Placement] | None = None
        for ship in st.usable:
            pl = st.try_place(leg, ship)
            if pl is None:
                continue
            cand = (
                st.free[ship],
                p.distance(st.pos[ship], spec.load_point),
                p.ships[ship].symbol,
                ship,
                pl,
            )
            if best is None or cand[:3] < best[:3]:
                best = cand
        if best is None:
            stuck.add(leg)  # may fit later, once a ship has moved (fuel)
            continue
        st.commit(leg, best[3], best[4])
        stuck.clear()
    if st.ready:
        st.drop_ready()
