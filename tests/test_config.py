"""`[tool.crawler]` in pyproject.toml: loading, validation messages and precedence over/under the registry."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.config import load_pyproject_config, merge_config
from crawler.errors import ConfigError
from crawler.models import CrawlConfig, HostConfig


def pyproject(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "pyproject.toml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(exc: ConfigError) -> list[str]:
    return getattr(exc, "problems", [str(exc)])


def test_missing_file_or_table_is_none(tmp_path):
    """No pyproject.toml, or one without [tool.crawler], means no configuration (not an error)."""
    assert load_pyproject_config(tmp_path / "pyproject.toml") is None
    assert load_pyproject_config(pyproject(tmp_path, '[project]\nname = "x"\n[tool.ruff]\nline-length = 100\n')) is None


def test_full_table_loads_with_dash_or_underscore_keys(tmp_path):
    """Every field loads; TOML's usual dashed keys are accepted and host names are kept verbatim."""
    path = pyproject(
        tmp_path,
        """
[tool.crawler]
exclude = ['^https://example\\.com/private/']
accept = [429]
concurrency = 32
host-concurrency = 4
timeout = 15

[tool.crawler.hosts."www.cnki.net"]
concurrency = 1
min-interval-ms = 2000
accept = [403]

[tool.crawler.hosts.my_host]
min_interval_ms = 10
""",
    )
    config = load_pyproject_config(path)
    assert config == CrawlConfig(
        exclude=[r"^https://example\.com/private/"],
        accept=[429],
        concurrency=32,
        host_concurrency=4,
        timeout=15,
        hosts={
            "www.cnki.net": HostConfig(concurrency=1, min_interval_ms=2000, accept=[403]),
            "my_host": HostConfig(min_interval_ms=10),
        },
    )


def test_errors_name_the_file_table_and_field_path(tmp_path):
    """Each bad field is reported as `FILE: [tool.crawler] <field path>: message`, in the user's spelling."""
    path = pyproject(
        tmp_path,
        """
[tool.crawler]
host-concurrency = 0
accept = [200, "x"]
[tool.crawler.hosts."example.org"]
min-interval-ms = -5
""",
    )
    with pytest.raises(ConfigError) as info:
        load_pyproject_config(path)
    lines = problems(info.value)
    assert str(info.value) == f"{path}: [tool.crawler] has 3 problems."
    assert f"{path}: [tool.crawler] host-concurrency: Input should be greater than or equal to 1 (got 0)" in lines
    assert any(line.startswith(f"{path}: [tool.crawler] accept[1]: ") and "(got 'x')" in line for line in lines)
    assert any(line.startswith(f'{path}: [tool.crawler] hosts."example.org".min-interval-ms: ') for line in lines)


def test_unknown_key_suggests_the_closest_one(tmp_path):
    """A typo is an error that suggests the intended key; a far-off key lists the allowed ones."""
    with pytest.raises(ConfigError, match=r"concurency: unknown key \(did you mean 'concurrency'\?\)"):
        load_pyproject_config(pyproject(tmp_path, "[tool.crawler]\nconcurency = 4\n"))
    allowed = r"hosts\.a\.colour: unknown key \(allowed: accept, concurrency, max-wait, min-interval-ms\)"
    with pytest.raises(ConfigError, match=allowed):
        load_pyproject_config(pyproject(tmp_path, "[tool.crawler.hosts.a]\ncolour = 1\n"))


def test_invalid_regex_is_reported_once_with_the_pattern(tmp_path):
    """An exclude pattern that does not compile is named in the message."""
    with pytest.raises(ConfigError) as info:
        load_pyproject_config(pyproject(tmp_path, "[tool.crawler]\nexclude = ['(oops']\n"))
    expected = f"{tmp_path / 'pyproject.toml'}: [tool.crawler] exclude: invalid regular expression '(oops'"
    assert str(info.value).startswith(expected)


def test_same_key_in_both_spellings_is_an_error(tmp_path):
    """`host-concurrency` and `host_concurrency` together are ambiguous and rejected."""
    with pytest.raises(ConfigError, match="given twice") as info:
        load_pyproject_config(pyproject(tmp_path, "[tool.crawler]\nhost-concurrency = 1\nhost_concurrency = 2\n"))
    assert "(as 'host-concurrency' and 'host_concurrency')" in str(info.value)  # both spellings, as written


def test_broken_toml_is_one_sentence_with_the_line(tmp_path):
    """A TOML syntax error names the file and the line."""
    with pytest.raises(ConfigError, match=r"pyproject\.toml: invalid TOML: .*line 2"):
        load_pyproject_config(pyproject(tmp_path, "[tool.crawler]\nconcurrency = = 3\n"))


def test_table_of_the_wrong_type(tmp_path):
    """`tool.crawler = 3` is rejected with the type it had."""
    with pytest.raises(ConfigError, match=r"\[tool\.crawler\] must be a table, not an integer"):
        load_pyproject_config(pyproject(tmp_path, "[tool]\ncrawler = 3\n"))


def test_registry_config_wins_and_lists_are_unioned():
    """Precedence: registry `config:` over [tool.crawler] for scalars; exclude/accept are the union of both."""
    from_pyproject = CrawlConfig(exclude=["a", "b"], accept=[429], concurrency=16, host_concurrency=2, timeout=30)
    from_registry = CrawlConfig(exclude=["b", "c"], accept=[403], concurrency=8)
    merged = merge_config(from_registry, from_pyproject)
    assert merged.exclude == ["a", "b", "c"]
    assert merged.accept == [429, 403]
    assert (merged.concurrency, merged.host_concurrency, merged.timeout) == (8, 2, 30)


def test_hosts_merge_per_field():
    """A host in both files merges field by field (registry first) and unions its accepted statuses."""
    from_pyproject = CrawlConfig(
        hosts={
            "a.org": HostConfig(concurrency=1, min_interval_ms=500, accept=[403]),
            "p.org": HostConfig(concurrency=3),
        }
    )
    from_registry = CrawlConfig(
        hosts={"a.org": HostConfig(min_interval_ms=100, accept=[429]), "r.org": HostConfig(min_interval_ms=1)}
    )
    merged = merge_config(from_registry, from_pyproject)
    assert merged.hosts == {
        "a.org": HostConfig(concurrency=1, min_interval_ms=100, accept=[403, 429]),
        "p.org": HostConfig(concurrency=3),
        "r.org": HostConfig(min_interval_ms=1),
    }


def test_merge_without_pyproject_is_a_copy_of_the_registry_config():
    """No [tool.crawler]: the registry's config is used as is (and not aliased)."""
    registry = CrawlConfig(exclude=["x"], hosts={"a.org": HostConfig(concurrency=2)})
    merged = merge_config(registry, None)
    assert merged == registry and merged is not registry and merged.hosts["a.org"] is not registry.hosts["a.org"]
