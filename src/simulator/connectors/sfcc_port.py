"""How TikTok's connector reaches an SFCC instance: directly in this world, or over HTTP to a real server.

Both ports answer the same calls with ``(status, document)`` pairs shaped as OCAPI answers them, and
raise :class:`SfccUnreachable` when the instance cannot be reached, so the connector has one code path.
The direct port calls this world's SFCC backend in-process (no Flask, no JSON round trip: a full world
then costs about what its events cost); the HTTP port (:class:`SfccClient`) is used when
``world.config["sfcc"]["base_url"]`` points at a partner's instance.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import unquote, urlsplit

from simulator.connectors.sfcc_client import SfccClient
from simulator.lazyimport import requests
from simulator.sfcc import errors as E
from simulator.sfcc.create import CreateRefused, ExternalOrder
from simulator.sfcc.serializers import OrderView, doc_version, resource_state

if TYPE_CHECKING:
    from simulator.sfcc.backend import SfccBackend

Answer = tuple[int, Mapping[str, Any]]  # a document: a dict, or (in-process) an OrderView
WEBDAV_IMPEX = "/on/demandware.servlet/webdav/Sites/IMPEX/"


class SfccUnreachable(Exception):
    """The instance did not answer (connection refused, timeout, outage)."""


class SfccPort(Protocol):
    """The calls TikTok makes to SFCC (SFCC-1, CAN-B2, CAN-P1, FUL-3)."""

    def create(self, site_id: str, body: dict[str, Any]) -> Answer:
        """CreateExternalOrder."""

    def create_order(self, site_id: str, request: ExternalOrder, body: Callable[[], dict[str, Any]]) -> Answer:
        """CreateExternalOrder of ``body()``, which ``request`` stands for (an in-process instance takes it as is)."""

    def get(self, site_id: str, order_no: str) -> Answer:
        """OCAPI Shop GetOrder."""

    def patch(self, site_id: str, order_no: str, body: dict[str, Any]) -> Answer:
        """OCAPI Shop PATCH order."""

    def find(self, site_id: str, external_id: str) -> str | None:
        """The order number of a TikTok order (order_search on ``c_externalOrderId``)."""

    def download(self, url: str) -> bytes:
        """A feed file by its WebDAV URL."""


class DirectPort:
    """This world's own SFCC instance, called in-process (what the HTTP endpoints would answer)."""

    def __init__(self, backend: SfccBackend, ocapi_version: str = "v22_6") -> None:
        self.backend = backend
        self.version = doc_version(ocapi_version)

    def create(self, site_id: str, body: dict[str, Any]) -> Answer:
        """CreateExternalOrder (the controller's plain JSON answers)."""
        try:
            return 200, self.backend.orders.create_external(site_id, body)
        except CreateRefused as refused:
            return refused.status, refused.body

    def create_order(self, site_id: str, request: ExternalOrder, body: Callable[[], dict[str, Any]]) -> Answer:
        """CreateExternalOrder placed from the typed request (the same order and answer as from ``body()``)."""
        try:
            return 200, self.backend.orders.create_placed(site_id, request)
        except CreateRefused as refused:
            return refused.status, refused.body

    def get(self, site_id: str, order_no: str) -> Answer:
        """GetOrder, or the OCAPI fault."""
        try:
            return 200, OrderView(self.backend.orders.get(site_id, order_no), self.version)
        except E.OcapiFault as fault:
            return fault.status, fault.document(self.version)

    def patch(self, site_id: str, order_no: str, body: dict[str, Any]) -> Answer:
        """PATCH with the cartridge hook, or the OCAPI fault (all or nothing)."""
        try:
            order = self.backend.orders.patch(site_id, order_no, body, resource_state)
        except E.OcapiFault as fault:
            return fault.status, fault.document(self.version)
        return 200, OrderView(order, self.version)

    def find(self, site_id: str, external_id: str) -> str | None:
        """The order number created for a TikTok order on the site."""
        order_no = self.backend.orders.by_external.get((site_id, external_id))
        return str(order_no) if order_no is not None else None

    def download(self, url: str) -> bytes:
        """The file under IMPEX that the URL names."""
        path = unquote(urlsplit(url).path)
        if not path.startswith(WEBDAV_IMPEX):
            raise SfccUnreachable(f"not a WebDAV IMPEX URL: {url}")
        try:
            target = self.backend.impex_path(path[len(WEBDAV_IMPEX):], create=False)
        except ValueError as exc:
            raise SfccUnreachable(str(exc)) from None
        if target is None or not target.is_file():
            raise SfccUnreachable(f"no such file: {url}")
        return target.read_bytes()


class UnreachablePort:
    """An outage: every call fails to connect (scenario ``network.down``, tests of the retry paths)."""

    def __init__(self, why: str = "SFCC unreachable") -> None:
        self.why = why

    def _fail(self, *args: Any) -> Any:
        raise SfccUnreachable(self.why)

    create = create_order = get = patch = find = download = _fail


def cut(connector: Any, why: str = "SFCC unreachable") -> Any:
    """Put ``connector`` behind an outage; returns the function that ends it."""
    saved, connector.port = connector.port, UnreachablePort(why)
    return lambda: setattr(connector, "port", saved)


class HttpPort:
    """Any SFCC instance over HTTP (OCAPI, the cartridge's controller, WebDAV)."""

    def __init__(self, client: SfccClient) -> None:
        self.client = client

    @staticmethod
    def _answer(response: requests.Response) -> Answer:
        try:
            body = response.json()
        except ValueError:
            body = {}
        return response.status_code, body if isinstance(body, dict) else {}

    def create(self, site_id: str, body: dict[str, Any]) -> Answer:
        """CreateExternalOrder."""
        return self._answer(self._call(self.client.create_order, site_id, body))

    def create_order(self, site_id: str, request: ExternalOrder, body: Callable[[], dict[str, Any]]) -> Answer:
        """CreateExternalOrder of the JSON body."""
        return self.create(site_id, body())

    def get(self, site_id: str, order_no: str) -> Answer:
        """GetOrder."""
        return self._answer(self._call(self.client.get_order, site_id, order_no))

    def patch(self, site_id: str, order_no: str, body: dict[str, Any]) -> Answer:
        """PATCH order."""
        return self._answer(self._call(self.client.patch_order, site_id, order_no, body))

    def find(self, site_id: str, external_id: str) -> str | None:
        """order_search on ``c_externalOrderId``."""
        status, body = self._answer(self._call(self.client.find_by_external_id, site_id, external_id))
        hits = body.get("hits") or [] if status == 200 else []
        return str(hits[0]["data"]["order_no"]) if hits else None

    def download(self, url: str) -> bytes:
        """WebDAV GET."""
        return bytes(self._call(self.client.download, url))

    @staticmethod
    def _call(method: Any, *args: Any) -> Any:
        try:
            return method(*args)
        except requests.RequestException as exc:
            raise SfccUnreachable(f"{type(exc).__name__}: {exc}") from exc
