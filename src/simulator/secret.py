"""Per-world token minting: HMACs under a secret derived from the world seed that no API serves."""

from __future__ import annotations

import hashlib
import hmac

_LABEL = b"tts-sim/world-token-secret/v1"


class TokenMinter:
    """Opaque token strings for one system of one world.

    A token is HMAC-SHA256 of its parts (counter, client, user, ...) under a key derived from the
    world seed and the system's name: a seeded world replays the same tokens byte for byte, while
    everything a vendor API or ``/_sim/credentials`` shows (client ids, application ids, open ids,
    counters) is not enough to compute a token issued to another party.
    """

    __slots__ = ("_key",)

    def __init__(self, seed: int, system: str) -> None:
        self._key = hmac.new(_LABEL, f"{seed}\x1f{system}".encode(), hashlib.sha256).digest()

    def mint(self, *parts: object) -> str:
        """64 hex digits, unique per distinct ``parts``."""
        message = "\x1f".join(str(part) for part in parts).encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()
