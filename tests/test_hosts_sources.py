"""Corpus-host adapters (issue 10) against respx mocks of each host's documented answers."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import anyio
import httpx
import pytest
import respx

from crawler import retry
from crawler.models import Access, LinkStatus
from crawler.settings import Settings
from crawler.sources import SOURCES, baidu_pan, figshare, gdrive, kaggle, modelscope, physionet, tianchi, zenodo
from crawler.sources.base import Answered, PageCheck, SourceContext
from crawler.sources.hostkit import parse_size, rate_limit_wait, spdx

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
SETTINGS = Settings()


def fetch(source, urls, settings: Settings = SETTINGS):
    async def go():
        async with httpx.AsyncClient() as client:
            ctx = SourceContext(client=client, settings=settings, previous={}, now=lambda: NOW)
            return await source.fetch(urls, ctx)

    return anyio.run(go)


def answered(report, url):
    answer = report.answers[url]
    assert isinstance(answer, Answered), answer
    return answer.outcome


# --------------------------------------------------------------------------- claims


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("https://zenodo.org/records/10669781", "zenodo"),
        ("https://zenodo.org/record/3625395/files/data.zip?download=1", "zenodo"),
        ("https://doi.org/10.5281/zenodo.3625395", "zenodo"),
        ("https://www.modelscope.cn/models/qwen/Qwen-7B/files", "modelscope"),
        ("https://modelscope.ai/datasets/med/cmb", "modelscope"),
        ("https://physionet.org/content/mimiciii/1.4/", "physionet"),
        ("https://physionet.org/files/ptb-xl/1.0.3/", "physionet"),
        ("https://figshare.com/articles/dataset/Some_title/12345678", "figshare"),
        ("https://doi.org/10.6084/m9.figshare.12345678.v2", "figshare"),
        ("https://www.kaggle.com/datasets/owner/medical-notes", "kaggle"),
        ("https://docs.google.com/spreadsheets/d/1AbCdEfGhIjKlMn/edit", "gdrive"),
        ("https://pan.baidu.com/share/init?surl=AbCd", "baidu-pan"),
        ("https://tianchi.aliyun.com/dataset/dataDetail?dataId=92110", "tianchi"),
    ],
)
def test_each_link_is_claimed_by_exactly_its_adapter(url, name):
    """Every corpus-host link form is claimed by its own adapter and by no other."""
    assert [s.name for s in SOURCES if s.claims(url, SETTINGS)] == [name]


@pytest.mark.parametrize(
    "url",
    ["https://zenodo.org/communities/x", "https://physionet.org/about/", "https://www.kaggle.com/competitions/x",
     "https://pan.baidu.com/disk/home", "https://tianchi.aliyun.com/competition/entrance/1",
     "https://drive.google.com/drive/my-drive", "https://github.com/o/r", "https://doi.org/10.1000/xyz"],
)  # fmt: skip
def test_other_pages_of_those_hosts_are_not_claimed(url):
    """Pages that are not records (communities, competitions, home pages) are left to the link checker."""
    assert not any(s.claims(url, SETTINGS) for s in SOURCES if s.name not in ("github", "huggingface"))


def test_base_url_setting_is_claimed_but_other_local_ports_are_not():
    """A link on the configured base (a mirror or a fake) is claimed; another port on the same host is not."""
    settings = Settings.from_env({"ZENODO_URL": "http://127.0.0.5:8080"})
    assert zenodo.SOURCE.claims("http://127.0.0.5:8080/records/4", settings)
    assert not zenodo.SOURCE.claims("http://127.0.0.5:9090/records/4", settings)


# --------------------------------------------------------------------------- shared helpers


def test_sizes_and_licences():
    """Sizes in decimal and binary units; SPDX ids from host ids and names; unknown names kept."""
    assert parse_size("1.2 GB") == 1_200_000_000 and parse_size("830 MiB") == 830 * 2**20 and parse_size("x") is None
    assert spdx("cc-by-4.0") == "CC-BY-4.0" and spdx("CC BY 4.0") == "CC-BY-4.0" and spdx("mit") == "MIT"
    assert (
        spdx("PhysioNet Credentialed Health Data License 1.5.0") == "PhysioNet Credentialed Health Data License 1.5.0"
    )


def test_rate_limit_wait_reads_retry_after_and_unix_reset():
    """Retry-After in seconds wins; X-RateLimit-Reset is read as seconds or as a Unix time."""
    assert rate_limit_wait({"retry-after": "7"}) == 7.0
    assert rate_limit_wait({"x-ratelimit-reset": "30"}) == 30.0
    assert 55 <= rate_limit_wait({"x-ratelimit-reset": str(int(time.time()) + 60)}) <= 60


# --------------------------------------------------------------------------- Zenodo

ZENODO_RECORD = {
    "id": 42, "doi": "10.5281/zenodo.42", "updated": "2024-01-02T03:04:05+00:00",
    "metadata": {"title": "MedDialog", "access_right": "embargoed", "license": {"id": "cc-by-nc-4.0"}, "version": "v2",
                 "relations": {"version": [{"last_child": {"pid_value": "42"}, "is_last": True}]}},
    "files": [{"key": "a.zip", "size": 10}, {"key": "b.zip", "size": 32}], "stats": {"downloads": 7},
}  # fmt: skip


@respx.mock
def test_zenodo_record_fields():
    """An embargoed record: access restricted, SPDX licence, two files summed, DOI, version, not newer."""
    respx.get("https://zenodo.org/api/records/42").respond(200, json=ZENODO_RECORD)
    o = answered(fetch(zenodo.SOURCE, ["https://zenodo.org/records/42"]), "https://zenodo.org/records/42")
    assert o.result.status is LinkStatus.OK and o.meta.access is Access.RESTRICTED
    assert (o.meta.license, o.meta.size_bytes, o.meta.file_count, o.meta.downloads) == ("CC-BY-NC-4.0", 42, 2, 7)
    assert (o.meta.version, o.meta.latest_version, o.meta.newer_version) == ("v2", "v2", False)


@respx.mock
def test_zenodo_tombstone_is_removed():
    """410 with a tombstone body is broken with cause removed and the tombstone's message."""
    stone = {"removal_reason": {"id": "spam"}, "note": "Duplicate upload", "removal_date": "2025-01-01"}
    respx.get("https://zenodo.org/api/records/9").respond(
        410, json={"status": 410, "message": "Record deleted", "tombstone": stone}
    )
    o = answered(fetch(zenodo.SOURCE, ["https://zenodo.org/record/9"]), "https://zenodo.org/record/9")
    assert (o.result.status, o.result.cause) == (LinkStatus.BROKEN, "removed") and "Duplicate upload" in o.result.reason


@respx.mock
def test_zenodo_429_waits_for_the_unix_reset():
    """429 with X-RateLimit-Reset as a Unix time is retried after that many seconds."""
    reset = str(int(time.time()) + 20)
    route = respx.get("https://zenodo.org/api/records/42")
    route.side_effect = [httpx.Response(429, headers={"X-RateLimit-Reset": reset, "X-RateLimit-Remaining": "0"}),
                         httpx.Response(200, json=ZENODO_RECORD)]  # fmt: skip
    o = answered(fetch(zenodo.SOURCE, ["https://zenodo.org/records/42"]), "https://zenodo.org/records/42")
    assert o.result.status is LinkStatus.OK and 15 <= retry.recorded_waits()[0] <= 20


@respx.mock
def test_zenodo_5xx_that_persists_is_a_page_check_with_a_notice():
    """A Zenodo that keeps answering 503 is not a verdict: page checks and one notice."""
    respx.get("https://zenodo.org/api/records/1").respond(503)
    report = fetch(zenodo.SOURCE, ["https://zenodo.org/records/1"])
    assert isinstance(report.answers["https://zenodo.org/records/1"], PageCheck) and len(report.notices) == 1
    assert report.api_requests == 3


@respx.mock
def test_zenodo_spent_budget_stops_before_the_next_request():
    """X-RateLimit-Remaining: 0 with a reset an hour away: the next record is not asked, it is page-checked."""
    reset = str(int(time.time()) + 3600)
    first = respx.get("https://zenodo.org/api/records/42").respond(
        200, json=ZENODO_RECORD, headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}
    )
    second = respx.get("https://zenodo.org/api/records/43").respond(200, json={**ZENODO_RECORD, "id": 43})
    report = fetch(zenodo.SOURCE, ["https://zenodo.org/records/42", "https://zenodo.org/records/43"])
    assert first.call_count == 1 and second.call_count == 0
    assert isinstance(report.answers["https://zenodo.org/records/43"], PageCheck) and "spent" in report.notices[0]


@respx.mock
def test_an_answer_unlike_the_documented_one_is_a_page_check():
    """A body that does not fit the metadata shape (a title that is a list) gives a page check, not a crash."""
    respx.get("https://zenodo.org/api/records/44").respond(200, json={**ZENODO_RECORD, "id": 44,
                                                                      "metadata": {"title": ["x"]}})  # fmt: skip
    report = fetch(zenodo.SOURCE, ["https://zenodo.org/records/44"])
    assert isinstance(report.answers["https://zenodo.org/records/44"], PageCheck)


# --------------------------------------------------------------------------- ModelScope


@respx.mock
def test_modelscope_error_code_in_a_200_is_broken():
    """HTTP 200 with Code != 200 (Success false) is a missing repository."""
    respx.get("https://www.modelscope.cn/api/v1/datasets/o/n").respond(
        200, json={"Code": 10010205, "Message": "Dataset not found", "Success": False, "RequestId": "x"}
    )
    o = answered(fetch(modelscope.SOURCE, ["https://modelscope.cn/datasets/o/n"]), "https://modelscope.cn/datasets/o/n")
    assert (o.result.status, o.result.cause) == (LinkStatus.BROKEN, "not-found")


@respx.mock
def test_modelscope_intl_site_goes_to_the_intl_endpoint_and_404_is_broken():
    """modelscope.ai links ask the international endpoint; an HTTP 404 is broken."""
    respx.get("https://www.modelscope.ai/api/v1/models/o/n").respond(404)
    o = answered(fetch(modelscope.SOURCE, ["https://modelscope.ai/models/o/n"]), "https://modelscope.ai/models/o/n")
    assert o.result.status is LinkStatus.BROKEN and o.result.http_status == 404


@respx.mock
def test_modelscope_private_repo_is_unverified_login():
    """401/403 (private or token required) is unverified with access login."""
    respx.get("https://www.modelscope.cn/api/v1/models/o/p").respond(403)
    o = answered(fetch(modelscope.SOURCE, ["https://modelscope.cn/models/o/p"]), "https://modelscope.cn/models/o/p")
    assert o.result.status is LinkStatus.UNVERIFIED and o.meta.access is Access.LOGIN


# --------------------------------------------------------------------------- PhysioNet


@respx.mock
def test_physionet_list_unavailable_is_page_checks_with_one_notice():
    """A 429 that asks for more than the policy allows ends the run's PhysioNet lookups after one request."""
    route = respx.get("https://physionet.org/api/v1/project/published/").respond(429, headers={"Retry-After": "3600"})
    urls = ["https://physionet.org/content/a/1.0/", "https://physionet.org/content/b/"]
    report = fetch(physionet.SOURCE, urls)
    assert route.call_count == 1 and all(isinstance(report.answers[u], PageCheck) for u in urls)
    assert len(report.notices) == 1


@respx.mock
def test_physionet_restricted_dua():
    """A restricted DUA makes access restricted; an unversioned link is ok with the project's size."""
    respx.get("https://physionet.org/api/v1/project/published/").respond(
        200, json=[{"slug": "r", "title": "R", "license": {"name": "PhysioNet Restricted Health Data License 1.5.0"},
                    "dua": {"name": "PhysioNet Restricted Health Data Use Agreement"}, "main_storage_size": 99}]
    )  # fmt: skip
    o = answered(fetch(physionet.SOURCE, ["https://physionet.org/content/r/"]), "https://physionet.org/content/r/")
    assert o.meta.access is Access.RESTRICTED and o.meta.size_bytes == 99


# --------------------------------------------------------------------------- figshare


@respx.mock
def test_figshare_entity_not_found():
    """figshare's 404 EntityNotFound is broken."""
    respx.get("https://api.figshare.com/v2/articles/1").respond(404, json={"message": "Entity not found: article",
                                                                           "code": "EntityNotFound"})  # fmt: skip
    url = "https://figshare.com/articles/dataset/x/1"
    assert answered(fetch(figshare.SOURCE, [url]), url).result.status is LinkStatus.BROKEN


@respx.mock
def test_figshare_rate_limited_then_ok():
    """figshare's 429 with Retry-After is retried once after the wait."""
    route = respx.get("https://api.figshare.com/v2/articles/2")
    body = {"id": 2, "title": "t", "version": 1, "files": [{"size": 3}], "size": 3, "license": {"name": "CC0"}}
    route.side_effect = [httpx.Response(429, headers={"Retry-After": "2"}), httpx.Response(200, json=body)]
    url = "https://api.figshare.com/v2/articles/2"
    o = answered(fetch(figshare.SOURCE, [url]), url)
    assert o.meta.license == "CC0-1.0" and retry.recorded_waits() == [2.0]


# --------------------------------------------------------------------------- Kaggle


@respx.mock
def test_kaggle_bad_credentials_fall_back_to_the_page():
    """A 401 from the API with KAGGLE_KEY gives one notice and a page check of the dataset page."""
    respx.get("https://www.kaggle.com/api/v1/datasets/view/o/d").respond(401)
    respx.get("https://www.kaggle.com/datasets/o/d").respond(200, text="<html></html>")
    settings = Settings.from_env({"KAGGLE_USERNAME": "u", "KAGGLE_KEY": "secret-key-value"})
    report = fetch(kaggle.SOURCE, ["https://www.kaggle.com/datasets/o/d"], settings)
    assert answered(report, "https://www.kaggle.com/datasets/o/d").result.status is LinkStatus.OK
    assert "401" in report.notices[0] and "secret-key-value" not in " ".join(report.notices)


# --------------------------------------------------------------------------- Google Drive


@respx.mock
def test_gdrive_sign_in_redirect_is_login_required():
    """A 302 to accounts.google.com/ServiceLogin is unverified, login required."""
    respx.get("https://docs.google.com/document/d/1AbCdEfGhIjKl/edit").respond(
        302, headers={"Location": "https://accounts.google.com/ServiceLogin?continue=x"}
    )
    url = "https://docs.google.com/document/d/1AbCdEfGhIjKl/edit"
    o = answered(fetch(gdrive.SOURCE, [url]), url)
    assert (o.result.status, o.result.cause, o.meta.access) == (LinkStatus.UNVERIFIED, "login-required", Access.LOGIN)


# --------------------------------------------------------------------------- Baidu Netdisk


@pytest.mark.parametrize(
    ("text", "status", "cause", "access"),
    [
        ("啊哦，你来晚了，分享的文件已经被删除了，下次要早点哟。", LinkStatus.BROKEN, "removed", None),
        ("此链接分享内容可能因为涉及侵权、色情、反动、低俗等信息，无法访问！", LinkStatus.BROKEN, "banned", None),
        ("啊哦，来晚了，该分享文件已过期", LinkStatus.BROKEN, "expired", None),
        ("啊哦！链接错误没找到文件，请打开正确的分享链接!", LinkStatus.BROKEN, "not-found", None),
        ("请输入提取码", LinkStatus.OK, None, Access.CODE),
        ("<html>something else</html>", LinkStatus.UNVERIFIED, "unrecognised-page", None),
    ],
)
def test_baidu_share_page_markers(text, status, cause, access):
    """Each documented Netdisk message maps to its status and cause; an unknown page is never ok."""
    assert baidu_pan.read_share_page(text)[:3] == (status, cause, access)


@respx.mock
def test_baidu_init_redirect_is_ok_with_code():
    """A /s/ link redirecting to /share/init?surl= asks for an extraction code: ok, access code."""
    respx.get("https://pan.baidu.com/s/1abc").respond(302, headers={"Location": "/share/init?surl=abc"})
    o = answered(fetch(baidu_pan.SOURCE, ["https://pan.baidu.com/s/1abc"]), "https://pan.baidu.com/s/1abc")
    assert o.result.status is LinkStatus.OK and o.meta.access is Access.CODE


@respx.mock
def test_baidu_body_is_decoded_with_replacement():
    """Bytes that are not UTF-8 do not break the marker search."""
    body = b"\xff\xfe" + "分享的文件已经被取消了".encode()
    respx.get("https://pan.baidu.com/s/1bad").respond(200, content=body)
    o = answered(fetch(baidu_pan.SOURCE, ["https://pan.baidu.com/s/1bad"]), "https://pan.baidu.com/s/1bad")
    assert o.result.cause == "removed"


# --------------------------------------------------------------------------- Tianchi


def test_tianchi_registry_links_are_unverifiable():
    """The shipped registry's two Tianchi links are unverified (unverifiable-host), never ok."""
    urls = ["https://tianchi.aliyun.com/dataset/90163", "https://tianchi.aliyun.com/dataset/92110"]
    report = fetch(tianchi.SOURCE, urls)
    assert {answered(report, u).result.cause for u in urls} == {"unverifiable-host"}
    assert report.api_requests == 0 and len(report.notices) == 1
