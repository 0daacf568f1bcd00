"""The /_sim/ control plane over HTTP: clock, buyer, platform, carrier, inspection, journal, reset, LDR."""

from __future__ import annotations

from flask.testing import FlaskClient

from simulator.world import World


def test_clock_and_advance_lists_fired_timers_hold_1(sim_client: FlaskClient) -> None:
    start = sim_client.get("/_sim/clock").get_json()
    sim_client.post("/_sim/buyer/orders", json={})
    moved = sim_client.post("/_sim/clock/advance", json={"seconds": 3600}).get_json()
    assert moved["timestamp"] == start["timestamp"] + 3600
    assert "hold.release" in [f["kind"] for f in moved["fired"]]
    assert sim_client.post("/_sim/clock/advance", json={"seconds": -1}).status_code == 400
    to = sim_client.post("/_sim/clock/advance", json={"to": "2026-11-03T09:00:00Z"}).get_json()
    assert to["now"].startswith("2026-11-03T09:00:00")


def test_buyer_cancel_in_hold_is_direct_hold_3(sim_client: FlaskClient) -> None:
    order = sim_client.post("/_sim/buyer/orders", json={}).get_json()["order"]
    cancel = sim_client.post(f"/_sim/buyer/orders/{order['id']}/cancel", json={}).get_json()
    assert cancel["cancel_type"] == "CANCEL" and cancel["order_status"] == "CANCELLED"
    again = sim_client.post(f"/_sim/buyer/orders/{order['id']}/cancel", json={})
    assert again.status_code == 409 and again.get_json()["error"] == "order_cancelled"


def test_unpaid_then_pay_and_platform_cancel(sim_client: FlaskClient) -> None:
    order = sim_client.post("/_sim/buyer/orders", json={"paid": False}).get_json()["order"]
    assert order["status"] == "UNPAID"
    assert sim_client.post(f"/_sim/buyer/orders/{order['id']}/pay").get_json()["order"]["status"] == "ON_HOLD"
    out = sim_client.post(f"/_sim/platform/orders/{order['id']}/cancel", json={"reason": "fraud"}).get_json()
    assert out["role"] == "SYSTEM" and out["reason"] == "system_cancel_order_reason_potential_fraud"
    bad = sim_client.post(f"/_sim/platform/orders/{order['id']}/cancel", json={"reason": "nope"})
    assert bad.status_code == 409


def test_order_view_credentials_journal_and_errors(sim_client: FlaskClient) -> None:
    order = sim_client.post("/_sim/buyer/orders", json={}).get_json()["order"]
    view = sim_client.get(f"/_sim/orders/{order['id']}").get_json()
    assert view["systems"]["tiktok"]["order"]["id"] == order["id"] and view["deadlines"]["hold_until"]
    assert view["timeline"][0]["kind"] == "order.placed"
    assert sim_client.get("/_sim/orders/1").status_code == 404
    creds = sim_client.get("/_sim/credentials").get_json()["tiktok"]
    assert creds["apps"][0]["app_secret"] and creds["authorizations"][0]["access_token"]
    assert sim_client.get("/_sim/journal?kind=order.placed").get_json()["entries"][0]["data"]["order_id"] == order["id"]
    assert sim_client.post("/_sim/buyer/orders", data=b"{bad", content_type="application/json").status_code == 400
    assert sim_client.post("/_sim/buyer/orders", json={"items": [{"sku_id": "nope"}]}).status_code == 404
    assert sim_client.post("/_sim/carrier/packages/1/teleported").status_code == 404
    assert sim_client.get("/_sim/nothing").status_code == 404


def test_ldr_sla_2_and_reset_and_seed(sim_client: FlaskClient, tiktok_world: World) -> None:
    out = sim_client.get("/_sim/ldr?start=2026-11-01T00:00:00Z&end=2026-12-01T00:00:00Z").get_json()
    assert out["rate"] == 0 and out["target"] == 0.04
    sim_client.post("/_sim/buyer/orders", json={})
    assert sim_client.post("/_sim/seed").get_json()["skus"] > 0
    fresh = sim_client.post("/_sim/reset", json={}).get_json()
    assert fresh["reset"] is True and fresh["now"] == tiktok_world.start.isoformat()
    assert sim_client.post("/_sim/buyer/orders", json={}).get_json()["order"]["id"]


def test_seeded_world_replays_identically() -> None:
    def run() -> list[dict]:
        world = World.create(seed=7)
        for _ in range(3):
            world.control.place_order()
        world.control.advance(seconds=7200)
        view = [world.control.order(o)["systems"]["tiktok"] for o in world.engine.orders]
        world.close()
        return view

    assert run() == run()
