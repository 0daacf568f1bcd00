"""Registry of emulated systems: how each installs into a World, its connectors, and what serves it over HTTP.

The world wires a system from here: its backend first, then the platform's connectors that run against it;
the app takes its blueprint and its not-found answer from here. So a backend imports neither its routes
nor its connectors (dependencies point down: routes -> backend -> engine).
"""

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

    def project_order(self, order_id: str) -> dict[str, Any] | None:
        """This system's view of a TikTok order for ``GET /_sim/orders/{id}`` (None: not there)."""

    def credentials(self) -> dict[str, Any]:
        """Seeded credentials for ``GET /_sim/credentials`` and the serve banner."""


@dataclass(frozen=True)
class SystemSpec:
    """``module:attribute`` paths, imported lazily.

    ``install(world)`` adds the backend; each of ``connectors`` (``install(world)``) then wires the
    platform's automation to it; ``not_found(backend, method, path)`` is the vendor's answer for a path
    it does not serve.
    """

    name: str
    install: str
    blueprint: str | None = None
    not_found: str | None = None
    connectors: tuple[str, ...] = ()


# Order matters: TikTok Shop seeds the catalogue the others project; connectors install with their system.
SYSTEMS: list[SystemSpec] = [
    SystemSpec("tiktok", "simulator.tiktok_shop.backend:install", "simulator.tiktok_shop.routes:bp",
               "simulator.tiktok_shop.routes:unknown_route"),
    SystemSpec("sfcc", "simulator.sfcc.backend:install", "simulator.sfcc.routes:bp", "simulator.sfcc.routes:not_found",
               ("simulator.connectors.tiktok_sfcc:install",)),
    SystemSpec("channeladvisor", "simulator.channeladvisor.backend:install", "simulator.channeladvisor.routes:bp",
               "simulator.channeladvisor.routes:not_found", ("simulator.connectors.tiktok_channeladvisor:install",)),
]


def _load(spec: str) -> Any:
    module_name, attr = spec.split(":")
    return getattr(importlib.import_module(module_name), attr)


def install_all(world: World, names: list[str] | None = None) -> None:
    """Install every registered system (or only those named) into ``world``."""
    for spec in SYSTEMS:
        if names is None or spec.name in names:
            _load(spec.install)(world)
            for connector in spec.connectors:
                _load(connector)(world)


def not_found(name: str, backend: Any, method: str, path: str) -> Response:
    """The answer of system ``name`` for a path none of its routes serve."""
    spec = next(s for s in SYSTEMS if s.name == name)
    assert spec.not_found is not None, f"system {name} has no not-found answer"
    response: Response = _load(spec.not_found)(backend, method, path)
    return response


def blueprints(names: list[str] | None = None) -> list[Blueprint]:
    """The Flask blueprints of the registered systems."""
    return [_load(s.blueprint) for s in SYSTEMS if s.blueprint and (names is None or s.name in names)]
