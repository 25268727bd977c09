"""`python -m crawler diff OLD NEW`: what changed between two snapshots, as Markdown."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from crawler.cli.common import add_verbosity, new_parser

EXAMPLES = """\
  python -m crawler diff reports/snapshots/2024-01-01.json reports/latest.json
  python -m crawler diff old.json new.json > changes.md
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = new_parser(sub, "diff", "Print what changed between two snapshots (the changes.md report) to stdout.", EXAMPLES)
    p.add_argument("old", type=Path, metavar="OLD.json", help="the earlier snapshot")
    p.add_argument("new", type=Path, metavar="NEW.json", help="the later snapshot")
    add_verbosity(p, requests=False)  # offline: no requests to list
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from crawler.render.changes import render_changes
    from crawler.snapshot import load_snapshot
    old = load_snapshot(args.old)
    new = load_snapshot(args.new)
    sys.stdout.write(render_changes(new, old))
    return 0
