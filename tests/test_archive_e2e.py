"""`run` end to end with the archive phase, against loopback fakes of GitHub, the Wayback Machine,
Software Heritage and a web server: surviving copies land in latest.json, rate limits and failures
become one notice and never fail the run, `--archive` asks for saves within budget, tokens stay secret.

The fakes are selected through WAYBACK_URL / SWH_API_URL like GITHUB_API_URL selects GitHub's.
Runs are in-process (``crawler.pipeline.run`` / ``crawler.cli.main``) so paced waits stay instant.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.cli import main
from crawler.pipeline import RunOptions, run
from crawler.settings import Settings
from tests.fakes import FakeApis, World
from tests.fakes.fake_archives import TOO_MANY_PAGE, ArchiveWorld, FakeArchives
from tests.loopback_server import LoopbackServer

DAY1 = datetime(2026, 11, 23, 4, 17, tzinfo=UTC)
DAY2 = datetime(2026, 11, 30, 4, 17, tzinfo=UTC)
GONE = "https://github.com/gone-org/gone"
LIVE = "https://github.com/org/live"
FRESH = "https://github.com/org/fresh"
SECRETS = ("swh-SECRET-token", "ia-ACCESS-key", "ia-SECRET-key")


@pytest.fixture
def web():
    server = LoopbackServer().start()
    yield server
    server.stop()


def _registry(tmp_path: Path, web: LoopbackServer) -> Path:
    path = tmp_path / "registry.yaml"
    path.write_text(
        "version: 1\nentries:\n  - id: med\n    name: Med\n    links:\n"
        f"      - {{url: {GONE}, kind: repository}}\n"
        f"      - {{url: {LIVE}, kind: repository}}\n"
        f"      - {{url: {FRESH}, kind: repository}}\n"
        f"      - {{url: '{web.url('/missing')}', kind: dataset}}\n"
        f"      - {{url: '{web.url('/ok')}', kind: dataset}}\n",
        encoding="utf-8",
    )
    return path


def _github() -> World:
    world = World()
    world.add_repo("org/live")
    world.add_repo("org/fresh")
    return world


def _archives(web: LoopbackServer) -> ArchiveWorld:
    world = ArchiveWorld()
    world.visit(GONE, "2024-01-05T10:00:00+00:00")
    world.visit(LIVE, "2024-01-01T00:00:00+00:00")
    world.visit(FRESH, "2026-11-01T00:00:00+00:00")
    world.capture(web.url("/missing"), "20240302101500")
    world.capture(web.url("/missing"), "20261125000000", status="404")
    return world


def _settings(tmp_path: Path, apis: FakeApis, archives: FakeArchives, **extra: str) -> Settings:
    return Settings.from_env({**apis.env(), **archives.env(), "CRAWLER_CACHE_DIR": str(tmp_path / "cache"), **extra})


def _links(out: Path) -> dict[str, dict]:
    snapshot = json.loads((out / "latest.json").read_text(encoding="utf-8"))
    return {link["url"]: link for entry in snapshot["entries"] for link in entry["links"]}


def _options(tmp_path: Path, web: LoopbackServer, **kw) -> RunOptions:
    return RunOptions(registry_path=_registry(tmp_path, web), out_dir=tmp_path / "out", allow_private=True,
                      pyproject=None, **kw)  # fmt: skip


def test_confirmed_broken_links_get_an_archived_copy_in_latest_json(tmp_path, web):
    """Gone repo: Software Heritage copy on day 1; a page broken 2 runs: Wayback copy from before it failed."""
    with FakeApis(_github()) as apis, FakeArchives(_archives(web)) as archives:
        settings = _settings(tmp_path, apis, archives)
        first = run(_options(tmp_path, web), settings, now=lambda: DAY1)
        day1 = _links(tmp_path / "out")
        second = run(_options(tmp_path, web), settings, now=lambda: DAY2)
        day2 = _links(tmp_path / "out")
        counts = dict(archives.counts)
    assert first.notices == [] and second.notices == []
    assert day1[GONE]["archive"] == {
        "url": f"{archives.swh_api_url.removesuffix('/api/1')}/browse/origin/?origin_url={GONE}",
        "source": "software-heritage", "captured_at": "2024-01-05T10:00:00Z",
    }  # fmt: skip
    assert day1[web.url("/missing")]["archive"] is None  # failing once is not confirmed
    missing = day2[web.url("/missing")]
    assert missing["result"]["status"] == "broken" and missing["consecutive_failures"] == 2
    assert missing["archive"] == {"url": f"{archives.wayback_url}/web/20240302101500/{web.url('/missing')}",
                                  "source": "wayback", "captured_at": "2024-03-02T10:15:00Z"}  # fmt: skip
    assert all(day2[u]["archive"] is None for u in (LIVE, FRESH, web.url("/ok")))
    # The gone repository's answer came from the cache on day 2: one SWH request in all.
    assert counts.get("swh-visit") == 1 and counts.get("spn", 0) == 0 and counts.get("swh-save", 0) == 0


def test_the_archived_copy_is_shown_wherever_the_broken_link_is(tmp_path, web, capsys):
    """After two real runs: broken-links.md, index.html, the issue body and `fix` all give the Wayback copy."""
    from crawler import gh_actions

    with FakeApis(_github()) as apis, FakeArchives(_archives(web)) as archives:
        settings = _settings(tmp_path, apis, archives)
        run(_options(tmp_path, web), settings, now=lambda: DAY1)
        run(_options(tmp_path, web), settings, now=lambda: DAY2)
        replay = f"{archives.wayback_url}/web/20240302101500/{web.url('/missing')}"
    out = tmp_path / "out"
    broken_md = (out / "broken-links.md").read_text(encoding="utf-8")
    row = next(line for line in broken_md.splitlines() if line.startswith(f"| {web.url('/missing')} "))
    assert f"archived copy of 2024-03-02: {replay}" in row
    html = (out / "index.html").read_text(encoding="utf-8")
    assert f'gone; <a class="archive" href="{replay}" rel="noopener noreferrer">archived copy of 2024-03-02</a>' in html
    assert gh_actions.main(["issue-body", str(out / "latest.json")]) == 0
    issue = capsys.readouterr().out
    line = next(x for x in issue.splitlines() if x.startswith(f"- <{web.url('/missing')}>"))
    assert f"archived copy of 2024-03-02: <{replay}>" in line
    registry = str(_options(tmp_path, web).registry_path)
    assert main(["fix", "--registry", registry, "--out", str(out), "--offline", "--allow-private"]) == 0
    assert f"accept it with --accept-archived {web.url('/missing')}" in capsys.readouterr().err


@pytest.mark.parametrize("quiet", [["-q"], []])
def test_a_failing_archive_leaves_the_field_empty_with_one_notice_and_exit_0(
    tmp_path, web, monkeypatch, capsys, caplog, quiet
):
    """CDX answering 503: the run exits 0, the gone repo has no archive, and one note says why (the lookups'
    own lines are for -v: at the default verbosity too, the note is the only line naming the archive)."""
    world = _archives(web)
    world.visits.pop(GONE)  # Software Heritage answers "not archived"; the Wayback Machine is then asked
    world.script("cdx", 503, {"error": "down"}, times=50)
    with FakeApis(_github()) as apis, FakeArchives(world) as archives:
        for name, value in {**apis.env(), **archives.env(), "CRAWLER_CACHE_DIR": str(tmp_path / "cache")}.items():
            monkeypatch.setenv(name, value)
        for name in ("GITHUB_TOKEN", "GH_TOKEN", "HF_TOKEN"):
            monkeypatch.delenv(name, raising=False)
        registry = _registry(tmp_path, web)
        caplog.set_level(logging.DEBUG)
        code = main(["run", "--registry", str(registry), "--out", str(tmp_path / "out"), "--allow-private", *quiet])
    err = capsys.readouterr().err
    assert code == 0
    assert _links(tmp_path / "out")[GONE]["archive"] is None
    notes = [line for line in err.splitlines() if line.startswith("note:")]
    assert len(notes) == 1 and "the Wayback Machine: 1 of its archive lookups failed" in notes[0], err
    assert [line for line in err.splitlines() if "Wayback Machine" in line] == notes, err
    lookups = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO and "Wayback" in r.getMessage()]
    assert lookups == [], lookups  # logged at INFO, they would print at the default verbosity


def test_rate_limits_stop_each_archive_for_the_run(tmp_path, web):
    """SWH 429 (quota used up) and the Wayback 'Too Many Requests' page: no more requests, one notice each."""
    world = _archives(web)
    world.swh_remaining = 0
    world.script("cdx", 429, TOO_MANY_PAGE, {"Retry-After": "120"}, times=50)
    registry_extra = "https://github.com/gone-org/second"
    with FakeApis(_github()) as apis, FakeArchives(world) as archives:
        options = _options(tmp_path, web)
        text = options.registry_path.read_text() + f"      - {{url: {registry_extra}, kind: repository}}\n"
        options.registry_path.write_text(text)
        result = run(options, _settings(tmp_path, apis, archives), now=lambda: DAY1)
        counts = dict(archives.counts)
    links = _links(tmp_path / "out")
    assert links[GONE]["archive"] is None and links[registry_extra]["archive"] is None
    assert counts == {"swh-visit": 1, "cdx": 1}
    assert len(result.notices) == 2
    swh_note, wb_note = result.notices
    assert swh_note.startswith("Software Heritage:") and "HTTP 429" in swh_note
    assert wb_note.startswith("the Wayback Machine:") and "Retry-After 120" in wb_note


def test_rate_limits_are_told_once_per_archive_at_the_default_verbosity(tmp_path, web, monkeypatch, capsys, caplog):
    """`run` without -q, SWH 429 and CDX 429: exit 0 and exactly one line (printed or logged at INFO) per archive."""
    caplog.set_level(logging.INFO)
    world = _archives(web)
    world.swh_remaining = 0
    world.script("cdx", 429, "slow down", {"Retry-After": "60"}, times=50)
    with FakeApis(_github()) as apis, FakeArchives(world) as archives:
        for name, value in {**apis.env(), **archives.env(), "CRAWLER_CACHE_DIR": str(tmp_path / "cache")}.items():
            monkeypatch.setenv(name, value)
        for name in ("GITHUB_TOKEN", "GH_TOKEN", "HF_TOKEN"):
            monkeypatch.delenv(name, raising=False)
        registry = _registry(tmp_path, web)
        code = main(["run", "--registry", str(registry), "--out", str(tmp_path / "out"), "--allow-private"])
    lines = capsys.readouterr().err.splitlines() + [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert code == 0
    for name in ("Software Heritage", "the Wayback Machine"):
        told = [line for line in lines if name.lower() in line.lower()]
        assert len(told) == 1 and told[0].startswith("note:") and "HTTP 429" in told[0], lines


def test_run_archive_asks_for_saves_once_and_keeps_credentials_secret(tmp_path, web):
    """--archive: SWH saves the repo visited long ago (not the fresh one), SPN captures the live data link;
    a second run asks nothing again; tokens reach the archives' Authorization headers and nothing else."""
    with FakeApis(_github()) as apis, FakeArchives(_archives(web)) as archives:
        settings = _settings(tmp_path, apis, archives, SWH_TOKEN=SECRETS[0], IA_ACCESS_KEY=SECRETS[1],
                             IA_SECRET_KEY=SECRETS[2])  # fmt: skip
        first = run(_options(tmp_path, web, archive=True), settings, now=lambda: DAY1)
        saves_after_first = list(archives.saves)
        second = run(_options(tmp_path, web, archive=True), settings, now=lambda: DAY2)
        saves, authorizations = list(archives.saves), list(archives.authorizations)
    assert saves_after_first == [("software-heritage", LIVE), ("wayback", web.url("/ok"))]
    assert saves == saves_after_first  # asked and remembered: not asked again a week later
    assert first.notices == [
        "archive: asked Software Heritage to save 1 repository and the Wayback Machine to capture 1 data link."
    ]
    assert second.notices == ["archive: everything alive was archived recently; nothing to ask for."]
    assert f"Bearer {SECRETS[0]}" in authorizations and f"LOW {SECRETS[1]}:{SECRETS[2]}" in authorizations
    written = "".join(p.read_text(errors="replace") for d in (tmp_path / "out", tmp_path / "cache")
                      for p in d.rglob("*") if p.is_file())  # fmt: skip
    shown = repr(first) + repr(second) + repr(settings)
    assert not any(secret in written or secret in shown for secret in SECRETS)
