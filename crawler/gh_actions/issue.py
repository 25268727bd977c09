"""The link-health issue: confirmed-broken links once each, moved links, and what was not checked."""

from __future__ import annotations

from crawler.gh_actions.markdown import fit, issue_size, md_text, md_url, md_url_target, plural_s
from crawler.models import EntryRecord, LinkRecord, LinkStatus, Snapshot
from crawler.render.columns import UNVERIFIABLE_TEXT, archive_text
from crawler.render.counts import link_counts

__all__ = ["ISSUE_BODY_LIMIT", "ISSUE_MARKER", "confirmed_broken", "has_confirmed_broken", "issue_body"]

ISSUE_BODY_LIMIT = 65_536  # characters
ISSUE_MARKER = "<!-- crawler:link-health -->"
FULL_REPORT = "reports/broken-links.md"


def confirmed_broken(snapshot: Snapshot, confirm_after: int = 2) -> list[tuple[EntryRecord, LinkRecord]]:
    """Links broken now and not ok for *confirm_after* runs in a row (one flaky run never counts)."""
    return [
        (entry, link)
        for entry, link in snapshot.links()
        if link.result.status is LinkStatus.BROKEN and link.consecutive_failures >= confirm_after
    ]


def has_confirmed_broken(snapshot: Snapshot, confirm_after: int = 2) -> bool:
    """True when the link-health issue should be open."""
    return bool(link_counts(snapshot, confirm_after=confirm_after).confirmed)


def issue_body(
    snapshot: Snapshot,
    *,
    confirm_after: int = 2,
    limit: int = ISSUE_BODY_LIMIT,
    reports_url: str | None = None,
) -> str:
    """The link-health issue: each confirmed-broken URL once, with the entries citing it and any
    archived copy, then moved links, then (in one line each, no alarm) links refused by the address
    guard and hosts that cannot be verified without a login. Counts are ``crawler.render.counts``'s.

    Never over *limit* (see ``issue_size``): cut by whole lines, with a note pointing to the full report.
    """
    counts = link_counts(snapshot, confirm_after=confirm_after)
    broken = counts.confirmed
    moved = [c for c in counts.moved if c.result.final_url]
    report = f"[{FULL_REPORT}]({md_url_target(reports_url)})" if reports_url else f"`{FULL_REPORT}`"
    entries = {e.id for c in broken for e in c.entries}
    n_entries = f"{len(entries)} entr{'y' if len(entries) == 1 else 'ies'}"
    when = snapshot.generated_at.strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        ISSUE_MARKER,
        f"**{len(broken)} confirmed-broken link{plural_s(len(broken))}** in {n_entries} (crawl of {when}).",
        "",
        f"A link is listed once it has failed {confirm_after} run{plural_s(confirm_after)} in a row and is broken now. "
        f"Every scheduled crawl rewrites this issue and closes it when all of them work again. Full report: {report}.",
    ]
    if broken:
        lines += ["", f"### Confirmed broken ({len(broken)})", ""]
        lines += ["Each link once, with the entries citing it. `python -m crawler fix` proposes the edits.", ""]
        for cited in broken:
            names = ", ".join(f"{md_text(e.name)} (`{e.id}`)" for e in cited.entries)  # ids are validated slugs
            lines.append(f"- {md_url(cited.url)} — {names}: {_broken_detail(cited.link)}")
    if moved:
        lines += ["", f"### Moved ({len(moved)})", ""]
        lines += ["Permanent redirects: point the registry at the new address.", ""]
        for cited in moved:
            names = ", ".join(md_text(e.name) for e in cited.entries)
            lines.append(f"- {names}: {md_url(cited.url)} → {md_url(cited.result.final_url or '')}")
    if counts.refused:
        lines += ["", f"### Not checked: refused by the address guard ({len(counts.refused)})", ""]
        lines += [f"- {md_url(c.url)}: {md_text(c.result.reason)}" for c in counts.refused]
    if counts.unverifiable:
        urls = ", ".join(md_url(c.url) for c in counts.unverifiable)
        n = len(counts.unverifiable)
        tell = f"on hosts that need a login to tell: {UNVERIFIABLE_TEXT} (not an alarm)"
        lines += ["", f"{n} link{plural_s(n)} {tell}: {urls}"]
    note = (
        lambda n: f"_{n} more line{plural_s(n)} cut to stay under GitHub's {limit:,}-character limit; "
        f"the full list is in {report}._"
    )
    return fit(lines, limit, issue_size, note)


def _broken_detail(link: LinkRecord) -> str:
    parts = [md_text(link.result.reason)]
    if link.result.http_status is not None:
        parts.append(f"HTTP {link.result.http_status}")
    runs = f"{link.consecutive_failures} run{plural_s(link.consecutive_failures)}"
    parts.append(f"failing since {link.failing_since.isoformat()} ({runs})" if link.failing_since else runs)
    if link.archive is not None:
        parts.append(f"{archive_text(link.archive)}: {md_url(link.archive.url)}")
    return " · ".join(parts)
