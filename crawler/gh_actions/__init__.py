"""GitHub Actions glue for ``.github/workflows/crawl.yml``: pure, tested functions and a tiny CLI.

    python -m crawler.gh_actions step-summary reports/changes.md >> "$GITHUB_STEP_SUMMARY"
    python -m crawler.gh_actions commit-message reports/latest.json --previous OLD.json
    python -m crawler.gh_actions has-confirmed-broken reports/latest.json --confirm-after 2
    python -m crawler.gh_actions issue-body reports/latest.json --confirm-after 2 --reports-url URL
    python -m crawler.gh_actions pr-body fix-plan.json --run-url URL      # `crawler fix --plan` output
    git log --format='%ae%x09%ce' main..origin/BRANCH | python -m crawler.gh_actions branch-is-ours --bot-email E

The texts: ``issue.py`` (the link-health issue), ``commit.py`` (commit message, step summary),
``pull_request.py`` (the fix pull request, whose branch it is), all escaped and cut to GitHub's
limits by ``markdown.py``. This module is the CLI and re-exports their public names.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from crawler.errors import CrawlerError, SnapshotError
from crawler.gh_actions.commit import STEP_SUMMARY_LIMIT, commit_message, step_summary
from crawler.gh_actions.issue import (
    ISSUE_BODY_LIMIT,
    ISSUE_MARKER,
    confirmed_broken,
    has_confirmed_broken,
    issue_body,
)
from crawler.gh_actions.markdown import issue_size
from crawler.gh_actions.pull_request import PR_BODY_LIMIT, PR_MARKER, only_bot_commits, pr_body
from crawler.models import Snapshot

__all__ = [
    "ISSUE_BODY_LIMIT",
    "ISSUE_MARKER",
    "PR_BODY_LIMIT",
    "PR_MARKER",
    "STEP_SUMMARY_LIMIT",
    "commit_message",
    "confirmed_broken",
    "has_confirmed_broken",
    "issue_body",
    "issue_size",
    "load_snapshot_file",
    "main",
    "only_bot_commits",
    "pr_body",
    "step_summary",
]


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
