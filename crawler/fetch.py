"""One hop of a link check: HEAD then GET, a capped body, and retries through ``retry.py``.

The happy path never builds a retry loop (that alone was ~8% of the CPU per URL): the first
attempt runs bare, and only when it fails does ``call_with_retries`` take over, starting from
that failure so that its wait (backoff, or the server's ``Retry-After``) comes first.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

import httpx
from yarl import URL

from crawler.classify import is_retryable_status, retry_after_seconds
from crawler.failures import TransportFailure, describe_failure
from crawler.hosts import HostLimiter
from crawler.net import Exchange, exchange
from crawler.retry import RetryPolicy, call_with_retries

__all__ = ["Fetcher", "HostState", "NoAnswer", "RetryableAnswer", "retry_policy"]

T = TypeVar("T")
_IDENTITY = {"Accept-Encoding": "identity"}  # a capped body must be the page's bytes, not gzip


@dataclass
class HostState:
    """What one run has learned about one host."""

    accept: frozenset[int]  # statuses counted as ok for this host
    no_head: bool = False  # refused HEAD once (405/501): go straight to GET
    tried: bool = False
    answered: bool = False
    failure: TransportFailure | None = None  # a connection-level failure, after retries


class RetryableAnswer(Exception):
    """An HTTP answer (429, 5xx) worth another attempt; carries the server's wait hint."""

    def __init__(self, answer: Exchange, wait: float | None) -> None:
        super().__init__(f"HTTP {answer.status}")
        self.answer = answer
        self.wait = wait


class NoAnswer(Exception):
    """No HTTP answer came back (after retries, if any)."""

    def __init__(self, failure: TransportFailure, attempts: int) -> None:
        super().__init__(failure.detail)
        self.failure = failure
        self.attempts = attempts


def _retry_on(exc: BaseException) -> bool:
    if isinstance(exc, RetryableAnswer):
        return True
    failure = describe_failure(exc)
    return failure is not None and failure.retryable


def _wait_hint(exc: BaseException) -> float | None:
    return exc.wait if isinstance(exc, RetryableAnswer) else None


def retry_policy(attempts: int, initial: float, maximum: float, max_wait: float) -> RetryPolicy:
    """Retry timeouts, connection errors (not unknown hosts or TLS), 429 and 5xx; honour Retry-After."""
    return RetryPolicy(
        attempts=attempts,
        initial=initial,
        maximum=maximum,
        max_wait=max_wait,
        retry_on=_retry_on,
        wait_hint=_wait_hint,
    )


def _replaying(first: BaseException, fn: Callable[[], Awaitable[T]]) -> Callable[[], Awaitable[T]]:
    """*fn*, except that the first call re-raises *first*: the retry loop then computes its
    wait from the attempt that already failed instead of repeating it at once."""
    pending = [first]

    async def call() -> T:
        if pending:
            raise pending.pop()
        return await fn()

    return call


class Fetcher:
    def __init__(self, client: httpx.AsyncClient, policy: RetryPolicy, *, timeout: float, body_cap: int) -> None:
        self.client = client
        self.policy = policy
        self.timeout = timeout
        self.body_cap = body_cap

    async def fetch(
        self, url: URL, state: HostState, limiter: HostLimiter | None, cookies: Mapping[str, str]
    ) -> tuple[Exchange, int]:
        """One hop's answer and the attempts it took; raises NoAnswer or retry.WaitTooLong.

        A 429/5xx that outlasts the retries is returned (the caller classifies it).
        """
        attempts = 0

        async def attempt() -> Exchange:
            nonlocal attempts
            attempts += 1
            answer = await self._head_then_get(url, state, limiter, cookies)
            if is_retryable_status(answer.status) and answer.status not in state.accept:
                raise RetryableAnswer(answer, retry_after_seconds(answer.headers))
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

    async def _head_then_get(
        self, url: URL, state: HostState, limiter: HostLimiter | None, cookies: Mapping[str, str]
    ) -> Exchange:
        if not state.no_head:
            try:
                head = await self._send("HEAD", url, state, limiter, cookies)
            except (httpx.RemoteProtocolError, httpx.ReadError, httpx.ReadTimeout):
                head = None  # some servers hang up on HEAD, or never answer it; GET decides
            if head is not None:
                code = head.status
                # An error (or a 202 "challenge") to HEAD is confirmed with GET before it counts.
                if (code < 400 and code != 202) or code in state.accept or code == 429:
                    return head
                if code in (405, 501):
                    state.no_head = True
        return await self._send("GET", url, state, limiter, cookies)

    async def _send(
        self, method: str, url: URL, state: HostState, limiter: HostLimiter | None, cookies: Mapping[str, str]
    ) -> Exchange:
        if limiter is not None:
            await limiter.pace()
        state.tried = True
        headers = _IDENTITY if method == "GET" else None
        if cookies:
            headers = {**(headers or {}), "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
        answer = await exchange(
            self.client,
            method,
            url,
            headers=headers,
            want_body=self._want_body if method == "GET" else None,
            body_cap=self.body_cap,
            deadline=2 * self.timeout,  # a server that drips bytes forever still ends
        )
        state.answered = True
        return answer

    def _want_body(self, code: int, headers: Mapping[str, str]) -> bool:
        # Error pages are read for anti-bot markers. A body that fits the cap is read even when
        # nobody looks at it: the pooled connection is then reused instead of closed mid-answer.
        if code >= 400 or code == 202:
            return True
        size = headers.get("content-length", "")
        return size.isdigit() and int(size) <= self.body_cap
