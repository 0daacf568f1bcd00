"""Durable worlds (docs/worlds.md): every accepted input is logged before it is acknowledged, and replaying the log
rebuilds the world exactly, journal byte for byte, so a restored world continues as the uninterrupted one would."""

from __future__ import annotations

import base64
import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from simulator.worlds.store import StorageError, Store
from tests.fixtures.receivers import HookReceiver, answer, hold_until
from tests.fixtures.worlds import Booted, Partner, boot, copy_data, prefix

CA_APP = ("tts-sim-oms-app-7c1e4b", "5f0b7b2e9c1d4a6f8e3b2a1c0d9e8f7a", "rt-tts-sim-0b3f9a27d1c84e55a6f2c8d9e0a1b2c3")
SFCC_CLIENT = ("7c1fa7a5-4b5e-4c4a-9a63-1f3f3a2f2b10", "tts-sim-tiktok-client-secret")


def _basic(*parts: str) -> str:
    return "Basic " + base64.b64encode(":".join(parts).encode()).decode()


def _fails_awaiting(receiver: HookReceiver, payload: dict[str, Any], handler: Any) -> None:
    """A receiver that refuses AWAITING_SHIPMENT notifications (retried on the profile's schedule), takes the rest."""
    status = 500 if payload.get("data", {}).get("order_status") == "AWAITING_SHIPMENT" else 200
    answer(status)(receiver, payload, handler)


def _phase_one(srv: Booted, world_id: str, hook: str) -> list[str]:
    """Every kind of input: signed TikTok calls (wall-clock timestamps), webhooks answered and refused, seeded
    fault decisions, SFCC and ChannelAdvisor OAuth and API calls, control-plane writes, clock steps."""
    partner = Partner(srv, world_id)
    status, body = partner.call("PUT", "/event/202309/webhooks", {"address": hook, "event_type": "ORDER_STATUS_CHANGE"})
    assert body["code"] == 0, body
    orders = [srv.sim(world_id, "POST", "buyer/orders", {"profile": p})["order"]["id"]
              for p in ("direct", "direct", "sfcc", "rithum", "rithum")]
    srv.sim(world_id, "POST", "faults", {"system": "tiktok", "match": {"path": "/order/*"},
                                         "fault": {"type": "rate_limit"}, "probability": 0.5, "count": 3})
    codes = [partner.call("GET", "/order/202309/orders", query={"ids": orders[0]})[1]["code"] for _ in range(6)]
    assert 36009002 in codes and 0 in codes  # the seeded source refused some and let others through
    srv.settle()
    srv.sim(world_id, "POST", "clock/advance", {"seconds": 3600})  # HOLD-1, CreateExternalOrder, CA import
    status, body = partner.call("POST", "/return_refund/202309/cancellations",
                                {"order_id": orders[1], "cancel_reason": "seller_cancel_reason_out_of_stock"})
    assert body["code"] == 0, body
    ca = srv.client.post(f"{prefix(world_id)}/oauth2/token", headers={"Authorization": _basic(*CA_APP[:2])},
                         data={"grant_type": "refresh_token", "refresh_token": CA_APP[2]}).get_json()["access_token"]
    ca_orders = srv.client.get(f"{prefix(world_id)}/v1/Orders", headers={"Authorization": f"Bearer {ca}"}).get_json()
    ship = srv.client.post(f"{prefix(world_id)}/v1/Orders({ca_orders['value'][0]['ID']})/Ship",
                           headers={"Authorization": f"Bearer {ca}"},
                           json={"Value": {"ShippingCarrier": "UPS", "ShippingClass": "GROUND",
                                           "TrackingNumber": "1ZDURABLE1", "DeliveryStatus": "Complete"}})
    assert ship.status_code == 204, ship.get_data(as_text=True)
    sfcc = srv.client.post(f"{prefix(world_id)}/dw/oauth2/access_token", data={"grant_type": "client_credentials"},
                           headers={"Authorization": _basic(*SFCC_CLIENT)}).get_json()["access_token"]
    order_no = srv.sim(world_id, "GET", f"orders/{orders[2]}")["systems"]["sfcc"]["order_no"]
    got = srv.client.get(f"{prefix(world_id)}/s/RefArch/dw/shop/v22_6/orders/{order_no}",
                         headers={"Authorization": f"Bearer {sfcc}"})
    assert got.status_code == 200, got.get_data(as_text=True)
    srv.settle()
    srv.sim(world_id, "POST", "clock/advance", {"seconds": 20 * 60})  # the CA relay, the first webhook retries
    srv.sim(world_id, "POST", "buyer/orders/" + orders[0] + "/cancel", {})
    srv.settle()
    return orders


def _phase_two(srv: Booted, world_id: str, orders: list[str]) -> None:
    partner = Partner(srv, world_id)
    srv.sim(world_id, "POST", "buyer/orders", {"profile": "sfcc"})
    partner.call("GET", "/order/202309/orders", query={"ids": ",".join(orders)})
    srv.settle()
    srv.sim(world_id, "POST", "clock/advance", {"seconds": 4 * 3600})  # more retries, auto-approve timers, syncs
    srv.settle()
    srv.sim(world_id, "POST", "platform/orders/" + orders[3] + "/cancel", {"reason": "fraud"})
    srv.sim(world_id, "POST", "clock/advance", {"seconds": 3600})
    srv.settle()


def _state(srv: Booted, world_id: str, orders: list[str]) -> dict[str, Any]:
    """Everything a client can read of a world: journal (byte for byte), orders in every system, clock, tokens."""
    return {"journal": srv.journal(world_id), "clock": srv.sim(world_id, "GET", "clock"),
            "credentials": srv.sim(world_id, "GET", "credentials"), "faults": srv.sim(world_id, "GET", "faults"),
            "orders": json.dumps([srv.sim(world_id, "GET", f"orders/{o}") for o in orders], sort_keys=True),
            "invariants": srv.sim(world_id, "GET", "invariants")["ok"]}


@pytest.mark.live
def test_a_restored_world_continues_byte_for_byte_as_the_uninterrupted_one(tmp_path: Path) -> None:
    """Determinism after a restore: the log is replayed into a copy while the original keeps running; both then
    take the same further inputs and agree on every journal byte (NOTE-2 webhook attempts and retries included)."""
    with HookReceiver(_fails_awaiting) as hook:
        live = boot(tmp_path / "live")
        try:
            live.sim("default", "POST", "worlds", {"world_id": "team-a", "seed": 11})
            orders = _phase_one(live, "team-a", hook.url)
            restored = boot(copy_data(tmp_path / "live", tmp_path / "crash"))
            try:
                assert _state(restored, "team-a", orders) == _state(live, "team-a", orders)
                _phase_two(live, "team-a", orders)
                _phase_two(restored, "team-a", orders)
                after_live, after_restored = _state(live, "team-a", orders), _state(restored, "team-a", orders)
                assert after_restored == after_live
                assert after_live["invariants"] is True
                attempts = [e for e in json.loads(after_live["journal"]) if e["kind"] == "webhook.attempt"]
                assert {a["data"]["ok"] for a in attempts} == {True, False}  # answered and refused attempts both
            finally:
                restored.close()
        finally:
            live.close()


@pytest.mark.live
def test_a_webhook_in_flight_when_the_process_died_goes_out_after_the_restore(tmp_path: Path) -> None:
    """The delivery was handed to its sender but never answered: the restored world sends it again (at least
    once, as TikTok's own retries are), at the virtual instant it was due, and journals that one attempt."""
    release = threading.Event()
    with HookReceiver(hold_until(release, lambda p: True)) as receiver:
        live = boot(tmp_path / "live")
        Partner(live, "default").call("PUT", "/event/202309/webhooks",
                                      {"address": receiver.url, "event_type": "ORDER_STATUS_CHANGE"})
        order = live.sim("default", "POST", "buyer/orders", {})["order"]["id"]  # its ON_HOLD notification is held
        deadline = time.monotonic() + 10
        while not receiver.received and time.monotonic() < deadline:  # the POST is out, its answer held
            time.sleep(0.01)
        crashed = copy_data(tmp_path / "live", tmp_path / "crash")  # the disk as kill -9 leaves it now
        release.set()
        live.close()
        restored = boot(crashed)
        try:
            restored.settle()
            attempts = restored.sim("default", "GET", "journal", kind="webhook.attempt")["entries"]
            assert [(a["data"]["order_id"], a["at"], a["data"]["ok"]) for a in attempts] == [
                (order, "2026-11-02T09:00:00+00:00", True)]
            sent = [p["tts_notification_id"] for p in receiver.payloads()]
            assert len(sent) == 2 and sent[0] == sent[1] == attempts[0]["data"]["notification_id"]
        finally:
            restored.close()


def test_snapshots_are_named_save_points_a_restore_returns_to(tmp_path: Path) -> None:
    srv = boot(tmp_path)
    try:
        srv.sim("default", "POST", "worlds", {"world_id": "qa"})
        first = srv.sim("qa", "POST", "buyer/orders", {})["order"]["id"]
        saved = srv.sim("default", "POST", "worlds/qa/snapshot", {"name": "one-order"})
        assert saved["replaced"] is False and saved["virtual_time"] == "2026-11-02T09:00:00+00:00"
        one_order = srv.journal("qa")
        second = srv.sim("qa", "POST", "buyer/orders", {})["order"]["id"]
        srv.sim("qa", "POST", "clock/advance", {"seconds": 7200})
        srv.sim("default", "POST", "worlds/qa/snapshot", {"name": "later"})
        later = srv.journal("qa")
        back = srv.sim("default", "POST", "worlds/qa/restore", {"name": "one-order"})
        assert back["now"] == "2026-11-02T09:00:00+00:00"
        assert srv.journal("qa") == one_order
        assert srv.client.get(f"/w/qa/_sim/orders/{second}").status_code == 404
        assert srv.client.get(f"/w/qa/_sim/orders/{first}").status_code == 200
        srv.sim("default", "POST", "worlds/qa/restore", {"name": "later"})  # a later save point is still there
        assert srv.journal("qa") == later
        names = [s["name"] for s in srv.sim("default", "GET", "worlds/qa/snapshots")["snapshots"]]
        assert names == ["later", "one-order"]
        missing = srv.client.post("/_sim/worlds/qa/restore", json={"name": "nope"})
        assert (missing.status_code, missing.get_json()["error"]) == (404, "snapshot_not_found")
    finally:
        srv.close()
    again = boot(tmp_path)  # the restored branch is what a restart finds
    try:
        assert again.journal("qa") == later
    finally:
        again.close()


def test_snapshots_need_a_data_directory() -> None:
    srv = boot(None)
    try:
        refused = srv.client.post("/_sim/worlds/default/snapshot", json={"name": "x"})
        assert (refused.status_code, refused.get_json()["error"]) == (409, "not_durable")
    finally:
        srv.close()


def test_a_reset_starts_the_log_over_with_the_new_seed(tmp_path: Path) -> None:
    srv = boot(tmp_path)
    srv.sim("default", "POST", "buyer/orders", {})
    srv.sim("default", "POST", "reset", {"seed": 42})
    order = srv.sim("default", "POST", "buyer/orders", {})["order"]["id"]
    before = srv.journal("default")
    srv.close()
    again = boot(tmp_path)
    try:
        assert again.world().seed == 42
        assert again.journal("default") == before
        assert [e["data"]["order_id"] for e in json.loads(before) if e["kind"] == "order.placed"] == [order]
    finally:
        again.close()


def test_a_log_that_no_longer_replays_is_refused_not_served(tmp_path: Path) -> None:
    """A divergence (here a tampered journal length) stops the replay at that command; the world answers 503."""
    srv = boot(tmp_path)
    srv.sim("default", "POST", "worlds", {"world_id": "w1"})
    srv.sim("w1", "POST", "buyer/orders", {})
    srv.close()
    db = Store(tmp_path).open("w1")
    db._db.execute("UPDATE commands SET jseq = jseq + 1")
    db.close()
    again = boot(tmp_path)
    try:
        refused = again.client.get("/w/w1/_sim/clock")
        assert refused.status_code == 503 and refused.get_json()["error"] == "world_unavailable"
        assert "left the journal at" in refused.get_json()["message"]
        assert again.client.get("/_sim/clock").status_code == 200  # the other worlds are served
    finally:
        again.close()


def test_a_change_that_could_not_be_logged_is_not_acknowledged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    srv = boot(tmp_path)
    try:
        log = srv.registry.default.recorder.log  # type: ignore[union-attr]

        def full(*args: Any, **kwargs: Any) -> int:
            raise StorageError("disk full")

        monkeypatch.setattr(log, "append", full)
        refused = srv.client.post("/_sim/buyer/orders", json={})
        assert (refused.status_code, refused.get_json()["error"]) == (503, "storage_failed")
        assert srv.client.get("/_sim/clock").get_json()["error"] == "world_unavailable"  # until a restart
    finally:
        srv.close()


def test_realtime_ticks_are_logged_and_an_idle_clock_costs_one_command(tmp_path: Path) -> None:
    srv = boot(tmp_path)
    srv.sim("default", "POST", "worlds", {"world_id": "rt", "clock": "realtime", "speed": 60})
    threading.Event().wait(0.6)  # about ten ticks, 36 virtual seconds: no timer is due before 09:15
    now = srv.sim("rt", "GET", "clock")["now"]
    commands = srv.registry.get("rt").recorder.log.last_seq  # type: ignore[union-attr]
    srv.close()
    again = boot(tmp_path)
    try:
        assert again.world("rt").clock.now().isoformat() >= now  # resumed from the last logged instant
        assert commands == 1  # consecutive steps that fired nothing were merged into one
    finally:
        again.close()


@pytest.mark.live
def test_a_return_driven_over_http_replays_from_the_log(tmp_path: Path) -> None:
    """RET-1..RET-4 through the control plane and the Return and Refund API are inputs like any other: the restored
    world shows the same return, journal byte for byte, and continues the same (the auto-approve window fires)."""
    live = boot(tmp_path / "live")
    try:
        live.sim("default", "POST", "worlds", {"world_id": "returns", "seed": 5})
        partner = Partner(live, "returns")
        order = live.sim("returns", "POST", "buyer/orders", {"profile": "direct"})["order"]["id"]
        live.sim("returns", "POST", "clock/advance", {"seconds": 3600})
        detail = partner.call("GET", "/order/202309/orders", query={"ids": order})[1]["data"]["orders"][0]
        providers = partner.call("GET", f"/logistics/202309/delivery_options/{detail['delivery_option_id']}"
                                        "/shipping_providers")[1]["data"]["shipping_providers"]
        package = detail["packages"][0]["id"]
        shipped = partner.call("POST", f"/fulfillment/202309/packages/{package}/ship", {"self_shipment": {
            "tracking_number": "1ZRETURNLOG1", "shipping_provider_id": providers[0]["id"]}})[1]
        assert shipped["code"] == 0, shipped
        live.sim("returns", "POST", f"carrier/packages/{package}/delivered")
        ret = live.sim("returns", "POST", f"buyer/orders/{order}/return", {"type": "RETURN_AND_REFUND"})["return_id"]
        approved = partner.call("POST", f"/return_refund/202309/returns/{ret}/approve", {"decision": "APPROVE_RETURN"})
        assert approved[1]["code"] == 0, approved
        live.sim("returns", "POST", f"buyer/returns/{ret}/ship", {})
        live.sim("returns", "POST", f"carrier/returns/{ret}/delivered")
        restored = boot(copy_data(tmp_path / "live", tmp_path / "crash"))
        try:
            assert _state(restored, "returns", [order]) == _state(live, "returns", [order])
            for srv in (live, restored):  # the seller leaves the received package unanswered: the platform refunds
                srv.sim("returns", "POST", "clock/advance", {"seconds": 48 * 3600})
            after = _state(live, "returns", [order])
            assert after == _state(restored, "returns", [order]) and after["invariants"] is True
            view = json.loads(after["orders"])[0]["systems"]["tiktok"]["returns"][0]
            assert (view["return_status"], view["role"]) == ("RETURN_OR_REFUND_REQUEST_COMPLETE", "BUYER")
        finally:
            restored.close()
    finally:
        live.close()
