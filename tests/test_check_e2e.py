"""`python -m crawler check` end to end against a real loopback server that answers like the
real world (rate limits, flaky 5xx, HEAD refused, a bot wall, redirects, a slow page).

The CLI runs in process so that retries stay instant (conftest's ``retry.set_testing``); the
only real waiting is the 0.3 s read timeout of the slow page, three times. Only 127.0.0.0/8 is
contacted: no DNS lookups, no redirect to a real private address (unit tests cover those).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from loopback_server import LoopbackServer

from crawler import retry

pytest.importorskip("crawler.pipeline")  # crawler.cli imports every subcommand

from crawler.cli import main  # noqa: E402


@pytest.fixture(scope="module")
def server():
    srv = LoopbackServer().start()
    yield srv
    srv.stop()


def check(argv: list[str], capsys) -> tuple[int, str, str]:
    """Run `check` in process; return exit code, stdout, stderr."""
    try:
        code = main(["check", *argv])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 2
    out, err = capsys.readouterr()
    return code, out, err


def test_a_mixed_list_gets_the_right_status_for_each_link(server, capsys):
    """One JSON result per unique URL, each with the status a careful human would give."""
    expected = {
        "/ok": ("ok", 200),
        "/missing": ("broken", 404),
        "/gone": ("broken", 410),
        "/moved": ("redirected", 200),
        "/temporary": ("ok", 200),
        "/nohead": ("ok", 200),
        "/antibot": ("unverified", 403),
        "/ratelimited/a": ("ok", 200),
        "/flaky/a": ("ok", 200),
        "/slow": ("unverified", None),
        "/big": ("ok", 200),
    }
    urls = [server.url(p) for p in expected] + [server.url("/ok"), server.url("/ok#again")]
    code, out, err = check(["--allow-private", "--json", "--timeout", "0.3", *urls], capsys)
    assert code == 0, err
    results = {r["url"]: r for r in json.loads(out)}
    assert len(results) == len(expected) + 1
    for path, (status, http_status) in expected.items():
        r = results[server.url(path)]
        assert (r["status"], r["http_status"]) == (status, http_status), (path, r)
        assert r["reason"] and "\n" not in r["reason"]
    assert results[server.url("/moved")]["final_url"] == server.url("/ok")
    assert "Cloudflare" in results[server.url("/antibot")]["reason"]
    assert "timed out" in results[server.url("/slow")]["reason"]
    assert 1.0 in retry.recorded_waits()  # the 429's Retry-After: 1, honoured without sleeping
    assert server.hits["GET /ok"] + server.hits["HEAD /ok"] == 3  # /ok (+ #again) once, + 2 redirects
    assert "checked 12 URLs" in err


def test_loopback_is_refused_without_allow_private(server, capsys):
    """Without --allow-private the loopback server is never contacted; the link is skipped."""
    before = sum(server.hits.values())
    code, out, _ = check(["--json", server.url("/ok")], capsys)
    assert code == 0 and json.loads(out)[0]["status"] == "skipped"
    assert sum(server.hits.values()) == before


def test_network_down_exits_3_and_prints_no_results(capsys):
    """When no host can be reached the command exits 3 with one sentence naming the network."""
    urls = [f"http://127.0.0.{i}:9/" for i in (2, 3, 4)]  # port 9 (discard) is closed: refused
    code, out, err = check(["--allow-private", "--json", *urls], capsys)
    assert code == 3 and out == ""
    assert "network" in err.lower() and "Traceback" not in err


def test_urls_file_with_comments_and_fail_on_broken(server, capsys, tmp_path):
    """--urls-file skips blank lines and # comments; --fail-on broken exits 1 on a broken link."""
    listing = tmp_path / "urls.txt"
    listing.write_text(f"# registry links\n\n{server.url('/ok')}\n  {server.url('/missing')}  \n")
    code, out, _ = check(["--allow-private", "--urls-file", str(listing), "--fail-on", "broken"], capsys)
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("ok ") and lines[1].startswith("broken ") and "HTTP 404 Not Found" in lines[1]


def test_usage_errors_exit_2(capsys, tmp_path):
    """No URLs at all, or an unreadable URL file, is a usage error naming the file."""
    assert check([], capsys)[0] == 2
    code, _, err = check(["--urls-file", str(tmp_path / "nope.txt")], capsys)
    assert code == 2 and "nope.txt" in err


def test_help_has_examples():
    """`python -m crawler check --help` works as a real command and shows examples."""
    done = subprocess.run(
        [sys.executable, "-m", "crawler", "check", "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0 and "--urls-file" in done.stdout and "examples:" in done.stdout


def test_https_in_a_fresh_process_verifies_with_ssl_cert_file_and_fails_closed_without(tmp_path):
    """A fresh `check` (aiohttp imported by crawler.aio, its own default contexts CA-less) trusts SSL_CERT_FILE's CA."""
    from tests.fakes.dual_scheme_server import CA_FILE, DualSchemeServer

    unset = {"SSL_CERT_FILE", "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"}
    environ = {k: v for k, v in os.environ.items() if k not in unset}

    def https_result(site: DualSchemeServer, **env: str) -> dict[str, str | None]:
        urls = [site.url("https", "/secure"), site.url("http", "/plain")]  # http answers: the network is up
        done = subprocess.run(
            [sys.executable, "-m", "crawler", "check", "--json", "-q", "--allow-private", *urls],
            capture_output=True, text=True, timeout=60, check=False, cwd=tmp_path, env={**environ, **env},
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        result = json.loads(done.stdout)[0]
        return {"status": result["status"], "cause": result["cause"]}

    with DualSchemeServer({("https", "/secure"): 200, ("http", "/plain"): 200}) as site:
        assert https_result(site, SSL_CERT_FILE=str(CA_FILE)) == {"status": "ok", "cause": None}
        assert https_result(site) == {"status": "unverified", "cause": "tls"}  # certifi's bundle: test CA unknown
