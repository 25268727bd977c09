"""Real loopback servers that misbehave the way real hosts do (issue 9), for end-to-end tests.

Each behaviour is taken from public bug reports of other link checkers:

- :class:`TokenBucket`: about *rate* requests a second with bursts of *burst*, 429 with
  ``Retry-After`` above that (GitHub, Cloudflare, Hugging Face all answer so).
- :func:`silent`: accepts the connection, reads the request, never answers.
- :class:`EscapedOnly`: 301s any spelling of a path but one percent-escaped form back to that
  form (sites whose paths contain ``%2A``, ``%3A``: decoding them is a different URL).
- :class:`RawRedirect`: a ``Location`` header with bytes that are not UTF-8 (Latin-1).
- :class:`CookieBounce`: host A sets a cookie and sends the browser through host B and back;
  without A's cookie, A bounces again (a loop that only exists when cookies are dropped).
- :class:`SoftNotFound`: a redirect to ``/404.html``, which answers 200.
- :func:`proxy_hangup` / :func:`proxy_502`: an HTTP proxy that closes every CONNECT without an
  answer, or answers ``502 Bad Gateway``.

Servers run on one event loop in a background thread (``Servers``), so the code under test can
run ``anyio.run`` or the whole CLI in the test's thread. Times come from *clock* (tests pass the
checker's virtual clock, so "5 s later" costs nothing). ``python tests/misbehaving_servers.py
token-bucket|silent|escaped PORT`` serves one behaviour on 127.0.0.1 for trying it by hand.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from urllib.parse import unquote

from aiohttp import web

Clock = Callable[[], float]
RawHandler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class Servers:
    """Any number of servers (aiohttp handlers or raw socket handlers) on one background loop."""

    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runners: list[web.ServerRunner] = []
        self._raw: list[asyncio.base_events.Server] = []
        self._thread.start()

    def _run(self, coro: Awaitable[int]) -> int:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=10)  # type: ignore[arg-type]

    def app(self, handler: Callable[[web.BaseRequest], Awaitable[web.StreamResponse]], host: str = "127.0.0.1") -> int:
        """Serve *handler* on *host*; the port."""

        async def start() -> int:
            async def counted(request: web.BaseRequest) -> web.StreamResponse:
                self.hits[host] += 1
                return await handler(request)

            runner = web.ServerRunner(web.Server(counted), access_log=None, shutdown_timeout=0.2)
            await runner.setup()
            await web.TCPSite(runner, host, 0).start()
            self._runners.append(runner)
            return runner.addresses[0][1]

        return self._run(start())

    def raw(self, handler: RawHandler, host: str = "127.0.0.1") -> int:
        """Serve a raw connection handler on *host*; the port."""

        async def start() -> int:
            async def counted(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
                self.hits[host] += 1
                try:
                    await handler(reader, writer)
                except (ConnectionError, asyncio.IncompleteReadError):
                    pass
                finally:
                    writer.close()

            server = await asyncio.start_server(counted, host, 0)
            self._raw.append(server)
            return server.sockets[0].getsockname()[1]

        return self._run(start())

    def stop(self) -> None:
        async def stop() -> int:
            for runner in self._runners:
                await runner.cleanup()
            for server in self._raw:
                server.close()
            others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in others:
                task.cancel()
            await asyncio.gather(*others, return_exceptions=True)
            return 0

        self._run(stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()


async def read_request(reader: asyncio.StreamReader) -> tuple[str, bytes]:
    """The request line's method and raw target, the headers read and dropped."""
    head = await reader.readuntil(b"\r\n\r\n")
    method, target, _ = head.split(b"\r\n", 1)[0].split(b" ", 2)
    return method.decode(), target


# --------------------------------------------------------------------------- behaviours


class TokenBucket:
    """About *rate* requests a second, bursts of *burst*; 429 with ``Retry-After`` above that."""

    def __init__(self, *, rate: float = 1.0, burst: int = 5, retry_after: int = 5, clock: Clock = time.monotonic):
        self.rate = rate
        self.burst = burst
        self.retry_after = retry_after
        self.clock = clock
        self.tokens = float(burst)
        self.last: float | None = None
        self.answers: Counter[int] = Counter()

    async def __call__(self, request: web.BaseRequest) -> web.StreamResponse:
        now = self.clock()
        if self.last is not None:
            self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens < 1:
            self.answers[429] += 1
            return web.Response(status=429, headers={"Retry-After": str(self.retry_after)}, text="slow down")
        self.tokens -= 1
        self.answers[200] += 1
        return web.Response(text="<!doctype html><title>ok</title>", content_type="text/html")


async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Read the request, then never answer (until the client gives up)."""
    await read_request(reader)
    await reader.read()  # returns when the client closes the connection


class EscapedOnly:
    """200 for the one spelling *canonical* (raw, percent-escapes and all); 301 from any other
    spelling of the same path back to it; 404 elsewhere."""

    def __init__(self, canonical: str) -> None:
        self.canonical = canonical
        self.targets: list[str] = []

    async def __call__(self, request: web.BaseRequest) -> web.StreamResponse:
        raw = request.raw_path
        self.targets.append(raw)
        if raw == self.canonical:
            return web.Response(text="Gal*Gun: Double Peace")
        if unquote(raw.replace("+", " ")) == unquote(self.canonical.replace("+", " ")):
            return web.Response(status=301, headers={"Location": self.canonical})
        return web.Response(status=404)


class RawRedirect:
    """``/start`` redirects with *location* as raw bytes; *target* (a raw request target) is 200."""

    def __init__(self, location: bytes, target: bytes) -> None:
        self.location = location
        self.target = target
        self.targets: list[bytes] = []

    async def __call__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            _, target = await read_request(reader)
            self.targets.append(target)
            if target == b"/start":
                writer.write(b"HTTP/1.1 302 Found\r\nLocation: " + self.location + b"\r\nContent-Length: 0\r\n\r\n")
            elif target == self.target:
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            else:
                writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()


class CookieBounce:
    """On A: ``/start`` with the ``session`` cookie is 200; without it, set the cookie and go to B.
    On B: ``/bounce`` goes back to A's ``/start``."""

    def __init__(self) -> None:
        self.a = ""  # base URLs, set once both ports are known
        self.b = ""

    async def on_a(self, request: web.BaseRequest) -> web.StreamResponse:
        if request.cookies.get("session") == "yes":
            return web.Response(text="welcome back")
        return web.Response(status=302, headers={"Location": f"{self.b}/bounce", "Set-Cookie": "session=yes; Path=/"})

    async def on_b(self, request: web.BaseRequest) -> web.StreamResponse:
        return web.Response(status=302, headers={"Location": f"{self.a}/start"})


async def soft_not_found(request: web.BaseRequest) -> web.StreamResponse:
    """``/old`` and ``/gone-doc`` redirect to the site's error page, which answers 200."""
    if request.path in ("/old", "/gone-doc"):
        return web.Response(status=302, headers={"Location": "/404.html"})
    if request.path == "/moved-doc":
        return web.Response(status=302, headers={"Location": "/guide/error-handling.html"})
    return web.Response(text="<title>Page not found</title>", content_type="text/html")


async def wall_999(request: web.BaseRequest) -> web.StreamResponse:
    """LinkedIn's answer to bots: status 999."""
    return web.Response(status=999, reason="Request Denied", text="")


async def ok(request: web.BaseRequest) -> web.StreamResponse:
    return web.Response(text="ok")


async def proxy_hangup(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """A proxy that reads the CONNECT and closes the connection without a word."""
    await read_request(reader)


async def proxy_502(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """A proxy that answers every CONNECT with 502 Bad Gateway."""
    await read_request(reader)
    writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    await writer.drain()


async def forward_proxy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """A working HTTP proxy: CONNECT tunnels, and absolute-form plain-http requests forwarded
    (one request per connection; ``Connection: close`` is asked of the origin)."""
    head = await reader.readuntil(b"\r\n\r\n")
    line, _, rest = head.partition(b"\r\n")
    method, target, version = line.split(b" ", 2)
    if method == b"CONNECT":
        host, _, port = target.decode().rpartition(":")
        up_reader, up_writer = await asyncio.open_connection(host, int(port))
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
    else:
        parts = target.decode().split("/", 3)  # http:, '', host:port, path
        host, _, port = parts[2].rpartition(":") if ":" in parts[2] else (parts[2], "", "80")
        up_reader, up_writer = await asyncio.open_connection(host, int(port))
        headers = b"".join(h + b"\r\n" for h in rest.split(b"\r\n") if h and not h.lower().startswith(b"connection"))
        up_writer.write(method + b" /" + (parts[3] if len(parts) > 3 else "").encode() + b" " + version + b"\r\n")
        up_writer.write(headers + b"Connection: close\r\n\r\n")

    async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
        try:
            while chunk := await src.read(65536):
                dst.write(chunk)
                await dst.drain()
        except ConnectionError:
            pass
        finally:
            dst.close()

    await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


def main(argv: list[str]) -> None:  # pragma: no cover - for trying a behaviour by hand
    kind, port = argv[0], int(argv[1])
    seen: Counter[str] = Counter()

    async def serve() -> None:
        if kind == "silent":

            async def counted(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
                seen["requests"] += 1
                print(f"silent: {seen['requests']} requests", file=sys.stderr, flush=True)
                try:
                    await silent(reader, writer)
                finally:
                    writer.close()

            await asyncio.start_server(counted, "127.0.0.1", port)
        else:
            inner = (
                TokenBucket() if kind == "token-bucket" else EscapedOnly("/ratings/34456/Gal%2AGun%3A+Double+Peace/")
            )

            async def handler(request: web.BaseRequest) -> web.StreamResponse:
                response = await inner(request)
                seen[str(response.status)] += 1
                print(
                    f"{request.method} {request.raw_path} -> {response.status} {dict(seen)}",
                    file=sys.stderr,
                    flush=True,
                )
                return response

            runner = web.ServerRunner(web.Server(handler), access_log=None)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", port).start()
        print(f"{kind} on http://127.0.0.1:{port}/", flush=True)
        await asyncio.Event().wait()

    asyncio.run(serve())


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
