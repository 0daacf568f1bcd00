"""CAN-B2, CAN-P1: TikTok reads the SFCC order (GetOrder) and patches it to CANCELLED, tagged when shipped."""

from __future__ import annotations

from simulator.engine import OrderStatus
from simulator.world import World
from tests.sfcc.conftest import HOLD, OMS_CLIENT, OMS_USER, Sfcc, journal_kinds, order_no, released


def _ship_in_sfcc(sfcc: Sfcc, oms_token: str, no: str) -> None:
    doc = sfcc.get(no, oms_token).json()
    body = {"c_orderAction": "update", "shipping_status": "shipped", "c_externalExportStatus": 2,
            "product_items": [{"product_id": i["product_id"], "c_externalLineItemStatus": 2, "c_carrier": "USPS",
                               "c_trackingNumber": "9400100000000000000001"} for i in doc["product_items"]]}
    assert sfcc.patch(no, oms_token, body).status_code == 200


def test_can_b2_unshipped_and_seller_accepts_patches_cancelled(world: World, sfcc: Sfcc) -> None:
    """CAN-B2: request after the hold, seller accepts -> GetOrder then PATCH c_externalOrderStatus=CANCELLED."""
    order = released(world)
    cancellation = world.engine.buyer_cancel(order.id)
    world.engine.approve_cancellation(cancellation.id)
    assert order.status == OrderStatus.CANCELLED
    doc = sfcc.get(order_no(world, order), sfcc.bm_token()).json()
    assert doc["c_externalOrderStatus"] == "CANCELLED" and doc["c_externalChannelOrderStatus"] == 6
    assert doc["c_orderAction"] == "cancel_order" and "c_orderTag" not in doc
    assert {i["c_externalLineItemStatus"] for i in doc["product_items"]} == {6}
    kinds = journal_kinds(world, order, "connector.sfcc")
    assert kinds[-2:] == ["connector.sfcc.get_order", "connector.sfcc.cancelled"]
    assert "connector.sfcc.get_order" in kinds[:-2]  # the guard's GetOrder before approving


def test_can_b2_shipped_in_sfcc_blocks_the_cancellation(world: World, sfcc: Sfcc) -> None:
    """CAN-B2: GetOrder shows the order shipped -> nothing is cancelled in TikTok Shop or SFCC."""
    order = released(world)
    no = order_no(world, order)
    _ship_in_sfcc(sfcc, sfcc.bm_token(OMS_CLIENT, OMS_USER), no)
    cancellation = world.engine.buyer_cancel(order.id)
    world.engine.approve_cancellation(cancellation.id)
    assert order.status == OrderStatus.AWAITING_SHIPMENT
    assert world.engine.cancellations[cancellation.id].reject_reason == "shipped_in_sfcc"
    doc = sfcc.get(no, sfcc.bm_token()).json()
    assert doc["c_externalOrderStatus"] == "New" and doc["shipping_status"] == "shipped"


def test_can_b2_seller_rejects_nothing_changes_in_sfcc(world: World, sfcc: Sfcc) -> None:
    order = released(world)
    no = order_no(world, order)
    before = sfcc.get(no, sfcc.bm_token()).json()
    cancellation = world.engine.buyer_cancel(order.id)
    world.engine.reject_cancellation(cancellation.id, "seller_reject_apply_product_has_been_packed")
    assert order.status == OrderStatus.AWAITING_SHIPMENT
    assert sfcc.get(no, sfcc.bm_token()).json()["c_externalOrderStatus"] == before["c_externalOrderStatus"] == "New"
    assert "connector.sfcc.cancelled" not in journal_kinds(world, order, "connector.sfcc")


def test_can_p1_fraud_unshipped_patches_cancelled_without_tag(world: World, sfcc: Sfcc) -> None:
    """CAN-P1: platform cancel (fraud) of an unshipped order -> GetOrder, PATCH to CANCELLED."""
    order = released(world)
    world.engine.platform_cancel(order.id, "fraud")
    doc = sfcc.get(order_no(world, order), sfcc.bm_token()).json()
    assert doc["c_externalOrderStatus"] == "CANCELLED" and "c_orderTag" not in doc
    assert journal_kinds(world, order, "connector.sfcc")[-2:] == ["connector.sfcc.get_order",
                                                                 "connector.sfcc.cancelled"]


def test_can_p1_after_shipped_is_tagged_cancel_after_shipped(world: World, sfcc: Sfcc) -> None:
    """CAN-P1: already shipped -> PATCH to CANCELLED with the cancel-after-shipped tag."""
    order = released(world)
    world.engine.ship_package(order.package_ids[0], tracking_number="1Z999", shipping_provider_id="ups")
    world.engine.platform_cancel(order.id, "fraud")
    doc = sfcc.get(order_no(world, order), sfcc.bm_token()).json()
    assert doc["c_externalOrderStatus"] == "CANCELLED" and doc["c_orderTag"] == "cancel_after_shipped"


def test_can_p1_unshipped_after_15_days_is_cancelled_in_sfcc(world: World, sfcc: Sfcc) -> None:
    """CAN-P1: no shipment within 15 days -> TikTok cancels and patches SFCC."""
    order = released(world)
    world.advance(seconds=15 * 86400 - 1)
    assert order.status == OrderStatus.AWAITING_SHIPMENT
    world.advance(seconds=1)
    assert order.status == OrderStatus.CANCELLED
    doc = sfcc.get(order_no(world, order), sfcc.bm_token()).json()
    assert doc["c_externalOrderStatus"] == "CANCELLED" and doc["c_externalChannelOrderStatus"] == 6


def test_hold_time_unaffected_by_sfcc(world: World) -> None:
    order = released(world)
    assert order.released_time is not None and (order.released_time - order.create_time).total_seconds() == HOLD
