"""`tts-sim serve`: a real granian process serving every system, realtime clock, clean Ctrl-C shutdown."""

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
        assert requests.post(f"{ca}/oauth2/token", timeout=5).status_code == 400  # the CA token endpoint lives here
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
