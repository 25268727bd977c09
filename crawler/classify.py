"""The status rules, pure: an HTTP answer or a transport failure in, one :class:`Verdict` out.

The rule behind every choice: ``broken`` only when the link is definitely gone (404, 410, a
host name that does not exist while the network works, a redirect that ends on an error page).
Anything that may be the checker's problem rather than the link's (anti-bot walls, rate limits,
server errors, timeouts, TLS) is ``unverified``: a false "broken" costs a maintainer's time and
trust, a false "unverified" costs nothing but a later re-check.

A :class:`Verdict` is the engine's only intermediate shape: it becomes a ``LinkResult`` field
for field (``status``, ``reason``, ``cause``, ``http_status``, ``final_url``).

``cause`` slugs the engine writes (the one list; the README repeats it):

- ``http-NNN``          the final HTTP answer decided it (``http-404``, ``http-410``, ``http-451``,
                        ``http-401``, ``http-403``, ``http-500``, ...)
- ``soft-404``          a redirect chain ended on an error page (``/404.html``, ``/not-found`` ...)
- ``dns``               the host name does not resolve (broken while the network works)
- ``dns-temporary``     the resolver could not answer now
- ``connection``        refused, reset, unreachable, or connecting timed out
- ``timeout``           connected, then no answer in time (a silent host)
- ``protocol``          the server hung up or answered something that is not HTTP
- ``tls``               certificate or handshake failure
- ``proxy``             the configured proxy failed
- ``rate-limited``      429 (or 503 + Retry-After) past the host's wait budget
- ``anti-bot``          a bot wall or challenge page (Cloudflare, AWS WAF, 999 ...)
- ``redirect-loop``     more redirects than allowed
- ``bad-redirect``      a Location that is unusable, not http(s), or cannot be represented
- ``moved-permanently`` (``redirected``) a leading 301/308 says where the link lives now
- ``accepted``          (``ok``) a status accepted by configuration
- ``malformed-url``     the URL cannot be parsed or sent
- ``unsupported-scheme``, ``excluded``, ``private-address``  (``skipped``)

A plain ``ok`` has no cause. Sources (GitHub, Hugging Face ...) add their own (``removed``,
``unverifiable-host``).

Soft 404s: redirect targets whose path names an error page, after the Internet Archive's
link checker (IABot, cyberpower678/Cyberbot_II pull 16: ``/404/`` and ``404.htm`` in the
effective URL; a bare "error" substring was dropped there as too broad, e.g.
``/guide/error-handling.html``) and unitedstates/inspectors-general pull 227 (a list of
redirect targets known to be error pages).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus

from crawler.failures import FailureKind, TransportFailure
from crawler.status import LinkStatus

__all__ = [
    "CAUSES",
    "PERMANENT_REDIRECTS",
    "REDIRECTS",
    "Verdict",
    "classify_answer",
    "classify_failure",
    "describe_status",
    "detect_challenge",
    "error_page",
    "is_retryable_status",
    "retry_after_seconds",
]

REDIRECTS = frozenset({301, 302, 303, 307, 308})
PERMANENT_REDIRECTS = frozenset({301, 308})
GONE = frozenset({404, 410, 451})  # 451: blocked for legal reasons (e.g. DMCA)
# Transient server-side states worth another try. 501/505 are permanent ("not implemented").
_RETRYABLE = frozenset({408, 425, 429, 500, 502, 503, 504}) | frozenset(range(520, 531))
_EXTRA_PHRASES = {999: "Request Denied", 520: "Web Server Returned an Unknown Error", 522: "Connection Timed Out"}


# Every fixed slug ``cause`` takes (besides ``http-NNN``); see the module docstring.
CAUSES = (
    "soft-404",
    "dns",
    "dns-temporary",
    "connection",
    "timeout",
    "protocol",
    "tls",
    "proxy",
    "rate-limited",
    "anti-bot",
    "redirect-loop",
    "bad-redirect",
    "moved-permanently",
    "accepted",
    "malformed-url",
    "unsupported-scheme",
    "excluded",
    "private-address",
)
_FAILURE_CAUSE = {
    FailureKind.UNKNOWN_HOST: "dns",
    FailureKind.DNS_TEMPORARY: "dns-temporary",
    FailureKind.UNREACHABLE: "connection",
    FailureKind.CONNECT_TIMEOUT: "connection",
    FailureKind.TIMEOUT: "timeout",
    FailureKind.TLS: "tls",
    FailureKind.PROTOCOL: "protocol",
    FailureKind.PROXY: "proxy",
}


@dataclass(frozen=True)
class Verdict:
    """What the engine decided about one URL: a ``LinkResult`` without url and timing."""

    status: LinkStatus
    reason: str
    cause: str | None = None
    http_status: int | None = None
    final_url: str | None = None


@functools.cache
def describe_status(code: int) -> str:
    """``HTTP 404 Not Found``."""
    try:
        phrase = HTTPStatus(code).phrase
    except ValueError:
        phrase = _EXTRA_PHRASES.get(code, "")
    return f"HTTP {code} {phrase}".rstrip()


def is_retryable_status(code: int) -> bool:
    return code in _RETRYABLE


# --------------------------------------------------------------------------- anti-bot walls

_HEADER_MARKS: tuple[tuple[str, str, str], ...] = (
    # (header, value substring ("" = present), who)
    ("cf-mitigated", "challenge", "Cloudflare's bot challenge"),
    ("x-amzn-waf-action", "", "AWS WAF's bot challenge"),
    ("x-vercel-mitigated", "", "Vercel's bot challenge"),
    ("x-datadome", "", "DataDome's bot protection"),
    ("x-sucuri-block", "", "Sucuri's firewall"),
)
_BODY_MARKS: tuple[tuple[bytes, str], ...] = (
    (b"/cdn-cgi/challenge-platform/", "Cloudflare's bot challenge"),
    (b"<title>just a moment...</title>", "Cloudflare's bot challenge"),
    (b"attention required! | cloudflare", "Cloudflare's firewall"),
    (b"_incapsula_resource", "Imperva's bot protection"),
    (b"ddos-guard", "DDoS-Guard's bot check"),
    (b"sgcaptcha", "SiteGround's bot check"),
    (b"vercel security checkpoint", "Vercel's bot challenge"),
)
# Words a real "not found" page may contain too: only trusted on answers that are not 404/410.
_WEAK_BODY_MARKS: tuple[tuple[bytes, str], ...] = (
    (b"checking your browser", "a browser check"),
    (b"captcha", "a CAPTCHA page"),
)
_WALL_SERVERS = (("cloudflare", "Cloudflare"), ("akamaighost", "Akamai"), ("ddos-guard", "DDoS-Guard"))


def detect_challenge(code: int, headers: Mapping[str, str], body: bytes | None) -> str | None:
    """Name the anti-bot wall that produced this answer, or None.

    A 200 is only called a challenge on an explicit header: a page that merely mentions
    "captcha" is a working page.
    """
    for name, needle, who in _HEADER_MARKS:
        value = headers.get(name)
        if value is not None and needle in value.lower():
            return who
    if code < 400 and code != 202:
        return None
    if code == 999:
        return "a LinkedIn-style bot block"
    if body:
        text = body.lower()
        marks = _BODY_MARKS if code in GONE else _BODY_MARKS + _WEAK_BODY_MARKS
        for needle, who in marks:
            if needle in text:
                return who
    if code in (403, 429, 503):
        server = (headers.get("server") or "").lower()
        for needle, who in _WALL_SERVERS:
            if needle in server:
                return f"{who}'s firewall"
    return None


# --------------------------------------------------------------------------- answers


def classify_answer(
    code: int,
    headers: Mapping[str, str],
    body: bytes | None,
    *,
    accept: frozenset[int] = frozenset(),
    attempts: int = 1,
) -> Verdict:
    """The verdict on a final (non-redirect) HTTP answer (``http_status`` set, no ``final_url``)."""
    what = describe_status(code)
    if code in accept:
        return Verdict(LinkStatus.OK, f"{what}, accepted by configuration", "accepted", code)
    wall = detect_challenge(code, headers, body)
    if wall:
        return Verdict(
            LinkStatus.UNVERIFIED, f"{what} from {wall}: a browser would likely get through", "anti-bot", code
        )
    http = f"http-{code}"
    if 200 <= code < 300:
        return Verdict(LinkStatus.OK, what, None, code)
    if code in GONE:
        return Verdict(LinkStatus.BROKEN, what, http, code)
    tries = f" after {attempts} attempts" if attempts > 1 else ""
    if code in (401, 407):
        return Verdict(LinkStatus.UNVERIFIED, f"{what}: the page needs a login", http, code)
    if code == 403:
        return Verdict(LinkStatus.UNVERIFIED, f"{what}: the server refuses automated checks", http, code)
    if code == 429:
        return Verdict(LinkStatus.UNVERIFIED, f"{what}: still rate limited{tries}", "rate-limited", code)
    if code >= 500 or code in _RETRYABLE:
        return Verdict(LinkStatus.UNVERIFIED, f"{what}{tries}", http, code)
    if 300 <= code < 400:
        return Verdict(LinkStatus.UNVERIFIED, f"{what} without a usable Location header", "bad-redirect", code)
    return Verdict(LinkStatus.UNVERIFIED, what, http, code)


def classify_failure(failure: TransportFailure, host: str, *, attempts: int = 1) -> Verdict:
    """The verdict when no HTTP answer came back."""
    cause = _FAILURE_CAUSE[failure.kind]
    if failure.kind is FailureKind.UNKNOWN_HOST:
        return Verdict(LinkStatus.BROKEN, f"{failure.detail}: {host}", cause)
    tries = f" after {attempts} attempts" if attempts > 1 else ""
    return Verdict(LinkStatus.UNVERIFIED, f"{failure.detail} ({host}){tries}", cause)


# --------------------------------------------------------------------------- soft 404s

# A path segment that names an error page: 404, 404.html, not-found, notfound, page-not-found ...
_ERROR_SEGMENT = re.compile(
    r"^(?:404|not[-_]?found|page[-_]?not[-_]?found|error[-_]?404|404[-_]?error)(?:\.(?:s?html?|php|aspx?|jsp))?$"
)
_ERROR_FOLDERS = ("error", "errors")
# Hosts whose error page has a path no pattern above recognises: host -> path prefixes (from
# inspectors-general's Soft404HttpAdapter, pull 227: ``www.dodig.mil/errorpages/index.html``,
# ``www.gpo.gov/maintenance/error.htm``; ``www.fec.gov/404error.shtml`` the pattern knows).
KNOWN_ERROR_PAGES: dict[str, tuple[str, ...]] = {
    "www.dodig.mil": ("/errorpages/",),
    "www.gpo.gov": ("/maintenance/error.htm",),
}


def error_page(host: str, path: str) -> bool:
    """True when a redirect target's *path* on *host* is an error page, not the page linked.

    ``/404``, ``/404.html``, ``/not-found``, ``/notfound``, ``/en/page-not-found/``, ``/error/404.html``,
    ``/errors/...`` and ``/error``; not ``/guide/error-handling.html`` or ``/docs/errors-and-codes``.
    """
    low = path.lower()
    segments = [seg for seg in low.split("/") if seg]
    if any(_ERROR_SEGMENT.match(seg) for seg in segments):
        return True
    if segments and segments[0].split(".")[0] in _ERROR_FOLDERS:  # /error, /error.html, /errors/...
        return True
    return any(low.startswith(prefix) for prefix in KNOWN_ERROR_PAGES.get(host.lower(), ()))


# --------------------------------------------------------------------------- Retry-After


def retry_after_seconds(headers: Mapping[str, str], *, now: datetime | None = None) -> float | None:
    """Seconds the server asks us to wait (``Retry-After`` as seconds or an HTTP date), or None.

    An HTTP date is measured against the answer's own ``Date`` header when it has one, so a
    skewed local clock does not turn "in 30 s" into "in an hour".
    """
    value = (headers.get("retry-after") or "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    ref = now or datetime.now(UTC)
    sent = headers.get("date")
    if sent:
        try:
            ref = parsedate_to_datetime(sent)
        except (TypeError, ValueError, IndexError):
            pass
        if ref.tzinfo is None:
            ref = ref.replace(tzinfo=UTC)
    return max(0.0, (when - ref).total_seconds())
