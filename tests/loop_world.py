"""A fleet flown on the twin by tick + loop (``plancc.loop.session.Flight``), for loop tests.

flight = new_flight(tmp_path, haulers=5)          # state seeded, nothing applied yet
flight.loop()                                     # one `plancc loop`
flight.run(hours=0.5)                             # cron: ticks every minute, loop every 15
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from plancc.loop.run import LoopSettings
from plancc.loop.session import Flight
from plancc.sim.app import Twin
from plancc.sim.universe import generate_universe, seen_from_everywhere


def new_flight(
    tmp: Path, seed: int = 1, haulers: int = 5, probes: int = 1, **settings: Any
) -> Flight:
    twin = Twin.generate(seed, haulers=haulers, probes=probes)
    u = generate_universe(seed, start=twin.now(), haulers=haulers, probes=probes)
    snap = seen_from_everywhere(u, twin.now())
    base = LoopSettings(out_dir=tmp / "plans", scheduler="list", time_limit_s=2.0)
    return Flight.start_on(twin, tmp / "run", snap, replace(base, **settings))
