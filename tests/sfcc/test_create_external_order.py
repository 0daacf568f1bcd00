"""SFCC-1, SFCC-2, HOLD-5: CreateExternalOrder at hold end, idempotent, retried, never for cancelled-in-hold orders."""

from __future__ import annotations

from typing import Any

from simulator.world import World
from tests.sfcc.conftest import HOLD, Sfcc, ensure_sku, journal_kinds, place


def _body(world: World, external_id: str = "576000000000000001") -> dict[str, Any]:
    sku = ensure_sku(world)
    address = {"first_name": "Ada Lovelace", "address1": "1 Main St", "city": "Austin", "postal_code": "73301",
               "state_code": "TX", "country_code": "US", "phone": "5125550100"}
    return {
        "c_externalOrderId": external_id, "currency": "USD", "social_channel_id": 14,
        "customer": {"customer_email": "ada@example.com", "customer_name": "Ada Lovelace",
                     "billing_address": address},
        "product_lineitems": [{"product_id": sku.seller_sku, "quantity": 2, "net_price": "10.00", "tax": "1.60",
                               "tax_rate": "0.08"}],
        "shipment": {"shipping_method": "TTS001", "shipping_address": address},
        "totals": {"adjusted_shipping_total": {"net_price": "5.00", "tax": "0", "gross_price": "5.00"}},
        "payment": {"payment_method": "SOCIAL_PAY", "amount": "26.60"},
    }


def test_sfcc1_order_appears_at_exactly_one_hour_not_before(world: World, sfcc: Sfcc) -> None:
    """SFCC-1: nothing in SFCC at 59:59; at 1:00:00 the order exists with the cartridge's attributes."""
    order = place(world, qty=2)
    world.advance(seconds=HOLD - 1)
    assert sfcc.find(order.id, sfcc.bm_token()) is None
    world.advance(seconds=1)
    doc = sfcc.find(order.id, sfcc.bm_token())
    assert doc is not None
    assert doc["status"] == "new" and doc["channel_type"] == "tiktok"
    assert doc["c_externalOrderId"] == order.id
    assert doc["c_externalOrderStatus"] == "New" and doc["c_externalChannelOrderStatus"] == 3
    assert [p["payment_method_id"] for p in doc["payment_instruments"]] == ["SOCIAL_PAY"]
    assert doc["product_items"][0]["quantity"] == 2
    assert doc["order_total"] == float(order.total_amount)
    assert doc["creation_date"] == "2026-11-02T10:00:00.000Z"
    assert "connector.sfcc.created" in journal_kinds(world, order, "connector.sfcc")


def test_hold5_order_cancelled_in_hold_never_reaches_sfcc(world: World, sfcc: Sfcc) -> None:
    """HOLD-5: a buyer cancel inside the hold means no CreateExternalOrder, ever."""
    order = place(world)
    world.advance(seconds=HOLD - 60)
    world.engine.buyer_cancel(order.id)
    world.advance(seconds=3 * HOLD)
    assert sfcc.find(order.id, sfcc.bm_token()) is None
    assert world.systems["sfcc"].orders.orders == {}
    assert journal_kinds(world, order, "connector.sfcc") == []


def test_sfcc2_duplicate_external_id_refused_with_cartridge_body(world: World, sfcc: Sfcc) -> None:
    """SFCC-2: a second create with the same c_externalOrderId is refused and makes no second order."""
    token = sfcc.bm_token()
    first = sfcc.create(_body(world), token)
    assert first.status_code == 200, first.text
    created = first.json()
    assert created["error"] is False and created["msg"] == f"Success Order Created with  order #{created['orderNo']}"
    again = sfcc.create(_body(world), token)
    assert again.status_code == 400
    assert again.json() == {"error": False, "orderNo": created["orderNo"], "c_externalChannelOrderStatus": "New",
                            "shippingStatus": "NOT_SHIPPED", "msg": "Order already exists"}
    assert len(world.systems["sfcc"].orders.orders) == 1


def test_create_prices_taxes_and_address_taken_as_sent(world: World, sfcc: Sfcc) -> None:
    token = sfcc.bm_token()
    no = sfcc.create(_body(world), token).json()["orderNo"]
    doc = sfcc.get(no, token).json()
    assert doc["product_items"][0]["base_price"] == 10.0 and doc["product_items"][0]["price"] == 20.0
    assert doc["tax_total"] == 1.6 and doc["shipping_total"] == 5.0 and doc["order_total"] == 26.6
    assert doc["billing_address"]["first_name"] == "Ada" and doc["billing_address"]["last_name"] == "Lovelace"
    assert doc["shipments"][0]["shipping_method"]["id"] == "TTS001"


def test_debug_probe_checks_token_without_creating(world: World, sfcc: Sfcc) -> None:
    resp = sfcc.create({"debug": True}, sfcc.bm_token())
    assert resp.status_code == 200
    assert resp.json() == {"status": 0, "code": "SUCCESS", "msg": "Endpoint is accessible and access token is valid"}
    assert world.systems["sfcc"].orders.orders == {}


def test_create_refuses_a_bad_token_with_the_controller_body(world: World, sfcc: Sfcc) -> None:
    resp = sfcc.create(_body(world), "not-a-token")
    assert resp.status_code == 400
    assert resp.json() == {"status": 1, "type": "InvalidAccessTokenException",
                           "msg": "Unauthorized request! The access token is invalid."}
    # The controller validates through Data /user_search: any live token of a client allowed that resource passes.
    am_token = sfcc.am_token().json()["access_token"]
    assert sfcc.create(_body(world), am_token).status_code == 200


def test_storefront_protection_requires_basic_login_and_token_in_x_is_authorization(world: World, sfcc: Sfcc) -> None:
    """SFCC-3: with storefront protection on, the controller sits behind the storefront's Basic login."""
    token = sfcc.bm_token()
    blocked = sfcc.create(_body(world), token, storefront=False)
    assert blocked.status_code == 401 and "Basic" in blocked.headers["WWW-Authenticate"]
    wrong_header = sfcc.create(_body(world), token, header="x-other")
    assert wrong_header.status_code == 400 and wrong_header.json()["type"] == "InvalidAccessTokenException"


def test_create_validation_errors(world: World, sfcc: Sfcc) -> None:
    token = sfcc.bm_token()
    resp = sfcc.s.post(f"{sfcc.base}/s/RefArch/CreateExternalOrder", data="{oops",
                       headers={"x-is-authorization": f"Bearer {token}",
                                "Authorization": "Basic c3RvcmVmcm9udDptYXBsZS1zdGFnaW5nLTIwMjY="})
    assert resp.status_code == 400 and resp.json() == {"error": True, "msg": "Unable to parse order json"}
    bad_product = _body(world)
    bad_product["product_lineitems"][0]["product_id"] = "NOPE"
    assert sfcc.create(bad_product, token).json() == {"error": True, "msg": "Exception: product 'NOPE' not found"}
    bad_method = _body(world)
    bad_method["shipment"]["shipping_method"] = "UPS-GROUND"
    refused = sfcc.create(bad_method, token)
    assert refused.status_code == 400 and refused.json()["error"] is True
    assert world.systems["sfcc"].orders.orders == {}


def test_sfcc2_failed_create_is_retried_until_it_succeeds(world: World, sfcc: Sfcc) -> None:
    """SFCC-2: a refused create is retried on the world clock (1 min, then 5 min...), never dropped."""
    site = world.systems["sfcc"].config.sites["RefArch"]
    site.preferences["tiktokPaymentMethod"] = "NOT_CONFIGURED"  # the merchant broke the site preference
    order = place(world)
    world.advance(seconds=HOLD)
    assert sfcc.find(order.id, sfcc.bm_token()) is None
    world.advance(seconds=60 + 300)
    failures = world.journal.entries(kind="connector.sfcc.create_failed", order_id=order.id)
    assert [e.data["attempt"] for e in failures] == [1, 2, 3]
    assert failures[0].data["http_status"] == 400
    site.preferences["tiktokPaymentMethod"] = "SOCIAL_PAY"
    world.advance(seconds=15 * 60)
    doc = sfcc.find(order.id, sfcc.bm_token())
    assert doc is not None
    created = world.journal.entries(kind="connector.sfcc.created", order_id=order.id)
    assert created[0].data["attempt"] == 4 and created[0].at.isoformat() == "2026-11-02T10:21:00+00:00"


def test_sfcc2_retry_stops_when_the_order_is_cancelled_meanwhile(world: World, sfcc: Sfcc) -> None:
    world.systems["sfcc"].config.sites["RefArch"].preferences["tiktokPaymentMethod"] = "NOT_CONFIGURED"
    order = place(world)
    world.advance(seconds=HOLD)
    world.engine.platform_cancel(order.id, "fraud")
    world.advance(seconds=6 * HOLD)
    kinds = journal_kinds(world, order, "connector.sfcc")
    assert kinds.count("connector.sfcc.create_failed") == 1
    assert "connector.sfcc.create_abandoned" in kinds
    assert world.systems["sfcc"].orders.orders == {}
