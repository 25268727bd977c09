"""The one place an HTTP client is built, and the address-safety guard.

Transport: httpx's API over an aiohttp connection pool (``httpx-aiohttp``). On the loopback
link farm (``benchmarks/``) httpx's own transport spent ~2.3 ms of CPU per request at 128
requests in flight, the aiohttp-backed one ~0.4 ms, and ~0.3 ms once the client stops
maintaining a cookie jar. Requests that go through a proxy use httpx's own transport instead:
it implements ``HTTPS_PROXY``/``NO_PROXY`` the way users expect (CONNECT tunnels, SOCKS with
``socksio``) and a proxied run is bounded by the proxy anyway.

The guard refuses targets on private, loopback, link-local, cloud-metadata, multicast,
reserved and unspecified addresses: a registry is edited by pull requests, and a link must
not make the scheduled job probe its own network. It resolves each host once per run and is
asked again after every redirect hop (see ``checker.py``). Between the guard's lookup and the
transport's own lookup a hostile DNS server could still answer differently (DNS rebinding);
the guard stops the plain cases, not that one.
"""

from __future__ import annotations

import errno
import ipaddress
import socket
import ssl
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

import aiohttp
import anyio
import httpx
from httpx_aiohttp import AiohttpTransport

from crawler.settings import Settings

__all__ = [
    "AddressGuard",
    "FailureKind",
    "HostVerdict",
    "Resolver",
    "TransportFailure",
    "build_client",
    "describe_failure",
    "non_public_reason",
]

ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
# Some servers send headers (CSP, Set-Cookie, Link) far longer than aiohttp's 8 KiB default.
_MAX_HEADER_LINE = 64 * 1024
_CONNECT_TIMEOUT_CAP = 10.0


# --------------------------------------------------------------------------- client


class _NoCookies(httpx.Cookies):
    """A jar that keeps nothing: a link checker must not carry one site's cookies to the next
    request, and extracting them costs ~15% of the client's CPU per request."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None

    def set_cookie_header(self, request: httpx.Request) -> None:
        return None


class _Client(httpx.AsyncClient):
    @property  # type: ignore[override]
    def cookies(self) -> httpx.Cookies:
        return _NO_COOKIES

    @cookies.setter
    def cookies(self, value: object) -> None:
        return None


_NO_COOKIES = _NoCookies()


class _AiohttpTransport(AiohttpTransport):
    """``AiohttpTransport`` with exact exception mapping.

    httpx-aiohttp maps every ``aiohttp.ClientConnectionError`` (refused, DNS, TLS, a server
    that hangs up) to ``httpx.ConnectTimeout`` and lets ``ClientResponseError`` (a malformed
    answer) escape unmapped; the checker needs to tell these apart.
    """

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await super().handle_async_request(request)
        except httpx.TransportError as exc:
            raise _remap(exc, request) from (exc.__cause__ or exc)
        except aiohttp.ClientError as exc:
            raise httpx.RemoteProtocolError(f"invalid response: {exc}", request=request) from exc


def _remap(exc: httpx.TransportError, request: httpx.Request) -> httpx.TransportError:
    cause = exc.__cause__
    if isinstance(cause, aiohttp.ClientConnectorDNSError):
        return httpx.ConnectError(f"could not resolve host: {cause.os_error}", request=request)
    if isinstance(cause, aiohttp.ClientSSLError):
        return httpx.ConnectError(f"TLS error: {cause.os_error}", request=request)
    if isinstance(cause, aiohttp.ClientProxyConnectionError):
        return httpx.ProxyError(str(cause), request=request)
    if isinstance(cause, aiohttp.ClientConnectorError):
        return httpx.ConnectError(str(cause.os_error.strerror or cause.os_error), request=request)
    if isinstance(cause, aiohttp.ConnectionTimeoutError):
        return httpx.ConnectTimeout("timed out connecting", request=request)
    if isinstance(cause, aiohttp.ServerTimeoutError):
        return httpx.ReadTimeout("timed out waiting for the answer", request=request)
    if isinstance(cause, aiohttp.ServerDisconnectedError):
        return httpx.RemoteProtocolError("server closed the connection without answering", request=request)
    if isinstance(cause, aiohttp.ClientOSError):
        return httpx.ReadError(str(cause), request=request)
    return exc


def _ssl_context(settings: Settings) -> ssl.SSLContext:
    if settings.ssl_cert_file:
        return ssl.create_default_context(cafile=settings.ssl_cert_file)
    # certifi's bundle, as httpx does by default; trust_env=False because only settings.py reads env.
    return httpx.create_ssl_context(trust_env=False)


def _aiohttp_transport(ctx: ssl.SSLContext, concurrency: int, keepalive: float) -> httpx.AsyncBaseTransport:
    def session() -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(
            ssl=ctx,
            limit=concurrency,
            limit_per_host=0,  # per-host limits are hosts.py's job
            ttl_dns_cache=300,
            keepalive_timeout=keepalive,
        )
        return aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            max_line_size=_MAX_HEADER_LINE,
            max_field_size=_MAX_HEADER_LINE,
            max_headers=256,
            trust_env=False,
        )

    return _AiohttpTransport(verify=ctx, trust_env=False, client=session)


def proxy_mounts(settings: Settings) -> dict[str, str | None]:
    """URL pattern -> proxy URL (or None: go direct), as httpx derives it from the environment,
    but from *settings*. Empty when no proxy is configured or ``NO_PROXY=*``."""
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
        elif _is_ip(host.split("/")[0]) and ":" not in host:
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
    if transport is None:
        ctx = _ssl_context(settings)
        transport = _aiohttp_transport(ctx, concurrency, limits.keepalive_expiry or 5.0)
        for pattern, proxy in proxy_mounts(settings).items():
            mounts[pattern] = None if proxy is None else httpx.AsyncHTTPTransport(
                verify=ctx, trust_env=False, limits=limits, proxy=proxy
            )
    return _Client(
        headers=headers,
        timeout=timeouts,
        limits=limits,
        follow_redirects=False,
        trust_env=False,
        transport=transport,
        mounts=mounts or None,
    )


# --------------------------------------------------------------------------- failures


class FailureKind(StrEnum):
    UNKNOWN_HOST = "unknown-host"  # the name does not resolve
    DNS_TEMPORARY = "dns-temporary"  # the resolver could not answer now
    UNREACHABLE = "unreachable"  # refused, reset, no route
    CONNECT_TIMEOUT = "connect-timeout"
    TIMEOUT = "timeout"  # connected, then no (complete) answer in time
    TLS = "tls"
    PROTOCOL = "protocol"  # hung up, or answered something that is not HTTP
    PROXY = "proxy"


# Failures that say nothing reached the host: what the network-down guard counts.
CONNECTION_LEVEL = frozenset(
    {
        FailureKind.UNKNOWN_HOST,
        FailureKind.DNS_TEMPORARY,
        FailureKind.UNREACHABLE,
        FailureKind.CONNECT_TIMEOUT,
        FailureKind.PROXY,
    }
)
_NOT_RETRIED = frozenset({FailureKind.UNKNOWN_HOST, FailureKind.TLS})


@dataclass(frozen=True)
class TransportFailure:
    """Why a request got no HTTP answer, in words fit for a ``reason``."""

    kind: FailureKind
    detail: str

    @property
    def connection_level(self) -> bool:
        return self.kind in CONNECTION_LEVEL

    @property
    def retryable(self) -> bool:
        return self.kind not in _NOT_RETRIED


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in seen and len(seen) < 12:
        seen.append(cur)
        cur = cur.__cause__ or cur.__context__
    return seen


def _gai_failure(err: socket.gaierror) -> TransportFailure:
    if err.errno == socket.EAI_AGAIN:
        return TransportFailure(FailureKind.DNS_TEMPORARY, "temporary DNS failure")
    return TransportFailure(FailureKind.UNKNOWN_HOST, "unknown host (DNS lookup failed)")


def describe_failure(exc: BaseException) -> TransportFailure | None:
    """Classify an exception raised while sending a request; None if it is not a transport failure."""
    chain = _chain(exc)
    for link in chain:
        if isinstance(link, socket.gaierror):
            return _gai_failure(link)
        if isinstance(link, aiohttp.ClientConnectorDNSError):
            return TransportFailure(FailureKind.UNKNOWN_HOST, "unknown host (DNS lookup failed)")
        if isinstance(link, ssl.SSLError | aiohttp.ClientSSLError):
            detail = getattr(link, "reason", None) or getattr(link, "verify_message", None) or str(link)
            return TransportFailure(FailureKind.TLS, f"TLS error ({detail})")
    head = chain[0]
    if isinstance(head, httpx.ProxyError):
        return TransportFailure(FailureKind.PROXY, f"the proxy failed ({head})")
    if isinstance(head, httpx.ConnectTimeout):
        return TransportFailure(FailureKind.CONNECT_TIMEOUT, "timed out connecting")
    if isinstance(head, httpx.TimeoutException | TimeoutError):
        return TransportFailure(FailureKind.TIMEOUT, "timed out waiting for the answer")
    if isinstance(head, httpx.ConnectError):
        text = str(head)
        if text.startswith("could not resolve host"):
            return TransportFailure(FailureKind.UNKNOWN_HOST, "unknown host (DNS lookup failed)")
        for link in chain:
            if isinstance(link, OSError) and link.errno in (errno.ECONNREFUSED,):
                return TransportFailure(FailureKind.UNREACHABLE, "connection refused")
            if isinstance(link, OSError) and link.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
                return TransportFailure(FailureKind.UNREACHABLE, "no route to host")
        return TransportFailure(FailureKind.UNREACHABLE, f"could not connect ({text or 'connection failed'})")
    if isinstance(head, httpx.TransportError):
        return TransportFailure(FailureKind.PROTOCOL, str(head) or type(head).__name__)
    return None


# --------------------------------------------------------------------------- address guard

Resolver = Callable[[str, int], Awaitable[list[str]]]
_METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def non_public_reason(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why *ip* is not a public internet address ("loopback", "cloud metadata", ...), or None."""
    if ip.version == 6:
        embedded = ip.ipv4_mapped or (ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) if ip in _NAT64 else None)
        if embedded is not None:
            return non_public_reason(embedded)
    if ip in _METADATA:
        return "cloud metadata"
    for attr, words in (
        ("is_unspecified", "unspecified"),
        ("is_loopback", "loopback"),
        ("is_link_local", "link-local"),
        ("is_multicast", "multicast"),
        ("is_private", "private"),
        ("is_reserved", "reserved"),
    ):
        if getattr(ip, attr):
            return words
    if not ip.is_global:
        return "not globally routable"
    return None


async def _getaddrinfo(host: str, port: int) -> list[str]:
    infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True)
class HostVerdict:
    """What the guard decided about one host: go ahead, refused (policy) or failed (DNS)."""

    refused: str | None = None  # one sentence: why the policy refuses the target
    failure: TransportFailure | None = None

    @property
    def allowed(self) -> bool:
        return self.refused is None and self.failure is None


_ALLOWED = HostVerdict()


class AddressGuard:
    """Refuses hosts that are, or resolve to, non-public addresses; one lookup per host per run.

    With ``allow_private`` nothing is resolved here (the transport reports DNS failures).
    """

    def __init__(self, *, allow_private: bool = False, resolver: Resolver | None = None) -> None:
        self.allow_private = allow_private
        self._resolve = resolver or _getaddrinfo
        self._verdicts: dict[str, HostVerdict] = {}
        self._pending: dict[str, anyio.Event] = {}

    async def check(self, host: str, port: int = 443) -> HostVerdict:
        """The verdict for *host* (a hostname or an IP literal, without brackets)."""
        if self.allow_private:
            return _ALLOWED
        verdict = self._verdicts.get(host)
        if verdict is not None:
            return verdict
        event = self._pending.get(host)
        if event is not None:
            await event.wait()
            # The first asker may have been cancelled before deciding; then ask again.
            return self._verdicts.get(host) or await self.check(host, port)
        event = self._pending[host] = anyio.Event()
        try:
            verdict = await self._decide(host, port)
            self._verdicts[host] = verdict
        finally:
            del self._pending[host]
            event.set()
        return verdict

    async def _decide(self, host: str, port: int) -> HostVerdict:
        try:
            literal = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None:
            why = non_public_reason(literal)
            return HostVerdict(refused=_refusal(host, str(literal), why)) if why else _ALLOWED
        try:
            addresses = await self._resolve(host, port)
        except socket.gaierror as exc:
            return HostVerdict(failure=_gai_failure(exc))
        except UnicodeError:
            return HostVerdict(failure=TransportFailure(FailureKind.UNKNOWN_HOST, "invalid host name"))
        if not addresses:
            return HostVerdict(failure=TransportFailure(FailureKind.UNKNOWN_HOST, "unknown host (no address)"))
        for text in addresses:
            ip = ipaddress.ip_address(text.split("%", 1)[0])
            why = non_public_reason(ip)
            if why:
                return HostVerdict(refused=_refusal(host, text, why))
        return _ALLOWED

    def known(self) -> Mapping[str, HostVerdict]:
        """The verdicts reached so far (for tests and diagnostics)."""
        return dict(self._verdicts)


def _refusal(host: str, address: str, why: str) -> str:
    where = host if host == address else f"{host} ({address})"
    what = "an address that is not globally routable" if why.startswith("not ") else f"a {why} address"
    if why[0] in "aeiou":
        what = f"an {why} address"
    return f"refused to check {where}: {what} (pass --allow-private to allow it)"
