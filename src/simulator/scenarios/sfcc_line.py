"""TikTok's connector's line to SFCC, as the scenario actors touch it: cut it (``network.down``), resend a create.

The connector reaches SFCC either through a *port* (``connector.port``: this world's SFCC in-process, or
HTTP to a configured instance) or through an HTTP session of its client; both are handled here, so
nothing else in the scenario layer knows how the connector is wired.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import requests
from requests.adapters import BaseAdapter


class _OutageAdapter(BaseAdapter):
    """Every HTTP call to the SFCC host fails to connect."""

    def send(self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None,
             verify: Any = True, cert: Any = None, proxies: Any = None) -> requests.Response:
        raise requests.ConnectionError(f"SFCC unreachable (network.down): {request.method} {request.url}")

    def close(self) -> None:
        """Nothing to release."""


class _OutagePort:
    """Every port call raises the port's own "unreachable" error."""

    def __init__(self, unreachable: type[Exception]) -> None:
        self._unreachable = unreachable

    def __getattr__(self, name: str) -> Callable[..., Any]:
        def fail(*args: Any, **kwargs: Any) -> Any:
            raise self._unreachable(f"SFCC unreachable (network.down): {name}")

        return fail


def _has_port(connector: Any) -> bool:
    return isinstance(getattr(type(connector), "port", None), property)


def cut(connector: Any, host: str) -> Callable[[], None]:
    """Make every call from the connector to SFCC fail; returns the function that restores the line."""
    if _has_port(connector):
        unreachable = importlib.import_module("simulator.connectors.sfcc_port").SfccUnreachable
        saved_port = connector.port
        connector.port = _OutagePort(unreachable)
        return lambda: setattr(connector, "port", saved_port)
    session = connector.client.session
    prefix = f"https://{host}/"
    saved = session.adapters.get(prefix)
    session.mount(prefix, _OutageAdapter())

    def restore() -> None:
        if saved is not None:
            session.mount(prefix, saved)
        else:
            session.adapters.pop(prefix, None)

    return restore


def create_again(connector: Any, site: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """TikTok's CreateExternalOrder call once more: ``(HTTP status, the controller's answer)``."""
    if _has_port(connector):
        status, answer = connector.port.create(site, body)
        return int(status), dict(answer)
    response = connector.client.create_order(site, body)
    try:
        answer = response.json()
    except ValueError:
        answer = {}
    return response.status_code, answer if isinstance(answer, dict) else {}
