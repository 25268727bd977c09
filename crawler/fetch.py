"""One hop of a link check: the single send. HEAD then GET, a capped body, host pauses, retries.

:meth:`Fetcher.fetch` answers one URL on one :class:`~crawler.host.Host` (redirects are followed
by ``redirects.py``, one ``fetch`` per hop). What it does with what comes back:

- **429, or 503 with Retry-After**: the host asked to wait. The whole host pauses (``Host.pause``)
  and the request is sent again once the pause is over; this is not a failed attempt. A wait
  past the host's budget raises :class:`RateLimited`.
- **Other 5xx, 408, 425**: a failed attempt, retried with backoff through ``retry.py``; the last
  answer is returned when the attempts run out.
- **No answer** (refused, reset, timed out): a failed attempt; :class:`NoAnswer` when they run out.
- **HEAD refused (405/501), hung up on, or timed out**: the same attempt goes on with GET, and
  the host gets GET only from then on (a silent server must not cost a HEAD timeout and then a
  GET timeout on every attempt).
- Before every attempt: if the host has meanwhile been found dead (silent, refusing, over its
  wait budget), :class:`HostGaveUp` carries that verdict instead of another timeout.

The happy path never builds a retry loop (that alone was ~8% of the CPU per URL): the first
attempt runs bare, and only when it fails does ``call_with_retries`` take over, starting from
that failure so that its backoff comes first. With ``-vv`` every request is logged
(logger ``crawler.requests``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import TypeVar

import httpx
from yarl import URL

from crawler.classify import Verdict, is_retryable_status, retry_after_seconds
from crawler.failures import TransportFailure, describe_failure
from crawler.host import Host
from crawler.net import Exchange, exchange
from crawler.retry import Clock, RetryPolicy, call_with_retries

__all__ = ["Fetcher", "HostGaveUp", "NoAnswer", "RateLimited", "RetryableAnswer", "retry_policy"]

T = TypeVar("T")
_IDENTITY = {"Accept-Encoding": "identity"}  # a capped body must be the page's bytes, not gzip
requests_log = logging.getLogger("crawler.requests")
log = logging.getLogger(__name__)


class RetryableAnswer(Exception):
    """An HTTP answer (5xx, 408, 425) worth another attempt."""

    def __init__(self, answer: Exchange) -> None:
        super().__init__(f"HTTP {answer.status}")
        self.answer = answer


class NoAnswer(Exception):
    """No HTTP answer came back (after retries, if any)."""

    def __init__(self, failure: TransportFailure, attempts: int) -> None:
        super().__init__(failure.detail)
        self.failure = failure
        self.attempts = attempts


class RateLimited(Exception):
    """The host asked for a wait (*seconds*, None when it named none) past its wait budget."""

    def __init__(self, answer: Exchange, seconds: float | None, host: Host) -> None:
        super().__init__(f"HTTP {answer.status}")
        self.answer = answer
        self.seconds = seconds
        self.host = host


class HostGaveUp(Exception):
    """The host was found dead while this URL waited; *verdict* is what its URLs get."""

    def __init__(self, verdict: Verdict) -> None:
        super().__init__(verdict.reason)
        self.verdict = verdict


def _retry_on(exc: BaseException) -> bool:
    if isinstance(exc, RetryableAnswer):
        return True
    failure = describe_failure(exc)
    return failure is not None and failure.retryable


def retry_policy(attempts: int, initial: float, maximum: float) -> RetryPolicy:
    """Retry timeouts, connection errors (not unknown hosts or TLS) and 5xx with backoff."""
    return RetryPolicy(attempts=attempts, initial=initial, maximum=maximum, retry_on=_retry_on)


def _replaying(first: BaseException, fn: Callable[[], Awaitable[T]]) -> Callable[[], Awaitable[T]]:
    """*fn*, except that the first call re-raises *first*: the retry loop then computes its
    wait from the attempt that already failed instead of repeating it at once."""
    pending = [first]

    async def call() -> T:
        if pending:
            raise pending.pop()
        return await fn()

    return call


def _get_only(host: Host, why: str) -> None:
    if not host.get_only:
        host.get_only = True
        log.debug("%s: %s, GET only from now on", host.name, why)


def asks_to_wait(answer: Exchange) -> bool:
    """A rate limit: 429, or 503 that says when to come back (RFC 9110 section 15.6.4)."""
    return answer.status == 429 or (answer.status == 503 and "retry-after" in answer.headers)


class Fetcher:
    """Sends one hop's requests on the run's shared client."""

    def __init__(
        self, client: httpx.AsyncClient, policy: RetryPolicy, *, timeout: float, body_cap: int, clock: Clock
    ) -> None:
        self.client = client
        self.policy = policy
        self.timeout = timeout
        self.body_cap = body_cap
        self.clock = clock

    async def fetch(self, url: URL, host: Host, cookies: Mapping[str, str]) -> tuple[Exchange, int]:
        """One hop's answer and the attempts it took.

        Raises NoAnswer, RateLimited or HostGaveUp. A 5xx that outlasts the retries is returned.
        """
        attempts = 0

        async def attempt() -> Exchange:
            nonlocal attempts
            if host.dead is not None:
                raise HostGaveUp(host.dead)
            attempts += 1
            while True:
                answer = await self._head_then_get(url, host, cookies)
                if answer.status in host.accept:
                    return answer
                if asks_to_wait(answer):
                    seconds = retry_after_seconds(answer.headers)
                    until = host.paused_until
                    if not host.pause(seconds, self.clock):
                        raise RateLimited(answer, seconds, host)
                    if host.paused_until > until:
                        left = host.paused_until - self.clock.now()
                        log.debug(
                            "%s: HTTP %s, host paused %.1f s, then one request at a time",
                            host.name,
                            answer.status,
                            left,
                        )
                    if host.dead is not None:
                        raise HostGaveUp(host.dead)
                    continue
                if is_retryable_status(answer.status):
                    raise RetryableAnswer(answer)
                return answer

        try:
            try:
                return await attempt(), attempts
            except (RetryableAnswer, httpx.TransportError, TimeoutError) as first:
                if not _retry_on(first):
                    raise
                return await call_with_retries(self.policy, _replaying(first, attempt)), attempts
        except RetryableAnswer as exc:
            return exc.answer, attempts
        except (httpx.TransportError, TimeoutError) as exc:
            failure = describe_failure(exc)
            if failure is None:  # pragma: no cover - describe_failure knows every TransportError
                raise
            raise NoAnswer(failure, attempts) from exc

    async def _head_then_get(self, url: URL, host: Host, cookies: Mapping[str, str]) -> Exchange:
        if not host.get_only:
            try:
                head = await self._send("HEAD", url, host, cookies)
            except (httpx.RemoteProtocolError, httpx.ReadError):
                head = None  # some servers hang up on HEAD; GET decides
            except (httpx.ReadTimeout, TimeoutError):
                head = None  # never answers HEAD (or at all): GET decides, and only GET from now on
                _get_only(host, "HEAD timed out")
            if head is not None:
                code = head.status
                # An error (or a 202 "challenge") to HEAD is confirmed with GET before it counts.
                if (code < 400 and code != 202) or code in host.accept or asks_to_wait(head):
                    return head
                if code in (405, 501):
                    _get_only(host, f"HEAD refused with {code}")
        return await self._send("GET", url, host, cookies)

    async def _send(self, method: str, url: URL, host: Host, cookies: Mapping[str, str]) -> Exchange:
        # Rate limited once: one request at a time, each after the pause (no lock otherwise).
        lock = host.serial() if host.throttled else None
        if lock is not None:
            await lock.acquire()
        try:
            if host.paused_until:
                await host.ready(self.clock)
            if host.limiter.min_interval:
                await host.limiter.pace()
            headers = _IDENTITY if method == "GET" else None
            if cookies:
                headers = {**(headers or {}), "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
            try:
                answer = await exchange(
                    self.client,
                    method,
                    url,
                    headers=headers,
                    want_body=self._want_body if method == "GET" else None,
                    body_cap=self.body_cap,
                    deadline=2 * self.timeout,  # a server that drips bytes forever still ends
                )
            except (httpx.TransportError, TimeoutError) as exc:
                if requests_log.isEnabledFor(logging.DEBUG):
                    requests_log.debug("%s %s -> no answer (%s)", method, url, exc or type(exc).__name__)
                raise
        finally:
            if lock is not None:
                lock.release()
        host.answered = True
        if requests_log.isEnabledFor(logging.DEBUG):
            requests_log.debug("%s %s -> %s", method, url, answer.status)
        return answer

    def _want_body(self, code: int, headers: Mapping[str, str]) -> bool:
        # Error pages are read for anti-bot markers. A body that fits the cap is read even when
        # nobody looks at it: the pooled connection is then reused instead of closed mid-answer.
        if code >= 400 or code == 202:
            return True
        size = headers.get("content-length", "")
        return size.isdigit() and int(size) <= self.body_cap
