"""``changes.md``: what changed between two snapshots, for the scheduled job's commit.

Link changes are per unique URL (naming every entry that cites it, as ``crawler.render.counts``
counts); repository changes (archived, licence, stars, Hugging Face downloads and likes) are per
GitHub repository or Hugging Face repo, so a repository cited twice is reported once.

Also reported: URLs edited in the registry (an entry's link replaced by another of the same kind:
the old URLs an entry no longer cites are paired, in order, with the new ones of the same kind),
moves to and from ``unverified``, a changed cause of a link that is still failing, and corpus
changes from the host-neutral ``LinkMeta``: access changed (open -> gated), licence changed, size
changed by more than ``SIZE_CHANGE`` (10%), a newer version published, a record removed (cause
``removed``). Metadata carried over from an earlier run (``stale``) is never compared: it was not
looked at again, so it cannot have changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from crawler.history import day_of
from crawler.models import EntryRecord, GitHubMeta, HuggingFaceMeta, LinkMeta, LinkRecord, LinkStatus, Snapshot
from crawler.render.columns import human_size
from crawler.render.counts import cited_urls, link_counts
from crawler.render.escape import md_cell, md_literal, md_url

__all__ = ["SIZE_CHANGE", "Changes", "compute_changes", "edited_urls", "render_changes"]

SIZE_CHANGE = 0.10  # a corpus whose size changes by more than this share is reported
Cited = tuple[LinkRecord, list[EntryRecord]]


@dataclass
class Changes:
    newly_broken: list[tuple[LinkRecord, list[EntryRecord]]] = field(default_factory=list)
    recovered: list[tuple[LinkRecord, LinkRecord, list[EntryRecord]]] = field(default_factory=list)
    moved: list[tuple[LinkRecord, list[EntryRecord]]] = field(default_factory=list)
    newly_archived: list[str] = field(default_factory=list)
    licence_changes: list[tuple[str, str, str]] = field(default_factory=list)
    star_gains: list[tuple[str, int, int]] = field(default_factory=list)
    added: list[EntryRecord] = field(default_factory=list)
    removed: list[EntryRecord] = field(default_factory=list)
    # (entry, kind, old URL, new URL)
    edited: list[tuple[EntryRecord, str, str, str]] = field(default_factory=list)
    # (link, its previous record, entries): to or from unverified, and a failing link's new cause
    unverified_moves: list[tuple[LinkRecord, LinkRecord, list[EntryRecord]]] = field(default_factory=list)
    cause_changes: list[tuple[LinkRecord, LinkRecord, list[EntryRecord]]] = field(default_factory=list)
    unarchived: list[str] = field(default_factory=list)
    # (repo label, old downloads, new downloads, old likes, new likes)
    hub_changes: list[tuple[str, int | None, int | None, int | None, int | None]] = field(default_factory=list)
    # (link, entries, what changed in words) for access, licence, size, newer version, removed
    corpus: list[tuple[LinkRecord, list[EntryRecord], str]] = field(default_factory=list)

    def empty(self) -> bool:
        return not any(vars(self).values())


def _by_url(snapshot: Snapshot) -> dict[str, Cited]:
    return {c.url: (c.link, list(c.entries)) for c in cited_urls(snapshot)}


def _repos(snapshot: Snapshot) -> tuple[dict[str, GitHubMeta], dict[str, HuggingFaceMeta]]:
    gh: dict[str, GitHubMeta] = {}
    hf: dict[str, HuggingFaceMeta] = {}
    for _, link in snapshot.links():
        if link.github is not None:
            gh.setdefault(link.github.full_name.lower(), link.github)
        if link.huggingface is not None:
            hf.setdefault(f"{link.huggingface.repo_type}:{link.huggingface.id}".lower(), link.huggingface)
    return gh, hf


def _licence(value: str | list[str] | None) -> str:
    if isinstance(value, list):
        return ", ".join(value) or "none"
    return value or "none"


def compute_changes(snapshot: Snapshot, previous: Snapshot, *, top_stars: int = 10) -> Changes:
    """Every change from *previous* to *snapshot*, each list in a stable order."""
    changes = Changes()
    before = _by_url(previous)
    for url, (link, entries) in _by_url(snapshot).items():
        status = link.result.status
        old = before.get(url)
        old_status = old[0].result.status if old else None
        if status is LinkStatus.BROKEN and old_status is not LinkStatus.BROKEN:
            changes.newly_broken.append((link, entries))
        # unverified -> ok is a move from unverified (below), not a recovery from breakage
        if old_status is LinkStatus.BROKEN and status.is_ok():
            changes.recovered.append((link, old[0], entries))
        if status is LinkStatus.REDIRECTED and (
            old_status is not LinkStatus.REDIRECTED or (old and old[0].result.final_url != link.result.final_url)
        ):
            changes.moved.append((link, entries))
    gh_now, hf_now = _repos(snapshot)
    gh_old, hf_old = _repos(previous)
    for key in sorted(gh_now):
        meta, old_meta = gh_now[key], gh_old.get(key)
        if old_meta is None or meta.stale:  # not looked at again this run: nothing can have changed
            continue
        if meta.archived and not old_meta.archived:
            changes.newly_archived.append(meta.full_name)
        if _licence(meta.license) != _licence(old_meta.license):
            changes.licence_changes.append((meta.full_name, _licence(old_meta.license), _licence(meta.license)))
        if meta.stars > old_meta.stars:
            changes.star_gains.append((meta.full_name, meta.stars, meta.stars - old_meta.stars))
        if old_meta.archived and not meta.archived:
            changes.unarchived.append(meta.full_name)
    for key in sorted(hf_now):
        hf_meta, old_hf = hf_now[key], hf_old.get(key)
        if old_hf is None or hf_meta.stale:
            continue
        label = f"huggingface.co/{hf_meta.id}"
        if _licence(hf_meta.license) != _licence(old_hf.license):
            changes.licence_changes.append((label, _licence(old_hf.license), _licence(hf_meta.license)))
        if (hf_meta.downloads, hf_meta.likes) != (old_hf.downloads, old_hf.likes):
            changes.hub_changes.append((label, old_hf.downloads, hf_meta.downloads, old_hf.likes, hf_meta.likes))
    _link_changes(changes, snapshot, previous, before)
    changes.star_gains = sorted(changes.star_gains, key=lambda g: (-g[2], g[0].lower()))[:top_stars]
    old_ids = {e.id for e in previous.entries}
    new_ids = {e.id for e in snapshot.entries}
    changes.added = [e for e in snapshot.entries if e.id not in old_ids]
    changes.removed = [e for e in previous.entries if e.id not in new_ids]
    return changes


def _link_changes(changes: Changes, snapshot: Snapshot, previous: Snapshot, before: dict[str, Cited]) -> None:
    """Unverified moves, cause changes and corpus changes per URL; URLs edited per entry."""
    for url, (link, entries) in _by_url(snapshot).items():
        old = before.get(url)
        if old is None:
            continue
        old_link = old[0]
        status, old_status = link.result.status, old_link.result.status
        # unverified -> broken is newly broken, reported there
        if (status is LinkStatus.UNVERIFIED) != (
            old_status is LinkStatus.UNVERIFIED
        ) and status is not LinkStatus.BROKEN:
            changes.unverified_moves.append((link, old_link, entries))
        elif status.is_failure() and status is old_status and link.result.cause != old_link.result.cause:
            changes.cause_changes.append((link, old_link, entries))
        changes.corpus += [(link, entries, what) for what in _corpus_changes(link, old_link)]
    old_entries = {e.id: e for e in previous.entries}
    for entry in snapshot.entries:
        old_entry = old_entries.get(entry.id)
        if old_entry is None:
            continue
        now_urls = {link.url for link in entry.links}
        old_urls = {link.url for link in old_entry.links}
        gone = [link for link in old_entry.links if link.url not in now_urls]
        new = [link for link in entry.links if link.url not in old_urls]
        for old_link in gone:
            match = next((link for link in new if link.kind is old_link.kind), None)
            if match is not None:
                new.remove(match)
                changes.edited.append((entry, old_link.kind.value, old_link.url, match.url))


def edited_urls(changes: Changes) -> list[tuple[list[EntryRecord], str, str, str]]:
    """The URL edits once per (kind, old URL, new URL), with every entry that made it: a URL cited by two
    entries and replaced in both is one edit, as every report counts unique URLs."""
    grouped: dict[tuple[str, str, str], list[EntryRecord]] = {}
    for entry, kind, old, new in changes.edited:
        grouped.setdefault((kind, old, new), []).append(entry)
    return [(entries, kind, old, new) for (kind, old, new), entries in grouped.items()]


def _corpus_changes(link: LinkRecord, old: LinkRecord) -> list[str]:
    """What changed about the corpus behind *link*, in words (empty when nothing or when stale)."""
    found = []
    if link.result.cause == "removed" and old.result.cause != "removed":
        found.append("record removed by the host")
    meta, was = link.meta, old.meta
    if meta is None or was is None or meta.stale:
        return found
    if meta.access is not was.access:
        found.append(f"access {was.access.value} → {meta.access.value}")
    # A host that now refuses to show the record (a restricted Zenodo record: unverified, no licence
    # field) has not changed its licence: "→ none" is news only from a full answer.
    told = meta.license is not None or link.result.status in (LinkStatus.OK, LinkStatus.REDIRECTED)
    licence_changed = (meta.license or "none") != (was.license or "none") and (meta.license or was.license)
    if licence_changed and told and not _repo_licence_changed(link, old):
        found.append(f"licence {was.license or 'none'} → {meta.license or 'none'}")
    if _size_changed(was, meta):
        found.append(f"size {human_size(was.size_bytes)} → {human_size(meta.size_bytes)}")
    newer_now = bool(meta.newer_version) or (meta.latest_version is not None and meta.latest_version != meta.version)
    newer_then = bool(was.newer_version) or (was.latest_version is not None and was.latest_version != was.version)
    if newer_now and (not newer_then or meta.latest_version != was.latest_version):
        found.append(
            f"newer version {meta.latest_version} published" if meta.latest_version else "newer version published"
        )
    return found


def _repo_licence_changed(link: LinkRecord, old: LinkRecord) -> bool:
    """Whether "Licence changes" already reports this link's licence change, per GitHub or Hugging Face repository."""
    pairs = ((link.github, old.github), (link.huggingface, old.huggingface))
    return any(
        now is not None and was is not None and not now.stale and _licence(now.license) != _licence(was.license)
        for now, was in pairs
    )


def _size_changed(was: LinkMeta, meta: LinkMeta) -> bool:
    if was.size_bytes is None or meta.size_bytes is None:
        return False
    if was.size_bytes == 0:
        return meta.size_bytes != 0
    return abs(meta.size_bytes - was.size_bytes) / was.size_bytes > SIZE_CHANGE


def _stamp(snapshot: Snapshot) -> str:
    return snapshot.generated_at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _names(entries: list[EntryRecord]) -> str:
    return ", ".join(f"**{md_cell(e.name)}**" for e in entries)


def _http(link: LinkRecord) -> str:
    return f" (HTTP {link.result.http_status})" if link.result.http_status is not None else ""


def _section(title: str, lines: list[str]) -> list[str]:
    return ["", f"## {title} ({len(lines)})", "", *lines] if lines else []


def _count(value: int | None) -> str:
    return f"{value:,}" if value is not None else "?"


def _delta(old: int | None, new: int | None) -> str:
    if old is None or new is None or old == new:
        return ""
    return f" ({new - old:+,})"


def _cause(link: LinkRecord) -> str:
    return f" ({link.result.cause})" if link.result.cause else ""


def render_changes(snapshot: Snapshot, previous: Snapshot | None, *, top_stars: int = 10) -> str:
    """``changes.md`` from *previous* to *snapshot*; the first run says so and lists its entries."""
    if previous is None:
        lines = [
            "# Changes",
            "",
            (
                f"First snapshot ({_stamp(snapshot)}): nothing to compare with yet. "
                f"{len(snapshot.entries)} entries, {link_counts(snapshot).total} unique links."
            ),
        ]
        return "\n".join(lines) + "\n"
    c = compute_changes(snapshot, previous, top_stars=top_stars)
    lines = [
        f"# Changes since {day_of(previous.generated_at).isoformat()}",
        "",
        f"From the snapshot of {_stamp(previous)} to that of {_stamp(snapshot)}.",
    ]
    if c.empty():
        return "\n".join([*lines, "", "Nothing changed."]) + "\n"
    lines += _section(
        "Newly broken",
        [
            f"- {_names(entries)}: {md_url(link.url)} — {md_literal(link.result.reason)}{_http(link)}"
            for link, entries in c.newly_broken
        ],
    )
    lines += _section(
        "Recovered",
        [
            f"- {_names(entries)}: {md_url(link.url)} — now {link.result.status.value}, "
            f"was {old.result.status.value}" + (f" since {old.failing_since.isoformat()}" if old.failing_since else "")
            for link, old, entries in c.recovered
        ],
    )
    lines += _section(
        "Moved",
        [
            f"- {_names(entries)}: {md_url(link.url)} → {md_url(link.result.final_url) or '(not given)'}"
            for link, entries in c.moved
        ],
    )
    lines += _section(
        "Moves to and from unverified",
        [
            f"- {_names(entries)}: {md_url(link.url)} — {old.result.status.value} → {link.result.status.value}"
            + (f": {md_literal(link.result.reason)}" if link.result.status is LinkStatus.UNVERIFIED else "")
            for link, old, entries in c.unverified_moves
        ],
    )
    lines += _section(
        "Still failing, for another reason",
        [
            f"- {_names(entries)}: {md_url(link.url)} — {link.result.status.value}: "
            f"{md_literal(old.result.reason)}{_cause(old)} → {md_literal(link.result.reason)}{_cause(link)}"
            for link, old, entries in c.cause_changes
        ],
    )
    lines += _section(
        "URLs edited in the registry",
        [
            f"- {', '.join(f'{md_cell(e.name)} (`{e.id}`)' for e in entries)}, {kind}: {md_url(old)} → {md_url(new)}"
            for entries, kind, old, new in edited_urls(c)
        ],
    )
    lines += _section(
        "Corpus changes",
        [f"- {_names(entries)}: {md_url(link.url)} — {md_literal(what)}" for link, entries, what in c.corpus],
    )
    lines += _section("Newly archived", [f"- {md_literal(name)}" for name in c.newly_archived])
    lines += _section("No longer archived", [f"- {md_literal(name)}" for name in c.unarchived])
    lines += _section(
        "Licence changes",
        [f"- {md_literal(name)}: {md_literal(old)} → {md_literal(new)}" for name, old, new in c.licence_changes],
    )
    if c.star_gains:
        lines += ["", "## Biggest star gains", "", "| Repository | Stars | Gain |", "| --- | ---: | ---: |"]
        lines += [f"| {md_literal(name)} | {stars:,} | +{gain:,} |" for name, stars, gain in c.star_gains]
    if c.hub_changes:
        lines += ["", f"## Hugging Face downloads and likes ({len(c.hub_changes)})", ""]
        lines += ["| Repository | Downloads | Likes |", "| --- | ---: | ---: |"]
        lines += [
            f"| {md_literal(name)} | {_count(dl)}{_delta(old_dl, dl)} | {_count(likes)}{_delta(old_likes, likes)} |"
            for name, old_dl, dl, old_likes, likes in c.hub_changes
        ]
    lines += _section("Entries added", [f"- {md_cell(e.name)} (`{e.id}`)" for e in c.added])
    lines += _section("Entries removed", [f"- {md_cell(e.name)} (`{e.id}`)" for e in c.removed])
    return "\n".join(lines) + "\n"
