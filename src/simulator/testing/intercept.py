"""In-process interception: ``requests`` calls to the real vendor hosts are served by the mocks (via responses)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import requests
import responses
from werkzeug.test import Client

# The hosts real client code talks to (reference/*.md). Requests to them are routed into the app;
# anything else is refused by responses (so a forgotten base URL fails loudly) unless passed through.
VENDOR_HOSTS: tuple[str, ...] = (
    r"open-api\.tiktokglobalshop\.com",  # TikTok Shop Partner API
    r"auth\.tiktok-shops\.com",  # TikTok token exchange
    r"[a-z0-9-]+\.demandware\.net",  # SFCC instances (sandboxes, staging)
    r"[a-z0-9-]+\.dx\.commercecloud\.salesforce\.com",  # SFCC on-demand sandboxes
    r"account\.demandware\.com",  # SFCC Account Manager (client credentials)
    r"api\.channeladvisor\.com",  # ChannelAdvisor REST API
)
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
LOCAL = (re.compile(r"https?://(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?(/.*)?$"),)


class Interceptor:
    """Route ``requests`` traffic for vendor hosts into a WSGI app, in the calling thread.

    Usable as a context manager or with :meth:`start` / :meth:`stop`. ``calls`` lists every
    intercepted request (responses' call log), for assertions on what the code under test sent.

    Example::

        with Interceptor(create_app(world)):
            requests.get("https://open-api.tiktokglobalshop.com/order/202309/orders", params=...)
    """

    def __init__(
        self, app: Any, hosts: Iterable[str] = VENDOR_HOSTS, passthrough: Iterable[str | re.Pattern[str]] = LOCAL
    ) -> None:
        self._client = Client(app)
        self._mock = responses.RequestsMock(assert_all_requests_are_fired=False)
        for host in hosts:
            pattern = re.compile(rf"https?://{host}(:\d+)?(/.*)?(\?.*)?$")
            for method in METHODS:
                self._mock.add_callback(method, pattern, callback=self._serve)
        for prefix in passthrough:
            self._mock.add_passthru(prefix)

    @property
    def calls(self) -> Any:
        """responses' call list: ``calls[i].request`` / ``calls[i].response``."""
        return self._mock.calls

    def _serve(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], bytes]:
        url = urlsplit(request.url or "")
        body = request.body.encode() if isinstance(request.body, str) else (request.body or b"")
        headers = {k: v for k, v in request.headers.items() if k.lower() != "content-length"}
        answer = self._client.open(
            path=url.path or "/", method=request.method or "GET", query_string=url.query, headers=headers,
            data=body, base_url=f"{url.scheme}://{url.netloc}",
        )
        out = {k: v for k, v in answer.headers.items() if k.lower() not in ("content-length", "transfer-encoding")}
        return answer.status_code, out, answer.get_data()

    def start(self) -> Interceptor:
        """Begin intercepting."""
        self._mock.start()
        return self

    def stop(self) -> None:
        """Stop intercepting (restores ``requests``); ``calls`` stays readable."""
        self._mock.stop()

    def __enter__(self) -> Interceptor:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
