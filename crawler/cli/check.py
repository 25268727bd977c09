"""`python -m crawler check`: check an ad-hoc list of URLs with the same engine as `run`."""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from crawler.cli.common import add_crawl_options, add_fail_on, add_verbosity, new_parser, startup_done
from crawler.errors import UsageError

if TYPE_CHECKING:
    from crawler.checker import CheckOptions
    from crawler.models import LinkResult
    from crawler.settings import Settings

EXAMPLES = """\
  python -m crawler check https://example.org/ https://example.org/gone
  python -m crawler check --urls-file urls.txt --json > results.json
  grep -o 'https://[^ )]*' README.md | python -m crawler check --urls-file -
  python -m crawler check --urls-file urls.txt --fail-on broken      # exit 1 if any link is broken
  python -m crawler check --allow-private http://127.0.0.1:8000/     # a local test server

Statuses: ok, redirected (works, but moved permanently: update the link), broken (definitely
gone), unverified (cannot tell now: anti-bot, rate limit, server error, timeout), skipped.
Exit codes: 0 done, 1 broken links with --fail-on broken, 2 usage, 3 network down.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = new_parser(sub, "check", "Check an ad-hoc list of URLs (one result per unique URL).", EXAMPLES)
    p.add_argument("urls", nargs="*", metavar="URL", help="URLs to check")
    p.add_argument(
        "--urls-file",
        metavar="FILE",
        help="read URLs from FILE, one a line ('-' = standard input; blank lines and # comments ignored)",
    )
    p.add_argument("--json", action="store_true", help="print a JSON array of results on standard output")
    add_fail_on(p)
    add_crawl_options(p)
    add_verbosity(p)
    p.set_defaults(handler=handle)


def read_urls_file(name: str) -> list[str]:
    """The URLs in *name* ('-' for stdin): one a line, blank lines and ``#`` comments skipped."""
    if name == "-":
        text = sys.stdin.read()
    else:
        try:
            text = Path(name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise UsageError(f"{name}: cannot read the URL list: {reason}") from None
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def handle(args: argparse.Namespace) -> int:
    # Imported here so that the other subcommands do not pay for aiohttp and httpx at start-up.
    import anyio
    from pydantic import TypeAdapter

    from crawler.config import check_options_for
    from crawler.models import CrawlConfig, LinkResult, LinkStatus
    from crawler.settings import Settings

    startup_done()
    urls = list(args.urls)
    if args.urls_file:
        urls += read_urls_file(args.urls_file)
    if not urls:
        raise UsageError("no URLs to check: give them as arguments or with --urls-file FILE")
    settings = Settings.from_env()
    options = check_options_for(
        CrawlConfig(),
        settings,
        concurrency=args.concurrency,
        host_concurrency=args.host_concurrency,
        timeout=args.timeout,
        allow_private=args.allow_private,
    )
    started = time.perf_counter()
    results = anyio.run(_check, urls, settings, options)
    elapsed = time.perf_counter() - started
    ordered = list(results.values())
    if args.json:
        data = TypeAdapter(list[LinkResult]).dump_json(ordered) + b"\n"
        sys.stdout.flush()
        out = getattr(sys.stdout, "buffer", None)
        if out is not None:  # bytes straight through: no second copy of a 50,000-result array
            out.write(data)
            out.flush()
        else:
            sys.stdout.write(data.decode())
    else:
        _print_lines(ordered, quiet=args.quiet > 0)
    if args.quiet == 0:
        counts = Counter(r.status for r in ordered)
        summary = ", ".join(f"{counts[s]} {s.value}" for s in LinkStatus if counts[s])
        noun = "URL" if len(ordered) == 1 else "URLs"
        print(f"checked {len(ordered)} {noun} in {elapsed:.1f}s: {summary}", file=sys.stderr)
    if args.fail_on == "broken" and any(r.status is LinkStatus.BROKEN for r in ordered):
        return 1
    return 0


async def _check(urls: list[str], settings: Settings, options: CheckOptions) -> dict[str, LinkResult]:
    from crawler.checker import check_urls
    from crawler.net import build_client

    async with build_client(settings, concurrency=options.concurrency, timeout=options.timeout) as client:
        return await check_urls(urls, client=client, options=options)


def _print_lines(results: list[LinkResult], *, quiet: bool) -> None:
    out = sys.stdout
    for r in results:
        if quiet and r.status.is_ok():
            continue
        code = str(r.http_status) if r.http_status is not None else "-"
        out.write(f"{r.status.value:<10} {code:>3}  {_printable(r.url)}  {_printable(r.reason)}\n")
    out.flush()


def _printable(text: str) -> str:
    """A URL or reason from the network, safe to print on a terminal (no escape sequences)."""
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)
