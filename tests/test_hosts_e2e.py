"""Corpus-host adapters against loopback fakes (tests/fakes/fake_hosts.py) over real HTTP.

Each adapter's fetch runs through the run's real client (``crawler.net.build_client``) with its
base URL setting pointing at the fake, while the URLs stay the public ones.
"""

from __future__ import annotations

from datetime import UTC, datetime

import anyio

from crawler import retry
from crawler.models import Access, LinkMeta, LinkResult, LinkStatus, Outcome
from crawler.net import build_client
from crawler.settings import Settings
from crawler.sources import baidu_pan, figshare, gdrive, kaggle, modelscope, physionet, tianchi, zenodo
from crawler.sources.base import Answered, PageCheck, SourceContext
from tests.fakes.fake_hosts import (
    BAIDU_ALIVE,
    BAIDU_BANNED,
    BAIDU_CANCELLED,
    BAIDU_DELETED,
    BAIDU_EXPIRED,
    FakeHosts,
    HostWorld,
    figshare_article,
    physionet_entry,
    zenodo_record,
)

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def run(source, urls, fake: FakeHosts, previous=None, **env):
    """The adapter's fetch through a real client, settings pointing at the fakes."""
    settings = Settings.from_env({**fake.env(), **env})

    async def go():
        async with build_client(settings, timeout=5.0) as client:
            ctx = SourceContext(client=client, settings=settings, previous=previous or {}, now=lambda: NOW)
            assert all(source.claims(u, settings) for u in urls)
            return await source.fetch(urls, ctx)

    return anyio.run(go)


def outcome(report, url) -> Outcome:
    answer = report.answers[url]
    assert isinstance(answer, Answered), answer
    return answer.outcome


def test_zenodo_record_removed_restricted_and_newer_version():
    """Zenodo: 410 tombstone is broken/removed, 403 restricted, open record with files, licence and newer version."""
    world = HostWorld()
    world.zenodo[101] = zenodo_record(101, latest=103, version="1.0")
    world.zenodo[103] = zenodo_record(103, version="2.0")
    world.zenodo_removed.add(7)
    world.zenodo_restricted.add(8)
    urls = ["https://zenodo.org/records/101", "https://doi.org/10.5281/zenodo.101", "https://zenodo.org/record/7",
            "https://zenodo.org/records/8", "https://zenodo.org/records/9"]  # fmt: skip
    with FakeHosts(world) as fake:
        report = run(zenodo.SOURCE, urls, fake)
        assert fake.counts["zenodo"] == 6  # 4 records + the newest version's label + a concept search for 9
    ok = outcome(report, urls[0])
    assert ok.result.status is LinkStatus.OK and ok.meta.access is Access.OPEN
    assert (ok.meta.license, ok.meta.size_bytes, ok.meta.file_count) == ("CC-BY-4.0", 3000, 2)
    assert ok.meta.newer_version is True and ok.meta.latest_version == "2.0" and ok.meta.doi == "10.5281/zenodo.101"
    assert outcome(report, urls[1]).result.status is LinkStatus.OK
    gone = outcome(report, urls[2]).result
    assert (gone.status, gone.cause, gone.http_status) == (LinkStatus.BROKEN, "removed", 410)
    assert "Spam, User was blocked, 2026-04-17" in gone.reason
    restricted = outcome(report, urls[3])
    assert restricted.result.status is LinkStatus.UNVERIFIED and restricted.meta.access is Access.RESTRICTED
    assert isinstance(report.answers[urls[4]], PageCheck)  # 404 and no concept: the record page decides


def test_zenodo_concept_id_answers_from_its_newest_version():
    """A concept record link or DOI (API 404, zenodo/zenodo#2499) is ok with the newest version's metadata."""
    world = HostWorld()
    world.zenodo[101] = zenodo_record(101, latest=103, version="1.0")
    world.zenodo[103] = zenodo_record(103, version="2.0", sizes=(5000,))
    world.zenodo[103]["conceptrecid"] = "100"
    world.zenodo[101]["conceptrecid"] = "100"
    urls = ["https://zenodo.org/records/100", "https://doi.org/10.5281/zenodo.100"]
    with FakeHosts(world) as fake:
        report = run(zenodo.SOURCE, urls, fake)
        assert fake.counts["zenodo"] == 2  # the 404, then one search
    for url in urls:
        got = outcome(report, url)
        assert got.result.status is LinkStatus.OK and (got.meta.version, got.meta.size_bytes) == ("2.0", 5000)
        assert got.meta.newer_version is False


def test_zenodo_rate_limit_is_waited_then_too_long_falls_back():
    """A 429 with Retry-After is retried after the wait; one asking too long ends lookups with stale carries."""
    world = HostWorld()
    world.zenodo[5] = zenodo_record(5)
    world.script("zenodo", 429, {"status": 429}, {"Retry-After": "3", "X-RateLimit-Remaining": "0"})
    with FakeHosts(world) as fake:
        report = run(zenodo.SOURCE, ["https://zenodo.org/records/5"], fake)
    assert (
        retry.recorded_waits() == [3.0]
        and outcome(report, "https://zenodo.org/records/5").result.status is LinkStatus.OK
    )
    earlier = Outcome(result=outcome(report, "https://zenodo.org/records/5").result,
                      meta=LinkMeta(source="zenodo", access=Access.OPEN, fetched_at=NOW))  # fmt: skip
    world.script("zenodo", 429, {"status": 429}, {"Retry-After": "3600"})
    with FakeHosts(world) as fake:
        report = run(zenodo.SOURCE, ["https://zenodo.org/records/5"], fake, {"https://zenodo.org/records/5": earlier})
    answer = report.answers["https://zenodo.org/records/5"]
    assert isinstance(answer, PageCheck) and answer.carry.meta.stale and "rate-limited" in report.notices[0]


def test_modelscope_reads_the_body_code_not_the_status():
    """ModelScope: a 200 with an error Code is broken; a 200 with Code 200 is ok with licence and downloads."""
    world = HostWorld()
    world.modelscope["datasets/med/cmb"] = {"Name": "cmb", "License": "Apache License 2.0", "Downloads": 1234,
                                             "Stars": 5, "LastUpdatedTime": 1700000000}  # fmt: skip
    urls = ["https://www.modelscope.cn/datasets/med/cmb/summary", "https://modelscope.ai/models/med/ghost"]
    with FakeHosts(world) as fake:
        report = run(modelscope.SOURCE, urls, fake)
    ok = outcome(report, urls[0])
    assert ok.result.status is LinkStatus.OK and (ok.meta.license, ok.meta.downloads) == ("Apache-2.0", 1234)
    missing = outcome(report, urls[1]).result
    assert missing.status is LinkStatus.BROKEN and missing.http_status == 200 and "Model not exists" in missing.reason


def test_physionet_one_list_request_serves_every_link():
    """PhysioNet: one list request for all links; versions asked only for a multi-version slug."""
    world = HostWorld()
    world.physionet = [
        physionet_entry("mimic-iv", dua="PhysioNet Credentialed Health Data Use Agreement 1.5.0",
                        license="PhysioNet Credentialed Health Data License 1.5.0", size=7_000_000_000),
        physionet_entry("mimic-iv", dua="PhysioNet Credentialed Health Data Use Agreement 1.5.0",
                        license="PhysioNet Credentialed Health Data License 1.5.0", size=8_000_000_000),
        physionet_entry("ptb-xl", license="Creative Commons Attribution 4.0 International Public License"),
    ]  # fmt: skip
    world.physionet_versions["mimic-iv"] = ["2.2", "3.1"]
    urls = ["https://physionet.org/content/mimic-iv/2.2/", "https://physionet.org/content/mimic-iv/9.9/",
            "https://physionet.org/content/ptb-xl/", "https://physionet.org/content/ptb-xl/1.0.3/",
            "https://physionet.org/content/no-such-db/1.0/"]  # fmt: skip
    with FakeHosts(world) as fake:
        report = run(physionet.SOURCE, urls, fake)
        assert fake.counts["physionet"] == 2 and report.api_requests == 2
    mimic = outcome(report, urls[0])
    assert mimic.meta.access is Access.CREDENTIALED and mimic.meta.size_bytes == 8_000_000_000
    assert mimic.meta.newer_version is True and mimic.meta.latest_version == "3.1"
    assert outcome(report, urls[1]).result.status is LinkStatus.BROKEN
    ptb = outcome(report, urls[2])
    assert ptb.result.status is LinkStatus.OK and (ptb.meta.access, ptb.meta.license) == (Access.OPEN, "CC-BY-4.0")
    pinned = report.answers[urls[3]]
    assert isinstance(pinned, PageCheck) and pinned.carry.meta.license == "CC-BY-4.0"
    assert outcome(report, urls[4]).result.cause == "not-found"


def test_figshare_article_pinned_version_and_missing():
    """figshare: licence, files, size, DOI; a link pinned to an old version says a newer one exists; 404 broken."""
    world = HostWorld()
    world.figshare[555] = {1: figshare_article(555, version=1), 2: figshare_article(555, version=2)}
    urls = ["https://figshare.com/articles/dataset/Med_corpus/555/1", "https://api.figshare.com/v2/articles/556"]
    with FakeHosts(world) as fake:
        report = run(figshare.SOURCE, urls, fake)
    old = outcome(report, urls[0])
    assert old.result.status is LinkStatus.OK and old.meta.newer_version is True and old.meta.latest_version == "2"
    assert (old.meta.license, old.meta.size_bytes, old.meta.file_count) == ("CC-BY-4.0", 5120, 2)
    assert outcome(report, urls[1]).result.status is LinkStatus.BROKEN


def test_kaggle_without_and_with_credentials():
    """Kaggle: page checks without a token (404 broken, login wall unverified); the API with KAGGLE_KEY."""
    world = HostWorld(kaggle_credentials=("alice", "k3y"))
    world.kaggle["med/notes"] = {"title": "Notes", "totalBytes": 2048, "downloadCount": 9, "licenseName": "CC0-1.0"}
    world.kaggle_login_walled.add("med/private")
    urls = ["https://www.kaggle.com/datasets/med/notes", "https://www.kaggle.com/datasets/med/private",
            "https://www.kaggle.com/datasets/med/gone"]  # fmt: skip
    with FakeHosts(world) as fake:
        anonymous = run(kaggle.SOURCE, urls, fake)
        keyed = run(kaggle.SOURCE, urls[:1], fake, KAGGLE_USERNAME="alice", KAGGLE_KEY="k3y")
    assert outcome(anonymous, urls[0]).result.status is LinkStatus.OK
    walled = outcome(anonymous, urls[1])
    assert walled.result.cause == "login-required" and walled.meta.access is Access.LOGIN
    assert outcome(anonymous, urls[2]).result.status is LinkStatus.BROKEN
    api = outcome(keyed, urls[0])
    assert (api.meta.size_bytes, api.meta.downloads, api.meta.license) == (2048, 9, "CC0-1.0")


def test_google_drive_open_missing_and_sign_in():
    """Drive: open file ok, /open?id= followed, 404 broken, a redirect to the Google sign-in unverified/login."""
    world = HostWorld(gdrive={"1OpenFileId00": "open", "1PrivateFile0": "private"})
    urls = ["https://drive.google.com/file/d/1OpenFileId00/view?usp=sharing",
            "https://drive.google.com/open?id=1OpenFileId00", "https://drive.google.com/file/d/1MissingFile0/view",
            "https://drive.google.com/drive/folders/1PrivateFile0"]  # fmt: skip
    with FakeHosts(world) as fake:
        report = run(gdrive.SOURCE, urls, fake)
    assert outcome(report, urls[0]).meta.access is Access.OPEN
    assert outcome(report, urls[1]).result.status is LinkStatus.OK
    assert outcome(report, urls[2]).result.cause == "http-404"
    private = outcome(report, urls[3])
    assert (private.result.status, private.result.cause, private.meta.access) == (
        LinkStatus.UNVERIFIED, "login-required", Access.LOGIN)  # fmt: skip


def test_baidu_netdisk_share_states():
    """Netdisk: deleted/cancelled removed, banned, expired, missing (error page), code-protected ok, alive ok."""
    world = HostWorld(baidu={"1del": BAIDU_DELETED, "1can": BAIDU_CANCELLED, "1ban": BAIDU_BANNED,
                             "1exp": BAIDU_EXPIRED, "1pwd": "code", "1live": BAIDU_ALIVE})  # fmt: skip
    names = ["1del", "1can", "1ban", "1exp", "1pwd", "1live", "1nope"]
    urls = [f"https://pan.baidu.com/s/{n}" for n in names]
    with FakeHosts(world) as fake:
        report = run(baidu_pan.SOURCE, urls, fake)
    got = {n: outcome(report, u) for n, u in zip(names, urls, strict=True)}
    assert [got[n].result.cause for n in names[:4]] == ["removed", "removed", "banned", "expired"]
    assert all(got[n].result.status is LinkStatus.BROKEN for n in names[:4] + ["1nope"])
    assert got["1nope"].result.cause == "not-found"
    assert got["1pwd"].result.status is LinkStatus.OK and got["1pwd"].meta.access is Access.CODE
    assert got["1live"].result.status is LinkStatus.OK


def test_tianchi_never_ok_and_one_notice():
    """Tianchi: the SPA's 200 is never trusted; every link unverifiable-host/login, one notice, no request."""
    urls = ["https://tianchi.aliyun.com/dataset/90163", "https://tianchi.aliyun.com/dataset/dataDetail?dataId=92110"]
    with FakeHosts() as fake:
        report = run(tianchi.SOURCE, urls, fake)
        assert fake.counts["tianchi"] == 0
    for url in urls:
        o = outcome(report, url)
        assert (o.result.status, o.result.cause, o.meta.access) == (LinkStatus.UNVERIFIED, "unverifiable-host",
                                                                     Access.LOGIN)  # fmt: skip
    assert len(report.notices) == 1


def test_unreachable_host_falls_back_to_page_checks():
    """A host that cannot be reached this run gives page checks carrying the previous metadata, never a fake ok."""
    earlier = LinkMeta(source="zenodo", access=Access.OPEN, license="MIT", fetched_at=NOW)
    result = LinkResult(url="https://zenodo.org/records/1", status=LinkStatus.OK, reason="ok", checked_at=NOW)
    previous = {"https://zenodo.org/records/1": Outcome(result=result, meta=earlier)}
    with FakeHosts() as fake:
        dead = "http://127.0.0.1:9"  # discard port: connection refused
        report = run(zenodo.SOURCE, ["https://zenodo.org/records/1"], fake, previous, ZENODO_URL=dead)
    answer = report.answers["https://zenodo.org/records/1"]
    assert isinstance(answer, PageCheck) and answer.carry.meta.license == "MIT" and answer.carry.meta.stale


def test_shipped_registry_corpus_host_links_come_out_right():
    """The shipped registry's data links on corpus hosts (its two Tianchi datasets) are unverifiable, never ok."""
    from pathlib import Path

    from crawler.registry import load_registry
    from crawler.sources import SOURCES

    HOST_SOURCES = [s for s in SOURCES if s.name not in ("github", "huggingface")]

    registry = load_registry(Path(__file__).resolve().parent.parent / "registry.yaml").registry
    data_urls = [link.url for e in registry.entries for link in e.links if link.kind.is_data]
    with FakeHosts() as fake:
        settings = Settings.from_env(fake.env())
        claimed = {s.name: [u for u in data_urls if s.claims(u, settings)] for s in HOST_SOURCES}
        reports = {name: run(src, claimed[name], fake) for src in HOST_SOURCES if (name := src.name) and claimed[name]}
    assert set(reports) == {"tianchi"} and len(claimed["tianchi"]) == 2
    for url in claimed["tianchi"]:
        o = outcome(reports["tianchi"], url)
        assert o.result.status is LinkStatus.UNVERIFIED and o.meta.access is Access.LOGIN


def test_physionet_rate_limit_and_modelscope_outage_over_http():
    """PhysioNet's 429 + Retry-After is waited out (one list request served); a ModelScope 503 is retried."""
    world = HostWorld()
    world.physionet = [physionet_entry("ptb-xl")]
    world.script("physionet", 429, {"detail": "Request was throttled."}, {"Retry-After": "5"})
    world.modelscope["models/med/llm"] = {"Name": "llm", "License": "MIT"}
    world.script("modelscope", 503, "<html>busy</html>")
    with FakeHosts(world) as fake:
        physio = run(physionet.SOURCE, ["https://physionet.org/content/ptb-xl/"], fake)
        scope = run(modelscope.SOURCE, ["https://modelscope.cn/models/med/llm"], fake)
        assert (fake.counts["physionet"], fake.counts["modelscope"]) == (2, 2)
    assert retry.recorded_waits()[0] == 5.0
    assert outcome(physio, "https://physionet.org/content/ptb-xl/").result.status is LinkStatus.OK
    assert outcome(scope, "https://modelscope.cn/models/med/llm").meta.license == "MIT"


def test_physionet_current_list_answers_versioned_links_without_more_requests():
    """The current list names each entry's version and access_policy: one request, the linked version's own size."""
    world = HostWorld()
    world.physionet = [
        physionet_entry("mimic-iv", version="2.2", latest=False, size=7_000_000_000, policy="Credentialed"),
        physionet_entry("mimic-iv", version="3.1", size=8_000_000_000, policy="Credentialed"),
        physionet_entry("mimic-cxr", version="2.0.0", policy="Restricted", license="PhysioNet Credentialed Health"),
    ]  # fmt: skip
    urls = ["https://physionet.org/content/mimic-iv/2.2/", "https://physionet.org/content/mimic-iv/9.9/",
            "https://physionet.org/content/mimic-iv/", "https://physionet.org/content/mimic-cxr/2.0.0/"]  # fmt: skip
    with FakeHosts(world) as fake:
        report = run(physionet.SOURCE, urls, fake)
        assert fake.counts["physionet"] == 1
    old = outcome(report, urls[0])
    assert (old.result.status, old.meta.access, old.meta.size_bytes) == (LinkStatus.OK, Access.CREDENTIALED, 7 * 10**9)
    assert (old.meta.newer_version, old.meta.latest_version, old.meta.doi) == (True, "3.1", "10.13026/mimic-iv-2.2")
    assert outcome(report, urls[1]).result.status is LinkStatus.BROKEN
    newest = outcome(report, urls[2]).meta
    assert (newest.size_bytes, newest.version, newest.newer_version) == (8 * 10**9, "3.1", False)
    assert outcome(report, urls[3]).meta.access is Access.RESTRICTED  # access_policy wins over the licence's name


def test_modelscope_refusal_in_the_body_is_not_broken():
    """A 200 whose Code says 'unauthorized permission' (a private repo) is unverified/login; an unknown code unverified."""
    world = HostWorld()
    refused = {"Code": 10010101004, "Message": "get model info failed, err: unauthorized permission",
               "RequestId": "r", "Success": False}  # fmt: skip
    world.script("modelscope", 200, refused)
    world.script("modelscope", 200, {"Code": 10020301001, "Message": "system busy", "Success": False})
    urls = ["https://modelscope.cn/models/med/private", "https://modelscope.cn/datasets/med/odd"]
    with FakeHosts(world) as fake:
        report = run(modelscope.SOURCE, urls, fake)
    private, odd = (outcome(report, u) for u in urls)
    assert (private.result.status, private.result.cause, private.meta.access) == (
        LinkStatus.UNVERIFIED, "login-required", Access.LOGIN)  # fmt: skip
    assert (odd.result.status, odd.result.cause) == (LinkStatus.UNVERIFIED, "api-error")


def test_run_never_reads_a_rate_limited_netdisk_or_drive_link_ok(tmp_path):
    """`crawler run`: Netdisk and Drive asking a 3600 s wait leave a deleted share and a sign-in item unverified, not ok.

    Their pages answer 200 whatever the link's state, so no page check may stand in for the adapter.
    """
    import json
    import os
    import subprocess
    import sys

    from tests.fakes.fake_hosts import BAIDU_DELETED

    world = HostWorld()
    world.baidu["1del"] = BAIDU_DELETED
    world.gdrive["BBBBBBBBBBBB"] = "private"
    with FakeHosts(world) as fake:
        urls = [f"{fake.base('baidu')}/s/1del", f"{fake.base('gdrive')}/file/d/BBBBBBBBBBBB/view"]
        links = "".join(f"      - url: '{u}'\n        kind: data\n" for u in urls)
        (tmp_path / "r.yaml").write_text(f"entries:\n  - id: x\n    name: X\n    links:\n{links}")
        world.script("baidu", 429, "<html>busy</html>", {"Retry-After": "3600"})
        world.script("gdrive", 429, "<html>busy</html>", {"Retry-After": "3600"})
        env = {**os.environ, **fake.env(), "CRAWLER_CACHE_DIR": str(tmp_path / "cache")}
        cmd = [sys.executable, "-m", "crawler", "run", "--registry", str(tmp_path / "r.yaml"), "--out",
               str(tmp_path / "out"), "--allow-private", "--archive-lookups", "0", "-q"]  # fmt: skip
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60, cwd=tmp_path)
        asked = list(fake.paths)
    assert proc.returncode == 0, proc.stderr
    snapshot = json.loads((tmp_path / "out" / "latest.json").read_text())
    got = {link["url"]: link["result"] for link in snapshot["entries"][0]["links"]}
    assert [(got[u]["status"], got[u]["cause"]) for u in urls] == [("unverified", "rate-limited")] * 2
    assert len(asked) == 2  # one answer each, no page check behind it
