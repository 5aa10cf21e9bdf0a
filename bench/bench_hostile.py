"""Bounded waits against hostile or absent peers, measured in wall time.

    python -m bench.bench_hostile            # 20 rounds of 40 clients
    python -m bench.bench_hostile --short    # CI form, a few seconds

Figures:
- a refused connection (nothing listens on the port): wall seconds until the client, with its
  default options, raises ServerUnavailable; and the same with the old policy of 6 attempts on
  the general backoff (1 s base, doubling), side by side as a ratio;
- 40 clients connecting at once to ``plancc sim serve``'s server (``plancc.sim.serve.listen``)
  over loopback, for R rounds: connections reset or failed, and the slowest connect, with the
  server's listen backlog (128) and with the stdlib's old backlog of 5 (a kernel dropping SYNs
  shows as connects of ~1 s, the SYN retry; one resetting them as failures).
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import threading
import time
from typing import Any

from plancc.api import Client
from plancc.errors import ServerUnavailable
from plancc.sim.app import Twin
from plancc.sim.serve import _ThreadingServer, listen

CLIENTS = 40


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _refused_wall_s(**client_options: Any) -> float:
    client = Client(base_url=f"http://127.0.0.1:{_closed_port()}/v2", token="t", **client_options)
    started = time.perf_counter()
    with contextlib.suppress(ServerUnavailable):
        client.agent()
    return time.perf_counter() - started


def _crowd(backlog: int, rounds: int) -> dict[str, float]:
    """``rounds`` of CLIENTS simultaneous connect+GET; failures and the slowest connect."""
    _ThreadingServer.request_queue_size, saved = backlog, _ThreadingServer.request_queue_size
    try:
        server = listen(Twin.generate(seed=1), 0)
    finally:
        _ThreadingServer.request_queue_size = saved
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    address = server.server_address[:2]
    failed, slowest, answered = 0, 0.0, 0
    lock = threading.Lock()
    try:
        for _ in range(rounds):
            barrier = threading.Barrier(CLIENTS)

            def one(barrier: threading.Barrier = barrier) -> None:
                nonlocal failed, slowest, answered
                barrier.wait()
                started = time.perf_counter()
                try:
                    with socket.create_connection(address, timeout=10) as s:
                        took = time.perf_counter() - started
                        s.sendall(b"GET /v2 HTTP/1.0\r\n\r\n")
                        data = b""
                        while chunk := s.recv(65536):
                            data += chunk
                    ok = data.startswith(b"HTTP/1.0 200")
                except OSError:
                    ok, took = False, time.perf_counter() - started
                with lock:
                    slowest = max(slowest, took)
                    answered += ok
                    failed += not ok

            threads = [threading.Thread(target=one) for _ in range(CLIENTS)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
    finally:
        server.shutdown()
        server.server_close()
    return {"answered": answered, "failed": failed, "slowest_connect_s": slowest}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.bench_hostile", description=__doc__.split("\n")[0])
    parser.add_argument("--short", action="store_true", help="CI form: a few seconds")
    args = parser.parse_args(argv)
    rounds = 2 if args.short else 20

    now = _refused_wall_s()
    print("refused connection (nothing listening on the port), wall time to ServerUnavailable")
    print(f"  default options (3 attempts, 0.5 s then 1 s apart): {now:.2f} s")
    if not args.short:  # the old policy takes ~25 s: only in the long form
        old = _refused_wall_s(connect_retries=5, connect_backoff_s=1.0)
        print(f"  old schedule (6 attempts, 1+2+4+8+16 s, no jitter): {old:.2f} s")
        print(f"  ratio old/new: {old / now:.1f}x")
    else:
        print(f"  ratio to the old ~25 s: {25.0 / now:.1f}x (long form measures the old one)")

    print(f"{CLIENTS} clients connecting at once over loopback, {rounds} rounds")
    for backlog in (128, 5):
        r = _crowd(backlog, rounds)
        print(
            f"  backlog {backlog:>3}: {r['answered']:.0f} answered, {r['failed']:.0f} reset or"
            f" failed, slowest connect {r['slowest_connect_s']:.2f} s"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
