"""`python -m crawler report` and `python -m crawler diff`: offline re-rendering and snapshot diffs."""

from __future__ import annotations

import socket

import pytest
import snapshot_factory as f

from crawler.cli import main
from crawler.render.changes import render_changes
from crawler.snapshot import REPORT_FILES, dump_snapshot_json, write_run_outputs


@pytest.fixture
def out(tmp_path, monkeypatch):
    """An output folder after three runs, the registry they read sitting unchanged in the working directory."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "registry.yaml").write_text(f.REGISTRY_YAML_BLOCK, encoding="utf-8")
    folder = tmp_path / "reports"
    runs = f.three_runs()
    for i, snap in enumerate(runs):
        write_run_outputs(
            snap,
            previous=runs[i - 1] if i else None,
            history=runs[:i],
            registry_text=f.REGISTRY_YAML_BLOCK,
            out_dir=folder,
        )
    return folder


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a connection fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("the report command tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_report_rerenders_the_same_files_offline(out, no_network, capsys):
    """Deleting the reports and running `report` brings back byte-identical files, without any network."""
    before = {name: (out / name).read_bytes() for name in REPORT_FILES}
    for name in REPORT_FILES:
        (out / name).unlink()
    assert main(["report", "--out", str(out)]) == 0
    assert {name: (out / name).read_bytes() for name in REPORT_FILES} == before
    assert f"wrote {len(REPORT_FILES)} reports" in capsys.readouterr().err


def test_report_honours_confirm_after(out):
    """--confirm-after changes which failures count as confirmed in broken-links.md (one URL cited twice: 1)."""
    (out / "latest.json").write_text(dump_snapshot_json(f.snapshot(1)), encoding="utf-8")
    assert main(["report", "--out", str(out), "--confirm-after", "1"]) == 0
    assert "## Broken (1)" in (out / "broken-links.md").read_text(encoding="utf-8")
    assert main(["report", "--out", str(out)]) == 0
    assert "## Failing, not yet confirmed (1)" in (out / "broken-links.md").read_text(encoding="utf-8")


def test_report_without_latest_json_is_a_one_sentence_error(tmp_path, capsys):
    """A folder without latest.json exits 2 with one sentence naming the file, not a traceback."""
    assert main(["report", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err
    assert err.endswith(f"{tmp_path / 'latest.json'}: no such snapshot; run `python -m crawler run` first.")


def test_report_rejects_confirm_after_zero(tmp_path, capsys):
    """--confirm-after 0 is bad usage (exit 2)."""
    with pytest.raises(SystemExit) as caught:
        main(["report", "--out", str(tmp_path), "--confirm-after", "0"])
    assert caught.value.code == 2
    assert "must be at least 1" in capsys.readouterr().err


def test_diff_prints_the_changes_report(out, capsys):
    """`diff OLD NEW` prints changes.md for the two snapshots to stdout."""
    old, new = out / "snapshots/2024-01-02.json", out / "snapshots/2024-01-03.json"
    assert main(["diff", str(old), str(new)]) == 0
    runs = f.three_runs()
    assert capsys.readouterr().out == render_changes(runs[2], runs[1])


def test_diff_with_a_missing_file_exits_2(out, capsys):
    """A missing snapshot is a one-sentence error, exit 2."""
    assert main(["diff", str(out / "nope.json"), str(out / "latest.json")]) == 2
    assert "nope.json: no such snapshot" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["report", "diff"])
def test_help_has_examples(command, capsys):
    """--help describes the command and shows examples."""
    with pytest.raises(SystemExit) as caught:
        main([command, "--help"])
    assert caught.value.code == 0
    text = capsys.readouterr().out
    assert "examples:" in text and f"python -m crawler {command}" in text
