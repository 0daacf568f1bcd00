"""SFCC inspection and configuration under ``/_sim/sfcc/``: safeguards (SFCC-3), OMS pull URL, run a job."""

from __future__ import annotations

from typing import Any

from simulator.control import inbound as I
from simulator.control.api import ControlError
from simulator.rules import ProfileError, parse_duration
from simulator.sfcc.routes import _backend, bp
from simulator.sfcc.webdav import path_problem

MAX_INTERVAL_SECONDS = 366 * 86400


@bp.get("/_sim/sfcc/safeguards")
@I.control
def safeguards() -> dict[str, Any]:
    """SFCC-3 report: would-be captures/emails and any a safeguarded environment would have let out."""
    backend = _backend()
    with backend.world.lock:
        return backend.safeguard_report()


def _interval(value: Any) -> str | float | None:
    """A pull cadence: a duration string (``"1h"``) or seconds, from 1 s to a year."""
    if value is None:
        return None
    try:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ProfileError("not a duration")
        seconds = parse_duration(value).total_seconds()
    except (ProfileError, OverflowError, ValueError):
        raise ControlError("invalid_request", "'interval' must be a duration such as \"1h\" or seconds") from None
    if not 1 <= seconds <= MAX_INTERVAL_SECONDS:
        raise ControlError("invalid_request", f"'interval' must be from 1 s to {MAX_INTERVAL_SECONDS} s")
    return value


@bp.put("/_sim/sfcc/oms-pull")
@I.control
def configure_oms_pull() -> dict[str, Any]:
    """FUL-4 pull: ``{"url": ..., "interval": "1h"}`` (``url: null`` switches the job off)."""
    backend = _backend()
    body = I.body()
    if "url" not in body:
        raise ControlError("bad_request", 'body must be {"url": ..., "interval"?: ...}')
    url, interval = I.opt_str(body, "url"), _interval(body.get("interval"))
    with backend.world.lock:
        backend.configure_oms_pull(url, interval)
        job: dict[str, Any] = backend.config.jobs["TikTok-GetOrderStatuses"]
        return job


@bp.get("/_sim/sfcc/jobs")
@I.control
def list_jobs() -> dict[str, Any]:
    """The SFCC jobs: cadence, next run, and how many scheduled runs were skipped for having nothing to do."""
    backend = _backend()
    with backend.world.lock:
        return {"jobs": [job.describe() for job in backend.jobs.values()]}


@bp.post("/_sim/sfcc/jobs/<name>/run")
@I.control
def run_job(name: str) -> dict[str, Any]:
    """Run an SFCC job now (its schedule is unchanged)."""
    backend = _backend()
    with backend.world.lock:
        job = backend.jobs.get(name)
        if job is None:
            raise ControlError("not_found", f"no job {name!r} (jobs: {', '.join(sorted(backend.jobs))})", 404)
        return {"job": name, "result": job.run_now()}


@bp.get("/_sim/sfcc/impex/<path:relative>")
@I.control
def impex_listing(relative: str) -> dict[str, Any]:
    """List files under an IMPEX folder (e.g. ``src/feeds/export/social/tiktok/order``)."""
    backend = _backend()
    problem = path_problem(relative)
    if problem is not None:
        raise ControlError("invalid_request", problem[1])
    with backend.world.lock:
        path = backend.impex_path(relative, create=False)
        files = sorted(p.name for p in path.iterdir() if p.is_file()) if path and path.is_dir() else []
        return {"folder": relative, "files": files}
