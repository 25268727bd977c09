"""A loopback server that answers plain HTTP and HTTPS on the same port, for ``fix``'s https check.

``http://127.0.0.1:P/x`` and its https form ``https://127.0.0.1:P/x`` must reach one server, as
they reach one site in the real world. The first byte of a connection tells them apart: a TLS
ClientHello starts with 0x16 (RFC 8446, section 5.1: ContentType handshake(22)), an HTTP request
with a method's letter. The certificate is ``tests/data/tls/server.pem``, signed by ``ca.pem``
(point ``SSL_CERT_FILE`` at it).

``routes`` maps ``(scheme, path)`` to a status; anything else is 404.
"""

from __future__ import annotations

import socket
import ssl
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

TLS = Path(__file__).resolve().parent.parent / "data" / "tls"
CA_FILE = TLS / "ca.pem"


class _Handler(BaseHTTPRequestHandler):
    server: DualSchemeServer
    scheme = "http"

    def setup(self) -> None:
        try:
            first = self.request.recv(1, socket.MSG_PEEK)
            if first == b"\x16":
                self.request = self.server.tls.wrap_socket(self.request, server_side=True)
                self.scheme = "https"
        except (OSError, ssl.SSLError):
            self.request.close()
            raise
        super().setup()

    def _answer(self, body: bool) -> None:
        self.server.hits[f"{self.command} {self.scheme}:{self.path}"] += 1
        status = self.server.routes.get((self.scheme, self.path), 404)
        payload = b"<!doctype html><title>page</title><p>content</p>" if status == 200 else b"not found"
        self.send_response(status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Connection", "close")
        self.end_headers()
        if body:
            self.wfile.write(payload)

    def do_GET(self) -> None:
        self._answer(True)

    def do_HEAD(self) -> None:
        self._answer(False)

    def log_message(self, format: str, *args: object) -> None:
        return None


class DualSchemeServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, routes: dict[tuple[str, str], int]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.routes = routes
        self.hits: Counter[str] = Counter()
        self.tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.tls.load_cert_chain(TLS / "server.pem", TLS / "server.key")
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def handle_error(self, request: object, client_address: object) -> None:
        return None  # a client that drops a handshake is not a test failure

    @property
    def port(self) -> int:
        return self.server_address[1]

    def url(self, scheme: str, path: str) -> str:
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> DualSchemeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=10)
