"""Which links get an archived copy, the source preference rule, and the on-disk answer cache."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

import anyio
import httpx
import respx

from crawler.archive import ArchiveCache, ArchiveOptions, archive_snapshot, find_archived_copies, needs_archive
from crawler.models import EntryRecord, GitHubMeta, LinkKind, LinkRecord, LinkResult, LinkStatus, Snapshot
from crawler.settings import Settings

NOW = datetime(2026, 11, 30, 4, 17, tzinfo=UTC)
SETTINGS = Settings()
WB, SWH = SETTINGS.wayback_url, SETTINGS.swh_api_url
PAGE = "https://example.org/corpus.zip"
REPO = "https://github.com/gone-org/corpus"
CDX_ROW = [["timestamp", "original", "statuscode"], ["20240302101500", PAGE, "200"]]


def record(url: str, status: LinkStatus, streak: int, kind: LinkKind = LinkKind.DATASET, **kw) -> LinkRecord:
    """A snapshot link failing *streak* runs in a row."""
    result = LinkResult(url=url, status=status, reason="r", checked_at=NOW, http_status=kw.pop("http_status", 404))
    since = date(2026, 11, 23) if streak else None
    return LinkRecord(url=url, kind=kind, result=result, consecutive_failures=streak, failing_since=since, **kw)


def snapshot(*links: LinkRecord) -> Snapshot:
    """A one-entry snapshot holding *links*."""
    return Snapshot(generated_at=NOW, tool_version="0", registry_path="r.yaml", registry_sha256="0" * 64,
                    summary={}, entries=[EntryRecord(id="e", name="E", links=list(links))])  # fmt: skip


def lookup(router: respx.MockRouter, snap: Snapshot, cache: ArchiveCache, **kw):
    """find_archived_copies through *router*."""

    async def main():
        async with httpx.AsyncClient(transport=httpx.MockTransport(router.handler)) as client:
            return await find_archived_copies(snap, client, SETTINGS, cache, lambda: NOW, **kw)

    return anyio.run(main)


def test_which_links_need_an_archived_copy():
    """Confirmed broken, or a GitHub repository gone/blocked/disabled; not a first failure, not unverified."""
    meta = GitHubMeta(full_name="org/r", stars=1, forks=0, fetched_at=NOW)
    assert needs_archive(record(PAGE, LinkStatus.BROKEN, 2), 2)
    assert not needs_archive(record(PAGE, LinkStatus.BROKEN, 1), 2)
    assert not needs_archive(record(PAGE, LinkStatus.UNVERIFIED, 9), 2)
    assert needs_archive(record(REPO, LinkStatus.BROKEN, 1, LinkKind.REPOSITORY), 2)  # repository not found
    assert needs_archive(record(REPO, LinkStatus.BROKEN, 1, LinkKind.REPOSITORY, http_status=451), 2)  # DMCA
    path = f"{REPO}/tree/main/data"
    assert not needs_archive(record(path, LinkStatus.BROKEN, 1, LinkKind.DATA, github=meta), 2)  # live repo
    disabled = meta.model_copy(update={"disabled": True})
    assert needs_archive(record(REPO, LinkStatus.OK, 0, LinkKind.REPOSITORY, github=disabled), 2)


def test_repositories_prefer_software_heritage_and_fall_back_to_wayback():
    """A repo Software Heritage never visited gets the Wayback copy; a page is never asked of SWH."""
    router = respx.MockRouter()
    swh = router.get(url__regex=rf"{SWH}/origin/.*/visit/latest/").respond(404, json={"exception": "NotFoundExc"})
    router.get(f"{WB}/cdx/search/cdx").respond(200, json=CDX_ROW)
    snap = snapshot(record(REPO, LinkStatus.BROKEN, 1, LinkKind.REPOSITORY), record(PAGE, LinkStatus.BROKEN, 3))
    report = lookup(router, snap, ArchiveCache(None))
    copies = {link.url: link.archive for _, link in report.snapshot.links()}
    assert swh.call_count == 1 and all(c is not None and c.source == "wayback" for c in copies.values())
    assert snap.entries[0].links[0].archive is None  # the input snapshot is left as it was
    assert report.notices == []


def test_a_url_cited_twice_is_looked_up_once_and_both_links_get_the_copy():
    """Same URL in two places: one CDX request, the same archive on both records."""
    router = respx.MockRouter()
    route = router.get(f"{WB}/cdx/search/cdx").respond(200, json=CDX_ROW)
    report = lookup(router, snapshot(record(PAGE, LinkStatus.BROKEN, 2), record(PAGE, LinkStatus.BROKEN, 2)),
                    ArchiveCache(None))  # fmt: skip
    assert route.call_count == 1
    assert [link.archive for _, link in report.snapshot.links()].count(None) == 0


def test_answers_are_cached_while_the_status_is_unchanged(tmp_path):
    """Second run, same failure: no request. A new failure streak (other failing_since): asked again."""
    router = respx.MockRouter()
    route = router.get(f"{WB}/cdx/search/cdx").respond(200, json=CDX_ROW)
    lookup(router, snapshot(record(PAGE, LinkStatus.BROKEN, 2)), cache := ArchiveCache.load(tmp_path))
    cache.save()
    again = lookup(router, snapshot(record(PAGE, LinkStatus.BROKEN, 3)), ArchiveCache.load(tmp_path))
    assert route.call_count == 1 and again.snapshot.entries[0].links[0].archive is not None
    later = record(PAGE, LinkStatus.BROKEN, 2).model_copy(update={"failing_since": date(2026, 11, 29)})
    lookup(router, snapshot(later), ArchiveCache.load(tmp_path))
    assert route.call_count == 2


def test_failures_are_not_cached(tmp_path):
    """A lookup that failed is asked again next run (only answers are kept)."""
    router = respx.MockRouter()
    route = router.get(f"{WB}/cdx/search/cdx").respond(500)
    cache = ArchiveCache.load(tmp_path)
    report = lookup(router, snapshot(record(PAGE, LinkStatus.BROKEN, 2)), cache)
    assert len(report.notices) == 1 and PAGE not in cache.lookups and route.call_count == 2


def test_zero_lookups_per_run_sends_nothing():
    """--archive-lookups 0: no request, no notice, no archive field."""
    router = respx.MockRouter()
    report = lookup(router, snapshot(record(PAGE, LinkStatus.BROKEN, 5)), ArchiveCache(None), lookups_per_run=0)
    assert report.notices == [] and report.snapshot.entries[0].links[0].archive is None


def test_damaged_cache_is_empty_and_an_unwritable_one_is_a_notice(tmp_path):
    """A corrupt archive.json is ignored; a cache path that cannot be written gives a notice, not an error."""
    (tmp_path / "archive.json").write_text("{not json", encoding="utf-8")
    assert ArchiveCache.load(tmp_path).lookups == {}
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    router = respx.MockRouter()

    async def main():
        async with httpx.AsyncClient(transport=httpx.MockTransport(router.handler)) as client:
            return await archive_snapshot(snapshot(), client, SETTINGS, ArchiveCache.load(blocker / "sub"),
                                          lambda: NOW, ArchiveOptions())  # fmt: skip

    report = anyio.run(main)
    assert len(report.notices) == 1 and "could not write the archive cache" in report.notices[0]


def test_the_log_line_names_which_links_were_looked_up(caplog):
    """The summary counts dead links (confirmed, or a gone repository), not every failing one."""
    router = respx.MockRouter()
    router.get(f"{WB}/cdx/search/cdx").respond(200, json=CDX_ROW)
    snap = snapshot(record(PAGE, LinkStatus.BROKEN, 2), record(f"{PAGE}2", LinkStatus.BROKEN, 1))
    with caplog.at_level(logging.INFO):
        lookup(router, snap, ArchiveCache(None))
    line = "archive: 1 of 1 dead link (confirmed broken, or a GitHub repository gone) has an archived copy."
    assert line in caplog.text
