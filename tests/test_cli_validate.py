"""`python -m crawler validate` as a user runs it: exit codes, FILE:LINE problems with the bad value, no traceback."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "crawler"]


def _validate(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [*CLI, "validate", *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )
    assert "Traceback" not in proc.stdout + proc.stderr
    return proc


def _write(tmp_path: Path, text: str, name: str = "reg.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_registry_is_valid(tmp_path):
    """The shipped registry validates: exit 0 and the one-line summary with counts."""
    proc = _validate("--registry", str(ROOT / "registry.yaml"), cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert re.fullmatch(r"registry\.yaml: 23 entries, \d+ links \(\d+ unique URLs\), \d+ warnings\n", proc.stdout)


def test_default_registry_is_found_from_the_working_directory(tmp_path):
    """Without --registry, ./registry.yaml is validated."""
    shutil.copy(ROOT / "registry.yaml", tmp_path / "registry.yaml")
    proc = _validate(cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.stdout.startswith("registry.yaml: 23 entries, ")


def test_broken_yaml_exits_2_with_line_and_text(tmp_path):
    """A YAML syntax error exits 2 with FILE:LINE and the offending text."""
    _write(tmp_path, "version: 1\nentries:\n  - id: a\n    name: A\n    links:\n      - url: http://x.org/a: b\n")
    proc = _validate("--registry", "reg.yaml", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.startswith("reg.yaml:6: YAML syntax error:")
    assert "http://x.org/a: b" in proc.stderr
    assert proc.stdout == ""


def test_invalid_url_exits_2_with_line_and_value(tmp_path):
    """An invalid URL exits 2 naming its line and the URL."""
    text = "version: 1\nentries:\n  - id: a\n    name: A\n    links:\n"
    _write(tmp_path, text + "      - {url: www.x.org/a, kind: data}\n")
    proc = _validate("--registry", "reg.yaml", cwd=tmp_path)
    assert proc.returncode == 2
    assert "reg.yaml:6: entries[0].links[0].url: not an absolute http(s) URL: 'www.x.org/a'" in proc.stderr


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("version: 1\nentries:\n  - id: a\n", "reg.yaml:3: entries[0]: missing required field 'name'"),
        ("version: 1\nentries:\n  - id: a\n    name: A\n  - id: a\n    name: B\n",
         "reg.yaml:5: entries[1].id: duplicate id 'a'"),
        ("version: 1\nentries:\n  - id: a\n    name: A\n    links: [{url: 'https://x.org', kind: wiki}]\n",
         "reg.yaml:5: entries[0].links[0].kind: unknown kind 'wiki'"),
        ("version: 1\nentries:\n  - id: a\n    name: A\n    colour: red\n",
         "reg.yaml:5: entries[0]: unknown key 'colour'"),
        ("version: 1\nentries:\n  - id: a\n    name: A\n    duplicate_of: b\n",
         "reg.yaml:5: entries[0].duplicate_of: unknown id 'b'"),
        ("version: 1\nconfig:\n  timeout: 0\nentries: []\n",
         "reg.yaml:3: config.timeout: Input should be greater than 0 (got 0)"),
    ],
    ids=["missing-field", "duplicate-id", "unknown-kind", "unknown-key", "unknown-duplicate-of", "bad-config"],
)
def test_each_error_kind_exits_2(tmp_path, text, expected):
    """Each kind of problem exits 2 and prints FILE:LINE: message with the bad value."""
    _write(tmp_path, text)
    proc = _validate("--registry", "reg.yaml", cwd=tmp_path)
    assert proc.returncode == 2
    assert expected in proc.stderr


def test_all_problems_are_printed(tmp_path):
    """Several problems are all printed, one per line, then a count."""
    text = "version: 1\nentries:\n  - id: a\n    links: [{url: 'ftp://x', kind: blog}]\n  - id: a\n    name: B\n"
    _write(tmp_path, text)
    proc = _validate("--registry", "reg.yaml", cwd=tmp_path)
    assert proc.returncode == 2
    problems = [line for line in proc.stderr.splitlines() if line.startswith("reg.yaml:")]
    assert len(problems) == 3
    assert "3 problems" in proc.stderr


def test_missing_file_exits_2_with_one_line(tmp_path):
    """A missing registry file exits 2 with a single clear line."""
    proc = _validate("--registry", "nope.yaml", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip() == "nope.yaml: no such registry file"


def test_warnings_exit_0_and_are_counted(tmp_path):
    """Warnings (shared URL, no links, non-canonical GitHub URL) are printed, exit stays 0."""
    _write(
        tmp_path,
        "version: 1\nentries:\n"
        "  - id: a\n    name: A\n    links: [{url: 'http://github.com/x/y/', kind: repository}]\n"
        "  - id: b\n    name: B\n    links: [{url: 'http://github.com/x/y/', kind: data}]\n"
        "  - id: c\n    name: C\n    links: []\n",
    )
    proc = _validate("--registry", "reg.yaml", cwd=tmp_path)
    assert proc.returncode == 0
    warnings = [line for line in proc.stderr.splitlines() if ": warning: " in line]
    assert any("reg.yaml:5: warning: non-canonical GitHub URL 'http://github.com/x/y/'" in w for w in warnings)
    assert any("reg.yaml:8: warning: http://github.com/x/y/ is cited by several entries" in w for w in warnings)
    assert any("reg.yaml:9: warning: entry 'c' has no links" in w for w in warnings)
    assert proc.stdout == f"reg.yaml: 3 entries, 2 links (1 unique URL), {len(warnings)} warnings\n"


def test_quiet_hides_warnings(tmp_path):
    """-q prints the summary only."""
    _write(tmp_path, "version: 1\nentries:\n  - id: c\n    name: C\n")
    proc = _validate("--registry", "reg.yaml", "-q", cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.stderr == ""
    assert proc.stdout == "reg.yaml: 1 entry, 0 links (0 unique URLs), 1 warning\n"


def test_help_shows_examples(tmp_path):
    """--help documents the command with examples."""
    proc = subprocess.run([*CLI, "validate", "--help"], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert proc.returncode == 0
    assert "examples:" in proc.stdout and "--registry" in proc.stdout
