"""What the corpus-host adapters share: one polite GET with retries, the batch loop, units, licences.

Shapes:

- :class:`HostClient.get` sends one request through :func:`crawler.net.exchange` (redirects not
  followed, body capped, ``Accept-Encoding: identity`` so the capped bytes are the text itself)
  and returns a :class:`Reply`. 429 and 5xx answers and transport failures are retried through
  :mod:`crawler.retry`, waiting what ``Retry-After`` or ``X-RateLimit-Reset`` (seconds, or a Unix
  time as Zenodo and GitHub send it) asks; a wait above the policy's ``max_wait`` or retries that
  run out raise :class:`HostDown` (``limited`` set for a rate limit), after which the adapter asks
  nothing more of that host this run. An answer saying ``X-RateLimit-Remaining: 0`` with a reset
  further away than ``max_wait`` stops the next request before it is sent.
- :func:`answer_batch` is the loop every per-record adapter runs: parse each URL to a key, look
  each key up once, turn the lookup into one answer per URL; when the host is down, the remaining
  URLs become page checks carrying their previous metadata (stale) and one notice says so.
- :func:`parse_size` reads "1.2 GB" style sizes (decimal units, binary for KiB/MiB...);
  :func:`spdx` maps a host's licence id or name to its SPDX id, or keeps the host's string.
"""

from __future__ import annotations

import json
import logging
import math
import re
import time
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import SplitResult, urlsplit

import httpx

from crawler import net
from crawler.classify import retry_after_seconds
from crawler.failures import failure_words
from crawler.retry import RetryPolicy, WaitTooLong, call_with_retries
from crawler.sources.base import Answered, PageCheck, SourceContext, SourceReport
from crawler.sources.errors import ApiUnavailable, RetryableError
from crawler.status import LinkStatus

if TYPE_CHECKING:  # imported where built: `import crawler.sources` stays pydantic-free (sources/__init__.py)
    from crawler.models import LinkMeta, Metadata, Outcome

__all__ = [
    "HostClient",
    "HostDown",
    "Reply",
    "answer_batch",
    "answer_for_each",
    "behind_login",
    "carry",
    "host_port",
    "make_outcome",
    "matches_host",
    "parse_size",
    "spdx",
]

log = logging.getLogger(__name__)
K = TypeVar("K", bound=Hashable)
Answer = Answered | PageCheck
JSON_CAP = 8 * 1024 * 1024
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


@dataclass
class Reply:
    """One answer: status, lower-case headers, the (capped) body and the URL asked."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    url: str

    def json(self) -> Any:
        """The body as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.body.decode("utf-8", errors="replace"))
        except ValueError:
            return None

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def location(self) -> str | None:
        """The redirect target, absolute, when this is a redirect."""
        target = self.headers.get("location")
        if self.status in (301, 302, 303, 307, 308) and target:
            return str(httpx.URL(self.url).join(target))
        return None


class HostDown(ApiUnavailable):
    """The host could not be asked this run (unreachable, failing, or rate-limited for too long).

    One of :mod:`crawler.sources.errors`' set: an :class:`ApiUnavailable` that also says how long
    the host asked to wait (``limited``, seconds) when a rate limit is why.
    """

    def __init__(self, reason: str, limited: float | None = None) -> None:
        super().__init__(reason)
        self.limited = limited


def rate_limit_wait(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds to wait from ``Retry-After``, else ``X-RateLimit-Reset`` (seconds or a Unix time)."""
    seconds = retry_after_seconds(headers)
    if seconds is not None:
        return seconds
    reset = (headers.get("x-ratelimit-reset") or "").strip()
    try:
        value = float(reset)
    except ValueError:
        return None
    if value > 1_000_000_000:  # a Unix time, as Zenodo (Flask-Limiter) and GitHub send it
        return max(0.0, value - (time.time() if now is None else now))
    return max(0.0, value)


POLICY = RetryPolicy(
    attempts=3,
    max_wait=60.0,
    retry_on=lambda exc: isinstance(exc, RetryableError),
    wait_hint=lambda exc: exc.wait if isinstance(exc, RetryableError) else None,
)


class HostClient:
    """Requests to one host for one run, counted in ``report.api_requests``."""

    def __init__(self, ctx: SourceContext, report: SourceReport, policy: RetryPolicy = POLICY) -> None:
        self.client = ctx.client
        self.report = report
        self.policy = policy
        self._spent: float | None = None  # seconds until the budget resets, once a reply said 0 remain

    async def get(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        accept: str = "application/json",
        cap: int = JSON_CAP,
        method: str = "GET",
    ) -> Reply:
        """One request with retries; raises :class:`HostDown` when the host cannot answer this run."""
        if self._spent is not None and self._spent > self.policy.max_wait:
            # The last answer said no request remains until a reset too far away: sending more
            # would only collect 429s.
            raise HostDown(f"{_origin(url)} rate limit spent for {self._spent:.0f}s", self._spent)
        sent = {"Accept": accept, "Accept-Encoding": "identity", **(headers or {})}

        async def once() -> Reply:
            self.report.api_requests += 1
            try:
                got = await net.exchange(self.client, method, url, headers=sent, want_body=_always, body_cap=cap)
            except (httpx.TransportError, TimeoutError) as exc:
                raise RetryableError(f"{failure_words(exc)} talking to {_origin(url)}") from None
            if got.status in _RETRY_STATUS:
                raise RetryableError(f"HTTP {got.status} from {_origin(url)}", rate_limit_wait(got.headers))
            if (got.headers.get("x-ratelimit-remaining") or "").strip() == "0":
                self._spent = rate_limit_wait(got.headers)
            return Reply(got.status, got.headers, got.body or b"", url)

        try:
            return await call_with_retries(self.policy, once)
        except WaitTooLong as exc:
            raise HostDown(f"{_origin(url)} is rate-limited for {exc.seconds:.0f}s", exc.seconds) from None
        except RetryableError as exc:
            raise HostDown(str(exc)) from None


def _always(status: int, headers: Mapping[str, str]) -> bool:
    return True


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


# --------------------------------------------------------------------------- URL matching


def host_port(parts: SplitResult) -> str:
    """``host:port`` with the scheme's default port filled in ('' for a bad port)."""
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return ""
    return f"{(parts.hostname or '').lower()}:{port}"


def matches_host(url: str, public: Iterable[str], base: str) -> SplitResult | None:
    """The split *url* when its host is one of *public* or the configured *base*'s host:port."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if parts.hostname.lower() in public:
        return parts
    configured = urlsplit(base)
    if configured.hostname and host_port(parts) == host_port(configured):
        return parts
    return None


# --------------------------------------------------------------------------- answers


def make_outcome(
    url: str,
    status: LinkStatus,
    reason: str,
    at: datetime,
    *,
    http: int | None = None,
    cause: str | None = None,
    meta: LinkMeta | None = None,
    final: str | None = None,
) -> Outcome:
    from crawler.models import LinkResult, Outcome

    result = LinkResult(
        url=url, status=status, reason=reason, cause=cause, http_status=http, final_url=final, checked_at=at
    )
    return Outcome(result=result, meta=meta)


def answer_for_each(status: LinkStatus, reason: str, at: datetime, **fields: Any) -> Callable[[str], Answered]:
    """One host answer for every URL citing the same target: ``url -> Answered(make_outcome(url, ...))``
    with *status*, *reason*, *at* and the keyword *fields* of :func:`make_outcome`."""
    return lambda url: Answered(make_outcome(url, status, reason, at, **fields))


def behind_login(reason: str, at: datetime, http: int, meta: LinkMeta, **fields: Any) -> Callable[[str], Answered]:
    """The answer for a target only an account (or a grant) can see: ``unverified``, cause ``login-required``."""
    return answer_for_each(LinkStatus.UNVERIFIED, reason, at, http=http, cause="login-required", meta=meta, **fields)


def carry(ctx: SourceContext, url: str, fresh: LinkMeta | None = None) -> Metadata:
    """What a page check of *url* carries: *fresh* metadata, else the previous run's, stale."""
    from crawler.models import Metadata

    if fresh is not None:
        return Metadata(meta=fresh)
    previous = ctx.previous.get(url)
    return previous.carried() if previous is not None else Metadata()


Lookup = Callable[[HostClient, K], Awaitable[Callable[[str], Answer]]]


async def answer_batch(
    urls: Sequence[str],
    ctx: SourceContext,
    parse: Callable[[str], K | None],
    lookup: Lookup[K],
    label: str,
    *,
    page_says_nothing: bool = False,
) -> SourceReport:
    """One lookup per distinct key, one answer per URL; a host that goes down turns the rest into page checks.

    *page_says_nothing*: the host's pages answer 200 whatever the record's state (a deleted Netdisk
    share, a Drive item behind the sign-in), so a page check would read ``ok`` for a dead link: when
    the host cannot be asked, the remaining links are ``unverified`` instead (cause ``rate-limited``
    or ``host-unavailable``), keeping their previous metadata, marked stale.
    """
    from pydantic import ValidationError

    report = SourceReport()
    api = HostClient(ctx, report)
    groups: dict[K, list[str]] = {}
    for url in dict.fromkeys(urls):
        key = parse(url)
        if key is None:
            report.page_check(url, carry(ctx, url), f"{label} cannot read this URL form")
        else:
            groups.setdefault(key, []).append(url)
    stopped: str | None = None
    cause = "host-unavailable"
    fell_back = 0
    for key, group in groups.items():
        decide = None
        if stopped is None:
            try:
                decide = await lookup(api, key)
            except HostDown as exc:
                stopped = str(exc)
                cause = "rate-limited" if exc.limited is not None else cause
            except ValidationError as exc:  # an answer shaped unlike the documented one: no verdict from it
                log.warning("%s: unexpected answer for %s: %s", label, key, exc.errors()[0]["msg"])
                decide = _unexpected(label)
            except _MALFORMED as exc:  # a field of the wrong type or out of range (a string for an object, 1e999)
                log.warning("%s: unexpected answer for %s: %s", label, key, type(exc).__name__)
                decide = _unexpected(label)
        for url in group:
            if decide is None and page_says_nothing:
                reason = f"{label} could not be asked ({stopped}); its pages answer 200 whatever the link's state"
                at = ctx.now()
                kept = carry(ctx, url)
                outcome = make_outcome(url, LinkStatus.UNVERIFIED, reason, at, cause=cause)
                report.answer(url, outcome.model_copy(update=dict(kept)))
                fell_back += 1
            elif decide is None:
                report.page_check(url, carry(ctx, url), stopped or "")
                fell_back += 1
            else:
                report.answers[url] = decide(url)
    if stopped:
        then = "are unverified this run" if page_says_nothing else "fall back to page checks"
        report.notices.append(
            f"{label} could not be asked ({stopped}): {fell_back} link(s) {then} "
            "and keep their previous metadata, marked stale."
        )
    return report


# What reading a malformed answer raises (ValidationError is a ValueError): never a verdict, never a crash.
_MALFORMED = (ValueError, TypeError, AttributeError, KeyError, IndexError, OverflowError)


def _unexpected(label: str) -> Callable[[str], Answer]:
    return lambda url: PageCheck(why=f"{label} gave an unexpected answer")


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_datetime(value: object) -> datetime | None:
    """An ISO 8601 string or a Unix time (seconds) as an aware datetime; None when unreadable."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):  # 1e40, inf: out of any calendar
            return None
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def count(value: object) -> int | None:
    """A non-negative integer from a JSON value, else None (also for JSON's 1e999, read as infinity)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return int(value) if value >= 0 else None


# --------------------------------------------------------------------------- units and licences

_UNITS = {
    "": 1, "b": 1, "bytes": 1, "byte": 1,
    "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12, "pb": 10**15,
    "k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12,
    "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40, "pib": 2**50,
}  # fmt: skip
_SIZE = re.compile(r"^\s*([0-9]+(?:[.,][0-9]+)?)\s*([a-zA-Z]*)\s*$")


def parse_size(text: str | None) -> int | None:
    """Bytes in a size such as ``1.2 GB``, ``830 MiB`` or ``512``; None when unreadable."""
    match = _SIZE.match(text or "")
    if not match:
        return None
    factor = _UNITS.get(match.group(2).lower())
    if factor is None:
        return None
    return int(float(match.group(1).replace(",", ".")) * factor)


_SPDX_IDS = """
    0BSD AFL-3.0 AGPL-3.0-only AGPL-3.0-or-later Apache-2.0 Artistic-2.0 BSD-2-Clause BSD-3-Clause BSL-1.0
    CC-BY-1.0 CC-BY-2.0 CC-BY-2.5 CC-BY-3.0 CC-BY-4.0 CC-BY-NC-2.0 CC-BY-NC-3.0 CC-BY-NC-4.0 CC-BY-NC-ND-3.0
    CC-BY-NC-ND-4.0 CC-BY-NC-SA-2.0 CC-BY-NC-SA-3.0 CC-BY-NC-SA-4.0 CC-BY-ND-4.0 CC-BY-SA-3.0 CC-BY-SA-4.0
    CC0-1.0 CDLA-Permissive-1.0 CDLA-Permissive-2.0 CDLA-Sharing-1.0 ECL-2.0 EPL-2.0 EUPL-1.2 GPL-2.0-only
    GPL-2.0-or-later GPL-3.0-only GPL-3.0-or-later ISC LGPL-2.1-only LGPL-3.0-only MIT MPL-2.0 ODbL-1.0
    ODC-By-1.0 OFL-1.1 PDDL-1.0 Unlicense WTFPL Zlib
"""
_SPDX = {spdx_id.lower(): spdx_id for spdx_id in _SPDX_IDS.split()}
_SPDX_ALIASES = {
    "apache license 2.0": "Apache-2.0", "apache license, version 2.0": "Apache-2.0", "apache 2.0": "Apache-2.0",
    "apache-2": "Apache-2.0", "mit license": "MIT", "bsd 3-clause license": "BSD-3-Clause",
    "gpl-3.0": "GPL-3.0-only", "gpl-2.0": "GPL-2.0-only", "agpl-3.0": "AGPL-3.0-only",
    "gnu general public license version 3": "GPL-3.0-only", "cc0": "CC0-1.0", "cc-zero": "CC0-1.0",
    "cc0 1.0": "CC0-1.0", "creative commons zero 1.0 universal public domain dedication": "CC0-1.0",
    "creative commons attribution 4.0 international public license": "CC-BY-4.0",
    "creative commons attribution 4.0 international": "CC-BY-4.0",
    "creative commons attribution-sharealike 4.0 international public license": "CC-BY-SA-4.0",
    "creative commons attribution-noncommercial 4.0 international": "CC-BY-NC-4.0",
    "open data commons attribution license v1.0": "ODC-By-1.0", "odc-by": "ODC-By-1.0",
    "open data commons open database license v1.0": "ODbL-1.0", "odbl": "ODbL-1.0",
    "open data commons public domain dedication and license v1.0": "PDDL-1.0",
    "cc by 4.0": "CC-BY-4.0", "cc by-sa 4.0": "CC-BY-SA-4.0", "cc by-nc 4.0": "CC-BY-NC-4.0",
    "cc by-nc-sa 4.0": "CC-BY-NC-SA-4.0", "cc by-nd 4.0": "CC-BY-ND-4.0", "cc by-nc-nd 4.0": "CC-BY-NC-ND-4.0",
    "cc by 3.0": "CC-BY-3.0", "cc-by": "CC-BY-4.0", "cc-by-sa": "CC-BY-SA-4.0", "cc-by-nc": "CC-BY-NC-4.0",
    "cc-by-nc-sa": "CC-BY-NC-SA-4.0", "cc-by-nd": "CC-BY-ND-4.0", "cc-by-nc-nd": "CC-BY-NC-ND-4.0",
}  # fmt: skip


def spdx(value: object) -> str | None:
    """The SPDX id for a host's licence id or name (case-insensitive), else the host's own string."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    key = text.lower()
    return _SPDX.get(key) or _SPDX_ALIASES.get(key) or text
