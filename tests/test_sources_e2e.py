"""GitHub and Hugging Face sources against the loopback fake APIs over real HTTP, counting requests."""

from __future__ import annotations

import dataclasses
import logging
from datetime import UTC, datetime

import anyio
import httpx

from crawler import retry
from crawler.models import GitHubMeta, LinkStatus
from crawler.settings import Settings
from crawler.sources import github, huggingface
from tests.sources_util import fetch_with
from tests.fakes import FakeApis, World

GH_TOKEN = "ghp_e2eSecretTokenValue0123456789ABCDEF"
HF_TOKEN = "hf_e2eSecretTokenValueABCDEFGHIJKLMNOP"


def registry_world(**kw) -> tuple[World, list[str], list[str]]:
    """A world the size of the shipped registry: 25 repositories, 35 GitHub links, 8 Hugging Face links."""
    world = World(**kw)
    gh_urls: list[str] = []
    for i in range(22):
        world.add_repo(f"med{i}/model{i}", paths={"main": {f"data/part{i}.jsonl", "README.md"}},
                       license=["MIT", "Apache-2.0", "NOASSERTION", None][i % 4])  # fmt: skip
        gh_urls.append(f"https://github.com/med{i}/model{i}")
        if i % 2 == 0 and i < 18:
            gh_urls.append(f"https://github.com/med{i}/model{i}/tree/main/data")
    world.add_repo("neworg/renamed")
    world.rename("oldorg/renamed", "neworg/renamed")
    gh_urls += ["https://github.com/oldorg/renamed", "https://github.com/ghost/vanished",
                "https://github.com/med1/model1/blob/main/missing.csv"]  # fmt: skip
    world.block("taken/down")
    gh_urls.append("https://github.com/taken/down")
    world.add_hf("dataset", "org/med-qa")
    world.add_hf("dataset", "org/gated-notes", gated="manual")
    world.add_hf("model", "org/med-llm", license=None, tags=["license:llama3"])
    world.add_hf("model", "neworg/llm")
    world.rename_hf("model", "oldorg/llm", "neworg/llm")
    world.add_hf("space", "org/demo")
    hf_urls = ["https://huggingface.co/datasets/org/med-qa", "https://huggingface.co/datasets/org/gated-notes",
               "https://huggingface.co/org/med-llm", "https://huggingface.co/oldorg/llm",
               "https://huggingface.co/spaces/org/demo", "https://huggingface.co/datasets/org/vanished",
               "https://huggingface.co/datasets/org/med-qa/tree/main/data",
               "https://hf.co/datasets/org/med-qa"]  # fmt: skip
    return world, gh_urls, hf_urls


def settings_for(fake: FakeApis, tmp_path, **env: str) -> Settings:
    return Settings.from_env({**fake.env(), "CRAWLER_CACHE_DIR": str(tmp_path / "cache"), **env})


def fetch_github(urls, settings, previous=None):
    async def go():
        async with httpx.AsyncClient() as client:
            return await fetch_with(github.SOURCE, urls, client, settings, previous or {})

    return anyio.run(go)


def fetch_hf(urls, settings, previous=None):
    async def go():
        async with httpx.AsyncClient() as client:
            return await fetch_with(huggingface.SOURCE, urls, client, settings, previous or {})

    return anyio.run(go)


def test_registry_sized_run_takes_at_most_three_graphql_requests(tmp_path):
    """With a token, 25 repositories and 35 links (paths included) cost at most 3 GraphQL requests (+1 for a block)."""
    world, urls, _ = registry_world(github_token=GH_TOKEN)
    with FakeApis(world) as fake:
        report = fetch_github(urls, settings_for(fake, tmp_path, GITHUB_TOKEN=GH_TOKEN))
        counts = dict(fake.counts)
    assert len(urls) == 35
    # One REST request, with the token, asks why the one blocked repository is blocked.
    assert counts.get("graphql", 0) <= 3 and counts.get("rest", 0) == 1
    assert report.api_requests == counts["graphql"] + counts["rest"]
    assert set(report.outcomes) | set(report.page_checks) == set(urls)
    status = {u: o.result.status for u, o in report.outcomes.items()}
    assert status["https://github.com/oldorg/renamed"] is LinkStatus.REDIRECTED
    assert status["https://github.com/ghost/vanished"] is LinkStatus.BROKEN
    assert status["https://github.com/med1/model1/blob/main/missing.csv"] is LinkStatus.BROKEN
    assert status["https://github.com/taken/down"] is LinkStatus.BROKEN
    assert report.outcomes["https://github.com/taken/down"].result.cause == "dmca"
    assert status["https://github.com/med0/model0/tree/main/data"] is LinkStatus.OK
    assert report.outcomes["https://github.com/med2/model2"].github.license == "NOASSERTION"
    assert report.outcomes["https://github.com/med3/model3"].github.license is None


def test_rest_second_run_is_answered_by_304s_that_cost_no_budget(tmp_path):
    """Without a token the first run spends REST budget; the second revalidates with ETags at no cost."""
    world, urls, _ = registry_world(rest_limit=5000, rest_remaining=5000)
    with FakeApis(world) as fake:
        settings = settings_for(fake, tmp_path)
        first = fetch_github(urls, settings)
        spent_after_first = world.rest_remaining
        second = fetch_github(urls, settings)
        second_requests = fake.requests[first.api_requests :]
    conditional = [r for r in second_requests if r.if_none_match]
    charged = [r for r in second_requests if r.status != 304]  # 404/451/301 answers are not cached
    assert world.rest_remaining == spent_after_first - len(charged)
    assert len(charged) == 4 and {r.status for r in charged} == {301, 404, 451}
    assert first.api_requests == second.api_requests and len(conditional) > 0
    assert {u: o.result.status for u, o in first.outcomes.items()} == {
        u: o.result.status for u, o in second.outcomes.items()
    }
    assert second.outcomes["https://github.com/oldorg/renamed"].result.final_url == "https://github.com/neworg/renamed"


def test_rest_budget_running_out_drops_nothing(tmp_path):
    """With 60 requests an hour the REST lookups stop early; every other link comes back stale, none lost."""
    world, urls, _ = registry_world()
    earlier = datetime(2025, 1, 1, tzinfo=UTC)
    previous = {u: GitHubMeta(full_name="x/y", stars=1, forks=0, fetched_at=earlier) for u in urls}
    with FakeApis(world) as fake:
        report = fetch_github(urls, settings_for(fake, tmp_path), previous)
    assert world.rest_remaining >= 0 and report.api_requests <= 60
    assert set(report.outcomes) | set(report.page_checks) == set(urls)
    stale = [m.github for m in report.page_checks.values() if m.github is not None and m.github.stale]
    assert stale and all(m.fetched_at == earlier for m in stale)
    assert "nearly spent" in report.notices[-1]


def test_secondary_limit_on_the_fake_is_retried(tmp_path):
    """A scripted 403 secondary limit with retry-after costs one extra GraphQL request and a recorded wait."""
    world, urls, _ = registry_world(github_token=GH_TOKEN)
    world.script("graphql", 403, {"message": "You have exceeded a secondary rate limit."}, {"retry-after": "2"})
    with FakeApis(world) as fake:
        report = fetch_github(urls, settings_for(fake, tmp_path, GITHUB_TOKEN=GH_TOKEN))
        assert fake.counts["graphql"] == 2
    assert retry.recorded_waits() == [2.0] and len(report.outcomes) >= 30


def test_hugging_face_against_the_fake(tmp_path):
    """HF_ENDPOINT sends every lookup to the fake: one request per repository, renamed and gated handled."""
    world, _, hf_urls = registry_world()
    with FakeApis(world) as fake:
        report = fetch_hf(hf_urls, settings_for(fake, tmp_path))
        hf_requests = fake.counts["hf"]
    # 6 repositories, one renamed (307 + follow), one with a path link (+ ?blobs=true for its sizes)
    assert hf_requests == report.api_requests == 8
    status = {u: o.result.status for u, o in report.outcomes.items()}
    assert status["https://huggingface.co/oldorg/llm"] is LinkStatus.REDIRECTED
    assert status["https://huggingface.co/datasets/org/vanished"] is LinkStatus.BROKEN
    assert status["https://huggingface.co/datasets/org/gated-notes"] is LinkStatus.OK
    assert report.outcomes["https://huggingface.co/org/med-llm"].huggingface.license == "llama3"
    assert set(report.outcomes) == set(hf_urls)


def test_tokens_never_reach_logs_or_files(tmp_path, caplog):
    """With a rejected GitHub token (REST fallback writes the cache) and an HF token, neither appears anywhere."""
    caplog.set_level(logging.DEBUG)
    world, urls, hf_urls = registry_world(github_token="ghp_theOnlyValidToken", rest_limit=5000, rest_remaining=5000)
    world.hf_token = HF_TOKEN
    with FakeApis(world) as fake:
        settings = settings_for(fake, tmp_path, GITHUB_TOKEN=GH_TOKEN, HF_TOKEN=HF_TOKEN)
        gh = fetch_github(urls, settings)
        hf = fetch_hf(hf_urls, settings)
        sent = [(r.endpoint, r.authorization) for r in fake.requests]
    assert any(auth == f"Bearer {GH_TOKEN}" for endpoint, auth in sent if endpoint == "graphql")
    assert all(auth is None for endpoint, auth in sent if endpoint == "rest")  # continued without the bad token
    assert all(auth == f"Bearer {HF_TOKEN}" for endpoint, auth in sent if endpoint == "hf")
    assert any("401" in n for n in gh.notices)
    files = [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]
    assert files, "the REST fallback should have written its ETag cache"
    for path in files:
        content = path.read_bytes()
        assert GH_TOKEN.encode() not in content and HF_TOKEN.encode() not in content
    logged = "\n".join(f"{r.getMessage()} {r.args!r}" for r in caplog.records)
    for text in (logged, repr(gh), repr(hf), repr(settings), str(dataclasses.asdict(settings))):
        assert GH_TOKEN not in text and HF_TOKEN not in text
