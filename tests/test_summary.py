"""The closing summary's notes (crawler.summary.note_lines): URLs on lines of their own, words wrapped."""

from __future__ import annotations

from crawler.summary import note_lines


def test_a_note_prints_its_urls_on_lines_of_their_own():
    """A notice naming a URL reads with a footnote mark; the URL (without the sentence's ':' or ')') is on its own
    line, so an 80-column terminal wraps the words, never the URL; a note without a URL is one line."""
    notice = (
        "Software Heritage: 1 of its archive lookups failed (first: https://github.com/org/a-rather-long-name"
        "/tree/main/data: could not connect)."
    )
    assert note_lines(notice) == [
        "note: Software Heritage: 1 of its archive lookups failed (first: [1]: could not connect).",
        "  [1] https://github.com/org/a-rather-long-name/tree/main/data",
    ]
    assert note_lines("GitHub rejected the token.") == ["note: GitHub rejected the token."]
    wiki = "https://en.wikipedia.org/wiki/Foo_(bar)"
    assert note_lines(f"see ({wiki}).")[1] == f"  [1] {wiki}"


def test_a_note_wraps_between_words_at_the_terminal_width():
    """At 80 columns a long note wraps between words, indented, and its URL stays whole on its own line."""
    url = "https://github.com/org/" + "n" * 70
    lines = note_lines(f"the Wayback Machine: 2 of its archive lookups failed (first: {url}: could not connect).", 80)
    assert all(len(line) <= 80 for line in lines[:-1]) and lines[-1] == f"  [1] {url}"
    assert " ".join(line.strip() for line in lines[:-1]).endswith("(first: [1]: could not connect).")
