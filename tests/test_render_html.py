"""index.html: self-contained, escaped, with sparklines from history (golden file)."""

from __future__ import annotations

from datetime import date

import snapshot_factory as f

from crawler.models import LinkStatus
from crawler.render.html import licence_options, render_index_html, sparkline_svg


def test_index_html_matches_golden():
    """Day 3's page with days 1-2 as history matches its golden file."""
    first, second, third = f.three_runs()
    f.assert_golden("index.html", render_index_html(third, [first, second]))


def test_page_is_self_contained():
    """No external resource: no http(s) src/href in link or script tags, and a CSP forbidding the network."""
    html = render_index_html(f.snapshot(1))
    assert "default-src 'none'" in html
    for needle in ("<link ", 'src="http', "@import", "url(http", "<iframe"):
        assert needle not in html


def test_sparklines_come_from_history():
    """A repository with stars on three days gets a three-point sparkline; without history there is none."""
    first, second, third = f.three_runs()
    html = render_index_html(third, [first, second])
    assert "Stars: 4,100 on 2024-01-01, 4,900 on 2024-01-03" in html
    assert "<svg" not in render_index_html(first)


def test_sparkline_geometry():
    """Points spread by day across the width, highest value at the top; one point draws nothing."""
    svg = sparkline_svg([(date(2024, 1, 1), 10), (date(2024, 1, 3), 30), (date(2024, 1, 5), 20)])
    assert 'points="2.0,22.0 48.0,2.0 94.0,12.0"' in svg
    assert str(sparkline_svg([(date(2024, 1, 1), 10)])) == ""
    assert 'points="2.0,12.0 94.0,12.0"' in sparkline_svg([(date(2024, 1, 1), 5), (date(2024, 1, 2), 5)])


def test_rows_carry_sort_and_filter_data():
    """Each entry is a row with its statuses and numeric star key; rows without stars sort as -1."""
    html = render_index_html(f.snapshot(1))
    assert html.count('<tr id="entry-') == len(f.registry().entries)
    assert '<tr id="entry-chatdoctor" data-statuses="broken" data-health="broken" data-access="unknown"' in html
    assert '<td class="num stars" data-sort="-1"></td>' in html


def test_corpus_page_matches_golden():
    """Day 2 of the corpus fixture: corpus columns, HF numbers, archived copy, stale markers, notes."""
    first, second, _ = f.three_runs(corpus=True)
    f.assert_golden("index-corpus.html", render_index_html(second, [first]))


def test_counts_in_the_page_are_unique_urls():
    """The page's status boxes count unique URLs (ChatDoctor's URL is cited twice and counts once)."""
    html = render_index_html(f.snapshot(2, f.snapshot(1)))
    assert '<li class="st-broken" data-status="broken">❌ <b>1</b> broken</li>' in html
    assert "9 unique links" in html


def test_unverifiable_host_is_said_once_and_never_ticked():
    """A Tianchi link reads 'login required, existence not verifiable' with a lock, and one note says why."""
    _, second, _ = f.three_runs(corpus=True)
    html = render_index_html(second)
    assert html.count("on hosts that show the same page for any id without a login") == 1
    row = html[html.index('id="entry-med-chatglm"') : html.index('id="entry-med-chatglm-again"')]
    assert "🔒" in row and "login required, existence not verifiable" in row
    assert '<span class="access ac-login"' in row


def test_a_broken_link_reads_gone_only_once_confirmed():
    """Failing for the first time reads 'failing since DATE, not yet confirmed' (as broken-links.md keeps it apart);
    after confirm_after failing runs in a row it reads 'gone'."""
    first = f.snapshot(1)
    snap = first.model_copy(deep=True)
    link = next(lk for _, lk in snap.links())
    link.result = link.result.model_copy(update={"status": LinkStatus.BROKEN, "reason": "Not Found"})
    link.consecutive_failures, link.failing_since = 1, date(2024, 1, 1)
    assert "failing since 2024-01-01, not yet confirmed" in render_index_html(snap)
    assert '<span class="note gone">gone</span>' in render_index_html(snap, confirm_after=1)


def test_licence_options_do_not_depend_on_the_order_they_are_met_in():
    """Licences differing only in case (GitHub's Apache-2.0, a Hub tag's apache-2.0) get one fixed order."""
    met = ["mit", "apache-2.0", "Apache-2.0", "MIT", "cc-by-4.0", "apache-2.0"]
    expected = ["Apache-2.0", "apache-2.0", "cc-by-4.0", "MIT", "mit"]
    assert licence_options(met) == licence_options(reversed(met)) == expected
