"""`validate` warns about links the address guard will refuse to check (offline: IP literals and local names)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from crawler.registry import guard_refusal, parse_registry

REGISTRY = """\
version: 1
entries:
  - id: local
    name: Local mirror
    links:
      - url: http://127.0.0.1:8000/corpus.zip
        kind: data
      - url: http://169.254.169.254/latest/meta-data/
        kind: data
      - url: http://localhost/data
        kind: data
      - url: http://[fd00::1]/x
        kind: data
      - url: https://github.com/microsoft/BioGPT
        kind: repository
"""


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://127.0.0.1/x", "127.0.0.1 is a loopback address"),
        ("http://169.254.169.254/latest", "169.254.169.254 is a cloud metadata address"),
        ("http://10.1.2.3/", "10.1.2.3 is a private address"),
        ("http://[::1]:8080/", "::1 is a loopback address"),
        ("http://LOCALHOST./", "localhost is this machine"),
        ("http://app.localhost/", "app.localhost is this machine"),
        ("http://metadata.google.internal/computeMetadata/v1/", "metadata.google.internal is a cloud metadata service"),
        ("https://github.com/a/b", None),
        ("http://8.8.8.8/", None),
        # the resolver's inet_aton forms, which `run` refuses once resolved to 127.0.0.1 / 169.254.169.254
        ("http://127.1/", "127.1 (127.0.0.1) is a loopback address"),
        ("http://2130706433/", "2130706433 (127.0.0.1) is a loopback address"),
        ("http://0x7f.1/", "0x7f.1 (127.0.0.1) is a loopback address"),
        ("http://0xa9fea9fe/", "0xa9fea9fe (169.254.169.254) is a cloud metadata address"),
        ("http://1.2.3/", None),
        ("http://cafe1.example/", None),
    ],
)
def test_guard_refusal_without_dns(url, why):
    """IP literals go through the guard's own rule; names like localhost are known; nothing is resolved."""
    assert guard_refusal(url) == why


def test_parse_registry_warns_with_line_numbers():
    """Each refused link is one FILE:LINE warning naming the URL, why, and --allow-private."""
    _, warnings = parse_registry(REGISTRY, "reg.yaml")
    refused = [w for w in warnings if "will not check it" in w]
    assert refused[0] == (
        "reg.yaml:6: warning: http://127.0.0.1:8000/corpus.zip: 127.0.0.1 is a loopback address; "
        "`run` will not check it (unless --allow-private)"
    )
    assert [w.split(":")[1] for w in refused] == ["6", "8", "10", "12"]
    assert not any("github.com" in w for w in refused)


def test_validate_cli_prints_the_warnings(tmp_path):
    """`python -m crawler validate` prints them and still exits 0 (a warning, not an error)."""
    path = tmp_path / "reg.yaml"
    path.write_text(REGISTRY, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "crawler", "validate", "--registry", str(path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "169.254.169.254 is a cloud metadata address" in proc.stderr
    assert "4 warnings" in proc.stdout
