"""What an entry shows in the reports' columns, decided once for every renderer.

An entry's *primary repository* is its first code link (not data, not a reference) that has
GitHub metadata; its stars, licence and last commit stand for the entry. Data repositories
are not used: their stars say nothing about the model.

Per link (``corpus``): availability (one glyph), access, licence, size and downloads, from the
host-neutral ``LinkMeta`` first, then Hugging Face's and GitHub's own metadata. Sizes are in
decimal units (1 GB = 10^9 bytes), as Hugging Face, Zenodo and PhysioNet state theirs.
Project activity (``crawler.sources.github.health.activity``, as of the snapshot's
``generated_at``): no commit in 12 months is *inactive*, in 36 *dormant*; both are shown as
information, never as an alarm (a finished corpus does not need commits).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from crawler.history import day_of
from crawler.models import (
    Access,
    ArchiveCopy,
    EntryRecord,
    GitHubMeta,
    HuggingFaceMeta,
    LinkKind,
    LinkMeta,
    LinkRecord,
    LinkStatus,
)
from crawler.render.counts import is_refused, is_unverifiable
from crawler.sources.github.health import activity

__all__ = [
    "ACCESS_TEXT",
    "HEALTH_MARKS",
    "SEVERITY",
    "UNVERIFIABLE_MARK",
    "UNVERIFIABLE_TEXT",
    "Corpus",
    "archive_text",
    "availability",
    "code_links",
    "corpus",
    "data_links",
    "day_text",
    "github_flags",
    "health_marks",
    "hf_licence",
    "human_size",
    "last_commit",
    "licence_text",
    "link_access",
    "link_licence",
    "primary_github",
    "primary_huggingface",
    "stale_text",
    "worst_status",
]

HEALTH_MARKS = {
    LinkStatus.OK: "✅",
    LinkStatus.REDIRECTED: "↪️",
    LinkStatus.BROKEN: "❌",
    LinkStatus.UNVERIFIED: "⚠️",
    LinkStatus.SKIPPED: "⏭️",
}
# Worst first: what an entry's overall health shows and what "sort by health" orders by.
SEVERITY = {
    LinkStatus.BROKEN: 0,
    LinkStatus.UNVERIFIED: 1,
    LinkStatus.REDIRECTED: 2,
    LinkStatus.OK: 3,
    LinkStatus.SKIPPED: 4,
}


def code_links(entry: EntryRecord) -> list[LinkRecord]:
    """Links for the leaderboard's code column: neither data nor a reference."""
    return [link for link in entry.links if not link.kind.is_data and link.kind is not LinkKind.REFERENCE]


def data_links(entry: EntryRecord) -> list[LinkRecord]:
    """Links for the leaderboard's data-download column."""
    return [link for link in entry.links if link.kind.is_data]


def primary_github(entry: EntryRecord) -> GitHubMeta | None:
    """GitHub metadata of the entry's first code link that has some."""
    return next((link.github for link in code_links(entry) if link.github is not None), None)


def primary_huggingface(entry: EntryRecord) -> HuggingFaceMeta | None:
    """Hugging Face metadata of the entry's first code link that has some (a model repo)."""
    return next((link.huggingface for link in code_links(entry) if link.huggingface is not None), None)


def licence_text(entry: EntryRecord) -> str:
    """The primary repository's licence (GitHub, else Hugging Face), or ''."""
    gh = primary_github(entry)
    if gh is not None and gh.license:
        return gh.license
    hf = primary_huggingface(entry)
    if hf is not None and hf.license:
        return ", ".join(hf.license) if isinstance(hf.license, list) else hf.license
    return ""


def last_commit(entry: EntryRecord) -> datetime | None:
    """Newest commit of the primary GitHub repository, else the model repo's last modification."""
    gh = primary_github(entry)
    if gh is not None and (gh.last_commit or gh.pushed_at):
        return gh.last_commit or gh.pushed_at
    hf = primary_huggingface(entry)
    return hf.last_modified if hf is not None else None


def day_text(moment: datetime | None) -> str:
    """``YYYY-MM-DD`` (UTC) or ''."""
    return day_of(moment).isoformat() if moment is not None else ""


def health_marks(entry: EntryRecord) -> str:
    """One mark per link, in the entry's order (✅ ↪️ ❌ ⚠️ ⏭️; 🔒 for a host that cannot tell without a login)."""
    return " ".join(
        UNVERIFIABLE_MARK if is_unverifiable(link.result) else HEALTH_MARKS[link.result.status] for link in entry.links
    )


def worst_status(entry: EntryRecord) -> LinkStatus | None:
    """The most alarming status among the entry's links (None without links).

    A link on a login-only host (Tianchi: ``unverified``, cause ``unverifiable-host``) is no alarm:
    it counts only when the entry has nothing else (its 🔒 mark still shows in the marks).
    """
    telling = [link for link in entry.links if not is_unverifiable(link.result)] or entry.links
    statuses = [link.result.status for link in telling]
    return min(statuses, key=SEVERITY.__getitem__) if statuses else None


# --------------------------------------------------------------------------- per link: corpus columns

UNVERIFIABLE_MARK = "🔒"
UNVERIFIABLE_TEXT = "login required, existence not verifiable"
ACCESS_TEXT = {
    Access.OPEN: "open: anyone can download it",
    Access.GATED: "gated: accept the terms on the host",
    Access.CREDENTIALED: "credentialed: identity or training checks",
    Access.LOGIN: "login: an account on the host",
    Access.CODE: "code: a share password or extraction code",
    Access.RESTRICTED: "restricted: on request, embargoed or closed",
    Access.UNKNOWN: "unknown: the host does not say",
}
_UNITS = ("bytes", "kB", "MB", "GB", "TB", "PB")


def human_size(size_bytes: int | None) -> str:
    """``1234567890`` -> ``1.2 GB`` (decimal units, one decimal under 10, none above; ``512 bytes``); None -> ''.

    The one size wording of every report (``crawler.render.cells`` uses it for the leaderboard).
    """
    if size_bytes is None:
        return ""
    value, unit = float(size_bytes), 0
    while value >= 1000 and unit < len(_UNITS) - 1:
        value, unit = value / 1000, unit + 1
    if unit == 0:
        return f"{size_bytes} byte" + ("" if size_bytes == 1 else "s")
    return f"{value:.1f} {_UNITS[unit]}" if value < 10 else f"{value:.0f} {_UNITS[unit]}"


def hf_licence(hf: HuggingFaceMeta | None) -> str:
    """A Hugging Face repo's licence(s) as one string, or ''."""
    if hf is None or not hf.license:
        return ""
    return ", ".join(hf.license) if isinstance(hf.license, list) else hf.license


def link_licence(link: LinkRecord) -> str:
    """The link's licence: the host adapter's, else Hugging Face's, else GitHub's, or ''."""
    if link.meta is not None and link.meta.license:
        return link.meta.license
    return hf_licence(link.huggingface) or (link.github.license or "" if link.github is not None else "")


def link_access(link: LinkRecord) -> Access | None:
    """What a reader must do to download the link's target; None when nothing says."""
    if link.meta is not None:
        return link.meta.access
    if link.huggingface is not None:
        return Access.GATED if link.huggingface.gated else Access.OPEN
    if link.github is not None:
        return Access.OPEN  # the API only answers for public repositories
    if is_unverifiable(link.result):
        return Access.LOGIN
    return None


def availability(link: LinkRecord) -> tuple[str, str]:
    """One glyph and its words: ✅ available, ❌ gone, ⚠️ cannot tell now, 🔒 login required, ⏭️ not checked."""
    result = link.result
    if is_unverifiable(result):
        return UNVERIFIABLE_MARK, UNVERIFIABLE_TEXT
    if is_refused(result):
        return HEALTH_MARKS[LinkStatus.SKIPPED], "not checked: the address guard refused it"
    words = {
        LinkStatus.OK: "available",
        LinkStatus.REDIRECTED: "available at a new address",
        LinkStatus.BROKEN: "gone",
        LinkStatus.UNVERIFIED: "cannot tell this run",
        LinkStatus.SKIPPED: "not checked",
    }
    return HEALTH_MARKS[result.status], words[result.status]


@dataclass(frozen=True)
class Corpus:
    """What the corpus columns show for one link (strings are '' where the host does not tell)."""

    mark: str
    availability: str
    access: str
    licence: str
    size: str
    size_bytes: int | None
    file_count: int | None
    downloads: int | None
    likes: int | None
    newer_version: str
    stale: str


def corpus(link: LinkRecord) -> Corpus:
    """The corpus columns of *link* (any kind; the reports use it for data links)."""
    mark, words = availability(link)
    meta: LinkMeta | None = link.meta
    hf = link.huggingface
    access = link_access(link)
    downloads = meta.downloads if meta is not None and meta.downloads is not None else (hf.downloads if hf else None)
    likes = meta.likes if meta is not None and meta.likes is not None else (hf.likes if hf else None)
    newer = ""
    if meta is not None and (meta.newer_version or (meta.latest_version and meta.latest_version != meta.version)):
        newer = f"newer version {meta.latest_version}" if meta.latest_version else "a newer version exists"
    return Corpus(
        mark=mark,
        availability=words,
        access=access.value if access is not None else "",
        licence=link_licence(link),
        size=human_size(meta.size_bytes if meta is not None else None),
        size_bytes=meta.size_bytes if meta is not None else None,
        file_count=meta.file_count if meta is not None else None,
        downloads=downloads,
        likes=likes,
        newer_version=newer,
        stale=stale_text(link),
    )


def stale_text(link: LinkRecord) -> str:
    """``stale, as of YYYY-MM-DD`` when any metadata shown was carried over from an earlier run
    (the oldest one's ``fetched_at``), else ''. The one stale wording of every report."""
    stale = [m for m in (link.meta, link.huggingface, link.github) if m is not None and m.stale]
    if not stale:
        return ""
    return f"stale, as of {day_text(min(m.fetched_at for m in stale))}"


def archive_text(copy: ArchiveCopy | None) -> str:
    """``archived copy of 2024-03-02`` (Wayback Machine) / ``Software Heritage copy of ...``, or ''."""
    if copy is None:
        return ""
    what = "archived copy" if copy.source == "wayback" else "Software Heritage copy"
    return f"{what} of {day_text(copy.captured_at)}" if copy.captured_at else what


def github_flags(gh: GitHubMeta | None, now: datetime) -> list[str]:
    """What a maintainer should know about a repository: archived, disabled, locked, empty, inactive/dormant."""
    if gh is None:
        return []
    flags = [name for name in ("archived", "disabled", "locked", "empty") if getattr(gh, name)]
    state = activity(gh, now)
    if state in ("inactive", "dormant"):
        flags.append(state)
    return flags
