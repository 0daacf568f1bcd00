"""ChannelAdvisorBackend: accounts, tokens and CA orders of one world; implements the ``System`` protocol."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from simulator.channeladvisor.auth import Grant, TokenService
from simulator.channeladvisor.errors import OrderNotFound
from simulator.channeladvisor.index import OrderIndex, in_flight, unrelayed
from simulator.channeladvisor.models import CaFulfillment, CaItem, CaOrder
from simulator.channeladvisor.odata import Query
from simulator.channeladvisor.schema import ORDER
from simulator.channeladvisor.search import select
from simulator.channeladvisor.seed import Account, CaSeed, load_seed
from simulator.channeladvisor.serializers import order_row, shape
from simulator.engine import Order
from simulator.journal import to_plain

if TYPE_CHECKING:
    from simulator.world import World

PAGE_SIZE = 100  # UNCERTAIN: CA docs say 100 in one version, 20 in another
PAGE_SIZE_EXPANDED = 20  # the docs' nextLink example with $expand pages by 20


class ChannelAdvisorBackend:
    """ChannelAdvisor's state in one world: what the OMS sees through ``/v1/`` and ``/oauth2/``."""

    name = "channeladvisor"

    def __init__(self, world: World, seed: CaSeed | None = None) -> None:
        self.world = world
        self.seed = seed or load_seed(world.mocks_dir)
        self.tokens = TokenService(world.clock, self.seed, world.seed)
        self.orders: dict[int, CaOrder] = {}
        self.by_site_order: dict[str, int] = {}
        self._ids = {
            kind: itertools.count(start)
            for kind, start in (("order", 100001), ("item", 200001), ("fulfillment", 300001), ("adjustment", 400001))
        }
        self._products: dict[str, int] = {}
        self.index = OrderIndex()
        self.sync: Any = None  # the TikTok <-> ChannelAdvisor sync job, set by install()

    def next_id(self, kind: str) -> int:
        """The next integer ID of ``order``, ``item``, ``fulfillment`` or ``adjustment`` (deterministic)."""
        return next(self._ids[kind])

    # -- System protocol -------------------------------------------------------------------------
    def owns_path(self, path: str) -> bool:
        """ChannelAdvisor serves ``/v1/...`` and ``/oauth2/...``."""
        return path.startswith(("/v1/", "/oauth2/"))

    def project_order(self, order_id: str) -> dict[str, Any] | None:
        """The CA order imported from TikTok order ``order_id`` (all collections expanded), or None."""
        ca_id = self.by_site_order.get(order_id)
        if ca_id is None:
            return None
        order = self.orders[ca_id]
        body = self.render(order, None, _ALL_EXPANDED)
        body["_sim"] = {
            "exported_by": sorted(order.exported_by),
            "tiktok_status": order.tiktok_status,
            "relay_pending": [f.id for f in order.fulfillments if unrelayed(f)],
            "actions_pending": [a.id for a in order.adjustments if a.action],
        }
        return body

    def credentials(self) -> dict[str, Any]:
        """Applications (id, shared secret), refresh tokens with their profiles, and the profiles."""
        return {
            "token_url": "/oauth2/token",
            "applications": [
                {
                    "application_id": a.application_id,
                    "shared_secret": a.shared_secret,
                    "name": a.name,
                    "refresh_tokens": [
                        {"refresh_token": t, "profile_ids": list(p)} for t, p in a.refresh_tokens.items()
                    ],
                }
                for a in self.seed.applications
            ],
            "profiles": [
                {"profile_id": a.profile_id, "shop_id": a.shop_id, "region": a.region, "name": a.name}
                for a in self.seed.accounts
            ],
        }

    # -- writing (the import, the OMS) -------------------------------------------------------------
    def store_order(self, order: CaOrder) -> None:
        """A newly imported order (CA-1), stored but not indexed yet: the caller files it (``index.add``) before
        anyone can search (the sync tick does at its end, its imports in one batch)."""
        self.orders[order.id] = order
        self.by_site_order[order.site_order_id] = order.id

    def set_exported(self, order: CaOrder, application_id: str, exported: bool) -> None:
        """Set or clear one application's export flag (CA-2)."""
        # A frozenset, replaced on change: most orders are exported by no application, and share ().
        if exported:
            order.exported_by = order.exported_by | {application_id}
        else:
            order.exported_by = order.exported_by - {application_id}
        self.index.set_exported(order, application_id, exported)

    def mark_pending(self, order: CaOrder) -> None:
        """The OMS acted on ``order``: the next sync tick carries it to TikTok (FUL-5, CAN-S3, CAN-B3)."""
        self.index.pending.add(order.id)
        if self.sync is not None:
            self.sync.wake()

    def index_problems(self) -> list[str]:
        """Where the indexes disagree with a scan of the orders (simulator.invariants)."""
        return self.index.check(self.orders.values())

    # -- reading (OMS) ---------------------------------------------------------------------------
    def visible(self, grant: Grant) -> Iterator[CaOrder]:
        """Orders in the profiles the access token may read."""
        return (o for o in self.orders.values() if o.profile_id in grant.profile_ids)

    def order(self, grant: Grant, order_id: int) -> CaOrder:
        """One order by CA ``ID`` (export state ignored), or 404."""
        order = self.orders.get(order_id)
        if order is None or order.profile_id not in grant.profile_ids:
            raise OrderNotFound(f"Order {order_id} was not found.")
        return order

    def item(self, grant: Grant, item_id: int) -> tuple[CaOrder, CaItem]:
        """An OrderItem by ID with its order, or 404."""
        order = self.orders.get(self.index.item_order.get(item_id, -1))
        if order is not None and order.profile_id in grant.profile_ids:
            for item in order.items:
                if item.id == item_id:
                    return order, item
        raise OrderNotFound(f"OrderItem {item_id} was not found.")

    def fulfillment(self, grant: Grant, fulfillment_id: int) -> tuple[CaOrder, CaFulfillment]:
        """A Fulfillment by ID with its order, or 404."""
        order = self.orders.get(self.index.fulfillment_order.get(fulfillment_id, -1))
        if order is not None and order.profile_id in grant.profile_ids:
            for fulfillment in order.fulfillments:
                if fulfillment.id == fulfillment_id:
                    return order, fulfillment
        raise OrderNotFound(f"Fulfillment {fulfillment_id} was not found.")

    def page(self, grant: Grant, query: Query) -> tuple[list[dict[str, Any]], int, int | None]:
        """One server page: (JSON orders, total count, next ``$skip`` or None).

        ``$top`` bounds the whole result; the server still pages it (100 orders, 20 when expanding).
        Rows are built for the page only; see :func:`select` for what finding the matches costs.
        """
        at, total = select(self, grant, query)
        end = total if query.top is None else min(total, query.skip + query.top)
        size = PAGE_SIZE_EXPANDED if query.expand else PAGE_SIZE
        chunk = at(query.skip, min(end, query.skip + size))
        next_skip = query.skip + size if query.skip + size < end else None
        return [shape(order_row(o), ORDER, query.select, query.expand) for o in chunk], total, next_skip

    def render(self, order: CaOrder, select: list[str] | None, expand: Any) -> dict[str, Any]:
        """One order as JSON."""
        return shape(order_row(order), ORDER, select, expand)

    # -- accounts --------------------------------------------------------------------------------
    def account_for(self, order: Order) -> Account | None:
        """The CA profile wired to a TikTok order's shop (None: the shop has no ChannelAdvisor profile)."""
        return self.seed.account_for_shop(order.shop_id)

    def serves_shop(self, shop_id: str) -> bool:
        """True when a seeded profile is wired to the TikTok shop (only its orders are imported)."""
        return self.seed.account_for_shop(shop_id) is not None

    def holds_order(self, order_id: str) -> bool:
        """True when the TikTok order was imported."""
        return order_id in self.by_site_order

    def order_for(self, order_id: str) -> CaOrder | None:
        """The CA order imported from a TikTok order, if any."""
        ca_id = self.by_site_order.get(order_id)
        return self.orders[ca_id] if ca_id is not None else None

    @staticmethod
    def in_flight(order: CaOrder) -> bool:
        """True while the OMS's action on the order (a shipment, an answer, a cancel) waits for the next sync."""
        return in_flight(order)

    def account(self, order: CaOrder) -> Account:
        """The profile a CA order belongs to."""
        account = self.seed.account(order.profile_id)
        assert account is not None, "orders are only created for seeded profiles"
        return account

    def product_id(self, seller_sku: str) -> int:
        """CA's integer ProductID for a SKU (stable per world)."""
        return self._products.setdefault(seller_sku, 500001 + len(self._products))

    def journal(self, kind: str, order: CaOrder | None = None, /, **data: Any) -> None:
        """Record a ChannelAdvisor-side event in the world journal (kind ``ca.<kind>``)."""
        ids = {"order_id": order.site_order_id, "ca_order_id": order.id} if order else {}
        self.world.journal.record(f"ca.{kind}", **ids, **to_plain(data))


def _all_expanded() -> Any:
    from simulator.channeladvisor.odata import parse_expand

    return parse_expand("Items($expand=Adjustments,FulfillmentItems),Fulfillments($expand=Items),Adjustments", ORDER)


_ALL_EXPANDED = _all_expanded()


def install(world: World) -> ChannelAdvisorBackend:
    """Install ChannelAdvisor into ``world`` (the world wires the TikTok <-> ChannelAdvisor sync)."""
    backend = ChannelAdvisorBackend(world)
    world.systems[backend.name] = backend
    return backend
