"""``broken-links.md`` and ``broken-links.json``: what a maintainer should fix, and what can wait.

Four groups, each link in exactly one (a URL cited by two entries shows under both):

- **broken**: confirmed, failing ``confirm_after`` runs in a row or more; grouped by entry;
- **newly failing**: broken, but not yet for ``confirm_after`` runs (a flaky night alarms no one);
- **moved**: works through a permanent redirect; the registry should cite the new home;
- **unverified**: could not tell this run (anti-bot, rate limit, 5xx, timeout), with why.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from crawler.history import is_confirmed
from crawler.models import EntryRecord, LinkRecord, LinkStatus, Snapshot
from crawler.render.escape import md_cell, md_literal, md_url

__all__ = ["BrokenReport", "classify", "render_broken_json", "render_broken_markdown"]

Item = tuple[EntryRecord, LinkRecord]


@dataclass
class BrokenReport:
    broken: list[Item] = field(default_factory=list)
    newly_failing: list[Item] = field(default_factory=list)
    moved: list[Item] = field(default_factory=list)
    unverified: list[Item] = field(default_factory=list)


def classify(snapshot: Snapshot, *, confirm_after: int = 2) -> BrokenReport:
    """Sort every link that needs attention into its group, in registry order."""
    report = BrokenReport()
    for entry, link in snapshot.links():
        status = link.result.status
        if status is LinkStatus.BROKEN:
            (report.broken if is_confirmed(link, confirm_after) else report.newly_failing).append((entry, link))
        elif status is LinkStatus.REDIRECTED:
            report.moved.append((entry, link))
        elif status is LinkStatus.UNVERIFIED:
            report.unverified.append((entry, link))
    return report


def _stamp(snapshot: Snapshot) -> str:
    return snapshot.generated_at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _summary_line(snapshot: Snapshot) -> str:
    counts = ", ".join(f"{snapshot.summary.get(s, 0)} {s.value}" for s in LinkStatus)
    total = sum(snapshot.summary.values())
    return f"{total} unique links: {counts}."


def _item_json(entry: EntryRecord, link: LinkRecord) -> dict[str, object]:
    since = link.failing_since.isoformat() if link.failing_since else None
    return {
        "entry_id": entry.id,
        "entry_name": entry.name,
        "url": link.url,
        "kind": link.kind.value,
        "status": link.result.status.value,
        "reason": link.result.reason,
        "http_status": link.result.http_status,
        "final_url": link.result.final_url,
        "consecutive_failures": link.consecutive_failures,
        "failing_since": since,
    }


def render_broken_json(snapshot: Snapshot, *, confirm_after: int = 2) -> str:
    """The four groups as JSON (flat lists, registry order), deterministic."""
    report = classify(snapshot, confirm_after=confirm_after)
    data = {
        "generated_at": _stamp(snapshot),
        "confirm_after": confirm_after,
        "summary": {s.value: snapshot.summary.get(s, 0) for s in LinkStatus},
        "broken": [_item_json(*item) for item in report.broken],
        "newly_failing": [_item_json(*item) for item in report.newly_failing],
        "moved": [_item_json(*item) for item in report.moved],
        "unverified": [_item_json(*item) for item in report.unverified],
    }
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def _http(link: LinkRecord) -> str:
    return str(link.result.http_status) if link.result.http_status is not None else "—"


def _since(link: LinkRecord) -> str:
    return link.failing_since.isoformat() if link.failing_since else "—"


def _entry_title(entry: EntryRecord) -> str:
    return f"{md_cell(entry.name)} (`{entry.id}`)"


def _grouped(items: list[Item]) -> list[str]:
    lines: list[str] = []
    current: str | None = None
    for entry, link in items:
        if entry.id != current:
            current = entry.id
            lines += ["", f"### {_entry_title(entry)}", ""]
            lines += [
                "| Link | Kind | Reason | HTTP | Failing since | Runs |",
                "| --- | --- | --- | --- | --- | ---: |",
            ]
        cells = [
            md_url(link.url),
            link.kind.value,
            md_literal(link.result.reason),
            _http(link),
            _since(link),
            str(link.consecutive_failures),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _moved(items: list[Item]) -> list[str]:
    lines = ["", "| Entry | Link | New home | HTTP |", "| --- | --- | --- | --- |"]
    for entry, link in items:
        new_home = md_url(link.result.final_url) if link.result.final_url else "(not given)"
        lines.append(f"| {_entry_title(entry)} | {md_url(link.url)} | {new_home} | {_http(link)} |")
    return lines


def _unverified(items: list[Item]) -> list[str]:
    lines = ["", "| Entry | Link | Why | HTTP | Failing since | Runs |", "| --- | --- | --- | --- | --- | ---: |"]
    for entry, link in items:
        cells = [
            _entry_title(entry),
            md_url(link.url),
            md_literal(link.result.reason),
            _http(link),
            _since(link),
            str(link.consecutive_failures),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def render_broken_markdown(snapshot: Snapshot, *, confirm_after: int = 2) -> str:
    """``broken-links.md``: confirmed breakage first, then the rest, each group apart."""
    report = classify(snapshot, confirm_after=confirm_after)
    runs = "run" if confirm_after == 1 else "runs"
    lines = [
        "# Broken links",
        "",
        f"Generated {_stamp(snapshot)} from {md_literal(snapshot.registry_path)}. {_summary_line(snapshot)}",
    ]
    sections = [
        ("Broken", report.broken, _grouped,
         f"Failing {confirm_after} {runs} in a row or more: fix or remove these in the registry."),
        ("Failing for the first time", report.newly_failing, _grouped,
         f"Broken, but for fewer than {confirm_after} {runs} in a row: confirmed once they fail {confirm_after} in a row."),
        ("Moved", report.moved, _moved,
         "These work through a permanent redirect: update the registry to the new home."),
        ("Unverified", report.unverified, _unverified,
         "Could not tell this run (anti-bot pages, rate limits, server errors, timeouts); not counted as broken."),
    ]  # fmt: skip
    for title, items, render, blurb in sections:
        lines += ["", f"## {title} ({len(items)})", "", blurb]
        lines += render(items) if items else ["", "None."]
    return "\n".join(lines) + "\n"
