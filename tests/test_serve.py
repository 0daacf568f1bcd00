"""`tts-sim serve` as a real process: every system on one port, the realtime clock, and one lifecycle.

A port in use is refused (no two worlds behind one port), start-up errors are one line, no worker
outlives its server (``kill -9``), shutdown journals and reports the webhooks it drops, and webhook
attempts happen at their own virtual instants however the clock is driven (NOTE-2).
"""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import requests

from tests.fixtures.receivers import HookReceiver, answer, trickle
from tests.fixtures.serve import Served, assert_each_attempt_at_its_own_instant

pytestmark = pytest.mark.live
TTS_SIM = Path(sys.executable).with_name("tts-sim")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _free_ports(count: int) -> int:
    """The first of ``count`` consecutive free ports."""
    for _ in range(50):
        first = _free_port()
        try:
            for offset in range(1, count):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", first + offset))
            return first
        except OSError:
            continue
    raise RuntimeError("no consecutive free ports")


def _start(*args: str, port: int) -> subprocess.Popen[str]:
    proc = subprocess.Popen([str(TTS_SIM), "serve", "--port", str(port), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    _wait_ready(proc, f"http://127.0.0.1:{port}")
    return proc


def _wait_ready(proc: subprocess.Popen[str], base: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/_sim/ping", timeout=1).ok:
                break
        except requests.ConnectionError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail(f"tts-sim serve did not start: {proc.communicate()[0]}")


@pytest.fixture
def server() -> Iterator[tuple[subprocess.Popen[str], str]]:
    port = _free_port()
    proc = _start("--clock", "realtime", "--speed", "3600", port=port)
    yield proc, f"http://127.0.0.1:{port}"
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def test_serve_runs_all_systems_on_one_port_with_a_realtime_clock_and_stops_on_ctrl_c(
    server: tuple[subprocess.Popen[str], str],
) -> None:
    proc, base = server
    first = datetime.fromisoformat(requests.get(f"{base}/_sim/clock", timeout=5).json()["now"])
    order = requests.post(f"{base}/_sim/buyer/orders", json={"profile": "rithum"}, timeout=5).json()["order"]
    time.sleep(1.5)  # realtime at speed 3600: one real second is one virtual hour (HOLD-1 passes)
    second = datetime.fromisoformat(requests.get(f"{base}/_sim/clock", timeout=5).json()["now"])
    assert second - first >= timedelta(hours=1)
    view = requests.get(f"{base}/_sim/orders/{order['id']}", timeout=5).json()
    assert view["status"] == "AWAITING_SHIPMENT"
    assert view["systems"]["channeladvisor"]["ShippingStatus"] == "Unshipped"  # imported by the sync (CA-1)
    # every vendor answers its own unknown paths in its own envelope, on the same port
    assert requests.get(f"{base}/order/202309/nope", timeout=5).json()["code"] == 36009009
    assert "fault" in requests.get(f"{base}/s/RefArch/dw/shop/v24_5/nope", timeout=5).json()
    assert "Message" in requests.get(f"{base}/v1/Nope", timeout=5).json()
    proc.send_signal(signal.SIGINT)
    output, _ = proc.communicate(timeout=15)
    assert proc.returncode == 0, output
    assert "tts-sim serving on" in output and "app_key=" in output


def test_port_per_system_serves_each_vendor_on_its_own_port_over_one_world() -> None:
    first = _free_ports(3)
    proc = _start("--port-per-system", port=first)
    try:
        tiktok, sfcc, ca = (f"http://127.0.0.1:{first + i}" for i in range(3))
        # each port answers unknown paths as its own vendor, even paths another vendor serves
        assert requests.get(f"{tiktok}/v1/Orders", timeout=5).json()["code"] == 36009009
        assert "fault" in requests.get(f"{sfcc}/order/202309/orders", timeout=5).json()
        assert "Message" in requests.get(f"{ca}/s/RefArch/dw/shop/v24_5/orders/1", timeout=5).json()
        assert requests.post(f"{ca}/oauth2/token", timeout=5).status_code == 401  # the CA token endpoint lives here (no Basic: 401)
        # one world behind every port: an order placed on one control plane is seen from another
        order = requests.post(f"{tiktok}/_sim/buyer/orders", json={"profile": "sfcc"}, timeout=5).json()["order"]
        requests.post(f"{sfcc}/_sim/clock/advance", json={"seconds": 3600}, timeout=5)
        view = requests.get(f"{ca}/_sim/orders/{order['id']}", timeout=5).json()
        assert view["status"] == "AWAITING_SHIPMENT" and view["systems"]["sfcc"]["c_externalOrderStatus"] == "New"
        requests.post(f"{ca}/_sim/reset", json={}, timeout=5)
        assert requests.get(f"{tiktok}/_sim/orders/{order['id']}", timeout=5).status_code == 404
    finally:
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=15)
    assert proc.returncode == 0, output
    assert re.search(rf"sfcc\s+http://127.0.0.1:{first + 1}\b", output)
    assert re.search(rf"channeladvisor\s+http://127.0.0.1:{first + 2}\b", output)


def _refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except ConnectionRefusedError:
        return True
    return False


def _stop(proc: subprocess.Popen[str], sig: int = signal.SIGTERM) -> str:
    if proc.poll() is None:
        proc.send_signal(sig)
    try:
        return proc.communicate(timeout=30)[0]
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.communicate()[0]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(TTS_SIM), "serve", *args], capture_output=True, text=True, timeout=60)


def _one_world(base: str) -> None:
    """Every request reaches the same world: an order placed once is seen by 20 reads in a row."""
    order = requests.post(f"{base}/_sim/buyer/orders", json={}, timeout=5).json()["order"]
    session = requests.Session()
    assert {session.get(f"{base}/_sim/orders/{order['id']}", timeout=5).status_code for _ in range(20)} == {200}


@pytest.mark.parametrize("per_system", [False, True], ids=["granian", "port-per-system"])
def test_a_second_server_on_a_port_in_use_is_refused_with_one_line(per_system: bool) -> None:
    low = _free_ports(3)
    # the running server holds low+1 (granian) or low..low+2 (waitress); each second start overlaps it
    proc = _start("--port-per-system", port=low) if per_system else _start(port=low + 1)
    try:
        for args in (("--port", str(low + 1)), ("--port-per-system", "--port", str(low))):
            refused = _run(*args)
            assert refused.returncode != 0 and refused.stdout == ""
            assert refused.stderr.count("\n") == 1 and "is already in use" in refused.stderr, refused.stderr
        _one_world(f"http://127.0.0.1:{low + 1}")  # the running server still answers alone, from one world
    finally:
        _stop(proc)


@pytest.mark.parametrize("mode", [(), ("--port-per-system",)], ids=["granian", "port-per-system"])
def test_kill_9_leaves_no_worker_serving_and_a_restart_owns_the_port_alone(mode: tuple[str, ...]) -> None:
    port = _free_ports(3)
    proc = _start(*mode, port=port)
    proc.kill()  # SIGKILL of the main process: granian's worker must not keep the port
    output = proc.communicate(timeout=10)[0]  # returns once no process holds the output pipe
    deadline = time.monotonic() + 10
    while not _refused(port) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _refused(port)
    worker = re.search(r"Spawning worker-1 with PID: (\d+)", output)
    if worker is not None:
        status = Path(f"/proc/{worker.group(1)}/status")
        assert not status.exists() or "State:\tZ" in status.read_text()  # gone (or a zombie awaiting its reaper)
    restarted = _start(*mode, port=port)
    try:
        _one_world(f"http://127.0.0.1:{port}")
    finally:
        _stop(restarted)


@pytest.mark.parametrize("args", [("--port", "99999"), ("--mocks", "{bad}"), ("--mocks", "{missing}"),
                                  ("--start", "next tuesday")],
                         ids=["port-out-of-range", "mocks-bad-file", "mocks-not-a-folder", "start-not-an-instant"])
def test_start_up_errors_are_one_line_and_a_non_zero_exit(args: tuple[str, ...], tmp_path: Path) -> None:
    (tmp_path / "tiktok_shop").mkdir()  # a mocks folder overlaying one file, which lacks a shop's cipher
    shops = Path("mocks/tiktok_shop/shops.yaml").read_text()
    (tmp_path / "tiktok_shop" / "shops.yaml").write_text(shops.replace("    cipher: ROW_Rq2VbAAAAx9Lk3mEoUs7nTw1pYcD\n", ""))
    values = {"bad": str(tmp_path), "missing": str(tmp_path / "nope")}
    port = () if "--port" in args else ("--port", str(_free_port()))
    result = _run(*(a.format(**values) for a in args), *port)
    assert result.returncode != 0 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("tts-sim serve: "), result.stderr
    if "{bad}" in args:  # the file, its line and the field
        assert f"{tmp_path}/tiktok_shop/shops.yaml:16: shops[1]: 'cipher' is a required property" in result.stderr


@pytest.mark.parametrize("mode", [(), ("--port-per-system",)], ids=["granian", "port-per-system"])
def test_sigterm_journals_the_webhooks_it_drops_and_reports_them_on_stderr(mode: tuple[str, ...]) -> None:
    port = _free_ports(3)
    proc = _start(*mode, port=port)
    try:
        sim = Served(f"http://127.0.0.1:{port}")
        sim.subscribe(sim.direct[0], f"http://127.0.0.1:{_free_port()}/closed")  # refused: retried at +2 min
        order = sim.sim("POST", "buyer/orders", {"shop_id": sim.direct[0]})["order"]["id"]
        sim.sim("POST", "clock/advance", {"seconds": 60})  # the first attempt has failed by then
        (queued,) = [e["data"]["notification_id"] for e in sim.sim("GET", "journal", kind="webhook.queued")["entries"]]
        assert [a[3] for a in sim.attempts()] == [False]
    finally:
        output = _stop(proc)
    assert proc.returncode == 0, output
    assert "tts-sim: shutdown dropped 1 undelivered webhook(s) (journal kind webhook.dropped):" in output
    assert (f"{queued} type 1 order {order} to http://127.0.0.1:" in output
            and "after 1 attempt(s), next attempt was due 2026-11-02T09:02:00+00:00" in output), output


def test_serve_makes_each_webhook_attempt_at_its_own_instant_in_one_large_advance() -> None:
    port = _free_port()
    with HookReceiver(trickle()) as slow:
        proc = _start("--webhook-timeout", "0.1", port=port)
        try:
            sim = Served(f"http://127.0.0.1:{port}")
            sim.subscribe(sim.direct[0], slow.url)
            sim.sim("POST", "buyer/orders", {"shop_id": sim.direct[0]})
            sim.sim("POST", "clock/advance", {"seconds": 20 * 3600})
            assert_each_attempt_at_its_own_instant(sim, slow.received, error="deadline")
        finally:
            _stop(proc)


def test_serve_realtime_clock_makes_each_retry_at_its_own_instant() -> None:
    port = _free_port()
    with HookReceiver(answer(500)) as failing:
        proc = _start("--clock", "realtime", "--speed", "14400", port=port)  # 4 virtual hours a second
        try:
            sim = Served(f"http://127.0.0.1:{port}")
            sim.subscribe(sim.direct[0], failing.url)
            sim.sim("POST", "buyer/orders", {"shop_id": sim.direct[0]})
            deadline, times = time.monotonic() + 15, []
            while len(times) < 4 and time.monotonic() < deadline:  # the 4th attempt comes 3 h 32 min on
                time.sleep(0.05)
                entries = sim.sim("GET", "journal", kind="webhook.attempt")["entries"]
                times = [datetime.fromisoformat(e["at"]) for e in entries
                         if e["data"]["notification_id"] == entries[0]["data"]["notification_id"]]
        finally:
            _stop(proc)
    assert [t - times[0] for t in times[:4]] == [timedelta(0), timedelta(minutes=2), timedelta(minutes=32),
                                                 timedelta(hours=3, minutes=32)]
