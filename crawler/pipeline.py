"""One crawl: registry ► outcomes for every unique URL ► snapshot ► files.

The host adapters (``crawler.sources.SOURCES``: GitHub, Hugging Face, ...) answer the URLs
they claim from their APIs; the link checker takes every other URL, plus the ones an adapter
could not answer this run (budget exhausted, API down), which it checks as plain pages. Nothing is written until every
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
from crawler.checker import CheckOptions, check_urls, ensure_network_up
from crawler.config import check_options_for
from crawler.errors import AbortError, SnapshotError, UsageError
from crawler.history import day_of
from crawler.models import LinkResult, LinkStatus, Metadata, Outcome, Snapshot
from crawler.net import build_client
from crawler.registry import display_path, load_registry
from crawler.settings import Settings
from crawler.snapshot import build_snapshot, load_history, load_previous, load_snapshot, write_run_outputs
from crawler.sources import SOURCES, source_names
from crawler.sources.base import PageCheck, Source, SourceContext, SourceReport

__all__ = ["CrawlResult", "RunOptions", "RunResult", "all_parts", "crawl", "run"]

log = logging.getLogger(__name__)



def all_parts() -> frozenset[str]:
    """What ``--only`` can name: ``links`` (the link checker) and every adapter in SOURCES."""
    return frozenset({"links", *source_names()})


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


def _previous_outcomes(previous: Snapshot | None) -> dict[str, Outcome]:
    """Each URL's outcome in *previous* (result and metadata), for adapters to carry over."""
    outcomes: dict[str, Outcome] = {}
    if previous is not None:
        for _, link in previous.links():
            outcomes.setdefault(
                link.url,
                Outcome(result=link.result, github=link.github, huggingface=link.huggingface, meta=link.meta,
                        archive=link.archive),
            )  # fmt: skip
    return outcomes


def _with(result: LinkResult, carry: Metadata | None) -> Outcome:
    """*result* with *carry*'s metadata attached."""
    if carry is None:
        return Outcome(result=result)
    return Outcome(result=result, github=carry.github, huggingface=carry.huggingface, meta=carry.meta,
                   archive=carry.archive)  # fmt: skip


def _claimed(urls: list[str], settings: Settings) -> tuple[dict[str, list[str]], list[str]]:
    """URLs per source (the first source in SOURCES that claims a URL takes it) and the rest."""
    claimed: dict[str, list[str]] = {source.name: [] for source in SOURCES}
    plain: list[str] = []
    for url in urls:
        owner = next((source for source in SOURCES if source.claims(url, settings)), None)
        (claimed[owner.name] if owner is not None else plain).append(url)
    return claimed, plain


async def crawl(
    urls: list[str],
    *,
    settings: Settings,
    options: CheckOptions,
    only: frozenset[str] | None = None,
    previous: Snapshot | None = None,
    client: httpx.AsyncClient | None = None,
    on_result: Callable[[LinkResult], None] | None = None,
    now: Callable[[], datetime] = _utcnow,
) -> CrawlResult:
    """Give every URL in *urls* an outcome. Raises ``NetworkDown`` rather than calling everything broken.

    Each adapter of ``SOURCES`` answers the URLs it claims (concurrently with the others and
    with the link checker's plain URLs); the URLs an adapter hands back as ``PageCheck`` are
    checked as pages afterwards, with the adapter's ``carry`` attached. *only* names the parts
    to run (``links`` and adapter names; default all); the others are marked skipped and keep
    their previous metadata, marked stale.
    """
    parts = all_parts() if only is None else only
    prev = _previous_outcomes(previous)
    claimed, plain = _claimed(urls, settings)
    outcomes: dict[str, Outcome] = {}
    result = CrawlResult(outcomes=outcomes)
    fallback: dict[str, Metadata] = {}
    notify = on_result or (lambda r: None)

    def skip(group: list[str], part: str) -> None:
        for url in group:
            earlier = prev.get(url)
            reason = f"not checked this run (--only excluded {part})"
            skipped = LinkResult(url=url, status=LinkStatus.SKIPPED, reason=reason, checked_at=now())
            outcome = _with(skipped, earlier.carried() if earlier is not None else None)
            outcomes[url] = outcome
            notify(outcome.result)

    async def with_client(http: httpx.AsyncClient) -> None:
        reports: dict[str, SourceReport] = {}
        context = SourceContext(client=http, settings=settings, previous=prev, now=now)

        async def run_source(source: Source) -> None:
            report = await source.fetch(claimed[source.name], context)
            reports[source.name] = report
            for url, outcome in report.outcomes.items():
                outcomes[url] = outcome
                notify(outcome.result)

        checked: dict[str, LinkResult] = {}

        # The network is judged once every part is done, on the client's witness (any HTTP answer,
        # API or page, means it is up): not by the checker alone, which may finish first.
        page_options = replace(options, network_known_up=True)

        async def run_checker(group: list[str], opts: CheckOptions = page_options) -> None:
            checked.update(await check_urls(group, client=http, options=opts, on_result=on_result))

        try:
            async with anyio.create_task_group() as tg:
                for source in SOURCES:
                    if source.name in parts and claimed[source.name]:
                        tg.start_soon(run_source, source)
                    elif claimed[source.name]:
                        skip(claimed[source.name], source.name)
                if "links" in parts and plain:
                    tg.start_soon(run_checker, plain)
                elif plain:
                    skip(plain, "links")
        except BaseExceptionGroup as group:
            # The task group wraps what its tasks raise; callers (and the CLI's exit codes)
            # deal in the exception itself, e.g. NetworkDown -> exit 3.
            raise _first_leaf(group) from None

        vias: dict[str, str] = {}
        for name, report in reports.items():
            result.notices.extend(report.notices)
            result.api_requests[name] = report.api_requests
            fallback.update(report.page_checks)
            vias.update({u: a.via for u, a in report.answers.items() if isinstance(a, PageCheck) and a.via})
        unanswered = [u for u in _claimed_order(claimed) if u in fallback and u not in outcomes]
        if unanswered:
            await run_checker([vias.get(u, u) for u in unanswered])
            for url in unanswered:
                if url in vias:
                    checked[url] = _via_mirror(url, checked.pop(vias[url]))
        ensure_network_up(http)
        if unanswered:  # told once the network is known up: offline, no status is current and nothing is written
            log.info("%s", fallback_sentence(len(unanswered)))
        for url, link_result in checked.items():
            outcomes[url] = _with(link_result, fallback.get(url))

    if client is not None:
        await with_client(client)
    else:
        async with build_client(settings, concurrency=options.concurrency, timeout=options.timeout) as http:
            await with_client(http)
    missing = [u for u in urls if u not in outcomes]
    if missing:  # a source that drops a URL is a bug; never let it vanish from the reports silently
        raise AssertionError(f"no outcome for {len(missing)} URL(s), e.g. {missing[0]}")
    return result


def _via_mirror(url: str, mirrored: LinkResult) -> LinkResult:
    """The result of checking *url*'s copy on a mirror, told as *url*'s (a mirror's own moves are not the link's)."""
    status = LinkStatus.OK if mirrored.status is LinkStatus.REDIRECTED else mirrored.status
    return mirrored.model_copy(
        update={
            "url": url,
            "status": status,
            "final_url": None,
            "reason": f"{mirrored.reason} (checked on the mirror: {mirrored.url})",
        }
    )


def _claimed_order(claimed: Mapping[str, list[str]]) -> list[str]:
    """Every claimed URL once, sources in SOURCES order."""
    return list(dict.fromkeys(u for group in claimed.values() for u in group))


def fallback_sentence(count: int) -> str:
    """What it means that *count* URLs got no API answer, in words a user understands (for the run's log).

    ``3 links could not be looked up through their host's API this run (rate limit, missing token or an
    API error); they were checked as ordinary web pages instead: their status is current, but stars,
    licence, downloads and size are from an earlier run (marked stale) or missing.``
    """
    one = count == 1
    return (
        f"{count} link{'' if one else 's'} could not be looked up through {'its' if one else 'their'} host's API "
        f"this run (rate limit, missing token or an API error); {'it was' if one else 'they were'} checked as "
        f"ordinary web pages instead: {'its' if one else 'their'} status is current, but stars, licence, "
        "downloads and size are from an earlier run (marked stale) or missing."
    )


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

