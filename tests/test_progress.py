"""Progress display and closing summary: plain lines off a terminal, rich on one, nothing when quiet."""

from __future__ import annotations

import io
import logging
from datetime import UTC, datetime

import pytest
from rich.console import Console

from crawler.models import LinkResult, LinkStatus
from crawler.progress import format_duration, make_progress, render_summary


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def result(status: LinkStatus = LinkStatus.OK, url: str = "https://example.org/") -> LinkResult:
    return LinkResult(url=url, status=status, reason="fine", checked_at=datetime(2026, 1, 1, tzinfo=UTC))


class NotATty(io.StringIO):
    def isatty(self) -> bool:
        return False


def test_log_lines_at_most_every_interval():
    """Without a terminal: a start line, then one line per interval however many results arrive, then a last one."""
    clock, out = FakeClock(), NotATty()
    progress = make_progress(stream=out, quiet=False, interval=5.0, clock=clock)
    progress.start(100)
    for i in range(100):
        clock.now += 0.25  # 100 results over 25 s
        progress.advance(result(LinkStatus.BROKEN if i % 10 == 0 else LinkStatus.OK))
    progress.close()
    lines = out.getvalue().splitlines()
    assert lines[0] == "crawl: checking 100 links"
    assert len(lines) == 1 + 5  # t=5,10,15,20,25; close adds nothing new since t=25 printed 100/100
    assert lines[1] == "crawl: 20/100 (20%) | ok 18, broken 2 | 4.0 links/s | ETA 20s"
    assert lines[-1] == "crawl: 100/100 (100%) | ok 90, broken 10 | 4.0 links/s"
    assert "\x1b" not in out.getvalue() and "\r" not in out.getvalue()


def test_close_prints_the_final_count_once():
    """Closing after results not yet reported prints one final line; closing again prints nothing."""
    clock, out = FakeClock(), NotATty()
    progress = make_progress(stream=out, quiet=False, interval=5.0, clock=clock)
    progress.start(3)
    for _ in range(3):
        clock.now += 1
        progress.advance(result())
    progress.close()
    progress.close()
    assert out.getvalue().splitlines() == ["crawl: checking 3 links", "crawl: 3/3 (100%) | ok 3 | 1.0 links/s"]


def test_close_after_an_interrupt_reports_partial_progress():
    """Closing mid-crawl (Ctrl-C) shows how far it got, with the ETA it had."""
    clock, out = FakeClock(), NotATty()
    progress = make_progress(stream=out, quiet=False, interval=60.0, clock=clock)
    progress.start(10)
    clock.now += 2
    progress.advance(result(LinkStatus.UNVERIFIED))
    progress.close()
    assert out.getvalue().splitlines()[-1] == "crawl: 1/10 (10%) | unverified 1 | 0.5 links/s | ETA 18s"


def test_quiet_prints_nothing():
    """--quiet: no progress and no summary at all."""
    out = NotATty()
    progress = make_progress(stream=out, quiet=True)
    progress.start(1)
    progress.advance(result())
    progress.close()
    render_summary({LinkStatus.OK: 1}, stream=out, elapsed=1.0, broken=[], quiet=True)
    assert out.getvalue() == ""


def test_live_display_on_a_terminal():
    """On a terminal the rich display draws a bar with done/total and per-status counts, and restores the cursor."""
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120)
    clock = FakeClock()
    progress = make_progress(stream=out, quiet=False, clock=clock, console=console)
    progress.start(4)
    for status in (LinkStatus.OK, LinkStatus.OK, LinkStatus.BROKEN, LinkStatus.REDIRECTED):
        clock.now += 1
        progress.advance(result(status))
    progress.close()
    progress.close()
    text = out.getvalue()
    assert "━" in text and "4/4" in text
    assert "ok 2" in text and "broken 1" in text and "redirected 1" in text
    assert "\x1b[?25h" in text  # cursor shown again


def test_live_display_routes_log_records_above_it():
    """A log line written during the live display goes through rich (above the bar), and handlers are restored."""
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100)
    handler = logging.StreamHandler(out)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        progress = make_progress(stream=out, quiet=False, console=console, clock=FakeClock())
        progress.start(1)
        assert handler.stream is not out
        logging.getLogger("crawler.test").warning("a warning mid-crawl")
        progress.close()
        assert handler.stream is out
    finally:
        root.removeHandler(handler)
    assert "a warning mid-crawl" in out.getvalue()


def test_dumb_terminal_gets_log_lines():
    """A console that is not interactive (TERM=dumb, TTY_INTERACTIVE=0) gets log lines, not a bar."""
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, force_interactive=False)
    progress = make_progress(stream=out, quiet=False, console=console, clock=FakeClock())
    progress.start(2)
    progress.close()
    assert out.getvalue() == "crawl: checking 2 links\n"


SUMMARY = {LinkStatus.OK: 90, LinkStatus.REDIRECTED: 3, LinkStatus.BROKEN: 5, LinkStatus.UNVERIFIED: 2}


def test_plain_summary_is_aligned_text():
    """Off a terminal the summary is aligned text: every status, the total, time and rate, and broken links."""
    out = NotATty()
    broken = [(f"https://gone.example/{i}", "404 Not Found") for i in range(5)]
    render_summary(SUMMARY, stream=out, elapsed=50.0, broken=broken, max_broken=3, full_list="reports/broken-links.md")
    lines = out.getvalue().splitlines()
    assert lines[:7] == [
        "status      links  share",
        "ok             90    90%",
        "redirected      3     3%",
        "broken          5     5%",
        "unverified      2     2%",
        "skipped         0     0%",
        "total         100",
    ]
    assert lines[7] == "100 links in 50s (2.0 links/s)"
    assert lines[8] == "broken links (5):"
    assert lines[9] == "  https://gone.example/0  404 Not Found"
    assert lines[-1] == "  ... and 2 more: see reports/broken-links.md"


def test_summary_escapes_terminal_control_sequences():
    """A reason carrying ANSI escapes or bidi overrides is shown escaped, never interpreted."""
    out = NotATty()
    render_summary({LinkStatus.BROKEN: 1}, stream=out, elapsed=1, broken=[("https://x.example/", "\x1b[2J\u202egone")])
    assert "\x1b" not in out.getvalue() and "\\x1b[2J\\u202egone" in out.getvalue()


def test_rich_summary_table_on_a_terminal():
    """On a terminal the summary is a rich table; hostile markup in a URL is printed literally."""
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120, color_system=None)
    render_summary(SUMMARY, stream=out, elapsed=50.0, broken=[("https://x.example/[bold]", "404")], console=console)
    text = out.getvalue()
    assert "Crawl summary" in text and "┃ status" in text and "100 links in 50s" in text
    assert "https://x.example/[bold]" in text


@pytest.mark.parametrize(("seconds", "text"), [(0, "0s"), (42.4, "42s"), (185, "3m05s"), (3720, "1h02m")])
def test_format_duration(seconds, text):
    """Durations are short: seconds, then minutes and seconds, then hours and minutes."""
    assert format_duration(seconds) == text
