"""Flask glue shared by every system: the world holder of a request and per-request access to it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask import current_app, request

from simulator.world import World

if TYPE_CHECKING:
    from simulator.worlds.registry import WorldRegistry

HOLDER_KEY = "tts_sim.holder"  # the WSGI environ key the world router puts a request's holder under


@dataclass
class WorldHolder:
    """One served world; ``POST /_sim/reset`` swaps it for a fresh one built with ``factory_kwargs``."""

    world: World
    factory_kwargs: dict[str, Any] = field(default_factory=dict)

    def reset(self, **overrides: Any) -> World:
        """Close the current world and start a fresh one (same settings unless overridden)."""
        with self.world.lock:
            self.world.close()
            self.world = World.create(**{**self.factory_kwargs, **overrides})
        return self.world


def current_holder() -> WorldHolder:
    """The holder of the world the current request addresses (``/w/{id}/...`` or the default world)."""
    holder: WorldHolder | None = request.environ.get(HOLDER_KEY)
    if holder is None:
        holder = current_app.extensions["tts_sim"]
    return holder


def current_world() -> World:
    """The world serving the current request (views call this; nothing below the view layer does)."""
    return current_holder().world


def current_registry() -> WorldRegistry:
    """The app's registry of worlds (``/_sim/worlds``)."""
    registry: WorldRegistry = current_app.extensions["tts_sim.worlds"]
    return registry
