"""GitHub project-health signals: activity, README notices, disabled/locked/empty, DMCA and ToS blocks, sizes."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
import respx

from crawler.models import Access, GitHubMeta, LinkStatus
from crawler.sources.github import activity, readme_notice
from crawler.sources.github.graphql import build_query
from crawler.sources.github.urls import parse_github_url
from tests.test_github_graphql import _settings, answer, node
from tests.test_github_graphql import run as run_graphql
from tests.test_github_rest import API, commits_body, limits, ok, repo_body
from tests.test_github_rest import run as run_rest

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
GQL = "https://api.github.com/graphql"


def _meta(last_commit: str | None, **kw) -> GitHubMeta:
    return GitHubMeta(full_name="o/r", stars=0, forks=0, last_commit=last_commit, fetched_at=NOW, **kw)


@pytest.mark.parametrize(
    ("last_commit", "expected"),
    [("2025-01-01T00:00:00Z", "active"), ("2024-02-01T00:00:00Z", "inactive"), ("2021-12-31T00:00:00Z", "dormant"),
     (None, None)],
)  # fmt: skip
def test_activity_from_the_last_commit(last_commit, expected):
    """12 months without a commit is inactive, 36 dormant; no date, no verdict."""
    assert activity(_meta(last_commit), NOW) == expected


def test_activity_of_an_empty_repository_is_unknown():
    """An empty repository has no activity to judge."""
    assert activity(_meta("2020-01-01T00:00:00Z", empty=True), NOW) is None
    assert activity(None, NOW) is None


@pytest.mark.parametrize(
    ("text", "notice", "url"),
    [
        ("# MedLLM\n\n**This project has moved to https://github.com/neworg/medllm.** Please star it there.\n",
         "This project has moved to https://github.com/neworg/medllm.", "https://github.com/neworg/medllm"),
        ("# X\n\n> [!WARNING]\n> This repository is deprecated and no longer maintained.\n"
         "> See [the new home](https://gitee.com/a/b)\n",
         "This repository is deprecated and no longer maintained.", "https://gitee.com/a/b"),
        ("# 医疗大模型\n\n本项目已迁移至 https://github.com/org/new-home ，请移步新仓库。\n",
         "本项目已迁移至 https://github.com/org/new-home ，请移步新仓库。", "https://github.com/org/new-home"),
        ("# 数据\n\n本仓库不再维护。\n", "本仓库不再维护。", None),
    ],
)  # fmt: skip
def test_readme_notices_in_english_and_chinese(text, notice, url):
    """The sentence is kept (markup stripped) with the URL it or the next line names."""
    assert readme_notice(text) == (notice, url)


def test_readme_without_a_notice_and_badges_are_not_urls():
    """Plain READMEs give nothing; a badge image next to a notice is not its new home."""
    assert readme_notice("# Corpus\n\nA medical corpus of 1M notes.\n") is None
    assert readme_notice(None) is None
    text = "Deprecated. ![badge](https://img.shields.io/badge/status-deprecated-red.svg)\n"
    assert readme_notice(text) == ("Deprecated.", None)


def test_query_asks_health_fields_sizes_and_readme_in_one_alias():
    """diskUsage, isDisabled/isLocked/isEmpty, path sizes and four README names ride in the repository's alias."""
    ref = parse_github_url("https://github.com/o/r/tree/main/data")
    query = build_query([[ref]]).query
    for field in ("diskUsage", "isDisabled", "isLocked", "isEmpty", "byteSize", "entries { type object",
                  'm0: object(expression: "HEAD:README.md")', 'm3: object(expression: "HEAD:README")'):  # fmt: skip
        assert field in query


@respx.mock
def test_graphql_fills_link_meta_health_flags_and_the_readme_notice(tmp_path):
    """Repository size from diskUsage (KB), a tree's direct files, a blob's size, locked/empty flags, README notice."""
    readme = {"text": "# Old\n\nThis repository is no longer maintained; see https://github.com/o/new.\n"}
    tree = {"__typename": "Tree", "entries": [
        {"type": "blob", "object": {"byteSize": 1000}}, {"type": "blob", "object": {"byteSize": 24}},
        {"type": "tree", "object": {}}]}  # fmt: skip
    data = node("o/r", diskUsage=2048, isLocked=True, isEmpty=False, isDisabled=False, m1=readme,
                f0={"__typename": "Commit"}, p1=tree, p3={"__typename": "Blob", "byteSize": 77})
    respx.post(GQL).mock(return_value=answer({"r0": data}))
    urls = ["https://github.com/o/r", "https://github.com/o/r/tree/main/data", "https://github.com/o/r/blob/main/a.csv"]
    report = run_graphql(urls, _settings(tmp_path))
    repo = report.outcomes[urls[0]]
    assert repo.meta.size_bytes == 2048 * 1024 and repo.meta.access is Access.OPEN and repo.meta.license == "Apache-2.0"
    assert repo.meta.updated_at == datetime(2024, 10, 1, 9, 0, tzinfo=UTC) and repo.meta.source == "github"
    assert (report.outcomes[urls[1]].meta.size_bytes, report.outcomes[urls[1]].meta.file_count) == (1024, 2)
    assert (report.outcomes[urls[2]].meta.size_bytes, report.outcomes[urls[2]].meta.file_count) == (77, 1)
    assert repo.github.locked is True and repo.github.empty is False and repo.result.status is LinkStatus.OK
    assert repo.github.notice == "This repository is no longer maintained; see https://github.com/o/new."
    assert repo.github.moved_to == "https://github.com/o/new"


@respx.mock
def test_graphql_disabled_repository_is_broken(tmp_path):
    """isDisabled: the contents cannot be had, so the link is broken with cause disabled."""
    respx.post(GQL).mock(return_value=answer({"r0": node("o/r", isDisabled=True)}))
    outcome = run_graphql(["https://github.com/o/r"], _settings(tmp_path)).outcomes["https://github.com/o/r"]
    assert (outcome.result.status, outcome.result.cause) == (LinkStatus.BROKEN, "disabled")
    assert outcome.github.disabled is True


@respx.mock
def test_graphql_block_reason_is_asked_of_rest_once(tmp_path):
    """GraphQL says only "access blocked"; one REST request with the token reads block.reason (dmca)."""
    error = {"type": "FORBIDDEN", "path": ["r0"], "message": "Repository access blocked"}
    respx.post(GQL).mock(return_value=answer({"r0": None}, [error]))
    block = {"message": "Repository access blocked", "block": {"reason": "dmca", "created_at": "2021-10-05T15:29:49Z"}}
    route = respx.get(f"{API}/repos/o/r").mock(return_value=httpx.Response(451, json=block, headers=limits()))
    report = run_graphql(["https://github.com/o/r"], _settings(tmp_path))
    result = report.outcomes["https://github.com/o/r"].result
    assert (result.status, result.cause, result.http_status) == (LinkStatus.BROKEN, "dmca", 451)
    assert route.call_count == 1 and route.calls[0].request.headers["authorization"].startswith("Bearer ")


@respx.mock
def test_rest_dmca_451_and_terms_of_service_403_are_broken_with_their_causes(tmp_path):
    """451 with block.reason dmca -> dmca; 403 with a block object (tos) -> tos-blocked; both broken."""
    dmca = {"message": "Repository access blocked", "block": {"reason": "dmca", "created_at": "2021-10-05T15:29:49Z",
            "html_url": "https://github.com/github/dmca/blob/master/2021/10/2021-10-05-x.md"}}  # fmt: skip
    tos = {"message": "Repository access blocked", "block": {"reason": "tos", "created_at": "2024-01-01T00:00:00Z"}}
    respx.get(f"{API}/repos/a/dmca").mock(return_value=httpx.Response(451, json=dmca, headers=limits()))
    respx.get(f"{API}/repos/a/tos").mock(return_value=httpx.Response(403, json=tos, headers=limits()))
    report = run_rest(["https://github.com/a/dmca", "https://github.com/a/tos"], tmp_path)
    causes = {u: (o.result.status, o.result.cause) for u, o in report.outcomes.items()}
    assert causes == {"https://github.com/a/dmca": (LinkStatus.BROKEN, "dmca"),
                      "https://github.com/a/tos": (LinkStatus.BROKEN, "tos-blocked")}  # fmt: skip


@respx.mock
def test_rest_fills_size_disabled_empty_and_directory_sizes(tmp_path):
    """REST: size in KB, disabled -> broken, 409 on commits -> empty, a contents listing -> direct files' total."""
    respx.get(f"{API}/repos/o/r").mock(return_value=ok(repo_body("o/r", size=10, default_branch="main")))
    respx.get(f"{API}/repos/o/r/commits").mock(return_value=ok(commits_body()))
    listing = [{"type": "file", "name": "a.csv", "path": "data/a.csv", "size": 300},
               {"type": "file", "name": "b.csv", "path": "data/b.csv", "size": 200},
               {"type": "dir", "name": "more", "path": "data/more", "size": 0}]  # fmt: skip
    respx.get(f"{API}/repos/o/r/contents/data").mock(return_value=ok(listing, etag='"dir"'))
    respx.get(f"{API}/repos/o/off").mock(return_value=ok(repo_body("o/off", disabled=True, default_branch="main")))
    respx.get(f"{API}/repos/o/off/commits").mock(return_value=ok(commits_body()))
    respx.get(f"{API}/repos/o/void").mock(return_value=ok(repo_body("o/void", size=0, default_branch="main")))
    respx.get(f"{API}/repos/o/void/commits").mock(return_value=httpx.Response(
        409, json={"message": "Git Repository is empty."}, headers=limits()))  # fmt: skip
    urls = ["https://github.com/o/r", "https://github.com/o/r/tree/main/data", "https://github.com/o/off",
            "https://github.com/o/void"]  # fmt: skip
    report = run_rest(urls, tmp_path)
    assert report.outcomes[urls[0]].meta.size_bytes == 10 * 1024
    assert (report.outcomes[urls[1]].meta.size_bytes, report.outcomes[urls[1]].meta.file_count) == (500, 2)
    off = report.outcomes[urls[2]]
    assert (off.result.status, off.result.cause, off.github.disabled) == (LinkStatus.BROKEN, "disabled", True)
    void = report.outcomes[urls[3]]
    assert void.github.empty is True and void.result.status is LinkStatus.OK and void.github.notice is None
