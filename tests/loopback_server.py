"""A real HTTP server on 127.0.0.1 that answers like the real world, for end-to-end tests.

It runs its own event loop in a thread, so the code under test can run ``anyio.run`` (or the
whole CLI) in the test's thread. Paths:

    /ok                 200
    /missing            404
    /gone               410
    /moved              301 -> /ok
    /temporary          302 -> /ok
    /nohead             405 to HEAD, 200 to GET
    /antibot            403 from "cloudflare" with cf-mitigated: challenge
    /ratelimited/KEY    429 with Retry-After: 1 the first time (per KEY), then 200
    /flaky/KEY          503 the first two times (per KEY), then 200
    /slow               answers after 5 s
    /big                200 with a 4 MiB body streamed slowly, Content-Length unknown
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter

from aiohttp import web


class LoopbackServer:
    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def start(self) -> LoopbackServer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        return self

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    async def _stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        # Handlers still sleeping (the slow page) are cancelled, not left to warn at exit.
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)

    async def _start(self) -> None:
        server = web.Server(self._handle)
        self._runner = web.ServerRunner(server, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        path = request.path
        self.hits[f"{request.method} {path}"] += 1
        first, _, key = path.lstrip("/").partition("/")
        count = self.hits[f"GET {path}"] + self.hits[f"HEAD {path}"]
        if first == "ok":
            return web.Response(text="<!doctype html><title>ok</title>", content_type="text/html")
        if first == "missing":
            return web.Response(status=404, text="not found")
        if first == "gone":
            return web.Response(status=410, text="gone")
        if first == "moved":
            return web.Response(status=301, headers={"Location": "/ok"})
        if first == "temporary":
            return web.Response(status=302, headers={"Location": "/ok"})
        if first == "nohead":
            if request.method == "HEAD":
                return web.Response(status=405, headers={"Allow": "GET"})
            return web.Response(text="fine")
        if first == "antibot":
            headers = {"Server": "cloudflare", "cf-mitigated": "challenge"}
            return web.Response(status=403, headers=headers, text="<title>Just a moment...</title>")
        if first == "ratelimited":
            if count == 1:
                return web.Response(status=429, headers={"Retry-After": "1"})
            return web.Response(text="ok")
        if first == "flaky":
            return web.Response(status=503) if count <= 2 else web.Response(text="ok")
        if first == "slow":
            await asyncio.sleep(5)
            return web.Response(text="late")
        if first == "big":
            response = web.StreamResponse()
            await response.prepare(request)
            for _ in range(256):
                await response.write(b"x" * 16384)
                await asyncio.sleep(0.001)
            return response
        return web.Response(status=404, text="no such path")
