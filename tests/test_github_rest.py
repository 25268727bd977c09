"""GitHub metadata over REST (no token): fields, ETag cache, renames, 404/451, paths, budget watching."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import anyio
import httpx
import respx

from crawler import retry
from crawler.models import GitHubMeta, LinkStatus
from crawler.settings import Settings
from crawler.sources import github
from crawler.sources.etag_cache import EtagCache
from tests.sources_util import fetch_with

API = "https://api.github.com"
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
RESET = "1740834000"  # 2025-03-01T13:00:00Z
DOCS = "https://docs.github.com/rest/repos/repos#get-a-repository"


def limits(remaining: int = 55) -> dict[str, str]:
    return {"x-ratelimit-limit": "60", "x-ratelimit-remaining": str(remaining), "x-ratelimit-used": str(60 - remaining),
            "x-ratelimit-reset": RESET, "x-ratelimit-resource": "core"}  # fmt: skip


def repo_body(full_name: str = "octocat/Hello-World", **kw) -> dict:
    """Shaped like the "Get a repository" example in GitHub's REST docs (fields the crawler reads)."""
    owner = full_name.split("/")[0]
    body = {
        "id": 1296269, "node_id": "MDEwOlJlcG9zaXRvcnkxMjk2MjY5", "name": full_name.split("/")[1],
        "full_name": full_name, "owner": {"login": owner, "id": 1, "type": "User"}, "private": False,
        "html_url": f"https://github.com/{full_name}", "description": "This your first repo!", "fork": False,
        "homepage": "https://github.com", "forks_count": 9, "stargazers_count": 80, "watchers_count": 80,
        "open_issues_count": 7, "default_branch": "master", "topics": ["octocat", "atom", "electron", "api"],
        "archived": False, "disabled": False, "pushed_at": "2011-01-26T19:06:43Z",
        "created_at": "2011-01-26T19:01:12Z", "updated_at": "2011-01-26T19:14:43Z",
        "license": {"key": "mit", "name": "MIT License", "spdx_id": "MIT",
                    "url": "https://api.github.com/licenses/mit", "node_id": "MDc6TGljZW5zZW1pdA=="},
    }  # fmt: skip
    body.update(kw)
    return body


def commits_body(date: str = "2011-01-20T11:00:00Z") -> list:
    commit = {"author": {"name": "The Octocat", "date": "2011-01-19T10:00:00Z"},
              "committer": {"name": "The Octocat", "date": date}, "message": "Merge pull request #6"}  # fmt: skip
    return [{"sha": "7fd1a60b01f91b314f59955a4e4d4e80d8edf11d", "commit": commit}]


def ok(body, etag: str | None = '"abc"', remaining: int = 55) -> httpx.Response:
    headers = limits(remaining)
    if etag:
        headers["etag"] = etag
    return httpx.Response(200, json=body, headers=headers)


def not_found(message: str = "Not Found") -> httpx.Response:
    return httpx.Response(404, json={"message": message, "documentation_url": DOCS, "status": "404"},
                          headers=limits())  # fmt: skip


def run(urls, tmp_path, previous=None, **settings_kw):
    settings = Settings(cache_dir=tmp_path, **settings_kw)

    async def go():
        async with httpx.AsyncClient() as client:
            return await fetch_with(github.SOURCE, urls, client, settings, previous or {}, now=lambda: NOW)

    return anyio.run(go)


@respx.mock
def test_rest_fields_and_last_commit_from_the_default_branch(tmp_path):
    """Fields come from /repos and last_commit from /commits?sha=<default branch>, not pushed_at."""
    respx.get(f"{API}/repos/octocat/Hello-World").mock(return_value=ok(repo_body()))
    commits = respx.get(f"{API}/repos/octocat/Hello-World/commits").mock(return_value=ok(commits_body()))
    report = run(["https://github.com/octocat/Hello-World"], tmp_path)
    meta = report.outcomes["https://github.com/octocat/Hello-World"].github
    assert dict(commits.calls[0].request.url.params) == {"per_page": "1", "sha": "master"}
    assert (meta.full_name, meta.stars, meta.forks, meta.open_issues, meta.license) == (
        "octocat/Hello-World", 80, 9, 7, "MIT")  # fmt: skip
    assert meta.last_commit == datetime(2011, 1, 20, 11, 0, tzinfo=UTC)
    assert meta.pushed_at == datetime(2011, 1, 26, 19, 6, 43, tzinfo=UTC)
    assert meta.topics == ["octocat", "atom", "electron", "api"] and meta.homepage == "https://github.com"
    assert report.api_requests == 2


@respx.mock
def test_second_run_answers_from_the_etag_cache_with_304(tmp_path):
    """A conditional request answered 304 (free for the budget) reuses the cached body."""
    repo = respx.get(f"{API}/repos/octocat/Hello-World")
    commits = respx.get(f"{API}/repos/octocat/Hello-World/commits")
    repo.mock(return_value=ok(repo_body(), etag='W/"r1"'))
    commits.mock(return_value=ok(commits_body(), etag='W/"c1"'))
    first = run(["https://github.com/octocat/Hello-World"], tmp_path)
    repo.mock(return_value=httpx.Response(304, headers={"etag": 'W/"r1"', **limits(53)}))
    commits.mock(return_value=httpx.Response(304, headers={"etag": 'W/"c1"', **limits(53)}))
    second = run(["https://github.com/octocat/Hello-World"], tmp_path)
    assert repo.calls[-1].request.headers["if-none-match"] == 'W/"r1"'
    assert commits.calls[-1].request.headers["if-none-match"] == 'W/"c1"'
    url = "https://github.com/octocat/Hello-World"
    assert second.outcomes[url].github == first.outcomes[url].github
    assert second.outcomes[url].result.status is LinkStatus.OK


@respx.mock
def test_renamed_repository_follows_301_to_repositories_id(tmp_path):
    """REST answers 301 to /repositories/{id}; the link is redirected and gets the new repo's metadata."""
    moved = f"{API}/repositories/1296269"
    respx.get(f"{API}/repos/octocat/Old-Name").mock(
        return_value=httpx.Response(
            301, json={"message": "Moved Permanently", "url": moved, "documentation_url": DOCS},
            headers={"location": moved, **limits()},
        )
    )  # fmt: skip
    respx.get(moved).mock(return_value=ok(repo_body()))
    respx.get(f"{API}/repos/octocat/Hello-World/commits").mock(return_value=ok(commits_body()))
    contents = respx.get(f"{API}/repos/octocat/Hello-World/contents/README").mock(return_value=ok({"type": "file"}))
    report = run(["https://github.com/octocat/Old-Name/blob/master/README"], tmp_path)
    outcome = report.outcomes["https://github.com/octocat/Old-Name/blob/master/README"]
    assert outcome.result.status is LinkStatus.REDIRECTED
    assert outcome.result.final_url == "https://github.com/octocat/Hello-World/blob/master/README"
    assert outcome.github.full_name == "octocat/Hello-World"
    assert dict(contents.calls[0].request.url.params) == {"ref": "master"}


@respx.mock
def test_missing_repository_and_dmca_block_are_broken(tmp_path):
    """404 is "repository not found"; 451 is "blocked for legal reasons (DMCA)"."""
    respx.get(f"{API}/repos/gone/away").mock(return_value=not_found())
    blocked = {"message": "Repository access blocked",
               "block": {"reason": "dmca", "html_url": "https://github.com/github/dmca"}}  # fmt: skip
    respx.get(f"{API}/repos/taken/down").mock(return_value=httpx.Response(451, json=blocked, headers=limits()))
    report = run(["https://github.com/gone/away", "https://github.com/taken/down"], tmp_path)
    gone = report.outcomes["https://github.com/gone/away"].result
    down = report.outcomes["https://github.com/taken/down"].result
    assert (gone.status, gone.reason) == (LinkStatus.BROKEN, "GitHub API: repository not found")
    assert (down.status, down.http_status) == (LinkStatus.BROKEN, 451) and "DMCA" in down.reason


@respx.mock
def test_missing_path_is_broken_but_a_missing_ref_is_left_to_the_page_check(tmp_path):
    """Contents 404 at an existing ref is a missing path; "No commit found for the ref" goes to the checker."""
    respx.get(f"{API}/repos/o/r").mock(return_value=ok(repo_body("o/r", default_branch="main")))
    respx.get(f"{API}/repos/o/r/commits").mock(return_value=ok(commits_body()))
    respx.get(f"{API}/repos/o/r/contents/data", params={"ref": "main"}).mock(return_value=not_found())
    respx.get(f"{API}/repos/o/r/contents/data", params={"ref": "master"}).mock(
        return_value=not_found("No commit found for the ref master")
    )
    other_reading = respx.get(f"{API}/repos/o/r/contents", params={"ref": "master/data"}).mock(
        return_value=not_found("No commit found for the ref master/data")
    )
    urls = ["https://github.com/o/r/tree/main/data", "https://github.com/o/r/tree/master/data"]
    report = run(urls, tmp_path)
    assert report.outcomes[urls[0]].result.reason == "GitHub API: path 'data' not found at ref 'main'"
    assert report.page_checks[urls[1]].github.full_name == "o/r" and report.page_checks[urls[1]].github.stale is False
    assert other_reading.call_count == 1


@respx.mock
def test_budget_watch_stops_before_the_budget_is_gone(tmp_path):
    """When x-ratelimit-remaining would fall under the reserve, lookups stop; the rest carry stale metadata."""
    respx.get(f"{API}/repos/o/a").mock(return_value=ok(repo_body("o/a"), remaining=4))
    respx.get(f"{API}/repos/o/a/commits").mock(return_value=ok(commits_body(), remaining=3))
    later = respx.get(f"{API}/repos/o/b")
    earlier = datetime(2025, 2, 1, tzinfo=UTC)
    previous = {"https://github.com/o/b": GitHubMeta(full_name="o/b", stars=2, forks=0, fetched_at=earlier)}
    report = run(["https://github.com/o/a", "https://github.com/o/b"], tmp_path, previous)
    assert later.call_count == 0 and report.api_requests == 2
    assert report.outcomes["https://github.com/o/a"].result.status is LinkStatus.OK
    assert report.page_checks["https://github.com/o/b"].github.stale is True
    assert report.page_checks["https://github.com/o/b"].github.fetched_at == earlier
    assert "nearly spent" in report.notices[0] and "13:00 UTC" in report.notices[0]
    assert "GITHUB_TOKEN" in report.notices[0]


@respx.mock
def test_exhausted_primary_budget_is_not_slept_on(tmp_path):
    """403 with x-ratelimit-remaining: 0 stops the lookups at once, without retries or waits."""
    route = respx.get(f"{API}/repos/o/a").mock(
        return_value=httpx.Response(403, json={"message": "API rate limit exceeded for 203.0.113.7."},
                                    headers=limits(0))
    )  # fmt: skip
    report = run(["https://github.com/o/a", "https://github.com/o/b"], tmp_path)
    assert route.call_count == 1 and retry.recorded_waits() == []
    assert set(report.page_checks) == {"https://github.com/o/a", "https://github.com/o/b"}
    assert "exhausted" in report.notices[0]


@respx.mock
def test_secondary_limit_429_waits_retry_after_then_succeeds(tmp_path):
    """429 with retry-after is a secondary limit: waited out through the retry seam, then retried."""
    respx.get(f"{API}/repos/o/a").mock(
        side_effect=[httpx.Response(429, json={"message": "You have exceeded a secondary rate limit."},
                                    headers={"retry-after": "12", **limits(50)}),
                     ok(repo_body("o/a"))]
    )  # fmt: skip
    respx.get(f"{API}/repos/o/a/commits").mock(return_value=ok(commits_body()))
    report = run(["https://github.com/o/a"], tmp_path)
    assert retry.recorded_waits() == [12.0] and report.api_requests == 3
    assert report.outcomes["https://github.com/o/a"].result.status is LinkStatus.OK


@respx.mock
def test_empty_repository_has_no_last_commit(tmp_path):
    """/commits on an empty repository answers 409; last_commit stays null."""
    respx.get(f"{API}/repos/o/empty").mock(return_value=ok(repo_body("o/empty")))
    respx.get(f"{API}/repos/o/empty/commits").mock(
        return_value=httpx.Response(409, json={"message": "Git Repository is empty.", "documentation_url": DOCS})
    )
    report = run(["https://github.com/o/empty"], tmp_path)
    assert report.outcomes["https://github.com/o/empty"].github.last_commit is None


@respx.mock
def test_failures_are_never_cached(tmp_path):
    """Only 200 answers with an ETag are written to the cache; 404s are not."""
    respx.get(f"{API}/repos/o/gone").mock(return_value=not_found())
    respx.get(f"{API}/repos/o/a").mock(return_value=ok(repo_body("o/a"), etag='"e1"'))
    respx.get(f"{API}/repos/o/a/commits").mock(return_value=ok(commits_body(), etag=None))
    run(["https://github.com/o/gone", "https://github.com/o/a"], tmp_path)
    cache = EtagCache(tmp_path)
    assert cache.get(f"{API}/repos/o/gone") is None
    assert cache.get(f"{API}/repos/o/a").etag == '"e1"'
    assert len(cache) == 1


@respx.mock
def test_github_api_url_setting_is_honoured(tmp_path):
    """GITHUB_API_URL (GitHub Enterprise /api/v3) is where REST goes."""
    ghe = "https://ghe.example.com/api/v3"
    route = respx.get(f"{ghe}/repos/o/a").mock(return_value=ok(repo_body("o/a")))
    respx.get(f"{ghe}/repos/o/a/commits").mock(return_value=ok(commits_body()))
    report = run(["https://github.com/o/a"], tmp_path, github_api_url=ghe)
    assert route.call_count == 1 and report.outcomes["https://github.com/o/a"].result.status is LinkStatus.OK


@respx.mock
def test_rest_requests_carry_the_documented_headers(tmp_path):
    """REST requests send Accept: application/vnd.github+json and X-GitHub-Api-Version: 2022-11-28."""
    route = respx.get(f"{API}/repos/o/a").mock(return_value=ok(repo_body("o/a")))
    respx.get(f"{API}/repos/o/a/commits").mock(return_value=ok(commits_body()))
    run(["https://github.com/o/a"], tmp_path)
    headers = route.calls[0].request.headers
    assert headers["accept"] == "application/vnd.github+json"
    assert headers["x-github-api-version"] == "2022-11-28"


@respx.mock
def test_ambiguous_ref_tries_the_next_reading_when_the_first_ref_is_missing(tmp_path):
    """For /tree/feature/x/data REST asks ref "feature" first, then ref "feature/x"."""
    respx.get(f"{API}/repos/o/r").mock(return_value=ok(repo_body("o/r", default_branch="main")))
    respx.get(f"{API}/repos/o/r/commits").mock(return_value=ok(commits_body()))
    respx.get(f"{API}/repos/o/r/contents/x/data", params={"ref": "feature"}).mock(
        return_value=not_found("No commit found for the ref feature")
    )
    second = respx.get(f"{API}/repos/o/r/contents/data", params={"ref": "feature/x"}).mock(
        return_value=ok({"type": "dir"})
    )
    report = run(["https://github.com/o/r/tree/feature/x/data"], tmp_path)
    assert second.call_count == 1
    assert report.outcomes["https://github.com/o/r/tree/feature/x/data"].result.status is LinkStatus.OK


def test_corrupt_cache_is_ignored_and_rewritten_atomically(tmp_path):
    """An unreadable cache file starts an empty cache; save() replaces it with valid JSON and no temp file."""
    path = tmp_path / "github-rest-etags.json"
    path.write_text("{not json", encoding="utf-8")
    cache = EtagCache(tmp_path)
    assert len(cache) == 0
    cache.put("https://api.github.com/repos/o/a", '"e"', {"full_name": "o/a"})
    cache.save()
    assert json.loads(path.read_text(encoding="utf-8"))["entries"]["https://api.github.com/repos/o/a"]["etag"] == '"e"'
    assert [p.name for p in tmp_path.iterdir()] == [path.name]
