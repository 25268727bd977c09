"""The pipeline joins sources and checker: fallbacks, stale carry-over, --only, and abort paths."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

import anyio
import httpx
import pytest
import respx

from crawler.checker import CheckOptions
from crawler.errors import NetworkDown
from crawler.history import next_history
from crawler import crawl as crawl_module
from crawler.models import (
    EntryRecord,
    GitHubMeta,
    LinkKind,
    LinkMeta,
    LinkRecord,
    LinkResult,
    LinkStatus,
    Metadata,
    Outcome,
    Snapshot,
)
from crawler.crawl import crawl
from crawler.sources.base import SourceReport
from crawler.settings import Settings

T0 = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)
REPO = "https://github.com/org/corpus"
PAGE = "https://example.org/dataset"
OPTIONS = CheckOptions(allow_private=True)  # no DNS for the guard: respx answers every host


def _previous(url: str = REPO) -> Snapshot:
    meta = GitHubMeta(full_name="org/corpus", stars=42, forks=1, fetched_at=T0)
    result = LinkResult(url=url, status=LinkStatus.OK, reason="ok", checked_at=T0)
    link = LinkRecord(url=url, kind=LinkKind.REPOSITORY, result=result, github=meta)
    entry = EntryRecord(id="corpus", name="Corpus", links=[link])
    return Snapshot(
        generated_at=T0,
        tool_version="0",
        registry_path="registry.yaml",
        registry_sha256="0" * 64,
        summary={LinkStatus.OK: 1},
        entries=[entry],
    )


def _crawl(router: respx.MockRouter, urls: list[str], settings: Settings, **kw):
    async def go():
        async with httpx.AsyncClient(transport=httpx.MockTransport(router.handler)) as client:
            return await crawl(urls, settings=settings, options=OPTIONS, client=client, **kw)

    return anyio.run(go)


def test_exhausted_graphql_budget_falls_back_to_pages_with_stale_metadata():
    """RATE_LIMITED in a 200: the repo is page-checked and keeps its last metadata, marked stale."""
    settings = Settings.from_env({"GITHUB_TOKEN": "ghp_secret", "CRAWLER_CACHE_DIR": "/nonexistent"})
    router = respx.MockRouter(assert_all_called=False)
    router.post(settings.github_graphql_url).respond(
        200,
        json={"data": None, "errors": [{"type": "RATE_LIMITED", "message": "API rate limit exceeded"}]},
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1893456000"},
    )
    router.route(host="github.com").respond(200, text="<html>repo</html>")
    crawled = _crawl(router, [REPO], settings, previous=_previous())
    outcome = crawled.outcomes[REPO]
    assert outcome.result.status is LinkStatus.OK
    assert outcome.github is not None and outcome.github.stale and outcome.github.stars == 42
    assert outcome.github.fetched_at == T0
    assert crawled.notices and "ghp_secret" not in " ".join(crawled.notices)


def test_only_links_skips_api_urls_and_carries_their_metadata():
    """--only links: GitHub URLs are skipped (not fetched) and keep last run's metadata as stale."""
    settings = Settings.from_env({})
    router = respx.MockRouter(assert_all_called=False)
    page = router.get(PAGE).respond(200)
    router.head(PAGE).respond(200)
    api = router.route(host="api.github.com")
    crawled = _crawl(router, [REPO, PAGE], settings, only=frozenset({"links"}), previous=_previous())
    assert crawled.outcomes[PAGE].result.status is LinkStatus.OK
    skipped = crawled.outcomes[REPO]
    assert skipped.result.status is LinkStatus.SKIPPED and "--only" in skipped.result.reason
    assert skipped.github is not None and skipped.github.stale
    assert not api.called and (page.called or router.calls)


def test_network_down_propagates_unwrapped():
    """When every host fails to connect, crawl raises NetworkDown itself, not an ExceptionGroup."""

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    urls = ["https://a.example/x", "https://b.example/y", "https://c.example/z"]

    async def go():
        async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as client:
            await crawl(urls, settings=Settings.from_env({}), options=OPTIONS, client=client)

    with pytest.raises(NetworkDown):
        anyio.run(go)


def test_skipped_link_holds_its_failure_streak():
    """A link skipped this run keeps its streak instead of having it forgiven."""
    result = LinkResult(url=REPO, status=LinkStatus.BROKEN, reason="gone", checked_at=T0)
    previous = LinkRecord(
        url=REPO, kind=LinkKind.REPOSITORY, result=result, consecutive_failures=3, failing_since=date(2026, 10, 1)
    )
    assert next_history(LinkStatus.SKIPPED, previous, date(2026, 11, 2)) == (3, date(2026, 10, 1))
    assert next_history(LinkStatus.OK, previous, date(2026, 11, 2)) == (0, None)


def test_unreachable_github_after_working_links_is_not_network_down():
    """Plain links answer but the GitHub API and pages refuse: GitHub links are judged, the run goes on."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host.endswith("github.com"):
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(200)

    urls = [REPO, "https://a.example/x", "https://b.example/y", "https://c.example/z"]

    async def go():
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            return await crawl(urls, settings=Settings.from_env({}), options=OPTIONS, client=client)

    crawled = anyio.run(go)
    assert crawled.outcomes["https://a.example/x"].result.status is LinkStatus.OK
    assert crawled.outcomes[REPO].result.status in (LinkStatus.UNVERIFIED, LinkStatus.BROKEN)


class _Stub:
    """An adapter that claims example.net URLs, answers /ok and hands /page back as a PageCheck."""

    name = "stub"

    def claims(self, url: str, settings: Settings) -> bool:
        return url.startswith("https://example.net/")

    async def fetch(self, urls, ctx):
        report = SourceReport()
        for url in urls:
            if url.endswith("/ok"):
                result = LinkResult(url=url, status=LinkStatus.OK, reason="stub API: exists", checked_at=ctx.now())
                report.answer(url, Outcome(result=result, meta=LinkMeta(source="stub", fetched_at=ctx.now())))
            else:
                report.page_check(url, Metadata(meta=LinkMeta(source="stub", license="cc-by-4.0", fetched_at=T0)))
        return report


def test_pipeline_loops_over_sources_and_page_checks_carry_their_metadata(monkeypatch):
    """A registered adapter's answers are kept; its PageCheck URLs are fetched as pages with the carry attached."""
    monkeypatch.setattr(crawl_module, "SOURCES", (_Stub(),))
    monkeypatch.setattr(crawl_module, "source_names", lambda: ("stub",))
    router = respx.MockRouter(assert_all_called=False)
    page = router.route(url="https://example.net/page").respond(200)
    urls = ["https://example.net/ok", "https://example.net/page", PAGE]
    router.route(url=PAGE).respond(200)
    crawled = _crawl(router, urls, Settings.from_env({}), now=lambda: T0)
    assert crawled.outcomes["https://example.net/ok"].result.reason == "stub API: exists"
    paged = crawled.outcomes["https://example.net/page"]
    assert page.called and paged.result.status is LinkStatus.OK and paged.meta.license == "cc-by-4.0"
    skipped = _crawl(router, urls, Settings.from_env({}), only=frozenset({"links"}), now=lambda: T0)
    assert skipped.outcomes["https://example.net/ok"].result.status is LinkStatus.SKIPPED
    assert "--only excluded stub" in skipped.outcomes["https://example.net/ok"].result.reason


def test_with_an_hf_mirror_a_fallback_page_check_goes_to_the_mirror_not_huggingface_co():
    """HF_ENDPOINT set, its API failing: the dataset page is checked on the mirror and told as the link's result."""
    mirror = "https://hf-mirror.example"
    url = "https://huggingface.co/datasets/axiong/pmc_oa"
    router = respx.MockRouter(assert_all_called=False)
    router.route(host="hf-mirror.example", path__startswith="/api/").respond(503)
    page = router.route(method__in=["HEAD", "GET"], url=f"{mirror}/datasets/axiong/pmc_oa").respond(200)
    blocked = router.route(host="huggingface.co").mock(side_effect=httpx.ConnectTimeout("blocked"))
    settings = Settings(hf_endpoint=mirror)
    crawled = _crawl(router, [url], settings)
    result = crawled.outcomes[url].result
    assert result.status is LinkStatus.OK and result.url == url and result.final_url is None
    assert "checked on the mirror" in result.reason and page.called and not blocked.called


def test_network_down_does_not_claim_api_fallbacks_were_checked(caplog):
    """Offline, the 'checked as ordinary web pages: status is current' sentence is not logged before exit 3."""

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    async def go():
        async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as client:
            await crawl([REPO, "https://a.example/x"], settings=Settings.from_env({}), options=OPTIONS, client=client)

    with caplog.at_level(logging.INFO), pytest.raises(NetworkDown):
        anyio.run(go)
    assert "looked up through" not in caplog.text


def test_two_links_to_one_hf_repository_share_its_mirror_page_check():
    """HF_ENDPOINT set, its API failing: hf.co/x and huggingface.co/x both get the mirror page's result."""
    mirror = "https://hf-mirror.example"
    urls = ["https://huggingface.co/datasets/axiong/pmc_oa", "https://hf.co/datasets/axiong/pmc_oa"]
    router = respx.MockRouter(assert_all_called=False)
    router.route(host="hf-mirror.example", path__startswith="/api/").respond(503)
    router.route(method__in=["HEAD", "GET"], url=f"{mirror}/datasets/axiong/pmc_oa").respond(200)
    crawled = _crawl(router, urls, Settings(hf_endpoint=mirror))
    assert set(crawled.outcomes) == set(urls)
    for url in urls:
        result = crawled.outcomes[url].result
        assert result.status is LinkStatus.OK and result.url == url and "checked on the mirror" in result.reason


class _Noting:
    """An adapter that notes one notice; *waits_for* makes it finish after another adapter."""

    def __init__(self, name: str, host: str, waits_for: anyio.Event | None, done: anyio.Event) -> None:
        self.name, self.host, self.waits_for, self.done = name, host, waits_for, done

    def claims(self, url: str, settings: Settings) -> bool:
        return url.startswith(f"https://{self.host}/")

    async def fetch(self, urls, ctx):
        if self.waits_for is not None:
            await self.waits_for.wait()
        report = SourceReport()
        report.notices.append(f"{self.name} notice")
        report.api_requests = 1
        for url in urls:
            result = LinkResult(url=url, status=LinkStatus.OK, reason="exists", checked_at=ctx.now())
            report.answer(url, Outcome(result=result))
        self.done.set()
        return report


def test_notices_follow_the_sources_order_not_the_order_they_finish_in(monkeypatch):
    """A source that finishes last still has its notice (and request count) first when it comes first in SOURCES."""
    late, early = anyio.Event(), anyio.Event()
    sources = (_Noting("first", "a.example", early, late), _Noting("second", "b.example", None, early))
    monkeypatch.setattr(crawl_module, "SOURCES", sources)
    monkeypatch.setattr(crawl_module, "source_names", lambda: ("first", "second"))
    crawled = _crawl(respx.MockRouter(), ["https://a.example/x", "https://b.example/y"], Settings.from_env({}))
    assert crawled.notices == ["first notice", "second notice"]
    assert list(crawled.api_requests) == ["first", "second"]
