"""broken-links.md and broken-links.json from fixture snapshots (golden files)."""

from __future__ import annotations

import json
import re

import snapshot_factory as f

from crawler.render.broken import classify, render_broken_json, render_broken_markdown

DOCTOR = "https://github.com/Kent0n-Li/ChatDoctor"


def test_broken_markdown_matches_golden():
    """Day 2: a confirmed broken link once with its entries, a move with its new home, an unverified link with why."""
    assert_text = render_broken_markdown(f.snapshot(2, f.snapshot(1)), confirm_after=2)
    f.assert_golden("broken-links.md", assert_text)


def test_broken_json_matches_golden():
    """The JSON twin of broken-links.md is deterministic and matches its golden file."""
    f.assert_golden("broken-links.json", render_broken_json(f.snapshot(2, f.snapshot(1)), confirm_after=2))


def test_corpus_markdown_matches_golden():
    """Day 2 of the corpus fixture: archived copy, Tianchi said once without alarm, a refused loopback link."""
    _, second, _ = f.three_runs(corpus=True)
    f.assert_golden("broken-links-corpus.md", render_broken_markdown(second, confirm_after=2))


def test_first_failure_is_kept_apart_until_confirmed():
    """On its first failing run a link is 'failing, not yet confirmed', not broken; on the second it is confirmed."""
    first, second, third = f.three_runs()
    day1 = classify(first, confirm_after=2)
    assert [c.url for c in day1.newly_failing] == [DOCTOR]
    assert day1.confirmed == []
    day2 = classify(second, confirm_after=2)
    assert [c.url for c in day2.confirmed] == [DOCTOR] and day2.newly_failing == []
    assert classify(third, confirm_after=2).confirmed == []
    assert len(classify(first, confirm_after=1).confirmed) == 1
    data = json.loads(render_broken_json(first, confirm_after=3))
    assert data["confirm_after"] == 3 and len(data["newly_failing"]) == 1 and data["broken"] == []


def test_header_and_section_counts_agree():
    """The header's broken count equals the sum of the broken sections: one unique URL, cited twice, counts once."""
    text = render_broken_markdown(f.snapshot(2, f.snapshot(1)))
    header = re.search(r"(\d+) broken", text.splitlines()[2])
    sections = [int(n) for n in re.findall(r"^## (?:Broken|Failing, not yet confirmed) \((\d+)\)$", text, re.MULTILINE)]
    assert header is not None and int(header.group(1)) == sum(sections) == 1
    assert text.count(f"| {DOCTOR} |") == 1  # cited as repository and data: one row naming both kinds
    assert "| repository, data |" in text


def test_archived_copy_unverifiable_and_refused_are_shown():
    """A broken link shows its archived copy; Tianchi reads 'login required'; a refused link says why."""
    _, second, _ = f.three_runs(corpus=True)
    text = render_broken_markdown(second)
    assert f"archived copy of 2023-03-02: {f.ARCHIVED_COPY}" in text
    assert "## Login required, existence not verifiable (1)" in text and "## Unverified (0)" in text
    assert "## Refused by the address guard (1)" in text and "a loopback address" in text
    data = json.loads(render_broken_json(second))
    assert data["broken"][0]["archive"]["source"] == "wayback"
    assert data["refused"][0]["cause"] == "private-address"
    assert [e["id"] for e in data["broken"][0]["entries"]] == ["chatdoctor"]


def test_empty_groups_say_none():
    """A group with nothing in it says 'None.' instead of printing an empty table."""
    text = render_broken_markdown(f.snapshot(3, f.snapshot(2)))
    assert "## Broken (0)\n\nFailing 2 runs in a row or more: fix or remove these in the registry" in text
    assert "None." in text
