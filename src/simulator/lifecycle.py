"""Server process lifecycle: one-line start-up refusals, an exclusive port, workers that die with their server."""

from __future__ import annotations

import ctypes
import errno
import os
import signal
import socket
import sys
import threading

PR_SET_PDEATHSIG = 1  # linux/prctl.h
PARENT_GONE_GRACE = 10.0  # seconds a worker whose server died gets to shut down cleanly


class StartupError(Exception):
    """Why ``tts-sim serve`` cannot start: printed as one line, the process exits with ``status``."""

    def __init__(self, message: str, status: int = 2) -> None:
        super().__init__(message)
        self.status = status


def check_port(port: int, count: int = 1) -> None:
    """Refuse ports outside 1-65535 (``count`` consecutive ports from ``port``)."""
    if not 1 <= port <= 65535 - (count - 1):
        span = f"--port {port} needs {count} ports up to {port + count - 1}" if count > 1 else f"--port {port}"
        raise StartupError(f"{span}: a TCP port is 1-65535")


def claim_port(host: str, port: int, *, guard: bool) -> socket.socket | None:
    """Refuse a port something already listens on; optionally hold a guard until the server listens.

    granian's workers listen with ``SO_REUSEPORT``, so a second server on the same port would
    start and share it (requests alternating between two worlds). A plain bind with only
    ``SO_REUSEADDR`` fails against any listener (and not against old TIME_WAIT connections).
    The guard is bound with ``SO_REUSEPORT`` but never listens: granian's own listener can join
    it, while another tts-sim's plain bind fails from the moment this one claimed the port, not
    only once its worker is up a second later. Keep the returned socket open while serving.
    """
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as exc:
        raise StartupError(f"--host {host}: {exc.strerror}") from exc
    probe = socket.socket(family, kind, proto)
    try:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(address)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise StartupError(f"{host}:{port} is already in use (another tts-sim serve?); stop it or "
                               f"choose another --port", status=1) from exc
        raise StartupError(f"cannot listen on {host}:{port}: {exc.strerror or exc}", status=1) from exc
    finally:
        probe.close()
    reuse_port = getattr(socket, "SO_REUSEPORT", None)
    if not guard or reuse_port is None:
        return None
    held = socket.socket(family, kind, proto)
    try:
        held.setsockopt(socket.SOL_SOCKET, reuse_port, 1)
        held.bind(address)
    except OSError:  # e.g. TIME_WAIT connections of a previous run: the probe already passed
        held.close()
        return None
    return held


def die_with_parent(parent: int) -> None:
    """In a server's worker process: shut down (SIGTERM, then a hard exit) as soon as ``parent`` dies.

    Linux delivers SIGTERM at the parent's death (``PR_SET_PDEATHSIG``), even after ``kill -9``;
    a watcher thread covers other systems and a worker that does not stop within the grace time.
    """
    if os.getpid() == parent:  # the server runs its worker in-process: nothing can outlive it
        return
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        except (OSError, AttributeError):
            pass
    threading.Thread(target=_watch_parent, args=(parent,), name="tts-sim-parent-watch", daemon=True).start()


def _watch_parent(parent: int) -> None:
    pause = threading.Event()
    while os.getppid() == parent:
        pause.wait(0.25)
    os.kill(os.getpid(), signal.SIGTERM)  # graceful: the server's shutdown journals what it drops
    pause.wait(PARENT_GONE_GRACE)
    os._exit(1)
