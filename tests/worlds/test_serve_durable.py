"""``tts-sim serve --data DIR`` as a real process: two worlds driven through the vendor APIs under ``/w/{id}``,
``kill -9`` mid-traffic, a restart finds both exactly as acknowledged; a partner rides out an injected rate limit."""

from __future__ import annotations

import base64
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.fixtures.receivers import HookReceiver, trickle
from tests.fixtures.serve import Served
from tests.test_serve import _free_port, _run, _start, _stop

pytestmark = pytest.mark.live
CA_BASIC = "Basic " + base64.b64encode(b"tts-sim-oms-app-7c1e4b:5f0b7b2e9c1d4a6f8e3b2a1c0d9e8f7a").decode()
CA_REFRESH = "rt-tts-sim-0b3f9a27d1c84e55a6f2c8d9e0a1b2c3"


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (granian's worker serves the worlds)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _world(base: str, world_id: str, seed: int, *, sign_prefix: bool) -> Served:
    created = requests.post(f"{base}/_sim/worlds", json={"world_id": world_id, "seed": seed}, timeout=10)
    assert created.status_code == 201, created.text
    url = created.json()["base_url"]
    return Served(url, sign_prefix=f"/w/{world_id}" if sign_prefix else "")


def _acknowledged_state(sim: Served, orders: list[str]) -> dict[str, Any]:
    return {"journal": sim.sim("GET", "journal")["entries"], "clock": sim.sim("GET", "clock"),
            "credentials": sim.sim("GET", "credentials"), "orders": [sim.sim("GET", f"orders/{o}") for o in orders]}


def _phase_one(sim: Served, dead_hook: str) -> tuple[list[str], str]:
    """Orders on every profile, a TikTok seller cancel and a refused webhook (its retries stay pending), the hold
    passing, a ChannelAdvisor token: all acknowledged before the kill."""
    sim.subscribe(sim.direct[0], dead_hook)
    orders = [sim.sim("POST", "buyer/orders", {"profile": p})["order"]["id"] for p in ("direct", "direct", "sfcc", "rithum")]
    cancel = sim.call("POST", "/return_refund/202309/cancellations", sim.direct[0],
                      {"order_id": orders[1], "cancel_reason": "seller_cancel_reason_out_of_stock"})
    assert cancel["code"] == 0, cancel
    assert sim.sim("POST", "clock/advance", {"seconds": 3600})["now"] == "2026-11-02T10:00:00+00:00"
    token = requests.post(f"{sim.base}/oauth2/token", headers={"Authorization": CA_BASIC}, timeout=10,
                          data={"grant_type": "refresh_token", "refresh_token": CA_REFRESH}).json()["access_token"]
    return orders, str(token)


def _traffic(sim: Served, acked: list[str], stop: threading.Event) -> None:
    """Writes until the server dies: an order is counted only once its answer arrived."""
    while not stop.is_set():
        try:
            answer = requests.post(f"{sim.base}/_sim/buyer/orders", json={}, timeout=5)
            if answer.status_code == 200:
                acked.append(answer.json()["order"]["id"])
            sim.call("GET", "/order/202309/orders", sim.direct[0], None)  # signed reads are logged inputs too
        except (requests.ConnectionError, requests.Timeout, ValueError):
            return


def test_kill_9_mid_traffic_and_a_restart_find_both_worlds_exactly_as_acknowledged(tmp_path: Path) -> None:
    port, dead_hook = _free_port(), f"http://127.0.0.1:{_free_port()}/closed"
    proc = _start("--data", str(tmp_path), port=port)
    base = f"http://127.0.0.1:{port}"
    worlds = {"a": _world(base, "a", 1, sign_prefix=False), "b": _world(base, "b", 2, sign_prefix=True)}
    before, tokens, acked = {}, {}, {"a": [], "b": []}
    try:
        for name, sim in worlds.items():
            orders, tokens[name] = _phase_one(sim, dead_hook)
            before[name] = (orders, _acknowledged_state(sim, orders))
        stop = threading.Event()
        threads = [threading.Thread(target=_traffic, args=(sim, acked[name], stop), daemon=True)
                   for name, sim in worlds.items()]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 20
        while min(len(a) for a in acked.values()) < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        workers = _children(proc.pid)
        assert workers, "granian's worker process"
        for worker in workers:  # SIGKILL of the process that writes, in the middle of the traffic
            os.kill(worker, signal.SIGKILL)
        proc.kill()
        proc.communicate(timeout=15)
        stop.set()
        for thread in threads:
            thread.join(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert min(len(a) for a in acked.values()) >= 5
    restarted = _start("--data", str(tmp_path), port=port)
    try:
        for name, sim in worlds.items():
            orders, state = before[name]
            journal = sim.sim("GET", "journal")["entries"]
            assert journal[:len(state["journal"])] == state["journal"]  # everything acknowledged before, unchanged
            assert _acknowledged_state(sim, orders)["orders"] == state["orders"]
            assert sim.sim("GET", "clock")["now"] == state["clock"]["now"]
            placed = [e["data"]["order_id"] for e in journal if e["kind"] == "order.placed"]
            assert placed[:len(orders)] == orders and set(acked[name]) <= set(placed)
            assert len(placed) - len(orders) - len(acked[name]) in (0, 1)  # at most the write in flight at the kill
            assert all(requests.get(f"{sim.base}/_sim/orders/{o}", timeout=5).ok for o in acked[name])
            # tokens issued before the kill still work; the refused webhook's retries are still pending
            ca = requests.get(f"{sim.base}/v1/Orders", headers={"Authorization": f"Bearer {tokens[name]}"}, timeout=5)
            assert ca.status_code == 200, ca.text
            assert sim.sim("GET", "credentials") == state["credentials"]
            sim.sim("POST", "clock/advance", {"seconds": 3 * 3600})
            retried = [(a[0], a[1]) for a in sim.attempts()]
            first = state["journal"][[e["kind"] for e in state["journal"]].index("webhook.queued")]
            assert (first["data"]["notification_id"], 3) in retried  # 09:00, 09:02, then 09:32 after the restart
            assert sim.sim("GET", "invariants")["ok"] is True
    finally:
        output = _stop(restarted)
    assert "tts-sim: world a restored:" in output and "tts-sim: world b restored:" in output, output
    assert "undelivered webhook(s) stay in --data and go out when the server restarts" in output, output


def test_a_partner_client_sees_36009002_and_429_then_recovers_with_backoff(tmp_path: Path) -> None:
    port = _free_port()
    proc = _start("--data", str(tmp_path), port=port)
    try:
        sim = _world(f"http://127.0.0.1:{port}", "partner", 0, sign_prefix=False)
        fault = sim.sim("POST", "faults", {"system": "tiktok", "match": {"method": "GET", "path": "/order/*"},
                                           "fault": {"type": "rate_limit"}, "count": 2})
        order = sim.sim("POST", "buyer/orders", {})["order"]["id"]
        seen, delay = [], 0.05
        for _ in range(5):  # the API doc's advice: exponential backoff on 36009002
            q = {"ids": order}
            raw = sim.session.get(f"{sim.base}/order/202309/orders", timeout=5, params=_signed(sim, q),
                                  headers={"x-tts-access-token": sim.token})
            seen.append((raw.status_code, raw.json()["code"]))
            if raw.json()["code"] == 0:
                break
            time.sleep(delay)
            delay *= 2
        assert seen == [(429, 36009002), (429, 36009002), (200, 0)]
        injected = sim.sim("GET", "journal", kind="fault.injected")["entries"]
        assert [e["data"]["fault_id"] for e in injected] == [fault["fault_id"]] * 2
        sim.sim("POST", "faults", {"system": "tiktok", "fault": {"type": "latency", "ms": 300}, "count": 1})
        started = time.monotonic()
        assert sim.call("GET", "/order/202309/orders", sim.direct[0])["code"] != 36009002
        assert time.monotonic() - started >= 0.3  # answered, after the injected latency
    finally:
        _stop(proc)


def _signed(sim: Served, query: dict[str, str]) -> dict[str, str]:
    from tests.fixtures.tiktok import doc_sign

    q = {"app_key": sim.app_key, "timestamp": str(int(time.time())), "shop_cipher": sim.shops[sim.direct[0]], **query}
    q["sign"] = doc_sign(sim.secret, "/order/202309/orders", q)
    return q


def test_one_worlds_long_advance_never_stalls_another_world(tmp_path: Path) -> None:
    """World a's advance waits on a receiver trickling its answers (each attempt its full deadline); world b,
    on another request thread, answers meanwhile as if a did not exist."""
    port = _free_port()
    with HookReceiver(trickle()) as slow:
        proc = _start("--data", str(tmp_path), "--webhook-timeout", "1", port=port)
        try:
            base = f"http://127.0.0.1:{port}"
            a, b = _world(base, "a", 0, sign_prefix=False), _world(base, "b", 0, sign_prefix=False)
            a.subscribe(a.direct[0], slow.url)
            a.sim("POST", "buyer/orders", {"shop_id": a.direct[0]})
            started = time.monotonic()
            advancing = threading.Thread(target=lambda: a.sim("POST", "clock/advance", {"seconds": 3600}))
            advancing.start()
            time.sleep(0.2)
            slowest = 0.0
            while advancing.is_alive():
                t = time.monotonic()
                b.sim("POST", "buyer/orders", {})
                slowest = max(slowest, time.monotonic() - t)
            advancing.join()
            assert time.monotonic() - started >= 3  # three attempts (09:00, 09:02, 09:32), each its 1 s deadline
            assert slowest < 0.9
        finally:
            _stop(proc)


def test_a_data_directory_in_use_is_refused_with_one_line(tmp_path: Path) -> None:
    proc = _start("--data", str(tmp_path), port=_free_port())
    try:
        time.sleep(0.5)  # the worker holds the directory once it serves
        refused = _run("--data", str(tmp_path), "--port", str(_free_port()))
        assert refused.returncode != 0 and refused.stdout == ""
        assert refused.stderr.count("\n") == 1 and "in use by another tts-sim serve" in refused.stderr, refused.stderr
    finally:
        _stop(proc)
