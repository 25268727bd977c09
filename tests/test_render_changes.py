"""changes.md between fixture snapshots (golden files) and the change rules behind it."""

from __future__ import annotations

import snapshot_factory as f

from crawler.render.changes import compute_changes, render_changes


def test_changes_day3_matches_golden():
    """Day 2 ► 3: a recovery, a licence change, star gains in order."""
    first, second, third = f.three_runs()
    f.assert_golden("changes.md", render_changes(third, second))


def test_changes_day2_matches_golden():
    """Day 1 ► 2: a data repository newly archived, star gains."""
    first, second, _ = f.three_runs()
    f.assert_golden("changes-day2.md", render_changes(second, first))


def test_newly_broken_moved_added_and_removed():
    """A link broken now but not before is newly broken; new redirects are moves; entries added/removed by id."""
    first, second, third = f.three_runs()
    before = third.model_copy(update={"entries": third.entries[1:]})  # biomedlm did not exist yet
    after = first.model_copy(update={"entries": first.entries[:-1]})  # the duplicate row was dropped
    changes = compute_changes(after, before)
    assert [link.url for link, _ in changes.newly_broken] == ["https://github.com/Kent0n-Li/ChatDoctor"]
    assert [[e.id for e in entries] for _, entries in changes.newly_broken] == [["chatdoctor"]]
    assert [e.id for e in changes.added] == ["biomedlm"]
    assert [e.id for e in changes.removed] == ["med-chatglm-again"]
    assert compute_changes(second, first).moved == []  # it was already redirected the day before


def test_recovered_names_how_long_it_had_failed():
    """A recovered link says what it was and since when."""
    _, second, third = f.three_runs()
    changes = compute_changes(third, second)
    assert [link.url for link, _, _ in changes.recovered] == ["https://github.com/Kent0n-Li/ChatDoctor"]
    assert "now ok, was broken since 2024-01-01" in render_changes(third, second)


def test_no_previous_and_no_change():
    """The first run says there is nothing to compare; identical snapshots say nothing changed."""
    first = f.snapshot(1)
    assert "First snapshot (2024-01-01T06:00:00Z)" in render_changes(first, None)
    assert render_changes(first, first).endswith("Nothing changed.\n")


def test_star_gains_are_capped_and_per_repository():
    """Star gains list each repository once (even if cited twice), biggest first, at most top_stars."""
    _, second, third = f.three_runs()
    gains = compute_changes(third, second, top_stars=2).star_gains
    assert [name for name, _, _ in gains] == ["SCIR-HI/Huatuo-Llama-Med-Chinese", "stanford-crfm/BioMedLM"]
    assert gains[0][1:] == (4900, 500)
