"""``changes.md``: what changed between two snapshots, for the scheduled job's commit.

Link changes are per unique URL (naming every entry that cites it); repository changes
(archived, licence, stars) are per GitHub repository or Hugging Face repo, so a repository
cited twice is reported once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from crawler.history import day_of
from crawler.models import EntryRecord, GitHubMeta, HuggingFaceMeta, LinkRecord, LinkStatus, Snapshot
from crawler.render.escape import md_cell, md_literal, md_url

__all__ = ["Changes", "compute_changes", "render_changes"]


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

    def empty(self) -> bool:
        return not any(vars(self).values())


def _by_url(snapshot: Snapshot) -> dict[str, tuple[LinkRecord, list[EntryRecord]]]:
    found: dict[str, tuple[LinkRecord, list[EntryRecord]]] = {}
    for entry, link in snapshot.links():
        _, entries = found.setdefault(link.url, (link, []))
        if all(e.id != entry.id for e in entries):
            entries.append(entry)
    return found


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
        if old is not None and old_status is not None and old_status.is_failure() and status.is_ok():
            changes.recovered.append((link, old[0], entries))
        if status is LinkStatus.REDIRECTED and (
            old_status is not LinkStatus.REDIRECTED or (old and old[0].result.final_url != link.result.final_url)
        ):
            changes.moved.append((link, entries))
    gh_now, hf_now = _repos(snapshot)
    gh_old, hf_old = _repos(previous)
    for key in sorted(gh_now):
        meta, old_meta = gh_now[key], gh_old.get(key)
        if old_meta is None:
            continue
        if meta.archived and not old_meta.archived:
            changes.newly_archived.append(meta.full_name)
        if _licence(meta.license) != _licence(old_meta.license):
            changes.licence_changes.append((meta.full_name, _licence(old_meta.license), _licence(meta.license)))
        if meta.stars > old_meta.stars:
            changes.star_gains.append((meta.full_name, meta.stars, meta.stars - old_meta.stars))
    for key in sorted(hf_now):
        hf_meta, old_hf = hf_now[key], hf_old.get(key)
        if old_hf is not None and _licence(hf_meta.license) != _licence(old_hf.license):
            label = f"huggingface.co/{hf_meta.id}"
            changes.licence_changes.append((label, _licence(old_hf.license), _licence(hf_meta.license)))
    changes.star_gains = sorted(changes.star_gains, key=lambda g: (-g[2], g[0].lower()))[:top_stars]
    old_ids = {e.id for e in previous.entries}
    new_ids = {e.id for e in snapshot.entries}
    changes.added = [e for e in snapshot.entries if e.id not in old_ids]
    changes.removed = [e for e in previous.entries if e.id not in new_ids]
    return changes


def _stamp(snapshot: Snapshot) -> str:
    return snapshot.generated_at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _names(entries: list[EntryRecord]) -> str:
    return ", ".join(f"**{md_cell(e.name)}**" for e in entries)


def _http(link: LinkRecord) -> str:
    return f" (HTTP {link.result.http_status})" if link.result.http_status is not None else ""


def _section(title: str, lines: list[str]) -> list[str]:
    return ["", f"## {title} ({len(lines)})", "", *lines] if lines else []


def render_changes(snapshot: Snapshot, previous: Snapshot | None, *, top_stars: int = 10) -> str:
    """``changes.md`` from *previous* to *snapshot*; the first run says so and lists its entries."""
    if previous is None:
        lines = [
            "# Changes",
            "",
            f"First snapshot ({_stamp(snapshot)}): nothing to compare with yet. "
            f"{len(snapshot.entries)} entries, {sum(snapshot.summary.values())} unique links.",
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
    lines += _section("Newly archived", [f"- {md_literal(name)}" for name in c.newly_archived])
    lines += _section(
        "Licence changes",
        [f"- {md_literal(name)}: {md_literal(old)} → {md_literal(new)}" for name, old, new in c.licence_changes],
    )
    if c.star_gains:
        lines += ["", "## Biggest star gains", "", "| Repository | Stars | Gain |", "| --- | ---: | ---: |"]
        lines += [f"| {md_literal(name)} | {stars:,} | +{gain:,} |" for name, stars, gain in c.star_gains]
    lines += _section("Entries added", [f"- {md_cell(e.name)} (`{e.id}`)" for e in c.added])
    lines += _section("Entries removed", [f"- {md_cell(e.name)} (`{e.id}`)" for e in c.removed])
    return "\n".join(lines) + "\n"
