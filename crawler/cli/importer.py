"""`python -m crawler importer`."""

from __future__ import annotations

import argparse

from crawler.cli.common import new_parser


def register(sub: argparse._SubParsersAction) -> None:
    p = new_parser(sub, "import", "TODO", "  TODO\n")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    raise NotImplementedError
