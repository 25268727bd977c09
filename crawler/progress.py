"""Progress while a crawl runs, and the summary after it.

On an interactive terminal: a rich live display (bar, done/total, per-status counts, rate, ETA) and a
rich summary table. Anywhere else (CI logs, pipes, ``TERM=dumb``): no bars and no cursor tricks,
one plain line at most every *interval* seconds, and the same summary as aligned text. ``quiet``
prints nothing; errors still reach the user through logging.

Strings that come from the network (URLs, reasons) are shown as text, never as markup, with
control characters escaped, so a hostile page cannot restyle or rewrite the user's terminal.
"""

from __future__ import annotations

import logging
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Protocol, TextIO

from rich.console import Console
from rich.file_proxy import FileProxy
from rich.progress import BarColumn, MofNCompleteColumn, ProgressColumn, Task, TextColumn, TimeRemainingColumn
from rich.progress import Progress as RichProgress
from rich.table import Table
from rich.text import Text

from crawler.models import LinkResult, LinkStatus

__all__ = ["Progress", "format_duration", "make_progress", "render_summary"]

Clock = Callable[[], float]

_STYLE = {
    LinkStatus.OK: "green",
    LinkStatus.REDIRECTED: "cyan",
    LinkStatus.BROKEN: "bold red",
    LinkStatus.UNVERIFIED: "yellow",
    LinkStatus.SKIPPED: "dim",
}


class Progress(Protocol):
    """What a crawl reports to while it runs. ``close`` is safe to call twice and after an interrupt."""

    def start(self, total: int) -> None: ...

    def advance(self, result: LinkResult) -> None: ...

    def close(self) -> None: ...


def make_progress(
    *,
    stream: TextIO,
    quiet: bool,
    interval: float = 5.0,
    clock: Clock = time.monotonic,
    console: Console | None = None,
) -> Progress:
    """A live display if *stream* (or the given rich *console*) is an interactive terminal, else log lines."""
    if quiet:
        return _NullProgress()
    if console is None:
        if not _isatty(stream):
            return _LogProgress(stream, interval=interval, clock=clock)
        console = Console(file=stream)
    if console.is_interactive:
        return _LiveProgress(console, clock=clock)
    return _LogProgress(console.file, interval=interval, clock=clock)


def render_summary(
    summary: Mapping[LinkStatus, int],
    *,
    stream: TextIO,
    elapsed: float,
    broken: list[tuple[str, str]],
    max_broken: int = 20,
    full_list: str | None = None,
    quiet: bool = False,
    console: Console | None = None,
) -> None:
    """The closing summary: links per status, time and rate, then up to *max_broken* ``(url, reason)`` pairs.

    *full_list* names where the complete list is (e.g. ``reports/broken-links.md``) when some are left out.
    A rich table on a terminal, aligned plain text otherwise.
    """
    if quiet:
        return
    if console is None and _isatty(stream):
        console = Console(file=stream)
    if console is not None and console.is_interactive:
        _summary_rich(console, summary, elapsed, broken, max_broken, full_list)
    else:
        stream.write(_summary_plain(summary, elapsed, broken, max_broken, full_list))
        stream.flush()


def format_duration(seconds: float) -> str:
    """``42s``, ``3m05s``, ``1h02m``: short enough for a progress line."""
    s = max(0, round(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{s % 3600 // 60:02d}m"


# --------------------------------------------------------------------------- shared


def _isatty(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # closed stream
        return False


def _printable(text: str) -> str:
    """Escape control and format characters (ANSI escapes, bidi overrides, line breaks)."""
    out = []
    for char in text:
        if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp"):
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


class _Tally:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.total = 0
        self.done = 0
        self.counts: Counter[LinkStatus] = Counter()
        self.started = clock()

    def start(self, total: int) -> None:
        self.total = total
        self.started = self.clock()

    def add(self, result: LinkResult) -> None:
        self.done += 1
        self.counts[result.status] += 1

    def rate(self, now: float) -> float:
        spent = now - self.started
        return self.done / spent if spent > 0 else 0.0

    def eta(self, now: float) -> float | None:
        rate = self.rate(now)
        return max(self.total - self.done, 0) / rate if rate > 0 else None

    def counts_text(self) -> str:
        return ", ".join(f"{status.value} {self.counts[status]}" for status in LinkStatus if self.counts[status])


# --------------------------------------------------------------------------- implementations


class _NullProgress:
    def start(self, total: int) -> None:
        pass

    def advance(self, result: LinkResult) -> None:
        pass

    def close(self) -> None:
        pass


class _LogProgress:
    """One line at start, then at most one every *interval* seconds, and a last one on close."""

    def __init__(self, stream: TextIO, *, interval: float, clock: Clock) -> None:
        self.stream = stream
        self.interval = interval
        self.clock = clock
        self.tally = _Tally(clock)
        self.last_line = clock()
        self.printed_done = 0
        self.closed = False

    def start(self, total: int) -> None:
        self.tally.start(total)
        self.last_line = self.clock()
        self._write(f"crawl: checking {total} links")

    def advance(self, result: LinkResult) -> None:
        self.tally.add(result)
        now = self.clock()
        if now - self.last_line >= self.interval:
            self._progress_line(now)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self.tally.done != self.printed_done:
            self._progress_line(self.clock())

    def _progress_line(self, now: float) -> None:
        t = self.tally
        share = f" ({100 * t.done // t.total}%)" if t.total else ""
        parts = [f"crawl: {t.done}/{t.total}{share}"]
        if t.counts:
            parts.append(t.counts_text())
        parts.append(f"{t.rate(now):.1f} links/s")
        eta = t.eta(now)
        if eta is not None and t.done < t.total:
            parts.append(f"ETA {format_duration(eta)}")
        self._write(" | ".join(parts))
        self.last_line = now
        self.printed_done = t.done

    def _write(self, line: str) -> None:
        self.stream.write(line + "\n")
        self.stream.flush()


class _CountsColumn(ProgressColumn):
    def __init__(self, tally: _Tally) -> None:
        super().__init__()
        self.tally = tally

    def render(self, task: Task) -> Text:
        text = Text()
        for status in LinkStatus:
            if n := self.tally.counts[status]:
                text.append(" " if text else "")
                text.append(f"{status.value} {n}", style=_STYLE[status])
        return text


class _RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:.1f}/s", style="progress.data.speed")


class _LiveProgress:
    """A rich live display; log records are routed above it instead of tearing through it."""

    def __init__(self, console: Console, *, clock: Clock) -> None:
        self.console = console
        self.tally = _Tally(clock)
        self.rich = RichProgress(
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            _CountsColumn(self.tally),
            _RateColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
            get_time=clock,
            refresh_per_second=8,
        )
        self.task = None
        self.swapped: list[tuple[logging.StreamHandler, TextIO]] = []
        self.closed = False

    def start(self, total: int) -> None:
        self.tally.start(total)
        self.task = self.rich.add_task("checking links", total=total)
        self._route_logging()
        self.rich.start()

    def advance(self, result: LinkResult) -> None:
        self.tally.add(result)
        if self.task is not None:
            self.rich.advance(self.task)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            self.rich.stop()
        finally:
            for handler, original in self.swapped:
                handler.setStream(original)
            self.swapped.clear()

    def _route_logging(self) -> None:
        terminals = {id(sys.stderr), id(sys.stdout), id(sys.__stderr__), id(sys.__stdout__), id(self.console.file)}
        for handler in logging.getLogger().handlers:
            if type(handler) is logging.StreamHandler and id(handler.stream) in terminals:
                original = handler.stream
                handler.setStream(FileProxy(self.console, original))  # type: ignore[arg-type]
                self.swapped.append((handler, original))


# --------------------------------------------------------------------------- summary


def _share(n: int, total: int) -> str:
    return f"{100 * n / total:.0f}%" if total else "-"


def _rate_sentence(total: int, elapsed: float) -> str:
    rate = f" ({total / elapsed:.1f} links/s)" if elapsed > 0 else ""
    return f"{total} links in {format_duration(elapsed)}{rate}"


def _summary_plain(
    summary: Mapping[LinkStatus, int],
    elapsed: float,
    broken: list[tuple[str, str]],
    max_broken: int,
    full_list: str | None,
) -> str:
    total = sum(summary.get(s, 0) for s in LinkStatus)
    width = max(len(s.value) for s in LinkStatus)
    digits = max(len(str(total)), 5)
    lines = [f"{'status':<{width}}  {'links':>{digits}}  share"]
    for status in LinkStatus:
        n = summary.get(status, 0)
        lines.append(f"{status.value:<{width}}  {n:>{digits}}  {_share(n, total):>5}")
    lines.append(f"{'total':<{width}}  {total:>{digits}}")
    lines.append(_rate_sentence(total, elapsed))
    if broken:
        lines.append(f"broken links ({len(broken)}):")
        lines += [f"  {_printable(url)}  {_printable(reason)}" for url, reason in broken[:max_broken]]
        lines += _more_line(len(broken), max_broken, full_list)
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
    broken: list[tuple[str, str]],
    max_broken: int,
    full_list: str | None,
) -> None:
    total = sum(summary.get(s, 0) for s in LinkStatus)
    table = Table(title="Crawl summary", caption=_rate_sentence(total, elapsed), show_footer=True)
    table.add_column("status", footer="total")
    table.add_column("links", justify="right", footer=str(total))
    table.add_column("share", justify="right")
    for status in LinkStatus:
        n = summary.get(status, 0)
        table.add_row(Text(status.value, style=_STYLE[status]), str(n), _share(n, total))
    console.print(table)
    if broken:
        links = Table(title=f"Broken links ({len(broken)})", title_style="bold red", show_lines=False)
        links.add_column("url", overflow="fold")
        links.add_column("reason", overflow="fold")
        for url, reason in broken[:max_broken]:
            links.add_row(Text(_printable(url)), Text(_printable(reason)))
        console.print(links)
        for line in _more_line(len(broken), max_broken, full_list):
            console.print(Text(line.strip()))
