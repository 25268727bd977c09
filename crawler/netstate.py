"""What a run's client knows besides its connections: the network witness and the vetted addresses.

:class:`NetworkWitness` counts the HTTP answers (and the requests that got none) on one client during
one run: ``net.exchange`` (the checker, the corpus-host adapters) and ``net._Client.send`` (the
GitHub and Hugging Face clients) report to it; a request sent through both layers may count twice,
which does not matter: "any answer at all" is the network-down rule's evidence
(``checker.ensure_network_up``), not a statistic.

:class:`VettedResolver` is the aiohttp connector's resolver (built in ``net.build_client``): a name
the address guard vetted resolves to the addresses the guard saw (``pins``), so the connection
cannot be steered elsewhere between the guard's lookup and its own (DNS rebinding); names the
guard never looked at (allow-private runs, API hosts) go to aiohttp's default resolver.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import httpx

from crawler.aio import aiohttp

__all__ = ["NetworkWitness", "VettedResolver", "pins", "witness"]


@dataclass
class NetworkWitness:
    """Whether any HTTP answer came back on one client this run, and one failure for the message."""

    answers: int = 0
    failures: int = 0
    example: str | None = None  # "host: what went wrong", the first failure seen
    # Called once, when the aiohttp pool first hands a connection to a request (whose bytes are
    # then written in the same step): `check` imports its models once requests are out
    # (crawler/results.py), not while names resolve or connections open.
    on_first_connection: Callable[[], None] | None = None

    def connection_handed_out(self) -> None:
        if self.on_first_connection is not None:
            call, self.on_first_connection = self.on_first_connection, None
            call()

    def note_failure(self, where: str, detail: str) -> None:
        self.failures += 1
        if self.example is None:
            self.example = f"{where}: {detail}"


def witness(client: httpx.AsyncClient) -> NetworkWitness:
    """The client's witness (made on first use for clients not built here)."""
    found = getattr(client, "witness", None)
    if not isinstance(found, NetworkWitness):
        found = NetworkWitness()
        client.witness = found  # type: ignore[attr-defined]
    return found


def pins(client: httpx.AsyncClient) -> dict[str, tuple[str, ...]]:
    """host -> the addresses the guard vetted; the client's connector connects only to those."""
    found = getattr(client, "pins", None)
    if not isinstance(found, dict):
        found = {}
        client.pins = found  # type: ignore[attr-defined]
    return found


class VettedResolver(aiohttp.abc.AbstractResolver):
    """The connector's resolver: a pinned name gets the guard's addresses; others go to *fallback*."""

    def __init__(self, pinned: Mapping[str, tuple[str, ...]], fallback: aiohttp.abc.AbstractResolver | None = None):
        self.pinned = pinned
        self.fallback = fallback  # made on first use, inside the running loop

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[aiohttp.abc.ResolveResult]:
        addresses = self.pinned.get(host)
        if addresses is None:
            if self.fallback is None:
                self.fallback = aiohttp.resolver.DefaultResolver()
            return await self.fallback.resolve(host, port, family)
        return [
            {
                "hostname": host,
                "host": address,
                "port": port,
                "family": socket.AF_INET6 if ":" in address else socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
            for address in addresses
        ]

    async def close(self) -> None:
        if self.fallback is not None:
            await self.fallback.close()
