"""TikTok -> SFCC connector: CreateExternalOrder at hold end, GetOrder+PATCH on cancels (SFCC-1/2, CAN-B2, CAN-P1).

Every call goes over the SFCC HTTP API (:class:`SfccClient`): in-process to this world's own mock by
default, or to ``world.config["sfcc"]["base_url"]`` (any SFCC instance) with the credentials configured there.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import requests

from simulator.connectors.sfcc_client import SfccClient, SfccSettings
from simulator.engine import Cancellation, Order, OrderStatus
from simulator.engine.events import EngineEvent, OrderStatusChanged
from simulator.rules import parse_duration
from simulator.transport import in_process_session

if TYPE_CHECKING:
    from simulator.clock import Timer
    from simulator.sfcc.backend import SfccBackend
    from simulator.world import World

CANCEL_AFTER_SHIPPED_TAG = "cancel_after_shipped"  # UNCERTAIN name (sfcc-ocapi.md section 1): sent as c_orderTag
SHIPPING_METHODS = {"economy": "TTS002", "express": "TTS003"}


def _shipped(doc: dict[str, Any]) -> bool:
    """An SFCC order document shows shipment (order status, or a shipped/part-shipped line)."""
    return doc.get("shipping_status") in ("shipped", "part_shipped") or any(
        i.get("c_externalLineItemStatus") in (1, 2) for i in doc.get("product_items", [])
    )


class TikTokSfccConnector:
    """The platform's automation for ``profile: sfcc`` shops; journals every call as ``connector.sfcc.*``."""

    def __init__(self, world: World, backend: SfccBackend) -> None:
        self.world, self.backend = world, backend
        self.order_nos: dict[str, str] = {}
        self._timers: dict[tuple[str, str], Timer] = {}
        self._client: SfccClient | None = None
        cfg = backend.config.connector
        settings = world.config.get("sfcc") or {}
        self.retry = [parse_duration(v) for v in settings.get("create_retry", cfg.get("create_retry", ["1m"]))]

    # -- wiring ------------------------------------------------------------------------------------
    def install(self) -> None:
        """Subscribe to the engine and register the CAN-B2 approval guard."""
        self.world.engine.subscribe(self.on_event)
        self.world.engine.approval_guards.append(self.approval_guard)

    @property
    def client(self) -> SfccClient:
        """The HTTP client (built lazily: the world's own app needs a fully installed world)."""
        if self._client is None:
            self._client = SfccClient(self._settings(), self._session(), self.world.clock)
        return self._client

    def _settings(self) -> SfccSettings:
        cfg, over = self.backend.config, dict(self.world.config.get("sfcc") or {})
        defaults = cfg.connector
        client = cfg.clients.get(str(over.get("client_id", defaults.get("client"))))
        user = cfg.users.get(str(over.get("bm_user", defaults.get("bm_user"))))
        site = cfg.sites.get(str(over.get("site_id", defaults.get("site_id"))))
        guard = site.storefront_protection if site else {}
        return SfccSettings(
            base_url=str(over.get("base_url") or f"https://{cfg.host}"),
            site_id=str(over.get("site_id", defaults.get("site_id", "RefArch"))),
            client_id=str(over.get("client_id", client.client_id if client else "")),
            client_secret=str(over.get("client_secret", client.client_secret if client else "")),
            bm_user=str(over.get("bm_user", user.login if user else "")),
            bm_access_key=str(over.get("bm_access_key", user.access_key if user else "")),
            webdav_access_key=str(over.get("webdav_access_key", user.webdav_access_key if user else "")),
            ocapi_version=str(over.get("ocapi_version", defaults.get("ocapi_version", "v22_6"))),
            storefront_user=str(over.get("storefront_user", guard.get("user", "") if guard.get("enabled") else "")),
            storefront_password=str(
                over.get("storefront_password", guard.get("password", "") if guard.get("enabled") else "")
            ),
        )

    def _session(self) -> requests.Session:
        over = self.world.config.get("sfcc") or {}
        if over.get("base_url"):
            return requests.Session()
        return in_process_session(self.backend.wsgi_app(), f"https://{self.backend.config.host}")

    def _journal(self, kind: str, order_id: str, **data: Any) -> None:
        self.world.journal.record(f"connector.sfcc.{kind}", order_id=order_id, **data)

    # -- events ------------------------------------------------------------------------------------
    def on_event(self, event: EngineEvent) -> None:
        """React to order status changes of ``profile: sfcc`` orders."""
        if not isinstance(event, OrderStatusChanged):
            return
        order = self.world.engine.orders.get(event.order_id)
        if order is None or order.profile != "sfcc":
            return
        if event.old == OrderStatus.ON_HOLD and event.new == OrderStatus.AWAITING_SHIPMENT:
            self.create(order.id, 1)
        elif event.new == OrderStatus.CANCELLED:
            pending = self._timers.pop(("create", order.id), None)
            if pending is not None:
                self.world.clock.cancel(pending)
                self._journal("create_abandoned", order.id, reason="order_cancelled", rule="SFCC-2")
            if event.event == "approve_cancel":
                self.cancel_in_sfcc(order.id, "CAN-B2", 1)
            elif event.event in ("platform_cancel", "auto_cancel"):
                self.cancel_in_sfcc(order.id, "CAN-P1", 1)

    def _retry(self, kind: str, order_id: str, attempt: int, action: Callable[[str, int], None]) -> None:
        delay = self.retry[min(attempt - 1, len(self.retry) - 1)] if self.retry else timedelta(hours=1)
        self._timers[(kind, order_id)] = self.world.clock.schedule_in(
            delay, lambda: self._fire(kind, order_id, attempt + 1, action), kind=f"connector.sfcc.{kind}", key=order_id
        )
        self._journal(f"{kind}_retry_scheduled", order_id, attempt=attempt + 1, after_seconds=delay.total_seconds())

    def _fire(self, kind: str, order_id: str, attempt: int, action: Callable[[str, int], None]) -> None:
        self._timers.pop((kind, order_id), None)
        action(order_id, attempt)

    # -- SFCC-1 / SFCC-2 ---------------------------------------------------------------------------
    def create(self, order_id: str, attempt: int) -> None:
        """CreateExternalOrder; a refused or failed create is retried on the world clock, never dropped."""
        order = self.world.engine.orders[order_id]
        if order.status == OrderStatus.CANCELLED:  # HOLD-5 / cancelled while retrying: never sent
            self._journal("create_abandoned", order_id, reason="order_cancelled", attempt=attempt, rule="SFCC-2")
            return
        try:
            answer = self.client.create_order(self.order_body(order, retry=attempt > 1))
            status, body = answer.status_code, _json(answer)
        except requests.RequestException as exc:
            status, body = 0, {"error": True, "msg": f"{type(exc).__name__}: {exc}"}
        order_no = body.get("orderNo")
        exists = status == 400 and body.get("msg") == "Order already exists" and order_no
        if (status == 200 and not body.get("error") and order_no) or exists:
            self.order_nos[order_id] = str(order_no)
            self._journal(
                "created",
                order_id,
                order_no=order_no,
                attempt=attempt,
                http_status=status,
                already_existed=bool(exists),
                rule="SFCC-1",
            )
            return
        self._journal("create_failed", order_id, attempt=attempt, http_status=status, response=body, rule="SFCC-2")
        self._retry("create", order_id, attempt, self.create)

    def order_body(self, order: Order, *, retry: bool = False) -> dict[str, Any]:
        """The CreateExternalOrder JSON TikTok sends for an order (unit prices; TikTok orders carry no tax)."""
        units: dict[str, dict[str, Any]] = {}
        for li in order.line_items:
            product_id = li.seller_sku or li.sku_id
            entry = units.setdefault(
                product_id,
                {"product_id": product_id, "quantity": 0, "net_price": str(li.sale_price), "tax": "0", "tax_rate": "0"},
            )
            entry["quantity"] += 1
        addr, buyer = order.recipient_address, order.buyer
        address = {
            "first_name": str(addr.get("first_name") or addr.get("name") or buyer.get("name") or ""),
            "last_name": str(addr.get("last_name") or ""),
            "address1": str(addr.get("address_line1") or addr.get("address1") or addr.get("address_detail") or ""),
            "address2": str(addr.get("address_line2") or addr.get("address2") or ""),
            "city": str(addr.get("city") or addr.get("address_line3") or ""),
            "postal_code": str(addr.get("postal_code") or addr.get("zipcode") or ""),
            "state_code": str(addr.get("state_code") or addr.get("region_code_state") or addr.get("state") or ""),
            "country_code": str(addr.get("country_code") or addr.get("region_code") or order.region),
            "phone": str(addr.get("phone_number") or addr.get("phone") or ""),
        }
        method = next((m for key, m in SHIPPING_METHODS.items() if key in order.delivery_option_name.lower()), "TTS001")
        body: dict[str, Any] = {
            "c_externalOrderId": order.id,
            "currency": order.currency,
            "social_channel_id": 14,
            "retry": retry,
            "customer": {
                "customer_email": str(buyer.get("email") or ""),
                "customer_name": address["first_name"],
                "billing_address": address,
            },
            "product_lineitems": list(units.values()),
            "shipment": {"shipping_method": method, "shipping_address": address},
            "totals": {
                "adjusted_shipping_total": {
                    "net_price": str(order.shipping_fee),
                    "tax": "0",
                    "gross_price": str(order.shipping_fee),
                }
            },
            "payment": {"payment_method": "SOCIAL_PAY", "amount": str(order.total_amount)},
        }
        if order.buyer_message:
            body["c_buyerNote"] = order.buyer_message
        return body

    def sfcc_order_no(self, order_id: str) -> str | None:
        """The SFCC order number of a TikTok order (searched by ``c_externalOrderId`` if not remembered)."""
        if order_id not in self.order_nos:
            answer = self.client.find_by_external_id(order_id)
            hits = _json(answer).get("hits") or [] if answer.status_code == 200 else []
            if hits:
                self.order_nos[order_id] = str(hits[0]["data"]["order_no"])
        return self.order_nos.get(order_id)

    # -- CAN-B2 / CAN-P1 ---------------------------------------------------------------------------
    def approval_guard(self, order: Order, cancellation: Cancellation) -> str | None:
        """CAN-B2: before a buyer request is approved, GetOrder; veto when SFCC shows the order shipped."""
        if order.profile != "sfcc":
            return None
        try:
            order_no = self.sfcc_order_no(order.id)
            if order_no is None:
                return None  # never reached SFCC (create still retrying): nothing there to protect
            answer = self.client.get_order(order_no)
        except requests.RequestException as exc:
            self._journal("get_order", order.id, error=str(exc), rule="CAN-B2")
            return "sfcc_get_order_failed"
        doc = _json(answer)
        self._journal(
            "get_order",
            order.id,
            order_no=order_no,
            http_status=answer.status_code,
            shipping_status=doc.get("shipping_status"),
            rule="CAN-B2",
        )
        if answer.status_code != 200:
            return "sfcc_get_order_failed"
        return "shipped_in_sfcc" if _shipped(doc) else None

    def cancel_in_sfcc(self, order_id: str, rule: str, attempt: int) -> None:
        """GetOrder, then PATCH ``c_externalOrderStatus='CANCELLED'`` (tagged when already shipped, CAN-P1)."""
        order = self.world.engine.orders[order_id]
        try:
            order_no = self.sfcc_order_no(order_id)
            if order_no is None:
                self._journal("cancel_skipped", order_id, reason="not_in_sfcc", rule=rule)
                return
            got = self.client.get_order(order_no)
            doc = _json(got)
            self._journal(
                "get_order",
                order_id,
                order_no=order_no,
                http_status=got.status_code,
                shipping_status=doc.get("shipping_status"),
                rule=rule,
            )
            shipped = order.cancel_after_shipped or (got.status_code == 200 and _shipped(doc))
            body: dict[str, Any] = {
                "c_orderAction": "cancel_order",
                "c_externalOrderStatus": "CANCELLED",
                "c_cancelInfo": json.dumps({"cancelItems": {}, "reasonCode": order.cancel_reason or ""}),
            }
            if rule == "CAN-P1" and shipped:
                body["c_orderTag"] = CANCEL_AFTER_SHIPPED_TAG
            answer = self.client.patch_order(order_no, body)
            status = answer.status_code
        except requests.RequestException as exc:
            status, order_no = 0, self.order_nos.get(order_id)
            self._journal("patch_failed", order_id, error=str(exc), attempt=attempt, rule=rule)
        if status == 200:
            self._journal(
                "cancelled",
                order_id,
                order_no=order_no,
                tagged=bool(body.get("c_orderTag")),
                attempt=attempt,
                rule=rule,
            )
            return
        self._journal("cancel_failed", order_id, http_status=status, attempt=attempt, rule=rule)
        self._retry("cancel", order_id, attempt, lambda oid, n: self.cancel_in_sfcc(oid, rule, n))

    # -- FUL-3 / CAN-S1 feed pickup --------------------------------------------------------------
    def pickup(self, url: str) -> dict[str, Any]:
        """TikTok downloads a notified feed file and applies it (see :mod:`simulator.connectors.sfcc_feed`)."""
        from simulator.connectors.sfcc_feed import apply_feed

        data = self.client.download(url)
        return apply_feed(self.world, data, url)


def _json(answer: requests.Response) -> dict[str, Any]:
    try:
        body = answer.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def install(world: World) -> TikTokSfccConnector:
    """Install the connector for ``world``'s SFCC instance."""
    backend: SfccBackend = world.systems["sfcc"]
    connector = TikTokSfccConnector(world, backend)
    connector.install()
    backend.connector = connector
    return connector
