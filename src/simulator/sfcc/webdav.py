"""WebDAV ``/on/demandware.servlet/webdav/Sites/IMPEX/...`` (feed download, OMS CSV upload) and TikTok feed notify."""

from __future__ import annotations

from flask import Response, jsonify, request

from simulator.sfcc.auth import basic_credentials
from simulator.sfcc.backend import SfccBackend
from simulator.sfcc.routes import _backend, bp

PREFIX = "/on/demandware.servlet/webdav/Sites/<any(IMPEX, Impex, impex):root>/<path:relative>"


def _authorized(backend: SfccBackend) -> bool:
    # WebDAV access keys (type "WebDAV File Access and UX Studio") are Basic login:key.
    parts = basic_credentials(request.headers.get("Authorization"))
    user = backend.config.users.get(parts[0]) if parts and len(parts) == 2 else None
    return user is not None and parts is not None and parts[1] == user.webdav_access_key


def _denied() -> Response:
    return Response("Unauthorized", 401, {"WWW-Authenticate": 'Basic realm="webdav"'}, mimetype="text/plain")


@bp.route(PREFIX, methods=["GET", "PUT", "DELETE"])
def webdav_file(root: str, relative: str) -> Response:
    """WebDAV GET (download), PUT (upload), DELETE of a file under IMPEX."""
    backend = _backend()
    with backend.world.lock:
        if not _authorized(backend):
            return _denied()
        path = backend.impex_path(relative)
        if path is None:
            return Response("Not Found", 404, mimetype="text/plain")
        if request.method == "PUT":
            created = not path.exists()
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(request.get_data())
            backend.journal.record("sfcc.webdav.put", file=relative, bytes=path.stat().st_size)
            return Response(status=201 if created else 204)
        if not path.is_file():
            return Response("Not Found", 404, mimetype="text/plain")
        if request.method == "DELETE":
            path.unlink()
            return Response(status=204)
        mimetype = "application/xml" if path.suffix == ".xml" else "application/octet-stream"
        return Response(path.read_bytes(), 200, mimetype=mimetype)


@bp.post("/tbp/v2.0/feed/download/")
def tiktok_feed_download() -> Response:
    """TikTok business API feed notification: TikTok downloads the file and applies it (FUL-3)."""
    backend = _backend()
    with backend.world.lock:
        body = request.get_json(silent=True) or {}
        url = (body.get("params") or {}).get("url") if isinstance(body, dict) else None
        if not url or backend.connector is None:
            return jsonify(code=40002, message="params.url is required" if not url else "feed pickup disabled",
                           request_id=backend.world.ids.next("feed_request"), data={})
        result = backend.connector.pickup(str(url))
        if result.get("error", "").startswith("download failed"):  # UNCERTAIN code: TikTok publishes none
            return jsonify(code=50001, message=result["error"], request_id=backend.world.ids.next("feed_request"),
                           data={})
        return jsonify(code=0, message="OK", request_id=backend.world.ids.next("feed_request"), data=result)
