"""The fix pull request: its body from a ``crawler fix --plan`` file, and whether its branch is the bot's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.gh_actions.issue import ISSUE_BODY_LIMIT
from crawler.gh_actions.markdown import MAX_TEXT, fit, issue_size, md_text, md_url, md_url_target, plural_s

if TYPE_CHECKING:
    from crawler.fix.plan import FixPlan

__all__ = ["PR_BODY_LIMIT", "PR_MARKER", "only_bot_commits", "pr_body"]

PR_MARKER = "<!-- crawler:fix-links -->"
PR_BODY_LIMIT = ISSUE_BODY_LIMIT  # GitHub caps a pull request's body like an issue's
_SOURCES = {"wayback": "Wayback Machine", "software-heritage": "Software Heritage"}


def pr_body(plan: FixPlan, *, limit: int = PR_BODY_LIMIT, run_url: str | None = None) -> str:
    """The fix pull request: each edit (entry, old -> new URL) with why, then archived copies waiting.

    Every URL and reason is escaped like the issue body's; cut by whole lines under *limit*.
    """
    n = len(plan.edits)
    crawl = plan.snapshot_generated_at.strftime("%Y-%m-%d %H:%M UTC")
    run = f" ([run]({md_url_target(run_url)}))" if run_url else ""
    lines = [
        PR_MARKER,
        f"**{n} registry edit{plural_s(n)}** proposed by `python -m crawler fix` from the crawl of {crawl}{run}.",
        "",
        "Each changed line keeps a comment naming the old URL. The scheduled crawl rewrites this pull request "
        "while there is something to fix and closes it when nothing is left; it never overwrites commits a "
        "person pushes to this branch.",
    ]
    if plan.edits:
        lines += ["", "### Edits", ""]
        for edit in plan.edits:
            if edit.field == "archived":
                lines.append(f"- `{edit.entry_id}`: {md_url(edit.old_url)} gains `archived:` {md_url(edit.new_url)}")
            else:
                lines.append(f"- `{edit.entry_id}`: {md_url(edit.old_url)} → {md_url(edit.new_url)}")
            lines += [f"  - {md_text(change.why)} (`{change.cause}`)" for change in edit.changes]
    if plan.suggestions:
        lines += ["", f"### Gone, with an archived copy ({len(plan.suggestions)})", ""]
        lines += ["Not changed: accept a copy with `python -m crawler fix --accept-archived URL --apply`.", ""]
        for s in plan.suggestions:
            source = _SOURCES.get(s.archive.source, s.archive.source)
            when = f" of {s.archive.captured_at.date().isoformat()}" if s.archive.captured_at else ""
            since = f", failing since {s.failing_since.isoformat()}" if s.failing_since else ""
            lines.append(
                f"- `{s.entry_id}`: {md_url(s.url)}{since}; {source} copy{when}: {md_url(s.archive.url)}"
            )
    if plan.notes:
        lines += ["", "### Not proposed", ""] + [f"- {md_text(note, 2 * MAX_TEXT)}" for note in plan.notes]
    def note(k: int) -> str:
        return f"_{k} more line{plural_s(k)} cut to stay under GitHub's {limit:,}-character limit._"

    return fit(lines, limit, issue_size, note)


def only_bot_commits(log: str, bot_email: str) -> bool:
    """True when every commit of *log* (lines ``AUTHOR_EMAIL<TAB>COMMITTER_EMAIL``) is the bot's.

    The job force-pushes its fix branch only then: a person's commit there is never overwritten.
    An empty log (no branch yet, or nothing on it) is the bot's.
    """
    for line in log.splitlines():
        if line.strip() and any(field.strip().lower() != bot_email.lower() for field in line.split("\t")):
            return False
    return True
