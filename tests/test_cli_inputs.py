"""Bad user input reaches the user as one sentence and an exit code, never a traceback."""

from __future__ import annotations

import json

import pytest

from crawler.cli import main

NO_LINKS = "version: 1\nentries:\n  - id: solo\n    name: Solo\n    links: []\n"


@pytest.fixture()
def registry(tmp_path):
    path = tmp_path / "registry.yaml"
    path.write_text(NO_LINKS, encoding="utf-8")
    return path


@pytest.mark.parametrize("value", ["inf", "nan", "0", "-1", "abc"])
def test_timeout_must_be_positive_and_finite(registry, tmp_path, value, capsys):
    """--timeout inf/nan/0/negative/garbage is bad usage (exit 2), not a crash or a silent 'unverified' run."""
    with pytest.raises(SystemExit) as info:
        main(["run", "--registry", str(registry), "--out", str(tmp_path / "r"), "--timeout", value])
    assert info.value.code == 2 and "--timeout" in capsys.readouterr().err


def test_confirm_after_must_be_at_least_one(registry, tmp_path):
    """--confirm-after 0 is bad usage, as in `report`."""
    with pytest.raises(SystemExit) as info:
        main(["run", "--registry", str(registry), "--out", str(tmp_path / "r"), "--confirm-after", "0"])
    assert info.value.code == 2


def test_out_that_is_a_file_fails_before_the_crawl(registry, tmp_path, capsys):
    """--out naming a file exits 2 with one sentence naming it."""
    target = tmp_path / "afile"
    target.write_text("x")
    assert main(["run", "--registry", str(registry), "--out", str(target)]) == 2
    err = capsys.readouterr().err
    assert str(target) in err and "Traceback" not in err


def test_corrupt_latest_json_is_replaced_not_fatal(registry, tmp_path, caplog):
    """A damaged latest.json is reported and replaced by the new snapshot, so a scheduled job is not stuck red."""
    out = tmp_path / "reports"
    out.mkdir()
    (out / "latest.json").write_text("{bad", encoding="utf-8")
    assert main(["run", "--registry", str(registry), "--out", str(out)]) == 0
    assert json.loads((out / "latest.json").read_text())["schema_version"] == 1
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and "latest.json" in warnings[0]


def test_invalid_tool_crawler_fails_validate_too(registry, tmp_path, monkeypatch, capsys):
    """`validate` checks [tool.crawler] in ./pyproject.toml as `run` does (exit 2, file named)."""
    (tmp_path / "pyproject.toml").write_text("[tool.crawler]\nconcurrency = 0\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "--registry", str(registry)]) == 2
    assert "pyproject.toml" in capsys.readouterr().err


def test_strings_where_numbers_belong_in_config_are_errors(tmp_path, capsys):
    """config: concurrency: "8" and accept: [true] are reported, not coerced."""
    path = tmp_path / "registry.yaml"
    path.write_text('version: 1\nconfig:\n  concurrency: "8"\n  accept: [true]\nentries: []\n', encoding="utf-8")
    assert main(["validate", "--registry", str(path)]) == 2
    err = capsys.readouterr().err
    assert ":3:" in err and ":4:" in err
