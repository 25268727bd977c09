"""changes.md between fixture snapshots (golden files) and the change rules behind it."""

from __future__ import annotations

import snapshot_factory as f

from crawler.render.changes import compute_changes, render_changes


def test_changes_day3_matches_golden():
    """Day 2 ► 3: a recovery, a licence change, star gains in order."""
    _, second, third = f.three_runs()
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


def test_corpus_changes_day2_and_day3_match_golden():
    """Corpus fixture: a newer Zenodo version (day 2); access, licence and size of an HF dataset, a removed record,
    HF downloads (day 3); the stale repository's numbers are never compared."""
    first, second, third = f.three_runs(corpus=True)
    f.assert_golden("changes-corpus.md", render_changes(second, first) + "\n" + render_changes(third, second))
    text = render_changes(third, second)
    assert "access open → gated" in text and "licence openrail → cc-by-nc-4.0" in text
    assert "size 1.2 GB → 1.5 GB" in text and "record removed by the host" in text
    assert "| huggingface.co/axiong/pmc\\_oa | 1,500 (+266) | 30 |" in text
    assert "SCIR-HI/Med-ChatGLM" not in text  # stale: carried over, not refreshed
    assert "newer version 2.0 published" in render_changes(second, first)


def test_small_size_changes_are_not_reported():
    """A size change of 10% or less is noise, not news."""
    from crawler.render.changes import _corpus_changes

    _, second, _ = f.three_runs(corpus=True)
    now = next(link for _, link in second.links() if link.url.endswith("pmc_oa"))
    was = now.model_copy(deep=True)
    was.meta.size_bytes = int(now.meta.size_bytes / 1.09)
    assert _corpus_changes(now, was) == []
    was.meta.size_bytes = int(now.meta.size_bytes / 1.2)
    assert _corpus_changes(now, was) == ["size 1.0 GB → 1.2 GB"]


def test_licence_is_not_reported_gone_when_the_host_no_longer_shows_the_record():
    """A record that turned restricted (unverified, no licence field) reports its access change, not 'licence → none'."""
    from crawler.models import Access, LinkStatus
    from crawler.render.changes import _corpus_changes

    _, second, _ = f.three_runs(corpus=True)
    was = next(link for _, link in second.links() if link.url.endswith("pmc_oa"))
    now = was.model_copy(deep=True)
    now.result.status, now.meta.access, now.meta.license = LinkStatus.UNVERIFIED, Access.RESTRICTED, None
    assert _corpus_changes(now, was) == [f"access {was.meta.access.value} → restricted"]
    now.result.status = LinkStatus.OK  # a full answer without a licence: the licence was taken off
    assert f"licence {was.meta.license} → none" in _corpus_changes(now, was)


def test_edited_url_is_paired_by_entry_and_kind():
    """A URL replaced in the registry reads old → new under its entry; a URL merely added is not an edit."""
    from crawler.models import Registry

    text = f.REGISTRY_YAML_BLOCK.replace(
        "https://github.com/thoppe/The-Pile-PubMed", "https://github.com/thoppe/The-Pile-PubMed-v2"
    ).replace(
        "      - url: https://github.com/SCIR-HI/Huatuo-Llama-Med-Chinese/tree/main/data\n",
        "      - url: https://example.org/huatuo-extra\n        kind: blog\n"
        "      - url: https://github.com/SCIR-HI/Huatuo-Llama-Med-Chinese/tree/main/data\n",
    )
    from crawler.snapshot import build_snapshot, sha256_hex

    first = f.snapshot(1)
    second = build_snapshot(
        Registry.model_validate(__import__("yaml").safe_load(text)),
        registry_path="registry.yaml",
        registry_sha256=sha256_hex(text),
        outcomes=f.outcomes(2),
        previous=first,
        now=f.day(2),
        tool_version="0.1.0",
    )
    changes = compute_changes(second, first)
    assert [(e.id, kind, old, new) for e, kind, old, new in changes.edited] == [
        (
            "biomedlm",
            "data",
            "https://github.com/thoppe/The-Pile-PubMed",
            "https://github.com/thoppe/The-Pile-PubMed-v2",
        )
    ]
    assert (
        "- BioMedLM (`biomedlm`), data: https://github.com/thoppe/The-Pile-PubMed → "
        "https://github.com/thoppe/The-Pile-PubMed-v2" in render_changes(second, first)
    )


def test_moves_to_and_from_unverified_and_new_causes():
    """ok → unverified and unverified → ok are reported with the reason; a failing link's new cause is reported."""
    first, second, _ = f.three_runs()
    tianchi = "https://tianchi.aliyun.com/dataset/90163"
    was = first.model_copy(deep=True)
    for _, link in was.links():
        if link.url == tianchi:
            link.result.status = f.LinkStatus.OK
    changes = compute_changes(second, was)
    assert [(link.url, old.result.status.value) for link, old, _ in changes.unverified_moves] == [(tianchi, "ok")]
    assert "ok → unverified: Anti-bot page" in render_changes(second, was)
    back = compute_changes(was, second)
    assert [link.result.status.value for link, _, _ in back.unverified_moves] == ["ok"]
    third = second.model_copy(deep=True)
    for _, link in third.links():
        if link.url == tianchi:
            link.result.cause = "rate-limited"
    assert [link.url for link, _, _ in compute_changes(third, second).cause_changes] == [tianchi]


def test_a_repository_licence_change_is_reported_once():
    """A GitHub repository whose licence changed (in its metadata and its link's meta) is listed under Licence
    changes only, not a second time as a corpus change."""
    from crawler.models import LinkMeta

    first, second, _ = f.three_runs()
    after = second.model_copy(deep=True)
    link = next(link for _, link in after.links() if link.github is not None and not link.github.stale)
    before = next(lk for _, lk in first.model_copy(deep=True).links() if lk.url == link.url)
    assert before.github is not None
    before.github.license, link.github.license = "MIT", "Apache-2.0"
    at = after.generated_at
    before.meta = LinkMeta(source="github", license="MIT", fetched_at=at)
    link.meta = LinkMeta(source="github", license="Apache-2.0", fetched_at=at)
    previous = first.model_copy(deep=True)
    for _, lk in previous.links():
        if lk.url == link.url:
            lk.github, lk.meta = before.github, before.meta
    changes = compute_changes(after, previous)
    assert (link.github.full_name, "MIT", "Apache-2.0") in changes.licence_changes
    assert not [what for lk, _, what in changes.corpus if lk.url == link.url and what.startswith("licence")]
