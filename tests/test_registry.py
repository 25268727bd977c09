"""Loading and validating registry YAML: every problem as FILE:LINE with the bad value, warnings, no tracebacks."""

from __future__ import annotations

import hashlib
import textwrap
from pathlib import Path

import pytest

from crawler.errors import RegistryError
from crawler.models import LinkKind, Registry
from crawler.registry import (
    LoadedRegistry,
    canonical_github_url,
    default_registry_path,
    load_registry,
    parse_registry,
)

ROOT = Path(__file__).resolve().parent.parent


def _problems(text: str) -> list[str]:
    with pytest.raises(RegistryError) as info:
        parse_registry(textwrap.dedent(text), "reg.yaml")
    return info.value.problems


def _warnings(text: str) -> list[str]:
    _, warnings = parse_registry(textwrap.dedent(text), "reg.yaml")
    return warnings


VALID = """\
version: 1
entries:
  - id: a
    name: A
    links:
      - url: https://github.com/x/a
        kind: repository
"""


# --------------------------------------------------------------------------- loading


def test_shipped_registry_loads():
    """The shipped registry.yaml is valid and holds the seed's 23 rows."""
    loaded = load_registry(ROOT / "registry.yaml")
    assert isinstance(loaded, LoadedRegistry)
    assert isinstance(loaded.registry, Registry)
    assert len(loaded.registry.entries) == 23
    assert all(w.startswith("registry.yaml:") or ":" in w for w in loaded.warnings)


def test_loaded_registry_carries_text_and_sha256(tmp_path):
    """LoadedRegistry keeps the file's text, path and the sha256 of its bytes."""
    path = tmp_path / "r.yaml"
    path.write_text(VALID, encoding="utf-8")
    loaded = load_registry(path)
    assert loaded.text == VALID
    assert loaded.path == path
    assert loaded.sha256 == hashlib.sha256(VALID.encode()).hexdigest()
    assert loaded.warnings == []


def test_default_path_prefers_the_working_directory(tmp_path, monkeypatch):
    """default_registry_path() picks ./registry.yaml when there is one."""
    (tmp_path / "registry.yaml").write_text(VALID, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert default_registry_path() == tmp_path / "registry.yaml"
    assert load_registry().registry.entries[0].id == "a"


def test_default_path_falls_back_to_the_repository_root(tmp_path, monkeypatch):
    """Without ./registry.yaml, default_registry_path() is the one next to the package."""
    monkeypatch.chdir(tmp_path)
    assert default_registry_path() == ROOT / "registry.yaml"


def test_missing_file_is_one_clear_line(tmp_path):
    """A missing registry file gives one sentence naming the file."""
    with pytest.raises(RegistryError) as info:
        load_registry(tmp_path / "nope.yaml")
    assert info.value.problems == [f"{tmp_path / 'nope.yaml'}: no such registry file"]


def test_directory_is_one_clear_line(tmp_path):
    """A directory given as the registry is reported as such."""
    with pytest.raises(RegistryError, match="is a directory"):
        load_registry(tmp_path)


def test_non_utf8_names_the_line(tmp_path):
    """Bytes that are not UTF-8 are reported with their line."""
    path = tmp_path / "r.yaml"
    path.write_bytes(b"version: 1\nentries:\n  - id: \xff\n")
    with pytest.raises(RegistryError) as info:
        load_registry(path)
    assert info.value.problems[0].endswith(":3: not UTF-8 text (bytes b'\\xff\\n')")


# --------------------------------------------------------------------------- errors


def test_yaml_syntax_error_has_line_and_text():
    """A YAML syntax error names the line of the problem mark and shows the offending text."""
    (problem,) = _problems("version: 1\nentries:\n  - id: a\n    name: A\n    url: http://x.org/a: b\n")
    assert problem.startswith("reg.yaml:5: YAML syntax error: mapping values are not allowed here")
    assert "'url: http://x.org/a: b'" in problem


def test_yaml_syntax_error_shows_where_the_context_opened():
    """An unclosed bracket is reported where it is detected and where it opened."""
    (problem,) = _problems("version: 1\nentries:\n  - id: a\n    name: [x\n  - id: b\n")
    assert problem.startswith("reg.yaml:5: YAML syntax error:")
    assert "on line 4 in 'name: [x'" in problem


def test_tab_indentation_is_a_syntax_error():
    """A tab used for indentation is a YAML syntax error with its line."""
    (problem,) = _problems("version: 1\nentries:\n\t- id: a\n")
    assert problem.startswith("reg.yaml:3: YAML syntax error:")


def test_control_character_names_the_line():
    """A control character (which YAML forbids) is reported on its line, not as a reader traceback."""
    (problem,) = _problems("version: 1\nentries:\n  - id: a\x07\n")
    assert problem == "reg.yaml:3: YAML syntax error: character '\\x07' is not allowed in YAML"


def test_missing_field_points_at_the_entry():
    """A missing required field is reported on the entry's line, naming the field."""
    problems = _problems(
        """\
        version: 1
        entries:
          - id: a
            links: []
        """
    )
    assert problems == ["reg.yaml:3: entries[0]: missing required field 'name'"]


def test_missing_entries_is_reported():
    """A registry without 'entries' is reported on the top-level mapping."""
    assert _problems("version: 1\n") == ["reg.yaml:1: (top level): missing required field 'entries'"]


def test_invalid_url_shows_line_and_value():
    """A URL that is not an absolute http(s) URL is reported on its line, with the value."""
    problems = _problems(
        """\
        version: 1
        entries:
          - id: a
            name: A
            links:
              - url: ftp://example.org/data
                kind: data
              - url: github.com/x/y
                kind: repository
              - url: "https://example.org/a b"
                kind: homepage
        """
    )
    assert problems == [
        "reg.yaml:6: entries[0].links[0].url: not an absolute http(s) URL: 'ftp://example.org/data'",
        "reg.yaml:8: entries[0].links[1].url: not an absolute http(s) URL: 'github.com/x/y'",
        "reg.yaml:10: entries[0].links[2].url: URL contains whitespace: 'https://example.org/a b'",
    ]


def test_unknown_kind_lists_the_known_ones():
    """An unknown link kind is reported with the bad value and the allowed kinds."""
    problems = _problems(
        """\
        version: 1
        entries:
          - id: a
            name: A
            links:
              - url: https://example.org/
                kind: website
        """
    )
    assert len(problems) == 1
    assert problems[0].startswith("reg.yaml:7: entries[0].links[0].kind: unknown kind 'website' (expected one of:")
    assert all(k.value in problems[0] for k in LinkKind)


def test_unknown_key_is_rejected_with_a_suggestion():
    """A misspelt key is an error on its own line, with the closest known key suggested."""
    problems = _problems(
        """\
        version: 1
        entries:
          - id: a
            name: A
            descripton: typo
        """
    )
    assert problems == ["reg.yaml:5: entries[0]: unknown key 'descripton' (did you mean 'description'?)"]


def test_unknown_top_level_key_is_rejected():
    """Unknown keys are rejected at the top level too."""
    problems = _problems(VALID + "extra: 1\n")
    assert problems[0].startswith("reg.yaml:8: (top level): unknown key 'extra'")


def test_duplicate_ids_name_both_lines():
    """A repeated id is reported on the second occurrence, naming the first one's line."""
    problems = _problems(VALID + "  - id: a\n    name: A again\n")
    assert problems == ["reg.yaml:8: entries[1].id: duplicate id 'a' (first used on line 3)"]


def test_bad_id_slug_is_rejected():
    """An id that is not a lowercase slug is reported with its value."""
    problems = _problems("version: 1\nentries:\n  - id: Bad_Id\n    name: X\n")
    assert problems == ["reg.yaml:3: entries[0].id: id must be a lowercase slug (a-z, 0-9, single dashes): 'Bad_Id'"]


def test_duplicate_of_must_name_a_known_id():
    """duplicate_of pointing at an unknown id is an error on its line."""
    problems = _problems(VALID + "  - id: b\n    name: B\n    duplicate_of: zzz\n")
    assert problems == ["reg.yaml:10: entries[1].duplicate_of: unknown id 'zzz'"]


def test_duplicate_of_itself_is_rejected():
    """An entry cannot be a duplicate of itself."""
    problems = _problems(VALID + "  - id: b\n    name: B\n    duplicate_of: b\n")
    assert problems == ["reg.yaml:10: entries[1].duplicate_of: an entry cannot be a duplicate of itself ('b')"]


def test_duplicate_yaml_key_is_an_error():
    """A key written twice in one mapping (which YAML would silently overwrite) is an error."""
    problems = _problems("version: 1\nentries:\n  - id: a\n    name: A\n    name: B\n")
    assert problems == ["reg.yaml:5: duplicate key 'name' (first on line 4)"]


def test_wrong_type_shows_the_value():
    """A value of the wrong type is reported with the value found."""
    problems = _problems("version: 1\nentries:\n  - id: a\n    name: 42\n")
    assert problems == ["reg.yaml:4: entries[0].name: Input should be a valid string (got 42)"]


def test_unsupported_version_is_reported():
    """Only version 1 is understood."""
    problems = _problems("version: 2\nentries: []\n")
    assert problems[0].startswith("reg.yaml:1: version: Input should be 1 (got 2)")


def test_invalid_config_is_reported_with_lines():
    """Errors in config: (CrawlConfig) are located like any other."""
    problems = _problems(
        VALID
        + textwrap.dedent(
            """\
            config:
              exclude: ["("]
              timeout: -1
              hosts:
                github.com: {concurrency: 0}
              concurency: 3
            """
        )
    )
    assert problems[0].startswith("reg.yaml:9: config.exclude: invalid regular expression '('")
    assert problems[1].startswith("reg.yaml:10: config.timeout: Input should be greater than 0 (got -1)")
    assert problems[2] == (
        "reg.yaml:12: config.hosts.github.com.concurrency: Input should be greater than or equal to 1 (got 0)"
    )
    assert problems[3] == "reg.yaml:13: config: unknown key 'concurency' (did you mean 'concurrency'?)"


def test_valid_config_is_loaded():
    """A valid config: block is parsed into CrawlConfig."""
    registry, _ = parse_registry(VALID + "config:\n  exclude: ['^https://example\\.org/']\n  timeout: 5\n", "reg.yaml")
    assert registry.config.exclude == ["^https://example\\.org/"]
    assert registry.config.timeout == 5


def test_all_problems_are_reported_at_once_in_line_order():
    """Schema and cross-entry problems come together, sorted by line."""
    problems = _problems(
        """\
        version: 1
        entries:
          - id: a
            name: A
            links:
              - {url: "ftp://x", kind: repository}
          - id: a
            nmae: B
            duplicate_of: nope
        """
    )
    lines = [int(p.split(":")[1]) for p in problems]
    assert lines == sorted(lines)
    assert len(problems) == 5  # url, missing name, duplicate id, unknown key, unknown duplicate_of


@pytest.mark.parametrize(
    "text",
    ["", "- a\n- b\n", "just a string\n", "entries: 5\n", "entries:\n  - 5\n", "entries:\n  - id: [a]\n    name: x\n",
     "version: 1\nentries:\n  - links: {a: 1}\n    id: a\n    name: A\n", "---\na: 1\n---\nb: 2\n", "&a [*a]\n",
     "version: 1\nentries:\n  - id: a\n    name: A\n    links: [{url: 5, kind: 5}]\n"],
)
def test_garbage_gives_registry_error_never_a_crash(text):
    """Any malformed input raises RegistryError with FILE:LINE problems, never another exception."""
    with pytest.raises(RegistryError) as info:
        parse_registry(text, "reg.yaml")
    assert all(p.startswith("reg.yaml:") for p in info.value.problems)


# --------------------------------------------------------------------------- warnings


def test_url_cited_by_several_entries_warns():
    """A URL cited by two unrelated entries is a warning on the second citation's line."""
    warnings = _warnings(VALID + "  - id: b\n    name: B\n    links: [{url: 'https://github.com/x/a', kind: data}]\n")
    assert warnings == [
        "reg.yaml:10: warning: https://github.com/x/a is cited by several entries: a (line 6), b (line 10)"
    ]


def test_shared_url_between_declared_duplicates_does_not_warn():
    """Rows declared duplicate_of each other may cite the same URL without a warning."""
    text = VALID + (
        "  - id: b\n    name: B\n    duplicate_of: a\n"
        "    links: [{url: 'https://github.com/x/a', kind: data}]\n"
    )
    assert _warnings(text) == []


def test_entry_without_links_warns():
    """An entry with no links is a warning (exit 0), unless it is a declared duplicate."""
    warnings = _warnings(VALID + "  - id: b\n    name: B\n    links: []\n  - id: c\n    name: C\n    duplicate_of: a\n")
    assert warnings == ["reg.yaml:8: warning: entry 'b' has no links"]


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("http://github.com/x/y", "https://github.com/x/y"),
        ("https://www.github.com/x/y", "https://github.com/x/y"),
        ("https://github.com/x/y.git", "https://github.com/x/y"),
        ("https://github.com/x/y/", "https://github.com/x/y"),
    ],
)
def test_non_canonical_github_url_warns(url, canonical):
    """http://, www., a trailing .git or / on a GitHub URL is a warning naming the canonical form."""
    warnings = _warnings(
        "version: 1\nentries:\n  - id: a\n    name: A\n"
        f"    links:\n      - {{url: '{url}', kind: data}}\n"
    )
    assert warnings == [f"reg.yaml:6: warning: non-canonical GitHub URL {url!r} (canonical: {canonical!r})"]


def test_canonical_github_url_leaves_other_urls_alone():
    """Canonical GitHub URLs, deep paths and other hosts are not flagged."""
    assert canonical_github_url("https://github.com/x/y") is None
    assert canonical_github_url("https://github.com/x/y/tree/main/data") is None
    assert canonical_github_url("https://example.org/x.git") is None
    assert canonical_github_url("https://github.com/x/y/blob/main/a.git") is None


def test_same_url_and_kind_twice_in_one_entry_warns():
    """Citing one URL twice with the same kind in one entry is a warning; different kinds are fine."""
    link = "      - {url: 'https://github.com/x/a', kind: data}\n"
    text = VALID + link + link
    assert _warnings(text) == ["reg.yaml:9: warning: entry 'a' cites https://github.com/x/a twice as data"]


def test_duplicate_of_loop_is_an_error(tmp_path):
    """Two entries naming each other as duplicate_of is reported with a line, since neither is the original."""
    path = tmp_path / "loop.yaml"
    path.write_text(
        "version: 1\nentries:\n"
        "  - id: a\n    name: A\n    duplicate_of: b\n"
        "  - id: b\n    name: B\n    duplicate_of: a\n",
        encoding="utf-8",
    )
    with pytest.raises(RegistryError) as info:
        load_registry(path)
    assert any(":5:" in p and "loop" in p for p in info.value.problems)


def test_url_with_invalid_port_is_an_error(tmp_path):
    """A URL whose port is not a number in 0-65535 is rejected at validation, with its line."""
    path = tmp_path / "port.yaml"
    path.write_text(
        "version: 1\nentries:\n  - id: a\n    name: A\n    links:\n      - url: http://h:99999/\n        kind: homepage\n",
        encoding="utf-8",
    )
    with pytest.raises(RegistryError) as info:
        load_registry(path)
    assert any(":6:" in p and "99999" in p for p in info.value.problems)
