"""`python -m crawler run`: crawl the registry and write the snapshot and reports."""

from __future__ import annotations

import argparse
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
    startup_done,
)

EXAMPLES = """\
  python -m crawler run                                  # the shipped registry.yaml -> reports/
  python -m crawler run --registry my.yaml --out site/   # another registry, another folder
  python -m crawler run --only github,huggingface        # refresh metadata, skip plain links
  GITHUB_TOKEN=... python -m crawler run --fail-on broken # exit 1 when a link is broken
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = new_parser(sub, "run", "Check every link of the registry and write snapshot and reports.", EXAMPLES)
    add_registry_option(p)
    add_output_options(p)
    add_only_option(p)
    add_crawl_options(p)
    add_fail_on(p)
    add_confirm_after(p)
    add_verbosity(p)
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from crawler.models import LinkStatus
    from crawler.pipeline import ALL_PARTS, RunOptions, run
    from crawler.progress import make_progress, render_summary
    from crawler.settings import Settings

    startup_done()
    settings = Settings.from_env()
    options = RunOptions(
        registry_path=args.registry,
        out_dir=args.out,
        only=args.only or ALL_PARTS,
        concurrency=args.concurrency,
        host_concurrency=args.host_concurrency,
        timeout=args.timeout,
        allow_private=args.allow_private,
        confirm_after=args.confirm_after,
    )
    progress = make_progress(stream=sys.stderr, quiet=args.quiet > 0)
    try:
        result = run(options, settings, on_start=progress.start, on_result=progress.advance)
    finally:
        progress.close()
    for notice in result.notices:
        print(f"note: {notice}", file=sys.stderr)
    snapshot = result.snapshot
    if args.quiet == 0:
        broken = [
            (link.url, link.result.reason)
            for _, link in snapshot.links()
            if link.result.status is LinkStatus.BROKEN
        ]
        render_summary(
            snapshot.summary,
            stream=sys.stderr,
            elapsed=result.elapsed,
            broken=broken,
            full_list=str(args.out / "broken-links.md"),
        )
        print(f"wrote {len(result.written)} files to {args.out}/", file=sys.stderr)
    if args.fail_on == "broken" and snapshot.summary.get(LinkStatus.BROKEN, 0):
        return 1
    return 0
