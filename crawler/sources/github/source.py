"""The GitHub adapter: every github.com repository, tree and blob link; GraphQL with a token, REST without.

With ``GITHUB_TOKEN``/``GH_TOKEN`` all repositories go into aliased GraphQL queries of
about 50 (the shipped registry: one or two requests). A 401 says so once and the run
continues over REST without the token. Without a token, REST with ETags cached on disk.

Nothing is dropped when the budget runs out: every URL is either ``Answered`` (the API
decided its status) or a ``PageCheck`` carrying fresh metadata from a partial answer or the
previous snapshot's marked ``stale``. Links into one repository share one lookup. Without a
token the README is not read (each repository already costs two or three of the 60 hourly
requests), so ``notice``/``moved_to`` are filled only with a token.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import httpx

from crawler.settings import Settings
from crawler.sources.base import SourceContext, SourceReport
from crawler.sources.errors import ApiUnavailable, BadToken, BudgetExhausted
from crawler.sources.github.urls import (
    GITHUB_HOSTS,
    GitHubRef,
    RepoLookup,
    link_meta,
    outcome_for,
    parse_github_url,
)

if TYPE_CHECKING:  # imported where used: `import crawler.sources` stays light (sources/__init__.py)
    from crawler.models import Metadata
    from crawler.sources.etag_cache import EtagCache
    from crawler.sources.github.rest import ApiState

__all__ = ["SOURCE", "GitHubSource", "claims"]

log = logging.getLogger(__name__)


def _web_hosts(settings: Settings) -> frozenset[str]:
    # GitHub Enterprise Server serves its API under https://HOST/api/v3 and its pages on HOST.
    if settings.github_api_url.rstrip("/").endswith("/api/v3") and settings.github_api_host:
        return GITHUB_HOSTS | {settings.github_api_host.lower()}
    return GITHUB_HOSTS


def claims(url: str, settings: Settings) -> bool:
    """True for GitHub repository, tree and blob links (the API can decide them)."""
    return parse_github_url(url, _web_hosts(settings)) is not None



def _at(moment: datetime | None) -> str:
    return f" (it resets at {moment.astimezone(UTC):%H:%M} UTC)" if moment else ""


def _carry(url: str, ctx: SourceContext, lookup: RepoLookup | None, ref: GitHubRef) -> Metadata:
    """Fresh metadata from a partial answer, else the previous snapshot's marked stale."""
    from crawler.models import Metadata

    if lookup is not None and lookup.meta is not None:
        return Metadata(github=lookup.meta, meta=link_meta(ref, lookup, ctx.now()))
    previous = ctx.previous.get(url)
    return previous.carried() if previous is not None else Metadata()


async def _block_reasons(
    groups: Mapping[str, list[tuple[str, GitHubRef]]],
    lookups: dict[str, RepoLookup | None],
    client: httpx.AsyncClient,
    settings: Settings,
    state: ApiState,
    now: Callable[[], datetime],
) -> None:
    """One REST request per repository GraphQL called blocked, to learn why (DMCA or terms of service).

    Blocked repositories are rare, and the token's REST budget is 5,000 an hour.
    """
    from crawler.sources.etag_cache import EtagCache
    from crawler.sources.github.rest import RestClient

    blocked = [k for k, lookup in lookups.items() if lookup is not None and lookup.state == "blocked"]
    if not blocked:
        return
    rest = RestClient(client, api_url=settings.github_api_url, token=settings.github_token,
                      cache=EtagCache(settings.cache_dir), state=state, now=now)  # fmt: skip
    # The cache is not saved: block answers (4xx) are never cached.
    for key in blocked:
        lookup = lookups[key]
        cause = await rest.block_cause(groups[key][0][1])
        if lookup is not None and cause is not None:
            lookup.cause = cause


class GitHubSource:
    """The GitHub adapter (``--only github``)."""

    name = "github"

    def claims(self, url: str, settings: Settings) -> bool:
        return claims(url, settings)

    async def fetch(self, urls: Sequence[str], ctx: SourceContext) -> SourceReport:
        """Look up every GitHub URL in *urls*; see the module docstring for the guarantees."""
        from crawler.sources.etag_cache import EtagCache
        from crawler.sources.github.graphql import BATCH_SIZE, lookup_batch
        from crawler.sources.github.rest import ApiState, RestClient

        report = SourceReport()
        settings, client, now = ctx.settings, ctx.client, ctx.now
        hosts = _web_hosts(settings)
        groups: dict[str, list[tuple[str, GitHubRef]]] = {}
        for url in dict.fromkeys(urls):
            ref = parse_github_url(url, hosts)
            if ref is None:
                previous = ctx.previous.get(url)
                report.page_check(url, previous.carried() if previous else None, "not a repository link")
            else:
                groups.setdefault(ref.key, []).append((url, ref))

        state = ApiState()
        lookups: dict[str, RepoLookup | None] = {}
        stopped: str | None = None
        token = settings.github_token
        cache: EtagCache | None = None
        keys = list(groups)
        try:
            if token is not None:
                try:
                    for start in range(0, len(keys), BATCH_SIZE):
                        chunk = [[ref for _, ref in groups[k]] for k in keys[start : start + BATCH_SIZE]]
                        lookups.update(
                            await lookup_batch(
                                client, url=settings.github_graphql_url, token=token, state=state, groups=chunk,
                                now=now,
                            )
                        )  # fmt: skip
                except BadToken:
                    report.notices.append(
                        "GitHub rejected the token in GITHUB_TOKEN/GH_TOKEN (401 Bad credentials); "
                        "continuing without it over the REST API (60 requests an hour)."
                    )
                    token = None
                await _block_reasons(groups, lookups, client, settings, state, now)
            if token is None and any(k not in lookups for k in keys):
                cache = EtagCache(settings.cache_dir)
                rest = RestClient(
                    client, api_url=settings.github_api_url, token=None, cache=cache, state=state, now=now
                )
                for key in keys:
                    if key not in lookups:
                        lookups[key] = await rest.lookup([ref for _, ref in groups[key]])
        except BudgetExhausted as exc:
            verb = "is nearly spent" if exc.planned else "is exhausted"
            hint = "" if settings.github_token is not None else "; set GITHUB_TOKEN for 5,000 an hour"
            stopped = f"The GitHub API rate limit {verb}{_at(exc.reset_at or state.reset_at)}{hint}"
        except ApiUnavailable as exc:
            stopped = f"The GitHub API could not be used ({exc})"
        finally:
            if cache is not None:
                try:
                    cache.save()
                except OSError as exc:
                    report.notices.append(f"Could not write the GitHub ETag cache {cache.path}: {exc.strerror}.")

        at = now()
        fell_back = 0
        for key, items in groups.items():
            lookup = lookups.get(key)
            for url, ref in items:
                outcome = outcome_for(url, ref, lookup, at) if lookup is not None else None
                if outcome is not None:
                    report.answer(url, outcome)
                    continue
                why = "the API could not decide this link" if key in lookups else "the API was not asked this run"
                report.page_check(url, _carry(url, ctx, lookup, ref), why)
                fell_back += key not in lookups
        if stopped:
            report.notices.append(
                f"{stopped}: {fell_back} GitHub link(s) fall back to page checks and keep their "
                "previous metadata, marked stale."
            )
        report.api_requests = state.requests
        log.debug("GitHub: %d API requests, %d answers", state.requests, len(report.answers))
        return report


SOURCE = GitHubSource()
