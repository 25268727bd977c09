"""Snapshot assembly, history rules, deterministic JSON, loading and atomic writes."""

from __future__ import annotations

import json
import logging
import os
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import snapshot_factory as f

from crawler import files as files_mod
from crawler import snapshot as snap_mod
from crawler.errors import SnapshotError
from crawler.models import LinkStatus, Snapshot
from crawler.snapshot import (
    REPORT_FILES,
    atomic_write_text,
    build_snapshot,
    dump_snapshot_json,
    load_history,
    load_previous,
    load_snapshot,
    write_run_outputs,
)

DOCTOR = "https://github.com/Kent0n-Li/ChatDoctor"
TIANCHI = "https://tianchi.aliyun.com/dataset/90163"
CSDN = "https://blog.csdn.net/m0_37201243/article/details/130334076"


def _records(snapshot: Snapshot, url: str):
    return [link for _, link in snapshot.links() if link.url == url]


def _write(snapshot: Snapshot, out: Path, previous: Snapshot | None = None, history=()) -> list[Path]:
    return write_run_outputs(
        snapshot, previous=previous, history=list(history), registry_text=f.REGISTRY_YAML_BLOCK, out_dir=out
    )


def test_one_record_per_registry_link_in_registry_order():
    """Every registry link becomes one LinkRecord, entries and links keeping the registry's order and fields."""
    reg = f.registry()
    snap = f.snapshot(1)
    assert [e.id for e in snap.entries] == [e.id for e in reg.entries]
    for entry, record in zip(reg.entries, snap.entries, strict=True):
        assert [(l.url, l.kind, l.label) for l in entry.links] == [(l.url, l.kind, l.label) for l in record.links]
        assert record.duplicate_of == entry.duplicate_of and record.description == entry.description
    assert snap.source is not None and snap.source.front_matter == reg.source.front_matter


def test_url_cited_twice_gets_the_same_outcome_and_history():
    """A URL cited by two links (two entries, or code and data of one) carries one result and one history."""
    snap = f.snapshot(2, f.snapshot(1))
    doctor = _records(snap, DOCTOR)
    assert len(doctor) == 2 and doctor[0].result == doctor[1].result
    assert {(r.consecutive_failures, r.failing_since) for r in doctor} == {(2, date(2024, 1, 1))}
    chatglm = _records(snap, "https://github.com/SCIR-HI/Med-ChatGLM")
    assert len(chatglm) == 2 and chatglm[0].github == chatglm[1].github


def test_summary_counts_unique_urls_with_every_status():
    """The summary counts each unique URL once, and lists every status (0 included)."""
    snap = f.snapshot(3, f.snapshot(2))
    assert list(snap.summary) == list(LinkStatus)
    assert sum(snap.summary.values()) == len(f.registry().unique_urls()) == 9
    assert snap.summary[LinkStatus.BROKEN] == 0 and snap.summary[LinkStatus.OK] == 6


def test_history_fail_fail_recover_over_three_runs():
    """Three runs (fail, fail, recover): streak 1, 2, 0; failing since the first day, then cleared."""
    first, second, third = f.three_runs()
    seen = [(_records(s, DOCTOR)[0].consecutive_failures, _records(s, DOCTOR)[0].failing_since) for s in f.three_runs()]
    assert seen == [(1, date(2024, 1, 1)), (2, date(2024, 1, 1)), (0, None)]
    assert _records(third, DOCTOR)[0].result.status is LinkStatus.OK
    assert first.summary[LinkStatus.BROKEN] == second.summary[LinkStatus.BROKEN] == 1


def test_unverified_counts_as_failing_and_skipped_keeps_zero():
    """Unverified extends the streak like broken does; a skipped link has no streak at all."""
    first, second, third = f.three_runs()
    assert [_records(s, TIANCHI)[0].consecutive_failures for s in (first, second, third)] == [1, 2, 3]
    assert _records(third, TIANCHI)[0].failing_since == date(2024, 1, 1)
    assert {(r.consecutive_failures, r.failing_since) for s in (first, second, third) for r in _records(s, CSDN)} == {
        (0, None)
    }


def test_url_without_outcome_is_recorded_as_skipped():
    """A registry URL the run gave no outcome for is skipped (never silently dropped)."""
    outcomes = f.outcomes(1)
    del outcomes[DOCTOR]
    snap = build_snapshot(
        f.registry(),
        registry_path="registry.yaml",
        registry_sha256="0" * 64,
        outcomes=outcomes,
        previous=None,
        now=f.day(1),
        tool_version="0.1.0",
    )
    records = _records(snap, DOCTOR)
    assert len(records) == 2 and {r.result.status for r in records} == {LinkStatus.SKIPPED}


def test_generated_at_is_whole_seconds_utc_whatever_the_clock_gives():
    """A clock in another zone and with microseconds still gives a UTC, whole-second generated_at."""
    tokyo = datetime(2024, 1, 2, 8, 30, 15, 999_999, tzinfo=timezone(timedelta(hours=9)))
    snap = f.snapshot(1, now=tokyo)
    assert snap.generated_at.isoformat() == "2024-01-01T23:30:15+00:00"
    assert json.loads(dump_snapshot_json(snap))["generated_at"] == "2024-01-01T23:30:15Z"


def test_dump_is_deterministic_and_round_trips():
    """Dumping is byte-stable, keys sorted, trailing newline, and load ► dump gives the same bytes."""
    first = dump_snapshot_json(f.snapshot(2, f.snapshot(1)))
    second = dump_snapshot_json(f.snapshot(2, f.snapshot(1)))
    assert first == second and first.endswith("}\n")
    data = json.loads(first)
    assert list(data) == sorted(data)
    assert "医学大模型训练用语料库榜单" in first  # ensure_ascii=False
    assert data["entries"][0]["links"][0]["result"]["checked_at"] == "2024-01-02T06:00:00Z"
    assert dump_snapshot_json(Snapshot.model_validate_json(first)) == first


def test_write_run_outputs_writes_everything_latest_last(tmp_path):
    """A run writes the dated snapshot, every report, and latest.json last (identical to the dated one)."""
    snap = f.snapshot(1)
    written = _write(snap, tmp_path)
    names = [p.relative_to(tmp_path).as_posix() for p in written]
    assert names[0] == "snapshots/2024-01-01.json" and names[-1] == "latest.json"
    assert set(names[1:-1]) == set(REPORT_FILES)
    assert (tmp_path / "latest.json").read_bytes() == (tmp_path / "snapshots/2024-01-01.json").read_bytes()
    assert load_snapshot(tmp_path / "latest.json") == snap
    assert oct((tmp_path / "latest.json").stat().st_mode & 0o777) == "0o644"


def test_second_run_on_the_same_day_replaces_that_days_snapshot(tmp_path):
    """Two runs on one day leave one dated file (the second run's) and do not count the day twice."""
    first = f.snapshot(1)
    _write(first, tmp_path)
    morning = f.snapshot(2, load_previous(tmp_path, date(2024, 1, 2)), now=f.day(2, hour=6))
    _write(morning, tmp_path, history=load_history(tmp_path))
    previous = load_previous(tmp_path, date(2024, 1, 2))
    assert previous is not None and previous.generated_at == f.day(1)  # the day before, not this morning
    evening = f.snapshot(2, previous, now=f.day(2, hour=20))
    _write(evening, tmp_path, history=load_history(tmp_path))
    assert sorted(p.name for p in (tmp_path / "snapshots").iterdir()) == ["2024-01-01.json", "2024-01-02.json"]
    stored = load_snapshot(tmp_path / "snapshots/2024-01-02.json")
    assert stored.generated_at == f.day(2, hour=20) == load_snapshot(tmp_path / "latest.json").generated_at
    assert _records(stored, DOCTOR)[0].consecutive_failures == 2


def test_load_previous_falls_back_to_an_older_latest_json(tmp_path):
    """Without dated snapshots, latest.json is the baseline if it is from an earlier day, else there is none."""
    atomic_write_text(tmp_path / "latest.json", dump_snapshot_json(f.snapshot(1)))
    assert load_previous(tmp_path, date(2024, 1, 2)).generated_at == f.day(1)
    assert load_previous(tmp_path, date(2024, 1, 1)) is None
    assert load_previous(tmp_path / "nowhere", date(2024, 1, 1)) is None


def test_crash_replacing_latest_json_leaves_the_old_file_intact(tmp_path, monkeypatch):
    """A crash while latest.json is being replaced leaves yesterday's latest.json whole, and no temporary file."""
    _write(f.snapshot(1), tmp_path)
    old = (tmp_path / "latest.json").read_bytes()
    real_replace = os.replace

    def crash_on_latest(src, dst):
        if Path(dst).name == "latest.json":
            raise OSError("disk on fire")
        real_replace(src, dst)

    monkeypatch.setattr(files_mod.os, "replace", crash_on_latest)
    with pytest.raises(OSError, match="disk on fire"):
        _write(f.snapshot(2, f.snapshot(1)), tmp_path)
    assert (tmp_path / "latest.json").read_bytes() == old
    assert load_snapshot(tmp_path / "latest.json").generated_at == f.day(1)
    assert not list(tmp_path.rglob(".crawler-*"))


def test_crash_mid_write_leaves_the_old_file_intact(tmp_path, monkeypatch):
    """A crash after half the bytes are written (before the rename) never touches the file being replaced."""
    target = tmp_path / "latest.json"
    atomic_write_text(target, "old\n")

    def half_then_crash(fd):
        raise KeyboardInterrupt  # e.g. Ctrl-C between write and fsync

    monkeypatch.setattr(files_mod.os, "fsync", half_then_crash)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_text(target, "new, much longer text\n" * 1000)
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latest.json"]


def test_render_error_writes_nothing(tmp_path, monkeypatch):
    """Everything is rendered before anything is written: a renderer that fails leaves the folder untouched."""
    _write(f.snapshot(1), tmp_path)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}

    def broken_renderer(*args, **kwargs):
        raise ValueError("template bug")

    monkeypatch.setattr(snap_mod, "render_leaderboard", broken_renderer)
    with pytest.raises(ValueError):
        _write(f.snapshot(2, f.snapshot(1)), tmp_path)
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


def test_stray_temporaries_from_a_killed_run_are_swept(tmp_path):
    """Temporary files left by a run killed outright are removed by the next run's writes."""
    (tmp_path / "snapshots").mkdir()
    stray = tmp_path / ".crawler-latest.json.abc.tmp"
    stray.write_text("half")
    _write(f.snapshot(1), tmp_path)
    assert not stray.exists()


def test_load_snapshot_errors_are_one_sentence_naming_the_file(tmp_path):
    """Missing, non-JSON, wrong-version and invalid snapshots raise SnapshotError with the path, on one line."""
    cases = {
        "missing.json": None,
        "garbage.json": "{\n  not json",
        "old.json": json.dumps({"schema_version": 0}),
        "invalid.json": dump_snapshot_json(f.snapshot(1)).replace('"ok"', '"fine"', 1),
    }
    for name, text in cases.items():
        path = tmp_path / name
        if text is not None:
            path.write_text(text)
        with pytest.raises(SnapshotError) as caught:
            load_snapshot(path)
        message = str(caught.value)
        assert message.startswith(f"{path}") and "\n" not in message, message
    with pytest.raises(SnapshotError, match=r"garbage\.json:2: not valid JSON"):
        load_snapshot(tmp_path / "garbage.json")


def test_load_history_is_sorted_limited_and_skips_corrupt_files(tmp_path, caplog):
    """History comes back oldest first, at most `limit` snapshots, a corrupt old one logged and left out."""
    folder = tmp_path / "snapshots"
    folder.mkdir()
    for snap in f.three_runs():
        (folder / f"{snap.generated_at.date()}.json").write_text(dump_snapshot_json(snap))
    (folder / "2023-12-31.json").write_text("{")
    (folder / "notes.txt").write_text("ignored")
    with caplog.at_level(logging.WARNING):
        history = load_history(tmp_path)
    assert [s.generated_at.day for s in history] == [1, 2, 3]
    assert "2023-12-31.json:1: not valid JSON (Expecting property name enclosed in double quotes); it is left out" in caplog.text
    assert [s.generated_at.day for s in load_history(tmp_path, limit=2)] == [2, 3]


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda p: p.mkdir(), "is a directory, not a snapshot file."),
        (lambda p: p.write_bytes(b"\xf5!\xcd\xa8\x00"), "not UTF-8 text, so not a snapshot file."),
    ],
)
def test_unreadable_snapshot_is_one_plain_sentence(tmp_path, make, expected):
    """A directory or a binary file given as a snapshot is told in words, not as a Python exception's name."""
    path = tmp_path / "old.json"
    make(path)
    with pytest.raises(SnapshotError) as info:
        load_snapshot(path)
    assert str(info.value) == f"{path}: {expected}"
