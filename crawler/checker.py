"""The link-checking engine: every URL once, HEAD then GET, retries, hops, politeness, safety.

``check_urls`` dedups the list, hands one job per unique URL (fragments stripped: ``#a`` and
``#b`` share a request) to ``--concurrency`` workers through a per-host dispatcher
(``hosts.py``), and follows redirects itself: each hop's target passes the address guard
(``net.py``) again, and 301/308 are told apart from 302/303/307. Status rules are in
``classify.py``; one hop's HEAD/GET and retries are in ``fetch.py``.

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
from yarl import URL

from crawler.classify import (
    PERMANENT_REDIRECTS,
    REDIRECTS,
    Verdict,
    classify_answer,
    classify_failure,
)
from crawler.errors import NetworkDown
from crawler.fetch import Fetcher, HostState, NoAnswer, RetryableAnswer, retry_policy
from crawler.hosts import Dispatcher, HostLimiter
from crawler.models import CrawlConfig, HostConfig, LinkResult, LinkStatus
from crawler.net import AddressGuard, Resolver
from crawler.retry import WaitTooLong

__all__ = ["CheckOptions", "check_urls"]

# Share of the hosts tried that must fail at the connection level before the run is called a
# network failure instead of a list of dead links. With fewer than 3 hosts tried every one must
# fail: a lone unreachable host cannot be told apart from a dead network (offline, resolvers
# answer "unknown name" just as they do for a typo), and calling it broken would cry wolf.
NETWORK_DOWN_SHARE = 0.9


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
    # Set when hosts elsewhere in the same run answered: then a few unreachable hosts are just
    # unreachable hosts, not a dead network (the pipeline's second pass over API fallbacks).
    network_known_up: bool = False
    proxied: bool = False  # requests go through HTTPS_PROXY/HTTP_PROXY (names resolve there)

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
    run = _Run(client, options, AddressGuard(allow_private=options.allow_private, resolver=resolver, proxied=options.proxied), on_result)
    return await run.check(urls)


# --------------------------------------------------------------------------- internals


@dataclass(frozen=True)
class _Outcome:
    status: LinkStatus
    reason: str
    http_status: int | None = None
    final_url: str | None = None


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
        self.hosts: dict[str, HostState] = {}
        self.results: dict[str, LinkResult] = {}
        self.cited: dict[str, list[str]] = {}  # request key -> the URLs (fragments kept) citing it
        self.dead: dict[str, _Outcome] = {}  # dispatch host -> what its remaining URLs get
        # Results of unreachable hosts are reported only once the network is known to be up:
        # a progress line must not count "broken" links seconds before the run says "network down".
        self.held: list[LinkResult] = []
        self.pacers: dict[str, HostLimiter] = {}  # redirect-target hosts with no URL of their own
        policy = retry_policy(options.attempts, options.backoff_initial, options.backoff_max, options.max_retry_after)
        self.fetcher = Fetcher(client, policy, timeout=options.timeout, body_cap=options.body_cap)
        self.excludes = [re.compile(p) for p in options.exclude]
        self.any_exclude = re.compile("|".join(f"(?:{p})" for p in options.exclude)) if options.exclude else None

    # ------------------------------------------------------------------ run

    async def check(self, urls: Iterable[str]) -> dict[str, LinkResult]:
        unique = list(dict.fromkeys(urls))
        jobs: list[tuple[str, str]] = []
        decided: dict[str, _Outcome] = {}
        for url in unique:
            key, _, _ = url.partition("#")
            if key in self.cited:
                self.cited[key].append(url)
                continue
            self.cited[key] = [url]
            host_or_outcome = self._precheck(key)
            if isinstance(host_or_outcome, _Outcome):
                decided[key] = host_or_outcome
            else:
                jobs.append((host_or_outcome, key))
        for key, outcome in decided.items():  # after the loop: every URL citing *key* is known
            self._emit(key, outcome, 0.0)
        dispatcher: Dispatcher[str, str] = Dispatcher(jobs, self._limiter)
        async with anyio.create_task_group() as tg:
            for _ in range(min(self.options.concurrency, len(dispatcher))):
                tg.start_soon(self._worker, dispatcher)
        self._network_guard()
        if self.on_result is not None:
            for result in self.held:
                self.on_result(result)
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

    def _host(self, host: str) -> HostState:
        state = self.hosts.get(host)
        if state is None:
            conf = self.options.hosts.get(host)
            accept = self.options.accept | frozenset(conf.accept) if conf else self.options.accept
            state = self.hosts[host] = HostState(accept=accept)
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
            self._emit(key, dead, 0.0, hold=True)
            return
        started = time.perf_counter()
        outcome, host_dead = await self._check_one(key, dispatcher.limiters[host], dispatcher.limiters)
        self._emit(key, outcome, time.perf_counter() - started, hold=host_dead)
        if host_dead:
            # The host's other URLs would fail the same way: spare them the retries and timeouts.
            self.dead[host] = outcome
            for other in dispatcher.drop(host):
                self._emit(other, outcome, 0.0, hold=True)

    def _emit(self, key: str, outcome: _Outcome, seconds: float, *, hold: bool = False) -> None:
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
            if hold:
                self.held.append(result)
            elif self.on_result is not None:
                self.on_result(result)

    def _network_guard(self) -> None:
        if self.options.network_known_up:
            return
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

    def _pacer(self, host: str, known: Mapping[str, HostLimiter]) -> HostLimiter:
        """The limiter that paces requests to a redirect target (its own host's, not the origin's)."""
        limiter = known.get(host) or self.pacers.get(host)
        if limiter is None:
            limiter = self.pacers[host] = self._limiter(host)
        return limiter

    async def _check_one(
        self, key: str, limiter: HostLimiter, known: Mapping[str, HostLimiter]
    ) -> tuple[_Outcome, bool]:
        """The outcome for *key*, and whether its host looks dead (unreachable, never answered)."""
        try:
            url = URL(key)  # yarl: what aiohttp will send, parsed in C
            origin = url.raw_host
        except (ValueError, TypeError) as exc:
            return _Outcome(LinkStatus.BROKEN, f"malformed URL: {exc}"), False
        if not origin:
            return _Outcome(LinkStatus.BROKEN, "malformed URL: it has no host"), False
        permanent_target: str | None = None  # where the leading run of 301/308 hops ends
        leading = True
        cookies: dict[str, str] = {}
        hops = 0
        while True:
            host = url.raw_host or ""
            state = self._host(host)
            moved = str(url) if hops else None
            verdict = await self.guard.check(host, url.port or (443 if url.scheme == "https" else 80))
            if verdict.refused:
                after = f" after a redirect from {key}" if hops else ""
                return _Outcome(LinkStatus.SKIPPED, verdict.refused + after, None, moved), False
            try:
                if verdict.failure is not None:
                    state.tried = True
                    raise NoAnswer(verdict.failure, 1)
                # A hop to another host keeps that host's min interval (many DOIs land on one publisher);
                # its concurrency slot is not taken while the origin's is held, which could deadlock.
                pacer = limiter if host == origin else self._pacer(host, known)
                answer, attempts = await self.fetcher.fetch(url, state, pacer, cookies)
            except NoAnswer as exc:
                if exc.failure.connection_level:
                    state.failure = exc.failure
                judged = classify_failure(exc.failure, host, attempts=exc.attempts)
                dead = hops == 0 and exc.failure.connection_level and not state.answered
                return _Outcome(judged.status, judged.reason, None, moved), dead
            except (httpx.InvalidURL, UnicodeError) as exc:
                # A URL too long for the client, an IDN that does not encode: no request can be made.
                return _Outcome(LinkStatus.BROKEN, f"malformed URL: {exc}", None, moved), False
            except WaitTooLong as exc:
                code = exc.last.answer.status if isinstance(exc.last, RetryableAnswer) else None
                cap = self.options.max_retry_after
                reason = f"server asked to wait {exc.seconds:.0f} s (Retry-After), over the {cap:.0f} s cap"
                return _Outcome(LinkStatus.UNVERIFIED, reason, code, moved), False
            location = answer.headers.get("location")
            if answer.status not in REDIRECTS or not location:
                judged = classify_answer(
                    answer.status, answer.headers, answer.body, accept=state.accept, attempts=attempts
                )
                return _final(judged, answer.status, url, hops, permanent_target), False
            try:
                target = url.join(URL(location.strip()))
            except (ValueError, TypeError):
                return _Outcome(
                    LinkStatus.UNVERIFIED, f"redirects to a malformed URL {location!r}", answer.status
                ), False
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
            if target.raw_host == host:
                _keep_cookies(answer.set_cookies, cookies)
            else:
                cookies = {}
            url = target


def _final(judged: Verdict, code: int, url: URL, hops: int, permanent_target: str | None) -> _Outcome:
    if hops == 0:
        return _Outcome(judged.status, judged.reason, code)
    if judged.status is LinkStatus.OK and permanent_target is not None:
        return _Outcome(LinkStatus.REDIRECTED, f"moved permanently to {permanent_target}", code, permanent_target)
    where = "one redirect" if hops == 1 else f"{hops} redirects"
    return _Outcome(judged.status, f"{judged.reason} at {url} (after {where})", code, str(url))


def _keep_cookies(set_cookies: list[str], jar: dict[str, str]) -> None:
    """Carry a redirect's cookies to the next hop on the same host (sites that set a cookie and
    redirect to themselves would otherwise loop); nothing is kept beyond this one URL."""
    for raw in set_cookies:
        try:
            parsed = SimpleCookie(raw)
        except CookieError:
            continue
        for name, morsel in parsed.items():
            if morsel.value.isascii():
                jar[name] = morsel.value
