"""Webhooks (NOTE-2, LIFE-1): subscribed, signed, real HTTP POSTs to a local receiver, retried in virtual time."""

from __future__ import annotations

from simulator.tiktok_shop.signing import webhook_signature
from tests.fixtures.tiktok import Receiver, TikTokClient
from tests.tiktok_shop.test_fulfillment import provider_for, ship

HOOKS = "/event/202309/webhooks"


def subscribe(tiktok: TikTokClient, url: str, *events: str) -> None:
    for event in events:
        assert tiktok.call("PUT", HOOKS, body={"address": url, "event_type": event})[1]["code"] == 0


def test_webhook_management(tiktok: TikTokClient, receiver: Receiver) -> None:
    subscribe(tiktok, receiver.url, "ORDER_STATUS_CHANGE", "CANCELLATION_STATUS_CHANGE")
    listed = tiktok.ok("GET", HOOKS)
    assert listed["total_count"] == 2 and {w["address"] for w in listed["webhooks"]} == {receiver.url}
    assert tiktok.call("DELETE", HOOKS, body={"event_type": "CANCELLATION_STATUS_CHANGE"})[1]["code"] == 0
    assert tiktok.ok("GET", HOOKS)["total_count"] == 1
    assert tiktok.call("PUT", HOOKS, body={"address": receiver.url, "event_type": "NOPE"})[1]["code"] == 36009004
    assert tiktok.call("PUT", HOOKS, body={"address": "ftp://x", "event_type": "PACKAGE_UPDATE"})[1]["code"] == 36009004


def test_strict_mode_requires_https_domain() -> None:
    from simulator.app import create_app
    from simulator.world import World

    world = World.create(seed=0, config={"tiktok": {"strict_webhooks": True}})
    client = TikTokClient(create_app(world).test_client(), world)
    body = {"address": "http://127.0.0.1:9000/hook", "event_type": "ORDER_STATUS_CHANGE"}
    assert client.call("PUT", HOOKS, body=body)[1]["code"] == 36009004
    body["address"] = "https://hooks.example.com/tiktok"
    assert client.call("PUT", HOOKS, body=body)[1]["code"] == 0
    world.close()


def test_life_1_order_status_webhooks_signed_with_notification_ids(tiktok: TikTokClient, receiver: Receiver) -> None:
    subscribe(tiktok, receiver.url, "ORDER_STATUS_CHANGE")
    order = tiktok.world.control.place_order(shop_id=tiktok.shop_id)["order"]
    tiktok.world.control.advance(seconds=3600)
    detail = tiktok.ok("GET", "/order/202309/orders", {"ids": order["id"]})["orders"][0]
    ship(tiktok, detail["packages"][0]["id"], provider_for(tiktok, detail)["id"])
    statuses = [p["data"]["order_status"] for p in receiver.payloads()]
    assert statuses == ["ON_HOLD", "AWAITING_SHIPMENT", "AWAITING_COLLECTION"]
    for raw in receiver.received:
        assert raw["authorization"] == webhook_signature(tiktok.app_key, tiktok.app_secret, raw["body"])
    payloads = receiver.payloads()
    assert len({p["tts_notification_id"] for p in payloads}) == 3
    assert all(p["type"] == 1 and p["shop_id"] == tiktok.shop_id for p in payloads)


def test_cancellation_webhooks_type_11_and_cancel_status_value(tiktok: TikTokClient, receiver: Receiver) -> None:
    subscribe(tiktok, receiver.url, "ORDER_STATUS_CHANGE", "CANCELLATION_STATUS_CHANGE")
    order = tiktok.world.control.place_order(shop_id=tiktok.shop_id)["order"]
    tiktok.world.control.buyer_cancel(order["id"])
    payloads = receiver.payloads()
    assert [p["data"]["order_status"] for p in payloads if p["type"] == 1] == ["ON_HOLD", "CANCEL"]
    cancels = [p["data"] for p in payloads if p["type"] == 11]
    assert cancels[0]["cancellations_role"] == "BUYER" and cancels[-1]["cancel_status"] == \
        "CANCELLATION_REQUEST_COMPLETE"


def test_package_update_type_4_on_split(tiktok: TikTokClient, receiver: Receiver) -> None:
    subscribe(tiktok, receiver.url, "PACKAGE_UPDATE")
    backend = tiktok.world.systems["tiktok"]
    two = [s.id for s in backend.catalog.shop_skus(tiktok.shop_id)[:2]]
    tiktok.world.control.place_order(shop_id=tiktok.shop_id, split_packages=True,
                                     items=[{"sku_id": two[0]}, {"sku_id": two[1]}])
    (payload,) = receiver.payloads()
    assert payload["type"] == 4 and payload["data"]["sc_type"] == "SPLIT"
    assert len(payload["data"]["package_list"]) == 2


def test_note_2_retries_on_schedule_in_virtual_time(tiktok: TikTokClient, receiver: Receiver) -> None:
    subscribe(tiktok, receiver.url, "ORDER_STATUS_CHANGE")
    receiver.statuses = [500, 503]
    tiktok.world.control.place_order(shop_id=tiktok.shop_id)
    assert len(receiver.received) == 1
    tiktok.world.control.advance(seconds=119)
    assert len(receiver.received) == 1
    tiktok.world.control.advance(seconds=1)  # +2 min: second attempt, fails again
    assert len(receiver.received) == 2
    tiktok.world.control.advance(seconds=30 * 60)  # +30 min: third attempt succeeds
    assert len(receiver.received) == 3
    ids = {p["tts_notification_id"] for p in receiver.payloads()}
    assert len(ids) == 1  # the same notification: receivers deduplicate by id
    attempts = tiktok.world.control.journal(kind="webhook.attempt")["entries"]
    assert [(a["data"]["attempt"], a["data"]["status"], a["data"]["ok"]) for a in attempts] == [
        (1, 500, False), (2, 503, False), (3, 200, True)]


def test_unreachable_receiver_gives_up_after_schedule(tiktok: TikTokClient) -> None:
    subscribe(tiktok, "http://127.0.0.1:9/closed", "ORDER_STATUS_CHANGE")
    tiktok.world.control.place_order(shop_id=tiktok.shop_id)
    tiktok.world.control.advance(seconds=86400)
    attempts = tiktok.world.control.journal(kind="webhook.attempt")["entries"]
    first = attempts[0]["data"]["notification_id"]
    mine = [a for a in attempts if a["data"]["notification_id"] == first]
    assert len(mine) == 5 and not any(a["data"]["ok"] for a in attempts)  # 1 + 4 retries (2m, 30m, 3h, 12h)
    gaps = [a["at"] for a in mine]
    assert gaps[1].endswith("09:02:00+00:00") and gaps[2].endswith("09:32:00+00:00")
    assert len(tiktok.world.control.journal(kind="webhook.gave_up")["entries"]) == 2  # ON_HOLD, AWAITING_SHIPMENT
