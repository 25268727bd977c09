"""The pure column helpers every report shares: sizes, activity, access, availability, stale and archive text."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawler.models import (
    Access,
    ArchiveCopy,
    GitHubMeta,
    HuggingFaceMeta,
    LinkKind,
    LinkMeta,
    LinkRecord,
    LinkResult,
    LinkStatus,
)
from crawler.render.columns import (
    archive_text,
    availability,
    corpus,
    github_flags,
    human_size,
    link_access,
    stale_text,
)

NOW = datetime(2026, 3, 2, tzinfo=UTC)


def record(status: LinkStatus = LinkStatus.OK, **kw: object) -> LinkRecord:
    """A dataset link with *status* and any metadata given."""
    cause = kw.pop("cause", None)
    reason = kw.pop("reason", "OK.")
    result = LinkResult(url="https://x.org/d", status=status, reason=reason, cause=cause, checked_at=NOW)
    return LinkRecord(url="https://x.org/d", kind=LinkKind.DATASET, result=result, **kw)


@pytest.mark.parametrize(
    ("size", "text"),
    [(None, ""), (0, "0 bytes"), (1, "1 byte"), (999, "999 bytes"), (1000, "1.0 kB"), (52_300_000, "52 MB"),
     (1_234_000_000, "1.2 GB"), (123_456_789_012, "123 GB"), (5 * 10**18, "5000 PB")],
)  # fmt: skip
def test_human_size_uses_decimal_units(size, text):
    """Sizes read like the hosts state them: 1.2 GB, one decimal under 10."""
    assert human_size(size) == text


def test_activity_flags_as_of_the_snapshot_date():
    """No commit in 12 months is inactive, in 36 dormant (GitHub's own rule); recent or unknown adds no flag."""

    def gh(last: datetime | None) -> GitHubMeta:
        return GitHubMeta(full_name="a/b", stars=1, forks=0, fetched_at=NOW, last_commit=last)

    assert github_flags(gh(datetime(2025, 6, 1, tzinfo=UTC)), NOW) == []
    assert github_flags(gh(datetime(2025, 3, 1, tzinfo=UTC)), NOW) == ["inactive"]
    assert github_flags(gh(datetime(2023, 3, 1, tzinfo=UTC)), NOW) == ["dormant"]
    assert github_flags(gh(None), NOW) == []


def test_github_flags_list_state_then_activity():
    """Archived, disabled, locked and empty come first, then inactive or dormant."""
    gh = GitHubMeta(
        full_name="a/b", stars=1, forks=0, archived=True, locked=True, fetched_at=NOW,
        last_commit=datetime(2022, 1, 1, tzinfo=UTC),
    )  # fmt: skip
    assert github_flags(gh, NOW) == ["archived", "locked", "dormant"]
    assert github_flags(None, NOW) == []


def test_access_comes_from_linkmeta_then_hf_then_github():
    """LinkMeta's access wins; an HF gated repo is gated; a public GitHub repo is open; a login-only host is login."""
    assert (
        link_access(record(meta=LinkMeta(source="zenodo", access=Access.RESTRICTED, fetched_at=NOW)))
        is Access.RESTRICTED
    )
    hf = HuggingFaceMeta(id="a/b", repo_type="dataset", gated="auto", fetched_at=NOW)
    assert link_access(record(huggingface=hf)) is Access.GATED
    assert link_access(record(github=GitHubMeta(full_name="a/b", stars=1, forks=0, fetched_at=NOW))) is Access.OPEN
    tianchi = record(LinkStatus.UNVERIFIED, cause="unverifiable-host", reason="login wall")
    assert link_access(tianchi) is Access.LOGIN
    assert link_access(record()) is None


def test_availability_never_ticks_an_unverifiable_host_and_names_refusals():
    """Tianchi reads 'login required, existence not verifiable' with a lock; a guard refusal says so."""
    assert availability(record(LinkStatus.UNVERIFIED, cause="unverifiable-host", reason="x")) == (
        "🔒",
        "login required, existence not verifiable",
    )
    refused = record(LinkStatus.SKIPPED, reason="refused to check 10.0.0.1: a private address")
    assert availability(refused)[1] == "not checked: the address guard refused it"
    assert availability(record(LinkStatus.BROKEN, reason="gone")) == ("❌", "gone")


def test_corpus_reads_linkmeta_and_marks_newer_versions_and_stale():
    """Licence, size, downloads and 'newer version' come from LinkMeta; stale metadata says its date."""
    meta = LinkMeta(
        source="zenodo", access=Access.OPEN, license="CC-BY-4.0", size_bytes=650_000_000, downloads=42,
        version="1.0", latest_version="2.0", fetched_at=datetime(2026, 2, 1, tzinfo=UTC), stale=True,
    )  # fmt: skip
    c = corpus(record(meta=meta))
    assert (c.access, c.licence, c.size, c.downloads) == ("open", "CC-BY-4.0", "650 MB", 42)
    assert c.newer_version == "newer version 2.0"
    assert c.stale == "stale, as of 2026-02-01"
    assert stale_text(record()) == ""


def test_archive_text_names_the_archive_and_date():
    """Wayback copies read 'archived copy of DATE'; Software Heritage ones say so."""
    wayback = ArchiveCopy(url="https://web.archive.org/web/2024/x", source="wayback", captured_at=NOW)
    assert archive_text(wayback) == "archived copy of 2026-03-02"
    swh = ArchiveCopy(
        url="https://archive.softwareheritage.org/browse/origin/?origin_url=x", source="software-heritage"
    )
    assert archive_text(swh) == "Software Heritage copy"
    assert archive_text(None) == ""


def test_worst_status_is_no_alarm_for_a_login_only_host():
    """An entry whose only non-ok links are Tianchi's reads ok in Health; with nothing else it reads unverified."""
    from crawler.models import EntryRecord
    from crawler.render.columns import worst_status

    tianchi = record(LinkStatus.UNVERIFIED, cause="unverifiable-host", reason="login required")
    entry = EntryRecord(id="doctorglm", name="DoctorGLM", links=[record(), tianchi])
    assert worst_status(entry) is LinkStatus.OK
    assert worst_status(entry.model_copy(update={"links": [tianchi]})) is LinkStatus.UNVERIFIED
    assert worst_status(entry.model_copy(update={"links": [record(LinkStatus.BROKEN), tianchi]})) is LinkStatus.BROKEN
