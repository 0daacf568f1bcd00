"""Every cancellation workflow of the Rithum doc, end to end: CAN-S3, CAN-B3, CAN-P2, with NOTE-1 emails."""

from __future__ import annotations

from datetime import timedelta

from simulator.world import World
from tests.fixtures.channeladvisor import Oms, kinds, next_tick, place, to_import

PENDING = "Adjustments/any(a: a/Reason eq 'BuyerCancelled' and a/RequestStatus eq 'PendingApproval')"


def _imported(oms: Oms, world: World) -> tuple[object, int]:
    order = place(world)
    to_import(world, order)
    ca_id = oms.ca_id(order)
    oms.export(ca_id)
    return order, ca_id


def _buyer_request(oms: Oms, world: World) -> tuple[object, int, dict]:  # type: ignore[type-arg]
    order, ca_id = _imported(oms, world)
    world.advance(seconds=120)
    world.engine.buyer_cancel(order.id)  # type: ignore[attr-defined]
    assert oms.orders(**{"$filter": PENDING}) == []  # not in CA until the next sync
    next_tick(world)
    listed = oms.orders(**{"$filter": PENDING, "$expand": "Adjustments"})
    assert [o["ID"] for o in listed] == [ca_id]
    return order, ca_id, listed[0]["Adjustments"][0]


def test_can_s3_seller_initiated_cancellation(oms: Oms, world: World) -> None:
    order, ca_id = _imported(oms, world)
    resp = oms.adjust(ca_id, Reason="ItemNotAvailable", SellerAdjustmentID="OMS-1")
    assert resp.status_code == 204
    adj = oms.order(order)["Adjustments"][0]  # type: ignore[arg-type]
    assert (adj["Type"], adj["Reason"], adj["RequestStatus"]) == ("Cancellation", "ItemNotAvailable",
                                                                  "SubmittedNotProcessed")
    assert order.status == "AWAITING_SHIPMENT"  # type: ignore[attr-defined]
    next_tick(world)
    ca = oms.order(order)  # type: ignore[arg-type]
    assert order.status == "CANCELLED" and order.cancellation_initiator == "SELLER"  # type: ignore[attr-defined]
    assert order.cancel_reason == "seller_cancel_reason_out_of_stock"  # type: ignore[attr-defined]
    assert ca["ShippingStatus"] == "Canceled"
    assert [(a["RequestStatus"], a["SellerAdjustmentID"]) for a in ca["Adjustments"]] == [
        ("PostProcessingComplete", "OMS-1")]
    assert kinds(world, order) == ["order_cancelled"]  # type: ignore[arg-type]
    note = world.engine.notifications_for(order.id)[0]  # type: ignore[attr-defined]
    assert note.details["refund_amount"] == "12.50" and note.at == world.clock.now()


def test_can_b3_seller_approves_buyer_request(oms: Oms, world: World) -> None:
    order, ca_id, adj = _buyer_request(oms, world)
    assert (adj["Type"], adj["Reason"], adj["RequestStatus"]) == ("Cancellation", "BuyerCancelled", "PendingApproval")
    assert adj["SiteAdjustmentID"] == order.pending_cancel_id  # type: ignore[attr-defined]
    assert oms.adjust(ca_id, Reason="BuyerCancelled").status_code == 204
    assert oms.order(order)["Adjustments"][0]["RequestStatus"] == "ProcessingApproval"  # type: ignore[arg-type]
    assert order.status == "AWAITING_SHIPMENT"  # type: ignore[attr-defined]
    next_tick(world)
    ca = oms.order(order)  # type: ignore[arg-type]
    assert order.status == "CANCELLED" and order.cancellation_initiator == "BUYER"  # type: ignore[attr-defined]
    assert ca["ShippingStatus"] == "Canceled"
    assert [a["RequestStatus"] for a in ca["Adjustments"]] == ["PostProcessingComplete"]
    assert kinds(world, order) == ["order_refund"]  # type: ignore[arg-type]


def test_can_b3_seller_rejects_buyer_request_with_reject_extension(oms: Oms, world: World) -> None:
    order, ca_id, adj = _buyer_request(oms, world)
    resp = oms.reject(ca_id, adj["ID"], RejectReason="ecom_reverse_reject_cancel_reason_product_packed",
                      Comment="already packed")
    assert resp.status_code == 204
    assert oms.order(order)["Adjustments"][0]["RequestStatus"] == "ProcessingRejection"  # type: ignore[arg-type]
    next_tick(world)
    ca = oms.order(order)  # type: ignore[arg-type]
    assert order.status == "AWAITING_SHIPMENT" and order.pending_cancel_id is None  # type: ignore[attr-defined]
    cancellation = world.engine.cancellations[adj["SiteAdjustmentID"]]
    assert cancellation.status == "CANCELLATION_REQUEST_CANCEL"
    assert cancellation.reject_reason == "ecom_reverse_reject_cancel_reason_product_packed"
    assert ca["ShippingStatus"] == "Unshipped"
    assert [a["RequestStatus"] for a in ca["Adjustments"]] == ["RejectionCompleted"]
    assert kinds(world, order) == ["cancellation_rejected"]  # type: ignore[arg-type]
    assert oms.ship(ca_id).status_code == 204  # the order continues
    next_tick(world)
    assert order.status == "AWAITING_COLLECTION"  # type: ignore[attr-defined]


def test_can_b3_shipping_rejects_the_buyer_request_implicitly(oms: Oms, world: World) -> None:
    order, ca_id, _ = _buyer_request(oms, world)
    assert oms.ship(ca_id).status_code == 204
    assert oms.order(order)["Adjustments"][0]["RequestStatus"] == "ProcessingRejection"  # type: ignore[arg-type]
    next_tick(world)
    ca = oms.order(order)  # type: ignore[arg-type]
    assert order.status == "AWAITING_COLLECTION"  # type: ignore[attr-defined]
    assert ca["ShippingStatus"] == "Shipped" and ca["Adjustments"][0]["RequestStatus"] == "RejectionCompleted"
    assert kinds(world, order) == ["cancellation_rejected", "shipped"]  # type: ignore[arg-type]


def test_can_b3_no_answer_for_24h_auto_approves(oms: Oms, world: World) -> None:
    order, ca_id, _ = _buyer_request(oms, world)
    requested = order.request_cancel_time  # type: ignore[attr-defined]
    world.advance(to=requested + timedelta(hours=24) - timedelta(seconds=1))
    assert order.status == "AWAITING_SHIPMENT"  # type: ignore[attr-defined]
    assert oms.order(order)["Adjustments"][0]["RequestStatus"] == "PendingApproval"  # type: ignore[arg-type]
    world.advance(seconds=1)
    assert order.status == "CANCELLED"  # type: ignore[attr-defined]
    assert kinds(world, order) == ["order_refund"]  # type: ignore[arg-type]
    next_tick(world)
    ca = oms.order(order)  # type: ignore[arg-type]
    assert ca["ShippingStatus"] == "Canceled"
    assert ca["Adjustments"][0]["RequestStatus"] == "PostProcessingComplete"
    assert "Auto-approved" in ca["Adjustments"][0]["Comment"]


def test_can_p2_platform_fraud_cancellation_reaches_oms_at_next_sync(oms: Oms, world: World) -> None:
    order, ca_id = _imported(oms, world)
    world.advance(seconds=60)
    world.engine.platform_cancel(order.id, "fraud")  # type: ignore[attr-defined]
    assert kinds(world, order) == ["order_cancelled"]  # type: ignore[arg-type]
    assert oms.order(order)["ShippingStatus"] == "Unshipped"  # type: ignore[arg-type]
    next_tick(world)
    ca = oms.order(order)  # type: ignore[arg-type]
    assert ca["ShippingStatus"] == "Canceled"
    adj = ca["Adjustments"][0]
    assert (adj["Type"], adj["Reason"], adj["RequestStatus"]) == ("Cancellation", "GeneralAdjustment",
                                                                  "PostProcessingComplete")
    assert "potential_fraud" in adj["Comment"]
    refused = oms.adjust(ca_id)  # not seller-actionable
    assert refused.status_code == 400 and "already canceled" in refused.json["error"]["message"]


def test_can_p2_unshipped_after_7_business_days_is_platform_cancelled(oms: Oms, world: World) -> None:
    order, _ = _imported(oms, world)
    deadline = order.cancel_order_sla_time  # type: ignore[attr-defined]
    assert deadline - order.released_time >= timedelta(days=9)  # type: ignore[attr-defined]  # 7 BD incl. a weekend
    world.advance(to=deadline - timedelta(seconds=1))
    assert order.status == "AWAITING_SHIPMENT"  # type: ignore[attr-defined]
    world.advance(seconds=1)
    assert order.status == "CANCELLED" and order.cancellation_initiator == "SYSTEM"  # type: ignore[attr-defined]
    next_tick(world)
    ca = oms.order(order)  # type: ignore[arg-type]
    assert ca["ShippingStatus"] == "Canceled"
    assert [(a["Reason"], a["RequestStatus"]) for a in ca["Adjustments"]] == [("CouldNotShip", "PostProcessingComplete")]
    assert kinds(world, order) == ["order_cancelled"]  # type: ignore[arg-type]


def test_can_s3_item_level_adjust_covering_the_order_cancels_it(oms: Oms, world: World) -> None:
    order = place(world, items=[("172000000000000101", 2)])
    to_import(world, order)
    item_id = oms.order(order)["Items"][0]["ID"]
    partial = oms.call("POST", f"/v1/OrderItems({item_id})/Adjust", json={"Value": {"Quantity": 1}})
    assert partial.status_code == 400 and "ItemNotAvailable" in partial.json["error"]["message"]  # CAN-L4
    resp = oms.call("POST", f"/v1/OrderItems({item_id})/Adjust", json={"Reason": "CouldNotShip", "Quantity": 2})
    assert resp.status_code == 204
    next_tick(world)
    ca = oms.order(order, **{"$expand": "Items($expand=Adjustments)"})
    assert order.status == "CANCELLED" and ca["ShippingStatus"] == "Canceled"
    assert ca["Items"][0]["Adjustments"][0]["Quantity"] == 2
    assert kinds(world, order) == ["order_cancelled"]


def test_adjust_and_reject_refusals_change_nothing(oms: Oms, world: World) -> None:
    order, ca_id, adj = _buyer_request(oms, world)
    before = oms.order(order)  # type: ignore[arg-type]
    bad_reason = oms.adjust(ca_id, Reason="BecauseISaidSo")
    assert bad_reason.status_code == 400 and "AdjustmentReason" in bad_reason.json["error"]["message"]
    bad_reject = oms.reject(ca_id, adj["ID"], RejectReason="not_a_reason")
    assert bad_reject.status_code == 400 and "reject reason" in bad_reject.json["error"]["message"]
    assert oms.reject(ca_id, 1).status_code == 404
    assert oms.order(order) == before  # type: ignore[arg-type]
    assert oms.adjust(ca_id).status_code == 204
    twice = oms.adjust(ca_id)
    assert twice.status_code == 400 and "waiting for the next sync" in twice.json["error"]["message"]
    late_reject = oms.reject(ca_id, adj["ID"])
    assert late_reject.status_code == 400
    ship = oms.ship(ca_id)
    assert ship.status_code == 400 and "waiting for the next sync" in ship.json["error"]["message"]


def test_adjust_after_shipment_is_refused(oms: Oms, world: World) -> None:
    order, ca_id = _imported(oms, world)
    oms.ship(ca_id)
    resp = oms.adjust(ca_id)
    assert resp.status_code == 400 and "returns" in resp.json["error"]["message"]


def test_seller_cancel_in_tiktok_directly_shows_up_in_channeladvisor(oms: Oms, world: World) -> None:
    order, _ = _imported(oms, world)
    world.engine.seller_cancel(order.id, "seller_cancel_reason_wrong_price")  # type: ignore[attr-defined]
    next_tick(world)
    ca = oms.order(order)  # type: ignore[arg-type]
    assert ca["ShippingStatus"] == "Canceled"
    assert ca["Adjustments"][0]["RequestStatus"] == "PostProcessingComplete"


def test_every_sync_action_is_journaled(oms: Oms, world: World) -> None:
    order, ca_id = _imported(oms, world)
    oms.adjust(ca_id)
    next_tick(world)
    actions = [(e.data["direction"], e.data["action"]) for e in world.journal.entries(kind="ca.sync",
                                                                                    order_id=order.id)]  # type: ignore[attr-defined]
    assert ("tiktok_to_ca", "import") in actions and ("ca_to_tiktok", "cancel") in actions
