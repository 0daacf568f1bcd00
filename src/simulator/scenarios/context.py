"""The state of one scenario run: its world, order aliases, partner clients, the OMS, and the messages it saw."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from simulator.engine import Order
from simulator.scenarios import sfcc_line
from simulator.scenarios.clients import Call, Clients
from simulator.scenarios.expect import Mismatch, instant_text
from simulator.scenarios.oms import OmsEndpoint
from simulator.world import World


class StepFailed(Exception):
    """A step that did not do what the scenario says."""

    def __init__(self, message: str, mismatches: tuple[Mismatch, ...] = ()) -> None:
        super().__init__(message)
        self.mismatches = mismatches


class AppPool:
    """Flask apps reused across scenario runs: building one registers ~1,300 routes (~50 ms), and a run needs
    one only to serve its own world, so a finished run hands its app to the next (the holder is re-pointed,
    as ``POST /_sim/reset`` does). Thread-safe: concurrent runs never share an app."""

    def __init__(self) -> None:
        self._free: list[Any] = []
        self._lock = threading.Lock()

    def take(self, world: World) -> Any:
        """An app serving ``world`` until :meth:`give_back`."""
        with self._lock:
            app = self._free.pop() if self._free else None
        if app is None:
            from simulator.app import create_app

            return create_app(world)
        app.extensions["tts_sim"].world = world
        return app

    def give_back(self, app: Any) -> None:
        """The run is over: the app may serve another world."""
        with self._lock:
            self._free.append(app)


APPS = AppPool()


class Context:
    """Per-run state: the world, the scenario's order aliases, the OMS, and every message for the reports."""

    def __init__(self, world: World, pool: AppPool | None = None) -> None:
        self.world = world
        self._pool = pool
        self._app: Any = None
        self.aliases: dict[str, str] = {}
        self.calls: list[Call] = []
        self.clients: Clients | None = None  # partner-side API clients, built on first use
        self.oms: OmsEndpoint | None = None
        self._restore_line: Callable[[], None] | None = None

    def app(self) -> Any:
        """The WSGI app serving this world to the partner clients (from the pool when given, built on first use)."""
        if self._app is None:
            if self._pool is None:
                from simulator.app import create_app

                self._app = create_app(self.world)
            else:
                self._app = self._pool.take(self.world)
        return self._app

    @property
    def tiktok(self) -> Any:
        """The TikTok Shop backend (places orders in seeded shops)."""
        if "tiktok" not in self.world.systems:
            raise StepFailed("the TikTok Shop system is not installed")
        return self.world.systems["tiktok"]

    @property
    def last_response(self) -> Call | None:
        """The last API call the OMS (or TikTok's connector, for a resent create) made."""
        return next((c for c in reversed(self.calls) if c.via is not None), None)

    def oms_endpoint(self) -> OmsEndpoint:
        """The scenario's OMS (built on first use)."""
        if self.oms is None:
            app = self.world.control.credentials()["tiktok"]["apps"][0]
            self.oms = OmsEndpoint(self.world, app["app_key"], app["app_secret"])
        return self.oms

    def order(self, args: Any) -> Order:
        """The order an action targets (its alias is a string or ``args['order']``)."""
        alias = args if isinstance(args, str) else args["order"]
        if alias not in self.aliases:
            raise StepFailed(f"no order named {alias!r} (name it with buyer.place: {{as: {alias}}})")
        return self.world.engine.orders[self.aliases[alias]]

    def alias_of(self, order_id: str) -> str:
        """The scenario's name for an order id (the id itself when unnamed)."""
        return next((a for a, o in self.aliases.items() if o == order_id), order_id)

    def package(self, args: Any) -> str:
        """The package id an action targets (``package`` index, default the first)."""
        order = self.order(args)
        index = args.get("package", 0) if isinstance(args, dict) else 0
        if index >= len(order.package_ids):
            raise StepFailed(f"order has {len(order.package_ids)} package(s), no package {index}")
        return order.package_ids[index]

    def sku_of(self, order: Order, ref: Any) -> str:
        """A SKU by id, by index into the order's SKUs, or the order's first SKU."""
        skus = list(dict.fromkeys(li.sku_id for li in order.line_items))
        if ref is None:
            return skus[0]
        if isinstance(ref, int):
            return skus[ref]
        return str(ref)

    def shop_sku(self, shop_id: str, ref: Any) -> str:
        """A shop SKU by index (``sku: 0``) or id."""
        if isinstance(ref, int):
            skus: list[str] = [s.id for s in self.tiktok.catalog.shop_skus(shop_id)]
            if ref >= len(skus):
                raise StepFailed(f"shop {shop_id} has {len(skus)} SKUs, no SKU {ref}")
            return skus[ref]
        return str(ref)

    def shop_for(self, args: dict[str, Any]) -> str:
        """The shop named, or the first seeded shop on the requested profile."""
        if args.get("shop"):
            return str(args["shop"])
        profile = args.get("profile") or "direct"
        shops = [s for s in self.tiktok.catalog.shops.values() if s.profile == profile]
        if not shops:
            raise StepFailed(f"no seeded shop on the {profile} profile")
        return str(shops[0].id)

    def say(self, source: str, target: str, label: str) -> Call:
        """Record an actor's action as a message for the sequence diagram."""
        call = Call(instant_text(self.world.clock.now()) or "", len(self.world.journal), source, target, label)
        self.calls.append(call)
        return call

    def network(self, up: bool) -> None:
        """Cut (or restore) TikTok's connector's line to SFCC."""
        sfcc = self.world.systems.get("sfcc")
        if sfcc is None or sfcc.connector is None:
            raise StepFailed("the SFCC system (with TikTok's connector) is not installed")
        if not up and self._restore_line is None:
            self._restore_line = sfcc_line.cut(sfcc.connector, sfcc.config.host)
        elif up and self._restore_line is not None:
            self._restore_line()
            self._restore_line = None

    def close(self) -> None:
        """Stop the OMS receiver; return the app to the pool."""
        if self.oms is not None:
            self.oms.close()
        if self._pool is not None and self._app is not None:
            self._pool.give_back(self._app)
            self._app = None
