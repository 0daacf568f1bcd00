"""Faults on TikTok's calls to SFCC: the connector's port answers as a misbehaving instance would.

Rules on system ``sfcc`` match the connector's calls by the path the call stands for
(``POST /s/{site}/CreateExternalOrder``, ``GET``/``PATCH /s/{site}/dw/shop/{v}/orders/{no}``, ``POST
.../order_search``, the WebDAV ``GET``). ``rate_limit`` answers 429 with OCAPI's quota fault,
``server_error`` 500, ``token_expired`` 401 ``InvalidAccessTokenException`` (the connector authenticates
again on its retry), ``reset`` is an unreachable instance; ``latency`` costs no virtual time. The
connector retries each failure on the world clock (:mod:`simulator.connectors.tiktok_sfcc`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from simulator.connectors.sfcc_port import Answer, SfccPort, SfccUnreachable
from simulator.sfcc import errors as E
from simulator.sfcc.create import ExternalOrder
from simulator.sfcc.serializers import doc_version

if TYPE_CHECKING:
    from simulator.world import World

FAULTS: dict[str, type[E.OcapiFault]] = {"rate_limit": E.QuotaExceededException,
                                         "server_error": E.InternalServerErrorException,
                                         "token_expired": E.InvalidAccessTokenException}


class FaultyPort:
    """An :class:`SfccPort` that asks the world's fault rules before each call."""

    def __init__(self, port: SfccPort, world: World, ocapi_version: str) -> None:
        self.port, self.world = port, world
        self.version = ocapi_version
        self._v = doc_version(ocapi_version)

    def _fault(self, method: str, path: str) -> Answer | None:
        faults = self.world.faults
        if not faults.active("sfcc"):
            return None
        rule = faults.decide("sfcc", method, path, via="tiktok_sfcc_connector")
        if rule is None or rule.type == "latency":
            return None
        if rule.type == "reset":
            raise SfccUnreachable(f"connection reset (injected fault {rule.fault_id})")
        fault = FAULTS[rule.type]()
        return fault.status, fault.document(self._v)

    def _shop(self, site_id: str, order_no: str) -> str:
        return f"/s/{site_id}/dw/shop/{self.version}/orders/{order_no}"

    def create(self, site_id: str, body: dict[str, Any]) -> Answer:
        """CreateExternalOrder."""
        return self._fault("POST", f"/s/{site_id}/CreateExternalOrder") or self.port.create(site_id, body)

    def create_order(self, site_id: str, request: ExternalOrder, body: Callable[[], dict[str, Any]]) -> Answer:
        """CreateExternalOrder (typed, see :meth:`SfccPort.create_order`)."""
        return self._fault("POST", f"/s/{site_id}/CreateExternalOrder") or self.port.create_order(site_id, request, body)

    def get(self, site_id: str, order_no: str) -> Answer:
        """GetOrder."""
        return self._fault("GET", self._shop(site_id, order_no)) or self.port.get(site_id, order_no)

    def patch(self, site_id: str, order_no: str, body: dict[str, Any]) -> Answer:
        """PATCH order."""
        return self._fault("PATCH", self._shop(site_id, order_no)) or self.port.patch(site_id, order_no, body)

    def find(self, site_id: str, external_id: str) -> str | None:
        """order_search on ``c_externalOrderId`` (a refused search is an unreachable instance)."""
        if self._fault("POST", f"/s/{site_id}/dw/shop/{self.version}/order_search") is not None:
            raise SfccUnreachable("order_search refused (injected fault)")
        return self.port.find(site_id, external_id)

    def download(self, url: str) -> bytes:
        """A feed file by its WebDAV URL."""
        if self._fault("GET", urlsplit(url).path) is not None:
            raise SfccUnreachable(f"download refused (injected fault): {url}")
        return self.port.download(url)
