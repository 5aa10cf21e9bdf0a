"""Serving the digital twin over loopback HTTP (``plancc sim serve``).

The twin is plancc.sim.app.Twin; this module opens its source file, builds it from the options,
and runs it in a threaded stdlib WSGI server until SIGTERM/SIGINT. Bad input is an InputError.
"""

from __future__ import annotations

import json
import signal
import socketserver
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import click

from plancc.errors import InputError, Where
from plancc.fileio import check_output, read_text, write_atomically


class _ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    # The stdlib's listen backlog of 5 resets connections when a few dozen clients (a fleet's
    # runners, a benchmark) connect at once; the live server takes them all.
    request_queue_size = 128


class _QuietHandler(WSGIRequestHandler):
    """Logs nothing (request lines would be noise; headers, with the token, never).

    What the stdlib refuses before the app sees it (a request line too long: 414, headers too
    long or too many: 431, a malformed request line: 400) is answered in the API's error
    envelope, not the stdlib's HTML page. A client that connects and then sends nothing is
    dropped after ``timeout`` seconds instead of holding a thread forever.
    """

    verbose = False
    timeout = 60

    def log_message(self, format: str, *args: Any) -> None:
        if self.verbose:
            sys.stderr.write(f"{self.address_string()} {format % args}\n")

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        short = self.responses.get(code, ("Error", ""))[0]
        body = json.dumps({"error": {"message": message or short, "code": code}}).encode()
        self.log_error("code %d, message %s", code, message)
        if self.request_version == "HTTP/0.9":  # unparsed version: still send a status line
            self.request_version = "HTTP/1.0"
        self.send_response(code, short)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Connection", "close")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.close_connection = True


def load_twin_source(path: Path) -> dict[str, Any]:
    """Read a snapshot or a saved twin state; InputError naming the file on bad JSON."""
    text = read_text(path, kind="twin state")  # regular files only, bounded
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(exc.msg, Where(str(path), exc.lineno, exc.colno)) from None
    except RecursionError:
        raise InputError("JSON nested too deeply", Where(str(path))) from None
    except ValueError as exc:  # an integer of thousands of digits (Python's 4300-digit limit)
        raise InputError(f"not a usable number: {str(exc)[:80]}", Where(str(path))) from None
    if not isinstance(data, dict):
        raise InputError(
            "expected a JSON object (a snapshot or a twin state)", Where(str(path), 1, 1)
        )
    if isinstance(data.get("data"), dict) and "format" in data["data"]:
        data = data["data"]  # the body of GET /_twin/state
    return data


def parse_faults(spec: str, seed: int) -> Any:
    """``"503=0.05,lost=0.01"`` -> FaultConfig; InputError naming the bad part."""
    from plancc.sim.faults import FAULT_KINDS, FaultConfig

    rates: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        kind, eq, value = part.partition("=")
        if not eq or kind not in FAULT_KINDS:
            raise InputError(
                f"expected KIND=RATE with KIND one of {', '.join(FAULT_KINDS)}, got {part!r}",
                field="--faults",
            )
        try:
            rate = float(value)
        except ValueError:
            rate = -1.0
        if not 0.0 <= rate <= 1.0:
            raise InputError(
                f"rate of {kind} must be a number in 0..1, got {value!r}", field="--faults"
            )
        rates[kind] = rate
    return FaultConfig(seed=seed, rates=rates)


@dataclass(frozen=True)
class ServeOptions:
    """What ``plancc sim serve`` was asked for."""

    port: int = 8787
    seed: int = 1
    speed: float = 1.0
    source: Path | None = None
    traders: float = 0.0
    rate_limit: bool = True
    save: Path | None = None
    verbose: bool = False
    faults: str = ""
    haulers: int = 3
    probes: int = 1
    waypoints: int = 60


def build_twin(opts: ServeOptions) -> Any:
    """The twin ``opts`` describe: generated, from a snapshot, or from a saved state."""
    from plancc.sim.app import Twin
    from plancc.sim.world import STATE_FORMAT

    kwargs: dict[str, Any] = {"speed": opts.speed, "rate_limit": opts.rate_limit}
    if opts.faults:
        kwargs["faults"] = parse_faults(opts.faults, opts.seed)
    if opts.source is None:
        if not 30 <= opts.waypoints <= 90:
            raise InputError(f"must be 30..90, got {opts.waypoints}", field="--waypoints")
        if opts.haulers + opts.probes < 1:
            raise InputError("the agent needs at least one ship", field="--haulers")
        return Twin.generate(
            seed=opts.seed,
            traders=opts.traders,
            haulers=opts.haulers,
            probes=opts.probes,
            waypoint_count=opts.waypoints,
            **kwargs,
        )
    source = opts.source
    data = load_twin_source(source)
    if data.get("format") == STATE_FORMAT:
        try:
            return Twin.from_state(data, **kwargs)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            raise InputError(f"not a valid twin state: {exc}", Where(str(source))) from None
    try:
        return Twin.from_snapshot(data, seed=opts.seed, traders=opts.traders, **kwargs)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise InputError(f"not a usable snapshot: {exc}", Where(str(source))) from None


def listen(twin: Any, port: int, *, verbose: bool = False) -> WSGIServer:
    """A threaded HTTP server for ``twin`` on 127.0.0.1:``port`` (0: any free port), not yet
    serving: call ``serve_forever``. A port that cannot be had is an InputError."""
    _QuietHandler.verbose = verbose
    try:
        return make_server(
            "127.0.0.1",
            port,
            twin.wsgi(),
            server_class=_ThreadingServer,
            handler_class=_QuietHandler,
        )
    except OSError as exc:
        raise InputError(
            f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}", field="--port"
        ) from None


def serve(opts: ServeOptions) -> None:
    """Build the twin, listen on loopback, print the two lines, serve until SIGTERM/SIGINT."""
    if opts.save is not None:
        check_output(opts.save)  # a --save that cannot be written fails now, not at the end
    twin = build_twin(opts)
    server = listen(twin, opts.port, verbose=opts.verbose)
    stopping = threading.Event()

    def stop(signum: int, frame: Any) -> None:
        if not stopping.is_set():
            stopping.set()
            threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    actual = server.server_address[1]
    click.echo(f"PLANCC_API_URL=http://127.0.0.1:{actual}/v2")
    click.echo(f"SPACETRADERS_TOKEN={twin.token}")
    sys.stdout.flush()
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        if opts.save is not None:
            write_atomically(opts.save, json.dumps(twin.state(), indent=1))
        click.echo("twin stopped", err=True)
