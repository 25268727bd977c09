"""Parsing GitHub links, and turning a repository lookup into a link outcome (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawler.models import GitHubMeta, LinkStatus
from crawler.sources.github.urls import GitHubRef, PathState, RepoLookup, outcome_for, parse_github_url

AT = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/FreedomIntelligence/HuatuoGPT",
        "http://github.com/FreedomIntelligence/HuatuoGPT",
        "https://www.github.com/FreedomIntelligence/HuatuoGPT",
        "https://github.com/FreedomIntelligence/HuatuoGPT/",
        "https://github.com/FreedomIntelligence/HuatuoGPT.git",
        "https://GitHub.com/FreedomIntelligence/HuatuoGPT?tab=readme-ov-file#data",
        "https://github.com/FreedomIntelligence/HuatuoGPT/tree",
    ],
)
def test_repository_links_parse_to_owner_and_repo(url):
    """Scheme, www., .git, trailing slash, query and fragment all reduce to the same repository."""
    ref = parse_github_url(url)
    assert ref == GitHubRef("FreedomIntelligence", "HuatuoGPT")
    assert ref.key == "freedomintelligence/huatuogpt"
    assert ref.candidates() == []


def test_tree_link_with_path():
    """A tree link keeps its kind, ref and path."""
    ref = parse_github_url("https://github.com/michael-wzhu/PromptCBLUE/tree/main/datasets/toy_examples/")
    assert (ref.kind, ref.ref, ref.path) == ("tree", "main", "datasets/toy_examples")
    assert ref.candidates()[0] == ("main", "datasets/toy_examples")


def test_tree_link_without_path_is_a_ref_check():
    """/tree/main with no path names only a ref; its one reading has an empty path."""
    ref = parse_github_url("https://github.com/o/r/tree/main")
    assert (ref.kind, ref.ref, ref.path) == ("tree", "main", None)
    assert ref.candidates() == [("main", "")]


def test_blob_link_with_percent_encoded_path():
    """Percent-encoded path segments are decoded (the API wants the real name)."""
    ref = parse_github_url("https://github.com/o/r/blob/main/data/%E5%8C%BB%E5%AD%A6.json")
    assert (ref.kind, ref.ref, ref.path) == ("blob", "main", "data/医学.json")


def test_refs_with_slashes_are_ambiguous_and_all_readings_are_listed():
    """A slash in the ref cannot be told from the URL: shortest ref first, then longer ones."""
    ref = parse_github_url("https://github.com/o/r/tree/feature/x/data")
    assert (ref.ref, ref.path) == ("feature", "x/data")
    assert ref.candidates() == [("feature", "x/data"), ("feature/x", "data"), ("feature/x/data", "")]


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/orgs/FreedomIntelligence/repositories",
        "https://github.com/FreedomIntelligence",
        "https://gist.github.com/someone/0123456789abcdef",
        "https://github.com/topics/medical",
        "https://github.com/settings/tokens",
        "https://github.com/o/r/issues/12",
        "https://github.com/o/r/releases/tag/v1.0",
        "https://raw.githubusercontent.com/o/r/main/README.md",
        "https://example.com/o/r",
        "ftp://github.com/o/r",
        "https://github.com/-bad-/r",
        "https://github.com/o/..",
    ],
)
def test_non_repository_links_are_not_parsed(url):
    """Owner pages, orgs, gists, sub-pages and other hosts are left to the link checker."""
    assert parse_github_url(url) is None


def test_enterprise_host_is_accepted_when_given():
    """A GitHub Enterprise web host is parsed when passed in, and its pages keep that host."""
    ref = parse_github_url("https://ghe.example.com/medteam/repo", frozenset({"ghe.example.com"}))
    assert ref is not None and ref.page_url("medteam/renamed") == "https://ghe.example.com/medteam/renamed"


def _meta(full_name: str = "o/r") -> GitHubMeta:
    return GitHubMeta(full_name=full_name, stars=1, forks=0, fetched_at=AT)


def test_outcome_for_renamed_repository_points_at_new_page():
    """A repository found under a new name is redirected, final_url the new page with the same path."""
    ref = parse_github_url("https://github.com/old/name/tree/main/data")
    lookup = RepoLookup("old/name", "found", _meta("new/name"), {("main", "data"): PathState(True, True)})
    outcome = outcome_for("https://github.com/old/name/tree/main/data", ref, lookup, AT)
    assert outcome.result.status is LinkStatus.REDIRECTED
    assert outcome.result.final_url == "https://github.com/new/name/tree/main/data"
    assert outcome.github.full_name == "new/name"


def test_outcome_for_case_change_is_not_a_rename():
    """GitHub names are case-insensitive: a different case is ok, not redirected."""
    ref = parse_github_url("https://github.com/O/R")
    outcome = outcome_for("https://github.com/O/R", ref, RepoLookup("o/r", "found", _meta("o/r")), AT)
    assert outcome.result.status is LinkStatus.OK


def test_outcome_for_missing_path_names_path_and_ref():
    """A path absent at an existing ref is broken, and the reason says which path at which ref."""
    ref = parse_github_url("https://github.com/o/r/tree/main/data")
    lookup = RepoLookup("o/r", "found", _meta(), {("main", "data"): PathState(True, False)})
    outcome = outcome_for("u", ref, lookup, AT)
    assert outcome.result.status is LinkStatus.BROKEN
    assert outcome.result.reason == "GitHub API: path 'data' not found at ref 'main'"


def test_outcome_for_unknown_ref_is_left_to_the_page_check():
    """A missing ref may be a renamed branch that GitHub's pages redirect: no verdict."""
    ref = parse_github_url("https://github.com/o/r/tree/master/data")
    lookup = RepoLookup("o/r", "found", _meta(), {("master", "data"): PathState(False, False)})
    assert outcome_for("u", ref, lookup, AT) is None


def test_outcome_for_missing_and_blocked_repositories():
    """Missing and DMCA-blocked repositories are broken with reasons that say which."""
    ref = parse_github_url("https://github.com/o/r")
    missing = outcome_for("u", ref, RepoLookup("o/r", "missing"), AT).result
    blocked = outcome_for("u", ref, RepoLookup("o/r", "blocked", cause="dmca"), AT).result
    assert (missing.status, missing.http_status, missing.reason) == (
        LinkStatus.BROKEN, 404, "GitHub API: repository not found")  # fmt: skip
    assert (blocked.status, blocked.http_status) == (LinkStatus.BROKEN, 451)
    assert "DMCA" in blocked.reason
