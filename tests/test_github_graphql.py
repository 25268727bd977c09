"""GitHub metadata over GraphQL (token set): batching, renames, paths, licences, rate limits, bad token."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import anyio
import httpx
import pytest
import respx

from crawler import retry
from crawler.models import GitHubMeta, LinkStatus
from crawler.settings import Secret, Settings
from crawler.sources import github
from crawler.sources.github.graphql import build_query
from crawler.sources.github.urls import parse_github_url
from tests.sources_util import fetch_with

GQL = "https://api.github.com/graphql"
API = "https://api.github.com"
TOKEN = "ghp_graphqlTestToken0123456789abcdef"
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
RESET = 1740834000  # 2025-03-01T13:00:00Z


def _settings(tmp_path, **kw) -> Settings:
    return Settings(github_token=Secret(TOKEN), cache_dir=tmp_path, **kw)


def _limits(remaining: int = 4990) -> dict[str, str]:
    return {"x-ratelimit-limit": "5000", "x-ratelimit-remaining": str(remaining), "x-ratelimit-used": "10",
            "x-ratelimit-reset": str(RESET), "x-ratelimit-resource": "graphql"}  # fmt: skip


def node(name: str, **kw) -> dict:
    """A repository node as GitHub's GraphQL API returns it for the fields the crawler asks."""
    body = {
        "nameWithOwner": name, "stargazerCount": 1520, "forkCount": 210,
        "issues": {"totalCount": 37}, "pullRequests": {"totalCount": 4},
        "licenseInfo": {"spdxId": "Apache-2.0"},
        "pushedAt": "2024-11-20T08:15:00Z", "createdAt": "2023-04-02T10:00:00Z",
        "isArchived": False, "isFork": False, "description": "Medical LLM", "homepageUrl": "",
        "repositoryTopics": {"nodes": [{"topic": {"name": "llm"}}, {"topic": {"name": "medical"}}]},
        "defaultBranchRef": {"name": "main", "target": {"committedDate": "2024-10-01T09:00:00Z"}},
    }  # fmt: skip
    body.update(kw)
    return body


def not_found(alias: str, name: str) -> dict:
    return {"type": "NOT_FOUND", "path": [alias], "locations": [{"line": 7, "column": 3}],
            "message": f"Could not resolve to a Repository with the name '{name}'."}  # fmt: skip


def answer(data: dict, errors: list | None = None, remaining: int = 4990) -> httpx.Response:
    body = {"data": {"rateLimit": {"cost": 1, "remaining": remaining, "resetAt": "2025-03-01T13:00:00Z"}, **data}}
    if errors:
        body["errors"] = errors
    return httpx.Response(200, json=body, headers=_limits(remaining))


def run(urls, settings, previous=None):
    async def go():
        async with httpx.AsyncClient() as client:
            return await fetch_with(github.SOURCE, urls, client, settings, previous or {}, now=lambda: NOW)

    return anyio.run(go)


@respx.mock
def test_batch_with_one_not_found_alias(tmp_path):
    """One query answers three repositories; the NOT_FOUND alias alone is broken; shared repos cost nothing extra."""
    route = respx.post(GQL).mock(
        return_value=answer(
            {"r0": node("a/one"), "r1": None, "r2": node("c/three")}, [not_found("r1", "b/two")]
        )
    )
    urls = ["https://github.com/a/one", "https://github.com/b/two", "https://github.com/c/three",
            "https://github.com/A/One/"]  # fmt: skip
    report = run(urls, _settings(tmp_path))
    assert route.call_count == 1 and report.api_requests == 1
    statuses = {u: o.result.status for u, o in report.outcomes.items()}
    assert statuses == {urls[0]: LinkStatus.OK, urls[1]: LinkStatus.BROKEN, urls[2]: LinkStatus.OK,
                        urls[3]: LinkStatus.OK}  # fmt: skip
    assert report.outcomes[urls[1]].result.reason == "GitHub API: repository not found"
    assert report.outcomes[urls[1]].github is None
    assert report.page_checks == {}


@respx.mock
def test_renamed_repository_is_redirected_with_new_metadata(tmp_path):
    """GraphQL resolves the old name; the link is redirected to the new page and carries the new repo's facts."""
    respx.post(GQL).mock(return_value=answer({"r0": node("NewOrg/NewName")}))
    report = run(["https://github.com/oldorg/oldname"], _settings(tmp_path))
    outcome = report.outcomes["https://github.com/oldorg/oldname"]
    assert outcome.result.status is LinkStatus.REDIRECTED
    assert outcome.result.final_url == "https://github.com/NewOrg/NewName"
    assert outcome.github.full_name == "NewOrg/NewName"


@respx.mock
def test_missing_path_is_broken_and_folded_into_the_same_query(tmp_path):
    """Path checks ride in the repository alias; a null object at an existing ref is a missing path."""
    route = respx.post(GQL).mock(
        return_value=answer(
            {"r0": node("o/r", f0={"__typename": "Commit"}, p1=None, f2=None, p3={"__typename": "Tree"}, f4=None)}
        )
    )
    urls = ["https://github.com/o/r/tree/main/data", "https://github.com/o/r/tree/main/docs"]
    report = run(urls, _settings(tmp_path))
    query = json.loads(route.calls[0].request.content)["query"]
    assert 'f0: object(expression: "main")' in query
    assert 'p1: object(expression: "main:data")' in query and 'p3: object(expression: "main:docs")' in query
    assert 'f2: object(expression: "main/data")' in query  # the other reading: a ref named main/data
    broken = report.outcomes[urls[0]].result
    assert broken.status is LinkStatus.BROKEN
    assert broken.reason == "GitHub API: path 'data' not found at ref 'main'"
    assert report.outcomes[urls[1]].result.status is LinkStatus.OK
    assert route.call_count == 1


@respx.mock
def test_noassertion_and_null_licences(tmp_path):
    """NOASSERTION (an unrecognised licence) is kept as GitHub gives it; no licence is null."""
    respx.post(GQL).mock(
        return_value=answer(
            {"r0": node("o/other", licenseInfo={"spdxId": "NOASSERTION"}), "r1": node("o/none", licenseInfo=None)}
        )
    )
    report = run(["https://github.com/o/other", "https://github.com/o/none"], _settings(tmp_path))
    assert report.outcomes["https://github.com/o/other"].github.license == "NOASSERTION"
    assert report.outcomes["https://github.com/o/none"].github.license is None


@respx.mock
def test_last_commit_is_the_default_branch_commit_not_pushed_at(tmp_path):
    """last_commit is the default branch's newest committedDate; pushed_at (any branch) is kept apart."""
    respx.post(GQL).mock(return_value=answer({"r0": node("o/r")}))
    meta = run(["https://github.com/o/r"], _settings(tmp_path)).outcomes["https://github.com/o/r"].github
    assert meta.last_commit == datetime(2024, 10, 1, 9, 0, tzinfo=UTC)
    assert meta.pushed_at == datetime(2024, 11, 20, 8, 15, tzinfo=UTC)
    assert (meta.stars, meta.forks, meta.open_issues) == (1520, 210, 41)
    assert (meta.default_branch, meta.topics, meta.homepage) == ("main", ["llm", "medical"], None)
    assert meta.fetched_at == NOW and meta.stale is False


@respx.mock
def test_secondary_limit_is_waited_out_then_retried(tmp_path):
    """A 403 with retry-after is a secondary limit: the wait is honoured (not slept in tests) and the query retried."""
    secondary = httpx.Response(
        403,
        json={"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
              "documentation_url": "https://docs.github.com/graphql/overview/rate-limits-and-query-limits"},
        headers={"retry-after": "30", **_limits(4000)},
    )  # fmt: skip
    route = respx.post(GQL).mock(side_effect=[secondary, answer({"r0": node("o/r")})])
    report = run(["https://github.com/o/r"], _settings(tmp_path))
    assert route.call_count == 2 and report.api_requests == 2
    assert retry.recorded_waits() == [30.0]
    assert report.outcomes["https://github.com/o/r"].result.status is LinkStatus.OK


@respx.mock
def test_exhausted_budget_carries_previous_metadata_over_as_stale(tmp_path):
    """RATE_LIMITED in a 200 stops API calls at once (no hour-long sleep); previous metadata comes back stale."""
    limited = httpx.Response(
        200,
        json={"errors": [{"type": "RATE_LIMITED", "message": "API rate limit exceeded for user ID 1234."}]},
        headers=_limits(0),
    )
    route = respx.post(GQL).mock(return_value=limited)
    earlier = datetime(2025, 2, 1, tzinfo=UTC)
    previous = {"https://github.com/o/r": GitHubMeta(full_name="o/r", stars=5, forks=1, fetched_at=earlier)}
    report = run(["https://github.com/o/r", "https://github.com/o/new"], _settings(tmp_path), previous)
    assert route.call_count == 1 and retry.recorded_waits() == []
    assert report.outcomes == {}
    carried = report.page_checks["https://github.com/o/r"].github
    assert carried.stale is True and carried.fetched_at == earlier and carried.stars == 5
    assert report.page_checks["https://github.com/o/new"].github is None
    assert len(report.notices) == 1 and "13:00 UTC" in report.notices[0] and "2 GitHub link(s)" in report.notices[0]


@respx.mock
def test_secondary_wait_longer_than_the_cap_is_treated_as_exhausted(tmp_path):
    """A retry-after above the retry cap is not slept on: lookups stop like an exhausted budget."""
    respx.post(GQL).mock(
        return_value=httpx.Response(429, json={"message": "secondary rate limit"}, headers={"retry-after": "3600"})
    )
    report = run(["https://github.com/o/r"], _settings(tmp_path))
    assert report.outcomes == {} and list(report.page_checks) == ["https://github.com/o/r"]
    assert "rate limit is exhausted" in report.notices[0]


@respx.mock
def test_bad_token_is_said_once_and_the_run_continues_over_rest(tmp_path):
    """A 401 to the token gives one plain notice (no token in it) and REST without the token answers instead."""
    respx.post(GQL).mock(
        return_value=httpx.Response(401, json={"message": "Bad credentials",
                                               "documentation_url": "https://docs.github.com/graphql"})
    )  # fmt: skip
    repo = respx.get(f"{API}/repos/o/r").mock(
        return_value=httpx.Response(200, json={"full_name": "o/r", "stargazers_count": 3, "forks_count": 0,
                                               "open_issues_count": 0, "default_branch": "main", "license": None})
    )  # fmt: skip
    commits = respx.get(f"{API}/repos/o/r/commits").mock(return_value=httpx.Response(200, json=[]))
    report = run(["https://github.com/o/r", "https://github.com/o/r/"], _settings(tmp_path))
    assert report.outcomes["https://github.com/o/r"].result.status is LinkStatus.OK
    assert len(report.notices) == 1 and "401" in report.notices[0] and TOKEN not in report.notices[0]
    assert "authorization" not in repo.calls[0].request.headers
    assert commits.call_count == 1 and report.api_requests == 3


@respx.mock
def test_batches_hold_fifty_repositories(tmp_path):
    """120 repositories take three queries of at most 50 aliases each."""

    def reply(request: httpx.Request) -> httpx.Response:
        query = json.loads(request.content)["query"]
        aliases = re.findall(r'(r\d+): repository\(owner: "o", name: "(r\d+)"\)', query)
        assert len(aliases) <= 50
        return answer({alias: node(f"o/{name}") for alias, name in aliases})

    route = respx.post(GQL).mock(side_effect=reply)
    report = run([f"https://github.com/o/r{i}" for i in range(120)], _settings(tmp_path))
    assert route.call_count == 3 and len(report.outcomes) == 120


@respx.mock
def test_token_goes_only_to_the_api_as_a_per_request_header(tmp_path):
    """The bearer token is set on the GraphQL request only; the shared client carries no default auth."""
    route = respx.post(GQL).mock(return_value=answer({"r0": node("o/r")}))

    async def go():
        async with httpx.AsyncClient() as client:
            await fetch_with(github.SOURCE, ["https://github.com/o/r"], client, _settings(tmp_path), {})
            return client.headers

    client_headers = anyio.run(go)
    assert route.calls[0].request.headers["authorization"] == f"Bearer {TOKEN}"
    assert "authorization" not in client_headers


@respx.mock
def test_github_graphql_url_setting_is_honoured(tmp_path):
    """GITHUB_GRAPHQL_URL (GitHub Enterprise, Actions) is where the query goes."""
    route = respx.post("https://ghe.example.com/api/graphql").mock(return_value=answer({"r0": node("o/r")}))
    settings = Settings.from_env(
        {"GITHUB_TOKEN": TOKEN, "GITHUB_API_URL": "https://ghe.example.com/api/v3",
         "GITHUB_GRAPHQL_URL": "https://ghe.example.com/api/graphql", "CRAWLER_CACHE_DIR": str(tmp_path)}
    )  # fmt: skip
    report = run(["https://github.com/o/r"], settings)
    assert route.call_count == 1 and report.outcomes["https://github.com/o/r"].result.status is LinkStatus.OK


@respx.mock
def test_server_errors_are_retried_then_answered(tmp_path):
    """A 502 (GitHub's GraphQL timeout) is retried through the retry seam."""
    route = respx.post(GQL).mock(side_effect=[httpx.Response(502, json={"message": "timeout"}),
                                              answer({"r0": node("o/r")})])  # fmt: skip
    report = run(["https://github.com/o/r"], _settings(tmp_path))
    assert route.call_count == 2 and report.outcomes["https://github.com/o/r"].result.status is LinkStatus.OK


def test_query_literals_are_escaped():
    """Owner, name, ref and path go into the query as escaped string literals."""
    ref = parse_github_url('https://github.com/o/r/blob/main/we%22ird%5Cname.txt')
    query = build_query([[ref]]).query
    assert r'p1: object(expression: "main:we\"ird\\name.txt")' in query


@pytest.mark.parametrize("rate_type", ["RATE_LIMITED", "RATE_LIMIT"])
@respx.mock
def test_both_rate_limit_error_spellings_stop_lookups(tmp_path, rate_type):
    """GitHub has answered RATE_LIMITED and RATE_LIMIT; both stop the lookups."""
    respx.post(GQL).mock(return_value=httpx.Response(200, json={"errors": [{"type": rate_type, "message": "x"}]}))
    report = run(["https://github.com/o/r"], _settings(tmp_path))
    assert list(report.page_checks) == ["https://github.com/o/r"] and report.notices
