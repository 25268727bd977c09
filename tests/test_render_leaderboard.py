"""leaderboard.md: the seed's table regenerated in its own format (golden file)."""

from __future__ import annotations

import snapshot_factory as f

from crawler.models import SourceInfo
from crawler.render.leaderboard import render_leaderboard


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
