"""TikTok's connector's line to SFCC, as the scenario actors touch it: cut it (``network.down``), resend a create."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from simulator.connectors import sfcc_port


def cut(connector: Any, host: str) -> Callable[[], None]:
    """Make every call from the connector to SFCC fail; returns the function that restores the line."""
    restore: Callable[[], None] = sfcc_port.cut(connector, f"SFCC unreachable (network.down): {host}")
    return restore


def create_again(connector: Any, site: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """TikTok's CreateExternalOrder call once more: ``(HTTP status, the controller's answer)``."""
    status, answer = connector.port.create(site, body)
    return int(status), dict(answer)
