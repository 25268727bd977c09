"""The closing summary after a crawl: links per status, time and rate, then the broken links.

A rich table on an interactive terminal, aligned plain text anywhere else (CI logs, pipes).
Broken links are counted as every report counts them (``crawler.render.counts``: unique URLs,
with the entries citing each): the count in the table and the list below it agree. URLs are
printed whole on their own lines and never folded by rich (the terminal may wrap a long one;
it stays one string to copy). Strings from the network are shown escaped, never as markup.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, TextIO

from crawler.models import LinkStatus, Snapshot
from crawler.progress import STATUS_STYLE, format_duration, isatty, printable
from crawler.render.columns import UNVERIFIABLE_TEXT
from crawler.render.counts import link_counts

if TYPE_CHECKING:  # rich is imported only for a terminal: a CI log or a pipe gets plain text without it
    from rich.console import Console

__all__ = ["BrokenLine", "broken_lines", "note_lines", "render_summary", "summary_notes"]

_URL = re.compile(r"https?://[^\s<>\"'`]+")

# (url, reason) or (url, reason, names of the entries citing it)
BrokenLine = tuple[str, str] | tuple[str, str, Sequence[str]]


def render_summary(
    summary: Mapping[LinkStatus, int],
    *,
    stream: TextIO,
    elapsed: float,
    broken: Sequence[BrokenLine],
    max_broken: int = 20,
    full_list: str | None = None,
    quiet: bool = False,
    console: Console | None = None,
    notes: Sequence[str] = (),
) -> None:
    """The closing summary: links per status, time and rate, up to *max_broken* broken links, then *notes*.

    *broken* holds ``(url, reason)`` or ``(url, reason, entry names)``, one per unique URL
    (``broken_lines`` builds it from a snapshot); a URL given twice is shown once.

    *full_list* names where the complete list is (e.g. ``reports/broken-links.md``) when some are left out.
    A rich table on a terminal, aligned plain text otherwise.
    """
    if quiet:
        return
    if console is None and isatty(stream):
        from rich.console import Console

        console = Console(file=stream)
    if console is not None and console.is_interactive:
        from rich.text import Text

        _summary_rich(console, summary, elapsed, broken, max_broken, full_list)
        for note in notes:
            console.print(Text(printable(note)))
    else:
        stream.write(_summary_plain(summary, elapsed, broken, max_broken, full_list))
        stream.write("".join(printable(note) + "\n" for note in notes))
        stream.flush()


def note_lines(notice: str, width: int | None = None) -> list[str]:
    """``note: ...`` lines for *notice*, each URL in it moved to a line of its own as a footnote.

    ``first: https://host/path: could not connect`` becomes ``first: [1]: could not connect`` then
    ``  [1] https://host/path``, so the sentence can wrap between words (at *width* columns, when
    given: the terminal's) and a URL is never split.
    """
    urls: list[str] = []

    def footnote(match: re.Match[str]) -> str:
        url = match.group(0)
        tail = ""
        while url and (url[-1] in ".,;:" or (url[-1] == ")" and url.count(")") > url.count("("))):
            url, tail = url[:-1], url[-1] + tail
        urls.append(url)
        return f"[{len(urls)}]{tail}"

    text = f"note: {_URL.sub(footnote, printable(notice))}"
    lines = textwrap.wrap(text, width, subsequent_indent="  ", break_long_words=False) if width else [text]
    return [*lines, *(f"  [{i}] {url}" for i, url in enumerate(urls, start=1))]


def summary_notes(snapshot: Snapshot) -> list[str]:
    """One calm sentence each for links the address guard refused and for login-only hosts, if any."""
    counts = link_counts(snapshot)
    notes = []
    if n := len(counts.refused):
        notes.append(
            f"{n} link{'' if n == 1 else 's'} not checked: the address guard refused private, loopback or "
            "cloud-metadata addresses (--allow-private checks them)."
        )
    if n := len(counts.unverifiable):
        notes.append(
            f"{n} link{'' if n == 1 else 's'} on hosts that need a login to tell: {UNVERIFIABLE_TEXT} (not an error)."
        )
    return notes


def broken_lines(snapshot: Snapshot, *, confirm_after: int = 2) -> list[BrokenLine]:
    """The snapshot's broken links for ``render_summary``: each unique URL once, with the entries citing it."""
    return [(c.url, c.result.reason, c.names) for c in link_counts(snapshot, confirm_after=confirm_after).broken]


def _dedupe(broken: Iterable[BrokenLine]) -> list[tuple[str, str, Sequence[str]]]:
    seen: dict[str, tuple[str, str, Sequence[str]]] = {}
    for item in broken:
        url, reason = item[0], item[1]
        names = item[2] if len(item) > 2 else ()  # type: ignore[misc]
        if url in seen:
            merged = list(dict.fromkeys([*seen[url][2], *names]))
            seen[url] = (url, seen[url][1], merged)
        else:
            seen[url] = (url, reason, list(names))
    return list(seen.values())


def _share(n: int, total: int) -> str:
    return f"{100 * n / total:.0f}%" if total else "-"


def _rate_sentence(total: int, elapsed: float) -> str:
    rate = f" ({total / elapsed:.1f} links/s)" if elapsed > 0 else ""
    return f"{total} link{'' if total == 1 else 's'} in {format_duration(elapsed)}{rate}"


def _cited(names: Sequence[str]) -> str:
    return f" ({', '.join(printable(n) for n in names)})" if names else ""


def _summary_plain(
    summary: Mapping[LinkStatus, int],
    elapsed: float,
    broken: Sequence[BrokenLine],
    max_broken: int,
    full_list: str | None,
) -> str:
    items = _dedupe(broken)
    total = sum(summary.get(s, 0) for s in LinkStatus)
    width = max(len(s.value) for s in LinkStatus)
    digits = max(len(str(total)), 5)
    lines = [f"{'status':<{width}}  {'links':>{digits}}  share"]
    for status in LinkStatus:
        n = summary.get(status, 0)
        lines.append(f"{status.value:<{width}}  {n:>{digits}}  {_share(n, total):>5}")
    lines.append(f"{'total':<{width}}  {total:>{digits}}")
    lines.append(_rate_sentence(total, elapsed))
    if items:
        lines.append(f"broken links ({len(items)}):")
        for url, reason, names in items[:max_broken]:
            lines += [f"  {printable(url)}", f"    {printable(reason)}{_cited(names)}"]
        lines += _more_line(len(items), max_broken, full_list)
    return "\n".join(lines) + "\n"


def _more_line(count: int, shown: int, full_list: str | None) -> list[str]:
    if count <= shown:
        return []
    where = f": see {full_list}" if full_list else ""
    return [f"  ... and {count - shown} more{where}"]


def _summary_rich(
    console: Console,
    summary: Mapping[LinkStatus, int],
    elapsed: float,
    broken: Sequence[BrokenLine],
    max_broken: int,
    full_list: str | None,
) -> None:
    from rich.table import Table
    from rich.text import Text

    items = _dedupe(broken)
    total = sum(summary.get(s, 0) for s in LinkStatus)
    table = Table(title="Crawl summary", show_footer=True)
    table.add_column("status", footer="total")
    table.add_column("links", justify="right", footer=str(total))
    table.add_column("share", justify="right")
    for status in LinkStatus:
        n = summary.get(status, 0)
        table.add_row(Text(status.value, style=STATUS_STYLE[status]), str(n), _share(n, total))
    console.print(table)
    # Not a caption: rich wraps captions to the table's width, which splits this short line in two.
    console.print(Text(_rate_sentence(total, elapsed)))
    if items:
        console.print(Text(f"Broken links ({len(items)})", style="bold red"))
        for url, reason, names in items[:max_broken]:
            # soft_wrap: never folded by rich; a long URL stays one string the terminal may wrap.
            console.print(Text("  " + printable(url), style="red"), soft_wrap=True)
            console.print(Text(f"    {printable(reason)}{_cited(names)}"))
        for line in _more_line(len(items), max_broken, full_list):
            console.print(Text(line.strip()))
