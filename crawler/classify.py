"""The status rules, pure: an HTTP answer or a transport failure in, a LinkStatus and a reason out.

The rule behind every choice: ``broken`` only when the link is definitely gone (404, 410, a
host name that does not exist while the network works). Anything that may be the checker's
problem rather than the link's (anti-bot walls, rate limits, server errors, timeouts, TLS)
is ``unverified``: a false "broken" costs a maintainer's time and trust, a false
"unverified" costs nothing but a later re-check.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus

from crawler.failures import FailureKind, TransportFailure
from crawler.models import LinkStatus

__all__ = [
    "PERMANENT_REDIRECTS",
    "REDIRECTS",
    "Verdict",
    "classify_answer",
    "classify_failure",
    "detect_challenge",
    "describe_status",
    "is_retryable_status",
    "retry_after_seconds",
]

REDIRECTS = frozenset({301, 302, 303, 307, 308})
PERMANENT_REDIRECTS = frozenset({301, 308})
GONE = frozenset({404, 410, 451})  # 451: blocked for legal reasons (e.g. DMCA)
# Transient server-side states worth another try. 501/505 are permanent ("not implemented").
_RETRYABLE = frozenset({408, 425, 429, 500, 502, 503, 504}) | frozenset(range(520, 531))
_EXTRA_PHRASES = {999: "Request Denied", 520: "Web Server Returned an Unknown Error", 522: "Connection Timed Out"}


@dataclass(frozen=True)
class Verdict:
    status: LinkStatus
    reason: str


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
    """The verdict on a final (non-redirect) HTTP answer."""
    what = describe_status(code)
    if code in accept:
        return Verdict(LinkStatus.OK, f"{what}, accepted by configuration")
    wall = detect_challenge(code, headers, body)
    if wall:
        return Verdict(LinkStatus.UNVERIFIED, f"{what} from {wall}: a browser would likely get through")
    if 200 <= code < 300:
        return Verdict(LinkStatus.OK, what)
    if code in GONE:
        return Verdict(LinkStatus.BROKEN, what)
    tries = f" after {attempts} attempts" if attempts > 1 else ""
    if code in (401, 407):
        return Verdict(LinkStatus.UNVERIFIED, f"{what}: the page needs a login")
    if code == 403:
        return Verdict(LinkStatus.UNVERIFIED, f"{what}: the server refuses automated checks")
    if code == 429:
        return Verdict(LinkStatus.UNVERIFIED, f"{what}: still rate limited{tries}")
    if code >= 500 or code in _RETRYABLE:
        return Verdict(LinkStatus.UNVERIFIED, f"{what}{tries}")
    if 300 <= code < 400:
        return Verdict(LinkStatus.UNVERIFIED, f"{what} without a usable Location header")
    return Verdict(LinkStatus.UNVERIFIED, what)


def classify_failure(failure: TransportFailure, host: str, *, attempts: int = 1) -> Verdict:
    """The verdict when no HTTP answer came back."""
    if failure.kind is FailureKind.UNKNOWN_HOST:
        return Verdict(LinkStatus.BROKEN, f"{failure.detail}: {host}")
    tries = f" after {attempts} attempts" if attempts > 1 else ""
    return Verdict(LinkStatus.UNVERIFIED, f"{failure.detail} ({host}){tries}")


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
