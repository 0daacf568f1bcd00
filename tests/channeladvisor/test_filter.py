"""$filter over HTTP: a table of valid and invalid expressions (CA-1 fields, CA-3 enums, CAN-B3 adjustments)."""

from __future__ import annotations

import pytest

from simulator.world import World
from tests.fixtures.channeladvisor import UK_SHOP, Oms, next_tick, place, to_import


@pytest.fixture
def orders(oms: Oms, world: World) -> dict[str, str]:
    """Four orders: u (US, unshipped), s (US, shipped via CA), c (US, cancelled), k (UK, buyer request pending)."""
    u = place(world, items=[("172000000000000101", 2)])  # 25.00 USD
    s = place(world, items=[("172000000000000102", 1)])  # 8.00 USD
    c = place(world)
    world.advance(seconds=30 * 60)
    k = place(world, UK_SHOP)  # 20.00 GBP, placed 09:30
    to_import(world, k)
    oms.ship(oms.ca_id(s), "UPS", "GROUND")
    oms.adjust(oms.ca_id(c))
    world.engine.buyer_cancel(k.id)
    next_tick(world)
    return {"u": u.id, "s": s.id, "c": c.id, "k": k.id}


VALID = [
    ("ShippingStatus eq 'Unshipped'", "uk"),
    ("ShippingStatus eq 'Shipped'", "s"),
    ("ShippingStatus eq 'Canceled'", "c"),
    ("ShippingStatus ne 'Canceled'", "usk"),
    ("shippingstatus eq 'unshipped'", "uk"),
    ("ShippingStatus in ('Shipped', 'Canceled')", "sc"),
    ("CheckoutStatus eq 'Completed' and PaymentStatus eq 'Cleared'", "usck"),
    ("(ShippingStatus eq 'Unshipped' or ShippingStatus eq 'PendingShipment' or ShippingStatus eq 'PartiallyShipped')"
     " and (CheckoutStatus eq 'Completed' or CheckoutStatus eq 'CompletedAndVisited')"
     " and (PaymentStatus eq 'Cleared' or PaymentStatus eq 'Submitted' or PaymentStatus eq 'Deposited')", "uk"),
    ("not (ShippingStatus eq 'Unshipped')", "sc"),
    ("TotalPrice gt 20", "u"),
    ("TotalPrice ge 20", "uk"),
    ("TotalPrice lt 12.5", "s"),
    ("TotalPrice le 12.5", "sc"),
    ("TotalPrice eq 8", "s"),
    ("Currency eq 'GBP'", "k"),
    ("ProfileID eq 12000002", "k"),
    ("ProfileID eq 12000001 and ShippingStatus eq 'Unshipped'", "u"),
    ("CreatedDateUtc ge 2026-11-02T09:30:00Z", "k"),
    ("CreatedDateUtc lt 2026-11-02T09:30:00Z", "usc"),
    ("CreatedDateUtc ge 2026-11-02", "usck"),
    ("CreatedDateUtc gt 2026-11-03", ""),
    ("year(CreatedDateUtc) eq 2026 and month(CreatedDateUtc) eq 11", "usck"),
    ("ShippingDateUtc eq null", "uck"),
    ("ShippingDateUtc ne null", "s"),
    ("SiteName eq 'TikTok Shop'", "usck"),
    ("startswith(SiteName, 'TikTok')", "usck"),
    ("contains(BuyerEmailAddress, 'example')", "usck"),
    ("Adjustments/any(a: a/RequestStatus eq 'PendingApproval')", "k"),
    ("Adjustments/any()", "ck"),
    ("Adjustments/all(a: a/Type eq 'Cancellation')", "usck"),
    ("Items/any(i: i/Sku eq 'MUG-BLU' and i/Quantity eq 2)", "u"),
    ("Fulfillments/any(f: f/DeliveryStatus eq 'Complete' and f/ShippingCarrier eq 'UPS')", "s"),
    ("ID gt 0 and ID lt 100000", ""),
]

INVALID = [
    ("ShippingStatus eq 'Bogus'", "not a valid enumeration type constant"),
    ("Foo eq 1", "Could not find a property named 'Foo'"),
    ("ID eq", "Syntax error"),
    ("ID eq 1 and", "Syntax error"),
    ("(ID eq 1", "Syntax error"),
    ("ID eq 1)", "Syntax error"),
    ("TotalPrice eq 'abc'", "incompatible types"),
    ("ShippingStatus eq 1", "incompatible types"),
    ("CreatedDateUtc gt 'yesterday'", "incompatible types"),
    ("ID add 1 eq 2", "Arithmetic"),
    ("ID", "must evaluate to a boolean"),
    ("bogusfn(ID) eq 1", "Unknown function"),
    ("contains(ID, 'x')", "expects Edm.String"),
    ("Items/Sku eq 'x'", "any()/all()"),
    ("ShippingStatus gt 'Shipped'", "Only eq, ne and in"),
    ("ID eq 1 && ID eq 2", "Syntax error"),
    ("ID eq 1 or 'x'", "must be boolean"),
    ("CreatedDateUtc gt 2026-13-45", "Syntax error"),
]


@pytest.mark.parametrize(("expression", "expected"), VALID)
def test_filter_valid_expressions(oms: Oms, orders: dict[str, str], expression: str, expected: str) -> None:
    found = {o["SiteOrderID"] for o in oms.orders(**{"$filter": expression})}
    assert found == {orders[key] for key in expected}


@pytest.mark.parametrize(("expression", "message"), INVALID)
def test_filter_invalid_expressions_get_400_odata_error(
    oms: Oms, orders: dict[str, str], expression: str, message: str
) -> None:
    resp = oms.call("GET", "/v1/Orders", params={"$filter": expression})
    assert resp.status_code == 400, resp.json
    assert resp.json["error"]["code"] == "InvalidQuery"
    assert message in resp.json["error"]["message"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"$top": "-1"}, "$top"),
        ({"$skip": "x"}, "$skip"),
        ({"$select": "ID,Nope"}, "Nope"),
        ({"$expand": "Widgets"}, "navigation property"),
        ({"$orderby": "ID sideways"}, "$orderby"),
        ({"$count": "yes"}, "$count"),
        ({"$search": "x"}, "not supported"),
        ({"$filter": ""}, "cannot be empty"),
    ],
)
def test_other_query_options_are_validated(oms: Oms, params: dict[str, str], message: str) -> None:
    resp = oms.call("GET", "/v1/Orders", params=params)
    assert resp.status_code == 400 and message in resp.json["error"]["message"]


def test_filter_table_is_large_enough() -> None:
    assert len(VALID) + len(INVALID) >= 30
