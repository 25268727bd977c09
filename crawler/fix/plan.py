"""What ``python -m crawler fix`` proposes: registry edits from the newest snapshot. Pure: no I/O.

Each registry link is matched to the snapshot by URL, and its new URL is built in this order
(each step starts from the previous one's result, and each one that changes it says why):

1. **GitHub rename or transfer**: ``GitHubMeta.full_name`` (the API's canonical ``owner/name``)
   differs from the URL's, other than by case (GitHub's names are case-insensitive). Only the
   owner and name segments are replaced; the rest of the path, the query and the fragment stay.
   GitHub redirects the old name after a rename or a transfer (docs.github.com/en/repositories/
   creating-and-managing-repositories/renaming-a-repository), but only until someone creates a
   repository under the old name (GitHub staff in github.com/orgs/community/discussions/22669),
   so the registry should follow the new name.
2. **Hugging Face rename**: ``HuggingFaceMeta.id`` (the Hub API's canonical id) differs from the
   URL's, other than by case; the id segments are replaced the same way.
3. **Permanent redirect**: a ``redirected`` link's ``result.final_url`` (the end of its leading
   301/308 hops), keeping the original fragment when the target has none (a ``Location`` never
   carries one; browsers keep the original's). Not proposed when the target is the site's home
   page and the link was deeper (how many sites answer for a removed page), or a sign-in page
   (``/login``, ``?next=``: how they answer for a protected one), nor when it
   would trade ``https://`` for plain ``http://`` (a downgrade the registry should not make for a site).
4. **README notice**: ``GitHubMeta.moved_to``, the URL a repository's README says it moved to,
   for links to the repository itself (not a file or folder in it), when step 1 found no rename,
   and only when that URL is a repository on a code host: a README also says "v1 is deprecated,
   download v2 from <a file>", which is no new home for the repository link (noted instead).
5. **https**: an ``http://`` link unchanged so far whose ``https://`` form was checked to work
   now (``https_ok``, filled by the caller through the link checker; see ``https_candidates``).
6. **Canonical GitHub form**: ``crawler.registry_warnings.canonical_github_url``, the rule ``validate``
   warns with (https, no ``www.``, no trailing slash, no ``.git``).

Steps 1 to 4 and the https form are ``rules.py``'s; this module orders them and builds the plan.

Broken links are never edited. A confirmed-broken one (broken for ``confirm_after`` runs in a
row) with an archived copy in the snapshot (``LinkRecord.archive``) gets an
:class:`ArchiveSuggestion`; the maintainer accepts it with ``--accept-archived URL``, which adds
``archived: <copy>`` to the link (``Link.archived``) and leaves its ``url`` as cited.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date, datetime
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field

from crawler.errors import SnapshotError, UsageError
from crawler.fix.rules import Change, https_form, propose_readme_target, propose_redirect, propose_rename
from crawler.models import ArchiveCopy, Link, LinkRecord, LinkStatus, Registry, Snapshot, check_http_url
from crawler.registry_warnings import canonical_github_url
from crawler.sources.github.urls import GITHUB_HOSTS

__all__ = [
    "ArchiveSuggestion",
    "Change",
    "Edit",
    "FixPlan",
    "https_candidates",
    "https_form",
    "plan_fixes",
    "summary_lines",
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Edit(_Model):
    """One registry link to change: its ``url`` rewritten, or an ``archived`` key added."""

    entry_id: str
    link_index: int = Field(ge=0, description="Position of the link in the entry's `links` list.")
    field: Literal["url", "archived"] = "url"
    old_url: str = Field(description="The link's URL as the registry cites it.")
    new_url: str = Field(description="The new URL (field url) or the archived copy's URL (field archived).")
    changes: list[Change]


class ArchiveSuggestion(_Model):
    """A confirmed-broken link with a surviving archived copy, waiting for ``--accept-archived``."""

    entry_id: str
    url: str
    archive: ArchiveCopy
    failing_since: date | None = None
    consecutive_failures: int = 0


class FixPlan(_Model):
    """Everything ``fix`` proposes for one registry from one snapshot."""

    registry: str = Field(description="The registry file as shown to the user.")
    snapshot: str
    snapshot_generated_at: datetime
    date: date
    edits: list[Edit] = Field(default_factory=list)
    suggestions: list[ArchiveSuggestion] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list, description="What was not proposed, and why.")

    @property
    def has_edits(self) -> bool:
        return bool(self.edits)


def _is_github(url: str) -> bool:
    return (urlsplit(url).hostname or "").lower() in GITHUB_HOSTS


# --------------------------------------------------------------------------- planning


def _checkable(record: LinkRecord) -> bool:
    """Links whose fresh evidence may be used: not broken (never rewritten) and not skipped (not checked)."""
    return record.result.status not in (LinkStatus.BROKEN, LinkStatus.SKIPPED)


def https_candidates(registry: Registry, snapshot: Snapshot) -> dict[str, str]:
    """``http://`` URL -> its ``https://`` form, for the links whose https form is worth checking.

    GitHub links are left out (the canonical-form step moves them to https without a request).
    """
    records = _records(snapshot)
    out: dict[str, str] = {}
    for url in registry.unique_urls():
        record = records.get(url)
        if url.startswith("http://") and not _is_github(url) and record is not None and _checkable(record):
            out[url] = https_form(url)
    return out


def _records(snapshot: Snapshot) -> dict[str, LinkRecord]:
    out: dict[str, LinkRecord] = {}
    for _, record in snapshot.links():
        out.setdefault(record.url, record)
    return out


def _new_url(url: str, record: LinkRecord, https_ok: Mapping[str, bool], notes: list[str]) -> tuple[str, list[Change]]:
    """The link's new URL and why (steps 1 to 6 of the module docstring); *url* and [] when it stays."""
    if record.result.status is LinkStatus.BROKEN:
        return url, []
    fresh = _checkable(record)
    changes: list[Change] = []
    new = url
    renamed = propose_rename(url, record) if fresh else None
    step = renamed or (propose_redirect(url, record, notes) if fresh else None)
    if step is not None:
        new, change = step
        changes.append(change)
    step = propose_readme_target(url, new, record, notes) if fresh and renamed is None else None
    if step is not None:
        new, change = step
        changes.append(change)
    if new == url and url.startswith("http://") and fresh:
        candidate = https_form(url)
        if https_ok.get(candidate):
            changes.append(Change(cause="https", why="its https:// form works (checked when this fix was made)"))
            new = candidate
        elif candidate in https_ok:
            notes.append(f"{url}: kept: its https:// form did not check out")
    canonical = canonical_github_url(new)
    if canonical is not None:
        changes.append(Change(cause="canonical-github", why="the canonical GitHub form (the one `validate` asks for)"))
        new = canonical
    try:
        check_http_url(new)
    except ValueError:  # a README or a server named something the registry cannot hold
        notes.append(f"{url}: not proposed: {new!r} is not a URL the registry accepts")
        return url, []
    return new, changes


def _archived(
    entry_id: str, index: int, link: Link, record: LinkRecord, accepted: Collection[str], confirm_after: int
) -> Edit | ArchiveSuggestion | None:
    """The accepted archived copy as an edit, a confirmed-broken link's copy as a suggestion, or None."""
    archive = record.archive
    if archive is None or link.archived == archive.url:
        return None
    if link.url in accepted:
        when = f" of {archive.captured_at.date().isoformat()}" if archive.captured_at else ""
        why = f"the link is gone; the maintainer accepted the {archive.source} copy{when}"
        return Edit(
            entry_id=entry_id,
            link_index=index,
            field="archived",
            old_url=link.url,
            new_url=archive.url,
            changes=[Change(cause="archived", why=why)],
        )
    confirmed = record.result.status is LinkStatus.BROKEN and record.consecutive_failures >= confirm_after
    if link.archived is not None or not confirmed:
        return None
    return ArchiveSuggestion(
        entry_id=entry_id,
        url=link.url,
        archive=archive,
        failing_since=record.failing_since,
        consecutive_failures=record.consecutive_failures,
    )


def plan_fixes(
    registry: Registry,
    snapshot: Snapshot,
    *,
    registry_name: str,
    snapshot_name: str,
    registry_sha256: str,
    today: date,
    https_ok: Mapping[str, bool] | None = None,
    accept_archived: Collection[str] = (),
    confirm_after: int = 2,
) -> FixPlan:
    """The edits and suggestions for *registry* given *snapshot*.

    *https_ok* maps each checked ``https://`` form (``https_candidates``) to whether it works; a
    form missing from it was not checked and is not proposed. *accept_archived* lists link URLs
    whose archived copy the maintainer accepts. Raises ``SnapshotError`` when the snapshot was
    made from another registry (its fingerprint differs and it checked none of these URLs), and
    ``UsageError`` for an ``--accept-archived`` URL that is not in the registry or has no copy.
    """
    records = _records(snapshot)
    urls = registry.unique_urls()
    if snapshot.registry_sha256 != registry_sha256 and urls and not any(u in records for u in urls):
        raise SnapshotError(
            f"{snapshot_name} was made from another registry than {registry_name} (none of its "
            f"{len(urls)} URLs are in it); pass the matching --registry or --snapshot."
        )
    plan = FixPlan(
        registry=registry_name,
        snapshot=snapshot_name,
        snapshot_generated_at=snapshot.generated_at,
        date=today,
    )
    if snapshot.registry_sha256 != registry_sha256:
        plan.notes.append(f"{registry_name} changed since the snapshot; links it has not checked are left alone")
    https_ok = https_ok or {}
    accepted = set(accept_archived)
    for url in accepted:
        if url not in urls:
            raise UsageError(f"--accept-archived {url}: no link of {registry_name} has this URL.")
        record = records.get(url)
        if record is None or record.archive is None:
            raise UsageError(f"--accept-archived {url}: {snapshot_name} has no archived copy of it.")
    notes_seen: set[str] = set()
    suggested: set[str] = set()
    for entry in registry.entries:
        for index, link in enumerate(entry.links):
            record = records.get(link.url)
            if record is None:
                continue
            notes: list[str] = []
            new, changes = _new_url(link.url, record, https_ok, notes)
            for note in notes:
                if note not in notes_seen:
                    notes_seen.add(note)
                    plan.notes.append(note)
            if changes and new != link.url:
                plan.edits.append(
                    Edit(entry_id=entry.id, link_index=index, old_url=link.url, new_url=new, changes=changes)
                )
            waiting = _archived(entry.id, index, link, record, accepted, confirm_after)
            if isinstance(waiting, Edit):
                plan.edits.append(waiting)
            elif waiting is not None and waiting.url not in suggested:
                suggested.add(waiting.url)
                plan.suggestions.append(waiting)
    _note_duplicates(registry, plan)
    return plan


def _note_duplicates(registry: Registry, plan: FixPlan) -> None:
    """Note each edit that makes a link the same URL as another link of its entry (one of them can go)."""
    after = {(e.entry_id, e.link_index): e.new_url for e in plan.edits if e.field == "url"}
    for entry in registry.entries:
        urls = [after.get((entry.id, i), link.url) for i, link in enumerate(entry.links)]
        for (entry_id, index), new in after.items():
            if entry_id == entry.id and urls.count(new) > 1:
                plan.notes.append(f"{entry.id}: after this fix, {new} is cited twice; remove one of the two links")


def summary_lines(plan: FixPlan) -> list[str]:
    """What ``fix`` tells on stderr besides the diff: notes, archived suggestions, the count."""
    lines = [f"note: {note}" for note in plan.notes]
    for s in plan.suggestions:
        when = f" of {s.archive.captured_at.date().isoformat()}" if s.archive.captured_at else ""
        since = f" since {s.failing_since.isoformat()}" if s.failing_since else ""
        lines.append(
            f"gone{since}: {s.url} ({s.entry_id}); archived copy{when} ({s.archive.source}): {s.archive.url}; "
            f"accept it with --accept-archived {s.url}"
        )
    n = len(plan.edits)
    lines.append(
        f"{n} edit{'' if n == 1 else 's'} proposed for {plan.registry}" if n else f"nothing to fix in {plan.registry}"
    )
    return lines
