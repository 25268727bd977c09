"""The command line: ``python -m crawler <command>``. Thin: parse, call, print, exit.

Exit codes: 0 the command completed (broken links are in the reports), 1 broken links
found and ``--fail-on broken``, 2 bad usage or an invalid registry, 3 aborted (network
down, interrupted) with nothing overwritten.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Sequence

from crawler import __version__
from crawler.cli import check, diff, fix, importer, report, run, validate
from crawler.cli.common import collector_kept_out
from crawler.errors import CrawlerError

__all__ = ["main", "build_parser"]

EXIT_OK, EXIT_BROKEN, EXIT_USAGE, EXIT_ABORTED = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's default exit code is already 2
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m crawler",
        description="Check the links of a registry of medical LLMs and their corpora, and pull GitHub and "
        "Hugging Face metadata.",
        epilog="examples:\n"
        "  python -m crawler run                      # check registry.yaml, write reports/\n"
        "  python -m crawler validate                 # check registry.yaml offline\n"
        "  python -m crawler check https://example.org/ --json\n"
        "  python -m crawler COMMAND --help           # each command's options and examples\n\n"
        "Exit codes: 0 done, 1 broken links with --fail-on broken, 2 usage or invalid registry, "
        "3 aborted (network down, interrupted) with nothing overwritten.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"crawler {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for module in (run, check, validate, report, diff, importer, fix):
        module.register(sub)
    return parser


def _configure_logging(verbosity: int) -> None:
    level = {-1: logging.WARNING, 0: logging.INFO}.get(verbosity, logging.DEBUG if verbosity > 0 else logging.ERROR)
    logging.basicConfig(level=level, format="%(message)s", stream=sys.stderr)
    # -vv: one line per request. The checker (crawler.requests) logs its own at DEBUG, httpx
    # the API sources' (and proxied ones) at INFO; httpcore's connection trace (~10 lines a
    # request) and asyncio's chatter are never what a user asked for.
    logging.getLogger("crawler.requests").setLevel(logging.DEBUG if verbosity > 1 else logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.INFO if verbosity > 1 else logging.WARNING)
    for noisy in ("httpcore", "hpack", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _terminate(signum: int, frame: object) -> None:
    # SIGTERM (a cancelled CI job, `kill`) takes the same clean path as Ctrl-C.
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(getattr(args, "verbose", 0) - getattr(args, "quiet", 0))
    previous_term = signal.signal(signal.SIGTERM, _terminate)
    try:
        with collector_kept_out():
            return int(args.handler(args))
    except CrawlerError as exc:
        problems = getattr(exc, "problems", [])
        for line in problems:
            print(line, file=sys.stderr)
        if problems != [str(exc)]:
            print(f"crawler: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        # Only run and report write reports; check, validate, diff ... have none to speak of.
        kept = "; the previous reports were left as they were" if args.command in ("run", "report") else ""
        print(f"crawler: interrupted{kept}.", file=sys.stderr)
        return EXIT_ABORTED
    finally:
        signal.signal(signal.SIGTERM, previous_term)
