"""Registry warnings: a valid ``registry.yaml`` that is probably not what its author meant.

An entry without links, a URL cited twice by one entry or by unrelated entries, a non-canonical
GitHub URL, and a link ``run``'s address guard will refuse (checked offline: names are not resolved).
``registry.py`` validates the file and attaches these, each on its ``FILE:LINE``.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable
from urllib.parse import urlsplit

from crawler.guard import non_public_reason
from crawler.models import LinkKind, Registry

__all__ = ["canonical_github_url", "guard_refusal", "registry_warnings"]

LineAt = Callable[[tuple[object, ...]], int]


def canonical_github_url(url: str) -> str | None:
    """The canonical form of a github.com URL, or None if *url* is not on GitHub or already canonical."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host not in ("github.com", "www.github.com"):
        return None
    path = parts.path.rstrip("/")
    path = path.removesuffix(".git") if path.count("/") == 2 else path
    fixed = parts._replace(scheme="https", netloc="github.com", path=path).geturl()
    return fixed if fixed != url else None


# Names that always mean this machine or a cloud's metadata service (RFC 6761 reserves .localhost).
_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback", "metadata.google.internal"}


def guard_refusal(url: str) -> str | None:
    """Why ``run`` will refuse to check *url* (an IP literal that is not public, or a name like
    ``localhost``), or None. Offline: names are not resolved, so a public-looking name that
    resolves to a private address is only found by ``run`` (``crawler.guard``)."""
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if host == "metadata.google.internal":
        return f"{host} is a cloud metadata service"
    if host in _LOCAL_NAMES or host.endswith(".localhost"):
        return f"{host} is this machine"
    try:
        ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(host.split("%", 1)[0])
        shown = host
    except ValueError:
        # The resolver reads 127.1, 2130706433, 0x7f.1 and 017700000001 as 127.0.0.1 (inet_aton's forms),
        # so the guard refuses them at run time: say so here too. inet_aton parses; it never resolves.
        if not re.fullmatch(r"[0-9a-fx.]+", host) or not any(c.isdigit() for c in host):
            return None
        try:
            ip = ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
        shown = f"{host} ({ip})"
    why = non_public_reason(ip)
    if why is None:
        return None
    what = "not a public address" if why.startswith("not ") else f"{'an' if why[0] in 'aeiou' else 'a'} {why} address"
    return f"{shown} is {what}"


def registry_warnings(registry: Registry, line_at: LineAt) -> list[tuple[int, str]]:
    """``(line, message)`` for each warning, in line order; *line_at* maps a location such as
    ``("entries", 3, "links", 0, "url")`` to its line in the file."""
    out: list[tuple[int, str]] = []
    group = _duplicate_groups(registry)
    citations: dict[str, list[tuple[str, int]]] = {}
    for i, entry in enumerate(registry.entries):
        if not entry.links and entry.duplicate_of is None:
            # A row recorded as a duplicate has its links on the entry it repeats.
            out.append((line_at(("entries", i, "id")), f"entry {entry.id!r} has no links"))
        seen_here: set[tuple[str, LinkKind]] = set()
        for j, link in enumerate(entry.links):
            line = line_at(("entries", i, "links", j, "url"))
            if (link.url, link.kind) in seen_here:
                out.append((line, f"entry {entry.id!r} cites {link.url} twice as {link.kind.value}"))
            seen_here.add((link.url, link.kind))
            holders = citations.setdefault(link.url, [])
            if all(h[0] != entry.id for h in holders):
                holders.append((entry.id, line))
            refused = guard_refusal(link.url)
            if refused is not None:
                out.append((line, f"{link.url}: {refused}; `run` will not check it (unless --allow-private)"))
            fixed = canonical_github_url(link.url)
            if fixed is not None:
                out.append((line, f"non-canonical GitHub URL {link.url!r} (canonical: {fixed!r})"))
    for url, holders in citations.items():
        # Rows declared as duplicates of each other are expected to cite the same URLs.
        if len({group[ident] for ident, _ in holders}) > 1:
            where = ", ".join(f"{ident} (line {line})" for ident, line in holders)
            out.append((holders[1][1], f"{url} is cited by several entries: {where}"))
    return sorted(out, key=lambda w: w[0])


def _duplicate_groups(registry: Registry) -> dict[str, str]:
    parent = {e.id: e.duplicate_of or e.id for e in registry.entries}

    def root_of(ident: str) -> str:
        seen = set()
        while parent.get(ident, ident) != ident and ident not in seen:
            seen.add(ident)
            ident = parent[ident]
        return ident

    return {ident: root_of(ident) for ident in parent}

