"""PKG-2: combining packages of several orders of one buyer into one package, and taking orders back out."""

from __future__ import annotations

import json
from collections.abc import Sequence

from simulator.engine.base import EngineBase
from simulator.engine.errors import InvalidRequest, TransitionNotAllowed
from simulator.engine.events import PackagesChanged
from simulator.engine.models import Order, Package
from simulator.engine.states import OrderStatus, PackageStatus, Role


class CombineOps(EngineBase):
    """PKG-2: Search Combinable Packages, Combine Package, Uncombine Packages."""

    def combine_key(self, order: Order) -> str:
        """Orders combine only within one shop, buyer, address, warehouse, delivery option and shipping type."""
        return json.dumps([order.shop_id, order.buyer.get("user_id", ""), order.recipient_address, order.warehouse_id,
                           order.delivery_option_id, order.shipping_type], sort_keys=True, default=str)

    def open_package(self, order: Order) -> Package | None:
        """The order's one package when it can be combined now (AWAITING_SHIPMENT, one live unshipped package)."""
        if order.status != OrderStatus.AWAITING_SHIPMENT:
            return None
        live = [self.packages[p] for p in order.package_ids if self.packages[p].status != PackageStatus.CANCELLED]
        if len(live) != 1 or live[0].status != PackageStatus.TO_FULFILL:
            return None
        return live[0]

    def combinable_groups(self, shop_id: str) -> list[tuple[str, list[str]]]:
        """The shop's combinable groups as (id, order ids): two or more packages that could be one (PKG-2).

        A group's id is its first package's id (by order creation), the package a combine keeps.
        """
        groups: dict[str, list[Package]] = {}
        for order in sorted(self.orders.values(), key=lambda o: (o.create_time, o.id)):
            package = self.open_package(order) if order.shop_id == shop_id else None
            if package is not None:
                members = groups.setdefault(self.combine_key(order), [])
                if package not in members:
                    members.append(package)
        return [(packages[0].id, [o for p in packages for o in p.order_ids])
                for packages in groups.values() if len(packages) > 1]

    def combine_orders(self, order_ids: Sequence[str], *, role: Role = Role.SELLER) -> Package:
        """Combine the packages of the named orders into the first one (PKG-2); nothing changes when refused."""
        orders = [self.order(str(i)) for i in dict.fromkeys(order_ids)]
        packages: list[Package] = []
        for order in orders:
            package = self.open_package(order)
            if package is None:
                raise TransitionNotAllowed(machine="order", event="combine", state=order.status,
                                           reason="not_combinable", rule="PKG-2", entity_id=order.id)
            if package not in packages:
                packages.append(package)
        if len(packages) < 2:
            raise InvalidRequest("a combine needs the packages of at least two orders", reason="combine_orders",
                                 rule="PKG-2")
        if len({self.combine_key(o) for o in orders}) > 1:
            raise InvalidRequest("the orders differ in shop, buyer, address, warehouse or delivery option",
                                 reason="combine_orders", rule="PKG-2")
        now = self.clock.now()
        target = packages[0]
        for package in packages[1:]:
            for order_id in package.order_ids:
                order = self.orders[order_id]
                for li in order.line_items:
                    if li.package_id == package.id:
                        li.package_id = target.id
                order.package_ids.append(target.id)  # the emptied package stays as history, CANCELLED
                order.update_time = now
            target.line_item_ids += package.line_item_ids
            target.order_ids += [o for o in package.order_ids if o not in target.order_ids]
            package.line_item_ids = []
            self._set_package(package, PackageStatus.CANCELLED)
        target.update_time = now
        for order_id in target.order_ids:
            self._emit(PackagesChanged(now, order_id, sc_type="COMBINE", role=role.value, package_ids=(target.id,)))
        self._flush()
        return target

    def uncombine_package(self, package_id: str, order_ids: Sequence[str], *,
                          role: Role = Role.SELLER) -> list[Package]:
        """Take the named orders out of a combined unshipped package, each into a package of its own (PKG-2).

        Naming every order leaves the first one in the package. Returns the package and the new ones.
        """
        package = self.package(package_id)
        named = [str(i) for i in dict.fromkeys(order_ids)]
        if package.status != PackageStatus.TO_FULFILL:
            raise TransitionNotAllowed(machine="package", event="uncombine", state=package.status,
                                       reason="already_shipped", rule="PKG-2", entity_id=package.id)
        if len(package.order_ids) < 2:
            raise InvalidRequest("the package is not combined", reason="not_combined", rule="PKG-2")
        if not named or any(o not in package.order_ids for o in named):
            raise InvalidRequest("order_ids must name orders of the combined package", reason="combine_orders",
                                 rule="PKG-2")
        leaving = named if len(named) < len(package.order_ids) else package.order_ids[1:]
        made: list[Package] = []
        for order_id in list(leaving):
            made += self._leave_combined(self.orders[order_id], role)
        self._flush()
        return [package, *made]
