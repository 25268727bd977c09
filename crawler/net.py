"""The one place an HTTP client is built, and the one function that sends a checker request.

Transport, chosen by measurement on the loopback link farm (``benchmarks/``, 128 requests in
flight): httpx's own transport spent ~2.3 ms of CPU per request, httpx over an aiohttp pool
(``httpx-aiohttp``) ~0.4 ms, ~0.25 ms once the client keeps no cookie jar and the request is
built without ``build_request``, and aiohttp alone ~0.17 ms. So :func:`build_client` returns
an ``httpx.AsyncClient`` over an aiohttp connection pool (what GitHub / Hugging Face code and
tests use), and :func:`exchange`, the checker's one request primitive, talks to that same pool
directly when it can: same sockets, same limits, same timeouts, same exceptions (``failures.py``).
With any other transport (``httpx.MockTransport`` in tests) or when a proxy is configured it
goes through ``client.send``.

Parts this module assembles, and is still the only one to build: the pool's classes
(``transport.py``: exception mapping, HEAD keep-alive), the TLS contexts (``tls.py``:
``SSL_CERT_FILE`` or certifi's bundle) and the proxy mounts and transport (``proxy.py``:
``HTTPS_PROXY``/``HTTP_PROXY``/``NO_PROXY``), all from :class:`Settings`, never ``os.environ``.

Three things a checker must trust (issue 9):

- **Vetted addresses** (DNS rebinding). The aiohttp connector resolves names through
  :class:`VettedResolver`: a name the address guard has vetted connects only to the addresses the
  guard saw (``client.pins``), so a name that answered a public address to the guard and a
  private one a moment later cannot reach the private one.
- **Raw Location bytes.** A ``Location`` header is kept byte for byte (decoded as UTF-8 with
  ``surrogateescape``), so a Latin-1 target can be percent-encoded byte for byte, not guessed.
- **A network witness.** Every client records whether *any* HTTP answer came back on it this run
  (checker requests and API sources alike, :func:`witness`): the network-down rule asks it. A
  proxy's own error answer counts as no answer (``proxy.PROXY_ERRORS``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import anyio
import httpx
import yarl

from crawler.aio import aiohttp
from crawler.errors import UsageError
from crawler.failures import failure_words, from_aiohttp
from crawler.guard import AddressGuard, HostVerdict, Resolver, non_public_reason
from crawler.netstate import NetworkWitness, VettedResolver, pins, witness
from crawler.proxy import PROXY_ERRORS, ProxyTransport, proxy_error, proxy_mounts
from crawler.settings import Settings
from crawler.tls import ssl_context
from crawler.transport import AiohttpTransport, HeadKeepAliveResponse

__all__ = [
    "AddressGuard",
    "Exchange",
    "HostVerdict",
    "NetworkWitness",
    "PROXY_ERRORS",
    "Resolver",
    "VettedResolver",
    "build_client",
    "exchange",
    "non_public_reason",
    "pins",
    "proxy_mounts",
    "witness",
]

ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
# Some servers send headers (CSP, Set-Cookie, Link) far longer than aiohttp's 8 KiB default.
_MAX_HEADER_LINE = 64 * 1024
_CONNECT_TIMEOUT_CAP = 10.0

BodyWanted = Callable[[int, Mapping[str, str]], bool]


@dataclass
class Exchange:
    """What the checker keeps of one request: status, headers, and at most a capped body."""

    status: int
    headers: dict[str, str]  # lower-case names; a repeated header keeps its last value
    set_cookies: list[str] = field(default_factory=list)
    body: bytes | None = None
    proxy_error: bool = False  # a PROXY_ERRORS status on a proxied request: maybe not the host's


# --------------------------------------------------------------------------- client


class _NoCookies(httpx.Cookies):
    """A jar that keeps nothing: a link checker must not carry one site's cookies to the next
    request, and extracting them costs ~15% of the client's CPU per request."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None

    def set_cookie_header(self, request: httpx.Request) -> None:
        return None


_NO_COOKIES = _NoCookies()


class _Client(httpx.AsyncClient):
    """An ``AsyncClient`` without a cookie jar that may know its aiohttp pool (``direct``), and
    witnesses every answer (API sources send through here too)."""

    direct: AiohttpTransport | None = None
    direct_state: _DirectState | None = None
    witness: NetworkWitness
    pins: dict[str, tuple[str, ...]]
    resolver: VettedResolver

    async def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:  # type: ignore[override]
        try:
            response = await super().send(request, **kwargs)
        except httpx.TransportError as exc:
            self.witness.note_failure(request.url.host, failure_words(exc))
            raise
        if proxy_error(response):
            self.witness.note_failure(request.url.host, f"the proxy answered HTTP {response.status_code}")
        else:
            self.witness.answers += 1
        return response

    @property  # type: ignore[override]
    def cookies(self) -> httpx.Cookies:
        return _NO_COOKIES

    @cookies.setter
    def cookies(self, value: object) -> None:
        return None


class _Connector(aiohttp.TCPConnector):
    """aiohttp's pool, its verifying TLS context built on the first https request, not before.

    The context is :func:`crawler.tls.ssl_context`'s (the one the proxy transports share), exactly
    as if given to the constructor, never aiohttp's import-time default (``crawler/aio.py``); a list
    of http:// links (or the loopback API fakes) never loads a CA bundle (~20 ms).
    """

    def __init__(self, *, tls: Callable[[], Any], seen: NetworkWitness, **kwargs: Any) -> None:
        super().__init__(ssl=True, **kwargs)
        self._tls: Callable[[], Any] | None = tls
        self._seen = seen

    async def connect(self, req: Any, traces: Any, timeout: Any) -> Any:
        connection = await super().connect(req, traces, timeout)
        self._seen.connection_handed_out()
        return connection

    def _get_ssl_context(self, req: Any) -> Any:
        if self._tls is not None and req.is_ssl():
            self._ssl = self._tls()  # raises OSError (an unreadable SSL_CERT_FILE) as the constructor would
            self._tls = None
        return super()._get_ssl_context(req)


def _aiohttp_transport(
    settings: Settings, concurrency: int, keepalive: float, resolver: VettedResolver, seen: NetworkWitness
) -> AiohttpTransport:
    def session() -> aiohttp.ClientSession:  # opened on the first request, in the running loop
        connector = _Connector(
            resolver=resolver,
            tls=lambda: ssl_context(settings),
            seen=seen,
            limit=concurrency,
            limit_per_host=0,  # per-host limits are hosts.py's job
            ttl_dns_cache=300,
            keepalive_timeout=keepalive,
        )
        return aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            response_class=HeadKeepAliveResponse,
            max_line_size=_MAX_HEADER_LINE,
            max_field_size=_MAX_HEADER_LINE,
            max_headers=256,
            trust_env=False,
        )

    return AiohttpTransport(session)


def build_client(
    settings: Settings,
    *,
    concurrency: int = 64,
    timeout: float = 20.0,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """The run's one shared client: pooled, descriptive User-Agent, proxies and CA from *settings*.

    Redirects are not followed: the checker takes each hop itself, to tell permanent from
    temporary moves and to re-check the target's address. *transport* replaces the network
    (tests pass ``httpx.MockTransport``); proxies are then not mounted. Raises ``UsageError``
    when ``SSL_CERT_FILE`` names a file that cannot be read (the bundle itself is loaded on the
    first https request; a missing one must not surface later as "the network looks down").
    """
    cafile = settings.ssl_cert_file
    if cafile and not (os.path.isfile(cafile) and os.access(cafile, os.R_OK)):
        raise UsageError(f"SSL_CERT_FILE={cafile}: cannot read that CA bundle (no such readable file).")
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency, keepalive_expiry=5.0)
    timeouts = httpx.Timeout(timeout, connect=min(timeout, _CONNECT_TIMEOUT_CAP))
    headers = {"User-Agent": settings.user_agent, "Accept": ACCEPT}
    mounts: dict[str, httpx.AsyncBaseTransport | None] = {}
    direct: AiohttpTransport | None = None
    pinned: dict[str, tuple[str, ...]] = {}
    resolver = VettedResolver(pinned)
    seen = NetworkWitness()
    if transport is None:
        transport = direct = _aiohttp_transport(settings, concurrency, limits.keepalive_expiry or 5.0, resolver, seen)
        proxies = proxy_mounts(settings)
        ctx = ssl_context(settings) if any(proxies.values()) else None
        for pattern, proxy in proxies.items():
            mounts[pattern] = (
                None
                if proxy is None
                else ProxyTransport(verify=ctx or True, trust_env=False, limits=limits, proxy=proxy)
            )
    client = _Client(
        headers=headers,
        timeout=timeouts,
        limits=limits,
        follow_redirects=False,
        trust_env=False,
        transport=transport,
        mounts=mounts or None,
    )
    client.direct = direct if not mounts else None  # with proxies, every request goes through httpx
    client.witness = seen
    client.pins = pinned
    client.resolver = resolver  # tests replace its fallback (the DNS of names the guard did not vet)
    return client


# --------------------------------------------------------------------------- exchange


async def exchange(
    client: httpx.AsyncClient,
    method: str,
    url: yarl.URL | httpx.URL | str,
    *,
    headers: Mapping[str, str] | None = None,
    want_body: BodyWanted | None = None,
    body_cap: int = 64 * 1024,
    deadline: float | None = None,
) -> Exchange:
    """Send one request (no redirect following) and return status, headers and, when
    ``want_body(status, headers)`` says so, at most *body_cap* raw bytes of the body.

    The client's timeouts bound connecting and each read; *deadline* (seconds) bounds the whole
    exchange, against servers that drip bytes forever, and raises ``TimeoutError``. Raises
    ``httpx.TransportError`` subclasses (see ``failures.py``) when no answer came back. A body
    that breaks off or stalls does not fail the exchange once the status is in: what arrived is kept.
    """
    direct = client.direct if isinstance(client, _Client) else None
    seen = witness(client)  # every answer, and every request that got none, is evidence
    try:
        if direct is not None:
            result = await _direct(client, direct, method, url, headers, want_body, body_cap, deadline)
        else:
            with anyio.fail_after(deadline):
                result = await _via_httpx(client, method, url, headers, want_body, body_cap)
    except (httpx.TransportError, TimeoutError) as exc:
        seen.note_failure(_host_of(url), failure_words(exc))
        raise
    if result.proxy_error:
        seen.note_failure(_host_of(url), f"the proxy answered HTTP {result.status}")
    else:
        seen.answers += 1
    return result


def _host_of(url: yarl.URL | httpx.URL | str) -> str:
    return str(url.host) if isinstance(url, yarl.URL | httpx.URL) else str(url)


async def _via_httpx(
    client: httpx.AsyncClient,
    method: str,
    url: yarl.URL | httpx.URL | str,
    headers: Mapping[str, str] | None,
    want_body: BodyWanted | None,
    body_cap: int,
) -> Exchange:
    request = client.build_request(method, str(url) if isinstance(url, yarl.URL) else url, headers=headers)
    response = await client.send(request, stream=True)
    try:
        items = response.headers.multi_items()
        fields = dict(items)
        if "location" in fields:
            raw = [v for k, v in response.headers.raw if k.lower() == b"location"]
            fields["location"] = _raw_text(raw[-1])
        result = Exchange(response.status_code, fields, _set_cookies(items, fields), proxy_error=proxy_error(response))
        if want_body is not None and want_body(result.status, fields):
            result.body = await _read_httpx(response, body_cap)
        return result
    finally:
        await response.aclose()


def _raw_text(value: bytes) -> str:
    """Header bytes as text that turns back into the same bytes (``encode("utf-8", "surrogateescape")``)."""
    return value.decode("utf-8", "surrogateescape")


def _set_cookies(items: list[tuple[str, str]], fields: Mapping[str, str]) -> list[str]:
    return [v for k, v in items if k == "set-cookie"] if "set-cookie" in fields else []


async def _read_httpx(response: httpx.Response, cap: int) -> bytes:
    buf = bytearray()
    try:
        async for chunk in response.aiter_raw():  # raw: a gzip bomb stays *cap* bytes
            buf += chunk[: cap - len(buf)]
            if len(buf) >= cap:
                break
    except httpx.StreamConsumed:  # a transport that had read the body already (MockTransport)
        return response.content[:cap]
    except httpx.TransportError:
        pass
    return bytes(buf)


class _DirectState:
    """Per-client values the direct path derives once from the client's configuration."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in client.headers.raw}
        self._timeout = client.timeout
        self._timeouts: dict[float | None, aiohttp.ClientTimeout] = {}

    def timeout(self, deadline: float | None) -> aiohttp.ClientTimeout:
        found = self._timeouts.get(deadline)
        if found is None:
            t = self._timeout
            found = self._timeouts[deadline] = aiohttp.ClientTimeout(
                total=deadline, sock_connect=t.connect, sock_read=t.read, connect=t.pool
            )
        return found


async def _direct(
    client: _Client,
    transport: AiohttpTransport,
    method: str,
    url: yarl.URL | httpx.URL | str,
    headers: Mapping[str, str] | None,
    want_body: BodyWanted | None,
    body_cap: int,
    deadline: float | None,
) -> Exchange:
    state = client.direct_state
    if state is None:
        state = client.direct_state = _DirectState(client)
    merged = state.headers if not headers else {**state.headers, **headers}
    session = transport.session()
    try:
        response = await session.request(
            method,
            url if isinstance(url, yarl.URL) else yarl.URL(str(url), encoded=True),
            headers=merged,
            allow_redirects=False,
            auto_decompress=False,
            timeout=state.timeout(deadline),  # aiohttp's total timer also covers the body read
        )
    except aiohttp.ClientError as exc:
        raise from_aiohttp(exc) from exc
    try:
        raw = response.headers
        fields = {k.lower(): v for k, v in raw.items()}
        if "location" in fields:
            found = [v for k, v in response.raw_headers if k.lower() == b"location"]
            fields["location"] = _raw_text(found[-1]) if found else fields["location"]
        result = Exchange(response.status, fields, raw.getall("Set-Cookie", []) if "set-cookie" in fields else [])
        if want_body is not None and want_body(result.status, fields):
            result.body = await _read_aiohttp(response, body_cap)
        return result
    finally:
        response.release()


async def _read_aiohttp(response: aiohttp.ClientResponse, cap: int) -> bytes:
    buf = bytearray()
    try:
        while len(buf) < cap:
            chunk = await response.content.read(cap - len(buf))
            if not chunk:
                break
            buf += chunk
    except (TimeoutError, aiohttp.ClientError):
        pass
    return bytes(buf)
