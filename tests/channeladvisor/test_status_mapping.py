"""CA-3: the TikTok <-> ChannelAdvisor status tables are total, consistent both ways, and what the sync does."""

from __future__ import annotations

import pytest

from simulator.channeladvisor.enums import RequestStatus, ShippingStatus
from simulator.channeladvisor.status_map import (
    CA_TO_TIKTOK,
    CANCEL_TO_REQUEST,
    REQUEST_TO_RETURN,
    RETURN_OUTCOME,
    RETURN_TO_REQUEST,
    return_request_status,
    return_term,
    to_ca,
    to_tiktok,
)
from simulator.engine import CancelStatus, OrderStatus, ReturnStatus, ShipmentType
from simulator.world import World
from tests.fixtures.channeladvisor import Oms, next_tick, place, to_import

RITHUM_DOC_RETURN_TERMS = {"Request Pending", "Waiting for Buyer to Ship", "Return Label Generated", "Buyer Shipped"}
EXPECTED_FORWARD = {
    OrderStatus.UNPAID: None, OrderStatus.ON_HOLD: None, OrderStatus.AWAITING_SHIPMENT: "Unshipped",
    OrderStatus.PARTIALLY_SHIPPING: "PartiallyShipped", OrderStatus.AWAITING_COLLECTION: "Shipped",
    OrderStatus.IN_TRANSIT: "Shipped", OrderStatus.DELIVERED: "Shipped", OrderStatus.COMPLETED: "Shipped",
    OrderStatus.CANCELLED: "Canceled",
}


@pytest.mark.parametrize("status", list(OrderStatus))
def test_ca3_tiktok_to_ca_is_total(world: World, status: OrderStatus) -> None:
    assert to_ca(world.rules["rithum"], status) == EXPECTED_FORWARD[status]


@pytest.mark.parametrize("status", list(ShippingStatus))
def test_ca3_ca_to_tiktok_is_total_and_round_trips(world: World, status: ShippingStatus) -> None:
    assert status in CA_TO_TIKTOK
    back = to_tiktok(status)
    if back is None:
        assert status == ShippingStatus.THIRD_PARTY_MANAGED
        return
    forward = to_ca(world.rules["rithum"], back)
    # PendingShipment is "fulfillment incomplete": TikTok still awaits shipment, which CA shows as Unshipped.
    assert forward == (ShippingStatus.UNSHIPPED if status == ShippingStatus.PENDING_SHIPMENT else status)


@pytest.mark.parametrize("status", list(OrderStatus))
def test_ca3_forward_then_back_lands_in_the_same_ca_class(world: World, status: OrderStatus) -> None:
    ca = to_ca(world.rules["rithum"], status)
    if ca is not None:
        assert to_ca(world.rules["rithum"], to_tiktok(ca)) == ca  # type: ignore[arg-type]


def test_ca3_cancellation_and_returns_tables_are_total_and_invertible() -> None:
    assert set(CANCEL_TO_REQUEST) == set(CancelStatus)
    assert set(RETURN_TO_REQUEST) == RITHUM_DOC_RETURN_TERMS
    assert {REQUEST_TO_RETURN[v] for v in RETURN_TO_REQUEST.values()} == RITHUM_DOC_RETURN_TERMS
    assert all(isinstance(v, RequestStatus) for v in (*CANCEL_TO_REQUEST.values(), *RETURN_TO_REQUEST.values()))


@pytest.mark.parametrize("shipment", list(ShipmentType))
@pytest.mark.parametrize("status", list(ReturnStatus))
def test_ca3_ret6_return_statuses_map_to_a_rithum_term_or_an_outcome_and_back(status: ReturnStatus,
                                                                             shipment: ShipmentType) -> None:
    request = return_request_status(status, shipment)
    term = return_term(status, shipment)
    if term is None:  # decided: the outcome, never a term the OMS could read as an open return
        assert request == RETURN_OUTCOME[status] and request not in REQUEST_TO_RETURN
        return
    assert term in RITHUM_DOC_RETURN_TERMS and REQUEST_TO_RETURN[request] == term  # back again: the same term
    label = status == ReturnStatus.AWAITING_BUYER_SHIP and shipment == ShipmentType.PLATFORM
    assert (term == "Return Label Generated") == label


def test_ca3_every_rithum_return_term_is_reached_by_some_tiktok_return_status() -> None:
    reached = {return_term(s, t) for s in ReturnStatus for t in ShipmentType} - {None}
    assert reached == RITHUM_DOC_RETURN_TERMS


def test_ca3_sync_projects_each_lifecycle_status_at_the_next_tick(oms: Oms, world: World) -> None:
    order = place(world)
    to_import(world, order)
    seen = [(order.status, oms.order(order)["ShippingStatus"])]
    package = order.package_ids[0]
    steps = [
        lambda: world.engine.ship_package(package, tracking_number="T1", shipping_provider_id="ups"),
        lambda: world.engine.carrier_collected(package),
        lambda: world.engine.carrier_delivered(package),
        lambda: world.engine.complete(order.id),
    ]
    for step in steps:
        step()
        next_tick(world)
        seen.append((order.status, oms.order(order)["ShippingStatus"]))
    assert seen == [(s, EXPECTED_FORWARD[s]) for s in (
        OrderStatus.AWAITING_SHIPMENT, OrderStatus.AWAITING_COLLECTION, OrderStatus.IN_TRANSIT,
        OrderStatus.DELIVERED, OrderStatus.COMPLETED)]
    fulfillment = oms.order(order)["Fulfillments"][0]  # shipped on TikTok directly: CA shows the tracking
    assert (fulfillment["DeliveryStatus"], fulfillment["TrackingNumber"]) == ("Complete", "T1")
