"""The Flask application factory: every registered system's blueprint plus the /_sim control plane."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Rule

from simulator import systems
from simulator.fastpath import FastPath
from simulator.fastpath import enabled as fastpath_enabled
from simulator.faults.inbound import check as fault_check
from simulator.inbound import Limits, add_check
from simulator.web import WorldHolder, current_world
from simulator.world import World
from simulator.worlds.registry import WorldRegistry
from simulator.worlds.router import WorldRouter


class LazyBuilderRule(Rule):
    """A URL rule whose URL builder (``url_for``) is compiled on first use, not when the rule is added.

    werkzeug compiles two builder functions per rule (an AST and ``compile``) as the rule is bound: two
    thirds of building the app's ~100 rules, on ``serve``'s path to its first answer; nothing here builds
    URLs from rules, so the cost moves to a first ``url_for``, if one ever comes.
    """

    def _compile_builder(self, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        compiled: list[Callable[..., tuple[str, str]]] = []

        def build(rule: Rule, *args: Any, **kwargs: Any) -> tuple[str, str]:
            if not compiled:
                compiled.append(Rule._compile_builder(rule, append_unknown).__get__(rule, None))
            return compiled[0](*args, **kwargs)

        return build


def create_app(
    world: World | None = None,
    *,
    names: list[str] | None = None,
    holder: WorldHolder | None = None,
    registry: WorldRegistry | None = None,
    fast_path: bool | None = None,
    **world_kwargs: Any,
) -> Flask:
    """Build the app serving ``world`` (or a new world from ``world_kwargs``, or ``registry``'s worlds).

    All systems share one URL space (their paths do not collide, DESIGN.md); ``names`` limits the
    app to some systems, for one-port-per-system serving, where the apps share one ``registry`` so a
    reset on any port resets the world behind every port. Every app serves more worlds under
    ``/w/{world_id}/`` (``POST /_sim/worlds``); without a prefix, requests go to the default world.
    ``fast_path`` (default: on unless ``TTS_SIM_FAST_PATH=0``) serves the hot vendor routes without
    Flask's per-request machinery (:mod:`simulator.fastpath`), answering exactly as Flask does.
    """
    app = Flask("tts_sim", static_folder=None)  # no static files: every path is a vendor API or /_sim
    app.url_rule_class = LazyBuilderRule
    app.json.sort_keys = False  # type: ignore[attr-defined]
    if registry is None:
        if holder is None:
            holder = WorldHolder(world or World.create(**world_kwargs), factory_kwargs=dict(world_kwargs))
        registry = WorldRegistry.around(holder)
    holder = registry.default.holder
    app.extensions["tts_sim"] = holder
    app.extensions["tts_sim.worlds"] = registry
    for system in ("tiktok", "sfcc", "channeladvisor", "control"):
        Limits.for_system(holder.world.config, system)  # a bad "input" config fails here, not per request
    app.config["TTS_SIM_SYSTEMS"] = names
    add_check(app, fault_check)
    inner = FastPath(app.wsgi_app, app) if fastpath_enabled(fast_path) else app.wsgi_app
    app.wsgi_app = WorldRouter(inner, registry)  # type: ignore[method-assign]
    if registry.attached is None:
        registry.attach(app)
    for blueprint in systems.blueprints(names):
        app.register_blueprint(blueprint)
    from simulator.control.routes import bp as control_bp

    app.register_blueprint(control_bp)

    @app.errorhandler(404)
    @app.errorhandler(405)
    def _unknown_route(error: HTTPException) -> Response:
        # Each vendor answers a path it does not serve with its own envelope, never an HTML page.
        path = request.path
        if path.startswith("/_sim/"):
            resp = jsonify(error="not_found", message=f"{request.method} {path} is not a control-plane call")
            resp.status_code = 404
            return resp
        served = [(n, s) for n, s in current_world().systems.items() if names is None or n in names]
        # The vendor whose URL space the path is in answers; else the first served system.
        owner = next(((n, s) for n, s in served if s.owns_path(path)), served[0] if served else None)
        if owner is not None:
            answer = systems.not_found(owner[0], owner[1], request.method, path)
            if answer.status_code == 405 and "Allow" not in answer.headers:  # RFC 9110: a 405 names what is allowed
                answer.headers["Allow"] = ", ".join(sorted(getattr(error, "valid_methods", None) or []))
            return answer
        resp = jsonify(error="not_emulated", message=f"{request.method} {path} is not emulated")
        resp.status_code = 404
        return resp

    return app
