"""`check` is `run`'s engine (issue 9 item 10): GitHub links through the API, `--pages-only`, -v/-vv,
and URL lists cleaned of the Markdown a `grep -o` drags along (issue 12 section 3)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from misbehaving_servers import Servers, ok, proxy_502

from crawler.cli.check import clean_url
from tests.fakes import FakeApis, World

pytest.importorskip("crawler.pipeline")
from crawler.cli import main

TOKEN = "ghp_checkENGINEtoken0123456789"


@pytest.fixture
def servers():
    srv = Servers()
    yield srv
    srv.stop()


@pytest.mark.parametrize(
    ("raw", "url"),
    [
        ("https://example.org/a", "https://example.org/a"),
        ("<https://example.org/a>", "https://example.org/a"),
        ("`https://example.org/a`", "https://example.org/a"),
        ("https://example.org/a).", "https://example.org/a"),
        ("https://example.org/a`);", "https://example.org/a"),
        ("https://example.org/a>,", "https://example.org/a"),
        ("https://en.wikipedia.org/wiki/Foo_(bar)", "https://en.wikipedia.org/wiki/Foo_(bar)"),
        ("https://en.wikipedia.org/wiki/Foo_(bar)).", "https://en.wikipedia.org/wiki/Foo_(bar)"),
    ],
)
def test_url_lists_lose_markdown_debris(raw, url):
    """Trailing backticks, unbalanced ')', ';', '.', ',', '>' and surrounding <> are not part of a URL."""
    assert clean_url(raw) == url


def test_grep_output_piped_to_check_checks_the_real_urls(servers, tmp_path, monkeypatch, capsys):
    """A Markdown line's URL, grepped with its debris, is checked as the real URL (ok, not 404)."""
    port = servers.app(ok)
    listing = tmp_path / "urls.txt"
    listing.write_text(f"`http://127.0.0.1:{port}/a`);\n<http://127.0.0.1:{port}/b>.\n", encoding="utf-8")
    code = main(["check", "--allow-private", "--json", "--urls-file", str(listing)])
    results = {r["url"]: r["status"] for r in json.loads(capsys.readouterr().out)}
    assert code == 0
    assert results == {f"http://127.0.0.1:{port}/a": "ok", f"http://127.0.0.1:{port}/b": "ok"}


def test_check_answers_github_links_from_the_api_like_run(tmp_path, monkeypatch, capsys):
    """`check https://github.com/o/r` asks the GitHub API (a loopback fake), not the page."""
    world = World(github_token=TOKEN)
    world.add_repo("org/corpus", paths={"main": {"README.md"}})
    with FakeApis(world) as fake:
        for key, value in fake.env().items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
        monkeypatch.setenv("CRAWLER_CACHE_DIR", str(tmp_path / "cache"))
        monkeypatch.delenv("HF_TOKEN", raising=False)
        code = main(["check", "--json", "https://github.com/org/corpus", "https://github.com/org/missing"])
        counts = dict(fake.counts)
    results = {r["url"]: r for r in json.loads(capsys.readouterr().out)}
    assert code == 0
    assert results["https://github.com/org/corpus"]["status"] == "ok"
    assert results["https://github.com/org/missing"]["status"] == "broken"
    assert counts.get("graphql", 0) + counts.get("rest", 0) >= 1


def test_verbosity_vv_logs_every_request_and_v_does_not(servers, tmp_path):
    """-vv prints one line per request (method, URL, status); -v does not."""
    port = servers.app(ok)
    url = f"http://127.0.0.1:{port}/page"
    cmd = [sys.executable, "-m", "crawler", "check", "--allow-private", url]
    vv = subprocess.run([*cmd, "-vv"], check=False, capture_output=True, text=True, timeout=60, cwd=tmp_path)
    v = subprocess.run([*cmd, "-v"], check=False, capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert vv.returncode == 0 and v.returncode == 0, vv.stderr + v.stderr
    assert f"HEAD {url} -> 200" in vv.stderr
    assert f"HEAD {url} -> 200" not in v.stderr
    assert "Using selector" not in vv.stderr  # asyncio's chatter is not a request


def test_verbosity_vv_through_a_proxy_is_one_line_per_request_not_a_connection_trace(servers, tmp_path):
    """Behind a proxy, -vv shows the requests, not httpcore's ~10-line trace of each connection."""
    proxy = f"http://127.0.0.1:{servers.raw(proxy_502)}"
    cmd = [sys.executable, "-m", "crawler", "check", "--timeout", "1", "-vv", "https://example.com/a"]
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()} | {"HTTPS_PROXY": proxy}
    done = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=60, cwd=tmp_path, env=env)
    assert done.returncode == 3, done.stderr
    assert "HEAD https://example.com/a -> no answer" in done.stderr
    assert "connect_tcp" not in done.stderr and "send_request_headers" not in done.stderr


def test_pages_only_checks_the_page_instead_of_asking_the_api(tmp_path, monkeypatch, capsys):
    """A Hugging Face link goes to the Hub API; with --pages-only the page itself is fetched."""
    world = World()
    world.add_hf("dataset", "org/med-qa")
    with FakeApis(world) as fake:
        for key, value in fake.env().items():
            monkeypatch.setenv(key, value)
        monkeypatch.delenv("HF_TOKEN", raising=False)
        monkeypatch.setenv("CRAWLER_CACHE_DIR", str(tmp_path / "cache"))
        url = f"{fake.hf_endpoint}/datasets/org/med-qa"
        assert main(["check", "--allow-private", "--json", url]) == 0
        via_api = [r.path for r in fake.requests]
        fake.requests.clear()
        main(["check", "--allow-private", "--json", "--pages-only", url])
        as_page = [r.path for r in fake.requests]
    capsys.readouterr()
    assert via_api and all(path.startswith("/api/") for path in via_api)
    assert as_page and set(as_page) == {"/datasets/org/med-qa"}


@pytest.mark.parametrize(
    ("raw", "url"),
    [
        ("https://web.archive.org`:", "https://web.archive.org"),
        ("https://example.org/a]", "https://example.org/a"),
        ("https://example.org/[a]", "https://example.org/[a]"),
    ],
)
def test_url_lists_lose_a_trailing_colon_and_unbalanced_bracket(raw, url):
    """'`:' after a URL in prose and an unbalanced ']' are debris; a balanced bracket stays."""
    assert clean_url(raw) == url


def test_the_readme_grep_example_yields_only_real_urls(monkeypatch, capsys):
    """The README's own `grep -o 'https://[^ )]*' README.md` output: every line kept is a URL with a host; the
    grep pattern itself, a bare `https://` and `<placeholder>` URLs are skipped with a warning naming the line."""
    import io
    import re
    from pathlib import Path
    from urllib.parse import urlsplit

    from crawler.cli.check import read_urls_file

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    grepped = "".join(m + "\n" for m in re.findall(r"https://[^ )\n]*", readme))  # grep -o: line by line
    monkeypatch.setattr("sys.stdin", io.StringIO(grepped + "https://[^\nhttps://`\nhttps://x.org/<url>`.\n"))
    urls = read_urls_file("-")
    assert urls and all(urlsplit(u).hostname and not re.search(r"[`<>\\\s]", u) for u in urls)
    assert "https://github.com/microsoft/BioGPT" in urls
    err = capsys.readouterr().err
    assert "<stdin>:" in err and "warning: not a URL, skipped: https://[^" in err
    assert "not a URL, skipped: https://x.org/<url>`." in err


def test_binary_urls_file_is_one_plain_sentence(tmp_path):
    """A non-UTF-8 --urls-file is 'not UTF-8 text', not Python's codec message."""
    from crawler.cli.check import read_urls_file
    from crawler.errors import UsageError

    path = tmp_path / "urls.txt"
    path.write_bytes(b"\xf5!\xcd\xa8")
    with pytest.raises(UsageError) as info:
        read_urls_file(str(path))
    assert str(info.value) == f"{path}: cannot read the URL list: not UTF-8 text"


def test_non_utf8_stdin_and_argument_are_usage_errors():
    """Bytes that are not UTF-8 on stdin or in an argument exit 2 with one sentence, never a --json traceback."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8:surrogateescape"}
    cmd = [sys.executable, "-m", "crawler", "check", "--json"]
    piped = subprocess.run([*cmd, "--urls-file", "-"], input=b"https://example.org/\xff\n", capture_output=True, env=env)
    assert piped.returncode == 2 and piped.stdout == b""
    assert piped.stderr.decode() == "crawler: <stdin>: cannot read the URL list: not UTF-8 text\n"
    argv = subprocess.run([*cmd, os.fsdecode(b"https://example.org/\xff")], capture_output=True, env=env)
    assert argv.returncode == 2 and argv.stdout == b""
    assert argv.stderr.decode() == "crawler: a URL argument is not UTF-8 text (bytes b'https://example.org/\\xff')\n"


def test_urls_file_with_a_byte_order_mark_keeps_its_first_url(tmp_path, capsys):
    """A UTF-8 byte-order mark does not turn the list's first URL into 'not a URL, skipped'."""
    from crawler.cli.check import read_urls_file

    path = tmp_path / "urls.txt"
    path.write_bytes(b"\xef\xbb\xbfhttps://example.org/a\r\nhttps://example.org/b\r\n")
    assert read_urls_file(str(path)) == ["https://example.org/a", "https://example.org/b"]
    assert capsys.readouterr().err == ""


def test_ctrl_c_in_check_does_not_speak_of_reports(monkeypatch, capsys):
    """Ctrl-C during `check` exits 3 saying 'interrupted', without the reports `check` never writes."""

    def interrupted(name):
        raise KeyboardInterrupt

    monkeypatch.setattr("crawler.cli.check.read_urls_file", interrupted)
    assert main(["check", "--urls-file", "-"]) == 3
    assert capsys.readouterr().err == "crawler: interrupted.\n"


def test_check_help_does_not_promise_reports():
    """`check --help` does not say its broken links are in reports: check writes none."""
    shown = subprocess.run([sys.executable, "-m", "crawler", "check", "--help"], capture_output=True, text=True)
    assert shown.returncode == 0 and "report" not in shown.stdout.replace("\n", " ")
