"""Connections and TLS contexts the client reuses instead of rebuilding, on a real loopback server."""

from __future__ import annotations

import asyncio
import ssl
import subprocess
import sys
import threading

import anyio
import certifi
import pytest
from aiohttp import web

from crawler.net import build_client, exchange
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


def test_the_pool_verifies_https_with_the_shared_context_never_aiohttps_default():
    """An https request's TLS context is tls.ssl_context's (SSL_CERT_FILE's bundle), not aiohttp's import-time one."""
    import aiohttp.connector
    from yarl import URL

    class _Req:
        ssl = True
        url = URL("https://example.org/")

        def is_ssl(self) -> bool:
            return True

    async def chosen(settings: Settings) -> ssl.SSLContext:
        async with build_client(settings) as client:
            return client.direct.session().connector._get_ssl_context(_Req())  # type: ignore[union-attr]

    for settings in (Settings(), Settings(ssl_cert_file=certifi.where())):
        context = anyio.run(chosen, settings)
        assert context is _ssl_context(settings)
        assert context is not aiohttp.connector._SSL_CONTEXT_VERIFIED
        assert context.cert_store_stats()["x509_ca"] > 0


def test_aiohttp_is_imported_without_loading_the_ca_store_and_ssl_is_left_as_it_was():
    """crawler.aio spares aiohttp's two import-time CA loads, and ssl's default context loads CAs afterwards."""
    code = (
        "import ssl, crawler.aio, aiohttp.connector as c; "
        "print(c._SSL_CONTEXT_VERIFIED.cert_store_stats()['x509_ca'], "
        "'set_default_verify_paths' in ssl.SSLContext.__dict__, "
        "ssl.create_default_context().cert_store_stats()['x509_ca'] > 0 or not ssl.get_default_verify_paths().cafile)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["0", "False", "True"]


def test_contexts_other_threads_build_while_crawler_aio_imports_aiohttp_keep_their_ca_store():
    """The import's no-op CA load is the importing thread's only: a server or client thread's context keeps its CAs."""
    code = """
import ssl, threading
started, stop, empty, built = threading.Event(), threading.Event(), [], []

def build():
    started.set()
    while not stop.is_set():
        ctx = ssl.create_default_context()
        built.append(1)
        if ctx.cert_store_stats()['x509_ca'] == 0:
            empty.append(1)

worker = threading.Thread(target=build)
worker.start()
started.wait()
import crawler.aio, aiohttp.connector as c
stop.set()
worker.join()
print(c._SSL_CONTEXT_VERIFIED.cert_store_stats()['x509_ca'], len(built) > 0, len(empty))
"""
    if not ssl.get_default_verify_paths().cafile:
        pytest.skip("no system CA file: a default context trusts no CA anyway")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["0", "True", "0"]
