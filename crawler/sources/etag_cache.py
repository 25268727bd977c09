"""On-disk ETag cache for conditional GitHub REST requests (If-None-Match -> 304).

A 304 does not count against GitHub's primary rate limit, so a second run over the
same registry costs almost nothing. Entries are keyed by request URL (which never
holds a token), store only the ETag and the JSON body the crawler needs, and are
written only for 200 answers: failures are never cached. The file is replaced
atomically, so a crash mid-write leaves the previous cache intact.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.files import atomic_write_text

__all__ = ["CachedResponse", "EtagCache"]

log = logging.getLogger(__name__)

_VERSION = 1


@dataclass(frozen=True)
class CachedResponse:
    etag: str
    body: Any


class EtagCache:
    """A JSON file mapping URL -> {etag, body}; load once, ``save()`` at the end of a run."""

    def __init__(self, directory: Path, name: str = "github-rest-etags.json") -> None:
        self.path = Path(directory) / name
        self._entries: dict[str, dict[str, Any]] = {}
        self._dirty = False
        self._load()

    def _load(self) -> None:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:
            log.warning("Ignoring unreadable ETag cache %s (%s); starting empty.", self.path, exc)
            return
        if isinstance(raw, dict) and raw.get("version") == _VERSION and isinstance(raw.get("entries"), dict):
            self._entries = {
                url: entry
                for url, entry in raw["entries"].items()
                if isinstance(entry, dict) and isinstance(entry.get("etag"), str)
            }

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, url: str) -> CachedResponse | None:
        entry = self._entries.get(url)
        return CachedResponse(entry["etag"], entry.get("body")) if entry else None

    def put(self, url: str, etag: str | None, body: Any) -> None:
        """Remember a 200 answer; without an ETag there is nothing to revalidate with."""
        if not etag:
            return
        self._entries[url] = {"etag": etag, "body": body}
        self._dirty = True

    def forget(self, url: str) -> None:
        if self._entries.pop(url, None) is not None:
            self._dirty = True

    def save(self) -> None:
        """Write the cache atomically (temp file in the same folder, then rename)."""
        if not self._dirty:
            return
        data = json.dumps({"version": _VERSION, "entries": self._entries}, ensure_ascii=False, sort_keys=True)
        atomic_write_text(self.path, data)
        self._dirty = False
