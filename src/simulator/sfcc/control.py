"""SFCC inspection and configuration under ``/_sim/sfcc/``: safeguards (SFCC-3), OMS pull URL, run a job."""

from __future__ import annotations

from flask import Response, jsonify, request

from simulator.sfcc.routes import _backend, _json, bp


@bp.get("/_sim/sfcc/safeguards")
def safeguards() -> Response:
    """SFCC-3 report: would-be captures/emails and any a safeguarded environment would have let out."""
    backend = _backend()
    with backend.world.lock:
        return jsonify(backend.safeguard_report())


@bp.put("/_sim/sfcc/oms-pull")
def configure_oms_pull() -> Response:
    """FUL-4 pull: ``{"url": ..., "interval": "1h"}`` (``url: null`` switches the job off)."""
    backend = _backend()
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or "url" not in body:
        return _json({"error": "bad_request", "message": 'body must be {"url": ..., "interval"?: ...}'}, 400)
    with backend.world.lock:
        backend.configure_oms_pull(body["url"], body.get("interval"))
        return jsonify(backend.config.jobs["TikTok-GetOrderStatuses"])


@bp.post("/_sim/sfcc/jobs/<name>/run")
def run_job(name: str) -> Response:
    """Run an SFCC job now (its schedule is unchanged)."""
    backend = _backend()
    with backend.world.lock:
        job = backend.jobs.get(name)
        if job is None:
            return _json({"error": "not_found", "message": f"no job {name!r}", "jobs": sorted(backend.jobs)}, 404)
        return jsonify(job=name, result=job.run_now())


@bp.get("/_sim/sfcc/impex/<path:relative>")
def impex_listing(relative: str) -> Response:
    """List files under an IMPEX folder (e.g. ``src/feeds/export/social/tiktok/order``)."""
    backend = _backend()
    with backend.world.lock:
        path = backend.impex_path(relative, create=False)
        files = sorted(p.name for p in path.iterdir() if p.is_file()) if path and path.is_dir() else []
        return jsonify(folder=relative, files=files)
