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

import time
import unicodedata
from collections import Counter, deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, TextIO

from crawler.models import LinkResult, LinkStatus

if TYPE_CHECKING:  # rich is imported only for a live display (crawler.progress_live)
    from rich.console import Console

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
        from rich.console import Console

        console = Console(file=stream)
    if console.is_interactive:
        from crawler.progress_live import LiveProgress

        return LiveProgress(console, clock=clock)
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
