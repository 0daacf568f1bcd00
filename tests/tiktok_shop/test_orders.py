"""Orders API: detail (HOLD-2, SLA fields), both versions, search filters and paging through 250 orders."""

from __future__ import annotations

from tests.fixtures.tiktok import TikTokClient

DETAIL = "/order/202309/orders"
SEARCH = "/order/202309/orders/search"


def test_on_hold_order_hides_recipient_and_buyer_hold_2(tiktok: TikTokClient) -> None:
    order = tiktok.world.control.place_order(shop_id=tiktok.shop_id)["order"]
    held = tiktok.ok("GET", DETAIL, {"ids": order["id"]})["orders"][0]
    assert held["status"] == "ON_HOLD" and "recipient_address" not in held and "buyer_email" not in held
    assert held["packages"][0]["id"] and "rts_sla_time" not in held
    tiktok.world.control.advance(seconds=3600)
    released = tiktok.ok("GET", DETAIL, {"ids": order["id"]})["orders"][0]
    assert released["status"] == "AWAITING_SHIPMENT"
    assert released["recipient_address"]["region_code"] == "US" and released["buyer_email"].endswith("tiktok.com")
    assert released["rts_sla_time"] > released["paid_time"] and released["cancel_order_sla_time"] > 0


def test_202507_detail_path_and_unknown_ids(tiktok: TikTokClient) -> None:
    order = tiktok.world.control.place_order(shop_id=tiktok.shop_id)["order"]
    new = tiktok.ok("GET", "/order/202507/orders", {"ids": f"{order['id']},576000000000000000"})
    old = tiktok.ok("GET", DETAIL, {"ids": order["id"]})
    assert new == old and len(new["orders"]) == 1
    status, env = tiktok.call("GET", DETAIL, {"ids": ",".join(str(i) for i in range(51))})
    assert env["code"] == 36009004 and "50" in env["message"]


def test_orders_of_other_shops_are_invisible(tiktok: TikTokClient) -> None:
    creds = tiktok.world.control.credentials()["tiktok"]["shops"]
    other = next(s["id"] for s in creds if s["id"] != tiktok.shop_id)
    order = tiktok.world.control.place_order(shop_id=other)["order"]
    assert tiktok.ok("GET", DETAIL, {"ids": order["id"]})["orders"] == []


def test_paging_through_250_orders(tiktok: TikTokClient) -> None:
    for _ in range(250):
        tiktok.world.control.place_order(shop_id=tiktok.shop_id)
        tiktok.world.advance(seconds=1)
    seen: list[str] = []
    token = ""
    while True:
        data = tiktok.ok("POST", SEARCH, {"page_size": "100", "page_token": token, "sort_order": "ASC"}, {})
        assert data["total_count"] == 250
        seen += [o["id"] for o in data["orders"]]
        token = data["next_page_token"]
        if not token:
            break
    assert len(seen) == 250 == len(set(seen))
    times = [o["create_time"] for o in tiktok.ok("POST", SEARCH, {"page_size": "100"}, {})["orders"]]
    assert times == sorted(times, reverse=True)


def test_search_filters_and_validation(tiktok: TikTokClient) -> None:
    a = tiktok.world.control.place_order(shop_id=tiktok.shop_id)["order"]
    tiktok.world.control.place_order(shop_id=tiktok.shop_id, paid=False)
    unpaid = tiktok.ok("POST", SEARCH, {"page_size": "10"}, {"order_status": "UNPAID"})
    assert unpaid["total_count"] == 1 and unpaid["orders"][0]["status"] == "UNPAID"
    by_buyer = tiktok.ok("POST", SEARCH, {"page_size": "10"}, {"buyer_user_id": a["user_id"]})
    assert [o["id"] for o in by_buyer["orders"]] == [a["id"]]
    for query, body in (({}, {}), ({"page_size": "0"}, {}), ({"page_size": "101"}, {}),
                        ({"page_size": "5", "page_token": "garbage"}, {}),
                        ({"page_size": "5"}, {"order_status": "NOPE"}),
                        ({"page_size": "5"}, {"create_time_ge": "soon"})):
        status, env = tiktok.call("POST", SEARCH, query, body)
        assert env["code"] == 36009004 and status == 400, (query, body, env)


def test_page_token_is_bound_to_its_filters(tiktok: TikTokClient) -> None:
    for _ in range(3):
        tiktok.world.control.place_order(shop_id=tiktok.shop_id)
    token = tiktok.ok("POST", SEARCH, {"page_size": "1"}, {})["next_page_token"]
    assert token
    status, env = tiktok.call("POST", SEARCH, {"page_size": "1", "page_token": token}, {"order_status": "UNPAID"})
    assert env["code"] == 36009004
