"""``/_sim/faults``: add, list and remove the fault rules of the world a request addresses (docs/faults.md)."""

from __future__ import annotations

from typing import Any

from simulator.control import inbound as I
from simulator.control.api import ControlError
from simulator.control.inbound import control
from simulator.control.routes import bp
from simulator.faults.book import FaultError
from simulator.web import current_world


@bp.post("/faults")
@control
def add_fault() -> tuple[dict[str, Any], int]:
    """Inject a fault: ``{system, match?: {method?, path?, shop_id?}, fault: {type, ...}, probability?, count?}``."""
    world = current_world()
    body = I.body()
    with world.lock:
        try:
            rule = world.faults.add(body)
        except FaultError as exc:
            raise ControlError("invalid_request", str(exc)) from None
        return rule.as_dict(), 201


@bp.get("/faults")
@control
def list_faults() -> dict[str, Any]:
    """The world's fault rules, with how often each fired."""
    world = current_world()
    with world.lock:
        return world.faults.describe()


@bp.delete("/faults/<fault_id>")
@control
def remove_fault(fault_id: str) -> dict[str, Any]:
    """Stop injecting a fault."""
    world = current_world()
    with world.lock:
        rule = world.faults.remove(fault_id)
    if rule is None:
        raise ControlError("fault_not_found", f"no fault {fault_id} in this world (GET /_sim/faults lists them)", 404)
    return {"deleted": fault_id, "fired": rule.fired}
