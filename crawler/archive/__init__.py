"""Rescue: surviving copies of dead links, and (``run --archive``) saves of what is alive.

The run's archive phase, between ``build_snapshot`` and writing (``crawler/pipeline.run``):

1. :func:`~crawler.archive.lookup.find_archived_copies` fills ``LinkRecord.archive``
   (``ArchiveCopy(url, source, captured_at)``) for confirmed-broken links and gone GitHub
   repositories: Software Heritage for repositories, the Wayback Machine otherwise;
2. with ``--archive``, :func:`~crawler.archive.save.preserve` asks both archives to keep the
   live repositories and data links they have not archived recently;
3. the answers are cached in ``{cache_dir}/archive.json`` (:mod:`crawler.archive.cache`).

Modules: ``service.py`` (pacing, budgets, rate limits: one place), ``wayback.py`` (CDX and
Save Page Now), ``swh.py`` (Software Heritage), ``lookup.py``, ``save.py``, ``cache.py``.
Nothing in this package fails the run: problems become one notice per service.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import httpx

from crawler.archive.cache import ArchiveCache
from crawler.archive.lookup import DEFAULT_LOOKUPS_PER_RUN, ArchiveReport, find_archived_copies, needs_archive
from crawler.archive.save import preserve
from crawler.models import Snapshot
from crawler.net import build_client
from crawler.settings import Settings

log = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_LOOKUPS_PER_RUN",
    "ArchiveCache",
    "ArchiveOptions",
    "ArchiveReport",
    "archive_phase",
    "archive_snapshot",
    "find_archived_copies",
    "needs_archive",
    "preserve",
]


@dataclass(frozen=True)
class ArchiveOptions:
    """The run's archive settings (``run`` flags; defaults as documented in the README)."""

    confirm_after: int = 2
    lookups_per_run: int = DEFAULT_LOOKUPS_PER_RUN  # per service; 0 turns lookups off
    save: bool = False  # run --archive
    swh_age_days: int = 90
    wayback_age_days: int = 30


async def archive_snapshot(
    snapshot: Snapshot,
    client: httpx.AsyncClient,
    settings: Settings,
    cache: ArchiveCache,
    now: Callable[[], datetime],
    options: ArchiveOptions = ArchiveOptions(),
) -> ArchiveReport:
    """Look up archived copies (and with ``options.save``, ask for saves); the cache is written."""
    report = await find_archived_copies(
        snapshot, client, settings, cache, now,
        confirm_after=options.confirm_after, lookups_per_run=options.lookups_per_run,
    )  # fmt: skip
    if options.save:
        saved = await preserve(
            report.snapshot, client, settings, cache, now,
            swh_age_days=options.swh_age_days, wayback_age_days=options.wayback_age_days,
        )  # fmt: skip
        report.notices.extend(saved.notices)
        report.requests.update(saved.requests)
        report.saved = [f"{a.url}: {a.detail}" for a in saved.asked]
        for line in report.saved:
            log.info("archive: %s", line)
        summary = saved.summary()
        report.notices.append(summary or "archive: everything alive was archived recently; nothing to ask for.")
    try:
        cache.save()
    except OSError as exc:
        report.notices.append(f"{cache.path}: could not write the archive cache ({exc.strerror or exc}).")
    return report


async def archive_phase(
    snapshot: Snapshot,
    settings: Settings,
    now: Callable[[], datetime],
    options: ArchiveOptions,
    *,
    client: httpx.AsyncClient | None = None,
) -> ArchiveReport:
    """:func:`archive_snapshot` with the cache from ``settings.cache_dir`` and, unless given, a client of its own."""
    cache = ArchiveCache.load(settings.cache_dir)
    if client is not None:
        return await archive_snapshot(snapshot, client, settings, cache, now, options)
    async with build_client(settings, concurrency=4, timeout=30.0) as http:
        return await archive_snapshot(snapshot, http, settings, cache, now, options)
