"""registry.enriched.yaml: the registry as written, each link's status and metadata added (golden files)."""

from __future__ import annotations

import snapshot_factory as f
import yaml

from crawler.render.enriched import render_enriched_yaml
from crawler.snapshot import build_snapshot


def test_enriched_in_place_matches_golden():
    """The registry text keeps its comments and layout; each link gains a crawl: block."""
    text = render_enriched_yaml(f.snapshot(2, f.snapshot(1)), f.REGISTRY_YAML_BLOCK)
    f.assert_golden("registry.enriched.yaml", text)
    assert "      # the data lives in someone else's repository\n" in text
    assert 'label: "Pile | PubMed"' in text  # the author's quoting, untouched


def test_enriched_rebuilt_matches_golden():
    """Without registry text the enriched file is rebuilt from the snapshot alone."""
    f.assert_golden("registry.enriched.rebuilt.yaml", render_enriched_yaml(f.snapshot(2, f.snapshot(1)), None))


def test_enriched_is_the_registry_plus_crawl_blocks():
    """Dropping every crawl: block from the enriched file gives back the registry's data exactly."""
    snap = f.snapshot(2, f.snapshot(1))
    for registry_text in (f.REGISTRY_YAML_BLOCK, f.REGISTRY_YAML, None):
        data = yaml.safe_load(render_enriched_yaml(snap, registry_text))
        statuses = []
        for entry in data["entries"]:
            for link in entry.get("links", []):
                statuses.append(link.pop("crawl")["status"])
        assert data == yaml.safe_load(f.REGISTRY_YAML_BLOCK)
        assert statuses == [link.result.status.value for _, link in snap.links()]


def test_registry_that_changed_since_the_snapshot_is_rebuilt():
    """If the registry text no longer matches the snapshot (a link added), the file is rebuilt, not misaligned."""
    changed = f.REGISTRY_YAML_BLOCK.replace(
        "        kind: blog\n", "        kind: blog\n      - url: https://example.org/new\n        kind: docs\n"
    )
    text = render_enriched_yaml(f.snapshot(1), changed)
    assert "example.org/new" not in text and "# Fixture registry" not in text


def test_entries_without_links_keep_the_file_annotated_in_place():
    """An entry written `links: []` (nothing to annotate) does not force a rebuild."""
    text = f.REGISTRY_YAML_BLOCK + "  - id: med-palm2\n    name: Med-PaLM2\n    links: []\n"
    snap = build_snapshot(
        f.registry(text),
        registry_path="registry.yaml",
        registry_sha256="0" * 64,
        outcomes=f.outcomes(1),
        previous=None,
        now=f.day(1),
        tool_version="0.1.0",
    )
    enriched = render_enriched_yaml(snap, text)
    assert "# Fixture registry" in enriched and enriched.endswith("    links: []\n")


def test_enriched_carries_cause_corpus_metadata_and_archive():
    """Each link's crawl: block holds its cause, the host-neutral meta (access, size) and any archived copy."""
    _, second, _ = f.three_runs(corpus=True)
    data = yaml.safe_load(render_enriched_yaml(second, f.CORPUS_YAML))
    links = {link["url"]: link["crawl"] for e in data["entries"] for link in e["links"]}
    assert links["https://tianchi.aliyun.com/dataset/90163"]["cause"] == "unverifiable-host"
    assert links["https://huggingface.co/datasets/axiong/pmc_oa"]["meta"]["size_bytes"] == 1_234_000_000
    assert links["https://huggingface.co/datasets/axiong/pmc_oa"]["meta"]["access"] == "open"
    assert links["https://github.com/Kent0n-Li/ChatDoctor"]["archive"]["captured_at"] == "2023-03-02T08:00:00Z"
