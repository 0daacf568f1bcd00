"""``/_sim/worlds``: create, list, inspect and delete the worlds of a server; save and restore named snapshots."""

from __future__ import annotations

from typing import Any

from flask import request

from simulator.clock import wall_monotonic
from simulator.control import inbound as I
from simulator.control.api import ControlError
from simulator.control.inbound import control
from simulator.control.routes import bp
from simulator.inbound import Limits
from simulator.rules import ProfileError
from simulator.web import current_registry
from simulator.worlds.params import ParamError, parse_request
from simulator.worlds.registry import INPUT_SYSTEMS, Slot, WorldRefused


def _refused(exc: WorldRefused) -> ControlError:
    return ControlError(exc.slug, exc.message, exc.status)


def describe(slot: Slot, base_url: str) -> dict[str, Any]:
    """One world as ``GET /_sim/worlds`` lists it."""
    world = slot.world
    with world.lock:
        view = {"world_id": slot.world_id, "base_url": base_url, "now": world.clock.now().isoformat(),
                "orders": len(world.engine.orders), "pending_timers": world.clock.pending_count(),
                "journal_entries": len(world.journal), "durable": slot.recorder is not None,
                "commands": slot.recorder.log.last_seq if slot.recorder is not None else None,
                "idle_seconds": round(wall_monotonic() - slot.touched, 3), "unavailable": slot.broken,
                "faults": len(world.faults.rules)}
    if slot.params is not None:
        view.update(slot.params.describe())
    else:
        view.update({"seed": world.seed, "clock": "manual", "speed": None})
    return view


def _base_url(world_id: str) -> str:
    return request.host_url.rstrip("/") + ("" if world_id == "default" else f"/w/{world_id}")


@bp.post("/worlds")
@control
def create_world() -> tuple[dict[str, Any], int]:
    """A new world (``seed``, ``start``, ``clock``, ``speed``, ``profile_overrides``, ``config``, ``world_id``)."""
    registry = current_registry()
    try:
        world_id, params = parse_request(I.body(), registry.base)
        for system in INPUT_SYSTEMS:
            Limits.for_system(params.config, system)
        slot = registry.create(world_id, params)
    except WorldRefused as exc:
        raise _refused(exc) from None
    except (ParamError, ProfileError, ValueError, LookupError, TypeError) as exc:
        message = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
        raise ControlError("invalid_request", message) from None
    return describe(slot, _base_url(slot.world_id)), 201


@bp.get("/worlds")
@control
def list_worlds() -> dict[str, Any]:
    """Every world on this server, its base URL, clock and size; the server's limits."""
    registry = current_registry()
    registry.sweep(force=True)
    return {"worlds": [describe(s, _base_url(s.world_id)) for s in registry.slots()],
            "max_worlds": registry.max_worlds, "idle_expiry_seconds": registry.idle_seconds,
            "durable": registry.durable}


def _slot(world_id: str) -> Slot:
    try:
        return current_registry().get(world_id)
    except WorldRefused as exc:
        raise _refused(exc) from None


@bp.get("/worlds/<world_id>")
@control
def get_world(world_id: str) -> dict[str, Any]:
    """One world."""
    return describe(_slot(world_id), _base_url(world_id))


@bp.delete("/worlds/<world_id>")
@control
def delete_world(world_id: str) -> dict[str, Any]:
    """Close a world and delete its data (not the default world)."""
    try:
        current_registry().delete(world_id)
    except WorldRefused as exc:
        raise _refused(exc) from None
    return {"deleted": world_id}


def _name() -> str:
    name = I.opt_str(I.body(), "name")
    if not name:
        raise ControlError("invalid_request", "give the snapshot's 'name'")
    return name


@bp.post("/worlds/<world_id>/snapshot")
@control
def save_snapshot(world_id: str) -> dict[str, Any]:
    """Save the world as it is now under ``name`` (a "save game"; needs ``--data``)."""
    name = _name()
    try:
        return current_registry().save(world_id, name)
    except WorldRefused as exc:
        raise _refused(exc) from None


@bp.get("/worlds/<world_id>/snapshots")
@control
def list_snapshots(world_id: str) -> dict[str, Any]:
    """The world's named snapshots."""
    try:
        return {"world_id": world_id, "snapshots": current_registry().snapshots(world_id)}
    except WorldRefused as exc:
        raise _refused(exc) from None


@bp.post("/worlds/<world_id>/restore")
@control
def restore_snapshot(world_id: str) -> dict[str, Any]:
    """Return the world to snapshot ``name`` (what happened since is gone)."""
    name = _name()
    try:
        return current_registry().load(world_id, name)
    except WorldRefused as exc:
        raise _refused(exc) from None
