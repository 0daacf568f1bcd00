"""Every served vendor route has an operation in its contract and every operation a route (issue 10).

The control plane (`/_sim/...`) is the simulator's own API, documented in docs/, not a vendor contract. A
Flask `any(...)` segment is either one path parameter with that enum or one path per alternative.
"""

from __future__ import annotations

import re

from simulator.app import create_app
from simulator.contracts.apis import APIS
from simulator.world import World

CONVERTER = re.compile(r"<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>")
PARAM = re.compile(r"\{[^}]+\}")
METHODS = ("get", "put", "post", "delete", "patch")


def _served() -> dict[str, set[tuple[str, str]]]:
    """Flask routes by system: (METHOD, rule)."""
    world = World.create(seed=0)
    app = create_app(world)
    served: dict[str, set[tuple[str, str]]] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/_sim/"):
            continue
        system = rule.endpoint.split(".")[0]
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            served.setdefault(system, set()).add((method, rule.rule))
    world.close()
    return served


def _operations(api: str) -> dict[tuple[str, str], dict[str, object]]:
    """(METHOD, path with every parameter as ``{}``) -> the path's enum-valued parameters by position."""
    document = APIS[api].document()
    found = {}
    for path, item in document["paths"].items():
        for method in item:
            if method in METHODS:
                found[(method.upper(), PARAM.sub("{}", path))] = {"path": path}
    return found


def _candidates(rule: str) -> list[list[str]]:
    """The contract paths a Flask rule may appear as: all parameters `{}`, or each `any()` expanded."""
    generic = CONVERTER.sub("{}", rule)
    expanded = [""]
    for piece in re.split(r"(<[^>]+>)", rule):
        match = CONVERTER.fullmatch(piece)
        if match and match.group(1) == "any":
            options = [o.strip() for o in match.group(2).split(",")]
            expanded = [e + o for e in expanded for o in options]
        else:
            expanded = [e + ("{}" if match else piece) for e in expanded]
    return [[generic], expanded]


def test_every_route_has_an_operation_and_every_operation_a_route() -> None:
    served = _served()
    for api in APIS.values():
        operations = _operations(api.name)
        covered: set[tuple[str, str]] = set()
        missing = []
        for method, rule in sorted(served[api.system]):
            choice = next((paths for paths in _candidates(rule) if all((method, p) in operations for p in paths)),
                          None)
            if choice is None:
                missing.append(f"{method} {rule}")
            else:
                covered.update((method, p) for p in choice)
        assert missing == [], f"{api.name}: routes without an operation"
        assert sorted(set(operations) - covered) == [], f"{api.name}: operations without a route"


def test_simulator_extensions_are_marked() -> None:
    """Operations ChannelAdvisor does not document carry `x-tts-sim-extension: true` (CAN-B3's reject)."""
    marked = [(api.name, p, m) for api in APIS.values() for p, item in api.document()["paths"].items()
              for m, op in item.items() if isinstance(op, dict) and op.get("x-tts-sim-extension")]
    assert marked == [("channeladvisor", "/v1/Orders({ID})/Adjustments({AdjustmentID})/Reject", "post")]
