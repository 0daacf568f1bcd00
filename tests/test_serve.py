"""`tts-sim serve`: a real granian process serving every system, realtime clock, clean Ctrl-C shutdown."""

from __future__ import annotations

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


@pytest.fixture
def server() -> Iterator[tuple[subprocess.Popen[str], str]]:
    port = _free_port()
    proc = subprocess.Popen([str(TTS_SIM), "serve", "--port", str(port), "--clock", "realtime", "--speed", "3600"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
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
    yield proc, base
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
