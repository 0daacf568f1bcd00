"""YAML data files parsed once: libyaml's safe loader, cached per process and on disk by content; callers get a copy."""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import threading
from datetime import date
from pathlib import Path
from typing import Any

from simulator.lazyimport import yaml

_CACHE: dict[tuple[str, int, int], Any] = {}  # (resolved path, mtime_ns, size) -> parsed data (never handed out)
_LOCK = threading.Lock()
_SCALARS = (str, int, float, bool, bytes, date, type(None))  # date covers datetime: both immutable

# The parsed-data cache on disk (``tts-sim serve`` starts without importing PyYAML when every file hits).
CACHE_ENV = "TTS_SIM_CACHE_DIR"  # a directory; empty: no disk cache
FORMAT = b"tts-sim-yaml 1\n"  # bump when the same bytes could parse differently (the loader, its options)
MAX_ENTRIES = 256  # past this, a write removes the oldest entries (each change of a file's content adds one)
_DIGEST = hashlib.sha256().digest_size


def loader() -> Any:
    """libyaml's safe loader when PyYAML was built with it (the pure-Python one was most of World.create)."""
    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse(text: str) -> Any:
    """One YAML document with the safe loader (libyaml's where available)."""
    return yaml.load(text, Loader=loader())


def load(path: Path) -> Any:
    """The parsed contents of ``path``, parsed once while the file is unchanged; a private copy per call.

    In a process the key is the resolved path with its mtime and size, so an edited file (a user's
    ``--mocks`` folder, a test writing one) is read again. Across processes the parsed data is kept in
    :func:`cache_dir` under the digest of the file's bytes (and the parser's identity): an entry can only
    ever stand for the exact bytes just read, so no change of a file (even one keeping its size and
    mtime) is served stale. Each call returns a private copy: a caller may change what it gets without
    changing what the next world reads.
    """
    resolved = Path(path).resolve()
    stat = resolved.stat()
    key = (str(resolved), stat.st_mtime_ns, stat.st_size)
    with _LOCK:
        cached = _CACHE.get(key, _CACHE)
    if cached is _CACHE:
        cached = parse_bytes(resolved.read_bytes())
        with _LOCK:
            _CACHE[key] = cached
    return copy(cached)


def parse_bytes(data: bytes) -> Any:
    """A file's bytes parsed as :func:`load` reads them (UTF-8, universal newlines), through the disk cache."""
    directory = cache_dir()
    if directory is None:
        return _parse_file(data)
    entry = directory / f"{_key(data)}.pickle"
    found = _read(entry)
    if found is not _MISSING:
        return found
    value = _parse_file(data)
    _write(directory, entry, value)
    return value


def _parse_file(data: bytes) -> Any:
    # What Path.read_text(encoding="utf-8") returned before the cache: newlines translated as text mode does.
    return parse(data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n"))


def cache_dir() -> Path | None:
    """Where parsed data is kept across processes: ``$TTS_SIM_CACHE_DIR``, else the user's cache folder.

    ``TTS_SIM_CACHE_DIR=`` (empty) turns the disk cache off. The folder is created private to the user
    (0700); one owned by someone else or writable by others is not used (its entries are unpickled).
    """
    configured = os.environ.get(CACHE_ENV)
    if configured is not None:
        if not configured:
            return None
        directory = Path(configured)
    else:
        base = os.environ.get("XDG_CACHE_HOME", "")
        if not os.path.isabs(base):  # unset, or relative (which XDG says to ignore): the home folder's
            base = os.path.join(os.path.expanduser("~"), ".cache")
            if not os.path.isabs(base):  # no home folder to keep it in
                return None
        directory = Path(base) / "tts-sim" / "yaml"
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        stat = directory.stat()
    except OSError:
        return None
    getuid = getattr(os, "getuid", None)  # POSIX; elsewhere the user's profile folder is theirs
    if (getuid is not None and stat.st_uid != getuid()) or stat.st_mode & 0o022:
        return None
    return directory


def _key(data: bytes) -> str:
    """The entry name of a file's bytes: their digest with the parser's identity (:func:`_salt`)."""
    return hashlib.sha256(_salt() + data).hexdigest()


_MISSING = object()
_SALTS: list[bytes] = []


def _salt() -> bytes:
    """What else besides a file's bytes decides its parsed data: this format, Python, the installed PyYAML."""
    if not _SALTS:
        import importlib.util

        spec = importlib.util.find_spec("yaml")  # located, not imported: its files change when PyYAML does
        origin = spec.origin if spec is not None and spec.origin else ""
        try:
            stat = os.stat(origin)
            parser = f"{origin} {stat.st_mtime_ns} {stat.st_size}"
        except OSError:
            parser = origin
        _SALTS.append(FORMAT + f"{sys.version_info[:2]} {parser}\n".encode())
    return _SALTS[0]


def _read(entry: Path) -> Any:
    """The data kept in ``entry``, or ``_MISSING`` if there is none or it is not intact (never trusted then)."""
    try:
        blob = entry.read_bytes()
    except OSError:
        return _MISSING
    head, checksum, payload = blob[:len(FORMAT)], blob[len(FORMAT):len(FORMAT) + _DIGEST], blob[len(FORMAT) + _DIGEST:]
    if head != FORMAT or hashlib.sha256(payload).digest() != checksum:
        return _MISSING
    try:
        return pickle.loads(payload)
    except Exception:  # noqa: BLE001 - an intact checksum over bytes no pickle accepts: parse the file instead
        return _MISSING


def _write(directory: Path, entry: Path, value: Any) -> None:
    """Keep ``value`` in ``entry``: written to a private temporary file, then renamed over (atomic).

    Concurrent starts writing the same entry each rename a complete file; a reader sees one of them or
    none. A cache that cannot be written (read-only, full) is skipped: the data was parsed anyway.
    """
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    temporary = directory / f".{entry.name}.{os.getpid()}.{threading.get_ident()}.tmp"
    try:
        with open(temporary, "xb") as out:
            out.write(FORMAT + hashlib.sha256(payload).digest() + payload)
        os.replace(temporary, entry)
    except OSError:
        temporary.unlink(missing_ok=True)
        return
    _prune(directory)


def _prune(directory: Path) -> None:
    """Remove the oldest entries past :data:`MAX_ENTRIES` (others may be pruning too: missing files are fine)."""
    try:
        entries = []
        for found in os.scandir(directory):
            if found.name.endswith(".pickle"):
                entries.append((found.stat().st_mtime_ns, found.path))
    except OSError:
        return
    for _, stale in sorted(entries)[:-MAX_ENTRIES]:
        try:
            os.unlink(stale)
        except OSError:
            pass


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
