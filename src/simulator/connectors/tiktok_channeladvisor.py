"""The TikTok Shop <-> ChannelAdvisor sync: a 15-minute job on the world clock (CA-1, CA-3, FUL-5, CAN-*).

Each tick, aligned to the sync interval from the world start, does in order:

1. relay what the OMS did in ChannelAdvisor since the last tick to TikTok: shipments (FUL-5), seller
   cancellations (CAN-S3), approvals and rejections of buyer requests (CAN-B3);
2. import orders whose hold ended at or before the tick (CA-1);
3. reflect TikTok changes of imported orders into ChannelAdvisor: status (CA-3), buyer cancellation
   requests as pending adjustments (CAN-B3), cancellations by anyone, including the platform (CAN-P2),
   returns as Refund item adjustments with the Rithum return terms (RET-6).

A tick that coincides with a hold release sees the released order: the hold timer is scheduled an hour
ahead, the tick only one interval ahead, and equal due times fire in scheduling order.

A tick with nothing to do (no OMS action, no released order, no TikTok change) is skipped by the clock
and counted (``skipped_ticks``); ``last_tick`` is the last tick that ran.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import partial
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from simulator.channeladvisor.enums import (
    AdjustmentReason,
    AdjustmentType,
    DeliveryStatus,
    RequestStatus,
    ShippingStatus,
)
from simulator.channeladvisor.index import in_flight
from simulator.channeladvisor.models import Buyer, BuyerFields, CaAdjustment, CaFulfillment, CaItem, CaOrder
from simulator.channeladvisor.status_map import ANSWERABLE, request_status_for, return_request_status, to_ca
from simulator.clock import Timer
from simulator.engine import Cancellation, CancelStatus, EngineError, Order, PackageStatus, Return, ReturnType, Role
from simulator.engine.events import EngineEvent, OrderPlaced
from simulator.engine.states import CancelType

if TYPE_CHECKING:
    from simulator.channeladvisor.backend import ChannelAdvisorBackend
    from simulator.world import World

PROFILE = "rithum"
_PLATFORM_REASONS = {"system_cancel_order_reason_shipping_timeout": AdjustmentReason.COULD_NOT_SHIP}
_DONE = frozenset({CancelStatus.SUCCESS, CancelStatus.COMPLETE})
ORDER_DETAIL = "/order/202309/orders"  # the TikTok call each read of an order stands for (fault matching)
_ANSWER_PATHS = {"cancel": "/return_refund/202309/cancellations",
                 "approve": "/return_refund/202309/cancellations/{cancel_id}/approve",
                 "reject": "/return_refund/202309/cancellations/{cancel_id}/reject",
                 "approve_return": "/return_refund/202309/returns/{return_id}/approve",
                 "reject_return": "/return_refund/202309/returns/{return_id}/reject"}


@dataclass(frozen=True)
class Tick:
    """When the last sync run happened and how far into the journal it had seen (the invariants' "as of")."""

    at: datetime
    seq: int


class TikTokChannelAdvisorSync:
    """The platform's own automation between TikTok Shop and ChannelAdvisor, for ``rithum`` orders."""

    def __init__(self, world: World, backend: ChannelAdvisorBackend) -> None:
        self.world = world
        self.backend = backend
        interval = world.rules[PROFILE].sync_interval
        assert interval is not None, "the rithum profile defines sync_interval"
        self.interval = interval
        self._timer: Timer | None = None
        self.pending_import: set[str] = set()
        self.dirty: set[str] = set()
        self._rithum: set[str] = set()
        self.ticks = 0
        self.last_tick: Tick | None = None

    def start(self) -> None:
        """Subscribe to engine events and schedule the first tick."""
        self.world.engine.subscribe(self._on_event)
        self._timer = self.world.clock.every(self.interval, self.tick, kind="ca.sync", key="ca.sync",
                                             first=self.world.start + self.interval, idle=self.idle)

    def idle(self) -> bool:
        """A tick now would do nothing: no OMS action to relay, no order to import, no TikTok change."""
        return not self.backend.index.pending and not self.pending_import and not self.dirty

    @property
    def next_tick(self) -> datetime | None:
        """When the next tick is due (its cadence instant after any skipped ones)."""
        return self._timer.due if self._timer is not None else None

    @property
    def skipped_ticks(self) -> int:
        """Ticks skipped for having nothing to do."""
        return self._timer.skipped if self._timer is not None else 0

    def wake(self) -> None:
        """Work arrived for the next tick (an OMS action)."""

    def _on_event(self, event: EngineEvent) -> None:
        if isinstance(event, OrderPlaced):
            if event.profile == PROFILE:
                self._rithum.add(event.order_id)
            return
        if event.order_id not in self._rithum:
            return
        if event.order_id in self.backend.by_site_order:
            self.dirty.add(event.order_id)
        elif self.world.engine.orders[event.order_id].released_time is not None:
            self.pending_import.add(event.order_id)

    # -- the tick --------------------------------------------------------------------------------
    def tick(self) -> None:
        """One sync run (the clock schedules the next one first, so a refusal never stops the cycle)."""
        self.ticks += 1
        acted, self.backend.index.pending = sorted(self.backend.index.pending), set()
        for ca_id in acted:  # only orders the OMS acted on: an idle tick reads no order
            ca = self.backend.orders[ca_id]
            self._relay(ca)
            if in_flight(ca):  # a refused call leaves the work queued: the next tick carries it
                self.backend.index.pending.add(ca_id)
        pending, self.pending_import = sorted(self.pending_import), set()
        imported: list[CaOrder] = []
        try:
            for order_id in pending:
                if self._refused("GET", ORDER_DETAIL, order_id, "import"):
                    self.pending_import.add(order_id)  # read again at the next tick: never lost
                    continue
                self._import(self.world.engine.orders[order_id], imported)
        finally:  # searchable once the imports are done (nothing searches during them): one batch per list
            self.backend.index.add(imported)
        dirty, self.dirty = sorted(self.dirty), set()
        for order_id in dirty:
            if self._refused("GET", ORDER_DETAIL, order_id, "status"):
                self.dirty.add(order_id)
                continue
            self._reflect(self.world.engine.orders[order_id], self.backend.orders[self.backend.by_site_order[order_id]])
        self.last_tick = Tick(self.world.clock.now(), len(self.world.journal))

    # -- injected faults -------------------------------------------------------------------------
    def _refused(self, method: str, path: str, order_id: str, action: str) -> bool:
        """A TikTok API fault (docs/faults.md) refuses this call of the sync: journaled, retried at the next tick.

        The sync is TikTok's partner integration, so faults on system ``tiktok`` reach it as they reach
        any client; latency costs no virtual time here, and an expired token is refreshed before the retry.
        """
        faults = self.world.faults
        if not faults.active("tiktok"):
            return False
        order = self.world.engine.orders.get(order_id)
        rule = faults.decide("tiktok", method, path, order.shop_id if order else None, via="channeladvisor")
        if rule is None or rule.type == "latency":
            return False
        direction = "tiktok_to_ca" if method == "GET" else "ca_to_tiktok"
        self.world.journal.record("ca.sync", order_id=order_id, direction=direction, action=action, ok=False,
                                  error=f"{rule.type} ({rule.fault_id})", retry_at=self.next_tick)
        return True

    # -- CA -> TikTok ----------------------------------------------------------------------------
    def _relay(self, ca: CaOrder) -> None:
        for fulfillment in ca.fulfillments:
            if fulfillment.shipped_date is not None and not fulfillment.relayed and fulfillment.relay_error is None:
                package = next(iter(self.world.engine.order(ca.site_order_id).package_ids), "")
                if self._refused("POST", f"/fulfillment/202309/packages/{package}/ship", ca.site_order_id, "ship"):
                    continue  # still shipped and not relayed: the next tick relays it
                self._attempt(ca, "ship", partial(self._ship, ca, fulfillment), partial(_ship_failed, fulfillment))
        seen: set[str] = set()  # one answer per return, whatever number of item adjustments carry it
        for adj in [a for a in ca.adjustments if a.action]:
            if adj.return_id is not None and adj.return_id in seen:
                continue  # relayed with (or refused as) its sibling this tick
            action = adj.action or ""
            if adj.return_id is not None:
                seen.add(adj.return_id)
            path = _ANSWER_PATHS[action].format(cancel_id=adj.cancel_id, return_id=adj.return_id)
            if self._refused("POST", path, ca.site_order_id, action):
                continue  # the answer stays queued on the adjustment(s) for the next tick
            for sibling in [adj] if adj.return_id is None else [a for a in ca.adjustments
                                                                 if a.return_id == adj.return_id]:
                sibling.action = None
            # An OMS cancel TikTok refuses has no TikTok cancellation behind it: the adjustment is in Error.
            # A refused answer to a buyer request keeps mirroring that request's TikTok state (the
            # next reflect), with the refusal in its comment.
            failed = _adj_error if action == "cancel" else _answer_refused
            self._attempt(ca, action, partial(self._answer, ca, adj, action), partial(failed, adj))

    def _answer(self, ca: CaOrder, adj: CaAdjustment, action: str) -> None:
        engine = self.world.engine
        if action == "cancel":
            reason = self.backend.seed.cancel_reason_mapping.get(adj.reason.value, "seller_cancel_reason_out_of_stock")
            item = next((i for i in ca.items if i.id == adj.order_item_id), None)
            units = None  # CAN-L4: an item-level adjustment cancels that many of the item's units
            if item is not None and adj.quantity:
                sku = next(li.sku_id for li in engine.order(ca.site_order_id).line_items
                           if li.id == item.tiktok_line_item_ids[0])
                units = engine.units_for_skus(ca.site_order_id, [(sku, adj.quantity)])
            adj.cancel_id = engine.seller_cancel(ca.site_order_id, reason, units).id
        elif action == "approve" and adj.cancel_id:
            if engine.cancellation(adj.cancel_id).status in _DONE:
                return  # auto-approved before the answer arrived: what the OMS asked for already happened
            engine.approve_cancellation(adj.cancel_id, idempotency_key=f"ca-{adj.id}")
        elif action == "reject" and adj.cancel_id:
            engine.reject_cancellation(
                adj.cancel_id, adj.reject_reason or "", comment=adj.comment, idempotency_key=f"ca-{adj.id}"
            )
        elif action in ("approve_return", "reject_return") and adj.return_id:
            ret = engine.return_(adj.return_id)
            step = ANSWERABLE.get(adj.answered) if adj.answered else None
            if ret.status != step:  # decided meanwhile (the platform's window, the buyer): the answer is late
                if action == "approve_return":
                    return
                raise EngineError(f"return {ret.id} is {ret.status} now, no longer {step}", reason="return_closed")
            key = f"ca-{adj.id}-{adj.answered}"  # one answer per step: the request, then the received package
            if action == "approve_return":
                engine.approve_return(ret.id, idempotency_key=key)
            else:
                engine.reject_return(ret.id, adj.reject_reason or "", comment=adj.comment, idempotency_key=key)

    def _attempt(self, ca: CaOrder, action: str, call: Callable[[], Any], on_error: Callable[[str], None]) -> None:
        try:
            call()
        except EngineError as exc:
            on_error(exc.message)
            self.backend.journal("sync", ca, direction="ca_to_tiktok", action=action, ok=False, error=exc.message)
        else:
            self.backend.journal("sync", ca, direction="ca_to_tiktok", action=action, ok=True)
        self.dirty.add(ca.site_order_id)

    def _ship(self, ca: CaOrder, fulfillment: CaFulfillment) -> None:
        engine = self.world.engine
        order = engine.order(ca.site_order_id)
        to_ship = [p for p in order.package_ids if engine.packages[p].status == PackageStatus.TO_FULFILL
                   and fulfillment.package_id in (None, p)]  # a fulfillment is its package (PKG-1)
        tiktok = self.world.systems.get("tiktok")  # absent in engine-plus-CA worlds: keep the approved code
        provider_id, provider_name = (tiktok.provider_for(order, fulfillment.tiktok_carrier or "") if tiktok
                                      else (fulfillment.tiktok_carrier or "", fulfillment.tiktok_carrier_name or ""))
        for package_id in to_ship or order.package_ids[:1]:  # nothing left to ship: let the engine say why
            engine.ship_package(
                package_id,
                tracking_number=fulfillment.tracking_number or "",
                shipping_provider_id=provider_id,
                shipping_provider_name=provider_name or fulfillment.tiktok_carrier_name or "",
            )
        fulfillment.relayed = True

    # -- TikTok -> CA ----------------------------------------------------------------------------
    def _import(self, order: Order, imported: list[CaOrder]) -> None:
        if order.id in self.backend.by_site_order:
            return
        account = self.backend.account_for(order)
        if account is None:
            self.world.journal.record(
                "ca.sync",
                order_id=order.id,
                direction="tiktok_to_ca",
                action="import",
                ok=False,
                error=f"no ChannelAdvisor profile for shop {order.shop_id}",
            )
            return
        now = self.world.clock.now()
        ca_id = self.backend.next_id("order")
        ca = CaOrder(
            id=ca_id,
            profile_id=account.profile_id,
            site_id=self.backend.seed.site_id,
            site_name=self.backend.seed.site_name,
            site_order_id=order.id,
            shop_id=order.shop_id,
            region=order.region,
            currency=order.currency,
            created=order.create_time,
            imported=now,
            checkout_date=order.paid_time,
            payment_date=order.paid_time,
            estimated_ship_date=order.rts_sla_time,
            total_price=order.total_amount,
            total_shipping_price=order.shipping_fee,
            buyer=Buyer(buyer_fields, order.party),  # TikTok's buyer never changes: read when asked
            special_instructions=order.buyer_message or None,
        )
        ca.items = _items(self.backend, ca, order)
        ca.fulfillments = []
        self._reflect_packages(order, ca)
        self.backend.store_order(ca)
        imported.append(ca)
        self._journal(ca, direction="tiktok_to_ca", action="import", ok=True)
        self._reflect(order, ca, packages=False)  # the packages were reflected a moment ago

    def _journal(self, ca: CaOrder, **data: str | bool) -> None:
        """A ``ca.sync`` entry, as ``backend.journal`` records it (its values are plain already: no conversion)."""
        self.world.journal.record("ca.sync", order_id=ca.site_order_id, ca_order_id=ca.id, **data)

    def _reflect(self, order: Order, ca: CaOrder, packages: bool = True) -> None:
        engine = self.world.engine
        old = (ca.shipping_status, ca.tiktok_status)
        status_text = order.status._value_  # the plain text (Enum.value is a property: a call per read)
        ca.tiktok_status = status_text
        status = to_ca(self.world.rules[PROFILE], order.status, order.shipping_type)
        if status is not None:
            ca.shipping_status = status
        if packages:
            self._reflect_packages(order, ca)
        if status in (ShippingStatus.SHIPPED, ShippingStatus.PARTIALLY_SHIPPED):
            self._reflect_shipment(order, ca)
        if status == ShippingStatus.CANCELED:
            for f in ca.fulfillments:
                if f.delivery_status == DeliveryStatus.NO_CHANGE:
                    f.delivery_status, f.updated = DeliveryStatus.CANCELED, self.world.clock.now()
        for cancel_id in order.cancellation_ids:
            cancellation = engine.cancellations[cancel_id]
            adjs = [a for a in ca.adjustments if a.cancel_id == cancel_id]
            if not adjs and cancellation.partial:
                adjs = self._item_adjustments(ca, order, cancellation)
            if not adjs:
                adjs = [self._new_adjustment(
                    ca, cancellation.cancel_type, cancellation.role, cancellation.reason, cancel_id
                )]
            for adj in adjs:
                self._mirror(adj, cancellation)
        for return_id in order.return_ids:
            self._reflect_return(ca, order, engine.returns[return_id])
        if (ca.shipping_status, ca.tiktok_status) != old:
            self._journal(ca, direction="tiktok_to_ca", action="status", tiktok_status=status_text,
                          shipping_status=str(ca.shipping_status))

    @staticmethod
    def _mirror(adj: CaAdjustment, cancellation: Cancellation) -> None:
        if adj.action is None and adj.request_status != RequestStatus.ERROR:
            adj.request_status = request_status_for(cancellation.status, cancellation.reject_reason)
            auto = cancellation.resolved_by == Role.SYSTEM and cancellation.cancel_type == CancelType.BUYER_CANCEL
            auto = auto and adj.request_status == RequestStatus.POST_PROCESSING_COMPLETE
            if auto and "Auto-approved" not in (adj.comment or ""):
                adj.comment = f"{adj.comment or ''} (Auto-approved: no answer within the response window.)".strip()

    def _item_adjustments(self, ca: CaOrder, order: Order, cancellation: Cancellation) -> list[CaAdjustment]:
        """CAN-L4: a partial cancellation is one item-level Cancellation adjustment per CA item it touches."""
        skus = {li.id: li.sku_id for li in order.line_items}
        wanted: dict[str, int] = {}
        for line in cancellation.line_item_ids:
            wanted[skus[line]] = wanted.get(skus[line], 0) + 1
        made = []
        for item in ca.items:
            quantity = wanted.get(skus[item.tiktok_line_item_ids[0]], 0)
            if quantity:
                adj = self._new_adjustment(ca, cancellation.cancel_type, cancellation.role, cancellation.reason,
                                           cancellation.id)
                adj.reason = AdjustmentReason.ITEM_NOT_AVAILABLE
                adj.order_item_id, adj.quantity = item.id, quantity
                adj.item_adjustment = item.unit_price * quantity
                made.append(adj)
        return made

    def _new_adjustment(self, ca: CaOrder, cancel_type: str, role: str, reason: str, cancel_id: str) -> CaAdjustment:
        if cancel_type == CancelType.BUYER_CANCEL:
            ca_reason, comment = AdjustmentReason.BUYER_CANCELLED, f"Buyer cancellation request: {reason}"
        elif role == Role.SYSTEM:
            ca_reason = _PLATFORM_REASONS.get(reason, AdjustmentReason.GENERAL_ADJUSTMENT)
            comment = f"Cancelled by TikTok Shop: {reason}"
        else:
            ca_reason, comment = AdjustmentReason.GENERAL_ADJUSTMENT, f"Cancelled in TikTok Shop by {role}: {reason}"
        adj = CaAdjustment(
            self.backend.next_id("adjustment"),
            ca.profile_id,
            ca.id,
            AdjustmentType.CANCELLATION,
            ca_reason,
            RequestStatus.PENDING_APPROVAL,
            self.world.clock.now(),
            comment=comment,
            cancel_id=cancel_id,
        )
        ca.adjustments.append(adj)
        self.backend.journal(
            "sync",
            ca,
            direction="tiktok_to_ca",
            action="adjustment",
            adjustment_id=adj.id,
            reason=ca_reason,
            cancel_id=cancel_id,
        )
        return adj

    def _reflect_return(self, ca: CaOrder, order: Order, ret: Return) -> None:
        """RET-6: one Refund adjustment per CA item the return touches, its RequestStatus the Rithum term."""
        adjs = [a for a in ca.adjustments if a.return_id == ret.id]
        if not adjs:
            adjs = self._return_adjustments(ca, order, ret)
        if any(a.action for a in adjs):
            return  # the OMS's answer is on its way to TikTok: the next tick reflects the outcome
        status = return_request_status(ret.status, ret.shipment_type)
        done = ret.refund_amount is not None
        full = done and ret.refund_amount == ret.refund_total
        for index, adj in enumerate(adjs):
            if adj.request_status != status:
                self.backend.journal("sync", ca, direction="tiktok_to_ca", action="return", adjustment_id=adj.id,
                                     return_id=ret.id, return_status=ret.status, request_status=status)
            adj.request_status = status
            adj.return_tracking = ret.return_tracking_number
            adj.is_restock = ret.restocked
            item = next(i for i in ca.items if i.id == adj.order_item_id)
            if full:
                adj.item_adjustment = item.unit_price * (adj.quantity or 0)
                adj.shipping_adjustment = ret.refund_shipping_fee if index == 0 else Decimal(0)
            elif done:
                assert ret.refund_amount is not None
                adj.item_adjustment = ret.refund_amount if index == 0 else Decimal(0)

    def _return_adjustments(self, ca: CaOrder, order: Order, ret: Return) -> list[CaAdjustment]:
        skus = {li.id: li.sku_id for li in order.line_items}
        wanted: dict[str, int] = {}
        for line in ret.line_item_ids:
            wanted[skus[line]] = wanted.get(skus[line], 0) + 1
        reason = (AdjustmentReason.CUSTOMER_RETURNED_ITEM if ret.return_type == ReturnType.RETURN_AND_REFUND
                  else AdjustmentReason.GENERAL_ADJUSTMENT)
        made = []
        for item in ca.items:
            qty = wanted.get(skus[item.tiktok_line_item_ids[0]], 0)
            if not qty:
                continue
            adj = CaAdjustment(
                self.backend.next_id("adjustment"), ca.profile_id, ca.id, AdjustmentType.REFUND, reason,
                RequestStatus.NEW_RMA, self.world.clock.now(), order_item_id=item.id, quantity=qty,
                comment=f"TikTok Shop {ret.return_type.value} request by {ret.role.value}: {ret.reason}",
                return_id=ret.id,
            )
            ca.adjustments.append(adj)
            made.append(adj)
            self.backend.journal("sync", ca, direction="tiktok_to_ca", action="adjustment", adjustment_id=adj.id,
                                 reason=reason, return_id=ret.id)
        return made

    def _reflect_packages(self, order: Order, ca: CaOrder) -> None:
        """PKG-1: one CA fulfillment per TikTok package that carries units (a split or Mark Package As Shipped adds
        packages: they appear at the sync); a package emptied by a partial cancel is a Canceled fulfillment."""
        # Plain loops, no comprehensions: this runs for every order the sync imports or reflects.
        engine, now = self.world.engine, self.world.clock.now()
        by_package: dict[str | None, CaFulfillment] = {}
        for f in ca.fulfillments:
            by_package[f.package_id] = f
        units: dict[str, str] = {}
        for li in order.line_items:
            units[li.id] = li.sku_id
        items: dict[str, int] = {}
        for item in ca.items:
            items[units[item.tiktok_line_item_ids[0]]] = item.id
        for package_id in order.package_ids:
            package = engine.packages[package_id]
            fulfillment = by_package.get(package_id) or by_package.get(package.moved_from or "")
            if fulfillment is not None:  # PKG-2: the order's fulfillment follows its units out of a combined package
                fulfillment.package_id = package_id
            mine = []  # PKG-2: this order's units only
            for line in package.line_item_ids:
                if line in units:
                    mine.append(line)
            if fulfillment is None and mine:
                fulfillment = CaFulfillment(self.backend.next_id("fulfillment"), ca.profile_id, ca.id, now, now,
                                            package_id=package_id)
                ca.fulfillments.append(fulfillment)
                self.backend.index.fulfillment_order[fulfillment.id] = ca.id  # a split's package, after the import
            if fulfillment is None:
                continue
            planned: dict[int, int] = {}
            for line in mine:
                planned[items[units[line]]] = planned.get(items[units[line]], 0) + 1
            if fulfillment.delivery_status == DeliveryStatus.NO_CHANGE:
                fulfillment.planned = sorted(planned.items())
                if not mine:
                    fulfillment.delivery_status, fulfillment.updated = DeliveryStatus.CANCELED, now

    def _reflect_shipment(self, order: Order, ca: CaOrder) -> None:
        """A shipment made on TikTok directly (not through CA) appears on its package's CA fulfillment."""
        for package_id in order.package_ids:
            package = self.world.engine.packages[package_id]
            fulfillment = next((f for f in ca.fulfillments if f.package_id == package_id), None)
            if package.rts_time is None or fulfillment is None or fulfillment.delivery_status != DeliveryStatus.NO_CHANGE:
                continue
            fulfillment.delivery_status = DeliveryStatus.COMPLETE
            fulfillment.tracking_number = package.tracking_number
            fulfillment.shipping_carrier = package.shipping_provider_name or package.shipping_provider_id
            fulfillment.shipped_date = package.rts_time
            fulfillment.items = list(fulfillment.planned)
            fulfillment.relayed = True
            fulfillment.updated = self.world.clock.now()
        ca.shipping_date = ca.shipping_date or order.rts_time


def _ship_failed(fulfillment: CaFulfillment, message: str) -> None:
    fulfillment.relay_error = message
    fulfillment.delivery_status = DeliveryStatus.CANCELED


def _adj_error(adj: CaAdjustment, message: str) -> None:
    adj.request_status = RequestStatus.ERROR
    adj.comment = f"TikTok Shop refused: {message}"


def _answer_refused(adj: CaAdjustment, message: str) -> None:
    adj.comment = f"{adj.comment or ''} (TikTok Shop refused the answer: {message})".strip()


_ID = attrgetter("id")


def _items(backend: ChannelAdvisorBackend, ca: CaOrder, order: Order) -> list[CaItem]:
    """TikTok's one-line-per-unit items grouped into CA items with quantities."""
    groups: dict[str, list[Any]] = {}
    for li in order.line_items:
        groups.setdefault(li.sku_id, []).append(li)
    items = []
    for lines in groups.values():
        first = lines[0]
        items.append(
            CaItem(
                backend.next_id("item"),
                ca.profile_id,
                ca.id,
                backend.product_id(first.seller_sku),
                first.seller_sku,
                f"{first.product_name} - {first.sku_name}" if first.sku_name else first.product_name,
                len(lines),
                Decimal(first.sale_price),
                first.id,
                first.product_id,
                list(map(_ID, lines)),
            )
        )
    return items


def buyer_fields(party: Any) -> BuyerFields:
    """A CA order's buyer fields from the TikTok order's buyer record (``Order.party``, never changed)."""
    buyer = party.buyer()
    return (_text(buyer, "email", "buyer_email"), _text(buyer, "user_id", "id", "buyer_user_id"),
            _address(party.address()))


def _text(data: dict[str, Any], *keys: str) -> str | None:
    for key in keys:
        if data.get(key):
            return str(data[key])
    return None


def _address(addr: dict[str, Any]) -> dict[str, Any]:
    """TikTok recipient_address -> CA Shipping*/Billing* fields (tolerant of missing parts)."""
    first, last = _text(addr, "first_name"), _text(addr, "last_name")
    name = _text(addr, "name")
    if name and not (first or last):
        first, _, last = name.partition(" ")
    districts = {
        str(d.get("address_level_name", "")).lower(): d.get("address_name")
        for d in addr.get("district_info", []) or []
        if isinstance(d, dict)
    }
    return {
        "FirstName": first,
        "LastName": last or None,
        "DaytimePhone": _text(addr, "phone_number", "phone"),
        "AddressLine1": _text(addr, "address_line1", "address_detail"),
        "AddressLine2": _text(addr, "address_line2"),
        "City": _text(addr, "city") or districts.get("city") or districts.get("post town"),
        "StateOrProvince": _text(addr, "state") or districts.get("state") or districts.get("county"),
        "PostalCode": _text(addr, "postal_code", "zipcode"),
        "Country": _text(addr, "region_code", "country"),
    }


def install(world: World) -> TikTokChannelAdvisorSync:
    """Start the 15-minute sync for ``world``'s ChannelAdvisor (``backend.sync``)."""
    backend: ChannelAdvisorBackend = world.systems["channeladvisor"]
    sync = backend.sync = TikTokChannelAdvisorSync(world, backend)
    sync.start()
    return sync
