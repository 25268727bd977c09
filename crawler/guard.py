"""The address-safety guard: no request to private, loopback, link-local or cloud-metadata targets.

A registry is edited by pull requests, and a link must not make the scheduled job probe its
own network (``http://169.254.169.254/``, ``http://10.0.0.1/admin``, a name that resolves to
127.0.0.1). The guard refuses such hosts unless ``--allow-private``; the checker asks it again
after every redirect hop. Each host is resolved once per run (concurrent askers share the
lookup). The addresses it vetted are written to *pins* (the client's ``net.pins``), and the
client's connector connects to those addresses only, so a hostile DNS server that answers a
public address to the guard and a private one to the connection (DNS rebinding) gets nowhere.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass

import anyio

from crawler.failures import FailureKind, TransportFailure, gai_failure

__all__ = ["AddressGuard", "HostVerdict", "Resolver", "non_public_reason"]

Resolver = Callable[[str, int], Awaitable[list[str]]]
# AWS, GCP and Azure (169.254.169.254, and AWS over IPv6), Oracle Cloud (192.0.0.192).
_METADATA = {ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "192.0.0.192")}
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


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
        ("is_reserved", "reserved"),
        ("is_private", "private"),
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
    addresses: tuple[str, ...] = ()  # what the name resolved to, all vetted (empty: not resolved here)

    @property
    def allowed(self) -> bool:
        return self.refused is None and self.failure is None


_ALLOWED = HostVerdict()


class AddressGuard:
    """Refuses hosts that are, or resolve to, non-public addresses; one lookup per host per run.

    With ``allow_private`` nothing is resolved here (the transport reports DNS failures). With
    ``proxied`` a name the local resolver does not know is let through to the proxy, which
    resolves it (IP literals and names that resolve locally are still checked).
    """

    def __init__(
        self,
        *,
        allow_private: bool = False,
        resolver: Resolver | None = None,
        proxied: bool = False,
        pins: MutableMapping[str, tuple[str, ...]] | None = None,
    ) -> None:
        self.allow_private = allow_private
        self.pins = pins if pins is not None else {}
        # Behind a proxy the proxy resolves names; the machine itself often cannot.
        self.proxied = proxied
        self._resolve = resolver or _getaddrinfo
        self._verdicts: dict[str, HostVerdict] = {}
        self._pending: dict[str, anyio.Event] = {}

    def cached(self, host: str) -> HostVerdict | None:
        """The verdict for *host* if it is known without a lookup (the checker's fast path)."""
        return _ALLOWED if self.allow_private else self._verdicts.get(host)

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
            return _ALLOWED if self.proxied else HostVerdict(failure=gai_failure(exc))
        except UnicodeError:
            return HostVerdict(failure=TransportFailure(FailureKind.UNKNOWN_HOST, "invalid host name"))
        if not addresses:
            return HostVerdict(failure=TransportFailure(FailureKind.UNKNOWN_HOST, "unknown host (no address)"))
        for text in addresses:
            ip = ipaddress.ip_address(text.split("%", 1)[0])
            why = non_public_reason(ip)
            if why:
                return HostVerdict(refused=_refusal(host, text, why))
        vetted = tuple(addresses)
        self.pins[host] = vetted
        return HostVerdict(addresses=vetted)

    def known(self) -> Mapping[str, HostVerdict]:
        """The verdicts reached so far (for tests and diagnostics)."""
        return dict(self._verdicts)


def _refusal(host: str, address: str, why: str) -> str:
    where = host if host == address else f"{host} ({address})"
    what = "an address that is not globally routable" if why.startswith("not ") else f"a {why} address"
    if why[0] in "aeiou":
        what = f"an {why} address"
    return f"refused to check {where}: {what} (pass --allow-private to allow it)"
