"""A real list imported, then crawled through loopback fakes of GitHub and Hugging Face: the leaderboard
keeps the list's own headers, each cell under its header, with what the crawl learned appended.

The fakes are selected as users select GitHub Enterprise or a Hub mirror (GITHUB_API_URL,
GITHUB_GRAPHQL_URL, HF_ENDPOINT); plain web pages are left out with ``only`` (no internet here).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from crawler.importer import markdown_to_registry_yaml
from crawler.pipeline import RunOptions, run
from crawler.registry import load_registry
from crawler.settings import Settings
from crawler.sources.github.urls import parse_github_url
from crawler.sources.huggingface import parse_hf_url
from tests.fakes import FakeApis, World

DATA = Path(__file__).resolve().parent / "data"


def test_run_on_an_imported_survey_table_writes_its_own_headers(tmp_path):
    """The survey's ten headers, in order, then the health columns; stars and HF counts from the fakes."""
    registry_path = tmp_path / "registry.yaml"
    text = (DATA / "medical-llm-survey.md").read_text(encoding="utf-8")
    registry_path.write_text(markdown_to_registry_yaml(text, source_file="medical-llm-survey.md"), encoding="utf-8")
    world = World()
    for url in load_registry(registry_path).registry.unique_urls():
        if (ref := parse_github_url(url)) is not None:
            world.add_repo(ref.full_name, stars=321)
        if (hf := parse_hf_url(url)) is not None:
            world.add_hf(hf.repo_type, hf.repo_id, downloads=4321, likes=87)
    out = tmp_path / "reports"
    with FakeApis(world) as fake:
        env = {**fake.env(), "CRAWLER_CACHE_DIR": str(tmp_path / "cache")}
        options = RunOptions(registry_path=registry_path, out_dir=out, only=frozenset({"github", "huggingface"}),
                             pyproject=None)
        result = run(options, Settings.from_env(env), now=lambda: datetime(2026, 11, 30, 6, tzinfo=UTC))
    assert result.snapshot.source is not None and result.snapshot.source.roles["Open Sources"] == "code"
    board = (out / "leaderboard.md").read_text(encoding="utf-8")
    rows = [[c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]] for line in board.splitlines()
            if line.startswith("| ")]
    header = rows[0]
    assert header[:10] == ["Models", "Backbone", "Para. (B)", "CP", "IFT", "IFT Methods", "HA",
                           "Preferred Languages", "Open Sources", "Data"]
    assert header[10:] == ["⭐ Stars", "许可证 License", "最近提交 Last commit", "数据获取 Data access", "链接状态 Health"]
    assert len(rows) == 2 + 41
    doctor = dict(zip(header, next(r for r in rows if r[0] == "ChatDoctor"), strict=True))
    assert doctor["Backbone"] == "LLaMA" and doctor["Data"] == "03/2023" and doctor["Para. (B)"] == "7"
    assert doctor["Open Sources"] == "Link https://github.com/Kent0n-Li/ChatDoctor"
    assert doctor["⭐ Stars"] == "321" and doctor["链接状态 Health"] == "✅"
    aloe = dict(zip(header, next(r for r in rows if r[0] == "Aloe"), strict=True))
    assert aloe["Open Sources"] == "Link https://huggingface.co/HPAI-BSC/Llama3-Aloe-8B-Alpha"
    assert "4,321 downloads/30d" in aloe["数据获取 Data access"] and "87 likes" in aloe["数据获取 Data access"]
    palm = dict(zip(header, next(r for r in rows if r[0] == "Med-PaLM"), strict=True))
    assert palm["Open Sources"] == "" and palm["Data"] == "01/2023"
