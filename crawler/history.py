"""History rules: how a link's failure streak carries from one snapshot to the next.

A snapshot is kept per UTC day (``snapshots/YYYY-MM-DD.json``; a second run on the same day
replaces that day's). So a *run*, as far as history counts, is a day: the previous snapshot
is always the newest one from an earlier day (``crawler.snapshot.load_previous``), and
running twice on one day gives the same counts both times instead of counting the day twice.
Pure: no I/O here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime

from crawler.models import LinkRecord, LinkStatus, Snapshot

__all__ = ["day_of", "daily", "is_confirmed", "next_history", "star_series"]


def day_of(moment: datetime) -> date:
    """The UTC calendar day of *moment* (naive datetimes are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).date()


def next_history(status: LinkStatus, previous: LinkRecord | None, today: date) -> tuple[int, date | None]:
    """``(consecutive_failures, failing_since)`` for a link now in *status*.

    A failure (broken or unverified) extends the previous streak, or starts one at 1 dated
    *today*. Success (ok, redirected) ends it: 0 and no date. A skipped link was not looked
    at (``--only``, an exclusion), so its streak is held as it was rather than forgiven.
    """
    if status is LinkStatus.SKIPPED:
        return (previous.consecutive_failures, previous.failing_since) if previous is not None else (0, None)
    if not status.is_failure():
        return 0, None
    streak = previous.consecutive_failures if previous is not None else 0
    if streak > 0 and previous is not None and previous.failing_since is not None:
        return streak + 1, previous.failing_since
    return streak + 1, today


def is_confirmed(record: LinkRecord, confirm_after: int) -> bool:
    """True once a link has failed *confirm_after* runs in a row (a flaky night is not confirmed)."""
    return record.result.status.is_failure() and record.consecutive_failures >= max(1, confirm_after)


def daily(snapshots: Iterable[Snapshot]) -> list[Snapshot]:
    """One snapshot per UTC day (the latest generated that day), oldest first."""
    by_day: dict[date, Snapshot] = {}
    for snap in snapshots:
        day = day_of(snap.generated_at)
        kept = by_day.get(day)
        if kept is None or snap.generated_at >= kept.generated_at:
            by_day[day] = snap
    return [by_day[d] for d in sorted(by_day)]


def star_series(snapshots: Sequence[Snapshot]) -> dict[str, list[tuple[date, int]]]:
    """Stars per GitHub repository (lower-cased ``owner/name``) per day, oldest first.

    Stale metadata (carried over, not refreshed) is left out: it would draw a flat line
    that was never measured.
    """
    series: dict[str, dict[date, int]] = {}
    for snap in daily(snapshots):
        day = day_of(snap.generated_at)
        for _, link in snap.links():
            meta = link.github
            if meta is None or meta.stale:
                continue
            series.setdefault(meta.full_name.lower(), {})[day] = meta.stars
    return {name: sorted(points.items()) for name, points in sorted(series.items())}
