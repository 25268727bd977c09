"""What an entry shows in the reports' columns, decided once for every renderer.

An entry's *primary repository* is its first code link (not data, not a reference) that has
GitHub metadata; its stars, licence and last commit stand for the entry. Data repositories
are not used: their stars say nothing about the model.
"""

from __future__ import annotations

from datetime import datetime

from crawler.history import day_of
from crawler.models import EntryRecord, GitHubMeta, HuggingFaceMeta, LinkKind, LinkRecord, LinkStatus

__all__ = [
    "HEALTH_MARKS",
    "SEVERITY",
    "code_links",
    "data_links",
    "day_text",
    "health_marks",
    "last_commit",
    "licence_text",
    "primary_github",
    "primary_huggingface",
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
    """One mark per link, in the entry's order (✅ ↪️ ❌ ⚠️ ⏭️)."""
    return " ".join(HEALTH_MARKS[link.result.status] for link in entry.links)


def worst_status(entry: EntryRecord) -> LinkStatus | None:
    """The most alarming status among the entry's links (None without links)."""
    statuses = [link.result.status for link in entry.links]
    return min(statuses, key=SEVERITY.__getitem__) if statuses else None
