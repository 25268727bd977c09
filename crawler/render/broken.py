"""``broken-links.md`` and ``broken-links.json``: what a maintainer should fix, and what can wait.

Counted and listed per unique URL with the entries citing it (``crawler.render.counts``), so the
header's numbers and every section's count agree. Groups, each URL in at most one:

- **broken**: confirmed, failing ``confirm_after`` runs in a row or more, with its archived copy
  (Wayback Machine or Software Heritage) when one was found;
- **failing, not yet confirmed**: broken, but not yet for ``confirm_after`` runs (a flaky night alarms no one);
- **moved**: works through a permanent redirect; the registry should cite the new home;
- **unverified**: could not tell this run (anti-bot, rate limit, 5xx, timeout), with why; hosts that
  never tell without a login (Tianchi) are listed once, apart, without alarm;
- **refused**: links the address guard would not check (private, loopback, cloud-metadata addresses).
"""

from __future__ import annotations

import json

from crawler.models import LinkStatus, Snapshot
from crawler.render.columns import UNVERIFIABLE_TEXT, archive_text
from crawler.render.counts import CitedUrl, LinkCounts, link_counts
from crawler.render.escape import md_cell, md_literal, md_url

__all__ = ["classify", "render_broken_json", "render_broken_markdown"]


def classify(snapshot: Snapshot, *, confirm_after: int = 2) -> LinkCounts:
    """The report's groups (``confirmed``, ``newly_failing``, ``moved``, ``unverified``, ``unverifiable``, ``refused``)."""
    return link_counts(snapshot, confirm_after=confirm_after)


def _stamp(snapshot: Snapshot) -> str:
    return snapshot.generated_at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _item_json(cited: CitedUrl) -> dict[str, object]:
    link = cited.link
    since = link.failing_since.isoformat() if link.failing_since else None
    archive = link.archive
    return {
        "url": link.url,
        "entries": [{"id": e.id, "name": e.name} for e in cited.entries],
        # The first citing entry, as before the list above existed (kept for existing readers).
        "entry_id": cited.entries[0].id,
        "entry_name": cited.entries[0].name,
        "kind": link.kind.value,
        "status": link.result.status.value,
        "reason": link.result.reason,
        "cause": link.result.cause,
        "http_status": link.result.http_status,
        "final_url": link.result.final_url,
        "consecutive_failures": link.consecutive_failures,
        "failing_since": since,
        "archive": archive.model_dump(mode="json") if archive is not None else None,
    }


def render_broken_json(snapshot: Snapshot, *, confirm_after: int = 2) -> str:
    """The groups as JSON (one item per unique URL, registry order), deterministic."""
    counts = link_counts(snapshot, confirm_after=confirm_after)
    data = {
        "generated_at": _stamp(snapshot),
        "confirm_after": confirm_after,
        "summary": {s.value: counts.count(s) for s in LinkStatus},
        "broken": [_item_json(c) for c in counts.confirmed],
        "newly_failing": [_item_json(c) for c in counts.newly_failing],
        "moved": [_item_json(c) for c in counts.moved],
        "unverified": [_item_json(c) for c in counts.unverified],
        "unverifiable": [_item_json(c) for c in counts.unverifiable],
        "refused": [_item_json(c) for c in counts.refused],
    }
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def _http(cited: CitedUrl) -> str:
    return str(cited.result.http_status) if cited.result.http_status is not None else "—"


def _since(cited: CitedUrl) -> str:
    return cited.link.failing_since.isoformat() if cited.link.failing_since else "—"


def _cited_by(cited: CitedUrl) -> str:
    return ", ".join(f"{md_cell(e.name)} (`{e.id}`)" for e in cited.entries)


def _kinds(cited: CitedUrl) -> str:
    kinds = dict.fromkeys(link.kind.value for e in cited.entries for link in e.links if link.url == cited.url)
    return ", ".join(kinds)


def _archive(cited: CitedUrl) -> str:
    copy = cited.link.archive
    if copy is None:
        return "—"
    return f"{archive_text(copy)}: {md_url(copy.url)}"


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _broken(items: list[CitedUrl]) -> list[str]:
    lines = [
        "",
        "| Link | Cited by | Kind | Reason | HTTP | Failing since | Runs | Archived copy |",
        "| --- | --- | --- | --- | --- | --- | ---: | --- |",
    ]
    for c in items:
        lines.append(
            _row(
                [
                    md_url(c.url),
                    _cited_by(c),
                    _kinds(c),
                    md_literal(c.result.reason),
                    _http(c),
                    _since(c),
                    str(c.link.consecutive_failures),
                    _archive(c),
                ]
            )
        )
    return lines


def _moved(items: list[CitedUrl]) -> list[str]:
    lines = ["", "| Link | Cited by | New home | HTTP |", "| --- | --- | --- | --- |"]
    for c in items:
        new_home = md_url(c.result.final_url) if c.result.final_url else "(not given)"
        lines.append(_row([md_url(c.url), _cited_by(c), new_home, _http(c)]))
    return lines


def _unverified(items: list[CitedUrl]) -> list[str]:
    lines = ["", "| Link | Cited by | Why | HTTP | Failing since | Runs |", "| --- | --- | --- | --- | --- | ---: |"]
    for c in items:
        cells = [md_url(c.url), _cited_by(c), md_literal(c.result.reason), _http(c), _since(c)]
        lines.append(_row([*cells, str(c.link.consecutive_failures)]))
    return lines


def _listed(items: list[CitedUrl]) -> list[str]:
    return ["", *(f"- {md_url(c.url)} ({_cited_by(c)})" for c in items)]


def _refused(items: list[CitedUrl]) -> list[str]:
    return ["", *(f"- {md_url(c.url)} ({_cited_by(c)}): {md_literal(c.result.reason)}" for c in items)]


def _header(counts: LinkCounts) -> str:
    parts = []
    for status in LinkStatus:
        part = f"{counts.count(status)} {status.value}"
        if status is LinkStatus.BROKEN and counts.broken:
            split = [(len(counts.confirmed), "confirmed"), (len(counts.newly_failing), "not yet confirmed")]
            part += " (" + ", ".join(f"{n} {what}" for n, what in split if n) + ")"
        if status is LinkStatus.UNVERIFIED and counts.unverifiable:
            part += f" ({len(counts.unverifiable)} of them on hosts that need a login to tell)"
        if status is LinkStatus.SKIPPED and counts.refused:
            part += f" ({len(counts.refused)} refused by the address guard)"
        parts.append(part)
    return (
        f"{counts.total} unique links: " + ", ".join(parts) + ". Each link is listed once, with the entries citing it."
    )


def render_broken_markdown(snapshot: Snapshot, *, confirm_after: int = 2) -> str:
    """``broken-links.md``: confirmed breakage first, then the rest, each group apart."""
    counts = link_counts(snapshot, confirm_after=confirm_after)
    runs = "run" if confirm_after == 1 else "runs"
    lines = [
        "# Broken links",
        "",
        f"Generated {_stamp(snapshot)} from {md_literal(snapshot.registry_path)}. {_header(counts)}",
    ]
    sections = [
        ("Broken", counts.confirmed, _broken,
         (f"Failing {confirm_after} {runs} in a row or more: fix or remove these in the registry "
          "(`python -m crawler fix` proposes the edits; `fix --accept-archived URL` points a link at its archived copy).")),
        ("Failing, not yet confirmed", counts.newly_failing, _broken,
         f"Broken, but for fewer than {confirm_after} {runs} in a row: confirmed once they fail {confirm_after} in a row."),
        ("Moved", counts.moved, _moved,
         "These work through a permanent redirect: update the registry to the new home."),
        ("Unverified", counts.unverified, _unverified,
         "Could not tell this run (anti-bot pages, rate limits, server errors, timeouts); not counted as broken."),
    ]  # fmt: skip
    for title, items, render, blurb in sections:
        lines += ["", f"## {title} ({len(items)})", "", blurb]
        lines += render(items) if items else ["", "None."]
    if counts.unverifiable:
        lines += [
            "",
            f"## Login required, existence not verifiable ({len(counts.unverifiable)})",
            "",
            (
                f"These hosts show the same page for a live and a deleted dataset unless you log in: "
                f"{UNVERIFIABLE_TEXT}. Nothing to fix; listed so nobody mistakes them for working links."
            ),
            *_listed(counts.unverifiable),
        ]
    if counts.refused:
        lines += [
            "",
            f"## Refused by the address guard ({len(counts.refused)})",
            "",
            (
                "Not checked: they point at private, loopback, link-local or cloud-metadata addresses "
                "(`run --allow-private` checks them)."
            ),
            *_refused(counts.refused),
        ]
    return "\n".join(lines) + "\n"
