"""Markdown table ► registry YAML: the seed round-trips, URLs are cleaned visibly, kinds and ids follow the rules."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from crawler.errors import RegistryError
from crawler.importer import (
    classify_url,
    clean_url,
    markdown_to_registry_yaml,
    parse_markdown,
    split_cells,
)
from crawler.importer.cells import plain_text
from crawler.models import LinkKind
from crawler.registry import load_registry, parse_registry

ROOT = Path(__file__).resolve().parent.parent
SEED = Path(__file__).resolve().parent / "data" / "000_307d9464d25e679f.txt"
SEED_TEXT = SEED.read_text(encoding="utf-8")
SEED_URLS = set(re.findall(r"https?://[^\s|()\[\]]+", SEED_TEXT))


def _imported():
    registry, _ = parse_registry(markdown_to_registry_yaml(SEED_TEXT, source_file=SEED.name), "imported.yaml")
    return registry


def _table(*rows: str, header: str = "| 模型 | 开源地址 | 所用数据 | 数据下载地址 |") -> str:
    return "\n".join([header, "| --- | --- | --- | --- |", *rows]) + "\n"


# --------------------------------------------------------------------------- the seed


def test_seed_import_finds_every_row_and_link():
    """Importing the seed gives 23 valid entries citing every seed URL (cleaned) and no other."""
    registry = _imported()
    assert len(registry.entries) == 23
    assert set(registry.unique_urls()) == SEED_URLS
    assert sum(len(e.links) for e in registry.entries) == 34


def test_seed_import_matches_the_shipped_registry():
    """Imported names, descriptions, training data and links equal the hand-curated registry.yaml's."""
    shipped = load_registry(ROOT / "registry.yaml").registry
    imported = _imported()
    for got, want in zip(imported.entries, shipped.entries, strict=True):
        assert got.name == want.name
        assert got.description == want.description
        assert got.training_data == want.training_data
        assert [(lk.url, lk.kind, lk.label) for lk in got.links] == [(lk.url, lk.kind, lk.label) for lk in want.links]
    assert imported.source.model_copy(update={"roles": {}}) == shipped.source
    assert imported.source.roles == {"模型": "name", "开源地址": "code", "所用数据": "training", "数据下载地址": "data"}


def test_seed_import_marks_repeated_rows():
    """Rows repeating an earlier name or repository get duplicate_of, aliases both ways for a new name."""
    by_name = {}
    for e in _imported().entries:
        by_name.setdefault(e.name, []).append(e)
    first, second = by_name["OpenBioMed"]
    assert second.duplicate_of == first.id and "BioFM/OpenBioMed" in (second.notes or "")
    (glm,) = by_name["ChatGLM-6B-Med"]
    (med,) = by_name["Med-ChatGLM"]
    assert med.duplicate_of == glm.id
    assert glm.aliases == ["Med-ChatGLM"] and med.aliases == ["ChatGLM-6B-Med"]


def test_seed_import_writes_a_corrected_comment():
    """The URL with a stray ')' is cleaned and a '# corrected:' comment shows what the source wrote."""
    text = markdown_to_registry_yaml(SEED_TEXT, source_file=SEED.name)
    lines = text.splitlines()
    (at,) = [i for i, line in enumerate(lines) if line.strip().startswith("# corrected:")]
    assert "performance-medical.md)" in lines[at]
    cleaned = "https://github.com/Facico/Chinese-Vicuna/blob/master/docs/performance-medical.md"
    assert lines[at + 1].strip() == f"- url: {cleaned}"


def test_seed_import_keeps_name_parts_and_leftover_text():
    """Name cells split into name/description, '（原X）' becomes an alias, text without a URL becomes a note."""
    by_name = {e.name: e for e in _imported().entries}
    assert by_name["BioMedLM"].aliases == ["PubMed GPT 2.7B"]
    assert by_name["Med-Flamingo"].description == "一种适用于医学领域的多模态少样本学习器"
    assert by_name["Med-Flamingo"].base_model == "OpenFlamingo-9B"
    assert "HearlthcareMagic" in (by_name["DoctorGLM"].notes or "")


def test_chinese_only_names_get_transliteration_free_ids():
    """Mostly-Chinese names take the repository's name or entry-N, never a guessed romanisation."""
    ids = [e.id for e in _imported().entries]
    assert ids[4] == "entry-5"  # 文心一言, no link
    assert ids[8] == "entry-9"  # 春雨慧问, no link
    assert ids[20] == "qizhengpt"  # 网新启真13B, repository CMKRG/QiZhenGPT
    assert ids[7] == "huatuo"  # 本草Huatuo: mostly Latin letters
    assert len(set(ids)) == len(ids)


# --------------------------------------------------------------------------- pieces


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("https://x.org/a)", "https://x.org/a"),
        ("https://x.org/a).", "https://x.org/a"),
        ("https://x.org/a。", "https://x.org/a"),
        ("https://x.org/a,", "https://x.org/a"),
        ("https://en.wikipedia.org/wiki/Foo_(bar)", "https://en.wikipedia.org/wiki/Foo_(bar)"),
        ("https://x.org/a]", "https://x.org/a"),
        ("https://x.org/a", "https://x.org/a"),
    ],
)
def test_clean_url_strips_only_debris(raw, clean):
    """Trailing punctuation and unbalanced closing brackets go; balanced ones stay."""
    assert clean_url(raw) == clean


@pytest.mark.parametrize(
    ("url", "role", "kind"),
    [
        ("https://huggingface.co/datasets/axiong/pmc_oa", "data", LinkKind.DATASET),
        ("https://huggingface.co/datasets/axiong/pmc_oa", "code", LinkKind.DATASET),
        ("https://huggingface.co/stanford-crfm/BioMedLM", "code", LinkKind.MODEL),
        ("https://github.com/x/y", "code", LinkKind.REPOSITORY),
        ("https://github.com/x/y/tree/main/data", "data", LinkKind.DATA),
        ("https://blog.csdn.net/u/article/details/1", "code", LinkKind.BLOG),
        ("https://zhuanlan.zhihu.com/p/1", "data", LinkKind.BLOG),
        ("https://medium.com/@a/b", "code", LinkKind.BLOG),
        ("https://arxiv.org/abs/2305.01526", "code", LinkKind.PAPER),
        ("https://tianchi.aliyun.com/dataset/90163", "data", LinkKind.DATASET),
        ("https://example.org/", "code", LinkKind.HOMEPAGE),
        ("https://github.com/allenai/s2orc", "training", LinkKind.REFERENCE),
    ],
)
def test_classify_url_by_column_and_host(url, role, kind):
    """Kinds follow the host first (HF, blogs, papers), then the column the URL sits in."""
    assert classify_url(url, role) is kind


def test_split_cells_respects_escapes_and_code():
    """Escaped pipes and pipes inside backticks do not split cells."""
    assert split_cells("| a \\| b | `c | d` | e |") == ["a \\| b", "`c | d`", "e"]  # the escape is Markdown's
    assert plain_text("a \\| b") == "a | b"
    assert split_cells("a | b") == ["a", "b"]


def test_labels_come_from_text_before_each_url():
    """The text right before a URL (or a Markdown link's text) is its label; trailing text is noted."""
    md = _table("| M | | | 甲数据https://a.org/1 乙 https://b.org/2 [丙](https://c.org/3) 丁 |")
    (entry,) = parse_markdown(md).entries
    assert [(lk.url, lk.label) for lk in entry.links] == [
        ("https://a.org/1", "甲数据"),
        ("https://b.org/2", "乙"),
        ("https://c.org/3", "丙"),
    ]
    assert entry.notes == "The data column also names '丁' without a URL."


def test_text_that_only_looks_like_a_url_stays_text():
    """A bare 'https://' or a relative Markdown link is not a link; it stays in the text (here: a note)."""
    (entry,) = parse_markdown(_table("| M | | | see https:// and [doc](docs/a.md) |")).entries
    assert entry.links == []
    assert entry.extra == {"数据下载地址": "see https:// and [doc](docs/a.md)"}  # kept, under its header


def test_english_headers_and_column_order_are_recognised():
    """Columns are found by header words, whatever their order."""
    md = _table(
        "| X-1 | https://x.org/d | https://github.com/a/b | trained on things |",
        header="| Model | Download | Code | Training data |",
    )
    (entry,) = parse_markdown(md).entries
    assert entry.training_data == "trained on things"
    assert [(lk.url, lk.kind) for lk in entry.links] == [
        ("https://github.com/a/b", LinkKind.REPOSITORY),
        ("https://x.org/d", LinkKind.DATASET),
    ]


def test_yaml_front_matter_and_heading_titles():
    """YAML front matter gives the title; without front matter a '# heading' does."""
    yaml_fm = parse_markdown("---\ntitle: Board\n---\n\n" + _table("| A | | | |"))
    assert yaml_fm.source.title == "Board"
    assert yaml_fm.source.front_matter == "---\ntitle: Board\n---\n"
    heading = parse_markdown("# My board\n\n" + _table("| A | | | |"))
    assert heading.source.title == "My board" and heading.source.front_matter is None


def test_invalid_front_matter_and_missing_table_are_errors():
    """Broken TOML front matter and text without a table raise RegistryError with a line."""
    with pytest.raises(RegistryError, match=r"^x.md:2: front matter is not valid TOML"):
        parse_markdown("+++\ntitle = \n+++\n" + _table("| A | | | |"), source_file="x.md")
    with pytest.raises(RegistryError, match=r"^x.md:1: no Markdown table found"):
        parse_markdown("just text\n", source_file="x.md")


def test_awkward_strings_round_trip_through_yaml():
    """Values YAML would misread (yes, null, 1.0, '#', ': ', quotes, tags) are quoted so they load back unchanged."""
    names = ["yes", "1.0", "#x", "'q'", '"d"', "null", "@at", "2023-12-20", "~", "*star", "!tag", "%p", "on"]
    md = _table(*[f"| {n} | | | |" for n in names], "| Z a: b #c | | x: 'y' | |")
    registry, _ = parse_registry(markdown_to_registry_yaml(md, source_file=None), "t.yaml")
    assert [e.name for e in registry.entries] == [*names, "Z a: b #c"]  # Latin words: one name, not split
    assert registry.entries[-1].training_data == "x: 'y'"
    assert len({e.id for e in registry.entries}) == len(names) + 1


def test_repeated_names_get_unique_ids():
    """Two rows with the same name get distinct ids and the second is a duplicate."""
    registry, _ = parse_registry(markdown_to_registry_yaml(_table("| Foo | | | |", "| Foo | | | |")), "t.yaml")
    assert [e.id for e in registry.entries] == ["foo", "foo-2"]
    assert registry.entries[1].duplicate_of == "foo"


def test_name_cell_link_is_kept_once():
    """A name cell linking to the row's repository adds no second link; a different URL is kept."""
    md = _table("| [A](https://github.com/a/a) | https://github.com/a/a | | |", "| [B](https://b.org/) | | | |")
    a, b = parse_markdown(md).entries
    assert [lk.url for lk in a.links] == ["https://github.com/a/a"]
    assert [(lk.url, lk.kind) for lk in b.links] == [("https://b.org/", LinkKind.HOMEPAGE)]


def test_output_parses_as_yaml_with_links_lists():
    """Every imported entry has a links list, empty when the row has none."""
    data = yaml.safe_load(markdown_to_registry_yaml(SEED_TEXT, source_file=SEED.name))
    assert all(isinstance(e["links"], list) for e in data["entries"])


# --------------------------------------------------------------------------- CLI


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crawler", *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )


def test_cli_import_to_stdout_and_file(tmp_path):
    """`import FILE.md` prints YAML; with -o it writes a file that validates, refusing to overwrite without --force."""
    out = _cli("import", str(SEED), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert yaml.safe_load(out.stdout)["entries"][0]["name"] == "Med-Flamingo"

    target = tmp_path / "registry.yaml"
    assert _cli("import", str(SEED), "-o", str(target), cwd=tmp_path).returncode == 0
    assert len(load_registry(target).registry.entries) == 23

    again = _cli("import", str(SEED), "-o", str(target), cwd=tmp_path)
    assert again.returncode == 2
    assert "already exists" in again.stderr and "--force" in again.stderr
    assert _cli("import", str(SEED), "-o", str(target), "--force", cwd=tmp_path).returncode == 0


def test_cli_import_errors_are_one_line(tmp_path):
    """A missing input or a file without a table exits 2 with one sentence, no traceback."""
    missing = _cli("import", "nope.md", cwd=tmp_path)
    assert missing.returncode == 2 and "nope.md: no such file" in missing.stderr
    (tmp_path / "plain.md").write_text("no table here\n", encoding="utf-8")
    plain = _cli("import", "plain.md", cwd=tmp_path)
    assert plain.returncode == 2 and "plain.md:1: no Markdown table found" in plain.stderr
    assert "Traceback" not in missing.stderr + plain.stderr


def test_reference_style_links_resolve_in_tables_and_bullets():
    """`[paper][p1]`, `[Name][a]` and the shortcut `[Beta]` resolve with the file's `[ref]: url` definitions,
    as GitHub renders them; a `[Venue, Year]` tag with no definition stays a tag."""
    table = ("| Model | Paper |\n|-|-|\n| A | [paper][p1] |\n| B | [P1] |\n\n"
             "[p1]: https://arxiv.org/abs/2301.00001\n")
    result = parse_markdown(table, source_file="t.md")
    assert [[lk.url for lk in e.links] for e in result.entries] == [["https://arxiv.org/abs/2301.00001"]] * 2
    assert result.problems == []
    bullets = ("# L\n\n## Models\n\n- [Alpha][a] - a model\n- [Beta] - b\n"
               "- [ACL, 2024] **Gamma**: [paper](https://arxiv.org/abs/3)\n\n"
               "[a]: https://github.com/o/alpha\n[beta]: https://huggingface.co/o/beta\n")
    items = parse_markdown(bullets, source_file="b.md").entries
    assert [(e.name, [lk.url for lk in e.links]) for e in items] == [
        ("Alpha", ["https://github.com/o/alpha"]),
        ("Beta", ["https://huggingface.co/o/beta"]),
        ("Gamma", ["https://arxiv.org/abs/3"]),
    ]
    assert items[2].extra == {"Tag": "ACL, 2024"}


def test_a_badge_linking_to_the_code_link_is_not_a_second_link():
    """A stars badge `[![stars](shields)](repo)` in another column is the same repository link: kept once."""
    badge = "[![s](https://img.shields.io/github/stars/o/c)](https://github.com/o/c)"
    text = f"| Model | Code | Stars |\n|-|-|-|\n| C | <https://github.com/o/c> | {badge} |\n"
    entry = parse_markdown(text, source_file="t.md").entries[0]
    assert [(lk.url, lk.column) for lk in entry.links] == [("https://github.com/o/c", "Code")]


@pytest.mark.parametrize("header", ["Dataset", "数据集", "Training corpus"])
def test_a_dataset_column_of_a_model_table_is_its_data_column(header):
    """Beside the model-name column, a 'Dataset' / '数据集' column of links is the data column (its GitHub links
    are data links, shown with corpus health), not a second name demoted to an extra field."""
    text = (f"| Model | {header} | Code |\n|-|-|-|\n"
            "| A | [MedQA](https://github.com/jind11/MedQA) | https://github.com/a/a |\n")
    result = parse_markdown(text, source_file="t.md")
    assert result.source.roles[header] == "data"
    medqa = next(lk for lk in result.entries[0].links if "MedQA" in lk.url)
    assert medqa.kind.value == "data" and medqa.column == header


@pytest.mark.parametrize(
    "value",
    ["M1", "No", "on", "Yes", "e5", "A (B)", "a/b", "https://github.com/o/r", "https://x.org/a:", "True", "null",
     "https://x.org/?q=1&b=2#frag", "https://a.b/{x}", "Med-PaLM 2", "v1.0", "A-", "e.g. this", "2023-05", "~"],
)
def test_plain_scalars_written_without_the_parser_read_back_unchanged(value):
    """The output's fast path for URLs and plain words never writes a scalar YAML would read differently."""
    from crawler.importer.output import _scalar

    assert yaml.safe_load(f"k: {_scalar(value)}") == {"k": value}


def test_a_big_table_imports_every_row():
    """1,000 rows import with all 3,000 links (no list markers and no reference definitions: no full parse)."""
    rows = "".join(f"| M{i} | [c](https://github.com/o/r{i}) | [w](https://huggingface.co/o/m{i}) | "
                   f"[p](https://arxiv.org/abs/{i}) |\n" for i in range(1000))
    result = parse_markdown("| Model | Code | Weights | Paper |\n|-|-|-|-|\n" + rows, source_file="big.md")
    assert len(result.entries) == 1000 and sum(len(e.links) for e in result.entries) == 3000


def test_a_leading_paper_link_does_not_name_a_bulleted_item():
    """`* [[Paper]](url) **X-Model**: title` is X-Model (the [Paper] link says its kind); `- [Name](url)` stays Name."""
    text = ("# T\n\n## Models\n\n* [[Paper]](https://arxiv.org/abs/1) **X-Model**: a title\n"
            "- [Code](https://github.com/o/c) Y-Model - desc\n- [Zeta](https://github.com/o/z) - desc\n")
    entries = parse_markdown(text, source_file="b.md").entries
    assert [(e.name, e.description) for e in entries] == [("X-Model", "a title"), ("Y-Model", "desc"), ("Zeta", "desc")]
    assert entries[0].links[0].kind.value == "paper" and entries[0].links[0].label == "Paper"
