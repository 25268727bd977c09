"""``run --archive``: ask the archives to keep what is still alive.

- **Software Heritage** is asked to save every live GitHub repository (``ok`` or
  ``redirected``) whose latest visit with a snapshot is older than ``swh_age_days`` (default
  90) or that was never visited. One ``visit/latest`` request per repository tells the age
  (then cached: a repository seen visited recently is not asked about again until the age
  limit could have passed).
- **The Wayback Machine** is asked to capture every live data link (``dataset`` / ``data``)
  with no 200 capture in the last ``wayback_age_days`` (default 30): one CDX request tells,
  then a Save Page Now request with ``if_not_archived_within`` as a second guard.

Budgets per run (the services' documented limits, :mod:`crawler.archive.swh` and
:mod:`crawler.archive.wayback`): at most :data:`SWH_SAVES` save requests (10 an hour
anonymously; :data:`SWH_SAVES_WITH_TOKEN` with ``SWH_TOKEN``), at most :data:`SPN_CAPTURES`
captures paced 20 s apart (3 a minute anonymously; :data:`SPN_CAPTURES_WITH_KEYS` paced 10 s
apart with ``IA_ACCESS_KEY``/``IA_SECRET_KEY``), and :data:`AGE_CHECKS` age lookups per
service. What is left over is asked on the next ``--archive`` run. A save asked for is
remembered for the age limit, so a monthly job does not ask twice for the same thing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx

from crawler.archive import swh, wayback
from crawler.archive.cache import ArchiveCache, CachedSave
from crawler.archive.service import SaveAnswer, Service
from crawler.models import Snapshot
from crawler.settings import Settings
from crawler.sources.github.urls import parse_github_url

__all__ = ["AGE_CHECKS", "SPN_CAPTURES", "SWH_SAVES", "SaveReport", "preserve"]

SWH_SAVES = 10
SWH_SAVES_WITH_TOKEN = 50
SPN_CAPTURES = 12
SPN_CAPTURES_WITH_KEYS = 30
AGE_CHECKS = 60


@dataclass
class SaveReport:
    """What ``--archive`` asked for: one line per request, and notices about the services."""

    asked: list[SaveAnswer] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    requests: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str | None:
        """One sentence: what was asked of each archive (None when nothing needed asking)."""
        if not self.asked:
            return None
        swh_ok = sum(1 for a in self.asked if a.requested and a.source == "software-heritage")
        spn_ok = sum(1 for a in self.asked if a.requested and a.source == "wayback")
        refused = [a for a in self.asked if not a.requested]
        text = (f"archive: asked Software Heritage to save {swh_ok} repositor{'y' if swh_ok == 1 else 'ies'} and "
                f"the Wayback Machine to capture {spn_ok} data link{'' if spn_ok == 1 else 's'}")  # fmt: skip
        if refused:
            text += f"; {len(refused)} refused (first: {refused[0].url}: {refused[0].detail})"
        return text + "."


def _live_repositories(snapshot: Snapshot) -> list[str]:
    origins: dict[str, None] = {}
    for _, link in snapshot.links():
        ref = parse_github_url(link.url)
        if ref is not None and link.result.status.is_ok():
            full_name = link.github.full_name if link.github else ref.full_name  # the current name, if moved
            origins.setdefault(f"https://{ref.host}/{full_name}", None)
    return list(origins)


def _live_data_links(snapshot: Snapshot) -> list[str]:
    return list(dict.fromkeys(link.url for _, link in snapshot.links()
                              if link.kind.is_data and link.result.status.is_ok()))  # fmt: skip


def _recent(entry: CachedSave | None, now: datetime, age: timedelta) -> bool:
    """True when the cache says this was archived, or a save asked, within *age*."""
    if entry is None:
        return False
    return any(moment is not None and now - moment < age for moment in (entry.archived_at, entry.asked_at))


async def preserve(
    snapshot: Snapshot,
    client: httpx.AsyncClient,
    settings: Settings,
    cache: ArchiveCache,
    now: Callable[[], datetime],
    *,
    swh_age_days: int = 90,
    wayback_age_days: int = 30,
) -> SaveReport:
    """Ask Software Heritage and the Wayback Machine to archive what is alive and not recently archived."""
    report = SaveReport()
    at = now()
    token = settings.swh_token
    access, secret = settings.ia_access_key, settings.ia_secret_key
    keys = access is not None and secret is not None
    swh_headers = {"Authorization": f"Bearer {token.get_secret_value()}"} if token else {}
    spn_headers = {"Authorization": f"LOW {access.get_secret_value()}:{secret.get_secret_value()}"} if keys else {}
    swh_ages = Service("Software Heritage", client, AGE_CHECKS, headers=swh_headers)
    swh_saves = Service("Software Heritage", client, SWH_SAVES_WITH_TOKEN if token else SWH_SAVES, headers=swh_headers)
    cdx = Service("the Wayback Machine", client, AGE_CHECKS, min_interval=wayback.CDX_INTERVAL)
    spn = Service(
        "Save Page Now",
        client,
        SPN_CAPTURES_WITH_KEYS if keys else SPN_CAPTURES,
        min_interval=wayback.SPN_INTERVAL_AUTHENTICATED if keys else wayback.SPN_INTERVAL,
        headers=spn_headers,
    )

    swh_age = timedelta(days=swh_age_days)
    for origin in _live_repositories(snapshot):
        entry = cache.saves.get(origin)
        if _recent(entry, at, swh_age):
            continue
        visit = await swh.latest_visit(swh_ages, settings.swh_api_url, origin)
        if not visit.answered:
            continue
        entry = cache.saves[origin] = CachedSave(archived_at=visit.copy.captured_at if visit.copy else None,
                                                 asked_at=entry.asked_at if entry else None)  # fmt: skip
        if _recent(entry, at, swh_age):
            continue
        answer = await swh.request_save(swh_saves, settings.swh_api_url, origin)
        if answer.detail != "not asked":
            report.asked.append(answer)
        if answer.requested:
            entry.asked_at = at

    wb_age = timedelta(days=wayback_age_days)
    for url in _live_data_links(snapshot):
        entry = cache.saves.get(url)
        if _recent(entry, at, wb_age):
            continue
        capture = await wayback.captured_since(cdx, settings.wayback_url, url, at - wb_age)
        if not capture.answered:
            continue
        entry = cache.saves[url] = CachedSave(archived_at=capture.copy.captured_at if capture.copy else None,
                                              asked_at=entry.asked_at if entry else None)  # fmt: skip
        if _recent(entry, at, wb_age):
            continue
        answer = await wayback.request_capture(spn, settings.wayback_url, url, wayback_age_days)
        if answer.detail != "not asked":
            report.asked.append(answer)
        if answer.requested:
            entry.asked_at = at

    for service, what in ((swh_ages, "age checks"), (swh_saves, "save requests"), (cdx, "capture checks"),
                          (spn, "capture requests")):  # fmt: skip
        report.requests[f"{service.name} {what}"] = service.sent
        notice = service.notice(what)
        if notice:
            report.notices.append(notice)
    return report
