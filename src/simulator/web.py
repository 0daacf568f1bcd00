"""Flask glue shared by every system: the app's world holder and per-request access to it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import current_app

from simulator.world import World


@dataclass
class WorldHolder:
    """The app's current world; ``POST /_sim/reset`` swaps it for a fresh one built with ``factory_kwargs``."""

    world: World
    factory_kwargs: dict[str, Any] = field(default_factory=dict)

    def reset(self, **overrides: Any) -> World:
        """Close the current world and start a fresh one (same settings unless overridden)."""
        with self.world.lock:
            self.world.close()
            self.world = World.create(**{**self.factory_kwargs, **overrides})
        return self.world


def current_world() -> World:
    """The world serving the current request (views call this; nothing below the view layer does)."""
    holder: WorldHolder = current_app.extensions["tts_sim"]
    return holder.world


def current_holder() -> WorldHolder:
    """The holder (for reset / seed)."""
    holder: WorldHolder = current_app.extensions["tts_sim"]
    return holder
