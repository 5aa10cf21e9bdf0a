"""The headline benchmark: serial vs greedy vs plancc's closed loop, on one twin universe.

    python -m bench.strategies                       # 10 haulers, 6 game-hours, 5 seeds
    python -m bench.strategies --short               # CI: 1 seed, 2 game-hours
    python -m bench.strategies --haulers 25 --seeds 1 --hours 6

Every strategy flies the same seeded universe (price impact on, background traders on) with
the same fleet through the same runner, ticking every game-minute; the twin limits requests to
2/s in game time and each client paces itself. Per strategy and seed it measures credits/hour,
utilisation (hauler time on a task / total), pipelines completed/failed, realised and planned
margin, requests per task, profit per request and 429s received; then the median and the
spread (min..max) over seeds, and the ratios plancc/serial and plancc/greedy.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from plancc.loop.session import Flight
from plancc.loop.strategies import STRATEGIES, settings_for
from plancc.sim.app import Twin
from plancc.sim.universe import generate_universe, seen_from_everywhere

TRADERS = 0.02  # about one lot per HIGH export per game-hour (plancc.sim.traders)
PROBES = 2
METRICS = (
    "credits_per_hour",
    "utilisation",
    "pipelines_completed",
    "pipelines_failed",
    "pipelines_dropped",
    "realised_margin",
    "planned_margin",
    "requests_per_task",
    "profit_per_request",
    "http_429",
    "requests_per_second",
    "peak_requests_per_minute",
)


def fly(
    strategy: str, seed: int, haulers: int, hours: float, workdir: Path, time_limit: float
) -> dict[str, Any]:
    twin = Twin.generate(seed, haulers=haulers, probes=PROBES, traders=TRADERS)
    u = generate_universe(seed, start=twin.now(), haulers=haulers, probes=PROBES)
    snap = seen_from_everywhere(u, twin.now())
    settings = settings_for(strategy, workdir / "plans", haulers, time_limit)
    flight = Flight.start_on(twin, workdir, snap, settings)
    started = time.perf_counter()
    flight.run(hours)
    row = flight.summary()
    row["wall_s"] = round(time.perf_counter() - started, 1)
    row["peak_requests_per_minute"] = flight.peak_requests_per_minute()
    row["strategy"], row["seed"], row["haulers"] = strategy, seed, haulers
    return row


def _median(
    rows: list[dict[str, Any]], key: str
) -> tuple[float | None, float | None, float | None]:
    vals = [r[key] for r in rows if r.get(key) is not None]
    if not vals:
        return None, None, None
    return statistics.median(vals), min(vals), max(vals)


def _fmt(v: float | None) -> str:
    if v is None:
        return "-"
    if isinstance(v, bool):
        return str(v)
    return f"{v:,.3f}" if abs(v) < 10 else f"{v:,.0f}"


def run(
    seeds: list[int], haulers: int, hours: float, time_limit: float, out: Any = sys.stdout
) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="plancc-strategies-") as tmp:
        for seed in seeds:
            for strategy in STRATEGIES:
                row = fly(
                    strategy, seed, haulers, hours, Path(tmp) / f"{strategy}-{seed}", time_limit
                )
                rows.append(row)
                print(
                    f"  seed {seed} {strategy:7s}: {row['credits_per_hour']:>12,.0f} cr/h, "
                    f"util {row['utilisation']:.0%}, {row['pipelines_completed']} done / "
                    f"{row['pipelines_failed']} failed, {row['requests']} requests, "
                    f"429s {row['http_429']}, ledger {'ok' if row['ledger_reconciled'] else 'MISMATCH'}"
                    f" ({row['wall_s']} s wall)",
                    file=out,
                    flush=True,
                )
    table: dict[str, dict[str, Any]] = {}
    for strategy in STRATEGIES:
        mine = [r for r in rows if r["strategy"] == strategy]
        table[strategy] = {k: _median(mine, k) for k in METRICS}
        table[strategy]["ledger_reconciled"] = all(r["ledger_reconciled"] for r in mine)
    print(
        f"\n{haulers} haulers, {hours:g} game-hours, seeds {seeds} (median, min..max over seeds)",
        file=out,
    )
    print(f"{'metric':26s}" + "".join(f"{s:>30s}" for s in STRATEGIES), file=out)
    for k in METRICS:
        cells = []
        for s in STRATEGIES:
            med, lo, hi = table[s][k]
            cells.append(f"{_fmt(med)} ({_fmt(lo)}..{_fmt(hi)})" if med is not None else "-")
        print(f"{k:26s}" + "".join(f"{c:>30s}" for c in cells), file=out)
    print(
        f"{'ledger_reconciled':26s}"
        + "".join(f"{table[s]['ledger_reconciled']!s:>30s}" for s in STRATEGIES),
        file=out,
    )
    ratios = {}
    for other in ("serial", "greedy"):
        a = table["plancc"]["credits_per_hour"][0]
        b = table[other]["credits_per_hour"][0]
        ratios[other] = (a / b) if a is not None and b not in (None, 0) else None
        shown = f"{ratios[other]:.2f}x" if ratios[other] is not None else "n/a"
        print(f"ratio credits/hour plancc/{other}: {shown}", file=out)
    rps = table["plancc"]["requests_per_second"][0] or 0.0
    peak = table["plancc"]["peak_requests_per_minute"][0] or 0.0
    print(
        f"plancc uses {rps:.3f} req/s on average, peak {peak:.0f} req/min, against 2 req/s "
        f"(120/min): at this rate one account runs about "
        f"{(2.0 / rps * haulers) if rps else float('inf'):,.0f} haulers",
        file=out,
    )
    return {"rows": rows, "table": table, "ratios": ratios}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.strategies", description=__doc__)
    ap.add_argument("--short", action="store_true", help="CI form: 1 seed, 2 game-hours")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--haulers", type=int, default=10)
    ap.add_argument("--hours", type=float, default=6.0)
    ap.add_argument("--time-limit", type=float, default=5.0, help="compile time limit (s)")
    ap.add_argument("--json", dest="json_out", help="also write every row to this file")
    args = ap.parse_args(argv)
    seeds = [1] if args.short else list(range(1, args.seeds + 1))
    hours = 2.0 if args.short else args.hours
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")
    result = run(seeds, args.haulers, hours, args.time_limit)
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(result, indent=1, default=str))
    return 0 if all(r["ledger_reconciled"] for r in result["rows"]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
