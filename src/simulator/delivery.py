"""Outbound HTTP POSTs: one sender thread per destination, every attempt bounded by one total deadline."""

from __future__ import annotations

import http.client
import io
import logging
import socket
import threading
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

from simulator.clock import wall_monotonic

J = TypeVar("J")
log = logging.getLogger(__name__)
MAX_ANSWER_BYTES = 64 * 1024  # only the status matters; a receiver streaming megabytes is not read whole


class DeadlinePassed(TimeoutError):
    """The attempt's total time (connect, send, read the whole answer) ran out."""


class _DeadlineSocket:
    """The socket ``http.client`` sees: each send and receive gets only the time left of the attempt.

    A per-operation timeout (what ``requests`` offers) restarts with every byte, so a receiver
    trickling one byte a second would hold the sender forever; here the budget only shrinks.
    """

    def __init__(self, sock: socket.socket, end: float) -> None:
        self._sock = sock
        self._end = end

    def _arm(self) -> None:
        left = self._end - wall_monotonic()
        if left <= 0:
            raise DeadlinePassed("deadline")
        self._sock.settimeout(left)

    def sendall(self, data: bytes) -> None:
        self._arm()
        self._sock.sendall(data)

    def recv_into(self, buffer: Any) -> int:
        self._arm()
        return self._sock.recv_into(buffer)

    def makefile(self, *_: Any, **__: Any) -> io.BufferedReader:
        return io.BufferedReader(_Reader(self))

    def close(self) -> None:
        self._sock.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class _Reader(io.RawIOBase):
    def __init__(self, sock: _DeadlineSocket) -> None:
        self._sock = sock

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        return self._sock.recv_into(buffer)


def post(url: str, body: bytes, headers: Mapping[str, str], deadline: float) -> tuple[int, str]:
    """POST ``body`` to ``url`` within ``deadline`` seconds in total; ``(status, "")`` or ``(0, error)``.

    ``error`` is ``"deadline"`` when the time ran out (connecting, sending, or reading the answer),
    else the exception's name (``ConnectionRefusedError``, ``RemoteDisconnected``, ...).
    """
    end = wall_monotonic() + deadline
    parts = urlsplit(url)
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = connection_class(parts.hostname or "", parts.port, timeout=max(deadline, 0.001))
    try:
        conn.connect()
        conn.sock = _DeadlineSocket(conn.sock, end)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        conn.request("POST", target, body=body, headers={**headers, "Connection": "close"})
        answer = conn.getresponse()
        answer.read(MAX_ANSWER_BYTES)
        return answer.status, ""
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return 0, "deadline" if isinstance(exc, DeadlinePassed) or wall_monotonic() >= end else type(exc).__name__
    finally:
        conn.close()


class Lanes(Generic[J]):
    """Per-destination FIFO queues, each drained by its own short-lived thread.

    Jobs for one destination are sent in the order submitted; destinations never wait for each
    other, so a slow receiver delays only its own deliveries. A lane's thread exits when its queue
    is empty (no idle threads, nothing to join when a world is dropped).
    """

    def __init__(self, send: Callable[[J], None], *, name: str = "tts-sim-sender") -> None:
        self._send = send
        self._name = name
        self._lock = threading.Lock()
        self._queues: dict[str, deque[J]] = {}
        self._in_flight: dict[str, J] = {}

    def submit(self, key: str, job: J) -> list[J]:
        """Queue ``job`` for destination ``key``; returns the jobs ahead of it (in flight first).

        Raises ``RuntimeError`` when a new lane's thread cannot be started (nothing is queued then).
        """
        with self._lock:
            queue = self._queues.get(key)
            fresh = queue is None
            if queue is None:
                queue = self._queues[key] = deque()
            ahead = ([self._in_flight[key]] if key in self._in_flight else []) + list(queue)
            queue.append(job)
            if fresh:
                try:
                    threading.Thread(target=self._run, args=(key,), name=f"{self._name} {key}", daemon=True).start()
                except RuntimeError:  # no thread to be had: leave no lane that nothing drains
                    del self._queues[key]
                    raise
        return ahead

    def cancel_queued(self) -> list[J]:
        """Take every job not yet started out of its queue (in-flight jobs finish)."""
        with self._lock:
            taken = [job for queue in self._queues.values() for job in queue]
            for queue in self._queues.values():
                queue.clear()
        return taken

    def _run(self, key: str) -> None:
        while True:
            with self._lock:
                queue = self._queues[key]
                if not queue:
                    del self._queues[key]
                    self._in_flight.pop(key, None)
                    return
                job = self._in_flight[key] = queue.popleft()
            try:
                self._send(job)
            except Exception:  # a sender bug must not wedge the destination's later jobs
                log.exception("sending to %s failed", key)
