"""Durable worlds in SQLite: one file per world holding its params, its command log and its named snapshots.

A world is deterministic given its params and the ordered inputs it accepted, so the log of those
inputs *is* the world (:mod:`simulator.worlds.recorder` writes and replays it). The files use WAL
journaling; ``synchronous=NORMAL`` (the default) makes each commit a write into the WAL, which
survives the process dying at any instant (``kill -9``) because the bytes are in the OS page cache,
and costs no fsync per request. Only an operating-system crash or power loss can lose the last
commits; ``synchronous=FULL`` (``serve --sync full``) fsyncs the WAL on every commit to cover that too.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from simulator.clock import parse_instant, wall_monotonic, wall_sleep
from simulator.lazyimport import sqlite3
from simulator.worlds.params import WorldParams

SYNC_MODES = ("normal", "full")
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS commands (seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, at TEXT NOT NULL,
    jseq INTEGER NOT NULL, data BLOB NOT NULL, body BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS snapshots (name TEXT PRIMARY KEY, seq INTEGER NOT NULL, params BLOB NOT NULL,
    virtual_time TEXT NOT NULL, commands INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS snapshot_commands (name TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL,
    at TEXT NOT NULL, jseq INTEGER NOT NULL, data BLOB NOT NULL, body BLOB NOT NULL,
    PRIMARY KEY (name, seq)) WITHOUT ROWID;
"""
COLUMNS = "seq, kind, at, jseq, data, body"


class StorageError(Exception):
    """The log could not be written: the change it carried is not acknowledged."""


@dataclass(frozen=True, slots=True)
class Command:
    """One accepted input: its kind (http, step, webhook), the virtual instant it met, the journal length after it."""

    seq: int
    kind: str
    at: datetime
    jseq: int
    data: dict[str, Any]
    body: bytes


class WorldLog:
    """One world's file. Callers serialise writes (the world lock); the connection is shared across threads."""

    def __init__(self, path: Path, *, sync: str = "normal") -> None:
        if sync not in SYNC_MODES:
            raise ValueError(f"sync must be one of {', '.join(SYNC_MODES)}, not {sync!r}")
        self.path = path
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(f"PRAGMA synchronous={sync.upper()}")
        self._db.executescript(SCHEMA)
        row = self._db.execute("SELECT max(seq) FROM commands").fetchone()
        self.last_seq: int = row[0] or 0
        self._lock = threading.Lock()  # a last line of defence: sqlite3 connections are not re-entrant

    # -- params ----------------------------------------------------------------------------------
    def params(self) -> WorldParams | None:
        """The stored params (None for a file that was never initialised)."""
        row = self._db.execute("SELECT value FROM meta WHERE key = 'params'").fetchone()
        return WorldParams.from_json(row[0]) if row else None

    def rebase(self, params: WorldParams) -> None:
        """Start the world over from ``params``: an empty log (named snapshots stay, they hold their own)."""
        with self._lock, self._transaction():
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('params', ?)", (params.to_json(),))
            self._db.execute("DELETE FROM commands")
        self.last_seq = 0

    # -- the log ---------------------------------------------------------------------------------
    def append(self, kind: str, at: datetime, jseq: int, data: dict[str, Any], body: bytes = b"") -> int:
        """Write one command durably (one committed transaction) and return its sequence number."""
        seq = self.last_seq + 1
        try:
            with self._lock:
                self._db.execute(f"INSERT INTO commands ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
                                 (seq, kind, at.isoformat(), jseq, orjson.dumps(data), body))
        except sqlite3.Error as exc:
            raise StorageError(f"{self.path}: {exc}") from exc
        self.last_seq = seq
        return seq

    def replace_last(self, kind: str, at: datetime, jseq: int, data: dict[str, Any]) -> None:
        """Overwrite the newest command (two clock steps in a row that fired nothing are one step)."""
        try:
            with self._lock:
                self._db.execute("UPDATE commands SET kind = ?, at = ?, jseq = ?, data = ? WHERE seq = ?",
                                 (kind, at.isoformat(), jseq, orjson.dumps(data), self.last_seq))
        except sqlite3.Error as exc:
            raise StorageError(f"{self.path}: {exc}") from exc

    def commands(self, snapshot: str | None = None) -> Iterator[Command]:
        """The log in order (or a snapshot's copy of it)."""
        if snapshot is None:
            rows = self._db.execute(f"SELECT {COLUMNS} FROM commands ORDER BY seq")
        else:
            rows = self._db.execute(f"SELECT {COLUMNS} FROM snapshot_commands WHERE name = ? ORDER BY seq",
                                    (snapshot,))
        for seq, kind, at, jseq, data, body in rows:
            yield Command(seq, kind, parse_instant(at), jseq, orjson.loads(data), bytes(body))

    # -- named snapshots -------------------------------------------------------------------------
    def save_snapshot(self, name: str, params: WorldParams, now: datetime) -> bool:
        """Copy the log as it is now under ``name``; True when it replaced an older snapshot of that name."""
        with self._lock, self._transaction():
            replaced = self._db.execute("DELETE FROM snapshots WHERE name = ?", (name,)).rowcount > 0
            self._db.execute("DELETE FROM snapshot_commands WHERE name = ?", (name,))
            self._db.execute(f"INSERT INTO snapshot_commands (name, {COLUMNS}) SELECT ?, {COLUMNS} FROM commands",
                             (name,))
            self._db.execute("INSERT INTO snapshots VALUES (?, ?, ?, ?, ?)",
                             (name, self.last_seq, params.to_json(), now.isoformat(), self.last_seq))
        return replaced

    def snapshot(self, name: str) -> tuple[WorldParams, datetime] | None:
        """A snapshot's params and virtual time (None: no such snapshot)."""
        row = self._db.execute("SELECT params, virtual_time FROM snapshots WHERE name = ?", (name,)).fetchone()
        return (WorldParams.from_json(row[0]), parse_instant(row[1])) if row else None

    def snapshots(self) -> list[dict[str, Any]]:
        """Every snapshot: name, virtual time, commands."""
        rows = self._db.execute("SELECT name, virtual_time, commands FROM snapshots ORDER BY name")
        return [{"name": name, "virtual_time": at, "commands": count} for name, at, count in rows]

    def adopt_snapshot(self, name: str) -> None:
        """Make a snapshot's log (and params) the world's log again."""
        with self._lock, self._transaction():
            self._db.execute("INSERT OR REPLACE INTO meta SELECT 'params', params FROM snapshots WHERE name = ?",
                             (name,))
            self._db.execute("DELETE FROM commands")
            self._db.execute(f"INSERT INTO commands ({COLUMNS}) SELECT {COLUMNS} FROM snapshot_commands "
                             "WHERE name = ?", (name,))
            row = self._db.execute("SELECT max(seq) FROM commands").fetchone()
        self.last_seq = row[0] or 0

    # -- housekeeping ----------------------------------------------------------------------------
    def _transaction(self) -> Any:
        return _Transaction(self._db)

    def close(self) -> None:
        """Close the file (a closed log refuses writes)."""
        with self._lock:
            self._db.close()


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: Any, *_: Any) -> None:
        self._db.execute("COMMIT" if kind is None else "ROLLBACK")


class Store:
    """A data directory: ``worlds/<world_id>.sqlite3`` per world."""

    def __init__(self, directory: Path, *, sync: str = "normal") -> None:
        self.directory = directory
        self.sync = sync
        self._lock_fd: int | None = None
        (directory / "worlds").mkdir(parents=True, exist_ok=True)

    def lock(self, *, wait: float) -> None:
        """Hold the directory for this process (released when it exits, even by ``kill -9``).

        Raises:
            TimeoutError: another process still holds it after ``wait`` seconds.
        """
        fd = os.open(self.directory / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        deadline = wall_monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if wall_monotonic() >= deadline:
                    os.close(fd)
                    raise TimeoutError(f"{self.directory} is locked by another process") from None
                wall_sleep(0.05)
                continue
            self._lock_fd = fd
            return

    def unlock(self) -> None:
        """Let go of the directory."""
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def _path(self, world_id: str) -> Path:
        return self.directory / "worlds" / f"{world_id}.sqlite3"

    def ids(self) -> list[str]:
        """The stored worlds, by id."""
        return sorted(p.stem for p in (self.directory / "worlds").glob("*.sqlite3"))

    def create(self, world_id: str, params: WorldParams) -> WorldLog:
        """A new world's file, with its params and an empty log."""
        log = WorldLog(self._path(world_id), sync=self.sync)
        log.rebase(params)
        return log

    def open(self, world_id: str) -> WorldLog:
        """An existing world's file."""
        return WorldLog(self._path(world_id), sync=self.sync)

    def params(self, world_id: str) -> WorldParams | None:
        """A stored world's params, without keeping the file open (None: not stored)."""
        if not self._path(world_id).exists():
            return None
        log = self.open(world_id)
        try:
            return log.params()
        finally:
            log.close()

    def remove(self, world_id: str) -> None:
        """Delete a world's file (and its WAL)."""
        base = self._path(world_id)
        for path in (base, base.with_name(base.name + "-wal"), base.with_name(base.name + "-shm")):
            path.unlink(missing_ok=True)
