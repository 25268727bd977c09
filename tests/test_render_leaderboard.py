"""leaderboard.md: the source's table regenerated under its own headers (golden file), with what the crawl learned."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import snapshot_factory as f

from crawler.importer import markdown_to_registry_yaml, parse_markdown
from crawler.models import (
    Access,
    ArchiveCopy,
    GitHubMeta,
    HuggingFaceMeta,
    LinkMeta,
    LinkResult,
    LinkStatus,
    Outcome,
    Snapshot,
    SourceInfo,
)
from crawler.registry import parse_registry
from crawler.render.cells import human_size
from crawler.render.leaderboard import ADDED_COLUMNS, render_leaderboard
from crawler.snapshot import build_snapshot


def test_leaderboard_matches_golden():
    """Day 3's leaderboard: front matter verbatim, Chinese headers, one row per entry, added columns."""
    f.assert_golden("leaderboard.md", render_leaderboard(f.snapshot(3, f.snapshot(2))))


def test_front_matter_and_headers_come_from_the_source():
    """The front matter is the source's, verbatim, and the first four headers are the source's."""
    text = render_leaderboard(f.snapshot(1))
    assert text.startswith(f.FRONT_MATTER + "\n\n")
    header = next(line for line in text.splitlines() if line.startswith("| 模型"))
    assert header == (
        "| 模型 | 开源地址 | 所用数据 | 数据下载地址 | ⭐ Stars | 许可证 License | 最近提交 Last commit"
        " | 数据获取 Data access | 链接状态 Health |"
    )


def test_fallbacks_without_a_source():
    """Without source info: a minimal TOML front matter and the default Chinese headers."""
    snap = f.snapshot(1).model_copy(update={"source": None})
    text = render_leaderboard(snap)
    assert text.startswith("+++\ntitle = \"医学大模型训练用语料库榜单\"\n+++\n")
    assert "| 模型 | 开源地址 | 所用数据 | 数据下载地址 |" in text
    fenceless = snap.model_copy(update={"source": SourceInfo(front_matter="title = 'x'\n", columns=["a", "b"])})
    assert render_leaderboard(fenceless).startswith("+++\ntitle = 'x'\n+++\n\n")


def test_one_row_per_entry_with_columns_in_place():
    """Duplicates keep their row; code and data links land in their columns, data labels before the URL."""
    lines = [l for l in render_leaderboard(f.snapshot(1)).splitlines() if l.startswith("| ")][2:]
    assert len(lines) == len(f.registry().entries)
    biomedlm = lines[0]
    assert biomedlm.startswith("| BioMedLM 用于生物医学文本的特定领域大型语言模型 | https://github.com/stanford-crfm/BioMedLM |")
    assert "| Pile \\| PubMed https://github.com/thoppe/The-Pile-PubMed |" in biomedlm
    assert lines[-1].startswith("| Med-ChatGLM | https://github.com/SCIR-HI/Med-ChatGLM https://blog.csdn.net/")
    assert lines[-1].endswith("| ✅ ⏭️ |")


# --------------------------------------------------------------------------- an imported list


IMPORTED = """\
|**Model Name**|**Backbone**|**Paper**|**Model Weight**|**Data**|**Code**|**Date**|
|:-|:-:|:-:|:-:|:-:|:-:|:-:|
|`HuatuoGPT`|LLaMA|[[arXiv](https://arxiv.org/abs/2305.15075)]|[[HF (7B)](https://huggingface.co/FreedomIntelligence/HuatuoGPT-7B)]|[[HF](https://huggingface.co/datasets/FreedomIntelligence/HuatuoGPT-sft-data-v1)]|[[Github](https://github.com/FreedomIntelligence/HuatuoGPT)]|2023-05|
|`CMD`|-|-|-|[天池](https://tianchi.aliyun.com/dataset/90163) [zenodo](https://zenodo.org/records/1)|-|2023-04|
"""
T = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
EARLIER = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)


def _imported_snapshot() -> Snapshot:
    registry, _ = parse_registry(markdown_to_registry_yaml(IMPORTED, source_file="list.md"), "registry.yaml")

    def res(url: str, status: LinkStatus, **kw) -> LinkResult:
        return LinkResult(url=url, status=status, reason="r", checked_at=T, **kw)

    model = "https://huggingface.co/FreedomIntelligence/HuatuoGPT-7B"
    data = "https://huggingface.co/datasets/FreedomIntelligence/HuatuoGPT-sft-data-v1"
    repo = "https://github.com/FreedomIntelligence/HuatuoGPT"
    tianchi = "https://tianchi.aliyun.com/dataset/90163"
    zenodo = "https://zenodo.org/records/1"
    outcomes = {
        "https://arxiv.org/abs/2305.15075": Outcome(result=res("https://arxiv.org/abs/2305.15075", LinkStatus.OK)),
        model: Outcome(result=res(model, LinkStatus.OK), huggingface=HuggingFaceMeta(
            id="FreedomIntelligence/HuatuoGPT-7B", repo_type="model", downloads=1234, likes=56, gated="manual",
            license="apache-2.0", fetched_at=T)),
        data: Outcome(result=res(data, LinkStatus.OK), huggingface=HuggingFaceMeta(
            id="FreedomIntelligence/HuatuoGPT-sft-data-v1", repo_type="dataset", downloads=789, likes=12,
            license="apache-2.0", fetched_at=EARLIER, stale=True),
            meta=LinkMeta(source="huggingface", access=Access.OPEN, license="apache-2.0", size_bytes=333_000_000,
                          downloads=789, likes=12, fetched_at=EARLIER, stale=True)),
        repo: Outcome(result=res(repo, LinkStatus.OK), github=GitHubMeta(
            full_name="FreedomIntelligence/HuatuoGPT", stars=1200, forks=100, archived=True, license="Apache-2.0",
            fetched_at=T)),
        tianchi: Outcome(result=res(tianchi, LinkStatus.UNVERIFIED, cause="unverifiable-host"),
                         meta=LinkMeta(source="tianchi", access=Access.LOGIN, fetched_at=T)),
        zenodo: Outcome(result=res(zenodo, LinkStatus.BROKEN, cause="removed", http_status=410),
                        archive=ArchiveCopy(url="https://web.archive.org/web/2024/https://zenodo.org/records/1",
                                            source="wayback", captured_at=datetime(2024, 3, 5, tzinfo=UTC))),
    }
    return build_snapshot(registry, registry_path="registry.yaml", registry_sha256="0" * 64, outcomes=outcomes,
                          previous=None, now=T, tool_version="test")


def _table(text: str) -> list[list[str]]:
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    return [[c.strip() for c in re.split(r"(?<!\\)\|", row)[1:-1]] for row in rows]


def test_imported_list_keeps_its_own_headers_and_every_cell_under_its_header():
    """The source's headers in their order, each cell under its own header, the health columns appended."""
    header, _, huatuo, cmd = _table(render_leaderboard(_imported_snapshot()))
    assert header == ["Model Name", "Backbone", "Paper", "Model Weight", "Data", "Code", "Date", *ADDED_COLUMNS]
    row = dict(zip(header, huatuo, strict=True))
    assert row["Model Name"] == "HuatuoGPT"
    assert row["Backbone"] == "LLaMA"
    assert row["Paper"] == "arXiv https://arxiv.org/abs/2305.15075"
    assert row["Model Weight"] == "HF (7B) https://huggingface.co/FreedomIntelligence/HuatuoGPT-7B"
    assert row["Data"] == "HF https://huggingface.co/datasets/FreedomIntelligence/HuatuoGPT-sft-data-v1"
    assert row["Code"] == "Github https://github.com/FreedomIntelligence/HuatuoGPT"
    assert row["Date"] == "2023-05"
    assert row["⭐ Stars"] == "1,200" and row["许可证 License"] == "Apache-2.0"
    assert "archived" in row["最近提交 Last commit"]
    row = dict(zip(header, cmd, strict=True))
    assert row["Data"] == "天池 https://tianchi.aliyun.com/dataset/90163 zenodo https://zenodo.org/records/1"
    assert row["Backbone"] == "-"  # a text column keeps the source's own placeholder
    assert row["Paper"] == row["Code"] == ""


def test_data_access_shows_hf_counts_gating_licence_size_and_staleness():
    """HF downloads and likes, gated status, licence, human size; carried-over metadata is stale with its date."""
    header, _, huatuo, _ = _table(render_leaderboard(_imported_snapshot()))
    access = dict(zip(header, huatuo, strict=True))["数据获取 Data access"]
    model, data = access.split("; ")
    assert model == "HF (7B): ✅, gated (manual), apache-2.0, 1,234 downloads/30d, 56 likes"
    assert data == "HF: ✅, open, apache-2.0, 333 MB, 789 downloads/30d, 12 likes, stale, as of 2026-11-20"


def test_login_walled_hosts_and_archived_copies_read_in_words():
    """Tianchi reads 'login required, existence not verifiable'; a removed record names its archived copy."""
    header, _, _, cmd = _table(render_leaderboard(_imported_snapshot()))
    access = dict(zip(header, cmd, strict=True))["数据获取 Data access"]
    assert access == ("天池: 🔒 login required, existence not verifiable; "
                      "zenodo: ❌ not confirmed yet; archived copy of 2024-03-05")  # its first failing run
    assert "✅" not in access
    header, _, _, cmd = _table(render_leaderboard(_imported_snapshot(), confirm_after=1))
    assert dict(zip(header, cmd, strict=True))["数据获取 Data access"].endswith(
        "zenodo: ❌ gone; archived copy of 2024-03-05")


@pytest.mark.parametrize(("size", "text"), [(None, ""), (0, "0 bytes"), (1, "1 byte"), (999, "999 bytes"),
                                            (1000, "1.0 kB"), (1_234_567_890, "1.2 GB"), (45_600_000_000, "46 GB"),
                                            (3 * 10**15, "3.0 PB")])
def test_human_sizes(size, text):
    """Decimal units, one decimal under 10."""
    assert human_size(size) == text


def test_hand_written_registry_without_roles_gets_them_from_its_headers():
    """Links without a recorded column go under the column of their kind (the seed's registry)."""
    snap = f.snapshot(1)
    assert snap.source is not None and snap.source.roles == {}
    header, _, biomedlm, *_ = _table(render_leaderboard(snap))
    row = dict(zip(header, biomedlm, strict=True))
    assert row["开源地址"] == "https://github.com/stanford-crfm/BioMedLM"
    assert row["数据下载地址"] == "Pile \\| PubMed https://github.com/thoppe/The-Pile-PubMed"


def test_a_bulleted_list_keeps_category_name_description_and_links():
    """A bulleted list's leaderboard: its category, name (with the name's own link), description and links."""
    md = "## Models\n\n- [Med-PaLM](https://sites.research.google/med-palm/) - Google's model [[Code]](https://github.com/a/b)\n"
    registry, _ = parse_registry(markdown_to_registry_yaml(md, source_file="b.md"), "registry.yaml")
    snap = build_snapshot(registry, registry_path="registry.yaml", registry_sha256="0" * 64, outcomes={},
                          previous=None, now=T, tool_version="test")
    header, _, row = _table(render_leaderboard(snap))
    assert header[:4] == ["Category", "Name", "Description", "Links"]
    assert row[:4] == ["Models", "Med-PaLM https://sites.research.google/med-palm/", "Google's model",
                       "Code https://github.com/a/b"]


def test_a_label_that_is_the_url_is_not_written_twice():
    """A link whose label is its own URL (an autolink `<url>` in a hand-written registry) shows the URL once."""
    text = """version: 1
source:
  columns: [Model, Code]
  roles: {"Model": name, "Code": code}
entries:
  - id: c
    name: C
    links:
      - url: https://github.com/o/c
        kind: repository
        label: https://github.com/o/c
        column: Code
"""
    registry, _ = parse_registry(text, "registry.yaml")
    url = "https://github.com/o/c"
    outcomes = {url: Outcome(result=LinkResult(url=url, status=LinkStatus.OK, reason="r", checked_at=T))}
    snap = build_snapshot(registry, registry_path="registry.yaml", registry_sha256="0" * 64, outcomes=outcomes,
                          previous=None, now=T, tool_version="test")
    header, _, row = _table(render_leaderboard(snap))
    assert dict(zip(header, row, strict=True))["Code"] == url
    assert parse_markdown("| M | Code |\n|-|-|\n| C | <https://github.com/o/c> |\n").entries[0].links[0].label is None
