"""The crawl phase: every URL of a run to one outcome, from the host adapters and the link checker.

The host adapters (``crawler.sources.SOURCES``: GitHub, Hugging Face, the corpus hosts) answer the
URLs they claim from their APIs, concurrently with the link checker's plain URLs; the URLs an adapter
could not answer this run (budget exhausted, API down) are then checked as plain pages, with the
adapter's metadata attached. The network is judged once, at the end, on the client's witness.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import anyio
import httpx

from crawler.checker import CheckOptions, check_urls, ensure_network_up
from crawler.models import LinkResult, LinkStatus, Metadata, Outcome, Snapshot
from crawler.net import build_client
from crawler.settings import Settings
from crawler.sources import SOURCES, source_names
from crawler.sources.base import PageCheck, Source, SourceContext, SourceReport

__all__ = ["CrawlResult", "all_parts", "crawl", "fallback_sentence", "utcnow"]

log = logging.getLogger("crawler.pipeline")


def all_parts() -> frozenset[str]:
    """What ``--only`` can name: ``links`` (the link checker) and every adapter in SOURCES."""
    return frozenset({"links", *source_names()})


@dataclass
class CrawlResult:
    outcomes: dict[str, Outcome]
    notices: list[str] = field(default_factory=list)
    api_requests: dict[str, int] = field(default_factory=dict)


def utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _previous_outcomes(previous: Snapshot | None) -> dict[str, Outcome]:
    """Each URL's outcome in *previous* (result and metadata), for adapters to carry over."""
    outcomes: dict[str, Outcome] = {}
    if previous is not None:
        for _, link in previous.links():
            outcomes.setdefault(
                link.url,
                Outcome(result=link.result, github=link.github, huggingface=link.huggingface, meta=link.meta,
                        archive=link.archive),
            )  # fmt: skip
    return outcomes


def _with(result: LinkResult, carry: Metadata | None) -> Outcome:
    """*result* with *carry*'s metadata attached."""
    if carry is None:
        return Outcome(result=result)
    return Outcome(result=result, github=carry.github, huggingface=carry.huggingface, meta=carry.meta,
                   archive=carry.archive)  # fmt: skip


def _claimed(urls: list[str], settings: Settings) -> tuple[dict[str, list[str]], list[str]]:
    """URLs per source (the first source in SOURCES that claims a URL takes it) and the rest."""
    claimed: dict[str, list[str]] = {source.name: [] for source in SOURCES}
    plain: list[str] = []
    for url in urls:
        owner = next((source for source in SOURCES if source.claims(url, settings)), None)
        (claimed[owner.name] if owner is not None else plain).append(url)
    return claimed, plain


async def crawl(
    urls: list[str],
    *,
    settings: Settings,
    options: CheckOptions,
    only: frozenset[str] | None = None,
    previous: Snapshot | None = None,
    client: httpx.AsyncClient | None = None,
    on_result: Callable[[LinkResult], None] | None = None,
    now: Callable[[], datetime] = utcnow,
) -> CrawlResult:
    """Give every URL in *urls* an outcome. Raises ``NetworkDown`` rather than calling everything broken.

    Each adapter of ``SOURCES`` answers the URLs it claims (concurrently with the others and
    with the link checker's plain URLs); the URLs an adapter hands back as ``PageCheck`` are
    checked as pages afterwards, with the adapter's ``carry`` attached. *only* names the parts
    to run (``links`` and adapter names; default all); the others are marked skipped and keep
    their previous metadata, marked stale.
    """
    parts = all_parts() if only is None else only
    prev = _previous_outcomes(previous)
    claimed, plain = _claimed(urls, settings)
    outcomes: dict[str, Outcome] = {}
    result = CrawlResult(outcomes=outcomes)
    fallback: dict[str, Metadata] = {}
    notify = on_result or (lambda r: None)

    def skip(group: list[str], part: str) -> None:
        for url in group:
            earlier = prev.get(url)
            reason = f"not checked this run (--only excluded {part})"
            skipped = LinkResult(url=url, status=LinkStatus.SKIPPED, reason=reason, checked_at=now())
            outcome = _with(skipped, earlier.carried() if earlier is not None else None)
            outcomes[url] = outcome
            notify(outcome.result)

    async def with_client(http: httpx.AsyncClient) -> None:
        reports: dict[str, SourceReport] = {}
        order = {source.name: i for i, source in enumerate(SOURCES)}
        context = SourceContext(client=http, settings=settings, previous=prev, now=now)

        async def run_source(source: Source) -> None:
            report = await source.fetch(claimed[source.name], context)
            reports[source.name] = report
            for url, outcome in report.outcomes.items():
                outcomes[url] = outcome
                notify(outcome.result)

        checked: dict[str, LinkResult] = {}

        # The network is judged once every part is done, on the client's witness (any HTTP answer,
        # API or page, means it is up): not by the checker alone, which may finish first.
        page_options = replace(options, network_known_up=True)

        async def run_checker(group: list[str], opts: CheckOptions = page_options) -> None:
            checked.update(await check_urls(group, client=http, options=opts, on_result=on_result))

        try:
            async with anyio.create_task_group() as tg:
                for source in SOURCES:
                    if source.name in parts and claimed[source.name]:
                        tg.start_soon(run_source, source)
                    elif claimed[source.name]:
                        skip(claimed[source.name], source.name)
                if "links" in parts and plain:
                    tg.start_soon(run_checker, plain)
                elif plain:
                    skip(plain, "links")
        except BaseExceptionGroup as group:
            # The task group wraps what its tasks raise; callers (and the CLI's exit codes)
            # deal in the exception itself, e.g. NetworkDown -> exit 3.
            raise _first_leaf(group) from None

        vias: dict[str, str] = {}
        for name, report in sorted(reports.items(), key=lambda item: order[item[0]]):  # not finishing order
            result.notices.extend(report.notices)
            result.api_requests[name] = report.api_requests
            fallback.update(report.page_checks)
            vias.update({u: a.via for u, a in report.answers.items() if isinstance(a, PageCheck) and a.via})
        unanswered = [u for u in _claimed_order(claimed) if u in fallback and u not in outcomes]
        if unanswered:
            await run_checker([vias.get(u, u) for u in unanswered])
            mirrored = [url for url in unanswered if url in vias]
            for url in mirrored:  # two links may share a mirror page (hf.co/x and huggingface.co/x)
                checked[url] = _via_mirror(url, checked[vias[url]])
            for page in {vias[url] for url in mirrored} - set(urls):  # the mirror's pages are no link's
                checked.pop(page, None)
        ensure_network_up(http)
        if unanswered:  # told once the network is known up: offline, no status is current and nothing is written
            log.info("%s", fallback_sentence(len(unanswered)))
        for url, link_result in checked.items():
            outcomes[url] = _with(link_result, fallback.get(url))

    if client is not None:
        await with_client(client)
    else:
        async with build_client(settings, concurrency=options.concurrency, timeout=options.timeout) as http:
            await with_client(http)
    missing = [u for u in urls if u not in outcomes]
    if missing:  # a source that drops a URL is a bug; never let it vanish from the reports silently
        raise AssertionError(f"no outcome for {len(missing)} URL(s), e.g. {missing[0]}")
    return result


def _via_mirror(url: str, mirrored: LinkResult) -> LinkResult:
    """The result of checking *url*'s copy on a mirror, told as *url*'s (a mirror's own moves are not the link's)."""
    status = LinkStatus.OK if mirrored.status is LinkStatus.REDIRECTED else mirrored.status
    return mirrored.model_copy(
        update={
            "url": url,
            "status": status,
            "final_url": None,
            "reason": f"{mirrored.reason} (checked on the mirror: {mirrored.url})",
        }
    )


def _claimed_order(claimed: Mapping[str, list[str]]) -> list[str]:
    """Every claimed URL once, sources in SOURCES order."""
    return list(dict.fromkeys(u for group in claimed.values() for u in group))


def fallback_sentence(count: int) -> str:
    """What it means that *count* URLs got no API answer, in words a user understands (for the run's log).

    ``3 links could not be looked up through their host's API this run (rate limit, missing token or an
    API error); they were checked as ordinary web pages instead: their status is current, but stars,
    licence, downloads and size are from an earlier run (marked stale) or missing.``
    """
    one = count == 1
    return (
        f"{count} link{'' if one else 's'} could not be looked up through {'its' if one else 'their'} host's API "
        f"this run (rate limit, missing token or an API error); {'it was' if one else 'they were'} checked as "
        f"ordinary web pages instead: {'its' if one else 'their'} status is current, but stars, licence, "
        "downloads and size are from an earlier run (marked stale) or missing."
    )


def _first_leaf(group: BaseExceptionGroup) -> BaseException:
    first = group.exceptions[0]
    return _first_leaf(first) if isinstance(first, BaseExceptionGroup) else first
