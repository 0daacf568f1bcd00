"""In-process HTTP: a requests adapter that hands requests straight to a WSGI app (no socket, same thread)."""

from __future__ import annotations

from collections.abc import Mapping
from io import BytesIO
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from urllib3 import HTTPHeaderDict, HTTPResponse
from werkzeug.test import Client


class WSGIAdapter(BaseAdapter):
    """Serve ``requests`` calls from a WSGI app in the calling thread.

    Connectors use it to reach the world's own mocks: the call runs inside the caller's world
    lock (an ``RLock``), so a timer firing during ``advance`` can call the SFCC mock without a
    socket and without deadlocking, while the same connector code talks real HTTP to any other
    base URL.
    """

    def __init__(self, app: Any) -> None:
        super().__init__()
        self._client = Client(app)

    def send(
        self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None,
        verify: Any = True, cert: Any = None, proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """Run the request through the app and wrap its answer as a ``requests.Response``."""
        url = urlsplit(request.url or "")
        body = request.body.encode() if isinstance(request.body, str) else request.body
        headers = {k: v for k, v in request.headers.items() if k.lower() != "content-length"}
        answer = self._client.open(
            path=url.path or "/", method=request.method or "GET", query_string=url.query, headers=headers,
            data=body or b"", base_url=f"{url.scheme}://{url.netloc}",
        )
        data = answer.get_data()
        response = requests.Response()
        response.status_code = answer.status_code
        response.headers = CaseInsensitiveDict(dict(answer.headers))
        response._content = data
        # Like requests' own HTTPAdapter, keep a urllib3 response as ``raw``: some clients (schemathesis,
        # multi-valued headers such as Set-Cookie) read headers from it rather than ``headers``.
        response.raw = HTTPResponse(
            body=BytesIO(data), headers=HTTPHeaderDict(list(answer.headers.items())), status=answer.status_code,
            reason=answer.status.split(" ", 1)[-1], preload_content=False, decode_content=False, version=11,
        )
        response.url = request.url or ""
        response.reason = answer.status.split(" ", 1)[1] if " " in answer.status else ""
        response.request = request
        response.encoding = answer.mimetype_params.get("charset", "utf-8")
        return response

    def close(self) -> None:
        """Nothing to release."""


def in_process_session(app: Any, base_url: str) -> requests.Session:
    """A session whose requests to ``base_url`` are served by ``app`` in-process."""
    session = requests.Session()
    session.mount(base_url.rstrip("/") + "/", WSGIAdapter(app))
    return session
