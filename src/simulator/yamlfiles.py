"""YAML data files parsed once per process: libyaml's safe loader, cached by path, mtime and size; callers get a copy."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path
from typing import Any

import yaml

# libyaml's safe loader when PyYAML was built with it (the pure-Python one was most of World.create).
LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_CACHE: dict[tuple[str, int, int], Any] = {}  # (resolved path, mtime_ns, size) -> parsed data (never handed out)
_LOCK = threading.Lock()
_SCALARS = (str, int, float, bool, bytes, date, type(None))  # date covers datetime: both immutable


def parse(text: str) -> Any:
    """One YAML document with the safe loader (libyaml's where available)."""
    return yaml.load(text, Loader=LOADER)


def load(path: Path) -> Any:
    """The parsed contents of ``path``, read and parsed once per process while the file is unchanged.

    The key is the resolved path with its mtime and size, so an edited file (a user's ``--mocks``
    folder, a test writing one) is parsed again. Each call returns a private copy: a caller may change
    what it gets without changing what the next world reads.
    """
    resolved = Path(path).resolve()
    stat = resolved.stat()
    key = (str(resolved), stat.st_mtime_ns, stat.st_size)
    with _LOCK:
        cached = _CACHE.get(key, _CACHE)
    if cached is _CACHE:
        cached = parse(resolved.read_text(encoding="utf-8"))
        with _LOCK:
            _CACHE[key] = cached
    return copy(cached)


def copy(value: Any) -> Any:
    """A deep copy of plain YAML data (mappings, sequences, scalars): several times cheaper than copy.deepcopy."""
    if isinstance(value, dict):
        return {k: copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy(v) for v in value]
    if isinstance(value, _SCALARS):
        return value
    import copy as _copy  # sets and other tagged values the safe loader builds: rare

    return _copy.deepcopy(value)
