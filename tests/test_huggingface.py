"""Hugging Face metadata: link parsing, fields, 401/404/gated/429, renames, HF_ENDPOINT and HF_TOKEN."""

from __future__ import annotations

from datetime import UTC, datetime

import anyio
import httpx
import pytest
import respx

from crawler import retry
from crawler.models import HuggingFaceMeta, LinkStatus
from crawler.settings import Secret, Settings
from crawler.sources import huggingface
from crawler.sources.huggingface import claims, parse_hf_url
from tests.sources_util import fetch_with

HF = "https://huggingface.co"
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
TOKEN = "hf_testTokenAbcdefghijklmnopqrstuvwxyz"
LIMITS = {"RateLimit": '"api";r=480;t=200', "RateLimit-Policy": '"fixed window";"api";q=500;w=300'}


def dataset_body(repo_id: str = "FreedomIntelligence/medical-o1-reasoning-SFT", **kw) -> dict:
    """Shaped like GET /api/datasets/{id} (the fields huggingface_hub's DatasetInfo reads)."""
    body = {
        "_id": "67769b9b3c2b6d7f0a1b2c3d", "id": repo_id, "author": repo_id.split("/")[0],
        "sha": "5b4a1e8f2c9d0e7a6b3c4d5e6f708192a3b4c5d6", "lastModified": "2025-01-10T08:30:00.000Z",
        "private": False, "gated": False, "disabled": False, "downloads": 15234, "likes": 812,
        "tags": ["task_categories:question-answering", "language:en", "license:apache-2.0", "medical"],
        "cardData": {"license": "apache-2.0", "language": ["en", "zh"]},
        "createdAt": "2024-12-28T03:29:08.000Z",
        "siblings": [{"rfilename": ".gitattributes"}, {"rfilename": "README.md"},
                     {"rfilename": "medical_o1_sft.json"}, {"rfilename": "data/train-00000-of-00001.parquet"}],
    }  # fmt: skip
    body.update(kw)
    return body


def run(urls, previous=None, **settings_kw):
    settings = Settings(**settings_kw)

    async def go():
        async with httpx.AsyncClient() as client:
            return await fetch_with(huggingface.SOURCE, urls, client, settings, previous or {}, now=lambda: NOW)

    return anyio.run(go)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://huggingface.co/datasets/FreedomIntelligence/medical-o1-reasoning-SFT",
         ("dataset", "FreedomIntelligence/medical-o1-reasoning-SFT", None)),
        ("https://huggingface.co/FreedomIntelligence/HuatuoGPT-o1-8B",
         ("model", "FreedomIntelligence/HuatuoGPT-o1-8B", None)),
        ("https://hf.co/spaces/openlifescienceai/open_medical_llm_leaderboard/",
         ("space", "openlifescienceai/open_medical_llm_leaderboard", None)),
        ("https://huggingface.co/datasets/pubmed_qa", ("dataset", "pubmed_qa", None)),
        ("https://huggingface.co/datasets/o/d/tree/main/data", ("dataset", "o/d", "data")),
        ("https://www.huggingface.co/o/m?library=transformers#usage", ("model", "o/m", None)),
    ],
)  # fmt: skip
def test_repository_links_parse(url, expected):
    """Models, datasets (one or two segments) and Spaces parse, with tree/main paths kept."""
    ref = parse_hf_url(url)
    assert (ref.repo_type, ref.repo_id, ref.path) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://huggingface.co/FreedomIntelligence",  # an organisation page, or a legacy model: ambiguous
        "https://huggingface.co/docs/hub/rate-limits",
        "https://huggingface.co/papers/2412.18925",
        "https://huggingface.co/datasets",
        "https://huggingface.co/o/m/discussions/3",
        "https://huggingface.co/datasets/o/d/blob/v1.0/data.json",  # not the default revision
        "https://example.com/o/m",
    ],
)
def test_other_links_are_not_claimed(url):
    """Pages the repository API cannot answer for are left to the link checker."""
    assert not huggingface.claims(url, Settings())


@respx.mock
def test_dataset_fields():
    """id, downloads, likes, cardData licence, dates, gated, private and disabled are read."""
    respx.get(f"{HF}/api/datasets/FreedomIntelligence/medical-o1-reasoning-SFT").mock(
        return_value=httpx.Response(200, json=dataset_body(), headers=LIMITS)
    )
    url = "https://huggingface.co/datasets/FreedomIntelligence/medical-o1-reasoning-SFT"
    report = run([url, url + "/"])
    meta = report.outcomes[url].huggingface
    assert report.outcomes[url].result.status is LinkStatus.OK and report.api_requests == 1
    assert (meta.id, meta.repo_type, meta.downloads, meta.likes, meta.license) == (
        "FreedomIntelligence/medical-o1-reasoning-SFT", "dataset", 15234, 812, "apache-2.0")  # fmt: skip
    assert meta.last_modified == datetime(2025, 1, 10, 8, 30, tzinfo=UTC)
    assert meta.created_at == datetime(2024, 12, 28, 3, 29, 8, tzinfo=UTC)
    assert (meta.gated, meta.private, meta.disabled, meta.fetched_at) == (False, False, False, NOW)


@respx.mock
def test_licence_from_tags_and_lists_kept():
    """Without cardData's licence the license: tags are used; a list stays a list."""
    respx.get(f"{HF}/api/models/o/tagged").mock(
        return_value=httpx.Response(200, json=dataset_body("o/tagged", cardData={}, tags=["license:mit"]))
    )
    respx.get(f"{HF}/api/models/o/listed").mock(
        return_value=httpx.Response(200, json=dataset_body("o/listed", cardData={"license": ["cc-by-4.0", "mit"]}))
    )
    report = run(["https://huggingface.co/o/tagged", "https://huggingface.co/o/listed"])
    assert report.outcomes["https://huggingface.co/o/tagged"].huggingface.license == "mit"
    assert report.outcomes["https://huggingface.co/o/listed"].huggingface.license == ["cc-by-4.0", "mit"]


@respx.mock
def test_missing_repo_is_broken_with_and_without_a_token():
    """401 without a token and 404 X-Error-Code: RepoNotFound with one are both broken."""
    not_found = {"X-Error-Code": "RepoNotFound", "X-Error-Message": "Repository not found"}
    respx.get(f"{HF}/api/datasets/o/gone").mock(
        side_effect=lambda request: httpx.Response(404, json={"error": "Repository not found"}, headers=not_found)
        if "authorization" in request.headers
        else httpx.Response(401, json={"error": "Invalid username or password."}, headers=not_found)
    )
    anonymous = run(["https://huggingface.co/datasets/o/gone"]).outcomes["https://huggingface.co/datasets/o/gone"]
    authed = run(["https://huggingface.co/datasets/o/gone"], hf_token=Secret(TOKEN))
    authed_result = authed.outcomes["https://huggingface.co/datasets/o/gone"].result
    assert (anonymous.result.status, anonymous.result.http_status) == (LinkStatus.BROKEN, 401)
    assert (authed_result.status, authed_result.http_status) == (LinkStatus.BROKEN, 404)
    assert authed.notices == []


@respx.mock
def test_gated_repo_is_ok_with_gated_set():
    """Gated repositories answer their metadata: the link is ok and gated says how access is granted."""
    respx.get(f"{HF}/api/models/meta-llama/Llama-3.1-8B").mock(
        return_value=httpx.Response(200, json=dataset_body("meta-llama/Llama-3.1-8B", gated="manual"))
    )
    respx.get(f"{HF}/api/datasets/o/auto").mock(
        return_value=httpx.Response(200, json=dataset_body("o/auto", gated="auto"))
    )
    report = run(["https://huggingface.co/meta-llama/Llama-3.1-8B", "https://huggingface.co/datasets/o/auto"])
    manual = report.outcomes["https://huggingface.co/meta-llama/Llama-3.1-8B"]
    assert manual.result.status is LinkStatus.OK and manual.huggingface.gated == "manual"
    assert report.outcomes["https://huggingface.co/datasets/o/auto"].huggingface.gated == "auto"


@respx.mock
def test_429_waits_for_the_ratelimit_reset_then_retries():
    """429 is retried after the t= seconds of the RateLimit header (recorded, not slept)."""
    headers = {"RateLimit": '"api";r=0;t=20', "RateLimit-Policy": '"fixed window";"api";q=500;w=300'}
    limited = httpx.Response(429, json={"error": "Too Many Requests"}, headers=headers)
    route = respx.get(f"{HF}/api/datasets/o/d").mock(
        side_effect=[limited, httpx.Response(200, json=dataset_body("o/d"))]
    )
    report = run(["https://huggingface.co/datasets/o/d"])
    assert route.call_count == 2 and retry.recorded_waits() == [20.0]
    assert report.outcomes["https://huggingface.co/datasets/o/d"].result.status is LinkStatus.OK


@respx.mock
def test_429_retry_after_takes_precedence():
    """Retry-After, when present, is the wait."""
    limited = httpx.Response(429, headers={"Retry-After": "7", "RateLimit": '"api";r=0;t=20'})
    respx.get(f"{HF}/api/datasets/o/d").mock(side_effect=[limited, httpx.Response(200, json=dataset_body("o/d"))])
    run(["https://huggingface.co/datasets/o/d"])
    assert retry.recorded_waits() == [7.0]


@respx.mock
def test_long_rate_limit_stops_and_carries_metadata_over_stale():
    """A reset too far away is not waited for: remaining links fall back with their previous metadata, stale."""
    route = respx.get(f"{HF}/api/datasets/o/d").mock(
        return_value=httpx.Response(429, headers={"RateLimit": '"api";r=0;t=280'})
    )
    later = respx.get(f"{HF}/api/datasets/o/e")
    earlier = datetime(2025, 2, 1, tzinfo=UTC)
    previous = {
        "https://huggingface.co/datasets/o/e": HuggingFaceMeta(id="o/e", repo_type="dataset", fetched_at=earlier)
    }
    report = run(["https://huggingface.co/datasets/o/d", "https://huggingface.co/datasets/o/e"], previous)
    assert route.call_count == 1 and later.call_count == 0
    carried = report.page_checks["https://huggingface.co/datasets/o/e"].huggingface
    assert carried.stale is True and carried.fetched_at == earlier
    assert report.page_checks["https://huggingface.co/datasets/o/d"].huggingface is None
    assert "280s" in report.notices[0] and "2 Hugging Face link(s)" in report.notices[0]


@respx.mock
def test_renamed_repo_307_is_redirected():
    """A renamed repository answers 307 to its new API URL; the link is redirected to the new page."""
    respx.get(f"{HF}/api/models/OldOrg/model").mock(
        return_value=httpx.Response(307, headers={"Location": "/api/models/NewOrg/model"})
    )
    respx.get(f"{HF}/api/models/NewOrg/model").mock(return_value=httpx.Response(200, json=dataset_body("NewOrg/model")))
    outcome = run(["https://huggingface.co/OldOrg/model"]).outcomes["https://huggingface.co/OldOrg/model"]
    assert outcome.result.status is LinkStatus.REDIRECTED
    assert outcome.result.final_url == "https://huggingface.co/NewOrg/model"
    assert outcome.huggingface.id == "NewOrg/model"


@respx.mock
def test_hf_endpoint_is_honoured_and_the_token_goes_only_there():
    """HF_ENDPOINT is where the API calls go, its links are claimed, and HF_TOKEN is sent per request."""
    mirror = "https://hf-mirror.example.com"
    route = respx.get(f"{mirror}/api/datasets/o/d").mock(return_value=httpx.Response(200, json=dataset_body("o/d")))
    settings = Settings.from_env({"HF_ENDPOINT": mirror + "/", "HF_TOKEN": TOKEN})
    assert huggingface.claims(f"{mirror}/datasets/o/d", settings)
    report = run(["https://huggingface.co/datasets/o/d"], hf_endpoint=settings.hf_endpoint, hf_token=settings.hf_token)
    assert route.calls[0].request.headers["authorization"] == f"Bearer {TOKEN}"
    assert report.outcomes["https://huggingface.co/datasets/o/d"].result.status is LinkStatus.OK


@respx.mock
def test_rejected_token_is_said_once_and_dropped():
    """A 401 to HF_TOKEN gives one notice (without the token) and the request is repeated anonymously."""
    route = respx.get(f"{HF}/api/datasets/o/d").mock(
        side_effect=lambda request: httpx.Response(401, json={"error": "Invalid credentials in Authorization header"})
        if "authorization" in request.headers
        else httpx.Response(200, json=dataset_body("o/d"))
    )
    respx.get(f"{HF}/api/datasets/o/e").mock(return_value=httpx.Response(200, json=dataset_body("o/e")))
    urls = ["https://huggingface.co/datasets/o/d", "https://huggingface.co/datasets/o/e"]
    report = run(urls, hf_token=Secret(TOKEN))
    assert route.call_count == 2 and len(report.notices) == 1 and TOKEN not in report.notices[0]
    assert all(o.result.status is LinkStatus.OK for o in report.outcomes.values())


@respx.mock
def test_tree_path_is_checked_against_the_file_list():
    """A /tree/main/<path> link is ok when a file lies at or under the path, broken otherwise."""
    respx.get(f"{HF}/api/datasets/o/d").mock(return_value=httpx.Response(200, json=dataset_body("o/d")))
    report = run(
        ["https://huggingface.co/datasets/o/d/tree/main/data", "https://huggingface.co/datasets/o/d/blob/main/nope.csv"]
    )
    assert report.outcomes["https://huggingface.co/datasets/o/d/tree/main/data"].result.status is LinkStatus.OK
    broken = report.outcomes["https://huggingface.co/datasets/o/d/blob/main/nope.csv"].result
    assert broken.status is LinkStatus.BROKEN and "'nope.csv'" in broken.reason
    assert report.api_requests == 2  # the info with expand[], then ?blobs=true for the paths' sizes


@respx.mock
def test_disabled_repo_is_broken_with_metadata():
    """A repository Hugging Face disabled cannot be downloaded: broken, with disabled in its metadata."""
    respx.get(f"{HF}/api/models/o/m").mock(return_value=httpx.Response(200, json=dataset_body("o/m", disabled=True)))
    outcome = run(["https://huggingface.co/o/m"]).outcomes["https://huggingface.co/o/m"]
    assert outcome.result.status is LinkStatus.BROKEN and outcome.huggingface.disabled is True


@respx.mock
def test_api_down_falls_back_to_page_checks():
    """5xx after retries: no verdict, the link is unanswered and a notice says why."""
    respx.get(f"{HF}/api/datasets/o/d").mock(return_value=httpx.Response(503))
    report = run(["https://huggingface.co/datasets/o/d"])
    assert report.outcomes == {} and list(report.page_checks) == ["https://huggingface.co/datasets/o/d"]
    assert "HTTP 503" in report.notices[0] and report.api_requests == 3


def test_endpoint_without_port_claims_only_its_default_port():
    """HF_ENDPOINT=http://localhost claims localhost:80 links, not every port on that host; :443 equals no port."""
    local = Settings.from_env({"HF_ENDPOINT": "http://localhost"})
    assert claims("http://localhost/datasets/org/x", local)
    assert not claims("http://localhost:3000/org/model", local)
    mirror = Settings.from_env({"HF_ENDPOINT": "https://hf-mirror.com:443"})
    assert claims("https://hf-mirror.com/datasets/org/x", mirror)


def test_bare_404_from_a_mirror_is_page_checked_not_broken():
    """A 404 without X-Error-Code: RepoNotFound (a route the mirror lacks) leaves the link to the page check."""
    settings = Settings.from_env({"HF_ENDPOINT": "https://mirror.test"})
    url = "https://huggingface.co/spaces/org/demo"
    router = respx.MockRouter()
    router.get("https://mirror.test/api/spaces/org/demo").respond(404, text="Not Found")

    async def go():
        async with httpx.AsyncClient(transport=httpx.MockTransport(router.handler)) as client:
            return await fetch_with(huggingface.SOURCE, [url], client, settings, {})

    report = anyio.run(go)
    assert url in report.page_checks and url not in report.outcomes


def test_api_unreachable_is_told_in_words_not_an_exception_name():
    """A refused connection to the Hub reads 'connection refused talking to ...', not 'ConnectError'."""

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    async def go():
        async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as client:
            settings = Settings.from_env({"HF_ENDPOINT": "https://hub.example"})
            return await fetch_with(huggingface.SOURCE, ["https://huggingface.co/org/model"], client, settings, {})

    report = anyio.run(go)
    assert report.notices and "connection refused talking to" in report.notices[0]
    assert "ConnectError" not in report.notices[0]
