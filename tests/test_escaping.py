"""Hostile strings from the outside (|, <script>, newlines, backticks) cannot break any report."""

from __future__ import annotations

import re

import pytest
import snapshot_factory as f
import yaml

from crawler.render.broken import render_broken_markdown
from crawler.render.changes import render_changes
from crawler.render.enriched import render_enriched_yaml
from crawler.render.escape import http_url, md_cell, md_literal, md_url, one_line
from crawler.render.html import render_index_html
from crawler.render.leaderboard import render_leaderboard

UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def _hostile_snapshots():
    first, second, third = f.three_runs()
    return first, second, third


def _tables(markdown: str) -> list[list[str]]:
    tables: list[list[str]] = [[]]
    for line in markdown.splitlines():
        if line.startswith("|"):
            tables[-1].append(line)
        elif tables[-1]:
            tables.append([])
    return [t for t in tables if t]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a|b", "a\\|b"),
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("line\nbreak\r\nand\u2028more", "line break and more"),
        ("`code` *em* _u_ [x](y) ~s~", "\\`code\\` \\*em\\* \\_u\\_ \\[x\\](y) \\~s\\~"),
        ("&amp; & AT&T", "&amp;amp; & AT&T"),
        ("back\\slash|", "back\\\\slash\\|"),
    ],
)
def test_md_literal(text, expected):
    """md_literal renders fetched text literally inside a table cell."""
    assert md_literal(text) == expected


def test_md_cell_keeps_the_authors_markdown_but_not_html():
    """md_cell keeps a registry author's [label](url) but escapes pipes, HTML and line breaks."""
    assert md_cell("[S2ORC](https://github.com/allenai/s2orc) | <b>x</b>\nnext") == (
        "[S2ORC](https://github.com/allenai/s2orc) \\| &lt;b&gt;x&lt;/b&gt; next"
    )
    assert md_cell(None) == "" and one_line("  a \t b  ") == "a b"


def test_urls_are_percent_encoded_or_refused():
    """md_url percent-encodes what ends a cell or an autolink; http_url refuses javascript: and friends."""
    assert md_url("https://x.org/a|b<c>`d`[e]") == "https://x.org/a%7Cb%3Cc%3E%60d%60%5Be%5D"
    assert md_url("javascript:alert(1)|") == "javascript:alert(1)\\|"
    assert http_url("javascript:alert(1)") is None and http_url("https://x.org/\nx") is None
    assert http_url("HTTPS://x.org/") == "HTTPS://x.org/" and http_url("https:///nohost") is None


def test_markdown_reports_keep_their_table_shape():
    """Every row of every Markdown table has as many unescaped pipes as its header row."""
    first, second, third = _hostile_snapshots()
    reports = [
        render_broken_markdown(first),
        render_broken_markdown(second),
        render_changes(third, second),
        render_leaderboard(third),
    ]
    for report in reports:
        for table in _tables(report):
            widths = {len(UNESCAPED_PIPE.findall(row)) for row in table}
            assert len(widths) == 1, table


def test_markdown_reports_hold_no_raw_html():
    """No fetched <script>, <img> or <b> survives as a tag in any Markdown report."""
    first, second, third = _hostile_snapshots()
    for report in (render_broken_markdown(second), render_changes(third, second), render_leaderboard(third)):
        assert not re.search(r"<(script|img|b)\b", report), report


def test_html_escapes_every_fetched_string():
    """Descriptions, topics, licences, reasons and redirect targets are text in the page, never markup."""
    first, second, third = _hostile_snapshots()
    html = render_index_html(third, [first, second])
    script_tags = re.findall(r"<script\b", html)
    assert len(script_tags) == 1  # the page's own
    assert "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert 'href="javascript:' not in html
    day2 = render_index_html(second, [first])
    assert "<b>gone" not in day2 and "&lt;b&gt;gone&lt;/b&gt;" in day2
    assert "Huatuo-Llama-Med-Chinese-v2?x=|&lt;script&gt;" in day2  # the redirect target, in a title


def test_enriched_yaml_round_trips_hostile_strings():
    """Hostile strings land in the enriched YAML as data, read back exactly as fetched."""
    snap = f.snapshot(2, f.snapshot(1))
    data = yaml.safe_load(render_enriched_yaml(snap, f.REGISTRY_YAML_BLOCK))
    github = data["entries"][0]["links"][0]["crawl"]["github"]
    assert github["description"] == f.HOSTILE
    assert github["topics"] == ["bio|med", "<img src=x onerror=alert(1)>", "line\nbreak"]
