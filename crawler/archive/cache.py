"""What the archives said on earlier runs, kept in ``{cache_dir}/archive.json``.

Two maps, both keyed by URL:

- ``lookups``: the archived copy found (or not) for a failing link, with the link's status and
  ``failing_since`` at the time. Reused while both are unchanged and the answer is younger than
  :data:`LOOKUP_TTL`, so a link that stays dead costs no request on the following runs.
- ``saves``: when a repository was last seen visited by Software Heritage / a data link last
  captured by the Wayback Machine, or a save last asked for, so ``run --archive`` asks again
  only after the age limit has passed.

A missing or damaged file is an empty cache (it is a cache: the next write replaces it); a
write that fails is reported by the caller, never fatal. Written atomically (``crawler/files.py``).
"""

from __future__ import annotations

import json
import logging
from datetime import date, datetime, timedelta
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from crawler.files import atomic_write_text
from crawler.models import ArchiveCopy, LinkStatus

__all__ = ["LOOKUP_TTL", "ArchiveCache", "CachedLookup", "CachedSave"]

log = logging.getLogger(__name__)

LOOKUP_TTL = timedelta(days=30)
CACHE_FILE = "archive.json"


class CachedLookup(BaseModel):
    model_config = ConfigDict(extra="ignore")

    status: LinkStatus
    failing_since: date | None = None
    looked_up_at: datetime
    copy_: ArchiveCopy | None = Field(default=None, alias="copy")


class CachedSave(BaseModel):
    model_config = ConfigDict(extra="ignore")

    archived_at: datetime | None = Field(default=None, description="Latest visit / capture the archive reported.")
    asked_at: datetime | None = Field(default=None, description="When this crawler last asked for a save.")


class _File(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    version: int = 1
    lookups: dict[str, CachedLookup] = Field(default_factory=dict)
    saves: dict[str, CachedSave] = Field(default_factory=dict)


class ArchiveCache:
    """The on-disk archive cache of one run (load, read and update, then :meth:`save`)."""

    def __init__(self, path: Path | None, data: _File | None = None) -> None:
        self.path = path
        self.lookups = (data or _File()).lookups
        self.saves = (data or _File()).saves

    @classmethod
    def load(cls, cache_dir: Path | None) -> ArchiveCache:
        """The cache in *cache_dir* (None: an in-memory cache never written)."""
        if cache_dir is None:
            return cls(None)
        path = cache_dir / CACHE_FILE
        try:
            data = _File.model_validate(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            data = None
        except (OSError, ValueError, ValidationError) as exc:  # a damaged cache is an empty one
            log.info("%s: unreadable archive cache (%s); starting afresh.", path, exc.__class__.__name__)
            data = None
        return cls(path, data)

    def lookup(self, url: str, status: LinkStatus, failing_since: date | None, now: datetime) -> CachedLookup | None:
        """The cached answer for *url* if its status did not change and it is fresh enough."""
        found = self.lookups.get(url)
        if found is None or found.status is not status or found.failing_since != failing_since:
            return None
        return found if now - found.looked_up_at < LOOKUP_TTL else None

    def remember(self, url: str, status: LinkStatus, failing_since: date | None, now: datetime,
                 copy: ArchiveCopy | None) -> None:  # fmt: skip
        """Keep an answer (found or not found; failures are never cached)."""
        self.lookups[url] = CachedLookup(status=status, failing_since=failing_since, looked_up_at=now, copy=copy)

    def forget_except(self, urls: set[str]) -> None:
        """Drop lookups of URLs that are no longer failing (their next failure is a new story)."""
        for url in [u for u in self.lookups if u not in urls]:
            del self.lookups[url]

    def save(self) -> None:
        """Write the cache atomically. Raises ``OSError``; the caller turns it into a notice."""
        if self.path is None:
            return
        data = _File(lookups=self.lookups, saves=self.saves)
        text = json.dumps(data.model_dump(mode="json", by_alias=True), sort_keys=True, indent=1) + "\n"
        atomic_write_text(self.path, text)
