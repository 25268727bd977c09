"""``leaderboard.md``: the source's table regenerated under its own headers, with health added.

Hugo front matter from the registry's ``source.front_matter`` (verbatim), then the source's
headers in their order, each entry's cells under their own header (``source.roles`` says which
header is the name, the code, the data ...; a link goes under the header it was imported from,
``Link.column``, else under the column of its kind; a column with no role shows the entry's
``extra`` text), then the added columns: stars, licence, last commit, what each data link offers
(availability, access, licence, size, Hugging Face downloads and likes, archived, stale) and a
health mark per link. A registry without roles (hand-written, like the seed's) gets them from its
headers' words; without usable headers, the seed's four.
"""

from __future__ import annotations

import json

from crawler.importer.roles import CATEGORY, CODE, DATA, DESCRIPTION, LINK, MODEL, NAME, PAPER, TRAINING, header_role
from crawler.models import EntryRecord, LinkKind, LinkRecord, Snapshot
from crawler.render.cells import link_facts, link_name
from crawler.render.columns import HEALTH_MARKS, day_text, health_marks, last_commit, licence_text, primary_github
from crawler.render.escape import md_cell, md_literal, md_url

__all__ = ["ADDED_COLUMNS", "DEFAULT_COLUMNS", "DEFAULT_TITLE", "render_leaderboard"]

DEFAULT_TITLE = "医学大模型训练用语料库榜单"
DEFAULT_COLUMNS = ("模型", "开源地址", "所用数据", "数据下载地址")
_DEFAULT_ROLES = {"模型": NAME, "开源地址": CODE, "所用数据": TRAINING, "数据下载地址": DATA}
ADDED_COLUMNS = ("⭐ Stars", "许可证 License", "最近提交 Last commit", "数据获取 Data access", "链接状态 Health")
_LEGEND = {"ok": "正常", "redirected": "已迁移", "broken": "失效", "unverified": "未能验证", "skipped": "跳过"}
_LINK_ROLES = (CODE, MODEL, DATA, PAPER, LINK)
# Where a link with no recorded column goes: the first column playing one of these roles.
_HOME = {LinkKind.DATASET: (DATA,), LinkKind.DATA: (DATA,), LinkKind.MODEL: (MODEL, CODE, LINK),
         LinkKind.PAPER: (PAPER, CODE, LINK)}


def _front_matter(snapshot: Snapshot) -> str:
    source = snapshot.source
    verbatim = (source.front_matter or "").strip("\n") if source else ""
    if verbatim.startswith(("+++", "---")):
        return verbatim
    if verbatim:  # the body without its fences: Hugo's TOML flavour, as in the source
        return f"+++\n{verbatim}\n+++"
    title = (source.title if source else None) or DEFAULT_TITLE
    return f"+++\ntitle = {json.dumps(title, ensure_ascii=False)}\n+++"


def _layout(snapshot: Snapshot) -> list[tuple[str, str | None]]:
    """(header, role) of the source's columns, in its order."""
    source = snapshot.source
    columns = list(source.columns) if source else []
    if source is not None and source.roles:
        return [(h, source.roles.get(h)) for h in columns]
    guessed = [(h, header_role(h)) for h in columns]
    roles = {r for _, r in guessed}
    if NAME in roles and roles & set(_LINK_ROLES):
        return guessed
    return list(_DEFAULT_ROLES.items())


def _placement(entry: EntryRecord, layout: list[tuple[str, str | None]]) -> dict[str, list[LinkRecord]]:
    """Header -> the entry's links shown under it."""
    headers = [h for h, _ in layout]
    by_role: dict[str, str] = {}
    for header, role in layout:
        if role:
            by_role.setdefault(role, header)
    fallback = next((h for h, r in layout if r in _LINK_ROLES), None)
    out: dict[str, list[LinkRecord]] = {h: [] for h in headers}
    for link in entry.links:
        if link.column in out:
            if by_role.get(TRAINING) != link.column:  # cited inside the training text, which is shown as written
                out[link.column].append(link)
            continue
        if link.kind is LinkKind.REFERENCE:
            continue  # a URL inside the training-data text: shown there
        home = next((by_role[r] for r in _HOME.get(link.kind, (CODE, LINK)) if r in by_role), None)
        if home is None and not link.kind.is_data:
            home = fallback
        if home is not None:
            out[home].append(link)
    return out


def _links_text(links: list[LinkRecord], role: str | None, text: str = "") -> str:
    parts = [md_cell(text)] if text else []
    for link in links:
        # The seed's data column writes a label before each URL, its code column bare URLs.
        labelled = link.label and link.label != link.url and not text and (link.column is not None or role == DATA)
        parts.append(f"{md_cell(link.label)} {md_url(link.url)}" if labelled else md_url(link.url))
    return " ".join(parts)


def _cell(entry: EntryRecord, header: str, role: str | None, links: list[LinkRecord], has_description: bool) -> str:
    if role == NAME:
        # The seed's name cell is the name followed by a short description; the registry splits them.
        name = f"{entry.name} {entry.description}" if entry.description and not has_description else entry.name
        return " ".join([md_cell(name), *(md_url(link.url) for link in links)])  # the name's own link, if any
    if role == DESCRIPTION:
        return md_cell(entry.description)
    if role == TRAINING:
        return md_cell(entry.training_data)
    if role == CATEGORY:
        return md_cell(entry.category)
    return _links_text(links, role, entry.extra.get(header, ""))


def _data_access(entry: EntryRecord, confirm_after: int) -> str:
    """What each data link (and each Hugging Face link) offers, ``name: fact, fact``, joined by ``; ``."""
    shown = [link for link in entry.links if link.kind.is_data or link.huggingface is not None
             or (link.meta is not None and link.meta.source == "huggingface")]
    return "; ".join(f"{md_cell(link_name(link))}: {md_literal(', '.join(link_facts(link, confirm_after=confirm_after)))}"
                     for link in shown)


def _row(entry: EntryRecord, layout: list[tuple[str, str | None]], confirm_after: int) -> list[str]:
    placed = _placement(entry, layout)
    has_description = any(r == DESCRIPTION for _, r in layout)
    gh = primary_github(entry)
    commit = day_text(last_commit(entry))
    if gh is not None and gh.archived:
        commit = f"{commit} 已归档 archived".strip()
    return [
        *(_cell(entry, h, r, placed[h], has_description) for h, r in layout),
        f"{gh.stars:,}" if gh is not None else "",
        md_literal(licence_text(entry)),
        commit,
        _data_access(entry, confirm_after),
        health_marks(entry),
    ]


def _line(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def render_leaderboard(snapshot: Snapshot, *, confirm_after: int = 2) -> str:
    """The whole ``leaderboard.md``: front matter, a generated-file note, the table, a legend.

    *confirm_after*: failing runs in a row before a broken link with an archived copy reads "gone".
    """
    layout = _layout(snapshot)
    headers = [md_cell(h) for h, _ in layout] + list(ADDED_COLUMNS)
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
        *(_line(_row(entry, layout, confirm_after)) for entry in snapshot.entries),
        "",
        f"链接状态 Health（每个链接一个标记 one mark per link）：{legend}",
        "",
        "数据获取 Data access（每个数据链接 per data link）：availability, access (open, gated, credentialed, login,"
        " code, restricted), licence, size (1 GB = 10⁹ bytes), Hugging Face downloads over the last 30 days and"
        " likes; 🔒 = the host requires a login and does not say whether the record exists;"
        " \"stale\" = not refreshed this run, shown as of the date given.",
    ]
    return "\n".join(lines) + "\n"
