"""Progress display and closing summary: plain lines off a terminal, rich on one, nothing when quiet."""

from __future__ import annotations

import io
import logging
from datetime import UTC, datetime

import pytest
from rich.console import Console

from crawler.models import LinkResult, LinkStatus
from crawler.progress import format_duration, make_progress
from crawler.summary import render_summary


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
    """Closing mid-crawl (Ctrl-C) shows how far it got; one result is too little for an ETA."""
    clock, out = FakeClock(), NotATty()
    progress = make_progress(stream=out, quiet=False, interval=60.0, clock=clock)
    progress.start(10)
    clock.now += 2
    progress.advance(result(LinkStatus.UNVERIFIED))
    progress.close()
    assert out.getvalue().splitlines()[-1] == "crawl: 1/10 (10%) | unverified 1 | 0.5 links/s"


def test_eta_follows_the_recent_rate_when_the_crawl_slows_down():
    """Fast links first, then a slow host: the ETA uses the last 30 seconds' rate, not the optimistic average."""
    clock, out = FakeClock(), NotATty()
    progress = make_progress(stream=out, quiet=False, interval=1000.0, clock=clock)
    progress.start(200)
    for _ in range(100):  # 100 links in 10 s
        clock.now += 0.1
        progress.advance(result())
    for _ in range(10):  # then one every 6 s for 60 s
        clock.now += 6
        progress.advance(result())
    progress.close()
    line = out.getvalue().splitlines()[-1]
    # overall 110/70 s = 1.6/s would promise 57 s for 90 left; the recent 1/6 s rate says 9 minutes.
    assert line.endswith("| 1.6 links/s | ETA 9m00s")


def test_no_eta_until_enough_samples():
    """No ETA before 10 results and 3 seconds: a first burst of cached answers promises nothing."""
    clock, out = FakeClock(), NotATty()
    progress = make_progress(stream=out, quiet=False, interval=0.0, clock=clock)
    progress.start(1000)
    for _ in range(9):
        clock.now += 0.01
        progress.advance(result())
    assert "ETA" not in out.getvalue()


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
    assert lines[9:11] == ["  https://gone.example/0", "    404 Not Found"]
    assert lines[-1] == "  ... and 2 more: see reports/broken-links.md"


def test_summary_lists_a_url_cited_twice_once_with_its_entries():
    """The summary's broken count and list agree: one URL cited by two entries is one line naming both."""
    import snapshot_factory as f

    from crawler.summary import broken_lines

    snap = f.snapshot(2, f.snapshot(1))
    lines = broken_lines(snap)
    assert lines == [("https://github.com/Kent0n-Li/ChatDoctor", "Not found (HTTP 404) | <b>gone</b>", ["ChatDoctor"])]
    out = NotATty()
    twice = [("https://x.org/", "404", ["A"]), ("https://x.org/", "404", ["B"])]
    render_summary({LinkStatus.BROKEN: 1}, stream=out, elapsed=1, broken=twice)
    text = out.getvalue()
    assert "broken links (1):" in text and text.count("https://x.org/") == 1 and "404 (A, B)" in text


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


LONG_URL = "https://github.com/some-organisation/a-rather-long-repository-name/tree/main/data/subfolder/file.jsonl"


@pytest.mark.parametrize("width", [80, 120])
def test_live_display_fits_the_width_and_leaves_one_line(width):
    """At 80 and 120 columns: no line wider than the terminal, counts on their own line, and after close
    the bar is erased and one plain line remains (also when interrupted half-way)."""
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=width, color_system=None, legacy_windows=False)
    clock = FakeClock()
    progress = make_progress(stream=out, quiet=False, clock=clock, console=console)
    progress.start(4120)
    for i in range(2000):
        clock.now += 0.01
        status = [LinkStatus.OK, LinkStatus.REDIRECTED, LinkStatus.BROKEN, LinkStatus.UNVERIFIED, LinkStatus.SKIPPED]
        progress.advance(result(status[i % 5]))
    progress.rich.refresh()  # type: ignore[attr-defined]
    frame = out.getvalue()
    progress.close()  # as after Ctrl-C: 2000 of 4120
    visible = [ln for ln in _screen_lines(frame) if ln.strip()]
    assert all(len(ln) <= width for ln in visible)
    bar = next(ln for ln in visible if "2000/4120" in ln)
    assert "ETA" in bar and "ok 400" not in bar
    assert any(ln.strip().startswith("ok 400  redirected 400  broken 400  unverified 400") for ln in visible)
    tail = out.getvalue()[len(frame) :]
    assert tail.count("stopped after 2000/4120 links") == 1 and "━" not in _strip_ansi(tail).split("stopped")[-1]


@pytest.mark.parametrize("width", [80, 120])
def test_summary_never_splits_a_url(width):
    """A URL longer than the terminal is printed whole on its own line (the terminal wraps it, rich never folds it)."""
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=width, color_system=None)
    broken = [(LONG_URL + "/" + "x" * 40, "Not found (HTTP 404)", ["ChatDoctor", "本草Huatuo"])]
    render_summary({LinkStatus.BROKEN: 1}, stream=out, elapsed=3.0, broken=broken, console=console)
    lines = out.getvalue().splitlines()
    assert "  " + LONG_URL + "/" + "x" * 40 in lines
    assert "Broken links (1)" in lines
    assert "1 link in 3s (0.3 links/s)" in lines  # one line, not wrapped as a table caption
    assert "    Not found (HTTP 404) (ChatDoctor, 本草Huatuo)" in lines


def test_summary_notes_refused_and_login_only_links_calmly():
    """Guard refusals and login-only hosts get one sentence each after the summary, never listed as broken."""
    import snapshot_factory as f

    from crawler.summary import summary_notes

    _, second, _ = f.three_runs(corpus=True)
    notes = summary_notes(second)
    assert notes[0].startswith("1 link not checked: the address guard refused")
    assert (
        notes[1]
        == "1 link on hosts that need a login to tell: login required, existence not verifiable (not an error)."
    )
    out = NotATty()
    render_summary({LinkStatus.SKIPPED: 1}, stream=out, elapsed=1, broken=[], notes=notes)
    assert out.getvalue().endswith(notes[1] + "\n")
    assert summary_notes(f.snapshot(1)) == []


def test_fallback_sentence_explains_in_plain_words():
    """The log line about URLs the APIs could not answer says what happened and what it means."""
    from crawler.pipeline import fallback_sentence

    text = fallback_sentence(3)
    assert text.startswith("3 links could not be looked up through their host's API this run")
    assert "checked as ordinary web pages" in text and "marked stale" in text
    assert fallback_sentence(1).startswith("1 link could not be looked up through its host's API")
    assert "it was checked" in fallback_sentence(1)


def _strip_ansi(text: str) -> str:
    import re

    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)


def _screen_lines(text: str) -> list[str]:
    return _strip_ansi(text.replace("\r", "\n")).split("\n")


@pytest.mark.parametrize(("seconds", "text"), [(0, "0s"), (42.4, "42s"), (185, "3m05s"), (3720, "1h02m")])
def test_format_duration(seconds, text):
    """Durations are short: seconds, then minutes and seconds, then hours and minutes."""
    assert format_duration(seconds) == text


def test_close_not_final_prints_no_tally():
    """close(final=False), as after the network was found down, prints no last count line."""
    clock, out = FakeClock(), NotATty()
    progress = make_progress(stream=out, quiet=False, interval=60.0, clock=clock)
    progress.start(2)
    clock.now += 1
    progress.advance(result(LinkStatus.BROKEN))
    progress.close(final=False)
    assert out.getvalue().splitlines() == ["crawl: checking 2 links"]
