"""In-process interception: ``requests`` calls to the real vendor hosts are served by the mocks (via responses)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
import responses
from werkzeug.test import Client

from simulator.vendors import vendor_code

# The hosts real client code talks to (reference/*.md), each with the system that answers it; requests
# to them are routed into the app. Any other host fails at once with one line naming it.
VENDOR_HOSTS: tuple[tuple[str, str, str], ...] = (
    # (pattern, as shown in errors, system)
    (r"open-api\.tiktokglobalshop\.com", "open-api.tiktokglobalshop.com", "tiktok"),  # Partner API
    (r"auth\.tiktok-shops\.com", "auth.tiktok-shops.com", "tiktok"),  # token exchange
    (r"[a-z0-9-]+\.demandware\.net", "*.demandware.net", "sfcc"),  # SFCC instances (sandboxes, staging)
    (r"[a-z0-9-]+\.dx\.commercecloud\.salesforce\.com", "*.dx.commercecloud.salesforce.com", "sfcc"),
    (r"account\.demandware\.com", "account.demandware.com", "sfcc"),  # Account Manager (client credentials)
    (r"api\.channeladvisor\.com", "api.channeladvisor.com", "channeladvisor"),  # REST API
)
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
LOCAL = (re.compile(r"https?://(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?(/.*)?$"),)
_ANY_URL = r"[a-z][a-z0-9+.-]*://.*"


class UnmockedHost(requests.ConnectionError):
    """A request to a host the interceptor does not serve and does not pass through (one-line message)."""


@dataclass(frozen=True)
class RecordedCall:
    """One intercepted request and the mock's answer, with the fields tests assert on.

    ``code`` is the vendor's own error code read from the answer (TikTok ``code``, SFCC fault
    ``type``, ChannelAdvisor ``error.code``; None for a success or a non-vendor answer).
    """

    method: str
    url: str
    host: str
    path: str
    query: dict[str, str]
    body: bytes
    system: str | None
    status: int
    code: str | None
    response_body: bytes
    request: requests.PreparedRequest

    def json(self) -> Any:
        """The answer's body parsed as JSON."""
        return json.loads(self.response_body)

    def request_json(self) -> Any:
        """The request's body parsed as JSON."""
        return json.loads(self.body)

    def __str__(self) -> str:
        code = f" code {self.code}" if self.code is not None else ""
        return f"{self.method} {self.host}{self.path} -> {self.status}{code}"


def _path_pattern(pattern: str | re.Pattern[str]) -> re.Pattern[str]:
    """``/order/202309/orders/{id}`` or ``/v1/Orders*``: ``{name}`` is one path segment, ``*`` anything."""
    if isinstance(pattern, re.Pattern):
        return pattern
    parts = re.split(r"(\{[^}/]*\}|\*)", pattern)
    regex = "".join("[^/]+" if p.startswith("{") else ".*" if p == "*" else re.escape(p) for p in parts)
    return re.compile(regex + "$")


class Interceptor:
    """Route ``requests`` traffic for vendor hosts into a WSGI app, in the calling thread.

    Usable as a context manager or with :meth:`start` / :meth:`stop`. ``calls`` lists every
    intercepted request as a :class:`RecordedCall`; :meth:`find`, :meth:`assert_called`,
    :meth:`assert_not_called` and :meth:`last` query them. A request to a host that is neither a
    vendor host nor passed through (loopback by default) raises :class:`UnmockedHost` with one line.

    Example::

        with Interceptor(create_app(world)) as calls:
            requests.get("https://open-api.tiktokglobalshop.com/order/202309/orders", params=...)
        calls.assert_called("GET", "/order/202309/orders", times=1)
    """

    def __init__(
        self, app: Any, hosts: Iterable[tuple[str, str, str]] = VENDOR_HOSTS,
        passthrough: Iterable[str | re.Pattern[str]] = LOCAL,
    ) -> None:
        self._client = Client(app)
        self._hosts = [(re.compile(rf"{pattern}(:\d+)?$", re.IGNORECASE), shown, system)
                       for pattern, shown, system in hosts]
        self._passthrough = list(passthrough)
        self._calls: list[RecordedCall] = []
        self._mock = responses.RequestsMock(assert_all_requests_are_fired=False)
        # One catch-all per method: responses consults passthrough prefixes only when nothing matches,
        # so the catch-all's pattern leaves out every passthrough URL.
        excluded = "|".join(p.pattern.rstrip("$") + "$" if isinstance(p, re.Pattern) else re.escape(p) + ".*"
                            for p in self._passthrough)
        catch_all = re.compile(rf"^(?!(?:{excluded})){_ANY_URL}$" if excluded else rf"^{_ANY_URL}$", re.IGNORECASE)
        for method in METHODS:
            self._mock.add_callback(method, catch_all, callback=self._serve)
        for prefix in self._passthrough:
            self._mock.add_passthru(prefix)

    @property
    def mocked_hosts(self) -> list[str]:
        """The vendor hosts served, as shown in errors (``*.demandware.net``, ...)."""
        return [shown for _, shown, _ in self._hosts]

    def _system(self, netloc: str) -> str | None:
        return next((system for pattern, _, system in self._hosts if pattern.match(netloc)), None)

    def _serve(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], bytes]:
        url = urlsplit(request.url or "")
        system = self._system(url.netloc)
        if system is None:
            raise UnmockedHost(f"tts-sim: {request.method} {url.scheme}://{url.netloc}{url.path}: host "
                               f"{url.hostname} is not mocked (mocked: {', '.join(self.mocked_hosts)}; "
                               "loopback passes through)")
        body = request.body.encode() if isinstance(request.body, str) else (request.body or b"")
        headers = {k: v for k, v in request.headers.items() if k.lower() != "content-length"}
        answer = self._client.open(
            path=url.path or "/", method=request.method or "GET", query_string=url.query, headers=headers,
            data=body, base_url=f"{url.scheme}://{url.netloc}",
        )
        data = answer.get_data()
        self._calls.append(RecordedCall(
            method=request.method or "GET", url=request.url or "", host=url.hostname or "", path=url.path or "/",
            query=dict(parse_qsl(url.query, keep_blank_values=True)), body=body, system=system,
            status=answer.status_code, code=vendor_code(system, answer.status_code, data), response_body=data,
            request=request,
        ))
        out = {k: v for k, v in answer.headers.items() if k.lower() not in ("content-length", "transfer-encoding")}
        return answer.status_code, out, data

    # -- assertions ------------------------------------------------------------------------------
    @property
    def calls(self) -> list[RecordedCall]:
        """Every request served so far, oldest first."""
        return list(self._calls)

    def find(
        self, method: str | None = None, path: str | re.Pattern[str] | None = None, *,
        system: str | None = None, status: int | None = None, code: str | int | None = None,
    ) -> list[RecordedCall]:
        """Calls matching every given filter (``path``: exact, ``{segment}``/``*`` wildcards, or a regex)."""
        regex = _path_pattern(path) if path is not None else None
        return [c for c in self._calls
                if (method is None or c.method == method.upper()) and (regex is None or regex.match(c.path))
                and (system is None or c.system == system) and (status is None or c.status == status)
                and (code is None or c.code == str(code))]

    def assert_called(
        self, method: str | None = None, path: str | re.Pattern[str] | None = None, *, times: int | None = None,
        **filters: Any,
    ) -> list[RecordedCall]:
        """The matching calls; AssertionError (listing every call) when none, or not exactly ``times``."""
        found = self.find(method, path, **filters)
        if (times is None and not found) or (times is not None and len(found) != times):
            wanted = " ".join(str(p) for p in (method, path) if p) or "any call"
            count = f"{times} call(s)" if times is not None else "at least one call"
            raise AssertionError(f"expected {count} to {wanted} {filters or ''}, got {len(found)}; "
                                 f"calls: {[str(c) for c in self._calls]}")
        return found

    def assert_not_called(self, method: str | None = None, path: str | re.Pattern[str] | None = None,
                          **filters: Any) -> None:
        """AssertionError when any call matches."""
        self.assert_called(method, path, times=0, **filters)

    def last(self, method: str | None = None, path: str | re.Pattern[str] | None = None,
             **filters: Any) -> RecordedCall:
        """The newest matching call (AssertionError when none)."""
        return self.assert_called(method, path, **filters)[-1]

    def reset(self) -> None:
        """Forget the calls recorded so far."""
        self._calls.clear()

    # -- lifecycle -------------------------------------------------------------------------------
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
