"""Snapshots: assembly with history, deterministic JSON, atomic writes, the JSON Schema.

The output folder (``reports/`` by default) holds::

    latest.json                   the newest snapshot (written last)
    snapshots/YYYY-MM-DD.json     one per UTC day; a second run that day replaces it
    registry.enriched.yaml        the registry as written, each link's status and metadata added
    broken-links.md / .json       what to fix
    changes.md                    what changed since the previous day's snapshot
    leaderboard.md                the source's table regenerated, with stars, licence and health
    index.html                    one self-contained page: sortable, filterable, sparklines

Everything is rendered before anything is written (a render error writes nothing); each
file is written to a temporary file in the same folder, fsynced, then renamed over the
old one, so a crash leaves every file either old or new, never half-written.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from crawler.errors import SnapshotError
from crawler.files import TMP_PREFIX as _TMP_PREFIX
from crawler.files import atomic_write_text
from crawler.history import day_of, next_history
from crawler.models import (
    SCHEMA_VERSION,
    EntryRecord,
    LinkRecord,
    LinkResult,
    LinkStatus,
    Outcome,
    Registry,
    Snapshot,
)
from crawler.render.broken import render_broken_json, render_broken_markdown
from crawler.render.changes import render_changes
from crawler.render.enriched import render_enriched_yaml
from crawler.render.html import render_index_html
from crawler.render.leaderboard import render_leaderboard
from crawler.render.plain import plain

__all__ = [
    "REPORT_FILES",
    "SCHEMA_PATH",
    "atomic_write_text",
    "build_snapshot",
    "dump_snapshot_json",
    "json_schema",
    "load_history",
    "load_previous",
    "load_snapshot",
    "render_reports",
    "rerender_reports",
    "schema_text",
    "sha256_hex",
    "write_run_outputs",
]

log = logging.getLogger(__name__)

SCHEMA_PATH = Path(__file__).parent / "schema" / "snapshot.schema.json"
REPORT_FILES = (
    "broken-links.json",
    "broken-links.md",
    "changes.md",
    "index.html",
    "leaderboard.md",
    "registry.enriched.yaml",
)
_DATED = re.compile(r"^(\d{4}-\d{2}-\d{2})\.json$")


# --------------------------------------------------------------------------- assembly


def build_snapshot(
    registry: Registry,
    *,
    registry_path: str,
    registry_sha256: str,
    outcomes: Mapping[str, Outcome],
    previous: Snapshot | None,
    now: datetime,
    tool_version: str,
) -> Snapshot:
    """One snapshot of *registry*: one LinkRecord per registry link, with its outcome and history.

    A URL cited twice gets the same outcome and the same history. *previous* should be the
    newest snapshot from an earlier day (``load_previous``): history counts days, so a rerun
    on the same day does not count twice. A URL with no outcome is recorded as skipped.
    ``summary`` counts **unique URLs** per status (every status present, 0 included), so a
    URL cited by two entries counts once.
    """
    generated_at = _utc(now)
    today = generated_at.date()
    earlier: dict[str, LinkRecord] = {}
    if previous is not None:
        for _, record in previous.links():
            earlier.setdefault(record.url, record)
    resolved: dict[str, Outcome] = {}
    for url in registry.unique_urls():
        outcome = outcomes.get(url)
        if outcome is None:
            result = LinkResult(
                url=url, status=LinkStatus.SKIPPED, reason="Not checked this run.", checked_at=generated_at
            )
            outcome = Outcome(result=result)
        resolved[url] = outcome
    entries: list[EntryRecord] = []
    for entry in registry.entries:
        links: list[LinkRecord] = []
        for link in entry.links:
            outcome = resolved[link.url]
            streak, since = next_history(outcome.result.status, earlier.get(link.url), today)
            links.append(
                LinkRecord(
                    **link.model_dump(),
                    result=outcome.result.model_copy(deep=True),
                    github=outcome.github.model_copy(deep=True) if outcome.github else None,
                    huggingface=outcome.huggingface.model_copy(deep=True) if outcome.huggingface else None,
                    meta=outcome.meta.model_copy(deep=True) if outcome.meta else None,
                    archive=outcome.archive.model_copy(deep=True) if outcome.archive else None,
                    consecutive_failures=streak,
                    failing_since=since,
                )
            )
        entries.append(EntryRecord(**entry.model_dump(exclude={"links"}), links=links))
    summary = {status: 0 for status in LinkStatus}
    for outcome in resolved.values():
        summary[outcome.result.status] += 1
    return Snapshot(
        generated_at=generated_at,
        tool_version=tool_version,
        registry_path=registry_path,
        registry_sha256=registry_sha256,
        source=registry.source.model_copy(deep=True) if registry.source else None,
        summary=summary,
        entries=entries,
    )


def sha256_hex(data: bytes | str) -> str:
    """Hex SHA-256 of *data* (text is hashed as UTF-8): what ``registry_sha256`` holds."""
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0)


# --------------------------------------------------------------------------- JSON


def dump_snapshot_json(snapshot: Snapshot) -> str:
    """The snapshot as deterministic JSON: sorted keys, indent 2, UTF-8 kept, trailing newline."""
    return json.dumps(plain(snapshot.model_dump()), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def load_snapshot(path: Path) -> Snapshot:
    """Read one snapshot file; any problem is a one-sentence ``SnapshotError`` naming *path*."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SnapshotError(f"{path}: no such snapshot; run `python -m crawler run` first.") from None
    except IsADirectoryError:
        raise SnapshotError(f"{path}: is a directory, not a snapshot file.") from None
    except UnicodeDecodeError:
        raise SnapshotError(f"{path}: not UTF-8 text, so not a snapshot file.") from None
    except OSError as exc:
        raise SnapshotError(f"{path}: cannot read the snapshot ({exc.strerror or exc.__class__.__name__}).") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SnapshotError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg}).") from None
    version = raw.get("schema_version") if isinstance(raw, dict) else None
    if version != SCHEMA_VERSION:
        raise SnapshotError(f"{path}: schema_version {version!r} is not {SCHEMA_VERSION}, which this crawler reads.")
    try:
        return Snapshot.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "top level"
        more = f" (and {exc.error_count() - 1} more problems)" if exc.error_count() > 1 else ""
        raise SnapshotError(f"{path}: {where}: {first['msg']}{more}.") from None


def _dated_files(out_dir: Path) -> list[tuple[date, Path]]:
    folder = out_dir / "snapshots"
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        match = _DATED.match(path.name)
        if match:
            try:
                found.append((date.fromisoformat(match.group(1)), path))
            except ValueError:
                continue
    return sorted(found)


def load_previous(out_dir: Path, before: date) -> Snapshot | None:
    """The newest snapshot from a day before *before*: the baseline for history and ``changes.md``.

    Looks in ``snapshots/`` first, then at ``latest.json`` (an output folder from before
    dated snapshots existed). A same-day snapshot is never the baseline: it is being replaced.
    """
    candidates = [path for day, path in _dated_files(out_dir) if day < before]
    if candidates:
        return load_snapshot(candidates[-1])
    latest = out_dir / "latest.json"
    if latest.is_file():
        snap = load_snapshot(latest)
        if day_of(snap.generated_at) < before:
            return snap
    return None


def load_history(out_dir: Path, limit: int = 52) -> list[Snapshot]:
    """The last *limit* dated snapshots, oldest first (for sparklines).

    An unreadable old snapshot is logged and left out: history only draws lines, and one
    corrupt file from months ago must not stop tonight's run.
    """
    history: list[Snapshot] = []
    for _, path in _dated_files(out_dir)[-limit:] if limit > 0 else []:
        try:
            history.append(load_snapshot(path))
        except SnapshotError as exc:
            reason = str(exc).rstrip(".")
            log.warning("%s; it is left out of the history (delete or repair it to stop this warning).", reason)
    return history


# --------------------------------------------------------------------------- schema


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a snapshot file, generated from the models."""
    schema = Snapshot.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "crawler snapshot"
    schema["description"] = "One crawl of the registry: every entry and link with its status, metadata and history."
    return schema


def schema_text() -> str:
    """``json_schema()`` as published in ``crawler/schema/snapshot.schema.json``."""
    return json.dumps(json_schema(), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------- rendering and writing


def render_reports(
    snapshot: Snapshot,
    *,
    previous: Snapshot | None,
    history: Sequence[Snapshot],
    registry_text: str | None,
    confirm_after: int = 2,
) -> dict[str, str]:
    """Every report, by file name (``REPORT_FILES``). Pure: nothing is read or written."""
    return {
        "broken-links.json": render_broken_json(snapshot, confirm_after=confirm_after),
        "broken-links.md": render_broken_markdown(snapshot, confirm_after=confirm_after),
        "changes.md": render_changes(snapshot, previous),
        "index.html": render_index_html(snapshot, history, confirm_after=confirm_after),
        "leaderboard.md": render_leaderboard(snapshot, confirm_after=confirm_after),
        "registry.enriched.yaml": render_enriched_yaml(snapshot, registry_text),
    }


def _sweep_temporaries(folder: Path) -> None:
    # Left behind only if the process was killed outright (SIGKILL, power cut) mid-write.
    if folder.is_dir():
        for stray in folder.glob(f"{_TMP_PREFIX}*.tmp"):
            stray.unlink(missing_ok=True)


def _write_all(out_dir: Path, files: Mapping[str, str]) -> list[Path]:
    for folder in {(out_dir / name).parent for name in files}:
        _sweep_temporaries(folder)
    written = []
    for name, text in files.items():
        path = out_dir / name
        atomic_write_text(path, text)
        written.append(path)
    return written


def write_run_outputs(
    snapshot: Snapshot,
    *,
    previous: Snapshot | None,
    history: Sequence[Snapshot],
    registry_text: str,
    out_dir: Path,
    confirm_after: int = 2,
) -> list[Path]:
    """Write the snapshot (dated and ``latest.json``) and every report under *out_dir*.

    Renders everything first, then writes file by file atomically, ``latest.json`` last,
    so a reader of ``latest.json`` never sees a snapshot whose reports are not yet there.
    Returns the paths written, in writing order.
    """
    data = dump_snapshot_json(snapshot)
    files = {f"snapshots/{day_of(snapshot.generated_at).isoformat()}.json": data}
    files.update(
        render_reports(
            snapshot, previous=previous, history=history, registry_text=registry_text, confirm_after=confirm_after
        )
    )
    files["latest.json"] = data
    return _write_all(out_dir, files)


def rerender_reports(out_dir: Path, *, confirm_after: int = 2) -> list[Path]:
    """Re-render every report from ``out_dir/latest.json`` and the dated snapshots; offline.

    The previous snapshot is the newest dated one before latest's day. The registry text
    (for ``registry.enriched.yaml``) is read from the snapshot's ``registry_path`` only if
    its hash still matches; otherwise the enriched YAML is rebuilt from the snapshot.
    """
    snapshot = load_snapshot(out_dir / "latest.json")
    today = day_of(snapshot.generated_at)
    previous = load_previous(out_dir, today)
    history = [s for s in load_history(out_dir) if day_of(s.generated_at) != today]
    files = render_reports(
        snapshot,
        previous=previous,
        history=history,
        registry_text=_registry_text_if_unchanged(snapshot),
        confirm_after=confirm_after,
    )
    return _write_all(out_dir, files)


def _registry_text_if_unchanged(snapshot: Snapshot) -> str | None:
    try:
        data = Path(snapshot.registry_path).read_bytes()
    except OSError:
        return None
    if sha256_hex(data) != snapshot.registry_sha256:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None
