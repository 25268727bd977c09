"""`python -m crawler run` end to end against a loopback HTTP server: exit codes, CI output, Ctrl-C.

Every run uses `--allow-private --only links` so only the local server is contacted.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from crawler.cli import main  # noqa: E402

RUN = ["run", "--allow-private", "--only", "links", "--timeout", "30"]


class Server:
    """/ok answers 200, /gone 404, /slow only once released (the test's stand-in for a slow host)."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.slow_hit = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, body: bool) -> None:
                if self.path.startswith("/slow"):
                    server.slow_hit.set()
                    server.release.wait(timeout=60)
                code = 404 if self.path.startswith("/gone") else 200
                payload = b"<html><title>t</title></html>"
                self.send_response(code)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if body:
                    self.wfile.write(payload)

            def do_HEAD(self) -> None:  # noqa: N802
                self._answer(body=False)

            def do_GET(self) -> None:  # noqa: N802
                self._answer(body=True)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop serving and close the socket: the port then refuses connections."""
        self.release.set()
        if self.thread.is_alive():
            self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[Server]:
    with Server() as s:
        yield s


def registry(tmp_path: Path, *urls: str) -> Path:
    links = "\n".join(f"      - url: {url}\n        kind: homepage" for url in urls)
    path = tmp_path / "registry.yaml"
    text = f"version: 1\nentries:\n  - id: loopback\n    name: Loopback\n    links:\n{links}\n"
    path.write_text(text, encoding="utf-8")
    return path


def env(tmp_path: Path) -> dict[str, str]:
    """The test's environment without proxies or tokens, with a private cache folder."""
    drop = {"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "GITHUB_TOKEN", "GH_TOKEN", "HF_TOKEN"}
    clean = {k: v for k, v in os.environ.items() if k.upper() not in drop}
    return {**clean, "CRAWLER_CACHE_DIR": str(tmp_path / "cache"), "PYTHONUNBUFFERED": "1", "TERM": "dumb"}


def crawl(tmp_path: Path, *argv: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crawler", *RUN, "--out", "out", *argv],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env(tmp_path),
        timeout=timeout,
        check=False,
    )


def test_broken_links_exit_0_with_reports_and_a_plain_summary(tmp_path, server):
    """Exit 0 when the crawl completes with a broken link; reports written; CI output has no bars or escapes."""
    registry(tmp_path, f"{server.base}/ok", f"{server.base}/gone")
    proc = crawl(tmp_path, "--registry", "registry.yaml")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out" / "latest.json").is_file()
    assert "crawl: checking 2 links" in proc.stderr
    assert "\x1b[" not in proc.stderr and "\r" not in proc.stderr and "━" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert any(line.split() == ["broken", "1", "50%"] for line in lines)
    assert any(line.split() == ["ok", "1", "50%"] for line in lines)
    assert f"{server.base}/gone" in proc.stderr


def test_fail_on_broken_exits_1(tmp_path, server):
    """`--fail-on broken` turns a broken link into exit 1; the reports are still written."""
    registry(tmp_path, f"{server.base}/gone")
    proc = crawl(tmp_path, "--registry", "registry.yaml", "--fail-on", "broken")
    assert proc.returncode == 1, proc.stderr
    assert (tmp_path / "out" / "latest.json").is_file()


def test_fail_on_broken_with_no_broken_link_exits_0(tmp_path, server):
    """`--fail-on broken` with every link working exits 0."""
    registry(tmp_path, f"{server.base}/ok")
    assert crawl(tmp_path, "--registry", "registry.yaml", "--fail-on", "broken").returncode == 0


def test_quiet_prints_nothing_on_success(tmp_path, server):
    """-q: no progress lines and no summary."""
    registry(tmp_path, f"{server.base}/ok")
    proc = crawl(tmp_path, "--registry", "registry.yaml", "-q")
    assert proc.returncode == 0 and proc.stdout == "" and proc.stderr == ""


def test_invalid_registry_exits_2_and_writes_nothing(tmp_path, server):
    """An invalid registry exits 2 naming FILE:LINE, and the previous reports stay byte-identical."""
    registry(tmp_path, f"{server.base}/ok")
    assert crawl(tmp_path, "--registry", "registry.yaml").returncode == 0
    before = (tmp_path / "out" / "latest.json").read_bytes()
    (tmp_path / "registry.yaml").write_text("version: 1\nentries:\n  - id: Not A Slug\n    name: x\n", encoding="utf-8")
    proc = crawl(tmp_path, "--registry", "registry.yaml")
    assert proc.returncode == 2
    assert "registry.yaml:3:" in proc.stderr and "Traceback" not in proc.stderr
    assert (tmp_path / "out" / "latest.json").read_bytes() == before


def test_network_down_exits_3_and_keeps_latest_json(tmp_path, server):
    """Every host refusing connections is an abort (exit 3), not a page of broken links; nothing is overwritten."""
    registry(tmp_path, f"{server.base}/ok")
    assert crawl(tmp_path, "--registry", "registry.yaml").returncode == 0
    before = (tmp_path / "out" / "latest.json").read_bytes()
    server.stop()
    proc = crawl(tmp_path, "--registry", "registry.yaml")
    assert proc.returncode == 3, proc.stderr
    assert "Traceback" not in proc.stderr
    assert (tmp_path / "out" / "latest.json").read_bytes() == before


def test_in_process_run_returns_exit_codes(tmp_path, server, monkeypatch, capsys):
    """crawler.cli.main(["run", ...]) returns 0, then 1 with --fail-on broken, without exiting the interpreter."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CRAWLER_CACHE_DIR", str(tmp_path / "cache"))
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "GITHUB_TOKEN", "GH_TOKEN", "HF_TOKEN"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    registry(tmp_path, f"{server.base}/ok", f"{server.base}/gone")
    argv = [*RUN, "--registry", "registry.yaml", "--out", "out"]
    assert main(argv) == 0
    assert main([*argv, "--fail-on", "broken"]) == 1
    err = capsys.readouterr().err
    assert "crawl: checking 2 links" in err and "\x1b[" not in err


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_exits_3_and_leaves_latest_json_intact(tmp_path, server):
    """SIGINT while a request is in flight stops the run with exit 3 and latest.json byte-identical."""
    registry(tmp_path, f"{server.base}/ok")
    assert crawl(tmp_path, "--registry", "registry.yaml").returncode == 0
    latest = tmp_path / "out" / "latest.json"
    before = latest.read_bytes()
    registry(tmp_path, f"{server.base}/ok", f"{server.base}/slow")
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler", *RUN, "--out", "out", "--registry", "registry.yaml"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=env(tmp_path),
    )
    try:
        assert proc.stderr is not None
        seen = [proc.stderr.readline() for _ in range(1)]
        while not seen[-1].startswith("crawl: checking") and seen[-1] and len(seen) < 50:
            seen.append(proc.stderr.readline())
        assert seen[-1].startswith("crawl: checking"), seen
        assert server.slow_hit.wait(timeout=60), "the run never reached the slow endpoint"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 3, err
    assert "Traceback" not in err
    assert latest.read_bytes() == before


def test_network_down_prints_no_tally_and_leaves_no_new_folder(tmp_path, server):
    """Offline, run shows no 'broken N' tally before the error, and a new --out folder is not left behind empty."""
    registry(tmp_path, f"{server.base}/ok")
    server.stop()
    proc = crawl(tmp_path, "--registry", "registry.yaml", "--out", "fresh/reports")
    assert proc.returncode == 3, proc.stderr
    assert "network looks down" in proc.stderr and "crawl: 1/1" not in proc.stderr
    assert "looked up through" not in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "fresh").exists()
