"""One run: registry ► outcomes for every unique URL (``crawler.crawl``) ► snapshot ► archived copies ► files.

Nothing is written until every URL has an outcome, and the writes themselves are atomic and
shielded from Ctrl-C, so an abort leaves the previous reports exactly as they were.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import anyio
import httpx

from crawler import __version__
from crawler.archive import ArchiveOptions, archive_phase
from crawler.config import check_options_for
from crawler.crawl import CrawlResult, all_parts, crawl, fallback_sentence, utcnow
from crawler.errors import AbortError, SnapshotError, UsageError
from crawler.history import day_of
from crawler.models import LinkResult, Snapshot
from crawler.registry import display_path, load_registry
from crawler.settings import Settings
from crawler.snapshot import build_snapshot, load_history, load_previous, load_snapshot, write_run_outputs

__all__ = ["CrawlResult", "RunOptions", "RunResult", "all_parts", "crawl", "fallback_sentence", "run"]

log = logging.getLogger(__name__)



@dataclass(frozen=True)
class RunOptions:
    registry_path: Path | None = None
    out_dir: Path = Path("reports")
    only: frozenset[str] | None = None  # None: every part
    concurrency: int | None = None
    host_concurrency: int | None = None
    timeout: float | None = None
    allow_private: bool = False
    confirm_after: int = 2
    pyproject: Path | None = Path("pyproject.toml")
    archive_lookups: int = ArchiveOptions.lookups_per_run  # per archive service; 0: no lookups
    archive: bool = False  # --archive: ask the archives to save what is alive
    swh_age_days: int = ArchiveOptions.swh_age_days
    wayback_age_days: int = ArchiveOptions.wayback_age_days


@dataclass
class RunResult:
    snapshot: Snapshot
    previous: Snapshot | None
    written: list[Path]
    notices: list[str]
    api_requests: dict[str, int]
    elapsed: float


def _archive_options(options: RunOptions) -> ArchiveOptions:
    return ArchiveOptions(
        confirm_after=options.confirm_after,
        lookups_per_run=options.archive_lookups,
        save=options.archive,
        swh_age_days=options.swh_age_days,
        wayback_age_days=options.wayback_age_days,
    )


@contextmanager
def _interrupts_deferred() -> Iterator[None]:
    """Hold Ctrl-C / SIGTERM while files are replaced: the set is written whole, then the run ends normally.

    A signal that arrives here comes after the crawl's work is done; aborting now could only
    leave a mixed set of old and new reports, so the writes finish and the user is told.
    """
    received: list[int] = []
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        for sig in previous:
            signal.signal(sig, lambda signum, frame: received.append(signum))
    except ValueError:  # not the main thread: nothing to defer
        yield
        return
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if received:
            log.warning("Interrupted while the reports were being written; they were finished first.")


def _readable(load: Callable[[], Snapshot | None], warned: set[str]) -> Snapshot | None:
    # A damaged snapshot must not block every future run (a scheduled job would stay red until a
    # human steps in): say so, and start that history afresh. The file is replaced by this run.
    try:
        return load()
    except SnapshotError as exc:
        message = str(exc).rstrip(".")
        if message not in warned:  # latest.json can be read twice: as the baseline and for metadata
            warned.add(message)
            log.warning("%s; it is ignored and will be replaced by this run's snapshot.", message)
        return None


def _prepare_out_dir(out_dir: Path) -> list[Path]:
    """Fail before the crawl, not after it, when the reports cannot be written; the folders made, deepest first."""
    made = [p for p in (out_dir, *out_dir.parents) if not p.exists()]
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{out_dir}: cannot write reports there: {exc.strerror or exc}") from None
    if not os.access(out_dir, os.W_OK):
        raise UsageError(f"{out_dir}: cannot write reports there: permission denied")
    return made


def _remove_made(made: list[Path]) -> None:
    """Undo ``_prepare_out_dir`` for a run that wrote nothing: "nothing was written" leaves no empty folder."""
    for folder in made:
        try:
            folder.rmdir()
        except OSError:  # something else was put there meanwhile: leave it
            return


def run(
    options: RunOptions,
    settings: Settings,
    *,
    on_start: Callable[[int], None] | None = None,
    on_result: Callable[[LinkResult], None] | None = None,
    client: httpx.AsyncClient | None = None,
    now: Callable[[], datetime] = utcnow,
) -> RunResult:
    """The ``run`` command: crawl the registry and write snapshot and reports under ``options.out_dir``."""
    started = time.monotonic()
    loaded = load_registry(options.registry_path)
    for warning in loaded.warnings:
        log.debug("%s", warning)
    check_options = check_options_for(
        loaded.registry.config,
        settings,
        pyproject=options.pyproject,
        concurrency=options.concurrency,
        host_concurrency=options.host_concurrency,
        timeout=options.timeout,
        allow_private=options.allow_private,
    )
    # History and changes.md compare with the newest snapshot of an earlier day (a same-day
    # snapshot is being replaced); metadata carried over when an API is out of budget comes
    # from the freshest snapshot there is, which may be today's.
    made = _prepare_out_dir(options.out_dir)
    warned: set[str] = set()
    previous = _readable(lambda: load_previous(options.out_dir, day_of(now())), warned)
    latest = options.out_dir / "latest.json"
    freshest = (_readable(lambda: load_snapshot(latest), warned) if latest.exists() else None) or previous
    urls = loaded.registry.unique_urls()
    if on_start:
        on_start(len(urls))

    async def main() -> CrawlResult:
        return await crawl(
            urls,
            settings=settings,
            options=check_options,
            only=options.only,
            previous=freshest,
            client=client,
            on_result=on_result,
            now=now,
        )

    try:
        crawled = anyio.run(main)
    except BaseException:  # network down, Ctrl-C: exit 3 and nothing written, not even a new folder
        _remove_made(made)
        raise
    snapshot = build_snapshot(
        loaded.registry,
        registry_path=display_path(loaded.path),
        registry_sha256=loaded.sha256,
        outcomes=crawled.outcomes,
        previous=previous,
        now=now(),
        tool_version=__version__,
    )
    # Surviving copies of dead links (the history above says which are confirmed). Never fails the run.
    archived = anyio.run(lambda: archive_phase(snapshot, settings, now, _archive_options(options), client=client))
    snapshot = archived.snapshot
    crawled.notices.extend(archived.notices)
    history = load_history(options.out_dir)
    try:
        with _interrupts_deferred():
            written = write_run_outputs(
                snapshot,
                previous=previous,
                history=history,
                registry_text=loaded.text,
                out_dir=options.out_dir,
                confirm_after=options.confirm_after,
            )
    except OSError as exc:  # disk full, folder removed mid-run: each file is whole, old or new
        raise AbortError(f"{options.out_dir}: could not write the reports: {exc.strerror or exc}") from None
    return RunResult(
        snapshot=snapshot,
        previous=previous,
        written=written,
        notices=crawled.notices,
        api_requests=crawled.api_requests,
        elapsed=time.monotonic() - started,
    )

