"""One crawl: registry ► outcomes for every unique URL ► snapshot ► files.

The sources (GitHub, Hugging Face) answer the URLs they claim from their APIs; the link
checker takes every other URL, plus the ones an API could not answer this run (budget
exhausted, API down), which it checks as plain pages. Nothing is written until every
URL has an outcome, and the writes themselves are atomic and shielded from Ctrl-C, so an
abort leaves the previous reports exactly as they were.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import anyio
import httpx

from crawler import __version__
from crawler.archive import ArchiveOptions, archive_phase
from crawler.checker import CheckOptions, check_urls
from crawler.config import check_options_for
from crawler.errors import AbortError, SnapshotError, UsageError
from crawler.history import day_of
from crawler.models import GitHubMeta, HuggingFaceMeta, LinkResult, LinkStatus, Outcome, Snapshot, carried_over
from crawler.net import build_client
from crawler.registry import display_path, load_registry
from crawler.settings import Settings
from crawler.snapshot import build_snapshot, load_history, load_previous, load_snapshot, write_run_outputs
from crawler.sources import SourceReport, github, huggingface

__all__ = ["ALL_PARTS", "CrawlResult", "RunOptions", "RunResult", "crawl", "run"]

log = logging.getLogger(__name__)

ALL_PARTS = frozenset({"github", "huggingface", "links"})


@dataclass(frozen=True)
class RunOptions:
    registry_path: Path | None = None
    out_dir: Path = Path("reports")
    only: frozenset[str] = ALL_PARTS
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
class CrawlResult:
    outcomes: dict[str, Outcome]
    notices: list[str] = field(default_factory=list)
    api_requests: dict[str, int] = field(default_factory=dict)


@dataclass
class RunResult:
    snapshot: Snapshot
    previous: Snapshot | None
    written: list[Path]
    notices: list[str]
    api_requests: dict[str, int]
    elapsed: float


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _previous_meta(previous: Snapshot | None) -> tuple[dict[str, GitHubMeta], dict[str, HuggingFaceMeta]]:
    gh: dict[str, GitHubMeta] = {}
    hf: dict[str, HuggingFaceMeta] = {}
    if previous is not None:
        for _, link in previous.links():
            if link.github is not None:
                gh[link.url] = link.github
            if link.huggingface is not None:
                hf[link.url] = link.huggingface
    return gh, hf


def _skipped(url: str, reason: str, now: datetime, meta: GitHubMeta | HuggingFaceMeta | None) -> Outcome:
    result = LinkResult(url=url, status=LinkStatus.SKIPPED, reason=reason, checked_at=now)
    return _with_meta(result, meta)


def _with_meta(result: LinkResult, meta: GitHubMeta | HuggingFaceMeta | None) -> Outcome:
    if isinstance(meta, GitHubMeta):
        return Outcome(result=result, github=meta)
    if isinstance(meta, HuggingFaceMeta):
        return Outcome(result=result, huggingface=meta)
    return Outcome(result=result)


async def crawl(
    urls: list[str],
    *,
    settings: Settings,
    options: CheckOptions,
    only: frozenset[str] = ALL_PARTS,
    previous: Snapshot | None = None,
    client: httpx.AsyncClient | None = None,
    on_result: Callable[[LinkResult], None] | None = None,
    now: Callable[[], datetime] = _utcnow,
) -> CrawlResult:
    """Give every URL in *urls* an outcome. Raises ``NetworkDown`` rather than calling everything broken."""
    prev_gh, prev_hf = _previous_meta(previous)
    claimed = {
        "github": [u for u in urls if github.claims(u, settings)],
        "huggingface": [u for u in urls if huggingface.claims(u, settings)],
    }
    by_source = {u for group in claimed.values() for u in group}
    plain = [u for u in urls if u not in by_source]
    outcomes: dict[str, Outcome] = {}
    result = CrawlResult(outcomes=outcomes)
    fallback_meta: dict[str, GitHubMeta | HuggingFaceMeta | None] = {}
    notify = on_result or (lambda r: None)

    def skip(group: list[str], part: str, prev: Mapping[str, GitHubMeta | HuggingFaceMeta]) -> None:
        for url in group:
            outcome = _skipped(url, f"not checked this run (--only excluded {part})", now(), carried_over(prev.get(url)))
            outcomes[url] = outcome
            notify(outcome.result)

    sources = {"github": (github.fetch, prev_gh), "huggingface": (huggingface.fetch, prev_hf)}

    async def with_client(http: httpx.AsyncClient) -> None:
        reports: dict[str, SourceReport] = {}

        async def run_source(name: str) -> None:
            fetch, prev = sources[name]
            report = await fetch(claimed[name], client=http, settings=settings, previous=prev, now=now)
            reports[name] = report
            for url, outcome in report.outcomes.items():
                outcomes[url] = outcome
                notify(outcome.result)

        checked: dict[str, LinkResult] = {}

        async def run_checker(group: list[str], opts: CheckOptions = options) -> None:
            checked.update(await check_urls(group, client=http, options=opts, on_result=on_result))

        try:
            async with anyio.create_task_group() as tg:
                for name in ("github", "huggingface"):
                    if name in only and claimed[name]:
                        tg.start_soon(run_source, name)
                    elif claimed[name]:
                        skip(claimed[name], name, sources[name][1])
                if "links" in only and plain:
                    tg.start_soon(run_checker, plain)
                elif plain:
                    skip(plain, "links", {})
        except BaseExceptionGroup as group:
            # The task group wraps what its tasks raise; callers (and the CLI's exit codes)
            # deal in the exception itself, e.g. NetworkDown -> exit 3.
            raise _first_leaf(group) from None

        for name, report in reports.items():
            result.notices.extend(report.notices)
            result.api_requests[name] = report.api_requests
            fallback_meta.update(report.unanswered)
        if fallback_meta:
            log.info("%d URL(s) the APIs could not answer are checked as plain pages.", len(fallback_meta))
            # Hosts answered already (plain links checked, or an API replied): github.com being
            # unreachable now is that host's problem, not a dead network.
            answered = bool(checked) or any(report.outcomes for report in reports.values())
            await run_checker(list(fallback_meta), replace(options, network_known_up=answered))
        for url, link_result in checked.items():
            outcomes[url] = _with_meta(link_result, fallback_meta.get(url))

    if client is not None:
        await with_client(client)
    else:
        async with build_client(settings, concurrency=options.concurrency, timeout=options.timeout) as http:
            await with_client(http)
    missing = [u for u in urls if u not in outcomes]
    if missing:  # a source that drops a URL is a bug; never let it vanish from the reports silently
        raise AssertionError(f"no outcome for {len(missing)} URL(s), e.g. {missing[0]}")
    return result


def _first_leaf(group: BaseExceptionGroup) -> BaseException:
    first = group.exceptions[0]
    return _first_leaf(first) if isinstance(first, BaseExceptionGroup) else first


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


def _prepare_out_dir(out_dir: Path) -> None:
    """Fail before the crawl, not after it, when the reports cannot be written."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{out_dir}: cannot write reports there: {exc.strerror or exc}") from None
    if not os.access(out_dir, os.W_OK):
        raise UsageError(f"{out_dir}: cannot write reports there: permission denied")


def run(
    options: RunOptions,
    settings: Settings,
    *,
    on_start: Callable[[int], None] | None = None,
    on_result: Callable[[LinkResult], None] | None = None,
    client: httpx.AsyncClient | None = None,
    now: Callable[[], datetime] = _utcnow,
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
    _prepare_out_dir(options.out_dir)
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

    crawled = anyio.run(main)
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

