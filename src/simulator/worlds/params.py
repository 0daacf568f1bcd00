"""What a world is built from (seed, start, clock, overrides, config): validated, merged over the server's, stored as JSON."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from simulator.clock import ClockError, ensure_aware, parse_instant

WORLD_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
DEFAULT_ID = "default"
CLOCKS = ("manual", "realtime")
MAX_SPEED = 1_000_000.0
FIELDS = ("world_id", "seed", "start", "clock", "speed", "profile_overrides", "config")
# Settings a client may not override: serve answers at once and sends webhooks from sender threads.
SERVER_ONLY = {"tiktok": ("webhook_dispatch",)}


class ParamError(ValueError):
    """A world description the server refuses (the message says which field and why)."""


@dataclass(frozen=True)
class WorldParams:
    """Everything a world is built from; a world is its params plus the ordered inputs it accepted."""

    seed: int = 0
    start: datetime | None = None
    clock: str = "manual"
    speed: float = 1.0
    profile_overrides: dict[str, Any] | None = None
    config: dict[str, Any] = field(default_factory=dict)
    mocks_dir: str | None = None

    def world_kwargs(self) -> dict[str, Any]:
        """Arguments of :meth:`simulator.world.World.create`."""
        return {"seed": self.seed, "start": self.start, "mocks_dir": Path(self.mocks_dir) if self.mocks_dir else None,
                "profile_overrides": self.profile_overrides, "config": self.config}

    def with_seed(self, seed: int | None) -> WorldParams:
        """The same world with another seed (``POST /_sim/reset {"seed"}``)."""
        return self if seed is None else replace(self, seed=seed)

    def to_json(self) -> bytes:
        """The stored form."""
        return orjson.dumps({"seed": self.seed, "start": self.start.isoformat() if self.start else None,
                             "clock": self.clock, "speed": self.speed, "profile_overrides": self.profile_overrides,
                             "config": self.config, "mocks_dir": self.mocks_dir})

    @classmethod
    def from_json(cls, raw: bytes | str) -> WorldParams:
        """Read the stored form back."""
        data = orjson.loads(raw)
        start = parse_instant(data["start"]) if data.get("start") else None
        return cls(int(data["seed"]), start, str(data["clock"]), float(data["speed"]), data.get("profile_overrides"),
                   dict(data.get("config") or {}), data.get("mocks_dir"))

    def describe(self) -> dict[str, Any]:
        """The public view (``GET /_sim/worlds``)."""
        return {"seed": self.seed, "clock": self.clock, "speed": self.speed if self.clock == "realtime" else None,
                "profile_overrides": self.profile_overrides, "config": self.config}


def merge_config(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """``over`` on ``base``, one level deep per system (``{"tiktok": {...}}`` adds to the server's tiktok settings)."""
    merged: dict[str, Any] = {k: dict(v) if isinstance(v, Mapping) else v for k, v in base.items()}
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key].update(value)
        else:
            merged[key] = dict(value) if isinstance(value, Mapping) else value
    for system, names in SERVER_ONLY.items():
        for name in names:
            if isinstance(base.get(system), Mapping) and name in base[system]:
                merged.setdefault(system, {})[name] = base[system][name]
    return merged


def parse_request(body: Mapping[str, Any], base: WorldParams) -> tuple[str | None, WorldParams]:
    """``POST /_sim/worlds`` body -> (requested id or None, params over the server's ``base``).

    Raises:
        ParamError: an unknown field or a value of the wrong type or range.
    """
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        raise ParamError(f"unknown field(s) {', '.join(map(repr, unknown))} (known: {', '.join(FIELDS)})")
    world_id = body.get("world_id")
    if world_id is not None and (not isinstance(world_id, str) or not WORLD_ID.match(world_id)):
        raise ParamError("'world_id' must be 1-40 lowercase letters, digits or '-', starting with a letter or digit")
    seed = body.get("seed", base.seed)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63:
        raise ParamError("'seed' must be an integer from 0 to 2**63 - 1")
    start = base.start
    if body.get("start") is not None:
        if not isinstance(body["start"], str):
            raise ParamError("'start' must be an ISO-8601 instant string")
        try:
            start = ensure_aware(parse_instant(body["start"]))
        except (ClockError, OverflowError) as exc:
            raise ParamError(f"'start': {exc}") from None
    clock = body.get("clock", base.clock)
    if clock not in CLOCKS:
        raise ParamError(f"'clock' must be one of {', '.join(CLOCKS)}")
    speed = body.get("speed", base.speed)
    if isinstance(speed, bool) or not isinstance(speed, int | float) or not math.isfinite(speed) \
            or not 0 < speed <= MAX_SPEED:
        raise ParamError(f"'speed' must be a positive number of at most {MAX_SPEED:g}")
    overrides = body.get("profile_overrides", base.profile_overrides)
    if overrides is not None and not (isinstance(overrides, dict) and all(isinstance(v, dict) for v in overrides.values())):
        raise ParamError("'profile_overrides' must be an object of {profile: {quantity: value}}")
    config = body.get("config") or {}
    if not isinstance(config, dict):
        raise ParamError("'config' must be an object of per-system settings")
    return world_id, WorldParams(seed, start, str(clock), float(speed), overrides, merge_config(base.config, config),
                                 base.mocks_dir)
