"""What every loopback fake shares: a threaded HTTP server that knows its fake and its role, started
and stopped as a group (the fakes differ only in their handlers and their worlds)."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeServer(ThreadingHTTPServer):
    """A server on *address* (port chosen by the OS) whose handler reads ``server.fake`` and ``server.kind``."""

    daemon_threads = True

    def __init__(self, handler: type[BaseHTTPRequestHandler], fake: Any, kind: str, address: str = "127.0.0.1") -> None:
        super().__init__((address, 0), handler)
        self.fake = fake
        self.kind = kind

    def start(self) -> FakeServer:
        """Serve in a daemon thread (polling for shutdown every 50 ms); returns the server."""
        threading.Thread(target=self.serve_forever, args=(0.05,), name=f"fake-{self.kind}", daemon=True).start()
        return self


def stop_all(servers: Iterable[FakeServer]) -> None:
    """Shut every server down and close its socket."""
    for server in servers:
        server.shutdown()
        server.server_close()
