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

Proxies: requests that go through ``HTTPS_PROXY``/``HTTP_PROXY`` use httpx's own transport (it
implements CONNECT tunnels and ``NO_PROXY`` the way users expect; a proxied run is bounded by
the proxy anyway); ``NO_PROXY`` hosts stay on the aiohttp pool. ``SSL_CERT_FILE`` replaces the
CA bundle (certifi's by default) on both. All three come from :class:`Settings`, never from
``os.environ`` directly.

Three things a checker must trust (issue 9):

- **Vetted addresses** (DNS rebinding). The aiohttp connector resolves names through
  :class:`VettedResolver`: a name the address guard has vetted connects only to the addresses the
  guard saw (``client.pins``), so a name that answered a public address to the guard and a
  private one a moment later cannot reach the private one.
- **Raw Location bytes.** A ``Location`` header is kept byte for byte (decoded as UTF-8 with
  ``surrogateescape``), so a Latin-1 target can be percent-encoded byte for byte, not guessed.
- **A network witness.** Every client records whether *any* HTTP answer came back on it this run
  (checker requests and API sources alike, :func:`witness`): the network-down rule asks it. A
  plain ``http://`` request through a proxy that cannot reach the host gets the *proxy's* answer
  (RFC 9110 15.6.3/15.6.5: 502/504 "while acting as a gateway or proxy"; squid's 503 for DNS and
  connect failures; 407, its own login): that counts as no answer (``PROXY_ERRORS``).
"""

from __future__ import annotations

import functools
import ipaddress
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import anyio
import httpx
import yarl
from httpx_aiohttp import AiohttpTransport

from crawler.failures import from_aiohttp
from crawler.guard import AddressGuard, HostVerdict, Resolver, non_public_reason
from crawler.netstate import NetworkWitness, VettedResolver, pins, witness
from crawler.settings import Settings

__all__ = [
    "AddressGuard",
    "Exchange",
    "HostVerdict",
    "NetworkWitness",
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
# What a forward proxy answers itself when it cannot reach the host or wants its own login.
PROXY_ERRORS = frozenset({407, 502, 503, 504})
_VIA_PROXY = "crawler_via_proxy"  # response extension set by _ProxyTransport

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


class _AiohttpTransport(AiohttpTransport):
    """``AiohttpTransport`` with exact exception mapping, and its session open to :func:`exchange`."""

    def session(self) -> aiohttp.ClientSession:
        if not isinstance(self.client, aiohttp.ClientSession):
            self.client = self.get_client()
        return self.client

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await super().handle_async_request(request)
        except httpx.TransportError as exc:
            cause = exc.__cause__
            if isinstance(cause, aiohttp.ClientError):
                raise from_aiohttp(cause, request) from cause
            raise
        except aiohttp.ClientError as exc:
            raise from_aiohttp(exc, request) from exc


class _ProxyTransport(httpx.AsyncHTTPTransport):
    """httpx's transport through a proxy; marks answers to plain-http requests (``_VIA_PROXY``),
    which the proxy itself may have written (through a CONNECT tunnel only the host speaks)."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        if request.url.scheme == "http":
            response.extensions = {**response.extensions, _VIA_PROXY: True}
        return response


def _proxy_error(response: httpx.Response) -> bool:
    return response.status_code in PROXY_ERRORS and bool(response.extensions.get(_VIA_PROXY))


class _Client(httpx.AsyncClient):
    """An ``AsyncClient`` without a cookie jar that may know its aiohttp pool (``direct``), and
    witnesses every answer (API sources send through here too)."""

    direct: _AiohttpTransport | None = None
    direct_state: _DirectState | None = None
    witness: NetworkWitness
    pins: dict[str, tuple[str, ...]]
    resolver: VettedResolver

    async def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:  # type: ignore[override]
        try:
            response = await super().send(request, **kwargs)
        except httpx.TransportError as exc:
            self.witness.note_failure(request.url.host, str(exc) or type(exc).__name__)
            raise
        if _proxy_error(response):
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


# --------------------------------------------------------------------------- TLS (built once)


def _ssl_context(settings: Settings) -> ssl.SSLContext:
    """The verifying TLS context for *settings*: ``SSL_CERT_FILE``'s bundle, else certifi's.

    Built once per CA file and process, then shared by every client and proxy transport:
    loading a bundle costs ~20 ms of CPU. Raises ``OSError`` when the file cannot be loaded.
    """
    return _context_for(settings.ssl_cert_file)


@functools.cache
def _context_for(cafile: str | None) -> ssl.SSLContext:
    if cafile:
        return ssl.create_default_context(cafile=cafile)
    return httpx.create_ssl_context(trust_env=False)  # certifi's bundle, as httpx does by default


def _connector_ssl(settings: Settings) -> ssl.SSLContext | bool:
    """What the aiohttp pool verifies with: ``True`` (aiohttp's default context, built when aiohttp
    is imported, ``aiohttp/connector.py`` ``_SSL_CONTEXT_VERIFIED``) when ``SSL_CERT_FILE`` names
    OpenSSL's compiled-in CA file, which that context loads anyway (a third copy of the same bundle
    would cost another ~20 ms of start-up). Otherwise the shared context of :func:`_ssl_context`.

    The comparison is with ``openssl_cafile``, not ``cafile``: the latter *is* ``SSL_CERT_FILE``
    when that variable is set, and aiohttp's context reflects the environment as it was at import
    time, so it would silently replace the user's bundle (a corporate CA) with another.
    """
    cafile = settings.ssl_cert_file
    if cafile and cafile == ssl.get_default_verify_paths().openssl_cafile:
        return True
    return _ssl_context(settings)


def _aiohttp_transport(
    settings: Settings, concurrency: int, keepalive: float, resolver: VettedResolver
) -> _AiohttpTransport:
    def session() -> aiohttp.ClientSession:  # opened on the first request, in the running loop
        connector = aiohttp.TCPConnector(
            resolver=resolver,
            ssl=_connector_ssl(settings),
            limit=concurrency,
            limit_per_host=0,  # per-host limits are hosts.py's job
            ttl_dns_cache=300,
            keepalive_timeout=keepalive,
        )
        return aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            response_class=_Response,
            max_line_size=_MAX_HEADER_LINE,
            max_field_size=_MAX_HEADER_LINE,
            max_headers=256,
            trust_env=False,
        )

    # verify=False only spares loading a CA bundle the transport would not use: TLS settings
    # come from the session factory above, which replaces the transport's default session.
    return _AiohttpTransport(verify=False, trust_env=False, client=session)


# --------------------------------------------------------------------------- HEAD keep-alive


class _Response(aiohttp.ClientResponse):
    """aiohttp's response, except that the connection of a HEAD answer goes back to the pool.

    A HEAD answer ends at its headers (RFC 9110 section 9.3.2, RFC 9112 section 6.3), whatever
    its Content-Length says. aiohttp's C parser computes ``should_close = not
    llhttp_should_keep_alive(...)`` in ``_on_headers_complete`` (``aiohttp/_http_parser.pyx``)
    before llhttp learns that the answer has no body (``cb_on_headers_complete`` returns 1 only
    afterwards), so an answer with neither Content-Length nor chunked encoding (many 301s and
    405s to HEAD) reads as "the body runs until the connection closes", and ``start()`` releases
    the connection as one to close (its empty payload's end-of-file fires at once). Measured on
    the link farm (5,000 URLs): 378 connections opened before, 236 with this class.

    So the release of a HEAD answer waits until ``start()`` has read the status line and
    headers, and the connection is kept when the server did not ask otherwise
    (``Connection: close``, HTTP/1.0 without ``keep-alive``); a connection already lost or
    failed, or with unread bytes, is still closed by aiohttp's other ``should_close`` checks.
    """

    _head_eof_pending = False

    def _response_eof(self) -> None:
        if self.method == "HEAD" and self.version is None:  # called from start(), headers not parsed yet
            self._head_eof_pending = True
            return
        super()._response_eof()

    async def start(self, connection: aiohttp.connector.Connection) -> _Response:
        try:
            await super().start(connection)
        finally:
            if self._head_eof_pending:
                self._head_eof_pending = False
                if self.version is not None:
                    _keep_alive_after_head(self)
                super()._response_eof()
        return self


def _keep_alive_after_head(response: aiohttp.ClientResponse) -> None:
    connection = response.connection
    protocol = connection.protocol if connection is not None else None
    if protocol is None or not protocol.is_connected() or not hasattr(protocol, "_should_close"):
        return
    tokens = {t.strip().lower() for t in response.headers.get("Connection", "").split(",")}
    if "close" in tokens or (response.version is not None and response.version < aiohttp.HttpVersion11
                             and "keep-alive" not in tokens):  # fmt: skip
        return
    protocol._should_close = False  # the one flag set wrongly; the others keep their say in should_close


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def proxy_mounts(settings: Settings) -> dict[str, str | None]:
    """URL pattern -> proxy URL (None: go direct), derived as httpx derives it from the
    environment, but from *settings*. Empty when no proxy is configured or ``NO_PROXY=*``."""
    mounts: dict[str, str | None] = {}
    for scheme, proxy in (("http", settings.http_proxy), ("https", settings.https_proxy)):
        if proxy:
            mounts[f"{scheme}://"] = proxy if "://" in proxy else f"http://{proxy}"
    if not mounts:
        return {}
    for raw in (settings.no_proxy or "").split(","):
        host = raw.strip()
        if host == "*":
            return {}
        if not host:
            continue
        if "://" in host:
            mounts[host] = None
        elif ":" not in host and _is_ip(host.split("/")[0]):
            mounts[f"all://{host}"] = None
        elif _is_ip(host.strip("[]")):
            mounts[f"all://[{host.strip('[]')}]"] = None
        elif host.lower() == "localhost":
            mounts[f"all://{host}"] = None
        else:
            mounts[f"all://*{host}"] = None
    return mounts


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
    (tests pass ``httpx.MockTransport``); proxies are then not mounted.
    """
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency, keepalive_expiry=5.0)
    timeouts = httpx.Timeout(timeout, connect=min(timeout, _CONNECT_TIMEOUT_CAP))
    headers = {"User-Agent": settings.user_agent, "Accept": ACCEPT}
    mounts: dict[str, httpx.AsyncBaseTransport | None] = {}
    direct: _AiohttpTransport | None = None
    pinned: dict[str, tuple[str, ...]] = {}
    resolver = VettedResolver(pinned)
    if transport is None:
        transport = direct = _aiohttp_transport(settings, concurrency, limits.keepalive_expiry or 5.0, resolver)
        proxies = proxy_mounts(settings)
        ctx = _ssl_context(settings) if any(proxies.values()) else None
        for pattern, proxy in proxies.items():
            mounts[pattern] = (
                None
                if proxy is None
                else _ProxyTransport(verify=ctx or True, trust_env=False, limits=limits, proxy=proxy)
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
    client.witness = NetworkWitness()
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
        seen.note_failure(_host_of(url), str(exc) or type(exc).__name__)
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
        result = Exchange(response.status_code, fields, _set_cookies(items, fields), proxy_error=_proxy_error(response))
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
    transport: _AiohttpTransport,
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
