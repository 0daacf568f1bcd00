"""WebDAV ``/on/demandware.servlet/webdav/Sites/IMPEX/...`` (feed download, OMS CSV upload) and TikTok feed notify."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Response, jsonify

from simulator.inbound import Inbound, InputError, Refusal
from simulator.lazyimport import requests
from simulator.sfcc import inbound
from simulator.sfcc.auth import basic_credentials
from simulator.sfcc.backend import SfccBackend
from simulator.sfcc.routes import _backend, bp

PREFIX = "/on/demandware.servlet/webdav/Sites/<any(IMPEX, Impex, impex):root>/<path:relative>"
MAX_NAME_BYTES = 255  # one path segment (the usual file-system limit)
MAX_PATH_BYTES = 1024
FEED_PARAM_ERROR = 40002  # TikTok business API "invalid parameter" code
FEED_DOWNLOAD_FAILED = 50001  # UNCERTAIN: TikTok publishes no code for a file it cannot fetch


def _authorized(backend: SfccBackend, req: Inbound) -> bool:
    # WebDAV access keys (type "WebDAV File Access and UX Studio") are Basic login:key.
    parts = basic_credentials(req.headers.get("Authorization"))
    user = backend.config.users.get(parts[0]) if parts and len(parts) == 2 else None
    return user is not None and parts is not None and parts[1] == user.webdav_access_key


def _text(message: str, status: int, headers: dict[str, str] | None = None) -> Response:
    return Response(message, status, headers or {}, mimetype="text/plain")


def path_problem(relative: str) -> tuple[int, str] | None:
    """Why ``relative`` cannot name a file under IMPEX (status, message), or None.

    RFC 4918 statuses in plain text: 400 for ``.``/``..`` segments, control characters or a name over
    255 bytes, 414 for a path over 1,024 bytes (PUT adds 405 onto a folder, 409 below a file).
    """
    if len(relative.encode()) > MAX_PATH_BYTES:
        return 414, f"The path exceeds {MAX_PATH_BYTES} bytes."
    for segment in relative.split("/"):
        if segment in (".", ".."):
            return 400, "The path must not contain '.' or '..' segments."
        if any(ord(ch) < 0x20 or ch in "\x7f\\" for ch in segment):
            return 400, "The path contains a control character or a backslash."
        if len(segment.encode()) > MAX_NAME_BYTES:
            return 400, f"A path segment exceeds {MAX_NAME_BYTES} bytes."
    return None


def _blocking_file(path: Path, root: Path) -> bool:
    """True when an existing ancestor of ``path`` (below ``root``) is a file, not a folder."""
    return any(parent.exists() and not parent.is_dir() for parent in path.parents if parent.is_relative_to(root)
               and parent != root)


@bp.route(PREFIX, methods=["GET", "PUT", "DELETE"])
def webdav_file(root: str, relative: str) -> Response:
    """WebDAV GET (download), PUT (upload), DELETE of a file under IMPEX."""
    backend = _backend()
    try:
        req = inbound.read()
    except InputError as exc:
        return _text(exc.message, exc.status)
    with backend.world.lock:
        if not _authorized(backend, req):
            return _text("Unauthorized", 401, {"WWW-Authenticate": 'Basic realm="webdav"'})
        problem = path_problem(relative)
        if problem is not None:
            return _text(problem[1], problem[0])
        path = backend.impex_path(relative)
        if path is None:  # pragma: no cover - create=True always yields a path
            return _text("Not Found", 404)
        if req.method == "PUT":
            return _put(backend, path, relative, req.body)
        if not path.is_file():
            return _text("Not Found", 404)
        if req.method == "DELETE":
            path.unlink()
            return Response(status=204)
        mimetype = "application/xml" if path.suffix == ".xml" else "application/octet-stream"
        return Response(path.read_bytes(), 200, mimetype=mimetype)


def _put(backend: SfccBackend, path: Path, relative: str, data: bytes) -> Response:
    if path.is_dir():
        return _text("A folder cannot be overwritten by a file.", 405, {"Allow": "PROPFIND, MKCOL, DELETE"})
    if _blocking_file(path, backend.impex_root.resolve()):
        return _text("A parent of this path is a file, not a folder.", 409)
    created = not path.exists()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:  # the file system refuses the name (checked above, so rare): still a WebDAV answer
        return _text(f"The file cannot be written ({exc.strerror}).", 409)
    backend.journal.record("sfcc.webdav.put", file=relative, bytes=len(data))
    return Response(status=201 if created else 204)


def _feed_answer(backend: SfccBackend, code: int, message: str, data: Any, status: int = 200) -> Response:
    resp = jsonify(code=code, message=message, request_id=backend.world.ids.next("feed_request"), data=data)
    resp.status_code = status
    return resp


def feed_url(body: Any) -> str:
    """``params.url`` of a feed notification: an http(s) URL string (ValueError says what is wrong)."""
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    for name in ("business_platform", "external_business_id"):
        if body.get(name) is not None and not isinstance(body[name], str):
            raise ValueError(f"{name} must be a string")
    params = body.get("params")
    if not isinstance(params, dict):
        raise ValueError("params.url is required")
    for name in ("feed_type", "update_type"):
        if params.get(name) is not None and not isinstance(params[name], str):
            raise ValueError(f"params.{name} must be a string")
    url = params.get("url")
    if not url:
        raise ValueError("params.url is required")
    if not isinstance(url, str) or len(url) > 2048:
        raise ValueError("params.url must be a URL string of at most 2048 characters")
    try:
        parts = urlsplit(url)
    except ValueError:
        raise ValueError("params.url is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("params.url must be an http(s) URL")
    return url


@bp.post("/tbp/v2.0/feed/download/")
def tiktok_feed_download() -> Response:
    """TikTok business API feed notification: TikTok downloads the file and applies it (FUL-3)."""
    backend = _backend()
    try:
        req = inbound.read()
        body = req.json(empty={})
    except InputError as exc:
        status = 413 if exc.refusal is Refusal.TOO_LARGE else 200
        with backend.world.lock:
            return _feed_answer(backend, FEED_PARAM_ERROR, exc.message, {}, status)
    with backend.world.lock:
        try:
            url = feed_url(body)
        except ValueError as exc:
            return _feed_answer(backend, FEED_PARAM_ERROR, str(exc), {})
        if backend.connector is None:
            return _feed_answer(backend, FEED_PARAM_ERROR, "feed pickup disabled", {})
        try:
            result = backend.connector.pickup(url)
        except requests.RequestException as exc:  # the file could not be downloaded (404, unreachable...)
            result = {"error": f"download failed ({type(exc).__name__})"}
        if str(result.get("error", "")).startswith("download failed"):
            return _feed_answer(backend, FEED_DOWNLOAD_FAILED, str(result["error"]), {})
        return _feed_answer(backend, 0, "OK", result)
