"""``plancc sim serve`` over real loopback HTTP, driven by plancc.api.Client unmodified.

Also: the recorded X1-AD75 snapshot seeds a twin on which a ship can fly, dock, buy and sell.
"""

from __future__ import annotations

import json
import math
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from twin_fixtures import BELT, HAULER, HQ, mini_twin

from plancc.api import Client
from plancc.cli.sim import sim
from plancc.sim.app import Twin
from plancc.sim.serve import ServeOptions, build_twin

REPO = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 30.0


class Served:
    def __init__(self, proc: subprocess.Popen[str], url: str, token: str) -> None:
        self.proc, self.url, self.token = proc, url, token
        self.lines: queue.Queue[str] = queue.Queue()
        self.pump: threading.Thread | None = None

    def later_stdout(self) -> list[str]:
        """What the server printed after its two lines (call once it has exited)."""
        if self.pump is not None:
            self.pump.join(timeout=START_TIMEOUT_S)
        out = []
        while not self.lines.empty():
            out.append(self.lines.get())
        return out

    @property
    def root(self) -> str:
        return self.url.removesuffix("/v2")

    def advance(self, seconds: float) -> None:
        httpx.post(f"{self.root}/_twin/advance", json={"seconds": seconds}).raise_for_status()


def _reader(proc: subprocess.Popen[str]) -> tuple[queue.Queue[str], threading.Thread]:
    """Lines of the server's stdout, read on a thread (a blocked readline cannot time out)."""
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line.strip())

    thread = threading.Thread(target=pump, daemon=True)
    thread.start()
    return lines, thread


def _read_line(proc: subprocess.Popen[str], lines: queue.Queue[str]) -> str:
    try:
        return lines.get(timeout=START_TIMEOUT_S)
    except queue.Empty:
        proc.kill()
        err = proc.stderr.read() if proc.stderr else ""
        raise AssertionError(f"plancc sim serve printed nothing in time: {err}") from None


def start_server(*args: str) -> Served:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "plancc", "sim", "serve", "--port", "0", *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        lines, pump = _reader(proc)
        url_line, token_line = _read_line(proc, lines), _read_line(proc, lines)
        assert url_line.startswith("PLANCC_API_URL=http://127.0.0.1:"), url_line
        assert url_line.endswith("/v2")
        assert token_line.startswith("SPACETRADERS_TOKEN=")
    except BaseException:
        proc.kill()  # never leave a server behind
        proc.wait()
        raise
    served = Served(proc, url_line.split("=", 1)[1], token_line.split("=", 1)[1])
    served.lines, served.pump = lines, pump
    return served


def stop(served: Served, signum: int = signal.SIGTERM) -> tuple[int, str]:
    served.proc.send_signal(signum)
    try:
        code = served.proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        served.proc.kill()
        raise
    err = served.proc.stderr.read() if served.proc.stderr else ""
    return code, err


@pytest.fixture(scope="module")
def state_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("twin") / "state.json"
    path.write_text(json.dumps(mini_twin().state()), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def served(state_file: Path) -> Iterator[Served]:
    s = start_server("--from", str(state_file), "--speed", "1")
    yield s
    if s.proc.poll() is None:
        stop(s)


def test_serve_prints_two_shell_ready_lines(served: Served) -> None:
    assert served.url.startswith("http://127.0.0.1:")
    assert served.token and " " not in served.token


def test_the_client_flies_docks_buys_and_sells_over_http(served: Served) -> None:
    with Client(base_url=served.url, token=served.token) as api:
        assert api.status()["resetDate"]
        bought = api.purchase(HAULER, "IRON", 10)
        api.orbit(HAULER)
        nav = api.navigate(HAULER, BELT).nav
        served.advance(600)
        api.dock(HAULER)
        sold = api.sell(HAULER, "IRON", 10)
        ship = api.ship(HAULER)
    assert nav.status == "IN_TRANSIT"
    assert bought.transaction.type == "PURCHASE"
    assert sold.agent.credits == bought.agent.credits + sold.transaction.total_price
    assert ship.waypoint == BELT
    assert ship.cargo_units == 0


def test_the_client_reads_the_server_clock_from_date(served: Served) -> None:
    with Client(base_url=served.url, token=served.token) as api:
        api.agent()
        first = api.server_time
        served.advance(7200)
        api.agent()
        second = api.server_time
    assert first is not None and second is not None
    assert (second - first).total_seconds() >= 7200


def test_the_client_pages_through_waypoints(served: Served) -> None:
    with Client(base_url=served.url, token=served.token) as api:
        symbols = {w.symbol for w in api.waypoints("X1-T")}
    assert {HQ, BELT} <= symbols


def test_sigterm_stops_cleanly_and_saves_state(state_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "saved.json"
    s = start_server("--from", str(state_file), "--save", str(out))
    try:
        with Client(base_url=s.url, token=s.token) as api:
            api.orbit(HAULER)
    finally:
        code, err = stop(s)
    assert code == 0
    assert "Traceback" not in err
    saved = json.loads(out.read_text(encoding="utf-8"))
    assert s.token not in out.read_text(encoding="utf-8")
    restored = Twin.from_state(saved)
    assert restored.world.ships[HAULER]["nav"]["status"] == "IN_ORBIT"


def test_ctrl_c_stops_cleanly_and_stdout_holds_only_the_two_lines(state_file: Path) -> None:
    s = start_server("--from", str(state_file))
    try:
        with Client(base_url=s.url, token=s.token) as api:
            api.agent()
    finally:
        code, err = stop(s, signal.SIGINT)
    assert code == 0
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert s.later_stdout() == []


def test_serve_runs_the_clock_at_the_asked_speed() -> None:
    twin = build_twin(ServeOptions(speed=10.0, waypoints=30))
    assert twin.clock.speed == 10.0


@pytest.mark.parametrize(
    "args",
    [
        ["--port", "70000"],
        ["--port", "-1"],
        ["--speed", "-1"],
        ["--speed", "1e9"],
        ["--traders", "1.5"],
        ["--traders", "-0.1"],
        ["--haulers", "-1"],
        ["--probes", "-1"],
        ["--haulers", "0", "--probes", "0"],
        ["--waypoints", "91"],
    ],
)
def test_an_impossible_serve_option_is_refused_with_exit_2(args: list[str]) -> None:
    result = CliRunner().invoke(sim, ["serve", *args])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "PLANCC_API_URL" not in result.output


def test_bad_from_file_is_a_one_line_error_with_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"system": ', encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "plancc", "sim", "serve", "--port", "0", "--from", str(bad)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0
    assert f"{bad}:1:" in proc.stderr


def test_the_generated_universe_serves_by_default() -> None:
    pytest.importorskip("plancc.sim.universe")
    s = start_server("--seed", "1")
    try:
        with Client(base_url=s.url, token=s.token) as api:
            ships = api.ships()
    finally:
        stop(s)
    assert ships


def _nearest(twin: Twin, origin: str, candidates: list[str]) -> str:
    wps = twin.world.waypoints
    o = wps[origin]
    return min(candidates, key=lambda w: math.hypot(wps[w]["x"] - o["x"], wps[w]["y"] - o["y"]))


def test_real_snapshot_seeds_a_twin_where_a_ship_flies_docks_buys_and_sells(
    realdata_snapshot_path: Path,
) -> None:
    pytest.importorskip("plancc.sim.universe")
    snapshot = json.loads(realdata_snapshot_path.read_text(encoding="utf-8"))
    twin = Twin.from_snapshot(snapshot)
    system = twin.world.system
    transport = twin.transport()
    with Client(base_url=twin.base_url, token=twin.token, transport=transport, pace=False) as api:
        hauler = max(api.ships(), key=lambda s: s.cargo_capacity)
        markets = sorted(twin.world.markets)
        buy_at = _nearest(twin, hauler.waypoint, [m for m in markets if m != hauler.waypoint])
        api.orbit(hauler.symbol)
        api.navigate(hauler.symbol, buy_at)
        twin.advance(3600)
        api.dock(hauler.symbol)
        goods = api.market(system, buy_at).trade_goods
        cargo_goods = [g for g in goods if g.symbol != "FUEL"] or goods
        good = min(cargo_goods, key=lambda g: g.purchase_price)
        units = min(good.trade_volume, hauler.cargo_capacity)
        bought = api.purchase(hauler.symbol, good.symbol, units)
        if any(g.symbol == "FUEL" for g in goods):
            api.refuel(hauler.symbol)
        traders = [
            sym
            for sym, m in twin.world.markets.items()
            if sym != buy_at and good.symbol in (*m.imports, *m.exchange, *m.exports)
        ]
        sell_at = _nearest(twin, buy_at, traders)
        api.orbit(hauler.symbol)
        api.navigate(hauler.symbol, sell_at)
        twin.advance(3600)
        api.dock(hauler.symbol)
        before = api.agent().credits
        sold = api.sell(hauler.symbol, good.symbol, units)
        ship = api.ship(hauler.symbol)
    assert bought.transaction.units == units
    assert sold.transaction.units == units
    assert (ship.waypoint, ship.cargo_units) == (sell_at, 0)
    assert sold.agent.credits == before + sold.transaction.total_price


def test_a_bad_faults_option_is_a_one_line_error_with_exit_2() -> None:
    from click.testing import CliRunner

    from plancc.cli.sim import sim

    result = CliRunner().invoke(sim, ["serve", "--port", "0", "--faults", "teapot=0.5"])
    assert result.exit_code == 2
    assert "--faults" in result.output
    assert result.output.strip().count("\n") == 0


def test_faults_option_builds_a_seeded_config() -> None:
    from plancc.sim.serve import parse_faults

    config = parse_faults("503=0.05, lost=0.01", seed=4)
    assert (config.seed, config.rates) == (4, {"503": 0.05, "lost": 0.01})


def test_admin_register_fleet_hands_out_a_working_token() -> None:
    twin = mini_twin()
    with httpx.Client(transport=twin.transport()) as admin:
        resp = admin.post("http://twin.local/_twin/register-fleet", json={"symbol": "FLEET2"})
    data = resp.json()["data"]
    with Client(base_url=twin.base_url, token=data["token"], transport=twin.transport()) as api:
        ships = api.ships()
    assert resp.status_code == 201
    assert {s.symbol for s in ships} == {"FLEET2-1", "FLEET2-2"}


def test_admin_advance_refuses_a_negative_or_missing_amount() -> None:
    twin = mini_twin()
    with httpx.Client(transport=twin.transport()) as admin:
        negative = admin.post("http://twin.local/_twin/advance", json={"seconds": -5})
        missing = admin.post("http://twin.local/_twin/advance", json={})
    assert (negative.status_code, missing.status_code) == (422, 422)


@pytest.mark.parametrize("seconds", ["inf", "nan", "1e300", "2592001"])
def test_admin_advance_refuses_an_endless_amount_and_the_clock_stays_usable(seconds: str) -> None:
    twin = mini_twin()
    before = twin.now()
    with httpx.Client(transport=twin.transport()) as admin:
        resp = admin.post(f"http://twin.local/_twin/advance?seconds={seconds}")
    assert resp.status_code == 422
    assert resp.json()["error"]["data"] == {"field": "seconds"}
    assert twin.now() == before
    with twin.client() as api:
        assert api.get("/my/agent").status_code == 200


def test_over_http_a_lost_answer_is_outcome_unknown_and_the_server_acted(served: Served) -> None:
    from plancc.errors import OutcomeUnknown

    httpx.post(
        f"{served.root}/_twin/faults", json={"slowSeconds": 1.5, "queue": ["lost"]}
    ).raise_for_status()
    with Client(base_url=served.url, token=served.token, timeout=0.5) as api:
        before = api.cargo(HAULER).units if api.ship(HAULER).status == "DOCKED" else None
        if before is None:
            api.dock(HAULER)
            before = api.cargo(HAULER).units
        with pytest.raises(OutcomeUnknown):
            api.purchase(
                HAULER, api.market("X1-T", api.ship(HAULER).waypoint).trade_goods[0].symbol, 1
            )
        after = api.cargo(HAULER).units
    assert after == before + 1


def test_a_plancc_snapshot_starts_the_twin_clock_at_its_captured_time(
    realdata_snapshot_path: Path,
) -> None:
    pytest.importorskip("plancc.sim.universe")
    raw = json.loads(realdata_snapshot_path.read_text(encoding="utf-8"))
    snapshot = {
        "system": "X1-AD75",
        "capturedAt": "2025-04-09T18:00:00.000Z",
        "agent": raw["agent"],
        "ships": raw["ships"],
        "waypoints": raw["waypoints"],
        "markets": raw["marketplaces"],
    }
    twin = Twin.from_snapshot(snapshot)
    with twin.client() as api:
        date = api.get("/my/agent").headers["date"]
    assert date == "Wed, 09 Apr 2025 18:00:00 GMT"
