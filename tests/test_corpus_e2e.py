"""Corpus health and project-health signals end to end: the adapters against the loopback fake APIs over HTTP."""

from __future__ import annotations

from crawler.models import Access, LinkStatus
from tests.fakes import FakeApis, World
from tests.test_sources_e2e import GH_TOKEN, fetch_github, fetch_hf, settings_for


def health_world(**kw) -> World:
    """Repositories showing every signal: moved README, locked, empty, disabled, DMCA and ToS blocks, sized data."""
    world = World(**kw)
    files = {"data/a.jsonl", "data/b.jsonl", "data/sub/c.jsonl", "README.md"}
    world.add_repo("org/corpus", disk_usage_kb=4096, paths={"main": files}, sizes={"data/a.jsonl": 1500,
                   "data/b.jsonl": 500})  # fmt: skip
    world.add_repo("org/old", readme="# Old\n\n本项目已迁移至 https://github.com/org/corpus ，请移步。\n", locked=True)
    world.add_repo("org/void", empty=True, last_commit=None)
    world.add_repo("org/off", disabled=True)
    world.block("org/dmca", "dmca")
    world.block("org/tos", "tos")
    return world


GH = ["https://github.com/org/corpus", "https://github.com/org/corpus/tree/main/data",
      "https://github.com/org/corpus/blob/main/data/a.jsonl", "https://github.com/org/old",
      "https://github.com/org/void", "https://github.com/org/off", "https://github.com/org/dmca",
      "https://github.com/org/tos"]  # fmt: skip


def _check_github(report, *, graphql: bool = True) -> None:
    out = report.outcomes
    assert out[GH[0]].meta.access is Access.OPEN and out[GH[0]].meta.license == "MIT"
    assert (out[GH[1]].meta.size_bytes, out[GH[1]].meta.file_count) == (2000, 2)  # direct files only
    assert (out[GH[2]].meta.size_bytes, out[GH[2]].meta.file_count) == (1500, 1)
    assert out[GH[3]].github.locked is graphql and out[GH[3]].result.status is LinkStatus.OK  # REST does not tell
    assert out[GH[4]].github.empty and out[GH[4]].github.last_commit is None
    assert (out[GH[5]].result.status, out[GH[5]].result.cause) == (LinkStatus.BROKEN, "disabled")
    assert (out[GH[6]].result.status, out[GH[6]].result.cause) == (LinkStatus.BROKEN, "dmca")
    assert (out[GH[7]].result.status, out[GH[7]].result.cause) == (LinkStatus.BROKEN, "tos-blocked")


def test_github_with_a_token_reads_sizes_health_and_readme_in_one_graphql_request(tmp_path):
    """One GraphQL request answers sizes, flags and README notice; two REST requests ask why two are blocked."""
    with FakeApis(health_world(github_token=GH_TOKEN)) as fake:
        report = fetch_github(GH, settings_for(fake, tmp_path, GITHUB_TOKEN=GH_TOKEN))
        counts = dict(fake.counts)
    assert counts == {"graphql": 1, "rest": 2}
    _check_github(report)
    assert report.outcomes[GH[0]].meta.size_bytes == 4096 * 1024
    old = report.outcomes[GH[3]].github
    assert old.notice == "本项目已迁移至 https://github.com/org/corpus ，请移步。"
    assert old.moved_to == "https://github.com/org/corpus"


def test_github_without_a_token_reads_sizes_and_blocks_over_rest_without_the_readme(tmp_path):
    """REST gives the same verdicts and sizes; the README is not read within the 60-an-hour budget."""
    world = health_world(rest_limit=5000, rest_remaining=5000)
    with FakeApis(world) as fake:
        report = fetch_github(GH, settings_for(fake, tmp_path))
    _check_github(report, graphql=False)
    assert report.outcomes[GH[3]].github.notice is None


def test_hugging_face_meta_from_the_fake_hub(tmp_path):
    """usedStorage, downloads (30 days and all time), cardData licence, gated and disabled, through HF_ENDPOINT."""
    world = World()
    world.add_hf("dataset", "org/open", siblings=["README.md", "data/a.parquet", "data/b.parquet"],
                 sizes={"README.md": 10, "data/a.parquet": 700, "data/b.parquet": 300})  # fmt: skip
    world.add_hf("dataset", "org/gated", gated="auto", license="cc-by-nc-4.0")
    world.add_hf("model", "org/off", disabled=True)
    urls = ["https://huggingface.co/datasets/org/open", "https://huggingface.co/datasets/org/open/tree/main/data",
            "https://huggingface.co/datasets/org/gated", "https://huggingface.co/org/off"]  # fmt: skip
    with FakeApis(world) as fake:
        report = fetch_hf(urls, settings_for(fake, tmp_path))
        assert fake.counts["hf"] == 4  # three repositories, one of them with a path link (+ ?blobs=true)
    open_, data, gated, off = (report.outcomes[u] for u in urls)
    assert (open_.meta.size_bytes, open_.meta.downloads, open_.meta.downloads_all_time) == (1010, 1234, 98765)
    assert (open_.meta.license, open_.meta.likes, open_.meta.access) == ("apache-2.0", 56, Access.OPEN)
    assert (data.meta.size_bytes, data.meta.file_count) == (1000, 2)
    assert (gated.meta.access, gated.meta.license, gated.result.cause) == (Access.GATED, "cc-by-nc-4.0", "gated")
    assert (off.result.status, off.result.cause) == (LinkStatus.BROKEN, "disabled")


def test_hugging_face_error_answers_over_http_have_causes(tmp_path):
    """Scripted Hub answers over real HTTP: 403 disabled message, 403 GatedRepo, 410 removed, 401 missing."""
    world = World()
    disabled = {"X-Error-Message": "Access to this resource is disabled."}
    world.script("hf", 403, {"error": "Access to this resource is disabled."}, disabled)
    world.script("hf", 403, {"error": "Access to dataset o/g is restricted."}, {"X-Error-Code": "GatedRepo"})
    world.script("hf", 410, {"error": "Repository removed"})
    urls = [f"https://huggingface.co/datasets/o/{name}" for name in ("off", "g", "gone", "none")]
    with FakeApis(world) as fake:
        report = fetch_hf(urls, settings_for(fake, tmp_path))
    got = [(report.outcomes[u].result.status, report.outcomes[u].result.cause) for u in urls]
    assert got == [(LinkStatus.BROKEN, "disabled"), (LinkStatus.OK, "gated"), (LinkStatus.BROKEN, "removed"),
                   (LinkStatus.BROKEN, "not-found")]  # fmt: skip


def test_github_tree_of_a_ref_with_no_path_has_the_repository_size(tmp_path):
    """``/tree/main`` (as the seed's NHS-LLM row cites) is the whole repository: it shows the repository's size."""
    urls = ["https://github.com/org/corpus/tree/main", "https://github.com/org/corpus/tree/main/"]
    with FakeApis(health_world(github_token=GH_TOKEN)) as fake:
        report = fetch_github(urls, settings_for(fake, tmp_path, GITHUB_TOKEN=GH_TOKEN))
    for url in urls:
        got = report.outcomes[url]
        assert got.result.status is LinkStatus.OK and got.meta.size_bytes == 4096 * 1024, url


def test_github_negative_sizes_in_a_graphql_answer_read_as_unknown(tmp_path):
    """A GraphQL answer with negative byteSize values (malformed) gives no size, not a crash."""
    world = health_world(github_token=GH_TOKEN)
    node = {"nameWithOwner": "org/corpus", "diskUsage": -5, "p0": {"byteSize": -3},
            "p1": {"entries": [{"type": "blob", "object": {"byteSize": -1}}]}}  # fmt: skip
    world.script("graphql", 200, {"data": {"r0": node}})
    urls = ["https://github.com/org/corpus", "https://github.com/org/corpus/tree/main/data"]
    with FakeApis(world) as fake:
        report = fetch_github(urls, settings_for(fake, tmp_path, GITHUB_TOKEN=GH_TOKEN))
    for url in urls:
        answer = report.answers[url]
        meta = answer.outcome.meta if hasattr(answer, "outcome") else answer.carry.meta
        assert meta is None or meta.size_bytes is None, url


def test_hugging_face_sibling_without_a_file_name_is_skipped_not_a_crash(tmp_path):
    """A Hub answer whose siblings hold a non-string rfilename still decides the path link from the others."""
    world = World()
    world.add_hf("dataset", "org/med")
    world.script("hf", 200, {"id": "org/med", "siblings": [{"rfilename": 5}, {"rfilename": "data/a"}]}, times=2)
    urls = ["https://huggingface.co/datasets/org/med", "https://huggingface.co/datasets/org/med/tree/main/data"]
    with FakeApis(world) as fake:
        report = fetch_hf(urls, settings_for(fake, tmp_path))
    assert [report.outcomes[u].result.status for u in urls] == [LinkStatus.OK, LinkStatus.OK]
    assert report.outcomes[urls[1]].meta.file_count == 1
