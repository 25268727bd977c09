"""Redirect following, apart from the single send (as httpx keeps ``_send_handling_redirects``
apart from ``_send_single_request``), and the URL as it goes on the wire.

**Sent exactly as written** (issue 9 item 3). RFC 3986 section 6.2.2.2: a percent-escape of a
reserved character (``%2A``, ``%3A``, ``%2F``, ``%28`` ...) is *not* equivalent to the character,
so :func:`wire_url` never decodes one; it only escapes what cannot stand in a request line, the
way browsers do (WHATWG URL Standard, "path percent-encode set" and "query percent-encode set":
controls, space, ``"``, ``<``, ``>``, plus `````, ``{``, ``}`` in the path, and non-ASCII as
UTF-8). The host is IDNA-encoded. The same for every ``Location`` followed.

**Redirect targets are never mangled** (item 4). A ``Location`` arrives as its raw bytes
(``net.py``). Valid UTF-8 is read as such; anything else (Latin-1 and other legacy encodings) is
percent-encoded byte for byte, nothing dropped. A target that still cannot be a URL (bytes in
the host, a bad port) makes the link ``unverified``, cause ``bad-redirect``, never a guess.

**Cookies live for one link check, across hosts** (item 5). Each check has a jar scoped by host:
a cookie set by host A is sent back to A even when the chain passed through B in between (a
chain that loops only because cookies were dropped is not a loop); the jar ends with the check.

**Soft 404s** (item 7): a chain that ends with a 2xx on an error page (``classify.error_page``)
is ``broken``, cause ``soft-404``, with the error page named in the reason.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from http.cookies import CookieError, SimpleCookie
from urllib.parse import urljoin, urlsplit

from yarl import URL

from crawler.classify import PERMANENT_REDIRECTS, REDIRECTS, Verdict, classify_answer, error_page
from crawler.net import Exchange
from crawler.status import LinkStatus

__all__ = ["Send", "follow", "resolve_location", "wire_url"]

# What a request line cannot carry as is: controls, space, non-ASCII, and the characters the
# WHATWG path percent-encode set adds ('"', '<', '>', '`', '{', '}'). '%' is kept: escapes stay.
_UNSENDABLE = re.compile(r'[^\x21-\x7e]|["<>`{}]')

# The single send: (url, cookies for its host, hops so far) -> the answer, its attempts and the
# statuses accepted on its host, or a Verdict when no usable answer came (refused, failed).
Send = Callable[[URL, Mapping[str, str], int], Awaitable["tuple[Exchange, int, frozenset[int]] | Verdict"]]


def _escape(text: str) -> str:
    def one(m: re.Match[str]) -> str:
        return "".join(f"%{b:02X}" for b in m.group().encode("utf-8", "surrogateescape"))

    return _UNSENDABLE.sub(one, text)


def wire_url(text: str) -> URL:
    """*text* (fragment dropped) as the request will carry it; ValueError when it cannot be one."""
    text = text.partition("#")[0]
    if not _UNSENDABLE.search(text):
        url = URL(text, encoded=True)
        url.port  # noqa: B018 - raises ValueError on a port that is not a number
        return url
    parts = urlsplit(text)
    netloc = parts.netloc
    if _UNSENDABLE.search(netloc):  # an IDN host: IDNA-encoded, the rest of the netloc kept
        host = parts.hostname or ""
        try:
            ascii_host = URL.build(scheme="http", host=host).raw_host or ""
        except (ValueError, UnicodeError):
            raise ValueError(f"host {host!r} cannot be encoded") from None
        userinfo = netloc.rpartition("@")[0]
        port = f":{parts.port}" if parts.port is not None else ""
        netloc = (userinfo + "@" if userinfo else "") + ascii_host + port
    if _UNSENDABLE.search(netloc):
        raise ValueError(f"host part {parts.netloc!r} cannot be sent")
    path = _escape(parts.path) or "/"
    query = "?" + _escape(parts.query) if parts.query or text.endswith("?") else ""
    url = URL(f"{parts.scheme}://{netloc}{path}{query}", encoded=True)
    url.port  # noqa: B018
    return url


def resolve_location(base: URL, location: str) -> URL:
    """The absolute target of *location* (raw header text, see ``net.py``) relative to *base*."""
    raw = location.strip().encode("utf-8", "surrogateescape")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:  # Latin-1 and friends: every byte kept, escaped as it is
        text = "".join(chr(b) if b < 0x80 else f"%{b:02X}" for b in raw)
    url = wire_url(urljoin(str(base), text))
    if url.scheme in ("http", "https") and not url.raw_host:
        raise ValueError("it has no host")
    if url.raw_host and "%" in url.raw_host:
        raise ValueError(f"bytes in the host name ({url.raw_host})")
    return url


_NONE: Mapping[str, str] = {}


class _Jar:
    """One link check's cookies, by host."""

    def __init__(self) -> None:
        self._by_host: dict[str, dict[str, str]] = {}

    def for_host(self, host: str) -> Mapping[str, str]:
        return self._by_host.get(host.lower(), _NONE) if self._by_host else _NONE

    def keep(self, host: str, set_cookies: list[str]) -> None:
        for raw in set_cookies:
            try:
                parsed = SimpleCookie(raw)
            except CookieError:
                continue
            for name, morsel in parsed.items():
                if morsel.value.isascii():
                    self._by_host.setdefault(host.lower(), {})[name] = morsel.value


async def follow(url: URL, send: Send, *, max_redirects: int) -> Verdict:
    """Send *url* and follow its redirects (each hop through *send*); the verdict on the link."""
    origin = url
    jar = _Jar()
    permanent_target: str | None = None  # where the leading run of 301/308 hops ends
    leading = True
    hops = 0
    while True:
        got = await send(url, jar.for_host(url.raw_host or ""), hops)
        if isinstance(got, Verdict):
            return _after_hops(got, origin, url, hops)
        answer, attempts, accept = got
        location = answer.headers.get("location")
        if answer.status not in REDIRECTS or not location:
            judged = classify_answer(answer.status, answer.headers, answer.body, accept=accept, attempts=attempts)
            return _final(judged, origin, url, hops, permanent_target)
        if answer.set_cookies:
            jar.keep(url.raw_host or "", answer.set_cookies)
        try:
            target = resolve_location(url, location)
        except ValueError as exc:
            shown = location.encode("utf-8", "surrogateescape").decode("latin-1")
            reason = f"redirects to {shown!r}, which cannot be represented as a URL ({exc})"
            return Verdict(LinkStatus.UNVERIFIED, reason, "bad-redirect", answer.status, str(url) if hops else None)
        hops += 1
        if answer.status in PERMANENT_REDIRECTS and leading:
            permanent_target = str(target)
        else:
            leading = False
        if target.scheme not in ("http", "https"):
            reason = f"redirects to {target}, which is not an http(s) URL"
            return Verdict(LinkStatus.UNVERIFIED, reason, "bad-redirect", answer.status, str(target))
        if hops > max_redirects:
            reason = f"more than {max_redirects} redirects (a redirect loop?)"
            return Verdict(LinkStatus.UNVERIFIED, reason, "redirect-loop", answer.status, str(target))
        url = target


def _after_hops(verdict: Verdict, origin: URL, url: URL, hops: int) -> Verdict:
    """A hop that got no usable answer: the verdict, told where the chain had got to."""
    if hops == 0:
        return verdict
    reason = verdict.reason
    if verdict.status is LinkStatus.SKIPPED:
        reason += f" after a redirect from {origin}"
    return Verdict(verdict.status, reason, verdict.cause, verdict.http_status, str(url))


def _final(judged: Verdict, origin: URL, url: URL, hops: int, permanent_target: str | None) -> Verdict:
    if hops == 0:
        return judged
    code = judged.http_status
    if (
        judged.status is LinkStatus.OK
        and judged.cause != "accepted"
        and error_page(url.raw_host or "", url.raw_path)
        and not error_page(origin.raw_host or "", origin.raw_path)
    ):
        reason = f"redirects to the error page {url} ({judged.reason})"
        return Verdict(LinkStatus.BROKEN, reason, "soft-404", code, str(url))
    if judged.status is LinkStatus.OK and permanent_target is not None:
        return Verdict(
            LinkStatus.REDIRECTED,
            f"moved permanently to {permanent_target}",
            "moved-permanently",
            code,
            permanent_target,
        )
    where = "one redirect" if hops == 1 else f"{hops} redirects"
    return Verdict(judged.status, f"{judged.reason} at {url} (after {where})", judged.cause, code, str(url))
