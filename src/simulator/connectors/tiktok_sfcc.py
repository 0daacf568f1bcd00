"""TikTok -> SFCC connector: CreateExternalOrder at hold end, then SFCC kept showing TikTok's truth (SFCC-1/2, CAN-B2, CAN-P1).

Every call goes through an :class:`SfccPort`: this world's own SFCC backend, called directly, by default;
or the SFCC HTTP API of ``world.config["sfcc"]["base_url"]`` (any SFCC instance) with the credentials
configured there. An order goes only to the SFCC site wired to its shop (``tiktok_shop_id``).

One mechanism keeps SFCC in step, :meth:`TikTokSfccConnector.reconcile`: GetOrder, compare with what
TikTok shows (the ``status_mappings.sfcc`` table, shipping status, the cancel-after-shipped tag, line
tracking), PATCH only what differs. It runs after every TikTok status change of an order (a seller
cancel on the API, platform cancels, shipments, delivery, completion) and after every order the feed
brings back, so a feed change TikTok refused is rolled back in SFCC. Changes the OMS made in SFCC that
TikTok has not exported yet are never overwritten: the reconcile then waits for the feed. Every failed
call is retried on the world clock with backoff; each attempt is journaled (``connector.sfcc.*``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import timedelta
from sys import intern
from typing import TYPE_CHECKING, Any

from simulator.connectors import sfcc_shipments as S
from simulator.connectors.sfcc_client import SfccClient, SfccSettings
from simulator.connectors.sfcc_feed import apply_feed, sfcc_cancelled_units
from simulator.connectors.sfcc_port import DirectPort, HttpPort, SfccPort, SfccUnreachable
from simulator.engine import Cancellation, CancelStatus, Order, OrderStatus
from simulator.engine.base import Defer
from simulator.engine.events import CancellationChanged, EngineEvent, OrderStatusChanged, ReturnChanged
from simulator.faults.port import FaultyPort
from simulator.lazyimport import requests
from simulator.rules import parse_duration
from simulator.sfcc.create import ADDRESS_KEYS, ExternalOrder
from simulator.sfcc.models import (
    CHANNEL_STATUS_CANCELLED,
    EXPORT_READY,
    LINE_CANCELLED,
    LINE_CANCELLED_PARTIAL,
    LINE_NOTSHIPPED,
    LINE_PARTSHIPPED,
    LINE_SHIPPED,
)
from simulator.tiktok_shop.buyers import FakeBuyer

if TYPE_CHECKING:
    from simulator.clock import Timer
    from simulator.sfcc.backend import SfccBackend
    from simulator.sfcc.feed import FeedOrder
    from simulator.world import World

CANCEL_AFTER_SHIPPED_TAG = "cancel_after_shipped"  # UNCERTAIN name (sfcc-ocapi.md section 1): sent as c_orderTag
SHIPPING_METHODS = {"economy": "TTS002", "express": "TTS003"}
# Cancel events -> the rule the SFCC update proves (seller cancels through the feed are CAN-S1).
CANCEL_RULES = {"approve_cancel": "CAN-B2", "platform_cancel": "CAN-P1", "auto_cancel": "CAN-P1",
                "seller_cancel": "CAN-S2"}


PARTIAL_STATUS = {"c_externalOrderStatus": "CANCELLED_PARTIAL", "c_externalChannelOrderStatus": 7}


def _shipped(doc: Mapping[str, Any]) -> bool:
    """An SFCC order document shows shipment (order status, or a shipped/part-shipped line)."""
    return doc.get("shipping_status") in ("shipped", "part_shipped") or any(
        i.get("c_externalLineItemStatus") in (LINE_PARTSHIPPED, LINE_SHIPPED) for i in doc.get("product_items", []))


def _address_values(addr: Mapping[str, Any], first: str, region: str) -> tuple[str, ...]:
    """The :data:`ADDRESS_KEYS` values of CreateExternalOrder's address, from TikTok's recipient address."""
    return (
        first,
        str(addr.get("last_name") or ""),
        str(addr.get("address_line1") or addr.get("address1") or addr.get("address_detail") or ""),
        str(addr.get("address_line2") or addr.get("address2") or ""),
        str(addr.get("city") or addr.get("address_line3") or ""),
        str(addr.get("postal_code") or addr.get("zipcode") or ""),
        str(addr.get("state_code") or addr.get("region_code_state") or addr.get("state") or ""),
        str(addr.get("country_code") or addr.get("region_code") or region),
        str(addr.get("phone_number") or addr.get("phone") or ""),
    )


def _drawn_address(party: FakeBuyer) -> tuple[tuple[str, ...], str]:
    """:func:`_address_values` and the email of a packed buyer, read from its drawn values (no dicts built).

    Its recipient address (``address_text``) has a first name (else the name), a last name, line 1 (else
    the secondary address), the postcode, the region code and the phone; no line 2, city or state keys
    (tests/sfcc/test_create_trusted.py holds the two paths equal).
    """
    region, _, _, _, first, last, phone, detail, line1, _, _, postcode = party.fields()
    first, last = intern(first), intern(last)  # as address_text() interns them: the copies SFCC keeps are shared
    return ((first or f"{first} {last}", last, line1 or detail, "", "", postcode, "", "GB" if region == "UK" else "US",
             phone), party.email())


class TikTokSfccConnector:
    """The platform's automation for ``profile: sfcc`` shops; journals every call as ``connector.sfcc.*``."""

    def __init__(self, world: World, backend: SfccBackend) -> None:
        self.world, self.backend = world, backend
        self.order_nos: dict[str, str] = {}
        self._timers: dict[tuple[str, str], tuple[Timer, int]] = {}
        self._abandoned: set[str] = set()
        self._approval_attempts: dict[str, int] = {}
        self._port: SfccPort | None = None
        self._sites: dict[str, str | None] = {}  # shop -> its SFCC site (site_for)
        self._methods: dict[str, str] = {}  # delivery option name -> SFCC shipping method (a shop's few options)
        self._created = world.journal.recorder("connector.sfcc.created", "order_id", "order_no", "site_id", "attempt",
                                               "http_status", "already_existed", "rule")  # one per order
        self._got = world.journal.recorder("connector.sfcc.get_order", "order_id", "order_no", "http_status",
                                           "shipping_status", "rule")  # one per reconcile
        self._mapping: tuple[Any, dict[str, Any]] | None = None  # (rules, their sfcc status mapping)
        cfg = backend.config.connector
        settings = world.config.get("sfcc") or {}
        self.retry = [parse_duration(v) for v in settings.get("create_retry", cfg.get("create_retry", ["1m"]))]

    # -- wiring ------------------------------------------------------------------------------------
    def install(self) -> None:
        """Subscribe to the engine; register the CAN-B2 approval guard and the read-before-cancel hook."""
        self.world.engine.subscribe(self.on_event)
        self.world.engine.approval_guards.append(self.approval_guard)
        self.world.engine.cancel_hooks.append(self.before_cancel)

    @property
    def port(self) -> SfccPort:
        """How SFCC is reached: directly in this world, or over HTTP when a ``base_url`` is configured."""
        if self._port is None:
            settings = self._settings()
            port: SfccPort
            if (self.world.config.get("sfcc") or {}).get("base_url"):
                port = HttpPort(SfccClient(settings, requests.Session(), self.world.clock))
            else:
                port = DirectPort(self.backend, settings.ocapi_version)
            self._port = FaultyPort(port, self.world, settings.ocapi_version)  # /_sim/faults on system sfcc
        return self._port

    @port.setter
    def port(self, port: SfccPort) -> None:
        self._port = port

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

    def site_for(self, order: Order) -> str | None:
        """The SFCC site an order goes to: the one wired to its shop (a configured ``site_id`` for a real server)."""
        if order.profile != "sfcc":
            return None
        try:  # sites and their shops are fixed once the instance's config is loaded: looked up once per shop
            return self._sites[order.shop_id]
        except KeyError:
            pass
        over = self.world.config.get("sfcc") or {}
        site: str | None = None
        if self.backend.serves_shop(order.shop_id):
            site = str(over["site_id"]) if over.get("base_url") and over.get("site_id") else \
                self.backend.site_for_shop(order.shop_id)
        self._sites[order.shop_id] = site
        return site

    def _journal(self, kind: str, order_id: str, **data: Any) -> None:
        self.world.journal.record(f"connector.sfcc.{kind}", order_id=order_id, **data)

    # -- what the invariants and the control plane see -----------------------------------------------
    def pending(self, order_id: str) -> bool:
        """True while a call for the order is scheduled for retry (SFCC may lag TikTok until it runs)."""
        return any(key[1] == order_id for key in self._timers)

    def abandoned(self, order_id: str) -> bool:
        """True when the order was cancelled while its create was still being retried (never sent)."""
        return order_id in self._abandoned

    def pending_work(self, order_id: str) -> list[dict[str, Any]]:
        """The scheduled retries of an order: kind, next attempt number, due time."""
        return [{"kind": kind, "attempt": attempt, "due": timer.due.isoformat()}
                for (kind, oid), (timer, attempt) in sorted(self._timers.items()) if oid == order_id]

    # -- events ------------------------------------------------------------------------------------
    def on_event(self, event: EngineEvent) -> None:
        """React to status changes of orders (and their returns, RET-7) of the shops wired to SFCC."""
        if isinstance(event, OrderStatusChanged):  # most events: asked first
            order = self.world.engine.orders.get(event.order_id)
            if order is not None and order.profile == "sfcc":  # other profiles' orders: no further call
                self._status_changed(event, order)
            return
        if isinstance(event, CancellationChanged) and event.new == CancelStatus.COMPLETE:
            cut = self.world.engine.orders.get(event.order_id)  # CAN-L3: units cancelled, the order goes on
            if cut is not None and cut.status != OrderStatus.CANCELLED and cut.id in self.order_nos:
                self.reconcile(cut.id, "CAN-L3")
            return
        if isinstance(event, ReturnChanged):
            returned = self.world.engine.orders.get(event.order_id)
            if returned is not None and self.site_for(returned) is not None and returned.id in self.order_nos:
                self.reconcile(returned.id, "RET-7")

    def _status_changed(self, event: OrderStatusChanged, order: Order) -> None:
        if self.site_for(order) is None:
            return
        if event.old == OrderStatus.ON_HOLD and event.new == OrderStatus.AWAITING_SHIPMENT:
            self.create(order.id, 1)
            return
        if event.new == OrderStatus.CANCELLED:
            pending = self._timers.pop(("create", order.id), None)
            if pending is not None:
                self.world.clock.cancel(pending[0])
                self._abandoned.add(order.id)
                self._journal("create_abandoned", order.id, reason="order_cancelled", rule="SFCC-2")
        if order.id in self.order_nos or order.released_time is not None:
            self.reconcile(order.id, CANCEL_RULES.get(event.event, "LIFE-1"))

    def _retry(self, kind: str, order_id: str, attempt: int, action: Callable[[str, int], None]) -> None:
        delay = self.retry[min(attempt - 1, len(self.retry) - 1)] if self.retry else timedelta(hours=1)
        old = self._timers.pop((kind, order_id), None)
        if old is not None:
            self.world.clock.cancel(old[0])
        timer = self.world.clock.schedule_in(
            delay, lambda: self._fire(kind, order_id, attempt + 1, action), kind=f"connector.sfcc.{kind}", key=order_id
        )
        self._timers[(kind, order_id)] = (timer, attempt + 1)
        self._journal(f"{kind}_retry_scheduled", order_id, attempt=attempt + 1, after_seconds=delay.total_seconds())

    def _fire(self, kind: str, order_id: str, attempt: int, action: Callable[[str, int], None]) -> None:
        self._timers.pop((kind, order_id), None)
        action(order_id, attempt)

    # -- SFCC-1 / SFCC-2 ---------------------------------------------------------------------------
    def create(self, order_id: str, attempt: int) -> None:
        """CreateExternalOrder; a refused or failed create is retried on the world clock, never dropped."""
        order = self.world.engine.orders[order_id]
        site = self.site_for(order)
        if order.status == OrderStatus.CANCELLED or site is None:  # HOLD-5 / cancelled while retrying: never sent
            self._abandoned.add(order_id)
            self._journal("create_abandoned", order_id, reason="order_cancelled", attempt=attempt, rule="SFCC-2")
            return
        try:
            status, body = self.port.create_order(site, self.order_request(order),
                                                  lambda: self.order_body(order, retry=attempt > 1))
        except SfccUnreachable as exc:
            status, body = 0, {"error": True, "msg": str(exc)}
        order_no = body.get("orderNo")
        exists = status == 400 and body.get("msg") == "Order already exists" and order_no
        if (status == 200 and not body.get("error") and order_no) or exists:
            self.order_nos[order_id] = str(order_no)
            self._created(order_id, order_no, site, attempt, status, bool(exists), "SFCC-1")
            if order.status != OrderStatus.AWAITING_SHIPMENT:  # TikTok moved on while the create was retried
                self.reconcile(order_id, "SFCC-1")
            return
        self._journal("create_failed", order_id, attempt=attempt, http_status=status, response=body, rule="SFCC-2")
        self._retry("create", order_id, attempt, self.create)

    def order_body(self, order: Order, *, retry: bool = False) -> dict[str, Any]:
        """The CreateExternalOrder JSON TikTok sends for an order (unit prices; TikTok orders carry no tax)."""
        request = self.order_request(order)
        address = dict(zip(ADDRESS_KEYS, request.address, strict=True))
        body: dict[str, Any] = {
            "c_externalOrderId": order.id,
            "currency": order.currency,
            "social_channel_id": 14,
            "retry": retry,
            "customer": {
                "customer_email": request.customer_email,
                "customer_name": address["first_name"],
                "billing_address": address,
            },
            "product_lineitems": [{"product_id": product_id, "quantity": quantity, "net_price": net_price,
                                   "tax": "0", "tax_rate": "0"} for product_id, quantity, net_price in request.lines],
            "shipment": {"shipping_method": request.shipping_method, "shipping_address": address},
            "totals": {
                "adjusted_shipping_total": {
                    "net_price": request.shipping_net,
                    "tax": "0",
                    "gross_price": request.shipping_net,
                }
            },
            "payment": {"payment_method": request.payment_method, "amount": str(order.total_amount)},
        }
        if order.buyer_message:
            body["c_buyerNote"] = order.buyer_message
        return body

    def order_request(self, order: Order) -> ExternalOrder:
        """What :meth:`order_body` says, as typed values (the direct port places it without the JSON)."""
        units: dict[str, list[Any]] = {}
        for li in order.line_items:
            product_id = li.seller_sku or li.sku_id
            entry = units.get(product_id)
            if entry is None:
                units[product_id] = [product_id, 1, str(li.sale_price)]
            else:
                entry[1] += 1
        party = order.party
        if isinstance(party, FakeBuyer):
            address, email = _drawn_address(party)
        else:
            addr, email = order.recipient_address, str(order.buyer.get("email") or "")
            address = _address_values(addr, str(addr.get("first_name") or addr.get("name") or order.buyer.get("name")
                                                or ""), order.region)
        method = self._methods.get(order.delivery_option_name)
        if method is None:
            name = order.delivery_option_name.lower()
            method = self._methods[order.delivery_option_name] = next(
                (m for key, m in SHIPPING_METHODS.items() if key in name), "TTS001")
        return ExternalOrder(
            external_id=order.id, currency=order.currency, payment_method="SOCIAL_PAY", customer_name=address[0],
            customer_email=email, address=address,
            lines=tuple(map(tuple, units.values())),  # (product_id, quantity, net_price)
            shipping_method=method,
            shipping_net=str(order.shipping_fee),
            buyer_note=note if isinstance(note := order.buyer_message, str) else "",
        )

    def sfcc_order_no(self, order: Order) -> str | None:
        """The SFCC order number of a TikTok order (searched by ``c_externalOrderId`` if not remembered)."""
        site = self.site_for(order)
        if order.id not in self.order_nos and site is not None:
            found = self.port.find(site, order.id)
            if found is not None:
                self.order_nos[order.id] = found
        return self.order_nos.get(order.id)

    def _get(self, order: Order, rule: str, site: str) -> tuple[str | None, Mapping[str, Any] | None]:
        """GetOrder on the order's ``site`` (:meth:`site_for`): (order_no, document); document None when SFCC could
        not be read (journaled)."""
        try:
            order_no = self.order_nos.get(order.id) or self.sfcc_order_no(order)
            if order_no is None:
                return None, None
            status, doc = self.port.get(site, order_no)
        except SfccUnreachable as exc:
            self._journal("get_order", order.id, error=str(exc), rule=rule)
            return self.order_nos.get(order.id), None
        self._got(order.id, order_no, status, doc.get("shipping_status"), rule)
        return order_no, doc if status == 200 else None

    # -- CAN-B2: the approval guard ----------------------------------------------------------------
    def approval_guard(self, order: Order, cancellation: Cancellation) -> str | Defer | None:
        """CAN-B2: before a buyer request is approved, GetOrder; veto when SFCC shows the order shipped.

        SFCC unreachable (or the token refused) is not an answer: the approval is deferred and retried
        on the world clock with backoff, never turned into a rejection.
        """
        site = self.site_for(order)
        if site is None:
            return None
        order_no, doc = self._get(order, "CAN-B2", site)
        if doc is None and order.id not in self.order_nos:
            return None  # never reached SFCC (create still retrying): nothing there to protect
        if doc is None:
            attempt = self._approval_attempts.get(order.id, 1)
            self._journal("approval_deferred", order.id, cancel_id=cancellation.id, attempt=attempt, rule="CAN-B2")
            self._retry("approve", order.id, attempt, self._approve_again)
            return Defer("sfcc_unreachable")
        self._approval_attempts.pop(order.id, None)
        return "shipped_in_sfcc" if _shipped(doc) else None

    def _approve_again(self, order_id: str, attempt: int) -> None:
        order = self.world.engine.orders[order_id]
        cancellation = self.world.engine.cancellations.get(order.pending_cancel_id or "")
        if cancellation is None or cancellation.status != CancelStatus.PENDING or cancellation.deferred_approval is None:
            self._approval_attempts.pop(order_id, None)
            self._journal("approval_dropped", order_id, reason="request_no_longer_pending", attempt=attempt,
                          rule="CAN-B2")
            return
        self._approval_attempts[order_id] = attempt
        self._journal("approval_retry", order_id, cancel_id=cancellation.id, attempt=attempt, rule="CAN-B2")
        self.world.engine.approve_cancellation(cancellation.id, role=cancellation.deferred_approval)

    # -- CAN-P1: read the order before TikTok cancels it ---------------------------------------------
    def before_cancel(self, order: Order, event: str) -> None:
        """GetOrder before a seller or platform cancel; a shipment SFCC knows and TikTok not yet is relayed first.

        So goods that left are never put back on sale: an auto-cancel of an order the OMS shipped in
        SFCC minutes ago finds it shipped (and does not fire); a fraud cancel becomes cancel-after-shipped.
        """
        site = self.site_for(order)
        if site is None or order.released_time is None or order.status == OrderStatus.CANCELLED:
            return
        _, doc = self._get(order, CANCEL_RULES.get(event, "CAN-P1"), site)
        if doc is None:
            return
        plan = S.plan(self.world, order, S.from_document(doc))
        if plan.refusal or not plan.shipments:
            return
        packages = S.apply(self.world, plan)
        self._journal("shipment_relayed", order.id, packages=packages, before=event,
                      tracking_number=plan.shipments[0].tracking, rule="CAN-P1")

    # -- one reconcile for every TikTok-side change ---------------------------------------------------
    def reconcile(self, order_id: str, rule: str, attempt: int = 1) -> None:
        """GetOrder, then PATCH what SFCC shows differently from TikTok (see the module docstring)."""
        order = self.world.engine.orders[order_id]
        site = self.site_for(order)
        if site is None:
            return
        try:
            order_no, doc = self._get(order, rule, site)
            if order_no is None and order_id not in self.order_nos:
                self._journal("sync_skipped", order_id, reason="not_in_sfcc", rule=rule)
                return
            if doc is None:
                raise SfccUnreachable("GetOrder failed")
            if doc.get("c_externalExportStatus") == EXPORT_READY and order.status != OrderStatus.CANCELLED:
                # The OMS changed the order in SFCC and the feed has not brought it to TikTok yet: never
                # overwrite it; the feed's pickup reconciles once TikTok has applied (or refused) it.
                self._journal("sync_waits_for_feed", order_id, order_no=order_no, rule=rule)
                return
            body = self._patch_body(order, doc)
            if not body:
                return
            assert site is not None and order_no is not None
            status, _ = self.port.patch(site, order_no, body)
        except SfccUnreachable as exc:
            status, body = 0, {}
            self._journal("patch_failed", order_id, error=str(exc), attempt=attempt, rule=rule)
        if status == 200:
            self._timers.pop(("sync", order_id), None)
            kind = {"cancel_order": "cancelled", "cancel": "items_cancelled"}.get(str(body.get("c_orderAction")), "patched")
            self._journal(kind, order_id, order_no=order_no, fields=sorted(body), tagged=bool(body.get("c_orderTag")),
                          attempt=attempt, rule=rule)
            if kind == "items_cancelled":  # the cartridge marks listed lines CANCELLED: set partly cancelled ones
                self.reconcile(order_id, rule)
            return
        self._journal("sync_failed", order_id, http_status=status, attempt=attempt, rule=rule)
        self._retry("sync", order_id, attempt, lambda oid, n: self.reconcile(oid, rule, n))

    def _patch_body(self, order: Order, doc: Mapping[str, Any]) -> dict[str, Any]:
        """The fields TikTok's truth changes in the SFCC document (empty: SFCC already agrees)."""
        rules = self.world.rules["sfcc"]
        mapping = self._mapping  # status_mappings.sfcc: copied once per rules object, not per reconcile
        if mapping is None or mapping[0] is not rules:
            mapping = self._mapping = (rules, rules.status_mapping("sfcc"))
        wanted = mapping[1][order.status._value_] or {}  # the plain text (Enum.value is a property)
        body: dict[str, Any] = {}
        cancelled = order.status == OrderStatus.CANCELLED
        cut, live = S.units_by_product(order)  # live: the lines that go on (their packages say what shipped)
        if cut and wanted.get("c_externalChannelOrderStatus") == 3:  # CAN-L3: open, some units cancelled
            wanted = PARTIAL_STATUS
        items_to_cancel = self._items_to_cancel(order, doc, cut) if cut else None
        if items_to_cancel:
            body.update({"c_orderAction": "cancel", "c_cancelInfo": json.dumps(items_to_cancel)})
        if cancelled and doc.get("c_externalChannelOrderStatus") != CHANNEL_STATUS_CANCELLED:
            body.update({"c_orderAction": "cancel_order", "c_externalOrderStatus": "CANCELLED",
                         "c_cancelInfo": json.dumps({"cancelItems": {}, "reasonCode": order.cancel_reason or ""})})
        elif not cancelled and wanted and doc.get("c_externalOrderStatus") != wanted["c_externalOrderStatus"]:
            body["c_externalOrderStatus"] = wanted["c_externalOrderStatus"]
        if order.cancel_after_shipped and doc.get("c_orderTag") != CANCEL_AFTER_SHIPPED_TAG:
            body["c_orderTag"] = CANCEL_AFTER_SHIPPED_TAG
        returned = self.return_status(order) if order.return_ids else None
        if returned is not None and doc.get("c_externalReturnStatus") != returned:
            body["c_externalReturnStatus"] = returned
        packages = self.world.engine.packages
        shipped = waiting = 0  # packages that still hold lines (one emptied by a partial cancel ships nothing)
        for package_id in order.package_ids:
            package = packages[package_id]
            if package.line_item_ids:
                if package.rts_time is None:
                    waiting += 1
                else:
                    shipped += 1
        shipping = "shipped" if not waiting else "part_shipped" if shipped else "not_shipped"
        if doc.get("shipping_status") != shipping:
            body["shipping_status"] = shipping
        if not cancelled and not items_to_cancel:
            items = self._line_patch(live, doc, cut)
            if items:
                body["product_items"] = items
                body.setdefault("c_orderAction", "update")  # the cartridge copies line tracking onto the shipment
        if body and doc.get("c_externalExportStatus") is not None:
            # TikTok's own write leaves the export status as it found it: the feed carries the OMS's
            # changes to TikTok, not TikTok's back to itself (simulator choice, docs/sfcc.md).
            body["c_externalExportStatus"] = doc.get("c_externalExportStatus")
        return body

    @staticmethod
    def _items_to_cancel(order: Order, doc: Mapping[str, Any], cut: dict[str, int]) -> dict[str, Any] | None:
        """CAN-L3: the ``c_cancelInfo`` for units TikTok cancelled that SFCC's cancel history does not show yet."""
        if order.status == OrderStatus.CANCELLED or not cut:
            return None
        sent = sfcc_cancelled_units({"cancelInfoHistory": doc.get("c_cancelInfoHistory")})
        todo = {pid: n - sent.get(pid, 0) for pid, n in cut.items() if n > sent.get(pid, 0)}
        if not todo:
            return None
        reasons = {li.seller_sku or li.sku_id: li.cancel_reason or "" for li in order.line_items
                   if li.status == OrderStatus.CANCELLED}
        return {"cancelItems": {pid: {"quantity": n, "reason": reasons.get(pid, "")} for pid, n in sorted(todo.items())},
                "reasonCode": next(iter(reasons.values()), "")}

    def return_status(self, order: Order) -> int | None:
        """RET-7: the cartridge's ``externalReturnStatus`` for the order's latest return (None: no return)."""
        if not order.return_ids:
            return None
        ret = self.world.engine.returns[order.return_ids[-1]]
        value = self.world.rules["sfcc"].return_status_mapping("sfcc")[ret.status.value]
        if not isinstance(value, dict):
            return int(value)
        goods_back = ret.received_time is not None and not ret.buyer_keep_item  # only a return and refund is received
        whole = len(ret.line_item_ids) == len(order.line_items)
        return int(value["refunded" if not goods_back else "returned" if whole else "partial_return"])

    def _line_patch(self, live: dict[str, list[Any]], doc: Mapping[str, Any], cut: dict[str, int]) -> list[dict[str, Any]]:
        """Line status, tracking and carrier SFCC's ``product_items`` lack; ``live``: TikTok's lines that go on, per
        SFCC product."""
        packages = self.world.engine.packages
        items = []
        for item in doc.get("product_items") or []:
            product = item.get("product_id")
            product_id = str(product)
            lines = live.get(product_id)
            shipped = []
            for li in lines or ():
                package = packages[li.package_id]
                if package.rts_time is not None:
                    shipped.append(package)
            status = LINE_SHIPPED if lines and len(shipped) == len(lines) else (
                LINE_PARTSHIPPED if shipped else LINE_NOTSHIPPED)
            if product_id in cut and not shipped:  # CAN-L3: every unit cancelled, or some and none shipped
                status = LINE_CANCELLED if not lines else LINE_CANCELLED_PARTIAL
            change: dict[str, Any] = {}
            if item.get("c_externalLineItemStatus") != status:
                change["c_externalLineItemStatus"] = status
            if shipped and not item.get("c_trackingNumber"):
                change["c_trackingNumber"] = shipped[0].tracking_number
                change["c_carrier"] = shipped[0].shipping_provider_name or shipped[0].shipping_provider_id
            if change:
                items.append({"product_id": product, **change})
        return items

    # -- FUL-3 / CAN-S1 feed pickup --------------------------------------------------------------
    def pickup(self, url: str, records: list[FeedOrder] | None = None) -> dict[str, Any]:
        """TikTok downloads a notified feed file and applies it (see :mod:`simulator.connectors.sfcc_feed`).

        ``records``: what the file parses to, from this world's export job that wrote it; taken instead of
        parsing only when the download reads this world's own IMPEX folder (a configured SFCC server's
        file is another instance's, and is parsed).
        """
        try:
            data = self.port.download(url)  # still read: a download fault or a missing file fails as it would
        except SfccUnreachable as exc:
            # Not applied: the notification fails, so the export job keeps the orders ready for its next run.
            self.world.journal.record("connector.sfcc.feed_download_failed", file=url, error=str(exc), rule="FUL-3")
            return {"applied": [], "error": "download failed: SFCC unreachable"}
        return apply_feed(self.world, data, url, records if self._local_files() else None)

    def _local_files(self) -> bool:
        """True when downloads read this world's own SFCC instance (its IMPEX folder), not a server's."""
        port = self.port.port if isinstance(self.port, FaultyPort) else self.port
        return isinstance(port, DirectPort) and port.backend is self.backend


def install(world: World) -> TikTokSfccConnector | None:
    """Install the connector for ``world``'s SFCC instance (``config={"sfcc": {"connector": false}}``: none)."""
    backend: SfccBackend = world.systems["sfcc"]
    if not (world.config.get("sfcc") or {}).get("connector", True):
        return None
    connector = TikTokSfccConnector(world, backend)
    connector.install()
    backend.connector = connector
    return connector
