"""``leaderboard.md``: the source's table regenerated in its own format, with health added.

Hugo front matter from the registry's ``source.front_matter`` (verbatim), the source's
Chinese headers, one row per registry entry (duplicates and aliases keep their row, as in
the source), then columns for stars, licence, last commit and a health mark per link.
"""

from __future__ import annotations

import json

from crawler.models import EntryRecord, Snapshot
from crawler.render.columns import (
    HEALTH_MARKS,
    code_links,
    data_links,
    day_text,
    health_marks,
    last_commit,
    licence_text,
    primary_github,
)
from crawler.render.escape import md_cell, md_literal, md_url

__all__ = ["ADDED_COLUMNS", "DEFAULT_COLUMNS", "DEFAULT_TITLE", "render_leaderboard"]

DEFAULT_TITLE = "医学大模型训练用语料库榜单"
DEFAULT_COLUMNS = ("模型", "开源地址", "所用数据", "数据下载地址")
ADDED_COLUMNS = ("⭐ Stars", "许可证 License", "最近提交 Last commit", "链接状态 Health")
_LEGEND = {"ok": "正常", "redirected": "已迁移", "broken": "失效", "unverified": "未能验证", "skipped": "跳过"}


def _front_matter(snapshot: Snapshot) -> str:
    source = snapshot.source
    verbatim = (source.front_matter or "").strip("\n") if source else ""
    if verbatim.startswith(("+++", "---")):
        return verbatim
    if verbatim:  # the body without its fences: Hugo's TOML flavour, as in the source
        return f"+++\n{verbatim}\n+++"
    title = (source.title if source else None) or DEFAULT_TITLE
    return f"+++\ntitle = {json.dumps(title, ensure_ascii=False)}\n+++"


def _headers(snapshot: Snapshot) -> list[str]:
    columns = snapshot.source.columns if snapshot.source else []
    base = list(columns[:4]) if len(columns) >= 4 else list(DEFAULT_COLUMNS)
    return [md_cell(h) for h in base] + list(ADDED_COLUMNS)


def _row(entry: EntryRecord) -> list[str]:
    gh = primary_github(entry)
    data = [f"{md_cell(link.label)} {md_url(link.url)}".strip() for link in data_links(entry)]
    commit = day_text(last_commit(entry))
    if gh is not None and gh.archived:
        commit = f"{commit} 已归档 archived".strip()
    # The source's name cell is the name followed by a short description; the registry splits them.
    name = f"{entry.name} {entry.description}" if entry.description else entry.name
    return [
        md_cell(name),
        " ".join(md_url(link.url) for link in code_links(entry)),
        md_cell(entry.training_data),
        " ".join(data),
        f"{gh.stars:,}" if gh is not None else "",
        md_literal(licence_text(entry)),
        commit,
        health_marks(entry),
    ]


def _line(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def render_leaderboard(snapshot: Snapshot) -> str:
    """The whole ``leaderboard.md``: front matter, a generated-file note, the table, a legend."""
    headers = _headers(snapshot)
    stamp = snapshot.generated_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    legend = " · ".join(f"{mark} {_LEGEND[status.value]} {status.value}" for status, mark in HEALTH_MARKS.items())
    lines = [
        _front_matter(snapshot),
        "",
        f"> 本表由 crawler 根据 {md_literal(snapshot.registry_path)} 自动生成（{stamp}），请修改注册表而非本文件。"
        f" Generated from {md_literal(snapshot.registry_path)} at {stamp}; edit the registry, not this file.",
        "",
        _line(headers),
        _line(["---"] * len(headers)),
        *(_line(_row(entry)) for entry in snapshot.entries),
        "",
        f"链接状态 Health（每个链接一个标记 one mark per link）：{legend}",
    ]
    return "\n".join(lines) + "\n"
