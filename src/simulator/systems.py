"""Registry of emulated systems: how each installs into a World and which Flask blueprint serves it."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from flask import Blueprint, Response

    from simulator.world import World


class System(Protocol):
    """What a system backend installed in ``world.systems[name]`` offers the app and control plane."""

    name: str

    def owns_path(self, path: str) -> bool:
        """True when an unknown ``path`` belongs to this vendor's URL space (for its not-found envelope)."""

    def not_found(self, method: str, path: str) -> Response:
        """The vendor's own answer for a path it does not serve."""

    def project_order(self, order_id: str) -> dict[str, Any] | None:
        """This system's view of a TikTok order for ``GET /_sim/orders/{id}`` (None: not there)."""

    def credentials(self) -> dict[str, Any]:
        """Seeded credentials for ``GET /_sim/credentials`` and the serve banner."""


@dataclass(frozen=True)
class SystemSpec:
    """``install`` and ``blueprint`` are ``module:attribute`` paths, imported lazily."""

    name: str
    install: str
    blueprint: str | None = None


# Order matters: TikTok Shop seeds the catalogue the others project; connectors install with their system.
SYSTEMS: list[SystemSpec] = [
    SystemSpec("tiktok", "simulator.tiktok_shop.backend:install", "simulator.tiktok_shop.routes:bp"),
    SystemSpec("sfcc", "simulator.sfcc.backend:install", "simulator.sfcc.routes:bp"),
    SystemSpec("channeladvisor", "simulator.channeladvisor.backend:install", "simulator.channeladvisor.routes:bp"),
]


def _load(spec: str) -> Any:
    module_name, attr = spec.split(":")
    return getattr(importlib.import_module(module_name), attr)


def install_all(world: World, names: list[str] | None = None) -> None:
    """Install every registered system (or only those named) into ``world``."""
    for spec in SYSTEMS:
        if names is None or spec.name in names:
            _load(spec.install)(world)


def blueprints(names: list[str] | None = None) -> list[Blueprint]:
    """The Flask blueprints of the registered systems."""
    return [_load(s.blueprint) for s in SYSTEMS if s.blueprint and (names is None or s.name in names)]
