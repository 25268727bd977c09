"""One archive API as the crawler uses it: paced, budgeted, rate-limit aware, never raising.

Both archives rate-limit and both punish clients that ignore it, so a :class:`Service` stops
asking for the rest of the run as soon as the service says "enough":

- **HTTP 429** from either service. The Wayback Machine's staff: CDX requests above the limit get
  429s, and "if 429s are ignored for more than a minute we block the IP at the firewall for 1 hour"
  (https://github.com/edgi-govdata-archiving/wayback/issues/137; the limit is now 24 requests a
  minute, https://github.com/edgi-govdata-archiving/wayback/releases/tag/v0.5.1). Save Page Now
  answers its "Too Many Requests" HTML page and blocks the IP for 5 minutes
  (https://github.com/akamhy/waybackpy/issues/97). Software Heritage answers 429 with a JSON
  ``{"exception": "Throttled", ...}`` body (swh-web ``swh/web/api/apiresponse.py``).
- **A "Too Many Requests" page** where JSON was expected (the Wayback Machine's HTML page, with
  any status).
- **``X-RateLimit-Remaining: 0``** (Software Heritage sends ``X-RateLimit-Limit``, ``-Remaining``
  and ``-Reset`` (Unix seconds) on every API answer: https://archive.softwareheritage.org/api/
  "Rate limiting", swh-web ``swh/web/utils/middlewares.py``). The answer in hand is still used.

Requests are spaced ``min_interval`` seconds apart (a :class:`~crawler.hosts.HostLimiter`; the
wait goes through :func:`crawler.retry.pause`, so tests never sleep) and capped at ``budget`` per
run. 5xx answers and transport errors are retried once through :mod:`crawler.retry`; what still
fails is counted, and the caller leaves the link's ``archive`` field empty. :meth:`Service.notice`
sums a run up in one sentence (or ``None`` when all went well). Credentials go in ``headers`` and
never into a message.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from crawler.hosts import HostLimiter
from crawler.models import ArchiveCopy
from crawler.retry import RetryPolicy, call_with_retries, pause

__all__ = ["Lookup", "SaveAnswer", "Service"]

log = logging.getLogger(__name__)


class _ServerError(Exception):
    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


_RETRY = RetryPolicy(
    attempts=2,
    initial=1.0,
    maximum=4.0,
    retry_on=lambda exc: isinstance(exc, _ServerError | httpx.TransportError),
)


def _too_many_page(response: httpx.Response) -> bool:
    kind = response.headers.get("content-type", "")
    return "html" in kind and b"too many requests" in response.content[:4096].lower()


@dataclass
class Service:
    """One archive API for one run. ``name`` is what users read ("the Wayback Machine")."""

    name: str
    client: httpx.AsyncClient = field(repr=False)
    budget: int
    min_interval: float = 0.0
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)  # may hold credentials
    sent: int = 0
    failed: int = 0
    first_failure: str | None = None
    stopped: str | None = None  # why this service is asked nothing more this run
    unasked: int = 0  # lookups not made: budget spent or service stopped

    def __post_init__(self) -> None:
        self._limiter = HostLimiter(1, self.min_interval, sleep=pause)

    @property
    def available(self) -> bool:
        """True while this run may still send a request."""
        return self.stopped is None and self.sent < self.budget

    def skip(self) -> None:
        """Count a lookup that was not made (budget spent or service stopped)."""
        self.unasked += 1

    async def request(
        self,
        method: str,
        url: str,
        *,
        subject: str,
        params: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
    ) -> httpx.Response | None:
        """The answer to interpret, or None (not sent, rate-limited or failed: already counted).

        *subject* is the link or repository asked about (what a failure notice names). Any status
        below 500 but 429 is returned for the caller to read; 5xx and transport errors are retried
        once, then counted as a failure.
        """
        if not self.available:
            self.skip()
            return None
        headers = {"Accept": "application/json", **self.headers}

        async def once() -> httpx.Response:
            await self._limiter.pace()
            self.sent += 1
            response = await self.client.request(method, url, params=params, data=data, headers=headers)
            if response.status_code >= 500 and not _too_many_page(response):
                raise _ServerError(response)
            return response

        await self._limiter.acquire()
        try:
            response = await call_with_retries(_RETRY, once)
        except _ServerError as exc:
            self._fail(subject, f"HTTP {exc.response.status_code}")
            return None
        except (httpx.HTTPError, TimeoutError, OSError) as exc:
            self._fail(subject, _describe(exc))
            return None
        finally:
            self._limiter.release()
        if response.status_code == 429 or _too_many_page(response):
            self._rate_limited(response)
            return None
        self._read_quota(response)
        return response

    def fail(self, subject: str, why: str) -> None:
        """Count a lookup whose answer could not be used (e.g. not the JSON documented)."""
        self._fail(subject, why)

    def _fail(self, subject: str, why: str) -> None:
        self.failed += 1
        if self.first_failure is None:
            self.first_failure = f"{subject}: {why}"
        # One line per failed lookup is for -v: by default the run's notice sums them up in one sentence.
        log.debug("%s: %s: %s", self.name, subject, why)

    def _rate_limited(self, response: httpx.Response) -> None:
        wait = response.headers.get("retry-after")
        reset = _reset_at(response)
        detail = f"HTTP {response.status_code}"
        if wait:
            detail += f", Retry-After {wait}"
        elif reset:
            detail += f", limit resets at {reset:%H:%M} UTC"
        self.stopped = f"it answered {detail}"
        self.unasked += 1  # the lookup that met the limit got no answer either
        log.info("%s rate-limited the crawler (%s); no more requests to it this run.", self.name, detail)

    def _read_quota(self, response: httpx.Response) -> None:
        remaining = response.headers.get("x-ratelimit-remaining")
        if remaining is not None and remaining.strip().lstrip("-").isdigit() and int(remaining) <= 0:
            reset = _reset_at(response)
            until = f" until {reset:%H:%M} UTC" if reset else ""
            limit = response.headers.get("x-ratelimit-limit", "?")
            self.stopped = f"its rate limit (X-RateLimit-Limit {limit}) is used up{until}"

    def notice(self, what: str) -> str | None:
        """One sentence for the user about this run's problems with the service, or None.

        *what* names the work, e.g. "archive lookups" or "save requests".
        """
        parts: list[str] = []
        if self.failed:
            parts.append(f"{self.failed} of its {what} failed (first: {self.first_failure})")
        if self.unasked:
            why = self.stopped or f"the per-run budget of {self.budget} requests is spent"
            parts.append(f"{self.unasked} {what} were not made because {why}")
        elif self.stopped:
            parts.append(f"the crawler stopped asking it because {self.stopped}")
        if not parts:
            return None
        return f"{self.name}: " + "; ".join(parts) + "."


def _reset_at(response: httpx.Response) -> datetime | None:
    raw = response.headers.get("x-ratelimit-reset", "").strip()
    if not raw.isdigit():
        return None
    try:
        return datetime.fromtimestamp(int(raw), tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _describe(exc: Exception) -> str:
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return "timed out"
    if isinstance(exc, httpx.ConnectError):
        return "could not connect"
    return exc.__class__.__name__


@dataclass(frozen=True)
class Lookup:
    """What one archive said about one URL: ``answered`` False when it could not be asked or failed."""

    answered: bool
    copy: ArchiveCopy | None = None


@dataclass(frozen=True)
class SaveAnswer:
    """What one save request achieved: ``requested`` True when the archive took it."""

    source: str  # "software-heritage" or "wayback"
    url: str
    requested: bool
    detail: str
