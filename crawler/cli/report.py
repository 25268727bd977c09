"""`python -m crawler report`: re-render the reports from a folder's snapshots, offline."""

from __future__ import annotations

import argparse
import sys

from crawler.cli.common import add_confirm_after, add_output_options, add_verbosity, new_parser

EXAMPLES = """\
  python -m crawler report                       # reports/latest.json -> reports/*.md, index.html ...
  python -m crawler report --out site/           # another output folder
  python -m crawler report --confirm-after 3     # a link is confirmed broken after 3 failing runs
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = new_parser(
        sub,
        "report",
        "Re-render the reports from DIR/latest.json and DIR/snapshots/ without touching the network.",
        EXAMPLES,
    )
    add_output_options(p)
    add_confirm_after(p)
    add_verbosity(p, requests=False)  # offline: no requests to list
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from crawler.snapshot import rerender_reports
    written = rerender_reports(args.out, confirm_after=args.confirm_after)
    if args.quiet == 0:
        print(f"wrote {len(written)} reports to {args.out}/", file=sys.stderr)
    return 0
