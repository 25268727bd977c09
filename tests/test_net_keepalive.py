"""Connections and TLS contexts the client reuses instead of rebuilding, on a real loopback server."""

from __future__ import annotations

import asyncio
import ssl
import threading

import anyio
import certifi
import pytest
from aiohttp import web

from crawler.net import build_client, exchange
from crawler.tls import connector_ssl as _connector_ssl
from crawler.tls import ssl_context as _ssl_context
from crawler.settings import Settings


class PeerRecorder:
    """An aiohttp server on 127.0.0.1 that answers HEAD without Content-Length (like many 301s and
    405s in the wild) and records the client port of every request, so reuse is visible."""

    def __init__(self) -> None:
        self.ports: list[int] = []
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.runner: web.ServerRunner | None = None
        self.port = 0

    async def handle(self, request: web.BaseRequest) -> web.StreamResponse:
        self.ports.append(request.transport.get_extra_info("peername")[1])  # type: ignore[union-attr]
        if request.path == "/close":
            return web.Response(status=301, headers={"Location": "/ok", "Connection": "close"})
        if request.path == "/moved":
            return web.Response(status=301, headers={"Location": "/ok"})  # no Content-Length to HEAD
        return web.Response(status=405, headers={"Allow": "GET"})

    async def start_server(self) -> None:
        self.runner = web.ServerRunner(web.Server(self.handle), access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    def __enter__(self) -> PeerRecorder:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.start_server(), self.loop).result(timeout=10)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.runner is not None
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


def _heads(port: int, paths: list[str]) -> list[int]:
    async def main() -> list[int]:
        async with build_client(Settings(), concurrency=4, timeout=5) as client:
            return [(await exchange(client, "HEAD", f"http://127.0.0.1:{port}{p}")).status for p in paths]

    return anyio.run(main)


def test_a_head_answer_without_content_length_leaves_the_connection_reusable():
    """Three HEADs answered 301/405 without Content-Length travel on one connection, not three."""
    with PeerRecorder() as server:
        assert _heads(server.port, ["/moved", "/nohead", "/moved"]) == [301, 405, 301]
    assert len(server.ports) == 3 and len(set(server.ports)) == 1


def test_a_head_answer_with_connection_close_still_closes_it():
    """The server's ``Connection: close`` wins: the next request opens a new connection."""
    with PeerRecorder() as server:
        assert _heads(server.port, ["/close", "/moved"]) == [301, 301]
    assert len(server.ports) == 2 and server.ports[0] != server.ports[1]


def test_one_tls_context_per_ca_file_is_shared_by_every_client():
    """The CA bundle is loaded once per process and file, not once per client or transport."""
    settings = Settings(ssl_cert_file=certifi.where())
    assert _ssl_context(settings) is _ssl_context(Settings(ssl_cert_file=certifi.where()))
    assert _ssl_context(Settings()) is _ssl_context(Settings())


def test_openssl_default_ca_file_reuses_aiohttp_default_context(monkeypatch):
    """When SSL_CERT_FILE names the file OpenSSL loads anyway, the pool uses aiohttp's own context."""
    default = ssl.get_default_verify_paths().openssl_cafile
    if default is None:
        pytest.skip("no default CA file on this machine")
    assert _connector_ssl(Settings(ssl_cert_file=default)) is True
    assert isinstance(_connector_ssl(Settings()), ssl.SSLContext)
