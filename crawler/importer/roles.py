"""Which column plays which role, and what kind each link is.

A header's role comes from its words (English and Chinese), checked in a fixed order so that
"Model Weight" is weights (not the model's name), "数据下载地址" is a download column (not
training data) and "数据大小" is a size (no role). Content can overrule a header: a column of
dates is a date column whatever its header says (a survey table heads its dates "Data"), a
"data" column of bare links is a download column, and a header with no known word takes its
role from its links' hosts (Hugging Face models -> model, GitHub -> code, arXiv -> paper,
Hugging Face datasets -> data). ``--columns ROLE=HEADER`` overrides everything.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from crawler.models import LinkKind

if TYPE_CHECKING:  # the parser (markdown-it-py) stays unloaded for the leaderboard's role names
    from crawler.importer.cells import Cell

__all__ = ["LINK_ROLES", "ROLES", "assign_roles", "classify_url", "header_role", "host_role"]

NAME, DESCRIPTION, CODE, MODEL, DATA, TRAINING = "name", "description", "code", "model", "data", "training"
PAPER, DATE, LICENSE, LINK, CATEGORY = "paper", "date", "license", "link", "category"
ROLES = (NAME, DESCRIPTION, CODE, MODEL, DATA, TRAINING, PAPER, DATE, LICENSE, LINK, CATEGORY)
LINK_ROLES = (CODE, MODEL, DATA, PAPER, LINK)  # columns whose links are the point; their other text is reported
_SINGLE = (NAME, DESCRIPTION, TRAINING, CATEGORY)  # one column each; a second one is kept as an extra field

_NONE = object()
_WORDS: list[tuple[object, tuple[str, ...]]] = [  # first match wins
    (_NONE, ("size", "大小", "规模", "quantity", "数量", "param", "para.", "参数", "#")),
    (MODEL, ("weight", "checkpoint", "ckpt", "权重", "模型下载", "model download", "model link")),
    (DATA, ("下载", "download", "数据地址", "数据链接", "data link", "dataset link", "data url", "获取")),
    (PAPER, ("paper", "论文", "publication", "arxiv", "文献", "article")),
    (DATE, ("date", "时间", "日期", "year", "年份", "released", "发布")),
    (LICENSE, ("licence", "license", "许可", "协议")),
    (CODE, ("开源", "代码", "code", "repo", "github", "source", "仓库")),
    (DESCRIPTION, ("description", "描述", "简介", "概述", "summary", "feature", "介绍", "内容", "说明")),
    (NAME, ("model", "模型", "name", "名称", "title", "标题", "method", "project", "dataset", "数据集",
            "framework", "项目")),
    (TRAINING, ("数据", "语料", "data", "corpus", "training", "训练")),
    (LINK, ("link", "url", "地址", "链接", "homepage", "website", "主页", "官网")),
    (CATEGORY, ("category", "type", "类别", "分类", "类型")),
]
_DATE = re.compile(r"^(?:\d{4}(?:[./-]\d{1,2}){0,2}|\d{1,2}[./-]\d{4}|\d{4}年(?:\d{1,2}月)?)$")

_BLOG_HOSTS = ("csdn.net", "medium.com", "zhihu.com", "mp.weixin.qq.com", "substack.com", "juejin.cn",
               "cnblogs.com", "jianshu.com", "blogspot.com", "wordpress.com", "hashnode.dev", "dev.to")
_PAPER_HOSTS = ("arxiv.org", "doi.org", "aclanthology.org", "openreview.net", "biorxiv.org", "medrxiv.org",
                "pubmed.ncbi.nlm.nih.gov", "semanticscholar.org", "papers.nips.cc", "proceedings.mlr.press",
                "nature.com", "sciencedirect.com", "springer.com", "ieeexplore.ieee.org", "dl.acm.org",
                "academic.oup.com", "jamanetwork.com", "nejm.org", "thelancet.com", "cell.com", "science.org")
CODE_HOSTS = ("github.com", "gitlab.com", "gitee.com", "bitbucket.org")


def header_role(header: str) -> str | None:
    """The role a header's words name, or None."""
    low = header.lower().strip()
    for role, words in _WORDS:
        if any(w in low for w in words):
            return None if role is _NONE else str(role)
    return None


def _on(host: str, hosts: tuple[str, ...]) -> bool:
    return any(host == h or host.endswith("." + h) for h in hosts)


def classify_url(url: str, role: str | None) -> LinkKind:
    """The kind of *url* found in a column playing *role*: the host first, then the column."""
    if role == TRAINING:
        return LinkKind.REFERENCE  # cited inside the training-data text, not a column of links
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    segments = [s for s in parts.path.split("/") if s]
    if host in ("huggingface.co", "hf.co"):
        first = segments[0] if segments else ""
        return {"datasets": LinkKind.DATASET, "spaces": LinkKind.HOMEPAGE, "papers": LinkKind.PAPER,
                "docs": LinkKind.DOCS, "blog": LinkKind.BLOG, "collections": LinkKind.MODEL}.get(
            first, LinkKind.MODEL if first else LinkKind.HOMEPAGE)
    if _on(host, _PAPER_HOSTS):
        return LinkKind.PAPER
    if _on(host, _BLOG_HOSTS) or host.startswith("blog.") or "blog" in segments[:1]:
        return LinkKind.BLOG
    if _on(host, CODE_HOSTS):
        return LinkKind.DATA if role == DATA else LinkKind.REPOSITORY
    return {DATA: LinkKind.DATASET, MODEL: LinkKind.MODEL, PAPER: LinkKind.PAPER}.get(role or "", LinkKind.HOMEPAGE)


def host_role(urls: list[str]) -> str | None:
    """The role most of *urls* name by their host alone (None when no host says)."""
    votes: Counter[str] = Counter()
    for url in urls:
        kind = classify_url(url, None)
        role = {LinkKind.MODEL: MODEL, LinkKind.DATASET: DATA, LinkKind.REPOSITORY: CODE,
                LinkKind.PAPER: PAPER}.get(kind)
        if role:
            votes[role] += 1
    if not votes:
        return LINK
    role, n = votes.most_common(1)[0]
    return role if n * 2 >= len(urls) else LINK


def _link_only(cell: Cell) -> bool:
    """A cell that is its links (and their labels), nothing more."""
    return bool(cell.links) and len(cell.rest) <= 3


def assign_roles(headers: list[str], columns: list[list[Cell]], overrides: dict[str, str]) -> list[str | None]:
    """One role (or None: an extra field) per column; *overrides* maps header -> role.

    *columns* holds each column's parsed cells. The name column is the first header naming one,
    else the first column.
    """
    roles: list[str | None] = []
    for header, cells in zip(headers, columns, strict=True):
        filled = [c for c in cells if not c.empty]
        role = header_role(header)
        if filled and sum(bool(_DATE.match(c.text)) for c in filled) * 5 >= len(filled) * 4:
            role = DATE  # what the cells hold beats a mistaken header
        elif role == TRAINING and filled and sum(_link_only(c) for c in filled) * 2 >= len(filled):
            role = DATA  # a "Data" column of links is where the data is downloaded
        elif role is None and filled and sum(bool(c.links) for c in filled) * 2 >= len(filled):
            role = host_role([f.url for c in filled for f in c.links])
        roles.append(role)
    for single in _SINGLE:  # the first column of a single role keeps it
        seen = False
        for i, role in enumerate(roles):
            if role == single:
                roles[i] = None if seen else role
                if seen and single == NAME and re.search(r"dataset|数据集|corpus|语料", headers[i], re.I) and any(
                    c.links for c in columns[i]
                ):
                    roles[i] = DATA  # a model table's "Dataset" / "数据集" column: where its corpus is
                seen = True
    if NAME not in roles and headers:
        first = next((i for i, r in enumerate(roles) if r not in LINK_ROLES), 0)
        roles[first] = NAME
    lower = {h.lower(): i for i, h in enumerate(headers)}
    for header, role in overrides.items():
        i = lower[header.lower()]
        if role in _SINGLE:
            roles = [None if r == role else r for r in roles]
        roles[i] = None if role == "extra" else role
    if LINK in roles:  # a generic link column: the row's data in a list of datasets, else its code
        dataset_list = any(r == NAME and re.search(r"data|数据", h, re.I) for h, r in zip(headers, roles, strict=True))
        roles = [(DATA if dataset_list else CODE) if r == LINK else r for r in roles]
    return roles
