"""`python -m crawler run` on the shipped registry against loopback fakes of GitHub and Hugging Face.

The fakes are selected the way users select GitHub Enterprise or a Hub mirror: GITHUB_API_URL,
GITHUB_GRAPHQL_URL and HF_ENDPOINT. Plain web pages are left out with ``--only github,huggingface``
(this machine has no internet); everything the APIs answer is checked for real over HTTP.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from crawler.registry import load_registry
from crawler.sources import source_names
from crawler.sources.github.urls import parse_github_url
from crawler.sources.huggingface import parse_hf_url
from tests.fakes import FakeApis, World

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "ghp_e2eSECRETtoken0123456789"


def shipped_world(**kw) -> World:
    """A world holding every repository, path and Hugging Face repo the shipped registry cites."""
    world = World(**kw)
    paths: dict[str, set[str]] = {}
    for url in load_registry(ROOT / "registry.yaml").registry.unique_urls():
        ref = parse_github_url(url)
        if ref is not None:
            files = paths.setdefault(ref.full_name, set())
            if ref.kind and ref.tail:
                files.add("/".join(ref.tail[1:]) or "README.md")
        hf = parse_hf_url(url)
        if hf is not None:
            world.add_hf(hf.repo_type, hf.repo_id)
    for name, files in paths.items():
        world.add_repo(name, paths={"main": files | {"README.md"}, "master": files | {"README.md"}})
    return world


def crawl(fake: FakeApis, tmp_path: Path, out: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in ("GITHUB_TOKEN", "GH_TOKEN", "HF_TOKEN")}
    environ.update(fake.env(), CRAWLER_CACHE_DIR=str(tmp_path / "cache"), **env)
    cmd = [sys.executable, "-m", "crawler", "run", "--registry", str(ROOT / "registry.yaml"), "--out", str(out),
           "--only", "github,huggingface", "-vv"]  # fmt: skip
    return subprocess.run(cmd, env=environ, capture_output=True, text=True, timeout=60, cwd=tmp_path)


def written_text(*folders: Path) -> str:
    return "".join(p.read_text(errors="replace") for f in folders if f.exists() for p in f.rglob("*") if p.is_file())


def test_run_with_token_uses_at_most_three_github_requests(tmp_path):
    """With a token the shipped registry costs <= 3 GraphQL requests, no REST, and every repo gets metadata."""
    out = tmp_path / "reports"
    with FakeApis(shipped_world(github_token=TOKEN)) as fake:
        proc = crawl(fake, tmp_path, out, GITHUB_TOKEN=TOKEN)
        counts = dict(fake.counts)
    assert proc.returncode == 0, proc.stderr
    assert 1 <= counts.get("graphql", 0) <= 3 and counts.get("rest", 0) == 0
    assert counts.get("hf", 0) >= 1
    snapshot = json.loads((out / "latest.json").read_text())
    links = [link for entry in snapshot["entries"] for link in entry["links"]]
    github_links = [link for link in links if parse_github_url(link["url"])]
    assert github_links and all(link["github"] and link["result"]["status"] == "ok" for link in github_links)
    assert all(link["huggingface"] for link in links if "huggingface.co" in link["url"])
    assert TOKEN not in proc.stdout + proc.stderr  # -vv: every request is logged
    assert TOKEN not in written_text(out, tmp_path / "cache")


def test_run_without_token_uses_rest_and_etags_on_the_second_run(tmp_path):
    """Without a token REST is used within the 60/h budget; a second run revalidates with If-None-Match."""
    out = tmp_path / "reports"
    with FakeApis(shipped_world()) as fake:
        first = crawl(fake, tmp_path, out)
        rest_first = fake.counts.get("rest", 0)
        second = crawl(fake, tmp_path, out)
        conditional = [r for r in fake.requests if r.endpoint == "rest" and r.if_none_match]
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert 0 < rest_first <= 60 and fake.counts.get("graphql", 0) == 0
    assert conditional and all(r.status == 304 for r in conditional)


def test_run_records_corpus_meta_for_med_flamingo_and_github_links(tmp_path):
    """latest.json's link-level meta: Med-Flamingo's HF dataset with licence, size and downloads; GitHub links open."""
    out = tmp_path / "reports"
    with FakeApis(shipped_world(github_token=TOKEN)) as fake:
        proc = crawl(fake, tmp_path, out, GITHUB_TOKEN=TOKEN)
    assert proc.returncode == 0, proc.stderr
    snapshot = json.loads((out / "latest.json").read_text())
    entry = next(e for e in snapshot["entries"] if e["id"] == "med-flamingo")
    dataset = next(link for link in entry["links"] if "huggingface.co/datasets/" in link["url"])
    meta = dataset["meta"]
    assert meta["source"] == "huggingface" and meta["access"] == "open" and meta["license"] == "apache-2.0"
    assert meta["size_bytes"] > 0 and meta["downloads"] == 1234 and meta["downloads_all_time"] == 98765
    github_links = [link for e in snapshot["entries"] for link in e["links"] if parse_github_url(link["url"])]
    assert all(link["meta"]["access"] == "open" and link["meta"]["source"] == "github" for link in github_links)


def test_run_shows_every_seed_data_link_with_access_licence_size_and_tianchi_unverifiable(tmp_path):
    """`run` on the shipped registry (every adapter, fakes): each data link has access, licence and size; Tianchi 🔒."""
    from tests.fakes.fake_hosts import FakeHosts

    out = tmp_path / "reports"
    with FakeApis(shipped_world(github_token=TOKEN)) as fake, FakeHosts() as hosts:
        environ = {k: v for k, v in os.environ.items() if k not in ("GITHUB_TOKEN", "GH_TOKEN", "HF_TOKEN")}
        environ.update({**fake.env(), **hosts.env()}, GITHUB_TOKEN=TOKEN, CRAWLER_CACHE_DIR=str(tmp_path / "cache"))
        only = ",".join(source_names())
        cmd = [sys.executable, "-m", "crawler", "run", "--registry", str(ROOT / "registry.yaml"), "--out", str(out),
               "--only", only, "--archive-lookups", "0"]  # fmt: skip
        proc = subprocess.run(cmd, env=environ, capture_output=True, text=True, timeout=60, cwd=tmp_path)
        counts = dict(fake.counts)
    assert proc.returncode == 0, proc.stderr
    assert counts.get("graphql") == 1  # data paths' sizes ride in the one GraphQL batch
    snapshot = json.loads((out / "latest.json").read_text())
    data = [link for e in snapshot["entries"] for link in e["links"] if link["kind"] in ("data", "dataset")]
    assert data
    for link in data:
        meta, result = link["meta"], link["result"]
        if "tianchi.aliyun.com" in link["url"]:
            assert (result["status"], result["cause"], meta["access"]) == ("unverified", "unverifiable-host", "login")
        else:
            assert result["status"] == "ok" and meta["access"] == "open" and meta["license"], link["url"]
            assert meta["size_bytes"] is not None, link["url"]
    leaderboard = (out / "leaderboard.md").read_text()
    assert leaderboard.count("🔒 login required, existence not verifiable") == 2
    assert proc.stderr.count("Tianchi dataset link(s)") == 1  # one notice for the run, not one per link
