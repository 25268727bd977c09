"""Calling a host adapter the way the pipeline does, from tests: previous metadata in, a SourceReport out."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime

import httpx

from crawler.models import GitHubMeta, HuggingFaceMeta, LinkMeta, LinkResult, LinkStatus, Outcome
from crawler.settings import Settings
from crawler.sources.base import Source, SourceContext, SourceReport

Meta = GitHubMeta | HuggingFaceMeta | LinkMeta


def previous_outcomes(previous: Mapping[str, Meta] | None) -> dict[str, Outcome]:
    """Each URL's earlier outcome holding *previous*'s metadata (an ok result from its fetch time)."""
    outcomes: dict[str, Outcome] = {}
    for url, meta in (previous or {}).items():
        result = LinkResult(url=url, status=LinkStatus.OK, reason="ok", checked_at=meta.fetched_at)
        key = {GitHubMeta: "github", HuggingFaceMeta: "huggingface", LinkMeta: "meta"}[type(meta)]
        outcomes[url] = Outcome(result=result, **{key: meta})
    return outcomes


async def fetch_with(
    source: Source,
    urls: Sequence[str],
    client: httpx.AsyncClient,
    settings: Settings,
    previous: Mapping[str, Meta] | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> SourceReport:
    """``source.fetch`` with a context built from *settings* and *previous* metadata."""
    context = SourceContext(client=client, settings=settings, previous=previous_outcomes(previous), now=now)
    return await source.fetch(urls, context)
