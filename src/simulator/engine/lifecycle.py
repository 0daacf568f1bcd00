"""Order lifecycle operations: placing, paying, the hold, shipping, carrier scans, completion, SLA timers."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any

from simulator.engine import transitions as T
from simulator.engine.base import Call, EngineBase, active_lines, exact
from simulator.engine.errors import InvalidRequest, TransitionNotAllowed
from simulator.engine.events import DispatchDeadlinePassed, OrderPlaced, PackagesChanged, StockChanged
from simulator.engine.models import LineItem, Order, Package, Party, party_of
from simulator.engine.states import Notice, OrderStatus, PackageStatus, Role

_JUST_AFTER = timedelta(microseconds=1)
SHIPPING_TYPES = ("SELLER", "TIKTOK")  # API doc shipping_type (TIKTOK_DIGITAL: digital goods, not simulated)
_DONE_PACKAGE = frozenset({PackageStatus.FULFILLING, PackageStatus.COMPLETED, PackageStatus.CANCELLED})


class LifecycleOps(EngineBase):
    """HOLD-1..4, LIFE-1, FUL-1/2, SLA-1/3/4: from placement to completion."""

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
        party: Party | None = None,
        split_packages: bool = False,
        delivery_option_id: str = "",
        delivery_option_name: str = "",
        warehouse_id: str = "",
        shipping_fee: Decimal = Decimal("0"),
        buyer_message: str = "",
        handling_days: int | None = None,
        shipping_days: int | None = None,
        shipping_type: str = "SELLER",
    ) -> Order:
        """A buyer places an order (and pays it unless ``paid=False``); returns it in UNPAID or ON_HOLD.

        ``handling_days`` and ``shipping_days`` are the seller's Estimated Delivery Time settings
        (SLA-4); when given, the order carries ``estimated_delivery_time``. The buyer and recipient
        address come as mappings (copied) or as a ``party`` that builds them when read (kept as is).
        """
        self.rules[profile]  # unknown profile -> ProfileError before anything changes
        if not items:
            raise InvalidRequest("an order needs at least one item", reason="no_items")
        if shipping_type not in SHIPPING_TYPES:
            raise InvalidRequest(f"shipping_type must be one of {', '.join(SHIPPING_TYPES)}", reason="bad_shipping_type",
                                 rule="PKG-4")
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
        package_ids = exact(self.ids.next("package") for _ in (skus if split_packages else skus[:1]))
        line_items: list[LineItem] = []
        for index, sku in enumerate(skus):
            package_id = package_ids[index if split_packages else 0]
            for _ in range(wanted[sku.sku_id]):
                line_items.append(
                    LineItem(
                        id=self.ids.next("line_item"),
                        sku_id=sku.sku_id,
                        product_id=sku.product_id,
                        product_name=sku.product_name,
                        sku_name=sku.sku_name,
                        seller_sku=sku.seller_sku,
                        sale_price=sku.price,
                        original_price=sku.price,
                        package_id=package_id,
                        status=OrderStatus.UNPAID,
                    )
                )
        order = Order(
            id=order_id,
            shop_id=shop_id,
            profile=profile,
            region=sys.intern(region.upper()),  # one string per market, not per order
            currency=skus[0].currency,
            status=OrderStatus.UNPAID,
            party=party if party is not None else party_of(buyer, recipient_address),
            line_items=exact(line_items),
            package_ids=package_ids,
            create_time=now,
            update_time=now,
            delivery_option_id=delivery_option_id,
            delivery_option_name=delivery_option_name,
            warehouse_id=warehouse_id,
            shipping_type=shipping_type,
            shipping_fee=shipping_fee,
        )
        presale = max((s.presale_dispatch_days or 0 for s in skus), default=0) or None
        if buyer_message or presale or handling_days is not None or shipping_days is not None:  # rare fields
            order.buyer_message, order.presale_dispatch_days = buyer_message, presale
            order.handling_days, order.shipping_days = handling_days, shipping_days
        if handling_days is not None or shipping_days is not None:
            # SLA-4: EDT = handling time + shipping time, in business days from placement.
            order.estimated_delivery_time = self.calendar(order.region).add_business_days(
                now, (handling_days or 0) + (shipping_days or 0)
            )
        for package_id in package_ids:
            self.packages[package_id] = Package(
                id=package_id,
                order_id=order_id,
                status=PackageStatus.TO_FULFILL,
                create_time=now,
                update_time=now,
                line_item_ids=exact(li.id for li in line_items if li.package_id == package_id),
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
        order.hold_until = self._share_time(now + self.profile(order).hold)
        self._set_status(order, OrderStatus.ON_HOLD, "pay")
        order.timers["hold"] = self.clock.schedule(
            order.hold_until, Call(self._on_hold_end, order.id), kind="hold.release", key=order.id
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
            order.rts_sla_time = profile.dispatch_deadline(now, order.create_time, cal)  # shared by the calendar
            campaign = cal.campaign_at(order.create_time, profile.campaign_extension_business_days) if cal.campaigns else None
            order.campaign = campaign.name if campaign else None
        order.cancel_order_sla_time = self._share_time(profile.auto_cancel.deadline(now, cal))
        self._set_status(order, OrderStatus.AWAITING_SHIPMENT, "release_hold")
        # Shipping at the deadline instant is on time (SLA-2 counts rts_time > rts_sla_time as late): the
        # deadline is missed only once that instant has passed.
        order.timers["dispatch"] = self.clock.schedule(
            self._share_time(order.rts_sla_time + _JUST_AFTER), Call(self._on_dispatch_deadline, order.id), kind="sla.dispatch",
            key=order.id,
        )
        order.timers["auto_cancel"] = self.clock.schedule(
            order.cancel_order_sla_time, Call(self._on_auto_cancel, order.id), kind="sla.auto_cancel", key=order.id
        )
        self._flush()

    def ship_package(
        self,
        package_id: str,
        *,
        tracking_number: str,
        shipping_provider_id: str,
        shipping_provider_name: str = "",
        handover_method: str = "DROP_OFF",
        by_platform: bool = False,
    ) -> Package:
        """Seller ships a package (FUL-1, FUL-2, LIFE-1); a pending buyer request counts as rejected (CAN-B4).

        An order shipped by TikTok (``shipping_type`` TIKTOK) ships only with the platform's own label
        (``by_platform``): the seller's tracking is refused (PKG-4).
        """
        package, plans, pkg_target = self._ship_targets(package_id)
        if any(order.shipping_type == "TIKTOK" for order, _ in plans) and not by_platform:
            raise TransitionNotAllowed(machine="package", event="ship", state=package.status,
                                       reason="shipped_by_tiktok", rule="PKG-4", entity_id=package.id)
        if not tracking_number or not str(tracking_number).strip():
            raise InvalidRequest("tracking_number is required to ship", reason="tracking_required", rule="FUL-1")
        if not shipping_provider_id:
            raise InvalidRequest("shipping_provider_id is required", reason="provider_required", rule="FUL-1")
        now = self.clock.now()
        for order, _ in plans:  # PKG-2: a combined package ships each of its orders' units
            if order.pending_cancel_id:
                self._close_request(
                    self.cancellations[order.pending_cancel_id],
                    "reject",
                    Role.SELLER,
                    reason="shipped",
                    notice=Notice.CANCELLATION_REJECTED,
                )
            for sku_id, qty in self._units(self._package_lines(order, package)).items():
                self.inventory.consume(sku_id, qty)
                self._emit(StockChanged(now, order.id, sku_id=sku_id, action="consume", quantity=qty))
        package.tracking_number = str(tracking_number).strip()
        package.shipping_provider_id = shipping_provider_id
        package.shipping_provider_name = shipping_provider_name
        package.handover_method = handover_method
        package.rts_time = now
        self._set_package(package, pkg_target)
        for order, target in plans:
            for li in self._package_lines(order, package):
                li.status = OrderStatus.AWAITING_COLLECTION
            if target == OrderStatus.AWAITING_COLLECTION:  # the last package: the order is dispatched
                order.rts_time = now
                self.clock.cancel(order.timers.pop("dispatch", None))
                self.clock.cancel(order.timers.pop("auto_cancel", None))
            self._set_status(order, target, "ship")
            self._notify(
                order,
                Notice.SHIPPED,
                tracking_number=package.tracking_number,
                package_id=package.id,
                shipping_provider=shipping_provider_name or shipping_provider_id,
            )
        self._flush()
        return package

    @staticmethod
    def _package_lines(order: Order, package: Package) -> list[LineItem]:
        """The units in a package now (a unit cancelled out of it has left, CAN-L1)."""
        inside = set(package.line_item_ids)
        return [li for li in order.line_items if li.id in inside]

    def split_order(self, order_id: str, groups: Sequence[Sequence[str]], *, role: Role = Role.SELLER) -> list[Package]:
        """PKG-1 (Split Orders): regroup the order's unshipped units into packages, one per group.

        The groups must name every unshipped unit exactly once, at least two groups. The unshipped packages
        keep their ids for the first groups (in order); the other groups get new packages.
        """
        order = self.order(order_id)
        T.ORDER.resolve("split", order.status, order.id)
        self._refuse_combined(order, "split")
        open_packages = [p for p in order.package_ids if self.packages[p].status == PackageStatus.TO_FULFILL]
        unshipped = [li.id for p in open_packages for li in self._package_lines(order, self.packages[p])]
        named = [str(i) for group in groups for i in group]
        if len(groups) < 2 or any(not group for group in groups):
            raise InvalidRequest("a split needs at least two non-empty groups", reason="split_groups", rule="PKG-1")
        if len(named) != len(set(named)) or set(named) != set(unshipped):
            raise InvalidRequest("the groups must name every unshipped unit of the order exactly once",
                                 reason="split_lines", rule="PKG-1")
        if len(groups) < len(open_packages):
            raise InvalidRequest("fewer groups than the order's unshipped packages", reason="split_groups",
                                 rule="PKG-1")
        packages = self._regroup(order, [[str(i) for i in g] for g in groups], open_packages, "SPLIT", role)
        self._flush()
        return packages

    def _regroup(self, order: Order, groups: list[list[str]], reuse: list[str], sc_type: str,
                 role: Role) -> list[Package]:
        now = self.clock.now()
        lines = {li.id: li for li in order.line_items}
        result: list[Package] = []
        for index, group in enumerate(groups):
            if index < len(reuse):
                package = self.packages[reuse[index]]
                package.line_item_ids, package.update_time = list(group), now
            else:
                package = Package(id=self.ids.next("package"), order_id=order.id, line_item_ids=list(group),
                                  status=PackageStatus.TO_FULFILL, create_time=now, update_time=now)
                self.packages[package.id] = package
                order.package_ids.append(package.id)
            for line_id in group:
                lines[line_id].package_id = package.id
            result.append(package)
        order.update_time = now
        self._emit(PackagesChanged(now, order.id, sc_type=sc_type, role=role.value,
                                   package_ids=tuple(p.id for p in result)))
        return result

    def mark_package_shipped(self, order_id: str, line_item_ids: Sequence[str], *, tracking_number: str,
                             shipping_provider_id: str, shipping_provider_name: str = "") -> Package:
        """PKG-3 (Mark Package As Shipped): the named unshipped units ship as one package with the seller's tracking.

        Units that are a whole unshipped package ship as that package; otherwise they are split off into
        a new package first (the rest stays to fulfil). Nothing changes when the ship is refused.
        """
        order = self.order(order_id)
        ids = list(dict.fromkeys(str(i) for i in line_item_ids))
        if not ids:
            raise InvalidRequest("order_line_item_ids is required", reason="no_lines", rule="PKG-3")
        lines = {li.id: li for li in active_lines(order)}
        if any(i not in lines for i in ids):
            raise InvalidRequest("order_line_item_ids names a unit that is not an open unit of the order",
                                 reason="unknown_line", rule="PKG-3")
        if order.shipping_type == "TIKTOK":
            raise TransitionNotAllowed(machine="package", event="ship", state=order.status,
                                       reason="shipped_by_tiktok", rule="PKG-4", entity_id=order.id)
        if not tracking_number or not str(tracking_number).strip() or not shipping_provider_id:
            raise InvalidRequest("tracking_number and shipping_provider_id are required", reason="tracking_required",
                                 rule="FUL-1")
        packages = {lines[i].package_id for i in ids}
        whole = len(packages) == 1 and {li.id for li in self._package_lines(order, self.packages[next(iter(
            packages))])} == set(ids)  # PKG-2: the order's units of a combined package ship it whole
        if whole:
            package_id = next(iter(packages))
            self.check_ship(package_id)
        else:
            if any(self.packages[p].status != PackageStatus.TO_FULFILL for p in packages):
                raise TransitionNotAllowed(machine="package", event="ship", state=order.status,
                                           reason="already_shipped", rule="FUL-2", entity_id=order.id)
            T.ORDER.resolve("split", order.status, order.id)
            self._refuse_combined(order, "split")
            T.ORDER.resolve("ship", order.status, order.id, {"last_package": False})
            open_packages = [p for p in order.package_ids if self.packages[p].status == PackageStatus.TO_FULFILL]
            groups = [[li for li in self.packages[p].line_item_ids if li not in ids] for p in open_packages]
            kept = [(p, g) for p, g in zip(open_packages, groups, strict=True) if g]
            dropped = [p for p, g in zip(open_packages, groups, strict=True) if not g]
            reuse = [p for p, _ in kept] + dropped[:1]
            new = self._regroup(order, [g for _, g in kept] + [ids], reuse, "SPLIT", Role.SELLER)
            for package_id in dropped[1:]:  # emptied by the move: nothing left in it to ship
                self._set_package(self.packages[package_id], PackageStatus.CANCELLED)
            package_id = new[-1].id
        return self.ship_package(package_id, tracking_number=str(tracking_number).strip(),
                                 shipping_provider_id=shipping_provider_id,
                                 shipping_provider_name=shipping_provider_name)

    def _refuse_combined(self, order: Order, event: str) -> None:
        """PKG-2 (UNCERTAIN): an order in a combined package is uncombined before it can be split."""
        if any(len(self.packages[p].order_ids) > 1 and self.packages[p].status == PackageStatus.TO_FULFILL
               for p in order.package_ids):
            raise TransitionNotAllowed(machine="order", event=event, state=order.status, reason="combined_package",
                                       rule="PKG-2", entity_id=order.id)

    def partly_shipped(self, order: Order) -> bool:
        """True when at least one of the order's packages left the seller (SLA-2 counts it as dispatch begun)."""
        return any(self.packages[p].rts_time is not None for p in order.package_ids)

    def check_ship(self, package_id: str) -> None:
        """Refuse (changing nothing) when the package's order or the package itself cannot ship now.

        Vendor layers call this before validating a ship request's body, so a state refusal (HOLD-2:
        the order is on hold; FUL-2: cancelled, already shipped) wins over input errors.
        """
        self._ship_targets(package_id)

    def _ship_targets(self, package_id: str) -> tuple[Package, list[tuple[Order, OrderStatus]], PackageStatus]:
        """Each of the package's orders with the status shipping it moves that order to (PKG-2: several)."""
        package = self.package(package_id)
        plans: list[tuple[Order, OrderStatus]] = []
        for order in self.package_orders(package):
            others_done = all(
                self.packages[p].status != PackageStatus.TO_FULFILL for p in order.package_ids if p != package_id
            )
            target, _ = T.ORDER.resolve("ship", order.status, order.id, {"last_package": others_done})
            plans.append((order, target))  # type: ignore[arg-type]
        pkg_target, _ = T.PACKAGE.resolve("ship", package.status, package.id)
        return package, plans, pkg_target  # type: ignore[return-value]

    def package_orders(self, package: Package) -> list[Order]:
        """The orders whose units the package holds (one, or several once combined, PKG-2)."""
        return [self.orders[o] for o in package.order_ids]

    def update_shipping_info(
        self, package_id: str, *, tracking_number: str, shipping_provider_id: str, shipping_provider_name: str = ""
    ) -> Package:
        """Correct tracking on a shipped package within the profile's window (API doc: 72 h)."""
        package = self.package(package_id)
        order = self.orders[package.order_id]
        if package.status not in (PackageStatus.PROCESSING, PackageStatus.FULFILLING) or package.rts_time is None:
            raise TransitionNotAllowed(
                machine="package",
                event="update_shipping_info",
                state=package.status,
                reason="not_shipped" if package.status == PackageStatus.TO_FULFILL else "shipping_info_locked",
                rule="FUL-1",
                entity_id=package.id,
            )
        if self.clock.now() > package.rts_time + self.profile(order).update_shipping_info_window:
            raise TransitionNotAllowed(
                machine="package",
                event="update_shipping_info",
                state=package.status,
                reason="window_expired",
                rule="FUL-1",
                entity_id=package.id,
            )
        if not tracking_number or not shipping_provider_id:
            raise InvalidRequest("tracking_number and shipping_provider_id are required", reason="tracking_required")
        package.tracking_number = tracking_number
        package.shipping_provider_id = shipping_provider_id
        package.shipping_provider_name = shipping_provider_name
        package.shipping_info_updates += 1
        package.update_time = order.update_time = self.clock.now()
        self._touch(order.id)  # the one change without an event
        self._flush()
        return package

    def carrier_collected(self, package_id: str) -> Package:
        """The carrier scans the package (LIFE-1: IN_TRANSIT once every package is collected; PKG-2 per order)."""
        package = self.package(package_id)
        plans = []
        for order in self.package_orders(package):
            others = all(self.packages[p].status in _DONE_PACKAGE for p in order.package_ids if p != package_id)
            target, _ = T.ORDER.resolve("collect", order.status, order.id, {"last_package": others})
            plans.append((order, target))
        pkg_target, _ = T.PACKAGE.resolve("collect", package.status, package.id)
        now = self.clock.now()
        package.collection_time = now
        self._set_package(package, pkg_target)  # type: ignore[arg-type]
        for order, target in plans:
            for li in self._package_lines(order, package):
                li.status = OrderStatus.IN_TRANSIT
            if target == OrderStatus.IN_TRANSIT:
                order.collection_time = now
            self._set_status(order, target, "collect")  # type: ignore[arg-type]
        self._flush()
        return package

    def carrier_delivered(self, package_id: str) -> Package:
        """The carrier delivers the package (LIFE-1: DELIVERED once every package is delivered; PKG-2 per order)."""
        package = self.package(package_id)
        plans = []
        for order in self.package_orders(package):
            others = all(
                self.packages[p].status in (PackageStatus.COMPLETED, PackageStatus.CANCELLED)
                for p in order.package_ids
                if p != package_id
            )
            target, _ = T.ORDER.resolve("deliver", order.status, order.id, {"last_package": others})
            plans.append((order, target))
        pkg_target, _ = T.PACKAGE.resolve("deliver", package.status, package.id)
        now = self.clock.now()
        package.delivery_time = now
        if package.collection_time is None:
            package.collection_time = now
        self._set_package(package, pkg_target)  # type: ignore[arg-type]
        for order, target in plans:
            for li in self._package_lines(order, package):
                li.status = OrderStatus.DELIVERED
            self._notify(order, Notice.DELIVERED, package_id=package.id)
            if target == OrderStatus.DELIVERED:
                order.delivery_time = now
                order.collection_time = order.collection_time or now
                order.complete_due = now + self.profile(order).completion_after_delivery
                order.timers["complete"] = self.clock.schedule(
                    order.complete_due, Call(self._on_completion_due, order.id), kind="order.complete", key=order.id
                )
            self._set_status(order, target, "deliver")  # type: ignore[arg-type]
        self._flush()
        return package

    def complete(self, order_id: str) -> Order:
        """Close a delivered order now (normally a timer after the return window, LIFE-1)."""
        order = self.order(order_id)
        T.ORDER.resolve("complete", order.status, order.id)
        if order.open_return_id is not None:
            raise TransitionNotAllowed(machine="order", event="complete", state=order.status,
                                       reason="return_in_process", rule="RET-1", entity_id=order.id)
        self._complete(order_id)
        return order

    def _completion_due(self, order_id: str) -> None:
        order = self.orders[order_id]
        order.timers.pop("complete", None)
        if order.open_return_id is None:  # an open return keeps the order open until it closes (RET-1)
            self._complete(order_id)

    def _complete(self, order_id: str) -> None:
        order = self.orders[order_id]
        self.clock.cancel(order.timers.pop("complete", None))
        T.ORDER.resolve("complete", order.status, order.id)
        order.completed_time = self.clock.now()
        for li in active_lines(order):
            li.status = OrderStatus.COMPLETED
        self._set_status(order, OrderStatus.COMPLETED, "complete")
        self._flush()

    def _dispatch_deadline(self, order_id: str) -> None:
        order = self.orders[order_id]
        order.timers.pop("dispatch", None)
        if order.status in (OrderStatus.AWAITING_SHIPMENT, OrderStatus.PARTIALLY_SHIPPING):
            order.dispatch_missed = True
            self._emit(DispatchDeadlinePassed(self.clock.now(), order.id, deadline=order.rts_sla_time))
            self._flush()
