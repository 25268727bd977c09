"""`python -m crawler check`: check an ad-hoc list of URLs with the same engine as `run`.

The URLs go through ``crawler.crawl.crawl`` exactly as a registry's do: links a host adapter claims
(GitHub, Hugging Face, Zenodo ... ``sources.SOURCES``) are answered by its API (token, budget and
fallbacks as in ``run``), every other link by the link checker. ``--pages-only`` checks every URL as a plain page (the checker alone). The network
rule is ``run``'s: no HTTP answer at all in the whole run is exit 3.
"""

from __future__ import annotations

import argparse
import shutil
import re
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit
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
  python -m crawler check --pages-only https://github.com/o/r       # the page, not the GitHub API
  python -m crawler check --urls-file urls.txt --fail-on broken      # exit 1 if any link is broken
  python -m crawler check --allow-private http://127.0.0.1:8000/     # a local test server

Statuses: ok, redirected (works, but moved permanently: update the link), broken (definitely
gone), unverified (cannot tell now: anti-bot, rate limit, server error, timeout), skipped.
-v logs what the engine decides about hosts (paused, GET only, dead); -vv every request.
Exit codes: 0 done, 1 broken links with --fail-on broken, 2 usage, 3 network down (no host gave
any HTTP answer).
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = new_parser(sub, "check", "Check an ad-hoc list of URLs (one result per unique URL).", EXAMPLES)
    p.add_argument("urls", nargs="*", metavar="URL", help="URLs to check")
    p.add_argument(
        "--urls-file",
        metavar="FILE",
        help="read URLs from FILE, one a line ('-' = standard input; blank lines and # comments ignored, "
        "Markdown debris such as a trailing ')' or '`' or surrounding <> removed)",
    )
    p.add_argument(
        "--pages-only",
        action="store_true",
        help="check every URL as a plain page (no GitHub, Hugging Face or other host API)",
    )
    p.add_argument("--json", action="store_true", help="print a JSON array of results on standard output")
    add_fail_on(p, listed="the output lists them")  # check writes no reports
    add_crawl_options(p)
    add_verbosity(p)
    p.set_defaults(handler=handle)


def read_urls_file(name: str) -> list[str]:
    """The URLs in *name* ('-' for stdin): one a line, blank lines and ``#`` comments skipped.

    Each line is cleaned of Markdown debris (``clean_url``); a line that is still not a URL
    (no host, a host with characters no host has, a ``<placeholder>``: what ``grep -o`` picks
    up from a README's prose and code) is skipped with a warning naming its line, so that it is
    not reported as a broken link.
    """
    where = "<stdin>" if name == "-" else name
    try:
        if name == "-":
            # The bytes, decoded strictly as a file is: stdin's own decoder lets invalid bytes
            # through as surrogates, which no result (nor --json) can carry.
            buffer = getattr(sys.stdin, "buffer", None)
            text = buffer.read().decode("utf-8") if buffer is not None else sys.stdin.read()
        else:
            text = Path(name).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{where}: cannot read the URL list: not UTF-8 text") from None
    except OSError as exc:
        raise UsageError(f"{where}: cannot read the URL list: {exc.strerror or exc}") from None
    text = text.removeprefix("\ufeff")  # a byte-order mark (Windows editors) is not part of the first URL
    urls = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#") or not (url := clean_url(line)):
            continue
        if _not_a_url(url):
            print(f"{where}:{number}: warning: not a URL, skipped: {_printable(line)}", file=sys.stderr)
            continue
        urls.append(url)
    return urls


_TRAILING = "`'\";.,>:"  # what Markdown and prose leave after a URL grep -o picked up
_NOT_IN_A_URL = re.compile(r"[<>`\\ ]")  # a placeholder, code or prose, not an address
_HOST = re.compile(r"^(?:[\w\-]+(?:\.[\w\-]+)*\.?|\[[0-9A-Fa-f:.]+\])$")  # a name or a bracketed IPv6 address


def clean_url(text: str) -> str:
    """*text* without the Markdown around a URL: ``<url>``, ```url```, ``url).``, ``url;``, ``url,``, ``url`:``.

    A closing parenthesis or bracket is only debris when unbalanced (``/wiki/Foo_(bar)`` keeps it).
    """
    url = text.strip().strip("`'\"")
    if url.startswith("<"):
        url = url[1:].split(">", 1)[0]
    while url:
        last = url[-1]
        if last in _TRAILING or (last == ")" and url.count(")") > url.count("(")) or (
            last == "]" and url.count("]") > url.count("[")
        ):
            url = url[:-1]
        else:
            break
    return url


def _not_a_url(url: str) -> bool:
    """Whether a cleaned list line is plainly not a web address (``https://[^``, ``https://``, ``<url>``)."""
    if "://" not in url:
        return False  # a bare name: the checker says what is wrong with it
    if _NOT_IN_A_URL.search(url):
        return True
    try:
        host = urlsplit(url).netloc.rpartition("@")[2]
    except ValueError:
        return True
    if host.startswith("["):
        host = host[: host.find("]") + 1] if "]" in host else host
    else:
        host = host.partition(":")[0]
    return not _HOST.match(host)


def handle(args: argparse.Namespace) -> int:
    # Imported here so that the other subcommands do not pay for aiohttp and httpx at start-up.
    # Nor pydantic and the models before the requests start (~60 ms, measured): the checker
    # imports them once its first requests are out and the loop waits (crawler/results.py).
    import anyio

    from crawler.config import check_options_for
    from crawler.settings import Settings
    from crawler.status import LinkStatus

    startup_done()
    for url in args.urls:  # argv carries bytes that are not UTF-8 as surrogates: no result can hold them
        try:
            url.encode("utf-8")
        except UnicodeEncodeError:
            raw = url.encode("utf-8", "surrogateescape")
            raise UsageError(f"a URL argument is not UTF-8 text (bytes {raw!r})") from None
    urls = list(args.urls)
    if args.urls_file:
        urls += read_urls_file(args.urls_file)
    if not urls:
        raise UsageError("no URLs to check: give them as arguments or with --urls-file FILE")
    settings = Settings.from_env()
    options = check_options_for(
        None,  # no registry, so no registry config (and no model to build before the requests)
        settings,
        concurrency=args.concurrency,
        host_concurrency=args.host_concurrency,
        timeout=args.timeout,
        allow_private=args.allow_private,
    )
    started = time.perf_counter()
    results, notices = anyio.run(_check, list(dict.fromkeys(urls)), settings, options, args.pages_only)
    elapsed = time.perf_counter() - started
    if notices:
        from crawler.summary import note_lines  # rich: only when there is a note to print
    width = shutil.get_terminal_size().columns if sys.stderr.isatty() else None
    for notice in notices:
        for line in note_lines(notice, width):
            print(line, file=sys.stderr)
    ordered = list(results.values())
    if args.json:
        from pydantic import TypeAdapter

        from crawler.models import LinkResult  # already imported by the run: its results are LinkResults

        data = TypeAdapter(list[LinkResult]).dump_json(ordered)
        sys.stdout.flush()
        out = getattr(sys.stdout, "buffer", None)
        if out is not None:  # bytes straight through: no second copy of a 50,000-result array
            out.write(data)  # and the newline apart: `data + b"\n"` would be a copy (10 MB at 50,000)
            out.write(b"\n")
            out.flush()
        else:
            sys.stdout.write(data.decode() + "\n")
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


async def _check(
    urls: list[str], settings: Settings, options: CheckOptions, pages_only: bool
) -> tuple[dict[str, LinkResult], list[str]]:
    """One result per URL (in order) and the sources' notices."""
    from crawler.net import build_client

    async with build_client(settings, concurrency=options.concurrency, timeout=options.timeout) as client:
        if pages_only or not _any_claimed(urls, settings):
            from crawler.checker import check_urls

            return await check_urls(urls, client=client, options=options), []
        from crawler.crawl import crawl

        crawled = await crawl(urls, settings=settings, options=options, client=client)
        return {url: crawled.outcomes[url].result for url in urls}, crawled.notices


def _any_claimed(urls: list[str], settings: Settings) -> bool:
    """True when a host adapter (GitHub, Hugging Face, Zenodo ...) would answer one of *urls*: then
    the pipeline runs. Without one, pipeline and checker do the same thing; the checker alone starts
    faster (importing the adapters costs ~10 ms, and a list of IP-literal URLs cannot need them
    while every adapter points at its public host, whose name is not an IP)."""
    from dataclasses import asdict

    from crawler.settings import Settings

    defaults = asdict(Settings())
    bases = {k: v for k, v in asdict(settings).items() if k.endswith(("_url", "_endpoint"))}
    if all(defaults.get(k) == v for k, v in bases.items()) and all(_ip_host(u) for u in urls):
        return False
    from crawler.sources import SOURCES

    return any(source.claims(u, settings) for u in urls for source in SOURCES)


def _ip_host(url: str) -> bool:
    """True when *url*'s host is an IP literal (the sources' hosts are names)."""
    host = url.partition("//")[2].split("/", 1)[0].rpartition("@")[2]
    host = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return bool(host) and (host[0] == "[" or host.replace(".", "").isdigit())


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
