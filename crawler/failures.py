"""Requests that got no HTTP answer: one httpx exception per cause, and a classification.

Both paths of ``net.exchange`` (httpx's API and the direct aiohttp one) raise the same
``httpx.TransportError`` subclasses, built here from aiohttp's exceptions; ``describe_failure``
turns any of them into a :class:`TransportFailure` whose ``kind`` drives the status rules
(``classify.py``), the retry decision and the network-down guard (``checker.py``).
"""

from __future__ import annotations

import errno
import socket
import ssl
from dataclasses import dataclass
from enum import StrEnum

import httpx

from crawler.aio import aiohttp

__all__ = [
    "CONNECTION_LEVEL",
    "FailureKind",
    "TransportFailure",
    "describe_failure",
    "failure_words",
    "from_aiohttp",
    "gai_failure",
]


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
# A name that does not resolve will not resolve in a second either; a bad certificate stays bad.
_NOT_RETRIED = frozenset({FailureKind.UNKNOWN_HOST, FailureKind.TLS})
_UNKNOWN_HOST = "unknown host (DNS lookup failed)"


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


def gai_failure(err: socket.gaierror) -> TransportFailure:
    """A ``getaddrinfo`` error as a failure: EAI_AGAIN is temporary, anything else an unknown host."""
    if err.errno == socket.EAI_AGAIN:
        return TransportFailure(FailureKind.DNS_TEMPORARY, "temporary DNS failure")
    return TransportFailure(FailureKind.UNKNOWN_HOST, _UNKNOWN_HOST)


def from_aiohttp(exc: BaseException, request: httpx.Request | None = None) -> httpx.TransportError:
    """The httpx exception for an aiohttp one (httpx-aiohttp's own map calls nearly all of them
    ``ConnectTimeout``). The aiohttp exception should be chained as ``__cause__`` by the caller."""
    kw = {"request": request} if request is not None else {}
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return httpx.ConnectError(f"could not resolve host: {exc.os_error}", **kw)
    if isinstance(exc, aiohttp.ClientSSLError):
        return httpx.ConnectError(f"TLS error: {exc.os_error}", **kw)
    if isinstance(exc, aiohttp.ClientProxyConnectionError | aiohttp.ClientHttpProxyError):
        return httpx.ProxyError(str(exc), **kw)
    if isinstance(exc, aiohttp.ClientConnectorError):
        return httpx.ConnectError(str(exc.os_error.strerror or exc.os_error), **kw)
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return httpx.ConnectTimeout("timed out connecting", **kw)
    if isinstance(exc, aiohttp.ServerTimeoutError):
        return httpx.ReadTimeout("timed out waiting for the answer", **kw)
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return httpx.RemoteProtocolError("server closed the connection without answering", **kw)
    if isinstance(exc, aiohttp.ClientOSError):
        return httpx.ReadError(str(exc), **kw)
    if isinstance(exc, aiohttp.InvalidURL | aiohttp.NonHttpUrlClientError):
        return httpx.UnsupportedProtocol(str(exc), **kw)
    if isinstance(exc, aiohttp.ClientPayloadError):
        return httpx.ReadError(str(exc), **kw)
    return httpx.RemoteProtocolError(f"invalid response: {exc}", **kw)


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in seen and len(seen) < 12:
        seen.append(cur)
        cur = cur.__cause__ or cur.__context__
    return seen


def describe_failure(exc: BaseException) -> TransportFailure | None:
    """Classify an exception raised while sending a request; None if it is not a transport failure."""
    chain = _chain(exc)
    for link in chain:
        if isinstance(link, socket.gaierror):
            return gai_failure(link)
        if isinstance(link, aiohttp.ClientConnectorDNSError):
            return TransportFailure(FailureKind.UNKNOWN_HOST, _UNKNOWN_HOST)
        if isinstance(link, ssl.SSLError | aiohttp.ClientSSLError):
            detail = getattr(link, "verify_message", None) or getattr(link, "reason", None) or str(link)
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
            return TransportFailure(FailureKind.UNKNOWN_HOST, _UNKNOWN_HOST)
        for link in chain:
            if isinstance(link, OSError) and link.errno == errno.ECONNREFUSED:
                return TransportFailure(FailureKind.UNREACHABLE, "connection refused")
            if isinstance(link, OSError) and link.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
                return TransportFailure(FailureKind.UNREACHABLE, "no route to host")
        if "refused" in text.lower():
            return TransportFailure(FailureKind.UNREACHABLE, "connection refused")
        return TransportFailure(FailureKind.UNREACHABLE, f"could not connect ({text or 'connection failed'})")
    if isinstance(head, httpx.TransportError):
        return TransportFailure(FailureKind.PROTOCOL, str(head) or type(head).__name__)
    return None


def failure_words(exc: BaseException) -> str:
    """A transport failure in words for a user ("connection refused"), not an exception's class name."""
    failure = describe_failure(exc)
    return failure.detail if failure is not None else type(exc).__name__
