"""The link-checking engine: every URL once, per-host politeness, one verdict per URL.

``check_urls`` dedups the list, hands one job per unique URL (fragments stripped: ``#a`` and
``#b`` share a request) to ``--concurrency`` workers through a per-host dispatcher
(``hosts.py``). Each job follows its redirects (``redirects.follow``) one hop at a time through
:meth:`_Run.send`, the single send: the address guard (again after every hop), then ``fetch.py``
(HEAD/GET, host pauses, retries), then the mapping of failures to verdicts. Everything known
about a host lives in its :class:`~crawler.host.Host` record; status rules are in
``classify.py``. A verdict is a ``classify.Verdict`` until it becomes the ``LinkResult``.

Start-up: this module does not import pydantic or ``crawler.models`` (together ~60 ms of
``check``'s start-up, measured); results are built by ``results.py``, which imports the model
once the first requests are out and the loop waits for their answers. ``CrawlConfig`` and
``HostConfig`` are only read here (annotations, attributes).

A host (a redirect target too) is *dead* once every further URL of it would fail the same way:
it never answered and one URL exhausted its attempts (refused, unreachable, or silent: accepts
and never answers), or
it asked for more waiting than its budget (``max_wait``). Its other URLs then get the same
verdict at once, without requests.

Network down (issue 9 item 6). The client's witness (``net.witness``) records every HTTP answer
on the run's client, the API sources' included. Any answer means the network is up, and a name
that does not resolve is ``broken`` (cause ``dns``) however many there are. A run in which
requests were tried and *no* answer came back at all (refused, reset, hung up, DNS failing, a
proxy refusing every CONNECT) learned nothing: :func:`ensure_network_up` raises ``NetworkDown``
(exit 3, nothing written). ``check_urls`` applies it unless ``network_known_up`` says the caller
(the pipeline, which also runs the API sources) will.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import anyio
import httpx
from yarl import URL

from crawler.classify import Verdict, classify_failure
from crawler.errors import NetworkDown
from crawler.failures import FailureKind
from crawler.fetch import Fetcher, HostGaveUp, NoAnswer, RateLimited, retry_policy
from crawler.host import Host, HostTable
from crawler.hosts import Dispatcher, HostLimiter
from crawler.net import AddressGuard, Exchange, Resolver, pins, witness
from crawler.redirects import follow, wire_url
from crawler.results import import_when_idle, models_imported, result_builder
from crawler.retry import Clock, clock
from crawler.status import LinkStatus

if TYPE_CHECKING:  # pydantic models: not imported at start-up (see above)
    from crawler.models import CrawlConfig, HostConfig, LinkResult

__all__ = ["CheckOptions", "check_urls", "ensure_network_up"]

log = logging.getLogger(__name__)


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
    max_wait: float = 120.0  # seconds of server-asked waiting (Retry-After) one host may cost
    attempts: int = 3
    body_cap: int = 64 * 1024
    max_redirects: int = 10
    backoff_initial: float = 0.5
    backoff_max: float = 8.0
    # The caller judges the network itself (the pipeline: its API sources answer on the same
    # client, possibly after the checker is done), so check_urls does not raise NetworkDown.
    network_known_up: bool = False
    proxied: bool = False  # requests go through HTTPS_PROXY/HTTP_PROXY (names resolve there)

    @classmethod
    def from_config(cls, config: CrawlConfig | None, **overrides: Any) -> CheckOptions:
        """Options from *config* (``None``: no configuration, the built-in defaults), then *overrides*
        (None values are ignored, unknown names raise)."""
        base: dict[str, Any] = {}
        if config is not None:
            base["hosts"] = MappingProxyType(dict(config.hosts))
            base["accept"] = frozenset(config.accept)
            base["exclude"] = tuple(config.exclude)
            for name in ("concurrency", "host_concurrency", "timeout", "max_wait"):
                if getattr(config, name, None) is not None:
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

    *resolver* replaces DNS for the address guard (tests). Raises ``NetworkDown`` when requests
    were tried and no HTTP answer came back on *client* at all (unless ``options.network_known_up``).
    """
    guard = AddressGuard(
        allow_private=options.allow_private, resolver=resolver, proxied=options.proxied, pins=pins(client)
    )
    run = _Run(client, options, guard, on_result)
    return await run.check(urls)


def ensure_network_up(client: httpx.AsyncClient) -> None:
    """Raise ``NetworkDown`` when requests were tried on *client* and not one HTTP answer came back."""
    seen = witness(client)
    if seen.answers or not seen.failures:
        return
    raise NetworkDown(
        f"The network looks down: no host gave any HTTP answer (e.g. {seen.example}), "
        "so no link was judged and nothing was written."
    )


# --------------------------------------------------------------------------- internals

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _host_key(url: URL) -> str:
    """``host`` or ``host:port`` (a port other than the scheme's default): one Host record each."""
    name = (url.raw_host or "").lower()
    port = url.explicit_port
    if port is not None and port != _DEFAULT_PORTS.get(url.scheme):
        return f"{name}:{port}"
    return name


class _Run:
    def __init__(
        self,
        client: httpx.AsyncClient,
        options: CheckOptions,
        guard: AddressGuard,
        on_result: Callable[[LinkResult], None] | None,
        *,
        clock_: Clock | None = None,
    ) -> None:
        self.client = client
        self.options = options
        self.guard = guard
        self.on_result = on_result
        self.clock = clock_ or clock()
        self.hosts = HostTable(self._new_host)
        self.results: dict[str, LinkResult] = {}
        self.cited: dict[str, list[str]] = {}  # request key -> the URLs (fragments kept) citing it
        # Verdicts that only hold if the network is up (a host that never answered) are reported
        # at the end: a progress line must not count "broken" links seconds before "network down".
        self.held: list[LinkResult] = []
        self.requests_out: anyio.Event | None = None  # `check`: when the models may be imported
        policy = retry_policy(options.attempts, options.backoff_initial, options.backoff_max)
        self.fetcher = Fetcher(client, policy, timeout=options.timeout, body_cap=options.body_cap, clock=self.clock)
        self.excludes = [re.compile(p) for p in options.exclude]
        self.any_exclude = re.compile("|".join(f"(?:{p})" for p in options.exclude)) if options.exclude else None

    def _new_host(self, name: str) -> Host:
        conf = self.options.hosts.get(name) or self.options.hosts.get(name.rsplit(":", 1)[0])
        concurrency = (conf.concurrency if conf else None) or self.options.host_concurrency
        interval = self.options.host_min_interval
        max_wait = self.options.max_wait
        accept = self.options.accept
        if conf is not None:
            if conf.min_interval_ms is not None:
                interval = conf.min_interval_ms / 1000
            if getattr(conf, "max_wait", None) is not None:
                max_wait = conf.max_wait
            accept = accept | frozenset(conf.accept)
        return Host(name=name, accept=accept, limiter=HostLimiter(concurrency, interval), max_wait=max_wait)

    # ------------------------------------------------------------------ run

    async def check(self, urls: Iterable[str]) -> dict[str, LinkResult]:
        unique = list(dict.fromkeys(urls))
        jobs: list[tuple[str, str]] = []
        decided: dict[str, Verdict] = {}
        for url in unique:
            key, _, _ = url.partition("#")
            if key in self.cited:
                self.cited[key].append(url)
                continue
            self.cited[key] = [url]
            host_or_verdict = self._precheck(key)
            if isinstance(host_or_verdict, Verdict):
                decided[key] = host_or_verdict
            else:
                jobs.append((host_or_verdict, key))
        for key, verdict in decided.items():  # after the loop: every URL citing *key* is known
            self._emit(key, verdict, 0.0)
        dispatcher: Dispatcher[str, str] = Dispatcher(jobs, lambda name: self.hosts[name].limiter)
        async with anyio.create_task_group() as tg:
            if jobs and not models_imported():  # `check`: import them while the first requests are out
                # Set by the pool's first connection, or by the first result (then already imported).
                self.requests_out = anyio.Event()
                witness(self.client).on_first_connection = self.requests_out.set
                tg.start_soon(import_when_idle, self.requests_out)
            for _ in range(min(self.options.concurrency, len(dispatcher))):
                tg.start_soon(self._worker, dispatcher)
        if not self.options.network_known_up:
            ensure_network_up(self.client)
        if self.on_result is not None:
            for result in self.held:
                self.on_result(result)
        return {url: self.results[url] for url in unique}

    def _precheck(self, url: str) -> str | Verdict:
        """The dispatch host of *url*, or the verdict when no request should be made."""
        try:
            parts = urlsplit(url)
            host = parts.hostname
        except ValueError:
            return Verdict(LinkStatus.BROKEN, "malformed URL: it cannot be parsed", "malformed-url")
        scheme = parts.scheme.lower()
        if not scheme:
            return Verdict(LinkStatus.BROKEN, "not an absolute http(s) URL", "malformed-url")
        if scheme not in ("http", "https"):
            return Verdict(
                LinkStatus.SKIPPED, f"only http(s) links are checked, not {scheme}: links", "unsupported-scheme"
            )
        if not host:
            return Verdict(LinkStatus.BROKEN, "malformed URL: it has no host", "malformed-url")
        try:
            port = parts.port
        except ValueError:
            return Verdict(LinkStatus.BROKEN, "malformed URL: its port is not a number in 0-65535", "malformed-url")
        if not host.isascii():  # an IDN: the same Host record as the hops' (IDNA, see _host_key)
            try:
                host = URL.build(scheme="http", host=host).raw_host or host
            except (ValueError, UnicodeError):
                pass  # wire_url says why it cannot be sent
        if port is not None and port != _DEFAULT_PORTS[scheme]:
            host = f"{host}:{port}"  # another port is another server: its own limits, its own fate
        if self.any_exclude is not None and self.any_exclude.search(url):
            pattern = next(p.pattern for p in self.excludes if p.search(url))
            return Verdict(LinkStatus.SKIPPED, f"excluded by configuration (pattern {pattern!r})", "excluded")
        return host

    async def _worker(self, dispatcher: Dispatcher[str, str]) -> None:
        while (item := await dispatcher.next()) is not None:
            name, key = item
            try:
                await self._job(name, key, dispatcher)
            finally:
                dispatcher.done(name)

    async def _job(self, name: str, key: str, dispatcher: Dispatcher[str, str]) -> None:
        host = self.hosts[name]
        if host.dead is not None:
            self._emit(key, host.dead, 0.0, hold=True)
            return
        started = time.perf_counter()
        try:
            url = wire_url(key)
        except (ValueError, TypeError) as exc:
            verdict = Verdict(LinkStatus.BROKEN, f"malformed URL: {exc}", "malformed-url")
        else:
            verdict = await follow(url, self.send, max_redirects=self.options.max_redirects)
        self._emit(key, verdict, time.perf_counter() - started, hold=host.dead is not None and not host.answered)
        if host.dead is not None:
            # The host's other URLs would fail the same way: spare them the retries and timeouts.
            for other in dispatcher.drop(name):
                self._emit(other, host.dead, 0.0, hold=True)

    def _emit(self, key: str, verdict: Verdict, seconds: float, *, hold: bool = False) -> None:
        now = datetime.now(UTC)
        ms = int(seconds * 1000)
        build = result_builder()
        if self.requests_out is not None:
            self.requests_out.set()  # the idle import finds the models imported and ends
        for url in self.cited[key]:
            result = build(url, verdict, now, ms)
            self.results[url] = result
            if hold:
                self.held.append(result)
            elif self.on_result is not None:
                self.on_result(result)

    # ------------------------------------------------------------------ the single send

    async def send(
        self, url: URL, cookies: Mapping[str, str], hops: int
    ) -> tuple[Exchange, int, frozenset[int]] | Verdict:
        """One hop: guard, fetch, failures to verdicts. Marks the host dead when it is."""
        name = _host_key(url)
        host = self.hosts[name]
        if host.dead is not None:
            return host.dead
        address = self.guard.cached(url.raw_host or "") or await self.guard.check(
            url.raw_host or "", url.port or (443 if url.scheme == "https" else 80)
        )
        if address.refused:
            return Verdict(LinkStatus.SKIPPED, address.refused, "private-address")
        try:
            if address.failure is not None:
                witness(self.client).note_failure(name, address.failure.detail)
                raise NoAnswer(address.failure, 1)
            answer, attempts = await self.fetcher.fetch(url, host, cookies)
        except NoAnswer as exc:
            if host.dead is not None and not host.answered:
                return host.dead  # a URL in flight beside the one that marked it: the same verdict
            verdict = classify_failure(exc.failure, name, attempts=exc.attempts)
            if not host.answered and host.dead is None:  # a redirect target too: a host is a host
                if exc.failure.kind is FailureKind.TIMEOUT:
                    verdict = replace(
                        verdict, reason=f"{verdict.reason}: the host accepts connections but never answers"
                    )
                host.dead = verdict
                log.debug("%s marked dead: %s", name, verdict.reason)
            return verdict
        except HostGaveUp as exc:
            return exc.verdict
        except RateLimited as exc:
            asked = f"asked to wait {exc.seconds:.0f} s" if exc.seconds is not None else "kept rate limiting"
            reason = (
                f"rate limited: HTTP {exc.answer.status} from {name}, which {asked}, past the "
                f"{host.max_wait:.0f} s wait budget for the host (max_wait; {host.waited:.0f} s waited)"
            )
            verdict = Verdict(LinkStatus.UNVERIFIED, reason, "rate-limited", exc.answer.status)
            if host.dead is None:
                host.dead = verdict
            return verdict
        except (httpx.InvalidURL, UnicodeError, ValueError) as exc:
            # A URL too long for the client, an IDN that does not encode: no request can be made.
            return Verdict(LinkStatus.BROKEN, f"malformed URL: {exc}", "malformed-url")
        return answer, attempts, host.accept
