"""`python -m crawler run`: crawl the registry and write the snapshot and reports."""

from __future__ import annotations

import argparse
import shutil
import sys

from crawler.cli.common import (
    add_confirm_after,
    add_crawl_options,
    add_fail_on,
    add_only_option,
    add_output_options,
    add_registry_option,
    add_verbosity,
    new_parser,
    int_at_least,
    positive_int,
    startup_done,
)

EXAMPLES = """\
  python -m crawler run                                  # the shipped registry.yaml -> reports/
  python -m crawler run --registry my.yaml --out site/   # another registry, another folder
  python -m crawler run --only github,huggingface        # refresh metadata, skip plain links
  python -m crawler run --only links                     # plain links only, no host APIs
  GITHUB_TOKEN=... python -m crawler run --fail-on broken # exit 1 when a link is broken
  python -m crawler run --archive                        # also ask Software Heritage / the Wayback Machine to save
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = new_parser(sub, "run", "Check every link of the registry and write snapshot and reports.", EXAMPLES)
    add_registry_option(p)
    add_output_options(p)
    add_only_option(p)
    add_crawl_options(p)
    add_fail_on(p)
    add_confirm_after(p)
    _add_archive_options(p)
    add_verbosity(p)
    p.set_defaults(handler=handle)


def _add_archive_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("archives (Software Heritage, the Wayback Machine)")
    g.add_argument(
        "--archive",
        action="store_true",
        help="ask Software Heritage to save live GitHub repositories and the Wayback Machine to capture "
        "live data links that were not archived recently (within per-run budgets)",
    )
    g.add_argument("--archive-swh-age-days", type=positive_int, default=90, metavar="N",
                   help="with --archive: save repositories last visited more than N days ago (default 90)")
    g.add_argument("--archive-wayback-age-days", type=positive_int, default=30, metavar="N",
                   help="with --archive: capture data links not captured in the last N days (default 30)")
    g.add_argument("--archive-lookups", type=int_at_least(0), default=40, metavar="N",
                   help="at most N requests per archive per run to find copies of dead links (default 40; 0: none)")


def handle(args: argparse.Namespace) -> int:
    from crawler.errors import NetworkDown
    from crawler.models import LinkStatus
    from crawler.pipeline import RunOptions, run
    from crawler.progress import make_progress
    from crawler.render.counts import link_counts
    from crawler.settings import Settings
    from crawler.summary import broken_lines, note_lines, render_summary, summary_notes

    startup_done()
    settings = Settings.from_env()
    options = RunOptions(
        registry_path=args.registry,
        out_dir=args.out,
        only=args.only,
        concurrency=args.concurrency,
        host_concurrency=args.host_concurrency,
        timeout=args.timeout,
        allow_private=args.allow_private,
        confirm_after=args.confirm_after,
        archive=args.archive,
        archive_lookups=args.archive_lookups,
        swh_age_days=args.archive_swh_age_days,
        wayback_age_days=args.archive_wayback_age_days,
    )
    progress = make_progress(stream=sys.stderr, quiet=args.quiet > 0)
    try:
        result = run(options, settings, on_start=progress.start, on_result=progress.advance)
    except NetworkDown:
        progress.close(final=False)  # offline, every verdict is a DNS failure: no tally, the error says why
        raise
    finally:
        progress.close()
    width = shutil.get_terminal_size().columns if sys.stderr.isatty() else None
    for notice in result.notices:
        for line in note_lines(notice, width):
            print(line, file=sys.stderr)
    snapshot = result.snapshot
    if args.quiet == 0:
        render_summary(
            link_counts(snapshot).summary,
            stream=sys.stderr,
            elapsed=result.elapsed,
            broken=broken_lines(snapshot, confirm_after=args.confirm_after),
            notes=summary_notes(snapshot),
            full_list=str(args.out / "broken-links.md"),
        )
        print(f"wrote {len(result.written)} files to {args.out}/", file=sys.stderr)
    if args.fail_on == "broken" and snapshot.summary.get(LinkStatus.BROKEN, 0):
        return 1
    return 0
