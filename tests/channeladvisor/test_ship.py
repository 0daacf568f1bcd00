"""FUL-5: the OMS ships through ChannelAdvisor; carriers checked and mapped; relayed to TikTok at the next sync."""

from __future__ import annotations

import pytest

from simulator.world import World
from tests.fixtures.channeladvisor import UK_SHOP, US_SHOP, Oms, kinds, next_tick, place, to_import

ACCEPTED = [
    # (shop, OMS carrier, class, TikTok carrier code, via Outbound Shipping Mapping)
    pytest.param(US_SHOP, "UPS", "GROUND", "ups", False, id="US-approved-UPS"),
    pytest.param(US_SHOP, "usps", "priority", "usps", False, id="US-approved-usps-case-insensitive"),
    pytest.param(US_SHOP, "ONTRAC", "GROUND", "ontrac", False, id="US-approved-OnTrac"),
    pytest.param(US_SHOP, "FEDEX", "HOME", "fedex", True, id="US-mapped-FEDEX"),
    pytest.param(US_SHOP, "DHL", "ECOMMERCE", "dhl us", True, id="US-mapped-DHL"),
    pytest.param(US_SHOP, "UPSMI", "STANDARD", "ups", True, id="US-mapped-UPS-Mail-Innovations"),
    pytest.param(US_SHOP, "SPEEDEE", "GROUND", "spee-dee delivery", True, id="US-mapped-SpeeDee"),
    pytest.param(UK_SHOP, "RoyalMail", "Tracked48", "Royal Mail", True, id="UK-mapped-RoyalMail"),
    pytest.param(UK_SHOP, "Hermes", "Standard", "EVRi", True, id="UK-mapped-Hermes-to-EVRi"),
    pytest.param(UK_SHOP, "DPD", "NextDay", "DPD UK", True, id="UK-mapped-DPD"),
    pytest.param(UK_SHOP, "Yodel UK", "Standard", "Yodel UK", False, id="UK-approved-Yodel"),
]

REFUSED = [
    pytest.param(US_SHOP, "PUROLATOR", "GROUND", "not a TikTok Shop approved carrier for US", id="US-unapproved"),
    pytest.param(US_SHOP, "CANADAPOST", "EXPEDITED", "not a TikTok Shop approved carrier", id="US-unapproved-2"),
    pytest.param(US_SHOP, "ACME", "GROUND", "not in the Carrier/Class list", id="US-unknown-carrier"),
    pytest.param(US_SHOP, "UPS", "OVERNIGHT", "not a class of carrier 'UPS'", id="US-unknown-class"),
    pytest.param(UK_SHOP, "Whistl", "Standard", "not a TikTok Shop approved carrier for UK", id="UK-unapproved"),
    pytest.param(UK_SHOP, "USPS", "PRIORITY", "not a TikTok Shop approved carrier for UK", id="UK-US-carrier"),
    pytest.param(US_SHOP, "UPS", "", "both required", id="missing-class"),
]


@pytest.mark.parametrize(("shop", "carrier", "klass", "tiktok", "mapped"), ACCEPTED)
def test_ful5_ship_with_accepted_carrier_is_relayed_at_next_sync(
    oms: Oms, world: World, shop: str, carrier: str, klass: str, tiktok: str, mapped: bool
) -> None:
    order = place(world, shop)
    to_import(world, order)
    ca_id = oms.ca_id(order)
    world.advance(seconds=120)
    resp = oms.ship(ca_id, carrier, klass, tracking="TRK123")
    assert resp.status_code == 204 and resp.data == b""
    ca = oms.order(order)
    assert ca["ShippingStatus"] == "Shipped"
    assert ca["Fulfillments"][0]["DeliveryStatus"] == "Complete"
    assert ca["Fulfillments"][0]["ShippingCarrier"] == carrier
    assert order.status == "AWAITING_SHIPMENT"  # not yet relayed
    next_tick(world)
    package = world.engine.packages[order.package_ids[0]]
    assert order.status == "AWAITING_COLLECTION"
    assert (package.tracking_number, package.shipping_provider_id) == ("TRK123", tiktok)
    assert package.rts_time == world.clock.now()
    assert kinds(world, order) == ["shipped"]
    entry = world.journal.entries(kind="ca.ship", order_id=order.id)[0]
    assert entry.data["mapped"] is mapped and entry.data["tiktok_carrier"] == tiktok


@pytest.mark.parametrize(("shop", "carrier", "klass", "message"), REFUSED)
def test_ful5_ship_with_unapproved_or_unknown_carrier_is_refused_and_changes_nothing(
    oms: Oms, world: World, shop: str, carrier: str, klass: str, message: str
) -> None:
    order = place(world, shop)
    to_import(world, order)
    before = oms.order(order)
    resp = oms.ship(oms.ca_id(order), carrier, klass)
    assert resp.status_code == 400
    assert resp.json["error"]["code"] == "InvalidShippingCarrier"
    assert message in resp.json["error"]["message"]
    assert oms.order(order) == before
    next_tick(world)
    assert order.status == "AWAITING_SHIPMENT" and kinds(world, order) == []


def test_ful5_ship_requires_tracking_number(oms: Oms, world: World) -> None:
    order = place(world)
    to_import(world, order)
    resp = oms.ship(oms.ca_id(order), tracking="  ")
    assert resp.status_code == 400 and "TrackingNumber" in resp.json["error"]["message"]
    assert oms.order(order)["ShippingStatus"] == "Unshipped"


def test_ful5_ship_body_needs_value_wrapper_and_valid_date(oms: Oms, world: World) -> None:
    order = place(world)
    to_import(world, order)
    ca_id = oms.ca_id(order)
    bare = oms.call("POST", f"/v1/Orders({ca_id})/Ship", json={"TrackingNumber": "X", "ShippingCarrier": "UPS"})
    assert bare.status_code == 400 and "Value" in bare.json["error"]["message"]
    bad_date = oms.ship(ca_id, ShippedDateUtc="yesterday")
    assert bad_date.status_code == 400 and "ShippedDateUtc" in bad_date.json["error"]["message"]
    not_json = oms.call("POST", f"/v1/Orders({ca_id})/Ship", data="{oops", content_type="application/json")
    assert not_json.status_code == 400
    assert oms.order(order)["ShippingStatus"] == "Unshipped"


def test_ful2_ship_twice_or_bad_key_is_refused(oms: Oms, world: World) -> None:
    order = place(world)
    to_import(world, order)
    ca_id = oms.ca_id(order)
    assert oms.ship(ca_id).status_code == 204
    again = oms.ship(ca_id)
    assert again.status_code == 400 and "already Shipped" in again.json["error"]["message"]
    assert oms.ship(424242).status_code == 404
    bad_key = oms.call("POST", "/v1/Orders(abc)/Ship", json={"Value": {}})
    assert bad_key.status_code == 400 and "Edm.Int32" in bad_key.json["error"]["message"]


def test_ful5_ship_via_fulfillment_patch(oms: Oms, world: World) -> None:
    order = place(world)
    to_import(world, order)
    fid = oms.order(order)["Fulfillments"][0]["ID"]
    resp = oms.call("PATCH", f"/v1/Fulfillments({fid})",
                    json={"TrackingNumber": "9400", "ShippingCarrier": "USPS", "ShippingClass": "FIRST"})
    assert resp.status_code == 204
    assert oms.call("GET", f"/v1/Fulfillments({fid})").json["DeliveryStatus"] == "Complete"
    next_tick(world)
    assert world.engine.packages[order.package_ids[0]].shipping_provider_id == "usps"


def test_ful5_relay_to_an_order_cancelled_meanwhile_fails_and_ca_shows_canceled(oms: Oms, world: World) -> None:
    order = place(world)
    to_import(world, order)
    assert oms.ship(oms.ca_id(order)).status_code == 204
    world.engine.platform_cancel(order.id, "fraud")  # TikTok cancels before the relay
    next_tick(world)
    ca = oms.order(order)
    assert order.status == "CANCELLED" and ca["ShippingStatus"] == "Canceled"
    assert ca["Fulfillments"][0]["DeliveryStatus"] == "Canceled"
    failed = [e for e in world.journal.entries(kind="ca.sync", order_id=order.id) if e.data.get("ok") is False]
    assert failed and failed[0].data["action"] == "ship"
