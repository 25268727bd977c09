"""The reports commit's message (what changed since the last crawl) and the job's step summary."""

from __future__ import annotations

from crawler.gh_actions.markdown import fit, plain, plural_s
from crawler.models import LinkRecord, LinkStatus, Snapshot
from crawler.render.changes import compute_changes, edited_urls
from crawler.render.counts import link_counts, plural

__all__ = ["STEP_SUMMARY_LIMIT", "commit_message", "step_summary"]

STEP_SUMMARY_LIMIT = 1024 * 1024  # bytes, per step


def step_summary(markdown: str, limit: int = STEP_SUMMARY_LIMIT, *, source: str = "reports/changes.md") -> str:
    """*markdown* as is if it fits in *limit* UTF-8 bytes, else cut by whole lines with a note saying so."""
    note = (
        lambda n: f"> **Cut to fit:** {n} more line{plural_s(n)} did not fit in GitHub's "
        f"{limit // 1024:,} KiB step-summary limit; the full report is `{source}`."
    )
    return fit(markdown.splitlines(), limit, lambda text: len(text.encode("utf-8")), note)


def commit_message(snapshot: Snapshot, previous: Snapshot | None) -> str:
    """``reports: 2 broken, 1 moved`` (what changed since *previous*, in unique URLs), then the totals
    (``crawler.render.counts``, as every report counts) and the new failures with the entries citing them."""
    counts = link_counts(snapshot)
    cited = {c.url: c for statuses in counts.by_status.values() for c in statuses}
    now = {url: c.link for url, c in cited.items()}
    totals = ", ".join(f"{counts.count(s)} {s.value}" for s in LinkStatus)
    footer = [f"Now: {totals} ({counts.total} {plural(counts.total, 'link')})."]
    if previous is None:
        n_broken = counts.count(LinkStatus.BROKEN)
        subject = f"reports: first crawl, {counts.total} {plural(counts.total, 'link')} ({n_broken} broken)"
        return subject + "\n\n" + "\n".join(footer) + "\n"
    before = {link.url: link for _, link in previous.links()}

    def became(status: LinkStatus) -> list[str]:
        return [u for u, link in now.items() if link.result.status is status and _status(before.get(u)) is not status]

    def named(url: str, extra: str = "") -> str:
        names = ", ".join(e.name for e in cited[url].entries)
        return f"{url}{extra} ({names})"

    newly_broken = became(LinkStatus.BROKEN)
    moved = [
        u
        for u, link in now.items()
        if link.result.status is LinkStatus.REDIRECTED
        and (_status(before.get(u)) is not LinkStatus.REDIRECTED or before[u].result.final_url != link.result.final_url)
    ]
    recovered = [
        u for u, link in now.items() if link.result.status.is_ok() and _status(before.get(u)) is LinkStatus.BROKEN
    ]
    unverified = became(LinkStatus.UNVERIFIED)
    # A URL replaced in an entry is one edit, paired as changes.md pairs it (same entry, same kind).
    edited = edited_urls(compute_changes(snapshot, previous))
    paired = {u for _, _, old_url, new_url in edited for u in (old_url, new_url)}
    added = [u for u in now if u not in before and u not in paired]
    removed = list(dict.fromkeys(u for u in before if u not in now and u not in paired))
    counted = [
        (len(newly_broken), "broken"),
        (len(moved), "moved"),
        (len(recovered), "recovered"),
        (len(unverified), "unverified"),
        (len(edited), "URL edited" if len(edited) == 1 else "URLs edited"),
        (len(added), "link added" if len(added) == 1 else "links added"),
        (len(removed), "link removed" if len(removed) == 1 else "links removed"),
    ]
    changed = [f"{n} {what}" for n, what in counted if n]
    subject = "reports: " + (", ".join(changed) if changed else "refresh metadata")
    listed = (
        ("Newly broken", [named(u) for u in newly_broken]),
        ("Moved", [named(u, f" -> {now[u].result.final_url or '?'}") for u in moved]),
        ("Recovered", [named(u) for u in recovered]),
        (
            "Edited in the registry",
            [f"{old} -> {new} ({', '.join(e.name for e in entries)})" for entries, _, old, new in edited],
        ),
    )
    for title, lines in listed:
        if lines:
            footer += ["", f"{title}:"] + [f"- {plain(line)}" for line in lines[:10]]
            footer += [f"- ... and {len(lines) - 10} more"] if len(lines) > 10 else []
    return subject + "\n\n" + "\n".join(footer) + "\n"


def _status(link: LinkRecord | None) -> LinkStatus | None:
    return None if link is None else link.result.status
