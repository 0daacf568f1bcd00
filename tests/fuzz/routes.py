"""The fuzz route table: every (rule, method) of the app with a valid request template, its auth and envelope."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from simulator.tiktok_shop.versions import ALIASES
from tests.fuzz.world import DIRECT_US, Ids

Pick = Callable[[Sequence[Any]], Any]
Template = Callable[[Ids, Pick], Any]


def _none(ids: Ids, pick: Pick) -> dict[str, str]:
    return {}


@dataclass(frozen=True)
class Route:
    """One (rule, method): how to fill it validly, authenticate it and read its answers.

    ``auth``: tiktok (signed, shop), tiktok_noshop (signed), tiktok_host (unsigned), sfcc_shop / sfcc_user /
    sfcc_oms (OCAPI bearer of the TikTok or OMS client), sfcc_oauth, sfcc_controller, webdav, ca, ca_token, none.
    ``envelope``: tiktok, ocapi, controller, oauth, webdav, feed, ca, ca_token, sim.
    """

    rule: str
    method: str
    auth: str
    envelope: str
    args: Template = _none
    query: Template = _none
    body: Template | None = None
    raw: Callable[[Ids, Pick], tuple[bytes, str]] | None = None  # a non-JSON body and its content type
    write: bool = False
    isolated: bool = False  # gets a world of its own (it moves the clock, resets or reloads the world)
    weight: float = 1.0  # share of the cases per route (rebuilding a world per case is slow)

    @property
    def key(self) -> str:
        return f"{self.method} {self.rule}"


# -- id pickers --------------------------------------------------------------------------------------
def _order(ids: Ids, pick: Pick) -> str:
    return str(pick(sorted(o for orders in ids.orders.values() for o in orders)))


def _direct_order(ids: Ids, pick: Pick) -> str:
    return str(pick(sorted(ids.orders.get(DIRECT_US, []))))


def _multi(ids: Ids, pick: Pick) -> str:
    """A direct order with several units (partial cancels, splits, Mark Package As Shipped)."""
    several = sorted(o for o in ids.orders.get(DIRECT_US, []) if len(ids.lines.get(o, [])) > 1)
    return str(pick(several or sorted(ids.orders.get(DIRECT_US, []))))


def _units(ids: Ids, pick: Pick, *, every: bool = False) -> list[str]:
    """Some (or every) unit of a multi-unit direct order."""
    lines = ids.lines.get(_multi(ids, pick), [])
    return lines if every else lines[:pick([1, 2])]


def _package(ids: Ids, pick: Pick) -> str:
    return str(pick(sorted(ids.packages)))


def _cancel(ids: Ids, pick: Pick) -> str:
    return str(pick(sorted(ids.cancellations) or ["0"]))


def _return(ids: Ids, pick: Pick) -> str:
    return str(pick(sorted(ids.returns) or ["0"]))


def _delivered(ids: Ids, pick: Pick) -> str:
    return str(pick(sorted(ids.delivered) or ["0"]))


def _ca(values: list[int], pick: Pick) -> str:
    return str(pick(values or [0]))


SELLER_REASONS = ["seller_cancel_reason_out_of_stock", "seller_cancel_reason_wrong_price",
                  "seller_cancel_unpaid_reason_out_of_stock"]
REJECT_REASONS = ["ecom_reverse_reject_cancel_reason_product_packed", "seller_reject_apply_product_has_been_packed"]
EVENTS = ["ORDER_STATUS_CHANGE", "PACKAGE_UPDATE", "CANCELLATION_STATUS_CHANGE", "RETURN_STATUS_CHANGE"]
RETURN_REJECT_REASONS = ["reverse_reject_request_reason_4", "reverse_reject_refund_request_unclear_evidence"]
DECISIONS = ["APPROVE_RETURN", "APPROVE_REFUND", "APPROVE_RECEIVED_PACKAGE", "DIRECT_REFUND", "OFFER_PARTIAL_REFUND"]
FEED = "src/feeds/export/social/tiktok/order"
SFCC_HOST = "https://zzrf-001.dx.commercecloud.salesforce.com"
VERSIONS = ["v22_6", "v25_6"]
SELECTS = ["(**)", "(order_no,status,product_items.(product_id,quantity))", "(*,-notes)",
           "(product_items[0:1].(**))", "(product_items[?(@.quantity>=1)].(item_id))"]
STATUS_VALUES = {"status": "open", "export_status": "exported", "external_status": "Shipped",
                 "confirmation_status": "confirmed", "payment_status": "paid", "shipping_status": "shipped"}


def _ship_body(ids: Ids, pick: Pick, package: str) -> dict[str, Any]:
    return {"handover_method": pick(["DROP_OFF", "PICKUP"]),
            "self_shipment": {"tracking_number": pick(["1ZFUZZ1", "TRK-2"]),
                              "shipping_provider_id": ids.providers.get(package, "0")}}


def _shipped(ids: Ids, pick: Pick) -> str:
    """A shipped package most of the time (shipping info updates need one), any package otherwise."""
    return str(pick(sorted(ids.shipped) * 3 + sorted(ids.packages)))


def _tracking_body(ids: Ids, pick: Pick) -> dict[str, Any]:
    return {"tracking_number": pick(["1ZFUZZ9", "TRK-9"]), "shipping_provider_id": pick(sorted(set(ids.providers.values())))}


def _create_body(ids: Ids, pick: Pick) -> dict[str, Any]:
    address = {"first_name": "Ada Lovelace", "address1": "1 Main St", "city": "Austin", "postal_code": "73301",
               "state_code": "TX", "country_code": "US", "phone": "5125550100"}
    return {"c_externalOrderId": pick(["576000000000000901", *ids.sfcc_external]), "currency": "USD",
            "customer": {"customer_email": "ada@example.com", "customer_name": "Ada", "billing_address": address},
            "product_lineitems": [{"product_id": pick(ids.sfcc_products), "quantity": 1, "net_price": "10.00",
                                   "tax": "0.80", "tax_rate": "0.08"}],
            "shipment": {"shipping_method": "TTS001", "shipping_address": address},
            "totals": {"adjusted_shipping_total": {"net_price": "5.00", "tax": "0", "gross_price": "5.00"}},
            "payment": {"payment_method": "SOCIAL_PAY", "amount": "15.80"}}


def _webdav_path(ids: Ids, pick: Pick) -> dict[str, str]:
    return {"root": pick(["IMPEX", "impex"]),
            "relative": pick([*ids.impex_files, "src/feeds/import/oms/status/fuzz.csv", "src/fuzz/new.xml"])}


def _ca_value(pick: Pick) -> dict[str, Any]:
    return {"Value": {"TrackingNumber": pick(["1ZCA1", "TRKCA"]), "ShippingCarrier": pick(["UPS", "USPS"]),
                      "ShippingClass": "GROUND", "DeliveryStatus": "Complete", "ShippedDateUtc": "2026-11-02T11:00:00Z"}}


def _auth_host(ids: Ids, pick: Pick, key: str, grant: str) -> dict[str, str]:
    tiktok = ids.credentials["tiktok"]
    app = tiktok["apps"][0]
    value = pick([a[key] for a in tiktok["authorizations"]] + ["x"])
    return {"app_key": app["app_key"], "app_secret": app["app_secret"], key: value, "grant_type": grant}


def _ca_form(ids: Ids, pick: Pick) -> tuple[bytes, str]:
    refresh = pick([t["refresh_token"] for t in ids.credentials["channeladvisor"]["applications"][0]["refresh_tokens"]]
                   + ["x"])
    return f"grant_type=refresh_token&refresh_token={refresh}".encode(), "application/x-www-form-urlencoded"


TIKTOK = [
    Route("/api/v2/token/get", "GET", "tiktok_host", "tiktok", write=True,
          query=lambda ids, pick: _auth_host(ids, pick, "auth_code", "authorized_code")),
    Route("/api/v2/token/refresh", "GET", "tiktok_host", "tiktok", write=True,
          query=lambda ids, pick: _auth_host(ids, pick, "refresh_token", "refresh_token")),
    Route("/authorization/202309/shops", "GET", "tiktok_noshop", "tiktok"),
    Route("/order/202309/orders/search", "POST", "tiktok", "tiktok",
          query=lambda ids, pick: {"page_size": pick(["10", "100"]), "sort_field": pick(["create_time", "update_time"]),
                                   "sort_order": pick(["ASC", "DESC"])},
          body=lambda ids, pick: {"order_status": pick(["AWAITING_SHIPMENT", "ON_HOLD"]), "create_time_ge": 1700000000,
                                  "is_buyer_request_cancel": pick([True, False]),
                                  "warehouse_ids": [pick(sorted(ids.warehouses))]}),
    Route("/order/202309/orders", "GET", "tiktok", "tiktok", query=lambda ids, pick: {"ids": ",".join(
        sorted(ids.orders.get(DIRECT_US, []))[:pick([1, 3, 50])])}),
    Route("/logistics/202309/warehouses", "GET", "tiktok", "tiktok"),
    Route("/logistics/202309/warehouses/<warehouse_id>/delivery_options", "GET", "tiktok", "tiktok",
          args=lambda ids, pick: {"warehouse_id": pick(sorted(ids.warehouses))},
          query=lambda ids, pick: {"scope": pick(["WAREHOUSE", "PRODUCT"])}),
    Route("/logistics/202309/delivery_options/<option_id>/shipping_providers", "GET", "tiktok", "tiktok",
          args=lambda ids, pick: {"option_id": pick(sorted(ids.delivery_options))}),
    Route("/fulfillment/202309/packages/<package_id>/ship", "POST", "tiktok", "tiktok", write=True,
          args=lambda ids, pick: {"package_id": _package(ids, pick)},
          body=lambda ids, pick: _ship_body(ids, pick, pick(sorted(ids.providers)))),
    Route("/fulfillment/202309/packages/<package_id>", "GET", "tiktok", "tiktok",
          args=lambda ids, pick: {"package_id": _package(ids, pick)}),
    Route("/fulfillment/202309/packages/search", "POST", "tiktok", "tiktok",
          query=lambda ids, pick: {"page_size": pick(["10", "50"]), "sort_field": "update_time"},
          body=lambda ids, pick: {"package_status": pick(["PROCESSING", "TO_FULFILL"]), "create_time_ge": 1700000000}),
    Route("/fulfillment/202309/packages/<package_id>/shipping_info/update", "POST", "tiktok", "tiktok", write=True,
          args=lambda ids, pick: {"package_id": _shipped(ids, pick)}, body=_tracking_body),
    Route("/fulfillment/202309/orders/<order_id>/shipping_info/update", "POST", "tiktok", "tiktok", write=True,
          args=lambda ids, pick: {"order_id": str(pick(sorted(ids.shipped.values()) * 3 + [_order(ids, pick)]))},
          body=_tracking_body),
    Route("/fulfillment/202309/orders/<order_id>/tracking", "GET", "tiktok", "tiktok",
          args=lambda ids, pick: {"order_id": _order(ids, pick)}),
    Route("/fulfillment/202309/orders/<order_id>/packages", "POST", "tiktok", "tiktok", write=True,
          args=lambda ids, pick: {"order_id": _multi(ids, pick)},
          body=lambda ids, pick: {"order_line_item_ids": _units(ids, pick), "tracking_number": "1ZMARK01",
                                  "shipping_provider_id": pick(sorted(set(ids.providers.values())))}),
    Route("/fulfillment/202309/orders/<order_id>/split", "POST", "tiktok", "tiktok", write=True,
          args=lambda ids, pick: {"order_id": _multi(ids, pick)},
          body=lambda ids, pick: {"splittable_groups": [{"id": str(n), "order_line_item_ids": [line]}
                                                        for n, line in enumerate(_units(ids, pick, every=True))]}),
    Route("/fulfillment/202309/combinable_packages/search", "GET", "tiktok", "tiktok",
          query=lambda ids, pick: {"page_size": str(pick([1, 20, 50]))}),
    Route("/fulfillment/202309/packages/combine", "POST", "tiktok", "tiktok", write=True,
          body=lambda ids, pick: {"combinable_packages": [{"id": _package(ids, pick), "order_ids": [
              _direct_order(ids, pick), _direct_order(ids, pick)]}]}),
    Route("/fulfillment/202309/packages/<package_id>/uncombine", "POST", "tiktok", "tiktok", write=True,
          args=lambda ids, pick: {"package_id": _package(ids, pick)},
          body=lambda ids, pick: {"order_ids": [_direct_order(ids, pick)]}),
    Route("/fulfillment/202309/orders/split_attributes", "GET", "tiktok", "tiktok",
          query=lambda ids, pick: {"order_ids": ",".join(sorted(ids.orders.get(DIRECT_US, []))[:pick([1, 3])])}),
    Route("/return_refund/202309/cancellations", "POST", "tiktok", "tiktok", write=True, body=lambda ids, pick: {
        "order_id": _direct_order(ids, pick), "cancel_reason": pick(SELLER_REASONS),
        **pick([{}, {"order_line_item_ids": _units(ids, pick)}])}),
    Route("/return_refund/202309/cancellations/search", "POST", "tiktok", "tiktok",
          query=lambda ids, pick: {"page_size": pick(["10", "50"])},
          body=lambda ids, pick: {"cancel_status": ["CANCELLATION_REQUEST_PENDING"],
                                  "order_ids": [_order(ids, pick)], "cancel_types": ["BUYER_CANCEL"]}),
    Route("/return_refund/202309/cancellations/<cancel_id>/approve", "POST", "tiktok", "tiktok", write=True,
          args=lambda ids, pick: {"cancel_id": _cancel(ids, pick)},
          query=lambda ids, pick: {"idempotency_key": pick(["k1", "k2"])}),
    Route("/return_refund/202309/cancellations/<cancel_id>/reject", "POST", "tiktok", "tiktok", write=True,
          args=lambda ids, pick: {"cancel_id": _cancel(ids, pick)},
          body=lambda ids, pick: {"reject_reason": pick(REJECT_REASONS), "comment": "packed already"}),
    Route("/return_refund/202309/reject_reasons", "GET", "tiktok", "tiktok",
          query=lambda ids, pick: {"return_or_cancel_id": _cancel(ids, pick)}),
    Route("/return_refund/202309/returns/search", "POST", "tiktok", "tiktok",
          query=lambda ids, pick: {"page_size": pick(["10", "50"]), "sort_order": pick(["ASC", "DESC"])},
          body=lambda ids, pick: {"return_status": [pick(["RETURN_OR_REFUND_REQUEST_PENDING", "AWAITING_BUYER_SHIP",
                                                          "RETURN_OR_REFUND_REQUEST_REJECT"])],
                                  "order_ids": [_delivered(ids, pick)], "return_types": ["RETURN_AND_REFUND"]}),
    Route("/return_refund/202309/returns/<return_id>/records", "GET", "tiktok", "tiktok",
          args=lambda ids, pick: {"return_id": _return(ids, pick)}),
    Route("/return_refund/202309/returns/<return_id>/approve", "POST", "tiktok", "tiktok", write=True,
          args=lambda ids, pick: {"return_id": _return(ids, pick)},
          query=lambda ids, pick: {"idempotency_key": pick(["k1", "k2"])},
          body=lambda ids, pick: {"decision": pick(DECISIONS), "buyer_keep_item": pick([True, False]),
                                  "partial_refund": pick([None, {"amount": "1.00", "currency": "USD"}])}),
    Route("/return_refund/202309/returns/<return_id>/reject", "POST", "tiktok", "tiktok", write=True,
          args=lambda ids, pick: {"return_id": _return(ids, pick)},
          body=lambda ids, pick: {"decision": pick(["REJECT_RETURN", "REJECT_REFUND", "REJECT_RECEIVED_PACKAGE"]),
                                  "reject_reason": pick(RETURN_REJECT_REASONS), "comment": "not eligible"}),
    Route("/return_refund/202309/returns", "POST", "tiktok", "tiktok", write=True,
          query=lambda ids, pick: {"idempotency_key": pick(["c1", "c2"])},
          body=lambda ids, pick: {"order_id": _delivered(ids, pick), "return_type": pick(["REFUND",
                                                                                          "RETURN_AND_REFUND"]),
                                  "return_reason": "ecom_order_delivered_refund_reason_damaged_seller",
                                  "skus": pick([None, [{"sku_id": pick(ids.skus), "quantity": 1}]])}),
    Route("/return_refund/202512/orders/<order_id>/aftersale_eligibility", "GET", "tiktok", "tiktok",
          args=lambda ids, pick: {"order_id": _delivered(ids, pick)},
          query=lambda ids, pick: {"initiate_aftersale_user": pick(["SELLER", "BUYER"])}),
    Route("/event/202309/webhooks", "GET", "tiktok", "tiktok"),
    Route("/event/202309/webhooks", "PUT", "tiktok", "tiktok", write=True, body=lambda ids, pick: {
        "address": pick(["https://hooks.example/tts", "http://127.0.0.1:9/hook"]), "event_type": pick(EVENTS)}),
    Route("/event/202309/webhooks", "DELETE", "tiktok", "tiktok", write=True,
          body=lambda ids, pick: {"event_type": pick(EVENTS)}),
]

SFCC = [
    *[Route(rule, "POST", "sfcc_oauth", "oauth", write=True, raw=lambda ids, pick: (
        pick([b"grant_type=client_credentials",
              b"grant_type=urn%3Ademandware%3Aparams%3Aoauth%3Agrant-type%3Aclient-id%3Adwsid%3Adwsecuretoken"]),
        "application/x-www-form-urlencoded"),
        query=lambda ids, pick: {"client_id": ids.credentials["sfcc"]["api_clients"][0]["client_id"]})
      for rule in ("/dw/oauth2/access_token", "/dwsso/oauth2/access_token")],  # client id: the harness's
    Route("/s/<site_id>/CreateExternalOrder", "POST", "sfcc_controller", "controller", write=True,
          args=lambda ids, pick: {"site_id": "RefArch"}, body=_create_body),
    Route("/on/demandware.store/Sites-<site_id>-Site/default/OrderCreate-Social", "POST", "sfcc_controller",
          "controller", write=True, args=lambda ids, pick: {"site_id": "RefArch"}, body=_create_body),
    Route("/s/<site_id>/dw/shop/<version>/orders/<order_no>", "GET", "sfcc_shop", "ocapi",
          args=lambda ids, pick: {"site_id": "RefArch", "version": pick(VERSIONS), "order_no": pick(ids.sfcc_orders)},
          query=lambda ids, pick: {"select": pick(SELECTS)}),
    Route("/s/<site_id>/dw/shop/<version>/orders/<order_no>", "PATCH", "sfcc_shop", "ocapi", write=True,
          args=lambda ids, pick: {"site_id": "RefArch", "version": pick(VERSIONS), "order_no": pick(ids.sfcc_orders)},
          body=lambda ids, pick: {"c_orderNote": "fuzz note", "shipping_status": pick(["not_shipped", "shipped"])}),
    Route("/s/<site_id>/dw/shop/<version>/order_search", "POST", "sfcc_shop", "ocapi",
          args=lambda ids, pick: {"site_id": "RefArch", "version": pick(VERSIONS)},
          body=lambda ids, pick: {"query": {"term_query": {"fields": ["c_externalOrderId"], "operator": "is",
                                                           "values": [pick(ids.sfcc_external)]}},
                                  "sorts": [{"field": "creation_date", "sort_order": "desc"}], "start": 0, "count": 10,
                                  "select": pick(["(**)", "(total,hits.(data.(order_no,status)))"])}),
    Route("/s/-/dw/data/<version>/user_search", "POST", "sfcc_user", "ocapi",
          args=lambda ids, pick: {"version": pick(VERSIONS)},
          body=lambda ids, pick: {"query": {"text_query": {"fields": ["login"], "search_phrase": "tiktok"}},
                                  "select": "(hits.(login, disabled, locked))"}),
    Route("/s/-/dw/data/<version>/sites/<site_id>/orders/<order_no>", "PATCH", "sfcc_oms", "ocapi", write=True,
          args=lambda ids, pick: {"version": pick(VERSIONS), "site_id": "RefArch", "order_no": pick(ids.sfcc_orders)},
          body=lambda ids, pick: {"c_orderTag": "fuzz"}),
    Route("/s/-/dw/data/<version>/sites/<site_id>/orders/<order_no>/<any(status, export_status, external_status, "
          "confirmation_status, payment_status, shipping_status):field>", "PUT", "sfcc_oms", "ocapi", write=True,
          args=lambda ids, pick: {"version": pick(VERSIONS), "site_id": "RefArch", "order_no": pick(ids.sfcc_orders),
                                  "field": pick(sorted(STATUS_VALUES))},
          body=lambda ids, pick: {"status": pick(sorted(STATUS_VALUES.values()))}),
    *[Route("/on/demandware.servlet/webdav/Sites/<any(IMPEX, Impex, impex):root>/<path:relative>", method, "webdav",
            "webdav", args=_webdav_path, write=method != "GET",
            raw=(lambda ids, pick: (b"orderNo,status\n00000001,ORDER_STATUS_OPEN\n", "text/csv"))
            if method == "PUT" else None)
      for method in ("GET", "PUT", "DELETE")],
    Route("/tbp/v2.0/feed/download/", "POST", "none", "feed", write=True, body=lambda ids, pick: {
        "business_platform": "SALESFORCE", "external_business_id": "7495540735365777507",
        "params": {"url": f"{SFCC_HOST}/on/demandware.servlet/webdav/Sites/IMPEX/"
                          f"{pick(ids.impex_files or [FEED + '/none.xml'])}", "feed_type": "order",
                   "update_type": "update"}}),
    Route("/_sim/sfcc/safeguards", "GET", "none", "sim"),
    Route("/_sim/sfcc/jobs", "GET", "none", "sim"),
    Route("/_sim/sfcc/oms-pull", "PUT", "none", "sim", write=True, isolated=True,
          body=lambda ids, pick: {"url": pick(["http://127.0.0.1:9/oms/status", None]), "interval": pick(["1h", 600])}),
    Route("/_sim/sfcc/jobs/<name>/run", "POST", "none", "sim", write=True, isolated=True,
          args=lambda ids, pick: {"name": pick(["TikTok-ExportOrderStatus", "TikTok-UpdateOrderStatus"])}),
    Route("/_sim/sfcc/impex/<path:relative>", "GET", "none", "sim",
          args=lambda ids, pick: {"relative": pick([FEED, "src", "src/feeds/import"])}),
]

CHANNELADVISOR = [
    Route("/oauth2/token", "POST", "ca_token", "ca_token", write=True, raw=_ca_form),
    Route("/v1/Orders", "GET", "ca", "ca", query=lambda ids, pick: {
        "$filter": pick(["ShippingStatus eq 'Unshipped'", "Items/any(i: i/Quantity gt 0) and ID ge 1",
                         "CreatedDateUtc gt 2026-01-01T00:00:00Z"]),
        "$expand": pick(["Items", "Items($expand=Adjustments),Fulfillments"]), "$top": pick(["1", "10"]),
        "$count": "true", "exported": "false", "$orderby": "CreatedDateUtc desc", "$select": "ID,SiteOrderID"}),
    Route("/v1/Orders(<key>)", "GET", "ca", "ca", args=lambda ids, pick: {"key": _ca(ids.ca_orders, pick)},
          query=lambda ids, pick: {"$expand": "Items,Fulfillments,Adjustments"}),
    Route("/v1/Orders(<key>)/<any(Items,Fulfillments,Adjustments):nav>", "GET", "ca", "ca",
          args=lambda ids, pick: {"key": _ca(ids.ca_orders, pick), "nav": pick(["Items", "Fulfillments",
                                                                                "Adjustments"])}),
    *[Route("/v1/Orders(<key>)/Export", method, "ca", "ca", write=True,
            args=lambda ids, pick: {"key": _ca(ids.ca_orders, pick)}) for method in ("POST", "DELETE")],
    Route("/v1/Orders(<key>)/Ship", "POST", "ca", "ca", write=True,
          args=lambda ids, pick: {"key": _ca(ids.ca_orders, pick)}, body=lambda ids, pick: _ca_value(pick)),
    Route("/v1/Orders(<key>)/Adjust", "POST", "ca", "ca", write=True,
          args=lambda ids, pick: {"key": _ca(ids.ca_orders, pick)},
          body=lambda ids, pick: {"Reason": pick(["ItemNotAvailable", "BuyerCancelled"]), "SellerAdjustmentID": "S1",
                                  "PreventSiteProcessing": False, "IsRestock": pick([True, False])}),
    Route("/v1/OrderItems(<key>)/Adjust", "POST", "ca", "ca", write=True,
          args=lambda ids, pick: {"key": _ca(ids.ca_items, pick)},
          body=lambda ids, pick: {"Quantity": 1, "Reason": "ItemNotAvailable"}),
    Route("/v1/Orders(<key>)/Adjustments(<adjustment>)/Reject", "POST", "ca", "ca", write=True,
          args=lambda ids, pick: {"key": _ca(ids.ca_orders, pick), "adjustment": _ca(ids.ca_adjustments, pick)},
          body=lambda ids, pick: {"RejectReason": pick(REJECT_REASONS), "Comment": "packed"}),
    Route("/v1/Fulfillments(<key>)", "GET", "ca", "ca", args=lambda ids, pick: {"key": _ca(ids.ca_fulfillments, pick)}),
    *[Route("/v1/Fulfillments(<key>)", method, "ca", "ca", write=True,
            args=lambda ids, pick: {"key": _ca(ids.ca_fulfillments, pick)}, body=lambda ids, pick: _ca_value(pick))
      for method in ("PATCH", "PUT")],
]


def _sim_order(ids: Ids, pick: Pick) -> dict[str, str]:
    return {"order_id": _order(ids, pick)}


CONTROL = [
    Route("/_sim/ping", "GET", "none", "sim"),
    Route("/_sim/clock", "GET", "none", "sim"),
    Route("/_sim/clock/advance", "POST", "none", "sim", write=True, isolated=True,
          body=lambda ids, pick: pick([{"seconds": 60}, {"seconds": 900.5}, {"to": "2026-11-03T09:00:00Z"}])),
    Route("/_sim/buyer/orders", "POST", "none", "sim", write=True, body=lambda ids, pick: {
        "shop_id": pick([DIRECT_US, "7495540735365777508"]), "paid": pick([True, False]),
        "items": [{"sku_id": pick(ids.skus), "quantity": 1}], "split_packages": False,
        **pick([{}, {"shipping_type": "TIKTOK", "handling_days": 1, "shipping_days": 3}])}),
    Route("/_sim/buyer/orders/<order_id>/pay", "POST", "none", "sim", write=True, args=_sim_order),
    Route("/_sim/buyer/orders/<order_id>/cancel", "POST", "none", "sim", write=True, args=_sim_order,
          body=lambda ids, pick: {"reason": pick(["ecom_order_unpaid_canceled_reason_no_longer_needed", None])}),
    Route("/_sim/buyer/orders/<order_id>/return", "POST", "none", "sim", write=True,
          args=lambda ids, pick: {"order_id": _delivered(ids, pick)},
          body=lambda ids, pick: {"type": pick(["RETURN_AND_REFUND", "REFUND_ONLY"]),
                                  "skus": pick([None, [{"sku_id": pick(ids.skus), "quantity": 1}]]),
                                  "shipment_type": pick(["PLATFORM", "BUYER_ARRANGE"])}),
    Route("/_sim/buyer/returns/<return_id>/ship", "POST", "none", "sim", write=True,
          args=lambda ids, pick: {"return_id": _return(ids, pick)},
          body=lambda ids, pick: {"tracking_number": pick([None, "RT123"])}),
    Route("/_sim/buyer/returns/<return_id>/cancel", "POST", "none", "sim", write=True,
          args=lambda ids, pick: {"return_id": _return(ids, pick)}),
    Route("/_sim/buyer/returns/<return_id>/offer", "POST", "none", "sim", write=True,
          args=lambda ids, pick: {"return_id": _return(ids, pick)}, body=lambda ids, pick: {"accept": pick([True,
                                                                                                           False])}),
    Route("/_sim/carrier/returns/<return_id>/delivered", "POST", "none", "sim", write=True,
          args=lambda ids, pick: {"return_id": _return(ids, pick)}),
    Route("/_sim/platform/orders/<order_id>/cancel", "POST", "none", "sim", write=True, args=_sim_order,
          body=lambda ids, pick: {"reason": pick(["fraud", "platform"]),
                                  **pick([{}, {"line_item_ids": _units(ids, pick)}])}),
    Route("/_sim/carrier/packages/<package_id>/<event>", "POST", "none", "sim", write=True,
          args=lambda ids, pick: {"package_id": _package(ids, pick), "event": pick(["collected", "delivered"])}),
    Route("/_sim/orders/<order_id>", "GET", "none", "sim", args=_sim_order),
    Route("/_sim/invariants", "GET", "none", "sim"),
    Route("/_sim/", "GET", "none", "sim"),
    Route("/_sim/journal", "GET", "none", "sim", query=lambda ids, pick: {"since": pick(["0", "100"]),
                                                                          "kind": pick(["tiktok", "sfcc"])}),
    Route("/_sim/credentials", "GET", "none", "sim"),
    Route("/_sim/ldr", "GET", "none", "sim", query=lambda ids, pick: {"start": "2026-11-01T00:00:00Z",
                                                                      "end": "2026-11-10T00:00:00Z"}),
    Route("/_sim/reset", "POST", "none", "sim", write=True, isolated=True, weight=0.5,
          body=lambda ids, pick: {"seed": pick([0, 1])}),
    Route("/_sim/seed", "POST", "none", "sim", write=True, isolated=True, weight=0.5),
]

_WORLD_IDS = ["default", "nope", "team-a"]
WORLDS = [  # the registry (docs/worlds.md): an in-process app's worlds are not durable, so snapshots are refused
    Route("/_sim/worlds", "POST", "none", "sim", write=True, isolated=True, weight=0.3, body=lambda ids, pick: {
        "seed": pick([0, 7]), "world_id": pick(["team-a", "b-2"]), "clock": "manual",
        "config": pick([{}, {"tiktok": {"strict_webhooks": True}}])}),
    Route("/_sim/worlds", "GET", "none", "sim"),
    Route("/_sim/worlds/<world_id>", "GET", "none", "sim", args=lambda ids, pick: {"world_id": pick(_WORLD_IDS)}),
    Route("/_sim/worlds/<world_id>", "DELETE", "none", "sim", write=True, isolated=True,
          args=lambda ids, pick: {"world_id": pick(_WORLD_IDS)}),
    Route("/_sim/worlds/<world_id>/snapshot", "POST", "none", "sim", write=True,
          args=lambda ids, pick: {"world_id": pick(_WORLD_IDS)}, body=lambda ids, pick: {"name": pick(["s1", "day-2"])}),
    Route("/_sim/worlds/<world_id>/snapshots", "GET", "none", "sim",
          args=lambda ids, pick: {"world_id": pick(_WORLD_IDS)}),
    Route("/_sim/worlds/<world_id>/restore", "POST", "none", "sim", write=True,
          args=lambda ids, pick: {"world_id": pick(_WORLD_IDS)}, body=lambda ids, pick: {"name": "s1"}),
    Route("/_sim/faults", "POST", "none", "sim", write=True, isolated=True, body=lambda ids, pick: {
        "system": pick(["tiktok", "sfcc", "channeladvisor"]), "match": {"method": pick(["GET", "POST"]),
                                                                       "path": pick(["/order/*", "/v1/*"])},
        "fault": pick([{"type": "rate_limit"}, {"type": "server_error"}, {"type": "latency", "ms": 0}]),
        "probability": pick([1, 0.5]), "count": pick([1, 3])}),
    Route("/_sim/faults", "GET", "none", "sim"),
    Route("/_sim/faults/<fault_id>", "DELETE", "none", "sim", write=True,
          args=lambda ids, pick: {"fault_id": pick(["fault-1", "nope"])}),
]

# test_every_route_has_fuzz_coverage fails when the app gains a route that is not listed here.
# Every newer TikTok version path (simulator.tiktok_shop.versions) is fuzzed with its older route's template.
TIKTOK += [replace(route, rule=alias.path) for route in list(TIKTOK) for alias in ALIASES
           if (alias.of, alias.method) == (route.rule, route.method)]
ROUTES: list[Route] = TIKTOK + SFCC + CHANNELADVISOR + CONTROL + WORLDS
