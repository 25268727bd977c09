"""GitHub Actions glue for ``.github/workflows/crawl.yml``: pure, tested functions and a tiny CLI.

    python -m crawler.gh_actions step-summary reports/changes.md >> "$GITHUB_STEP_SUMMARY"
    python -m crawler.gh_actions commit-message reports/latest.json --previous OLD.json
    python -m crawler.gh_actions has-confirmed-broken reports/latest.json --confirm-after 2
    python -m crawler.gh_actions issue-body reports/latest.json --confirm-after 2 --reports-url URL
    python -m crawler.gh_actions pr-body fix-plan.json --run-url URL      # `crawler fix --plan` output
    git log --format='%ae%x09%ce' main..origin/BRANCH | python -m crawler.gh_actions branch-is-ours --bot-email E

GitHub refuses an issue body over 65,536 characters and drops a step summary over 1 MiB; both
texts are cut here by whole lines, with a note saying so, and never exceed the limit. The issue
body is built from strings fetched from the web and typed by contributors, so every one of them
is escaped: no markup, no HTML, no ``@mention`` that pings someone, no ``#123`` cross-reference.
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from crawler.errors import CrawlerError, SnapshotError
from crawler.models import EntryRecord, LinkRecord, LinkStatus, Snapshot
from crawler.render.changes import compute_changes, edited_urls
from crawler.render.columns import UNVERIFIABLE_TEXT, archive_text
from crawler.render.counts import link_counts, plural

if TYPE_CHECKING:
    from crawler.fix.plan import FixPlan

__all__ = [
    "ISSUE_BODY_LIMIT",
    "ISSUE_MARKER",
    "STEP_SUMMARY_LIMIT",
    "commit_message",
    "confirmed_broken",
    "has_confirmed_broken",
    "issue_body",
    "issue_size",
    "main",
    "only_bot_commits",
    "pr_body",
    "step_summary",
]

ISSUE_BODY_LIMIT = 65_536  # characters
STEP_SUMMARY_LIMIT = 1024 * 1024  # bytes, per step
ISSUE_MARKER = "<!-- crawler:link-health -->"
FULL_REPORT = "reports/broken-links.md"
_WJ = "\u2060"  # WORD JOINER: invisible, and breaks GitHub's @mention and #reference patterns
# Inline Markdown only: escaped text never starts a line (it follows "- " or "#### ").
_MD_ESCAPE = set("\\`*_[]()#!|~$")
_MAX_TEXT = 200
_MAX_URL = 2000


# --------------------------------------------------------------------------- issue


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


def issue_size(text: str) -> int:
    """Size as GitHub may count it: UTF-16 code units, never fewer than characters, so either way fits."""
    return len(text.encode("utf-16-le")) // 2


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
    report = f"[{FULL_REPORT}]({_md_url_target(reports_url)})" if reports_url else f"`{FULL_REPORT}`"
    entries = {e.id for c in broken for e in c.entries}
    n_entries = f"{len(entries)} entr{'y' if len(entries) == 1 else 'ies'}"
    when = snapshot.generated_at.strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        ISSUE_MARKER,
        f"**{len(broken)} confirmed-broken link{_s(len(broken))}** in {n_entries} (crawl of {when}).",
        "",
        f"A link is listed once it has failed {confirm_after} run{_s(confirm_after)} in a row and is broken now. "
        f"Every scheduled crawl rewrites this issue and closes it when all of them work again. Full report: {report}.",
    ]
    if broken:
        lines += ["", f"### Confirmed broken ({len(broken)})", ""]
        lines += ["Each link once, with the entries citing it. `python -m crawler fix` proposes the edits.", ""]
        for cited in broken:
            names = ", ".join(f"{_md_text(e.name)} (`{e.id}`)" for e in cited.entries)  # ids are validated slugs
            lines.append(f"- {_md_url(cited.url)} — {names}: {_broken_detail(cited.link)}")
    if moved:
        lines += ["", f"### Moved ({len(moved)})", ""]
        lines += ["Permanent redirects: point the registry at the new address.", ""]
        for cited in moved:
            names = ", ".join(_md_text(e.name) for e in cited.entries)
            lines.append(f"- {names}: {_md_url(cited.url)} → {_md_url(cited.result.final_url or '')}")
    if counts.refused:
        lines += ["", f"### Not checked: refused by the address guard ({len(counts.refused)})", ""]
        lines += [f"- {_md_url(c.url)}: {_md_text(c.result.reason)}" for c in counts.refused]
    if counts.unverifiable:
        urls = ", ".join(_md_url(c.url) for c in counts.unverifiable)
        n = len(counts.unverifiable)
        lines += ["", f"{n} link{_s(n)} on hosts that need a login to tell: {UNVERIFIABLE_TEXT} (not an alarm): {urls}"]
    note = (
        lambda n: f"_{n} more line{_s(n)} cut to stay under GitHub's {limit:,}-character limit; "
        f"the full list is in {report}._"
    )
    return _fit(lines, limit, issue_size, note)


def _broken_detail(link: LinkRecord) -> str:
    parts = [_md_text(link.result.reason)]
    if link.result.http_status is not None:
        parts.append(f"HTTP {link.result.http_status}")
    runs = f"{link.consecutive_failures} run{_s(link.consecutive_failures)}"
    parts.append(f"failing since {link.failing_since.isoformat()} ({runs})" if link.failing_since else runs)
    if link.archive is not None:
        parts.append(f"{archive_text(link.archive)}: {_md_url(link.archive.url)}")
    return " · ".join(parts)


# --------------------------------------------------------------------------- step summary


def step_summary(markdown: str, limit: int = STEP_SUMMARY_LIMIT, *, source: str = "reports/changes.md") -> str:
    """*markdown* as is if it fits in *limit* UTF-8 bytes, else cut by whole lines with a note saying so."""
    note = (
        lambda n: f"> **Cut to fit:** {n} more line{_s(n)} did not fit in GitHub's "
        f"{limit // 1024:,} KiB step-summary limit; the full report is `{source}`."
    )
    return _fit(markdown.splitlines(), limit, lambda text: len(text.encode("utf-8")), note)


# --------------------------------------------------------------------------- commit message


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
            footer += ["", f"{title}:"] + [f"- {_plain(line)}" for line in lines[:10]]
            footer += [f"- ... and {len(lines) - 10} more"] if len(lines) > 10 else []
    return subject + "\n\n" + "\n".join(footer) + "\n"


def _status(link: LinkRecord | None) -> LinkStatus | None:
    return None if link is None else link.result.status


# --------------------------------------------------------------------------- fix pull request

PR_MARKER = "<!-- crawler:fix-links -->"
PR_BODY_LIMIT = ISSUE_BODY_LIMIT  # GitHub caps a pull request's body like an issue's
_SOURCES = {"wayback": "Wayback Machine", "software-heritage": "Software Heritage"}


def pr_body(plan: FixPlan, *, limit: int = PR_BODY_LIMIT, run_url: str | None = None) -> str:
    """The fix pull request: each edit (entry, old -> new URL) with why, then archived copies waiting.

    Every URL and reason is escaped like the issue body's; cut by whole lines under *limit*.
    """
    n = len(plan.edits)
    crawl = plan.snapshot_generated_at.strftime("%Y-%m-%d %H:%M UTC")
    run = f" ([run]({_md_url_target(run_url)}))" if run_url else ""
    lines = [
        PR_MARKER,
        f"**{n} registry edit{_s(n)}** proposed by `python -m crawler fix` from the crawl of {crawl}{run}.",
        "",
        "Each changed line keeps a comment naming the old URL. The scheduled crawl rewrites this pull request "
        "while there is something to fix and closes it when nothing is left; it never overwrites commits a "
        "person pushes to this branch.",
    ]
    if plan.edits:
        lines += ["", "### Edits", ""]
        for edit in plan.edits:
            if edit.field == "archived":
                lines.append(f"- `{edit.entry_id}`: {_md_url(edit.old_url)} gains `archived:` {_md_url(edit.new_url)}")
            else:
                lines.append(f"- `{edit.entry_id}`: {_md_url(edit.old_url)} → {_md_url(edit.new_url)}")
            lines += [f"  - {_md_text(change.why)} (`{change.cause}`)" for change in edit.changes]
    if plan.suggestions:
        lines += ["", f"### Gone, with an archived copy ({len(plan.suggestions)})", ""]
        lines += ["Not changed: accept a copy with `python -m crawler fix --accept-archived URL --apply`.", ""]
        for s in plan.suggestions:
            source = _SOURCES.get(s.archive.source, s.archive.source)
            when = f" of {s.archive.captured_at.date().isoformat()}" if s.archive.captured_at else ""
            since = f", failing since {s.failing_since.isoformat()}" if s.failing_since else ""
            lines.append(
                f"- `{s.entry_id}`: {_md_url(s.url)}{since}; {source} copy{when}: {_md_url(s.archive.url)}"
            )
    if plan.notes:
        lines += ["", "### Not proposed", ""] + [f"- {_md_text(note, 2 * _MAX_TEXT)}" for note in plan.notes]
    def note(k: int) -> str:
        return f"_{k} more line{_s(k)} cut to stay under GitHub's {limit:,}-character limit._"

    return _fit(lines, limit, issue_size, note)


def only_bot_commits(log: str, bot_email: str) -> bool:
    """True when every commit of *log* (lines ``AUTHOR_EMAIL<TAB>COMMITTER_EMAIL``) is the bot's.

    The job force-pushes its fix branch only then: a person's commit there is never overwritten.
    An empty log (no branch yet, or nothing on it) is the bot's.
    """
    for line in log.splitlines():
        if line.strip() and any(field.strip().lower() != bot_email.lower() for field in line.split("\t")):
            return False
    return True


# --------------------------------------------------------------------------- text helpers


def _s(n: int) -> str:
    return "" if n == 1 else "s"


def _plain(text: str) -> str:
    """One line with no control or format characters (they could hide or reorder what is shown)."""
    cleaned = "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in text)
    return " ".join(cleaned.split())


def _md_text(text: str, max_len: int = _MAX_TEXT) -> str:
    """Untrusted text as inert Markdown: escaped punctuation and HTML, no mentions or references."""
    text = _plain(text)
    if len(text) > max_len:
        text = text[: max_len - 1] + "…"
    out = []
    for c in text:
        if c == "&":
            out.append("&amp;")
        elif c == "<":
            out.append("&lt;")
        elif c == ">":
            out.append("&gt;")
        elif c in _MD_ESCAPE:
            out.append("\\" + c + (_WJ if c == "#" else ""))
        elif c == "@":
            out.append("@" + _WJ)
        else:
            out.append(c)
    return "".join(out)


def _md_url_target(url: str) -> str:
    """Percent-encode what could end an autolink or a link destination early, or hide in it."""
    out = []
    for c in url:
        if c in '<>"`\\()[] ' or ord(c) < 0x20 or ord(c) == 0x7F or unicodedata.category(c) in ("Cf", "Zl", "Zp"):
            out.append("".join(f"%{b:02X}" for b in c.encode("utf-8")))
        else:
            out.append(c)
    return "".join(out)


def _md_url(url: str) -> str:
    """A clickable autolink, or escaped text when the URL is too long to be worth linking."""
    if len(url) > _MAX_URL or not url.startswith(("http://", "https://")):
        return _md_text(url)
    return f"<{_md_url_target(url)}>"


def _fit(lines: list[str], limit: int, size: Callable[[str], int], note: Callable[[int], str]) -> str:
    """Join *lines*; if that exceeds *limit*, keep the longest prefix of whole lines that fits with *note*."""
    text = "\n".join(lines) + "\n" if lines else ""
    if size(text) <= limit:
        return text
    worst_note = "\n" + note(len(lines)) + "\n"
    budget = limit - size(worst_note) - size("```\n")  # room to close a code fence left open
    kept: list[str] = []
    used = 0
    for line in lines:
        cost = size(line) + 1
        if used + cost > budget:
            break
        kept.append(line)
        used += cost
    while kept and (not kept[-1].strip() or kept[-1].lstrip().startswith("#")):
        kept.pop()  # no dangling heading or trailing blank line above the note
    omitted = len(lines) - len(kept)
    if sum(1 for line in kept if line.lstrip().startswith("```")) % 2:
        kept.append("```")
    result = ("\n".join(kept) + "\n\n" if kept else "") + note(omitted) + "\n"
    if size(result) <= limit:
        return result
    # The limit is smaller than the note itself: a hard cut is the only way to honour it.
    hard = note(omitted)
    while hard and size(hard) > limit:
        hard = hard[:-1]
    return hard


# --------------------------------------------------------------------------- CLI


def load_snapshot_file(path: Path) -> Snapshot:
    """Read a snapshot JSON file; ``SnapshotError`` naming the file if it is missing or invalid."""
    try:
        return Snapshot.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        raise SnapshotError(f"{path}: no such file; run `python -m crawler run` first.") from None
    except OSError as exc:
        raise SnapshotError(f"{path}: cannot read it: {exc.strerror or exc}.") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "document"
        raise SnapshotError(f"{path}: not a valid snapshot ({where}: {first.get('msg')}).") from None


def _previous(path: Path | None) -> Snapshot | None:
    if path is None or not path.exists() or path.stat().st_size == 0:
        return None
    try:
        return load_snapshot_file(path)
    except SnapshotError as exc:  # a commit message is not worth failing the job over
        print(f"warning: {exc} Treating this as the first crawl.", file=sys.stderr)
        return None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m crawler.gh_actions", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser("step-summary", help="print a Markdown file cut to fit the step-summary limit")
    p.add_argument("markdown", type=Path)
    p.add_argument("--limit", type=int, default=STEP_SUMMARY_LIMIT, help="bytes (default 1 MiB)")
    p = sub.add_parser("commit-message", help="print the commit message for the reports")
    p.add_argument("snapshot", type=Path)
    p.add_argument("--previous", type=Path, default=None, help="the snapshot before this run (may be absent)")
    for name, help_ in (("has-confirmed-broken", "print true or false"), ("issue-body", "print the issue body")):
        p = sub.add_parser(name, help=help_)
        p.add_argument("snapshot", type=Path)
        p.add_argument("--confirm-after", type=int, default=2, metavar="RUNS")
        if name == "issue-body":
            p.add_argument("--limit", type=int, default=ISSUE_BODY_LIMIT, help="characters (default 65536)")
            p.add_argument("--reports-url", default=None, help="URL of reports/broken-links.md on GitHub")
    _add_fix_commands(sub)
    return parser


def _add_fix_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("pr-body", help="print the fix pull request's body from `crawler fix --plan FILE`")
    p.add_argument("plan", type=Path)
    p.add_argument("--limit", type=int, default=PR_BODY_LIMIT, help="characters (default 65536)")
    p.add_argument("--run-url", default=None, help="URL of the workflow run")
    p = sub.add_parser("branch-is-ours", help="print true when every commit on stdin (git log) is the bot's")
    p.add_argument("--bot-email", required=True)


def _fix_command(args: argparse.Namespace) -> str:
    if args.command == "branch-is-ours":
        return "true\n" if only_bot_commits(sys.stdin.read(), args.bot_email) else "false\n"
    from crawler.fix.plan import FixPlan

    try:
        plan = FixPlan.model_validate_json(args.plan.read_bytes())
    except OSError as exc:
        raise CrawlerError(f"{args.plan}: cannot read the plan: {exc.strerror or exc}.") from None
    except ValidationError as exc:
        problem = exc.errors()[0]["msg"]
        raise CrawlerError(f"{args.plan}: not a plan written by `crawler fix --plan` ({problem}).") from None
    return pr_body(plan, limit=args.limit, run_url=args.run_url)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "step-summary":
            try:
                markdown = args.markdown.read_text(encoding="utf-8", errors="replace")
                text = step_summary(markdown, args.limit, source=str(args.markdown))
            except OSError as exc:
                raise CrawlerError(f"{args.markdown}: cannot read it: {exc.strerror or exc}.") from None
        elif args.command == "commit-message":
            text = commit_message(load_snapshot_file(args.snapshot), _previous(args.previous))
        elif args.command in ("pr-body", "branch-is-ours"):
            text = _fix_command(args)
        elif args.command == "has-confirmed-broken":
            confirmed = has_confirmed_broken(load_snapshot_file(args.snapshot), args.confirm_after)
            text = "true\n" if confirmed else "false\n"
        else:
            snapshot = load_snapshot_file(args.snapshot)
            text = issue_body(
                snapshot, confirm_after=args.confirm_after, limit=args.limit, reports_url=args.reports_url
            )
    except CrawlerError as exc:
        print(exc, file=sys.stderr)
        return exc.exit_code
    # Bytes, not the locale's encoding: the limits are about what GitHub receives.
    sys.stdout.buffer.write(text.encode("utf-8"))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
