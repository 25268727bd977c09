"""Surviving copies of dead links: fill ``LinkRecord.archive`` for the links that need one.

Which links: every **confirmed-broken** link (status ``broken`` and ``consecutive_failures``
>= ``confirm_after``), and every GitHub link whose **repository** is gone, blocked (broken with
no repository metadata: the API found no repository) or disabled, from the first failing run.

The rule, per unique URL:

1. a repository (any GitHub link; another host's ``repository`` link): Software Heritage's
   latest visit with a snapshot -> ``source: software-heritage``, ``captured_at`` = that visit,
   ``url`` = the archive's browse page for the origin. Code is what a repository link is for,
   and Software Heritage keeps all of it (history included), where a web capture keeps a page;
2. otherwise, or when Software Heritage has no visit: the Wayback Machine's newest capture
   answered 200, preferring one from before ``failing_since`` -> ``source: wayback``.

Answers are cached per URL while the link's status and ``failing_since`` stay the same
(:mod:`crawler.archive.cache`). Each service gets at most ``lookups_per_run`` requests a run;
a lookup that fails or is not made leaves the field empty, and each service's problems are
summed up in one notice. Nothing here raises for a service's misbehaviour.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import httpx

from crawler.archive import swh, wayback
from crawler.archive.cache import ArchiveCache
from crawler.archive.service import Lookup, Service
from crawler.history import is_confirmed
from crawler.models import ArchiveCopy, LinkRecord, LinkStatus, Snapshot
from crawler.settings import Settings
from crawler.sources.github.urls import parse_github_url

__all__ = ["DEFAULT_LOOKUPS_PER_RUN", "ArchiveReport", "find_archived_copies", "needs_archive"]

log = logging.getLogger(__name__)

DEFAULT_LOOKUPS_PER_RUN = 40  # requests per service; Wayback CDX at 24/min makes it < 2 minutes


@dataclass
class ArchiveReport:
    """What the archive phase did: the snapshot with ``archive`` fields, and one-sentence notices."""

    snapshot: Snapshot
    notices: list[str] = field(default_factory=list)
    requests: dict[str, int] = field(default_factory=dict)
    saved: list[str] = field(default_factory=list)


def _repository_gone(record: LinkRecord) -> bool:
    if parse_github_url(record.url) is None:
        return False
    if record.github is not None and record.github.disabled:
        return True
    # The API found no repository at all (missing, DMCA-blocked): a path that is missing
    # inside a live repository is not that, and waits for confirmation like any link.
    return record.result.status is LinkStatus.BROKEN and record.github is None and record.result.http_status in (
        404, 410, 451, 403
    )


def needs_archive(record: LinkRecord, confirm_after: int) -> bool:
    """True for a link a surviving copy is looked up for (see the module docstring)."""
    confirmed = record.result.status is LinkStatus.BROKEN and is_confirmed(record, confirm_after)
    return confirmed or _repository_gone(record)


def _services(client: httpx.AsyncClient, settings: Settings, budget: int) -> tuple[Service, Service]:
    headers = {"Authorization": f"Bearer {settings.swh_token.get_secret_value()}"} if settings.swh_token else {}
    return (
        Service("Software Heritage", client, budget, headers=headers),
        Service("the Wayback Machine", client, budget, min_interval=wayback.CDX_INTERVAL),
    )


async def find_archived_copies(
    snapshot: Snapshot,
    client: httpx.AsyncClient,
    settings: Settings,
    cache: ArchiveCache,
    now: Callable[[], datetime],
    *,
    confirm_after: int = 2,
    lookups_per_run: int = DEFAULT_LOOKUPS_PER_RUN,
) -> ArchiveReport:
    """*snapshot* (a copy) with ``archive`` set on every link that needs and has a surviving copy.

    Never raises for an archive's answer or silence; see :class:`ArchiveReport` for notices.
    """
    result = snapshot.model_copy(deep=True)
    report = ArchiveReport(result)
    wanted: dict[str, LinkRecord] = {}
    for _, record in result.links():
        if needs_archive(record, confirm_after):
            wanted.setdefault(record.url, record)
    if not wanted or lookups_per_run <= 0:
        return report
    swh_service, wb_service = _services(client, settings, lookups_per_run)
    found: dict[str, ArchiveCopy | None] = {}
    at = now()
    for url, record in wanted.items():
        cached = cache.lookup(url, record.result.status, record.failing_since, at)
        if cached is not None:
            found[url] = cached.copy_
            continue
        answer = await _look_up(record, swh_service, wb_service, settings)
        if answer.answered:
            cache.remember(url, record.result.status, record.failing_since, at, answer.copy)
            found[url] = answer.copy
    for _, record in result.links():
        if record.url in wanted:
            record.archive = found.get(record.url)
    cache.forget_except(set(wanted))
    for service in (swh_service, wb_service):
        report.requests[service.name] = service.sent
        notice = service.notice("archive lookups")
        if notice:
            report.notices.append(notice)
    copies = sum(1 for copy in found.values() if copy is not None)
    # Not "failing links": a link failing for the first time is not looked up, so the count would not match.
    one = len(wanted) == 1
    what = f"dead link{'' if one else 's'} (confirmed broken, or a GitHub repository gone) {'has' if one else 'have'}"
    log.info("archive: %d of %d %s an archived copy.", copies, len(wanted), what)
    return report


async def _look_up(record: LinkRecord, swh_service: Service, wb_service: Service, settings: Settings) -> Lookup:
    """Software Heritage first for a repository, then the Wayback Machine (see the module rule)."""
    origin = swh.origin_for(record)
    swh_answer = Lookup(True)
    if origin is not None:
        swh_answer = await swh.latest_visit(swh_service, settings.swh_api_url, origin)
        if swh_answer.copy is not None:
            return swh_answer
    wb_answer = await wayback.newest_capture(wb_service, settings.wayback_url, record.url, record.failing_since)
    if wb_answer.copy is not None:
        return wb_answer
    # "No copy anywhere" is only an answer (worth caching) when every archive asked answered.
    return Lookup(swh_answer.answered and wb_answer.answered)
