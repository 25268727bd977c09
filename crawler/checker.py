"""The link-checking engine: every URL once, HEAD then GET, retries, hops, politeness, safety.

``check_urls`` dedups the list, hands one job per unique URL (fragments stripped: ``#a`` and
``#b`` share a request) to ``--concurrency`` workers through a per-host dispatcher
(``hosts.py``), and follows redirects itself: each hop's target passes the address guard
(``net.py``) again, and 301/308 are told apart from 302/303/307. Status rules are in
``classify.py``; retries go through ``retry.py`` only, and only once a first attempt has
failed (the happy path never builds a retry loop: that alone was ~8% of the CPU per URL).

When (nearly) every host fails at the connection level the run raises ``NetworkDown``
instead of reporting the world as broken.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from http.cookies import CookieError, SimpleCookie
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpx

from crawler.classify import (
    PERMANENT_REDIRECTS,
    REDIRECTS,
    Verdict,
    classify_answer,
    classify_failure,
    is_retryable_status,
    retry_after_seconds,
)
from crawler.errors import NetworkDown
from crawler.hosts import Dispatcher, HostLimiter
from crawler.models import CrawlConfig, HostConfig, LinkResult, LinkStatus
from crawler.net import AddressGuard, Resolver, TransportFailure, describe_failure
from crawler.retry import RetryPolicy, WaitTooLong, call_with_retries

__all__ = ["CheckOptions", "check_urls"]

# Share of the hosts tried that must fail at the connection level (with at least 3 tried)
# before the run is called a network failure instead of a list of dead links.
NETWORK_DOWN_SHARE = 0.9
_IDENTITY = {"Accept-Encoding": "identity"}  # a capped body must be the real bytes, not gzip


@dataclass(frozen=True)
class CheckOptions:
    """How a run checks links. ``from_config`` takes the registry's ``config:`` plus CLI flags."""

    concurrency: int = 64
    host_concurrency: int = 8
    timeout: float = 20.0
    allow_private: bool = False
    host_min_interval: float = 0.0  # seconds between request starts on one host
    hosts: Mapping[str, HostConfig] = field(default_factory=lambda: MappingProxyType({}))
    accept: frozenset[int] = frozenset()
    exclude: tuple[str, ...] = ()  # regular expressions, searched in the URL
    max_retry_after: float = 60.0
    attempts: int = 3
    body_cap: int = 64 * 1024
    max_redirects: int = 10
    backoff_initial: float = 0.5
    backoff_max: float = 8.0

    @classmethod
    def from_config(cls, config: CrawlConfig, **overrides: Any) -> CheckOptions:
        """Options from *config*, then *overrides* (None values are ignored, unknown names raise)."""
        base: dict[str, Any] = {
            "hosts": MappingProxyType(dict(config.hosts)),
            "accept": frozenset(config.accept),
            "exclude": tuple(config.exclude),
        }
        for name in ("concurrency", "host_concurrency", "timeout"):
            if getattr(config, name) is not None:
                base[name] = getattr(config, name)
        base.update({k: v for k, v in overrides.items() if v is not None})
        return replace(cls(), **base)


async def check_urls(
    urls: Iterable[str],
    *,
    client: httpx.AsyncClient,
    options: CheckOptions,
    on_result: Callable[[LinkResult], None] | None = None,
    resolver: Resolver | None = None,
) -> dict[str, LinkResult]:
    """Check every URL once; return one result per unique URL, in first-seen order.

    *resolver* replaces DNS for the address guard (tests). Raises ``NetworkDown`` when (nearly)
    every host tried failed at the connection level.
    """
    run = _Run(client, options, AddressGuard(allow_private=options.allow_private, resolver=resolver), on_result)
    return await run.check(urls)


# --------------------------------------------------------------------------- internals


@dataclass(frozen=True)
class _Outcome:
    status: LinkStatus
    reason: str
    http_status: int | None = None
    final_url: str | None = None


@dataclass
class _Answer:
    status: int
    headers: httpx.Headers
    body: bytes | None = None


class _RetryableAnswer(Exception):
    """An HTTP answer (429, 5xx) worth another attempt; carries the server's wait hint."""

    def __init__(self, answer: _Answer, wait: float | None) -> None:
        super().__init__(f"HTTP {answer.status}")
        self.answer = answer
        self.wait = wait


class _NoAnswer(Exception):
    """No HTTP answer came back (after retries, if any)."""

    def __init__(self, failure: TransportFailure, attempts: int) -> None:
        super().__init__(failure.detail)
        self.failure = failure
        self.attempts = attempts


@dataclass
class _Host:
    accept: frozenset[int]
    no_head: bool = False  # refused HEAD once (405/501): go straight to GET
    tried: bool = False
    answered: bool = False
    failure: TransportFailure | None = None  # a connection-level failure, after retries


def _retry_on(exc: BaseException) -> bool:
    if isinstance(exc, _RetryableAnswer):
        return True
    failure = describe_failure(exc)
    return failure is not None and failure.retryable


def _wait_hint(exc: BaseException) -> float | None:
    return exc.wait if isinstance(exc, _RetryableAnswer) else None


def _replaying(first: BaseException, fn: Callable[[], Any]) -> Callable[[], Any]:
    """*fn*, except that the first call re-raises *first*: the retry loop then computes its
    wait from the attempt that already failed instead of repeating it at once."""
    pending = [first]

    async def call() -> Any:
        if pending:
            raise pending.pop()
        return await fn()

    return call


class _Run:
    def __init__(
        self,
        client: httpx.AsyncClient,
        options: CheckOptions,
        guard: AddressGuard,
        on_result: Callable[[LinkResult], None] | None,
    ) -> None:
        self.client = client
        self.options = options
        self.guard = guard
        self.on_result = on_result
        self.hosts: dict[str, _Host] = {}
        self.results: dict[str, LinkResult] = {}
        self.cited: dict[str, list[str]] = {}  # request key -> the URLs (fragments kept) citing it
        self.dead: dict[str, _Outcome] = {}  # dispatch host -> what its remaining URLs get
        self.policy = RetryPolicy(
            attempts=options.attempts,
            initial=options.backoff_initial,
            maximum=options.backoff_max,
            max_wait=options.max_retry_after,
            retry_on=_retry_on,
            wait_hint=_wait_hint,
        )
        self.excludes = [re.compile(p) for p in options.exclude]
        self.any_exclude = re.compile("|".join(f"(?:{p})" for p in options.exclude)) if options.exclude else None

    # ------------------------------------------------------------------ run

    async def check(self, urls: Iterable[str]) -> dict[str, LinkResult]:
        unique = list(dict.fromkeys(urls))
        jobs: list[tuple[str, str]] = []
        for url in unique:
            key, _, _ = url.partition("#")
            if key in self.cited:
                self.cited[key].append(url)
                continue
            self.cited[key] = [url]
            host_or_outcome = self._precheck(key)
            if isinstance(host_or_outcome, _Outcome):
                self._emit(key, host_or_outcome, 0.0)
            else:
                jobs.append((host_or_outcome, key))
        dispatcher: Dispatcher[str, str] = Dispatcher(jobs, self._limiter)
        async with anyio.create_task_group() as tg:
            for _ in range(min(self.options.concurrency, len(dispatcher))):
                tg.start_soon(self._worker, dispatcher)
        self._network_guard()
        return {url: self.results[url] for url in unique}

    def _precheck(self, url: str) -> str | _Outcome:
        """The dispatch host of *url*, or the outcome when no request should be made."""
        try:
            parts = urlsplit(url)
            host = parts.hostname
        except ValueError:
            return _Outcome(LinkStatus.BROKEN, "malformed URL: it cannot be parsed")
        scheme = parts.scheme.lower()
        if not scheme:
            return _Outcome(LinkStatus.BROKEN, "not an absolute http(s) URL")
        if scheme not in ("http", "https"):
            return _Outcome(LinkStatus.SKIPPED, f"only http(s) links are checked, not {scheme}: links")
        if not host:
            return _Outcome(LinkStatus.BROKEN, "malformed URL: it has no host")
        if self.any_exclude is not None and self.any_exclude.search(url):
            pattern = next(p.pattern for p in self.excludes if p.search(url))
            return _Outcome(LinkStatus.SKIPPED, f"excluded by configuration (pattern {pattern!r})")
        return host

    def _limiter(self, host: str) -> HostLimiter:
        conf = self.options.hosts.get(host)
        concurrency = (conf.concurrency if conf else None) or self.options.host_concurrency
        interval = self.options.host_min_interval
        if conf is not None and conf.min_interval_ms is not None:
            interval = conf.min_interval_ms / 1000
        return HostLimiter(concurrency, interval)

    def _host(self, host: str) -> _Host:
        state = self.hosts.get(host)
        if state is None:
            conf = self.options.hosts.get(host)
            accept = self.options.accept | frozenset(conf.accept) if conf else self.options.accept
            state = self.hosts[host] = _Host(accept=accept)
        return state

    async def _worker(self, dispatcher: Dispatcher[str, str]) -> None:
        while (item := await dispatcher.next()) is not None:
            host, key = item
            try:
                await self._job(host, key, dispatcher)
            finally:
                dispatcher.done(host)

    async def _job(self, host: str, key: str, dispatcher: Dispatcher[str, str]) -> None:
        dead = self.dead.get(host)
        if dead is not None:
            self._emit(key, dead, 0.0)
            return
        started = time.perf_counter()
        outcome, host_dead = await self._check_one(key, dispatcher.limiters[host])
        self._emit(key, outcome, time.perf_counter() - started)
        if host_dead:
            # The host's other URLs would fail the same way: spare them the retries and timeouts.
            self.dead[host] = outcome
            for other in dispatcher.drop(host):
                self._emit(other, outcome, 0.0)

    def _emit(self, key: str, outcome: _Outcome, seconds: float) -> None:
        now = datetime.now(UTC)
        for url in self.cited[key]:
            result = LinkResult.model_construct(
                url=url,
                status=outcome.status,
                http_status=outcome.http_status,
                final_url=outcome.final_url,
                reason=outcome.reason,
                checked_at=now,
                duration_ms=int(seconds * 1000),
            )
            self.results[url] = result
            if self.on_result is not None:
                self.on_result(result)

    def _network_guard(self) -> None:
        tried = [(name, h) for name, h in self.hosts.items() if h.tried]
        failed = [(name, h) for name, h in tried if h.failure is not None and not h.answered]
        if not tried or not failed:
            return
        enough = len(failed) == len(tried) if len(tried) < 3 else len(failed) >= NETWORK_DOWN_SHARE * len(tried)
        if enough:
            name, first = failed[0]
            detail = first.failure.detail if first.failure else "unreachable"
            raise NetworkDown(
                f"The network looks down: {len(failed)} of {len(tried)} hosts could not be reached at all "
                f"(e.g. {name}: {detail}), so no link was judged and nothing was written."
            )

    # ------------------------------------------------------------------ one URL

    async def _check_one(self, key: str, limiter: HostLimiter) -> tuple[_Outcome, bool]:
        """The outcome for *key*, and whether its host looks dead (unreachable, never answered)."""
        try:
            url = httpx.URL(key)
        except httpx.InvalidURL as exc:
            return _Outcome(LinkStatus.BROKEN, f"malformed URL: {exc}"), False
        origin = url.host
        permanent_target: str | None = None  # where the leading run of 301/308 hops ends
        leading = True
        cookies: dict[str, str] = {}
        hops = 0
        while True:
            host = url.host
            state = self._host(host)
            moved = str(url) if hops else None
            verdict = await self.guard.check(host, url.port or (443 if url.scheme == "https" else 80))
            if verdict.refused:
                after = f" after a redirect from {key}" if hops else ""
                return _Outcome(LinkStatus.SKIPPED, verdict.refused + after, None, moved), False
            try:
                if verdict.failure is not None:
                    state.tried = True
                    raise _NoAnswer(verdict.failure, 1)
                answer, attempts = await self._fetch(url, state, limiter if host == origin else None, cookies)
            except _NoAnswer as exc:
                if exc.failure.connection_level:
                    state.failure = exc.failure
                judged = classify_failure(exc.failure, host, attempts=exc.attempts)
                dead = hops == 0 and exc.failure.connection_level and not state.answered
                return _Outcome(judged.status, judged.reason, None, moved), dead
            except WaitTooLong as exc:
                code = exc.last.answer.status if isinstance(exc.last, _RetryableAnswer) else None
                cap = self.options.max_retry_after
                reason = f"server asked to wait {exc.seconds:.0f} s (Retry-After), over the {cap:.0f} s cap"
                return _Outcome(LinkStatus.UNVERIFIED, reason, code, moved), False
            location = answer.headers.get("location")
            if answer.status not in REDIRECTS or not location:
                judged = classify_answer(answer.status, answer.headers, answer.body, accept=state.accept, attempts=attempts)
                return _final(judged, answer.status, url, hops, permanent_target), False
            try:
                target = url.join(location.strip())
            except httpx.InvalidURL:
                return _Outcome(LinkStatus.UNVERIFIED, f"redirects to a malformed URL {location!r}", answer.status), False
            hops += 1
            if answer.status in PERMANENT_REDIRECTS and leading:
                permanent_target = str(target)
            else:
                leading = False
            if target.scheme not in ("http", "https"):
                reason = f"redirects to {target}, which is not an http(s) URL"
                return _Outcome(LinkStatus.UNVERIFIED, reason, answer.status, str(target)), False
            if hops > self.options.max_redirects:
                reason = f"more than {self.options.max_redirects} redirects (a redirect loop?)"
                return _Outcome(LinkStatus.UNVERIFIED, reason, answer.status, str(target)), False
            if target.host == host:
                _keep_cookies(answer.headers, cookies)
            else:
                cookies = {}
            url = target

    async def _fetch(
        self, url: httpx.URL, state: _Host, limiter: HostLimiter | None, cookies: dict[str, str]
    ) -> tuple[_Answer, int]:
        """One hop's answer, retried per the policy; raises _NoAnswer or WaitTooLong."""
        attempts = 0

        async def attempt() -> _Answer:
            nonlocal attempts
            attempts += 1
            answer = await self._head_then_get(url, state, limiter, cookies)
            if is_retryable_status(answer.status) and answer.status not in state.accept:
                raise _RetryableAnswer(answer, retry_after_seconds(answer.headers))
            return answer

        try:
            try:
                return await attempt(), attempts
            except (_RetryableAnswer, httpx.TransportError, TimeoutError) as first:
                if not _retry_on(first):
                    raise
                return await call_with_retries(self.policy, _replaying(first, attempt)), attempts
        except _RetryableAnswer as exc:
            return exc.answer, attempts
        except (httpx.TransportError, TimeoutError) as exc:
            failure = describe_failure(exc)
            if failure is None:  # pragma: no cover - describe_failure knows every TransportError
                raise
            raise _NoAnswer(failure, attempts) from exc

    async def _head_then_get(
        self, url: httpx.URL, state: _Host, limiter: HostLimiter | None, cookies: dict[str, str]
    ) -> _Answer:
        if not state.no_head:
            try:
                head = await self._send("HEAD", url, state, limiter, cookies)
            except (httpx.RemoteProtocolError, httpx.ReadError):
                head = None  # some servers hang up on HEAD; GET decides
            if head is not None:
                code = head.status
                if (code < 400 and code != 202) or code in state.accept or code == 429:
                    return head
                if code in (405, 501):
                    state.no_head = True
        return await self._send("GET", url, state, limiter, cookies)

    async def _send(
        self, method: str, url: httpx.URL, state: _Host, limiter: HostLimiter | None, cookies: dict[str, str]
    ) -> _Answer:
        if limiter is not None:
            await limiter.pace()
        state.tried = True
        headers: dict[str, str] | None = _IDENTITY if method == "GET" else None
        if cookies:
            headers = {**(headers or {}), "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
        request = self.client.build_request(method, url, headers=headers)
        response = None
        try:
            with anyio.fail_after(self.options.timeout):
                response = await self.client.send(request, stream=True)
            state.answered = True
            answer = _Answer(response.status_code, response.headers)
            if method == "GET" and (response.status_code >= 400 or response.status_code == 202):
                answer.body = await self._read_capped(response)
            return answer
        finally:
            if response is not None:
                await response.aclose()

    async def _read_capped(self, response: httpx.Response) -> bytes:
        """At most ``body_cap`` bytes of the body; a slow or broken body ends the read, not the check."""
        cap = self.options.body_cap
        buf = bytearray()
        with anyio.move_on_after(self.options.timeout):
            try:
                async for chunk in response.aiter_raw():
                    buf += chunk[: cap - len(buf)]
                    if len(buf) >= cap:
                        break
            except httpx.TransportError:
                pass
        return bytes(buf)


def _final(judged: Verdict, code: int, url: httpx.URL, hops: int, permanent_target: str | None) -> _Outcome:
    if hops == 0:
        return _Outcome(judged.status, judged.reason, code)
    if judged.status is LinkStatus.OK and permanent_target is not None:
        return _Outcome(LinkStatus.REDIRECTED, f"moved permanently to {permanent_target}", code, permanent_target)
    where = "one redirect" if hops == 1 else f"{hops} redirects"
    return _Outcome(judged.status, f"{judged.reason} at {url} (after {where})", code, str(url))


def _keep_cookies(headers: httpx.Headers, jar: dict[str, str]) -> None:
    """Carry a redirect's cookies to the next hop on the same host (sites that set a cookie and
    redirect to themselves would otherwise loop); nothing is kept beyond this one URL."""
    for raw in headers.get_list("set-cookie"):
        try:
            parsed = SimpleCookie(raw)
        except CookieError:
            continue
        for name, morsel in parsed.items():
            if morsel.value.isascii():
                jar[name] = morsel.value
