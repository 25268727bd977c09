"""broken-links.md and broken-links.json from fixture snapshots (golden files)."""

from __future__ import annotations

import json

import snapshot_factory as f

from crawler.render.broken import classify, render_broken_json, render_broken_markdown


def test_broken_markdown_matches_golden():
    """Day 2: a confirmed broken link grouped by entry, a move with its new home, an unverified link with why."""
    assert_text = render_broken_markdown(f.snapshot(2, f.snapshot(1)), confirm_after=2)
    f.assert_golden("broken-links.md", assert_text)


def test_broken_json_matches_golden():
    """The JSON twin of broken-links.md is deterministic and matches its golden file."""
    f.assert_golden("broken-links.json", render_broken_json(f.snapshot(2, f.snapshot(1)), confirm_after=2))


def test_first_failure_is_kept_apart_until_confirmed():
    """On its first failing run a link is 'failing for the first time', not broken; on the second it is confirmed."""
    first, second, third = f.three_runs()
    day1 = classify(first, confirm_after=2)
    assert [link.url for _, link in day1.newly_failing] == ["https://github.com/Kent0n-Li/ChatDoctor"] * 2
    assert day1.broken == []
    day2 = classify(second, confirm_after=2)
    assert len(day2.broken) == 2 and day2.newly_failing == []
    assert classify(third, confirm_after=2).broken == []
    assert len(classify(first, confirm_after=1).broken) == 2
    data = json.loads(render_broken_json(first, confirm_after=3))
    assert data["confirm_after"] == 3 and len(data["newly_failing"]) == 2 and data["broken"] == []


def test_empty_groups_say_none():
    """A group with nothing in it says 'None.' instead of printing an empty table."""
    text = render_broken_markdown(f.snapshot(3, f.snapshot(2)))
    assert "## Broken (0)\n\nFailing 2 runs in a row or more: fix or remove these in the registry.\n\nNone." in text
