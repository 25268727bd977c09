"""Progress while a crawl runs (the closing summary is ``crawler.summary``).

On an interactive terminal: a rich live display (bar, done/total, per-status counts, rate, ETA) and a
rich summary table. Anywhere else (CI logs, pipes, ``TERM=dumb``): no bars and no cursor tricks,
one plain line at most every *interval* seconds, and the same summary as aligned text. ``quiet``
prints nothing; errors still reach the user through logging.

Strings that come from the network (URLs, reasons) are shown as text, never as markup, with
control characters escaped, so a hostile page cannot restyle or rewrite the user's terminal.

Layout rules (checked at 80 and 120 columns): the live display is a bar line that fits the width
and the per-status counts on a line of their own (never wrapped mid-count); it is erased when the
crawl ends or is interrupted and replaced by one plain line, so Ctrl-C never leaves a second bar.
The ETA uses the slower of the whole run's rate and the last 30
seconds' (the slow hosts finish last), and is not shown before 10 results and 3 seconds.
"""

from __future__ import annotations

import logging
import sys
import time
import unicodedata
from collections import Counter, deque
from collections.abc import Callable, Iterable
from typing import Protocol, TextIO

from rich.console import Console, RenderableType
from rich.file_proxy import FileProxy
from rich.progress import BarColumn, MofNCompleteColumn, ProgressColumn, Task, TextColumn
from rich.progress import Progress as RichProgress
from rich.text import Text

from crawler.models import LinkResult, LinkStatus

__all__ = [
    "STATUS_STYLE",
    "Progress",
    "format_duration",
    "isatty",
    "make_progress",
    "printable",
]

_ETA_WINDOW = 30.0  # seconds of recent results the moving rate looks at
_ETA_MIN_RESULTS = 10
_ETA_MIN_SECONDS = 3.0

Clock = Callable[[], float]

STATUS_STYLE = {
    LinkStatus.OK: "green",
    LinkStatus.REDIRECTED: "cyan",
    LinkStatus.BROKEN: "bold red",
    LinkStatus.UNVERIFIED: "yellow",
    LinkStatus.SKIPPED: "dim",
}


class Progress(Protocol):
    """What a crawl reports to while it runs. ``close`` is safe to call twice and after an interrupt.

    ``close(final=False)`` (a run that found the network down) prints no last tally: no verdict
    is kept, and "broken 27" on an offline machine would say the opposite of the error that follows.
    """

    def start(self, total: int) -> None: ...

    def advance(self, result: LinkResult) -> None: ...

    def close(self, *, final: bool = True) -> None: ...


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
        if not isatty(stream):
            return _LogProgress(stream, interval=interval, clock=clock)
        console = Console(file=stream)
    if console.is_interactive:
        return _LiveProgress(console, clock=clock)
    return _LogProgress(console.file, interval=interval, clock=clock)




def format_duration(seconds: float) -> str:
    """``42s``, ``3m05s``, ``1h02m``: short enough for a progress line."""
    s = max(0, round(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{s % 3600 // 60:02d}m"


# --------------------------------------------------------------------------- shared


def isatty(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # closed stream
        return False


def printable(text: str) -> str:
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
        self.samples: deque[tuple[float, int]] = deque()

    def start(self, total: int) -> None:
        self.total = total
        self.started = self.clock()
        self.samples.clear()
        self.samples.append((self.started, 0))

    def add(self, result: LinkResult) -> None:
        self.done += 1
        self.counts[result.status] += 1
        now = self.clock()
        self.samples.append((now, self.done))
        # Keep one sample older than the window, so the window's rate spans the whole window.
        while len(self.samples) > 2 and self.samples[1][0] <= now - _ETA_WINDOW:
            self.samples.popleft()

    def rate(self, now: float) -> float:
        spent = now - self.started
        return self.done / spent if spent > 0 else 0.0

    def recent_rate(self, now: float) -> float:
        """Results per second over the last ``_ETA_WINDOW`` seconds (up to *now*)."""
        if not self.samples:
            return 0.0
        since, done_then = self.samples[0]
        spent = now - since
        return (self.done - done_then) / spent if spent > 0 else 0.0

    def eta(self, now: float) -> float | None:
        """Seconds left at the slower of the overall and the recent rate; None until there is enough to go on."""
        if self.done >= self.total:
            return None
        if self.done < min(_ETA_MIN_RESULTS, self.total) or now - self.started < _ETA_MIN_SECONDS:
            return None
        rate = min(self.rate(now), self.recent_rate(now))
        return max(self.total - self.done, 0) / rate if rate > 0 else None

    def eta_text(self, now: float) -> str:
        eta = self.eta(now)
        return f"ETA {format_duration(eta)}" if eta is not None else ""

    def counts_text(self) -> str:
        return ", ".join(f"{status.value} {self.counts[status]}" for status in LinkStatus if self.counts[status])


# --------------------------------------------------------------------------- implementations


class _NullProgress:
    def start(self, total: int) -> None:
        pass

    def advance(self, result: LinkResult) -> None:
        pass

    def close(self, *, final: bool = True) -> None:
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

    def close(self, *, final: bool = True) -> None:
        if self.closed:
            return
        self.closed = True
        if final and self.tally.done != self.printed_done:
            self._progress_line(self.clock())

    def _progress_line(self, now: float) -> None:
        t = self.tally
        share = f" ({100 * t.done // t.total}%)" if t.total else ""
        parts = [f"crawl: {t.done}/{t.total}{share}"]
        if t.counts:
            parts.append(t.counts_text())
        parts.append(f"{t.rate(now):.1f} links/s")
        if eta := t.eta_text(now):
            parts.append(eta)
        self._write(" | ".join(parts))
        self.last_line = now
        self.printed_done = t.done

    def _write(self, line: str) -> None:
        self.stream.write(line + "\n")
        self.stream.flush()


class _RateColumn(ProgressColumn):
    def __init__(self, tally: _Tally) -> None:
        super().__init__()
        self.tally = tally

    def render(self, task: Task) -> Text:
        now = self.tally.clock()
        return Text(f"{self.tally.rate(now):.1f}/s" if self.tally.done else "", style="progress.data.speed")


class _EtaColumn(ProgressColumn):
    def __init__(self, tally: _Tally) -> None:
        super().__init__()
        self.tally = tally

    def render(self, task: Task) -> Text:
        return Text(self.tally.eta_text(self.tally.clock()) or "ETA …", style="progress.remaining")


class _TwoLineProgress(RichProgress):
    """The bar line, then the per-status counts on their own line (so they never wrap into the bar)."""

    def __init__(self, *columns: ProgressColumn, tally: _Tally, **kwargs: object) -> None:
        self.tally = tally  # before rich's __init__, which may already render
        super().__init__(*columns, **kwargs)  # type: ignore[arg-type]

    def get_renderables(self) -> Iterable[RenderableType]:
        yield self.make_tasks_table(self.tasks)
        text = Text(no_wrap=True, overflow="ellipsis")
        for status in LinkStatus:
            if n := self.tally.counts[status]:
                text.append("  " if text else "", style="")
                text.append(f"{status.value} {n}", style=STATUS_STYLE[status])
        yield text


class _LiveProgress:
    """A rich live display; log records are routed above it instead of tearing through it.

    The display is transient: on close (normal end or Ctrl-C) it is erased and one plain line
    says how far the crawl got, so no second, half-drawn bar is left on the screen.
    """

    def __init__(self, console: Console, *, clock: Clock) -> None:
        self.console = console
        self.tally = _Tally(clock)
        self.rich = _TwoLineProgress(
            TextColumn("[progress.description]{task.description}"),
            BarColumn(bar_width=None),
            MofNCompleteColumn(),
            _RateColumn(self.tally),
            _EtaColumn(self.tally),
            tally=self.tally,
            console=console,
            get_time=clock,
            refresh_per_second=8,
            transient=True,
            expand=True,
        )
        self.task = None
        self.swapped: list[tuple[logging.StreamHandler, TextIO]] = []
        self.closed = False

    def start(self, total: int) -> None:
        self.tally.start(total)
        self.task = self.rich.add_task("checking", total=total)
        self._route_logging()
        self.rich.start()

    def advance(self, result: LinkResult) -> None:
        self.tally.add(result)
        if self.task is not None:
            self.rich.advance(self.task)

    def close(self, *, final: bool = True) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            self.rich.stop()
        finally:
            for handler, original in self.swapped:
                handler.setStream(original)
            self.swapped.clear()
        if final and self.task is not None:
            self.console.print(Text(self._final_line(), no_wrap=True, overflow="ellipsis"), soft_wrap=False)

    def _final_line(self) -> str:
        t = self.tally
        what = "checked" if t.done >= t.total else "stopped after"
        counts = f" ({t.counts_text()})" if t.counts else ""
        return f"{what} {t.done}/{t.total} links{counts}"

    def _route_logging(self) -> None:
        terminals = {id(sys.stderr), id(sys.stdout), id(sys.__stderr__), id(sys.__stdout__), id(self.console.file)}
        for handler in logging.getLogger().handlers:
            if type(handler) is logging.StreamHandler and id(handler.stream) in terminals:
                original = handler.stream
                handler.setStream(FileProxy(self.console, original))  # type: ignore[arg-type]
                self.swapped.append((handler, original))
