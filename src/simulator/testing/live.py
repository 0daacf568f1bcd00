"""A live HTTP server for tests: the Flask app on 127.0.0.1 in a daemon thread (werkzeug, threaded)."""

from __future__ import annotations

import socketserver
import threading
from types import TracebackType
from typing import Any, Self

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server


class _QuietHandler(WSGIRequestHandler):
    """No access log: test output stays readable (the journal records every request anyway)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Skip werkzeug's per-request log line."""


class ThreadedServer:
    """A socket server run by a daemon thread until :meth:`stop`; usable as a context manager."""

    def __init__(self, server: socketserver.BaseServer, name: str) -> None:
        self._server = server
        # A short poll interval: stop() returns in ~50 ms instead of the default half second.
        self._thread = threading.Thread(target=server.serve_forever, args=(0.05,), name=name, daemon=True)

    def start(self) -> Self:
        """Start serving in the background."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and join the thread."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class LiveServer(ThreadedServer):
    """Serve a WSGI app on ``127.0.0.1:<free port>`` until :meth:`stop`; usable as a context manager."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        server: BaseWSGIServer = make_server(host, port, app, threaded=True, request_handler=_QuietHandler)
        super().__init__(server, "tts-sim-live")
        self.host = host
        self.port = server.server_port

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321``."""
        return f"http://{self.host}:{self.port}"
