"""registry.yaml against the seed leaderboard: every row and every (cleaned) URL is there, nothing added.

The seed is parsed here independently of crawler.importer (plain split on '|', a URL regex that
stops at brackets), so that a bug in the importer cannot hide a missing row or URL.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from crawler.models import Entry, LinkKind
from crawler.registry import load_registry

ROOT = Path(__file__).resolve().parent.parent
SEED = Path(__file__).resolve().parent / "data" / "000_307d9464d25e679f.txt"
SHARED_SEED = Path("/work/shared/seed/000_307d9464d25e679f.txt")
URL = re.compile(r"https?://[^\s|()\[\]]+")  # brackets never occur inside the seed's URLs
BARE_URL = re.compile(r"(?<!\]\()https?://\S+")  # a URL not inside [text](...), up to whitespace

SEED_TEXT = SEED.read_text(encoding="utf-8")
LINES = SEED_TEXT.splitlines()
HEADER = next(i for i, line in enumerate(LINES) if line.startswith("|"))
ROWS = [[c.strip() for c in line.strip().strip("|").split("|")] for line in LINES[HEADER + 2 :] if line.startswith("|")]
REGISTRY = load_registry(ROOT / "registry.yaml").registry
ENTRIES = REGISTRY.entries


def _plain(cell: str) -> str:
    return re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", cell)


def _row_pairs() -> list[tuple[list[str], Entry]]:
    return list(zip(ROWS, ENTRIES, strict=True))


def test_seed_copy_matches_the_shared_seed():
    """tests/data holds the seed byte for byte (checked where the shared copy exists)."""
    if not SHARED_SEED.exists():
        pytest.skip("the shared seed is not on this machine")
    assert SEED.read_bytes() == SHARED_SEED.read_bytes()


def test_every_seed_row_is_an_entry_in_order():
    """The seed's 23 rows are the registry's 23 entries, in the seed's order, names as written."""
    assert len(ROWS) == 23
    assert len(ENTRIES) == 23
    for cells, entry in _row_pairs():
        name_cell = _plain(cells[0])
        assert name_cell.startswith(entry.name), (entry.id, name_cell)
        if entry.description is not None:
            assert name_cell.endswith(entry.description), entry.id
        for alias in entry.aliases:
            assert alias in name_cell or entry.duplicate_of or any(alias in e.name for e in ENTRIES), alias


def test_training_data_is_the_seed_text_verbatim():
    """training_data is the seed's training-data cell exactly (None where the cell is empty)."""
    for cells, entry in _row_pairs():
        assert entry.training_data == (cells[2] or None), entry.id


def test_every_cleaned_seed_url_is_in_the_registry_and_nothing_else():
    """The registry's URLs are exactly the seed's URLs, cleaned of Markdown debris."""
    seed_urls = set(URL.findall(SEED_TEXT))
    assert len(seed_urls) == 29
    assert seed_urls == set(REGISTRY.unique_urls())


def test_each_row_cites_exactly_its_own_urls():
    """Per row, the entry's links are the URLs written in that row, no more, no fewer."""
    for cells, entry in _row_pairs():
        assert {link.url for link in entry.links} == set(URL.findall("|".join(cells))), entry.id


def test_links_sit_in_the_column_the_seed_puts_them():
    """Code-column URLs are code kinds, data-column URLs are data kinds, training-text URLs are references."""
    for cells, entry in _row_pairs():
        code = {lk.url for lk in entry.links if not lk.kind.is_data and lk.kind is not LinkKind.REFERENCE}
        data = {lk.url for lk in entry.links if lk.kind.is_data}
        refs = {lk.url for lk in entry.links if lk.kind is LinkKind.REFERENCE}
        assert set(URL.findall(cells[1])) <= code, entry.id
        assert set(URL.findall(cells[3])) <= data, entry.id
        assert set(URL.findall(cells[2])) == refs, entry.id


def test_only_the_stray_parenthesis_was_corrected_and_it_is_commented():
    """The one URL written with debris is cleaned, and registry.yaml says so in a '# corrected:' comment."""
    stray = [raw for raw in BARE_URL.findall(SEED_TEXT) if URL.fullmatch(raw) is None]
    assert stray == ["https://github.com/Facico/Chinese-Vicuna/blob/master/docs/performance-medical.md)"]
    text = (ROOT / "registry.yaml").read_text(encoding="utf-8")
    comment = next(line for line in text.splitlines() if line.strip().startswith("# corrected:"))
    assert stray[0] in comment


def test_source_info_keeps_front_matter_and_headers():
    """source: holds the seed's file name, title, verbatim front matter and the four headers."""
    source = REGISTRY.source
    assert source is not None
    assert source.file == SEED.name
    assert source.front_matter == "\n".join(LINES[: LINES.index("+++", 1) + 1]) + "\n"
    assert source.title == "医学大模型训练用语料库榜单"
    assert source.columns == [c.strip() for c in LINES[HEADER].strip().strip("|").split("|")]


def test_seed_quirks_are_explicit():
    """Duplicates, aliases, the misattributed data link and verbatim labels are recorded as such."""
    by_id = {e.id: e for e in ENTRIES}
    assert by_id["openbiomed-pharmolix"].duplicate_of == "openbiomed"
    assert "renamed" in (by_id["openbiomed-pharmolix"].notes or "")
    assert by_id["med-chatglm"].duplicate_of == "chatglm-6b-med"
    assert by_id["bentsao"].duplicate_of == "huatuo"
    assert "BenTsao" in by_id["huatuo"].aliases and "本草Huatuo" in by_id["bentsao"].aliases
    (medpalm_link,) = by_id["medpalm"].links
    assert "another project" in (medpalm_link.note or "")
    for ident in ("chatdoctor", "nhs-llm"):
        kinds = sorted(lk.kind.value for lk in by_id[ident].links)
        assert kinds == ["data", "repository"] and len({lk.url for lk in by_id[ident].links}) == 1
    labels = {lk.label for e in ENTRIES for lk in e.links if lk.label}
    assert {"CMeKG知识图谱", "CMD.中文医疗对话数据集", "hinese medical dialogue data 中文医疗问答数据集"} <= labels
    assert "HearlthcareMagic" in (by_id["doctorglm"].notes or "")
    (ref,) = [lk for lk in by_id["openbiomed"].links if lk.kind is LinkKind.REFERENCE]
    assert ref.url == "https://github.com/allenai/s2orc/blob/master/README.md"
    assert all(by_id[i].links == [] for i in ("med-palm2", "ernie-bot", "chunyu-huiwen", "medgpt", "bentsao"))


def test_registry_yaml_keeps_entries_in_seed_order_and_empty_link_lists():
    """Rows without links are written as 'links: []' rather than left out."""
    raw = yaml.safe_load((ROOT / "registry.yaml").read_text(encoding="utf-8"))
    assert all("links" in entry for entry in raw["entries"])
