"""Deterministic id sequences: TikTok-style 18-digit numeric strings, derived from the world seed."""

from __future__ import annotations

import hashlib
from collections import defaultdict

# Three-digit prefixes echo the shapes seen in TikTok payloads (API doc section 8).
PREFIXES = {
    "order": "576",
    "line_item": "577",
    "package": "115",
    "cancel": "458",
    "return": "404",
    "return_tracking": "930",
    "notification": "738",
    "product": "173",
    "sku": "172",
    "shop": "749",
    "webhook": "739",
}


class IdFactory:
    """Hands out ids per kind; the same seed gives the same ids in the same order."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        digest = hashlib.sha256(f"tts-sim:{seed}".encode()).hexdigest()
        # A seed-specific base keeps ids from different worlds apart while staying 18 digits long.
        self._base = int(digest[:12], 16) % 10**14 * 10
        self._counters: defaultdict[str, int] = defaultdict(int)

    def next(self, kind: str) -> str:
        """The next id of ``kind`` (18 numeric digits for known kinds, ``kind-N`` otherwise)."""
        self._counters[kind] += 1
        n = self._counters[kind]
        prefix = PREFIXES.get(kind)
        if prefix is None:
            return f"{kind}-{n}"
        return f"{prefix}{self._base + n:015d}"

    def counter(self, kind: str) -> int:
        """How many ids of ``kind`` were issued."""
        return self._counters[kind]
