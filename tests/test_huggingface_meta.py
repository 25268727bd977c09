"""Hugging Face LinkMeta and causes: expand[] fields, sizes, downloads, gated, disabled, removed, paths."""

from __future__ import annotations

import httpx
import respx

from crawler.models import Access, LinkStatus
from crawler.sources.huggingface import parse_hf_url
from tests.test_huggingface import HF, LIMITS, dataset_body, run


def _expanded(**kw) -> dict:
    """An answer to ``?expand[]=...``: the default fields plus usedStorage and downloadsAllTime."""
    return dataset_body(usedStorage=5_368_709_120, downloadsAllTime=250_000, **kw)


@respx.mock
def test_expand_fields_fill_link_meta():
    """Licence from cardData, size from usedStorage, 30-day and all-time downloads, likes, last modified."""
    url = f"{HF}/datasets/FreedomIntelligence/medical-o1-reasoning-SFT"
    route = respx.get(f"{HF}/api/datasets/FreedomIntelligence/medical-o1-reasoning-SFT").mock(
        return_value=httpx.Response(200, json=_expanded(), headers=LIMITS)
    )
    outcome = run([url]).outcomes[url]
    meta = outcome.meta
    assert (meta.source, meta.access, meta.license) == ("huggingface", Access.OPEN, "apache-2.0")
    counts = (meta.size_bytes, meta.downloads, meta.downloads_all_time, meta.likes)
    assert counts == (5_368_709_120, 15234, 250_000, 812)
    assert meta.file_count == 4 and meta.updated_at.year == 2025 and outcome.result.cause is None
    expand = route.calls[0].request.url.params.get_list("expand[]")
    assert {"usedStorage", "downloadsAllTime", "cardData", "gated", "siblings"} <= set(expand)


@respx.mock
def test_gated_repository_keeps_its_licence_and_reads_gated():
    """gated manual: ok, access gated, cause gated, licence still read from cardData."""
    respx.get(f"{HF}/api/models/meta-llama/Llama-3.1-8B").mock(
        return_value=httpx.Response(200, json=_expanded(id="meta-llama/Llama-3.1-8B", gated="manual",
                                                        cardData={"license": "llama3.1"}))  # fmt: skip
    )
    outcome = run([f"{HF}/meta-llama/Llama-3.1-8B"]).outcomes[f"{HF}/meta-llama/Llama-3.1-8B"]
    assert (outcome.result.status, outcome.result.cause) == (LinkStatus.OK, "gated")
    assert (outcome.meta.access, outcome.meta.license) == (Access.GATED, "llama3.1")


@respx.mock
def test_disabled_removed_missing_and_legal_answers_have_causes():
    """disabled (200 body or 403 X-Error-Message) -> disabled; 410 removed; 404 RepoNotFound not-found; 451."""
    off = _expanded(id="o/off", disabled=True)
    respx.get(f"{HF}/api/datasets/o/off").mock(return_value=httpx.Response(200, json=off))
    respx.get(f"{HF}/api/datasets/o/off403").mock(return_value=httpx.Response(
        403, json={"error": "Access to this resource is disabled."},
        headers={"X-Error-Message": "Access to this resource is disabled."}))  # fmt: skip
    respx.get(f"{HF}/api/datasets/o/gone").mock(return_value=httpx.Response(410, json={"error": "gone"}))
    respx.get(f"{HF}/api/datasets/o/none").mock(return_value=httpx.Response(
        404, json={"error": "Repository not found"}, headers={"X-Error-Code": "RepoNotFound"}))  # fmt: skip
    respx.get(f"{HF}/api/datasets/o/legal").mock(return_value=httpx.Response(451, json={"error": "blocked"}))
    names = ["off", "off403", "gone", "none", "legal"]
    report = run([f"{HF}/datasets/o/{n}" for n in names])
    causes = [report.outcomes[f"{HF}/datasets/o/{n}"].result.cause for n in names]
    assert causes == ["disabled", "disabled", "removed", "not-found", "legal-block"]
    assert all(o.result.status is LinkStatus.BROKEN for o in report.outcomes.values())


@respx.mock
def test_gated_repo_error_code_is_alive_behind_a_gate():
    """403 with X-Error-Code GatedRepo: the repository exists; ok, access gated."""
    respx.get(f"{HF}/api/datasets/o/g").mock(return_value=httpx.Response(
        403, json={"error": "Access to dataset o/g is restricted."},
        headers={"X-Error-Code": "GatedRepo"}))  # fmt: skip
    outcome = run([f"{HF}/datasets/o/g"]).outcomes[f"{HF}/datasets/o/g"]
    assert (outcome.result.status, outcome.result.cause, outcome.meta.access) == (LinkStatus.OK, "gated", Access.GATED)


@respx.mock
def test_paths_get_sizes_from_blobs_true():
    """A path link costs one ?blobs=true request: a folder's files are counted and summed, a file's size read."""
    sized = dataset_body("o/d", siblings=[{"rfilename": "README.md", "size": 10},
                                          {"rfilename": "data/a.parquet", "size": 1000},
                                          {"rfilename": "data/b.parquet", "size": 500}])  # fmt: skip

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("blobs") == "true":
            return httpx.Response(200, json=sized)
        return httpx.Response(200, json=_expanded(id="o/d", siblings=[{"rfilename": s["rfilename"]}
                                                                       for s in sized["siblings"]]))  # fmt: skip

    route = respx.get(f"{HF}/api/datasets/o/d").mock(side_effect=answer)
    urls = [f"{HF}/datasets/o/d/tree/main/data", f"{HF}/datasets/o/d/resolve/main/data/a.parquet",
            f"{HF}/datasets/o/d"]  # fmt: skip
    report = run(urls)
    assert route.call_count == 2
    assert (report.outcomes[urls[0]].meta.size_bytes, report.outcomes[urls[0]].meta.file_count) == (1500, 2)
    assert (report.outcomes[urls[1]].meta.size_bytes, report.outcomes[urls[1]].meta.file_count) == (1000, 1)
    assert report.outcomes[urls[1]].result.reason == "Hugging Face API: file exists"
    assert report.outcomes[urls[2]].meta.size_bytes == 5_368_709_120


@respx.mock
def test_endpoint_rejecting_expand_is_asked_again_without_it():
    """A 400 to expand[] (an older mirror) is asked once more plainly; the link is still decided."""

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.params.get_list("expand[]"):
            return httpx.Response(400, json={"error": "Invalid expand"})
        return httpx.Response(200, json=dataset_body("o/d"))

    route = respx.get(f"{HF}/api/datasets/o/d").mock(side_effect=answer)
    outcome = run([f"{HF}/datasets/o/d"]).outcomes[f"{HF}/datasets/o/d"]
    assert route.call_count == 2 and outcome.result.status is LinkStatus.OK
    assert outcome.meta.size_bytes is None and outcome.meta.downloads == 15234


def test_resolve_links_parse_and_need_a_path():
    """/resolve/main/<file> is a file link; /resolve/main alone is not a link the API can answer."""
    ref = parse_hf_url(f"{HF}/datasets/o/d/resolve/main/data/a.parquet")
    assert (ref.kind, ref.path) == ("resolve", "data/a.parquet")
    assert parse_hf_url(f"{HF}/datasets/o/d/resolve/main") is None
