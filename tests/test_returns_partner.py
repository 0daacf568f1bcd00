"""A return end to end on each profile, as partners run it over HTTP: RET-1..RET-7, CA-3, with every system agreeing.

Only the wire: signed TikTok calls (the client of tests/fixtures/serve.py, written from the API doc), ChannelAdvisor
REST with the refresh-token grant, OCAPI with the Business Manager user grant, and ``/_sim`` for the buyer, the
carrier and the clock. Each test ends with ``GET /_sim/invariants`` finding nothing, and runs again with every
request validated against its contract (the partner's traffic conforms to contracts/).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from simulator.app import create_app
from simulator.testing.live import LiveServer
from simulator.world import World
from tests.fixtures.serve import Served
from tests.fixtures.tiktok import Receiver

pytestmark = pytest.mark.live

SEARCH = "/return_refund/202309/returns/search"
HOUR, TICK = 3600, 900


@pytest.fixture(params=["plain", "validated"])
def sim(request: pytest.FixtureRequest) -> Iterator[Served]:
    """A live server; ``validated`` also checks every request against contracts/ (``serve --validate``)."""
    world = World.create(seed=0, config={"tiktok": {"timestamp_clock": "wall"}})
    app = create_app(world)
    if request.param == "validated":
        from simulator.contracts.validation import ContractValidator, enable

        enable(app, ContractValidator())
    with LiveServer(app) as server:
        yield Served(server.url)
    world.close()


def shop_of(sim: Served, profile: str) -> str:
    shops = sim.sim("GET", "credentials")["tiktok"]["shops"]
    return str(next(s["id"] for s in shops if s["profile"] == profile and s["region"] == "US"))


def ok(answer: dict[str, Any]) -> dict[str, Any]:
    assert answer["code"] == 0, answer
    data: dict[str, Any] = answer["data"]
    return data


def advance(sim: Served, seconds: int) -> None:
    sim.sim("POST", "clock/advance", {"seconds": seconds})


def place(sim: Served, shop: str) -> str:
    order_id = str(sim.sim("POST", "buyer/orders", {"shop_id": shop})["order"]["id"])
    advance(sim, HOUR)  # past the hold (HOLD-1)
    return order_id


def ship_on_tiktok(sim: Served, shop: str, order_id: str) -> str:
    """Get Order Detail -> Get Shipping Providers -> Ship Package (FUL-1); returns the package id."""
    detail = ok(sim.call("GET", "/order/202309/orders", shop, query={"ids": order_id}))["orders"][0]
    package = detail["packages"][0]["id"]
    providers = ok(sim.call("GET", f"/logistics/202309/delivery_options/{detail['delivery_option_id']}"
                                   "/shipping_providers", shop))["shipping_providers"]
    ok(sim.call("POST", f"/fulfillment/202309/packages/{package}/ship", shop, {
        "handover_method": "DROP_OFF",
        "self_shipment": {"tracking_number": "1ZRET0000000000001", "shipping_provider_id": providers[0]["id"]}}))
    return str(package)


def package_of(sim: Served, shop: str, order_id: str) -> str:
    detail = ok(sim.call("GET", "/order/202309/orders", shop, query={"ids": order_id}))["orders"][0]
    return str(detail["packages"][0]["id"])


def the_return(sim: Served, shop: str, order_id: str) -> dict[str, Any]:
    rows = ok(sim.call("POST", SEARCH, shop, {"order_ids": [order_id]}))["return_orders"]
    assert len(rows) == 1, rows
    row: dict[str, Any] = rows[0]
    return row


def decide(sim: Served, shop: str, return_id: str, verb: str, decision: str, key: str) -> None:
    ok(sim.call("POST", f"/return_refund/202309/returns/{return_id}/{verb}", shop, {"decision": decision},
                query={"idempotency_key": key}))


def agreed(sim: Served) -> None:
    report = sim.sim("GET", "invariants")
    assert report["ok"] and report["violations"] == [], report


def tiktok_order(sim: Served, shop: str, order_id: str) -> dict[str, Any]:
    order: dict[str, Any] = ok(sim.call("GET", "/order/202309/orders", shop, query={"ids": order_id}))["orders"][0]
    return order


def test_direct_a_return_and_refund_goes_end_to_end_on_the_tiktok_api(sim: Served, receiver: Receiver) -> None:
    """RET-1..RET-5 on the direct profile: request, approve (label), buyer ships, received, refunded; type 12 hooks."""
    shop = shop_of(sim, "direct")
    sim.subscribe(shop, receiver.url, "RETURN_STATUS_CHANGE")
    order_id = place(sim, shop)
    package = ship_on_tiktok(sim, shop, order_id)
    sim.sim("POST", f"carrier/packages/{package}/delivered")
    paid = tiktok_order(sim, shop, order_id)["payment"]["total_amount"]

    asked = sim.sim("POST", f"buyer/orders/{order_id}/return", {"type": "RETURN_AND_REFUND"})
    row = the_return(sim, shop, order_id)
    assert row["return_id"] == asked["return_id"] and row["return_status"] == "RETURN_OR_REFUND_REQUEST_PENDING"
    assert row["seller_next_action_response"][0]["action"] == "SELLER_RESPOND_RETURN"
    reasons = ok(sim.call("GET", "/return_refund/202309/reject_reasons", shop,
                          query={"return_or_cancel_id": row["return_id"]}))["reasons"]
    assert reasons and all(r["name"] and r["text"] for r in reasons)

    due = sim.sim("GET", f"orders/{order_id}")["deadlines"]
    assert due["return_respond_by"] == "2026-11-04T10:00:00+00:00" and due["return_ship_by"] is None  # 48 h
    decide(sim, shop, row["return_id"], "approve", "APPROVE_RETURN", "k-approve")
    assert sim.sim("GET", f"orders/{order_id}")["deadlines"]["return_ship_by"] == "2026-11-09T10:00:00+00:00"
    row = the_return(sim, shop, order_id)
    assert row["return_status"] == "AWAITING_BUYER_SHIP" and row["return_tracking_number"]
    assert row["return_shipping_document_type"] == "SHIPPING_LABEL"  # TikTok's prepaid label
    shipped = sim.sim("POST", f"buyer/returns/{row['return_id']}/ship", {})
    assert shipped["return_status"] == "BUYER_SHIPPED_ITEM"
    sim.sim("POST", f"carrier/returns/{row['return_id']}/delivered")
    row = the_return(sim, shop, order_id)
    assert row["seller_next_action_response"][0]["action"] == "SELLER_RESPOND_RECEIVE_PACKAGE"
    decide(sim, shop, row["return_id"], "approve", "APPROVE_RECEIVED_PACKAGE", "k-received")

    row = the_return(sim, shop, order_id)
    assert row["return_status"] == "RETURN_OR_REFUND_REQUEST_COMPLETE"
    assert row["refund_amount"]["refund_total"] == paid  # the whole order: its units and its shipping (RET-4)
    assert tiktok_order(sim, shop, order_id)["status"] == "COMPLETED"
    records = ok(sim.call("GET", f"/return_refund/202309/returns/{row['return_id']}/records", shop))["records"]
    assert [r["role"] for r in records] == ["BUYER", "SELLER", "BUYER", "SYSTEM", "SELLER", "SELLER"]
    hooks = [json.loads(r["body"]) for r in receiver.received]
    assert [(h["type"], h["data"]["return_status"]) for h in hooks] == [
        (12, "RETURN_OR_REFUND_REQUEST_PENDING"), (12, "AWAITING_BUYER_SHIP"), (12, "BUYER_SHIPPED_ITEM"),
        (12, "RETURN_OR_REFUND_REQUEST_SUCCESS"), (12, "RETURN_OR_REFUND_REQUEST_COMPLETE")]
    view = sim.sim("GET", f"orders/{order_id}")
    assert [n["kind"] for n in view["notifications"] if n["kind"].startswith("return")] == [
        "return_approved", "return_refund"]
    agreed(sim)


class Ocapi:
    """The partner OMS on OCAPI Shop: Business Manager user grant (login:access_key:client_secret)."""

    def __init__(self, sim: Served) -> None:
        creds = sim.sim("GET", "credentials")["sfcc"]
        self.base, self.http = sim.base, requests.Session()
        self.client = next(c for c in creds["api_clients"] if "OMS" in c["name"])
        user = next(u for u in creds["bm_users"] if u["login"].startswith("oms"))
        self.basic = base64.b64encode(
            f"{user['login']}:{user['access_key']}:{self.client['client_secret']}".encode()).decode()

    def _call(self, method: str, order_no: str, body: Any = None) -> requests.Response:
        for _ in range(2):  # the token lives minutes of world time: clients grant again on 401
            if "Authorization" not in self.http.headers:
                token = self.http.post(
                    f"{self.base}/dw/oauth2/access_token", params={"client_id": self.client["client_id"]},
                    headers={"Authorization": f"Basic {self.basic}"}, timeout=10,
                    data={"grant_type": "urn:demandware:params:oauth:grant-type:client-id:dwsid:dwsecuretoken"})
                token.raise_for_status()
                self.http.headers.update({"Authorization": f"Bearer {token.json()['access_token']}",
                                          "x-dw-client-id": self.client["client_id"]})
            r = self.http.request(method, f"{self.base}/s/RefArch/dw/shop/v22_6/orders/{order_no}", json=body,
                                  timeout=10)
            if r.status_code != 401:
                break
            del self.http.headers["Authorization"]
        assert r.status_code == 200, r.text
        return r

    def order(self, order_no: str) -> dict[str, Any]:
        doc: dict[str, Any] = self._call("GET", order_no).json()
        return doc

    def ship(self, doc: dict[str, Any], tracking: str) -> None:
        """FUL-4 push: the OMS marks every line shipped on the SFCC order; TikTok's job relays it."""
        self._call("PATCH", doc["order_no"], {
            "c_orderAction": "update", "shipping_status": "shipped", "product_items": [
                {"product_id": i["product_id"], "c_externalLineItemStatus": 2, "c_carrier": "USPS",
                 "c_trackingNumber": tracking} for i in doc["product_items"]]})


def test_sfcc_a_refund_only_goes_end_to_end_and_sfcc_shows_its_return_status(sim: Served) -> None:
    """RET-7 with RET-1/2/4: shipped from SFCC, refund-only approved on the TikTok API, SFCC's return status follows."""
    shop = shop_of(sim, "sfcc")
    order_id = place(sim, shop)
    oms = Ocapi(sim)
    order_no = sim.sim("GET", f"orders/{order_id}")["systems"]["sfcc"]["order_no"]
    oms.ship(oms.order(order_no), "9400RET000000001")
    advance(sim, TICK)
    sim.sim("POST", f"carrier/packages/{package_of(sim, shop, order_id)}/delivered")

    sim.sim("POST", f"buyer/orders/{order_id}/return", {"type": "REFUND_ONLY",
                                                         "reason": "ecom_order_delivered_refund_reason_damaged"})
    row = the_return(sim, shop, order_id)
    assert (row["return_type"], row["return_status"]) == ("REFUND", "RETURN_OR_REFUND_REQUEST_PENDING")
    assert oms.order(order_no)["c_externalReturnStatus"] == 3  # NEW
    agreed(sim)
    decide(sim, shop, row["return_id"], "approve", "APPROVE_REFUND", "k-refund")
    row = the_return(sim, shop, order_id)
    assert row["return_status"] == "RETURN_OR_REFUND_REQUEST_COMPLETE" and row["can_buyer_keep_item"] is True
    doc = oms.order(order_no)
    assert doc["c_externalReturnStatus"] == 8  # REFUNDED: a refund without the goods coming back
    assert tiktok_order(sim, shop, order_id)["status"] == "COMPLETED"
    assert doc["c_externalChannelOrderStatus"] == 5  # COMPLETED, as TikTok
    agreed(sim)


class Rithum:
    """The partner OMS on ChannelAdvisor REST: refresh-token grant, OData reads, Ship, Adjust (CA docs)."""

    def __init__(self, sim: Served) -> None:
        self.app = sim.sim("GET", "credentials")["channeladvisor"]["applications"][0]
        self.base, self.http = sim.base, requests.Session()

    def _call(self, method: str, path: str, **kw: Any) -> requests.Response:
        for _ in range(2):  # access tokens last an hour: clients grant again on 401 (CA docs)
            if "Authorization" not in self.http.headers:
                token = self.http.post(f"{self.base}/oauth2/token", timeout=10,
                                       auth=(self.app["application_id"], self.app["shared_secret"]),
                                       data={"grant_type": "refresh_token",
                                             "refresh_token": self.app["refresh_tokens"][0]["refresh_token"]})
                token.raise_for_status()
                self.http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
            r = self.http.request(method, f"{self.base}/v1/{path}", timeout=10, **kw)
            if r.status_code != 401:
                return r
            del self.http.headers["Authorization"]
        return r

    def order(self, site_order_id: str) -> dict[str, Any]:
        r = self._call("GET", "Orders", params={"$filter": f"SiteOrderID eq '{site_order_id}'",
                                                "$expand": "Items($expand=Adjustments)"})
        assert r.status_code == 200, r.text
        value: list[dict[str, Any]] = r.json()["value"]
        assert len(value) == 1, value
        return value[0]

    def adjustments(self, site_order_id: str) -> list[dict[str, Any]]:
        return [a for item in self.order(site_order_id)["Items"] for a in item["Adjustments"]]

    def post(self, path: str, body: dict[str, Any]) -> None:
        r = self._call("POST", path, json=body)
        assert r.status_code == 204, r.text


def test_rithum_a_return_is_answered_in_channeladvisor_and_both_systems_agree(sim: Served) -> None:
    """RET-6 / CA-3: each Rithum return term shows at the sync; the OMS's Adjust answers reach TikTok."""
    shop = shop_of(sim, "rithum")
    order_id = place(sim, shop)
    oms = Rithum(sim)
    ca = oms.order(order_id)
    oms.post(f"Orders({ca['ID']})/Ship", {"Value": {
        "ShippedDateUtc": "2026-11-02T10:05:00Z", "TrackingNumber": "1ZRITHUM000000001", "ShippingCarrier": "UPS",
        "ShippingClass": "GROUND", "DeliveryStatus": "Complete"}})
    advance(sim, TICK)
    sim.sim("POST", f"carrier/packages/{package_of(sim, shop, order_id)}/delivered")

    asked = sim.sim("POST", f"buyer/orders/{order_id}/return", {"type": "RETURN_AND_REFUND"})
    assert oms.adjustments(order_id) == []  # shown at the next sync, not before
    advance(sim, TICK)
    [adj] = oms.adjustments(order_id)
    assert (adj["Type"], adj["RequestStatus"], adj["RmaNumber"]) == ("Refund", "NewRma", asked["return_id"])  # Request Pending
    agreed(sim)
    oms.post(f"Orders({ca['ID']})/Adjust", {"Reason": "CustomerReturnedItem", "IsRestock": True})
    assert oms.adjustments(order_id)[0]["RequestStatus"] == "ProcessingApproval"  # in flight until the sync
    advance(sim, TICK)
    row = the_return(sim, shop, order_id)
    assert row["return_status"] == "AWAITING_BUYER_SHIP"
    [adj] = oms.adjustments(order_id)
    assert adj["RequestStatus"] == "ReadyForReturn"  # Return Label Generated
    assert adj["ReturnTrackingNumberOrUrl"] == row["return_tracking_number"]
    agreed(sim)

    sim.sim("POST", f"buyer/returns/{row['return_id']}/ship", {})
    sim.sim("POST", f"carrier/returns/{row['return_id']}/delivered")
    advance(sim, TICK)
    assert oms.adjustments(order_id)[0]["RequestStatus"] == "PendingReturn"  # Buyer Shipped
    agreed(sim)
    oms.post(f"Orders({ca['ID']})/Adjust", {"Reason": "CustomerReturnedItem", "IsRestock": True})
    advance(sim, TICK)
    row = the_return(sim, shop, order_id)
    assert row["return_status"] == "RETURN_OR_REFUND_REQUEST_COMPLETE"
    [adj] = oms.adjustments(order_id)
    assert adj["RequestStatus"] == "PostProcessingComplete" and adj["IsRestock"] is True
    refunded = sum(float(a) for a in (adj["ItemAdjustment"], adj["ShippingAdjustment"]))
    assert f"{refunded:.2f}" == row["refund_amount"]["refund_total"]  # the refund, the same amount in both
    assert tiktok_order(sim, shop, order_id)["status"] == "COMPLETED"
    agreed(sim)
