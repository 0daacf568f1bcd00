"""The reference order engine: applies the transition tables, owns stock, timers and notifications."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from simulator.calendar import BusinessCalendar
from simulator.clock import Clock
from simulator.engine import transitions as T
from simulator.engine.errors import InvalidRequest, NotFound, TransitionNotAllowed
from simulator.engine.events import (
    BuyerNotified,
    CancellationChanged,
    DispatchDeadlinePassed,
    EngineEvent,
    OrderPlaced,
    OrderStatusChanged,
    PackageStatusChanged,
    StockChanged,
)
from simulator.engine.inventory import Inventory
from simulator.engine.models import Cancellation, LineItem, Notification, Order, Package
from simulator.engine.states import (
    CancelStatus,
    CancelType,
    Notice,
    OrderStatus,
    PackageStatus,
    Role,
)
from simulator.ids import IdFactory
from simulator.rules import Profile, RuleBook

Subscriber = Callable[[EngineEvent], object]
ApprovalGuard = Callable[[Order, Cancellation], str | None]
_DONE_PACKAGE = frozenset({PackageStatus.FULFILLING, PackageStatus.COMPLETED, PackageStatus.CANCELLED})
_LINE_FOLLOWS_ORDER = frozenset({OrderStatus.ON_HOLD, OrderStatus.AWAITING_SHIPMENT})


class OrderEngine:
    """Single source of truth for every order rule (rules.md); pure Python, no HTTP.

    Every public operation validates first and mutates after, so a refused operation changes
    nothing. Events produced by an operation are delivered to subscribers after it completes
    (run-to-completion); subscribers may call back into the engine.
    """

    def __init__(
        self,
        clock: Clock,
        rules: RuleBook,
        calendars: Mapping[str, BusinessCalendar],
        ids: IdFactory,
        inventory: Inventory | None = None,
    ) -> None:
        self.clock = clock
        self.rules = rules
        self.calendars = dict(calendars)
        self.ids = ids
        self.inventory = inventory or Inventory()
        self.orders: dict[str, Order] = {}
        self.packages: dict[str, Package] = {}
        self.cancellations: dict[str, Cancellation] = {}
        self.notifications: list[Notification] = []
        self.approval_guards: list[ApprovalGuard] = []
        self._subscribers: list[Subscriber] = []
        self._queue: deque[EngineEvent] = deque()
        self._dispatching = False
        # Bound once: the engine emits a dozen events per order lifecycle (see benchmarks/engine.py).
        self._emit: Callable[[EngineEvent], None] = self._queue.append

    # -- plumbing --------------------------------------------------------------------------------
    def subscribe(self, subscriber: Subscriber) -> None:
        """Receive every engine event after the operation that produced it."""
        self._subscribers.append(subscriber)

    def _flush(self) -> None:
        if self._dispatching:
            return
        self._dispatching = True
        queue, subscribers = self._queue, self._subscribers
        try:
            while queue:
                event = queue.popleft()
                for subscriber in subscribers:
                    subscriber(event)
        finally:
            self._dispatching = False

    def profile(self, order: Order) -> Profile:
        """The rule profile governing ``order``."""
        return self.rules[order.profile]

    def calendar(self, region: str) -> BusinessCalendar:
        """The business calendar of a market (falls back to ``default``)."""
        return self.calendars.get(region) or self.calendars["default"]

    # -- lookups ---------------------------------------------------------------------------------
    def order(self, order_id: str) -> Order:
        """The order, or :class:`NotFound`."""
        try:
            return self.orders[order_id]
        except KeyError:
            raise NotFound("order", order_id) from None

    def package(self, package_id: str) -> Package:
        """The package, or :class:`NotFound`."""
        try:
            return self.packages[package_id]
        except KeyError:
            raise NotFound("package", package_id) from None

    def cancellation(self, cancel_id: str) -> Cancellation:
        """The cancellation, or :class:`NotFound`."""
        try:
            return self.cancellations[cancel_id]
        except KeyError:
            raise NotFound("cancellation", cancel_id) from None

    def notifications_for(self, order_id: str) -> list[Notification]:
        """NOTE-1 record for one order, oldest first."""
        return [n for n in self.notifications if n.order_id == order_id]

    # -- placing and paying ----------------------------------------------------------------------
    def place_order(
        self,
        shop_id: str,
        items: Sequence[tuple[str, int]],
        *,
        profile: str,
        region: str = "US",
        paid: bool = True,
        buyer: Mapping[str, Any] | None = None,
        recipient_address: Mapping[str, Any] | None = None,
        split_packages: bool = False,
        delivery_option_id: str = "",
        delivery_option_name: str = "",
        warehouse_id: str = "",
        shipping_fee: Decimal = Decimal("0"),
        buyer_message: str = "",
        handling_days: int | None = None,
        shipping_days: int | None = None,
    ) -> Order:
        """A buyer places an order (and pays it unless ``paid=False``); returns it in UNPAID or ON_HOLD.

        ``handling_days`` and ``shipping_days`` are the seller's Estimated Delivery Time settings
        (SLA-4); when given, the order carries ``estimated_delivery_time``.
        """
        self.rules[profile]  # unknown profile -> ProfileError before anything changes
        if not items:
            raise InvalidRequest("an order needs at least one item", reason="no_items")
        for label, days in (("handling_days", handling_days), ("shipping_days", shipping_days)):
            if days is not None and days < 0:
                raise InvalidRequest(f"{label} must not be negative", reason="bad_edt", rule="SLA-4")
        wanted: dict[str, int] = {}
        for sku_id, qty in items:
            wanted[sku_id] = wanted.get(sku_id, 0) + int(qty)
        if paid:
            self.inventory.check_available(wanted)
        else:
            for sku_id, qty in wanted.items():
                self.inventory.get(sku_id)
                if qty <= 0:
                    raise InvalidRequest(f"quantity for {sku_id} must be positive", reason="bad_quantity")
        now = self.clock.now()
        order_id = self.ids.next("order")
        skus = [self.inventory.get(s) for s in wanted]
        package_ids = [self.ids.next("package") for _ in (skus if split_packages else skus[:1])]
        line_items: list[LineItem] = []
        for index, sku in enumerate(skus):
            package_id = package_ids[index if split_packages else 0]
            for _ in range(wanted[sku.sku_id]):
                line_items.append(
                    LineItem(
                        id=self.ids.next("line_item"), sku_id=sku.sku_id, product_id=sku.product_id,
                        product_name=sku.product_name, sku_name=sku.sku_name, seller_sku=sku.seller_sku,
                        sale_price=sku.price, original_price=sku.price, package_id=package_id,
                        status=OrderStatus.UNPAID,
                    )
                )
        order = Order(
            id=order_id, shop_id=shop_id, profile=profile, region=region.upper(), currency=skus[0].currency,
            status=OrderStatus.UNPAID, buyer=dict(buyer or {}), recipient_address=dict(recipient_address or {}),
            line_items=line_items, package_ids=package_ids, create_time=now, update_time=now,
            delivery_option_id=delivery_option_id, delivery_option_name=delivery_option_name,
            warehouse_id=warehouse_id, shipping_fee=shipping_fee, buyer_message=buyer_message,
            presale_dispatch_days=max((s.presale_dispatch_days or 0 for s in skus), default=0) or None,
            handling_days=handling_days, shipping_days=shipping_days,
        )
        if handling_days is not None or shipping_days is not None:
            # SLA-4: EDT = handling time + shipping time, in business days from placement.
            order.estimated_delivery_time = self.calendar(order.region).add_business_days(
                now, (handling_days or 0) + (shipping_days or 0)
            )
        for package_id in package_ids:
            self.packages[package_id] = Package(
                id=package_id, order_id=order_id, status=PackageStatus.TO_FULFILL, create_time=now,
                update_time=now, line_item_ids=[li.id for li in line_items if li.package_id == package_id],
            )
        self.orders[order_id] = order
        self._emit(OrderPlaced(now, order_id, shop_id=shop_id, profile=profile))
        if paid:
            self._pay(order)
        self._flush()
        return order

    def pay(self, order_id: str) -> Order:
        """The buyer pays an UNPAID order: stock is reserved and the hold starts (HOLD-1, HOLD-4)."""
        order = self.order(order_id)
        T.ORDER.resolve("pay", order.status, order.id)
        self.inventory.check_available(self._units(order.line_items))
        self._pay(order)
        self._flush()
        return order

    def _pay(self, order: Order) -> None:
        now = self.clock.now()
        for sku_id, qty in self._units(order.line_items).items():
            self.inventory.reserve(sku_id, qty)
            self._emit(StockChanged(now, order.id, sku_id=sku_id, action="reserve", quantity=qty))
        order.paid_time = now
        order.hold_until = now + self.profile(order).hold
        self._set_status(order, OrderStatus.ON_HOLD, "pay")
        order.timers["hold"] = self.clock.schedule(
            order.hold_until, lambda: self._release_hold(order.id), kind="hold.release", key=order.id
        )

    def _release_hold(self, order_id: str) -> None:
        order = self.orders[order_id]
        order.timers.pop("hold", None)
        T.ORDER.resolve("release_hold", order.status, order.id)
        profile = self.profile(order)
        cal = self.calendar(order.region)
        now = self.clock.now()
        order.released_time = now
        if order.presale_dispatch_days:
            order.rts_sla_time = cal.add_business_days(now, order.presale_dispatch_days)
        else:
            order.rts_sla_time = profile.dispatch_deadline(now, order.create_time, cal)
            campaign = cal.campaign_at(order.create_time) if cal.campaigns else None
            order.campaign = campaign.name if campaign else None
        order.cancel_order_sla_time = profile.auto_cancel.deadline(now, cal)
        self._set_status(order, OrderStatus.AWAITING_SHIPMENT, "release_hold")
        order.timers["dispatch"] = self.clock.schedule(
            order.rts_sla_time, lambda: self._dispatch_deadline(order.id), kind="sla.dispatch", key=order.id
        )
        order.timers["auto_cancel"] = self.clock.schedule(
            order.cancel_order_sla_time, lambda: self._auto_cancel(order.id), kind="sla.auto_cancel", key=order.id
        )
        self._flush()

    # -- fulfillment -----------------------------------------------------------------------------
    def ship_package(
        self,
        package_id: str,
        *,
        tracking_number: str,
        shipping_provider_id: str,
        shipping_provider_name: str = "",
        handover_method: str = "DROP_OFF",
    ) -> Package:
        """Seller ships a package (FUL-1, FUL-2, LIFE-1); a pending buyer request counts as rejected (CAN-B4)."""
        package = self.package(package_id)
        order = self.orders[package.order_id]
        others_done = all(
            self.packages[p].status != PackageStatus.TO_FULFILL for p in order.package_ids if p != package_id
        )
        target, _ = T.ORDER.resolve("ship", order.status, order.id, {"last_package": others_done})
        pkg_target, _ = T.PACKAGE.resolve("ship", package.status, package.id)
        if not tracking_number or not str(tracking_number).strip():
            raise InvalidRequest("tracking_number is required to ship", reason="tracking_required", rule="FUL-1")
        if not shipping_provider_id:
            raise InvalidRequest("shipping_provider_id is required", reason="provider_required", rule="FUL-1")
        now = self.clock.now()
        if order.pending_cancel_id:
            self._close_request(self.cancellations[order.pending_cancel_id], "reject", Role.SELLER,
                                reason="shipped", notice=Notice.CANCELLATION_REJECTED)
        items = [li for li in order.line_items if li.package_id == package_id]
        for sku_id, qty in self._units(items).items():
            self.inventory.consume(sku_id, qty)
            self._emit(StockChanged(now, order.id, sku_id=sku_id, action="consume", quantity=qty))
        package.tracking_number = str(tracking_number).strip()
        package.shipping_provider_id = shipping_provider_id
        package.shipping_provider_name = shipping_provider_name
        package.handover_method = handover_method
        package.rts_time = now
        self._set_package(package, pkg_target)  # type: ignore[arg-type]
        for li in items:
            li.status = OrderStatus.AWAITING_COLLECTION
        self.clock.cancel(order.timers.pop("auto_cancel", None))
        if target == OrderStatus.AWAITING_COLLECTION:
            order.rts_time = now
            self.clock.cancel(order.timers.pop("dispatch", None))
        self._set_status(order, target, "ship")  # type: ignore[arg-type]
        self._notify(order, Notice.SHIPPED, tracking_number=package.tracking_number, package_id=package.id,
                     shipping_provider=shipping_provider_name or shipping_provider_id)
        self._flush()
        return package

    def update_shipping_info(
        self, package_id: str, *, tracking_number: str, shipping_provider_id: str, shipping_provider_name: str = ""
    ) -> Package:
        """Correct tracking on a shipped package within the profile's window (API doc: 72 h)."""
        package = self.package(package_id)
        order = self.orders[package.order_id]
        if package.status not in (PackageStatus.PROCESSING, PackageStatus.FULFILLING) or package.rts_time is None:
            raise TransitionNotAllowed(machine="package", event="update_shipping_info", state=package.status,
                                       reason="not_shipped" if package.status == PackageStatus.TO_FULFILL
                                       else "shipping_info_locked", rule="FUL-1", entity_id=package.id)
        if self.clock.now() > package.rts_time + self.profile(order).update_shipping_info_window:
            raise TransitionNotAllowed(machine="package", event="update_shipping_info", state=package.status,
                                       reason="window_expired", rule="FUL-1", entity_id=package.id)
        if not tracking_number or not shipping_provider_id:
            raise InvalidRequest("tracking_number and shipping_provider_id are required", reason="tracking_required")
        package.tracking_number = tracking_number
        package.shipping_provider_id = shipping_provider_id
        package.shipping_provider_name = shipping_provider_name
        package.shipping_info_updates += 1
        package.update_time = order.update_time = self.clock.now()
        self._flush()
        return package

    def carrier_collected(self, package_id: str) -> Package:
        """The carrier scans the package (LIFE-1: IN_TRANSIT once every package is collected)."""
        package = self.package(package_id)
        order = self.orders[package.order_id]
        others = all(self.packages[p].status in _DONE_PACKAGE for p in order.package_ids if p != package_id)
        target, _ = T.ORDER.resolve("collect", order.status, order.id, {"last_package": others})
        pkg_target, _ = T.PACKAGE.resolve("collect", package.status, package.id)
        now = self.clock.now()
        package.collection_time = now
        self._set_package(package, pkg_target)  # type: ignore[arg-type]
        for li in order.line_items:
            if li.package_id == package_id:
                li.status = OrderStatus.IN_TRANSIT
        if target == OrderStatus.IN_TRANSIT:
            order.collection_time = now
        self._set_status(order, target, "collect")  # type: ignore[arg-type]
        self._flush()
        return package

    def carrier_delivered(self, package_id: str) -> Package:
        """The carrier delivers the package (LIFE-1: DELIVERED once every package is delivered)."""
        package = self.package(package_id)
        order = self.orders[package.order_id]
        others = all(
            self.packages[p].status in (PackageStatus.COMPLETED, PackageStatus.CANCELLED)
            for p in order.package_ids if p != package_id
        )
        target, _ = T.ORDER.resolve("deliver", order.status, order.id, {"last_package": others})
        pkg_target, _ = T.PACKAGE.resolve("deliver", package.status, package.id)
        now = self.clock.now()
        package.delivery_time = now
        if package.collection_time is None:
            package.collection_time = now
        self._set_package(package, pkg_target)  # type: ignore[arg-type]
        for li in order.line_items:
            if li.package_id == package_id:
                li.status = OrderStatus.DELIVERED
        self._notify(order, Notice.DELIVERED, package_id=package.id)
        if target == OrderStatus.DELIVERED:
            order.delivery_time = now
            order.collection_time = order.collection_time or now
            order.timers["complete"] = self.clock.schedule(
                now + self.profile(order).completion_after_delivery, lambda: self._complete(order.id),
                kind="order.complete", key=order.id,
            )
        self._set_status(order, target, "deliver")  # type: ignore[arg-type]
        self._flush()
        return package

    def complete(self, order_id: str) -> Order:
        """Close a delivered order now (normally a timer after the return window, LIFE-1)."""
        order = self.order(order_id)
        T.ORDER.resolve("complete", order.status, order.id)
        self._complete(order_id)
        return order

    def _complete(self, order_id: str) -> None:
        order = self.orders[order_id]
        self.clock.cancel(order.timers.pop("complete", None))
        T.ORDER.resolve("complete", order.status, order.id)
        order.completed_time = self.clock.now()
        for li in order.line_items:
            li.status = OrderStatus.COMPLETED
        self._set_status(order, OrderStatus.COMPLETED, "complete")
        self._flush()

    # -- cancellations ---------------------------------------------------------------------------
    def buyer_cancel(self, order_id: str, reason: str | None = None) -> Cancellation:
        """Buyer cancels: directly while UNPAID/ON_HOLD (HOLD-3), as a request needing review after (CAN-B4)."""
        order = self.order(order_id)
        profile = self.profile(order)
        if T.ORDER.allows("buyer_cancel", order.status):
            reason = self._check_reason(profile, "buyer", order, reason)
            T.ORDER.resolve("buyer_cancel", order.status, order.id)
            cancellation = self._new_cancellation(order, CancelType.CANCEL, Role.BUYER, reason, CancelStatus.SUCCESS)
            self._cancel_order(order, "buyer_cancel", Role.BUYER, reason, Notice.ORDER_CANCELLED, cancellation)
            self._flush()
            return cancellation
        T.ORDER.resolve("buyer_request_cancel", order.status, order.id)
        self._refuse_if_pending(order, "buyer_request_cancel")
        reason = self._check_reason(profile, "buyer", order, reason)
        now = self.clock.now()
        cancellation = self._new_cancellation(order, CancelType.BUYER_CANCEL, Role.BUYER, reason, CancelStatus.PENDING)
        cancellation.respond_deadline = now + profile.cancel_request_window
        order.pending_cancel_id = cancellation.id
        order.request_cancel_time = now
        order.update_time = now
        order.timers["cancel_request"] = self.clock.schedule(
            cancellation.respond_deadline, lambda: self._auto_approve(cancellation.id),
            kind="cancel.auto_approve", key=cancellation.id,
        )
        self._flush()
        return cancellation

    def seller_cancel(self, order_id: str, reason: str) -> Cancellation:
        """Seller cancels through the API with a reason that fits the status (CAN-S2); done at once."""
        order = self.order(order_id)
        T.ORDER.resolve("seller_cancel", order.status, order.id)
        self._refuse_if_pending(order, "seller_cancel")
        reason = self._check_reason(self.profile(order), "seller", order, reason, required=True)
        cancellation = self._new_cancellation(order, CancelType.CANCEL, Role.SELLER, reason, CancelStatus.SUCCESS)
        self._cancel_order(order, "seller_cancel", Role.SELLER, reason, Notice.ORDER_CANCELLED, cancellation)
        self._flush()
        return cancellation

    def platform_cancel(self, order_id: str, cause: str = "fraud", *, event: str = "platform_cancel") -> Cancellation:
        """TikTok cancels (fraud, shipping timeout...): allowed after shipping too, tagged (CAN-P1, CAN-P2)."""
        order = self.order(order_id)
        T.ORDER.resolve(event, order.status, order.id)
        try:
            reason = self.profile(order).system_reason(cause)
        except KeyError:
            raise InvalidRequest(f"unknown platform cancel cause {cause!r}", reason="unknown_cause") from None
        if order.pending_cancel_id:  # the platform's cancellation supersedes the buyer's request
            self._close_request(self.cancellations[order.pending_cancel_id], "withdraw", Role.SYSTEM,
                                reason="superseded", notice=None)
        order.cancel_after_shipped = order.status not in (
            OrderStatus.UNPAID, OrderStatus.ON_HOLD, OrderStatus.AWAITING_SHIPMENT
        )
        cancellation = self._new_cancellation(order, CancelType.CANCEL, Role.SYSTEM, reason, CancelStatus.SUCCESS)
        self._cancel_order(order, event, Role.SYSTEM, reason, Notice.ORDER_CANCELLED, cancellation)
        self._flush()
        return cancellation

    def approve_cancellation(
        self, cancel_id: str, *, role: Role = Role.SELLER, idempotency_key: str | None = None
    ) -> Cancellation:
        """Seller (or the system at the deadline) approves a buyer request (CAN-B3, CAN-B4).

        Approval guards (e.g. the SFCC connector's GetOrder check, CAN-B2) may veto: the request is
        then closed as rejected and the order continues.
        """
        cancellation = self.cancellation(cancel_id)
        if idempotency_key and idempotency_key in cancellation.idempotency_keys:
            return cancellation
        order = self.orders[cancellation.order_id]
        T.CANCELLATION.resolve("approve", cancellation.status, cancellation.id)
        T.ORDER.resolve("approve_cancel", order.status, order.id)
        if idempotency_key:
            cancellation.idempotency_keys.add(idempotency_key)
        for guard in self.approval_guards:
            veto = guard(order, cancellation)
            if veto:
                self._close_request(cancellation, "reject", Role.SYSTEM, reason=veto,
                                    notice=Notice.CANCELLATION_REJECTED)
                self._flush()
                return cancellation
        self._close_request(cancellation, "approve", role, reason=None, notice=None)
        self._cancel_order(order, "approve_cancel", Role.BUYER, cancellation.reason, Notice.ORDER_REFUND, cancellation)
        self._flush()
        return cancellation

    def reject_cancellation(
        self,
        cancel_id: str,
        reason: str,
        *,
        comment: str | None = None,
        role: Role = Role.SELLER,
        idempotency_key: str | None = None,
    ) -> Cancellation:
        """Seller rejects a buyer request with a documented reject reason (CAN-B3, CAN-B4)."""
        cancellation = self.cancellation(cancel_id)
        if idempotency_key and idempotency_key in cancellation.idempotency_keys:
            return cancellation
        order = self.orders[cancellation.order_id]
        T.CANCELLATION.resolve("reject", cancellation.status, cancellation.id)
        allowed = self.profile(order).cancel_reasons("seller_reject")
        if not reason:
            raise InvalidRequest("reject_reason is required", reason="reject_reason_required", rule="CAN-B4")
        if _base_reason(reason) not in allowed:
            raise InvalidRequest(f"unknown reject reason {reason!r}", reason="reject_reason_invalid", rule="CAN-B4")
        if idempotency_key:
            cancellation.idempotency_keys.add(idempotency_key)
        cancellation.reject_comment = comment
        self._close_request(cancellation, "reject", role, reason=reason, notice=Notice.CANCELLATION_REJECTED)
        self._flush()
        return cancellation

    def withdraw_cancellation(self, cancel_id: str) -> Cancellation:
        """The buyer withdraws a pending request; the order continues."""
        cancellation = self.cancellation(cancel_id)
        T.CANCELLATION.resolve("withdraw", cancellation.status, cancellation.id)
        self._close_request(cancellation, "withdraw", Role.BUYER, reason="buyer_withdrew", notice=None)
        self._flush()
        return cancellation

    def _auto_approve(self, cancel_id: str) -> None:
        cancellation = self.cancellations[cancel_id]
        order = self.orders[cancellation.order_id]
        order.timers.pop("cancel_request", None)
        if cancellation.status == CancelStatus.PENDING and T.ORDER.allows("approve_cancel", order.status):
            self.approve_cancellation(cancel_id, role=Role.SYSTEM)

    def _auto_cancel(self, order_id: str) -> None:
        order = self.orders[order_id]
        order.timers.pop("auto_cancel", None)
        if T.ORDER.allows("auto_cancel", order.status):
            self.platform_cancel(order_id, "shipping_timeout", event="auto_cancel")

    def _dispatch_deadline(self, order_id: str) -> None:
        order = self.orders[order_id]
        order.timers.pop("dispatch", None)
        if order.status in (OrderStatus.AWAITING_SHIPMENT, OrderStatus.PARTIALLY_SHIPPING):
            order.dispatch_missed = True
            self._emit(DispatchDeadlinePassed(self.clock.now(), order.id, deadline=order.rts_sla_time))
            self._flush()

    # -- internals -------------------------------------------------------------------------------
    def _refuse_if_pending(self, order: Order, event: str) -> None:
        if order.pending_cancel_id:
            raise TransitionNotAllowed(machine="order", event=event, state=order.status,
                                       reason="cancel_pending", rule="CAN-X1", entity_id=order.id)

    def _check_reason(
        self, profile: Profile, who: str, order: Order, reason: str | None, *, required: bool = False
    ) -> str:
        allowed = profile.cancel_reasons(who, order.status)
        if not reason:
            if required:
                raise InvalidRequest("cancel_reason is required", reason="reason_required", rule="CAN-S2")
            return allowed[0]
        if _base_reason(reason) not in allowed:
            raise InvalidRequest(
                f"cancel reason {reason!r} does not match order status {order.status}",
                reason="reason_mismatch", rule="CAN-S2",
            )
        return reason

    def _new_cancellation(
        self, order: Order, cancel_type: CancelType, role: Role, reason: str, status: CancelStatus
    ) -> Cancellation:
        now = self.clock.now()
        paid = order.paid_time is not None
        cancellation = Cancellation(
            id=self.ids.next("cancel"), order_id=order.id, cancel_type=cancel_type, role=role, status=status,
            reason=reason, create_time=now, update_time=now, line_item_ids=[li.id for li in order.line_items],
            refund_total=order.total_amount if paid else Decimal("0"),
        )
        self.cancellations[cancellation.id] = cancellation
        order.cancellation_ids.append(cancellation.id)
        self._emit(CancellationChanged(now, order.id, cancel_id=cancellation.id, old=None, new=status,
                                       role=role, cancel_type=cancel_type))
        return cancellation

    def _move_cancellation(self, cancellation: Cancellation, event: str) -> None:
        target, _ = T.CANCELLATION.resolve(event, cancellation.status, cancellation.id)
        old = cancellation.status
        cancellation.status = target  # type: ignore[assignment]
        cancellation.update_time = self.clock.now()
        self._emit(CancellationChanged(cancellation.update_time, cancellation.order_id, cancel_id=cancellation.id,
                                       old=old, new=target, role=cancellation.role,
                                       cancel_type=cancellation.cancel_type))

    def _close_request(
        self, cancellation: Cancellation, event: str, role: Role, *, reason: str | None, notice: Notice | None
    ) -> None:
        order = self.orders[cancellation.order_id]
        self._move_cancellation(cancellation, event)
        cancellation.resolved_by = role
        if event != "approve":
            cancellation.reject_reason = reason
        if order.pending_cancel_id == cancellation.id:
            order.pending_cancel_id = None
            self.clock.cancel(order.timers.pop("cancel_request", None))
        order.update_time = self.clock.now()
        if notice is not None:
            self._notify(order, notice, cancel_id=cancellation.id, reason=reason)

    def _cancel_order(
        self, order: Order, event: str, initiator: Role, reason: str, notice: Notice, cancellation: Cancellation
    ) -> None:
        now = self.clock.now()
        unshipped = [li for li in order.line_items if self.packages[li.package_id].status == PackageStatus.TO_FULFILL]
        if order.paid_time is not None:
            for sku_id, qty in self._units(unshipped).items():
                self.inventory.release(sku_id, qty)
                self._emit(StockChanged(now, order.id, sku_id=sku_id, action="release", quantity=qty))
        for package_id in order.package_ids:
            package = self.packages[package_id]
            if T.PACKAGE.allows("cancel", package.status):
                self._set_package(package, PackageStatus.CANCELLED)
        for li in order.line_items:
            li.status = OrderStatus.CANCELLED
            li.cancel_reason = reason
            li.cancel_user = initiator
        for key in list(order.timers):
            self.clock.cancel(order.timers.pop(key))
        order.cancel_time = now
        order.cancel_reason = reason
        order.cancellation_initiator = initiator
        self._set_status(order, OrderStatus.CANCELLED, event)
        if order.paid_time is not None:
            self._notify(order, notice, cancel_id=cancellation.id, reason=reason,
                         refund_amount=str(cancellation.refund_total), currency=order.currency)
            if cancellation.status == CancelStatus.SUCCESS:
                self._move_cancellation(cancellation, "refund")
        elif cancellation.status == CancelStatus.SUCCESS:
            self._move_cancellation(cancellation, "refund")  # nothing to refund: closes at once

    def _set_status(self, order: Order, new: OrderStatus, event: str) -> None:
        old = order.status
        now = self.clock.now()
        order.update_time = now
        if old == new:
            return
        order.status = new
        if new in _LINE_FOLLOWS_ORDER:
            for li in order.line_items:
                li.status = new
        self._emit(OrderStatusChanged(now, order.id, old=old, new=new, event=event))

    def _set_package(self, package: Package, new: PackageStatus) -> None:
        old = package.status
        package.status = new
        package.update_time = self.clock.now()
        self._emit(PackageStatusChanged(package.update_time, package.order_id, package_id=package.id, old=old, new=new))

    def _notify(self, order: Order, kind: Notice, **details: Any) -> None:
        now = self.clock.now()
        note = Notification(order.id, kind.value, now, {k: v for k, v in details.items() if v is not None})
        self.notifications.append(note)
        self._emit(BuyerNotified(now, order.id, kind=kind.value, details=note.details))

    @staticmethod
    def _units(items: Iterable[LineItem]) -> dict[str, int]:
        units: dict[str, int] = {}
        for li in items:
            units[li.sku_id] = units.get(li.sku_id, 0) + 1
        return units


def _base_reason(reason: str) -> str:
    # The UK market uses the US keys with a `_uk` suffix (API doc cancel-reasons).
    return reason[:-3] if reason.endswith("_uk") else reason


def is_late(order: Order) -> bool:
    """SLA-1: shipped after its dispatch deadline."""
    return order.rts_time is not None and order.rts_sla_time is not None and order.rts_time > order.rts_sla_time

