"""Project-health signals of a GitHub repository. Pure: no I/O.

- :func:`activity`: ``active``, ``inactive`` (no commit on the default branch for 12 months) or
  ``dormant`` (36 months), from ``GitHubMeta.last_commit`` (``pushed_at`` when the branch's
  date is unknown). Shown to readers, never an alarm: a finished corpus needs no commits.
- :func:`readme_notice`: the README sentence saying the project moved or is deprecated
  ("moved to", "deprecated", "no longer maintained", "已迁移", "不再维护", "停止维护", "请移步" ...)
  and the URL it names (in that sentence or on the line right after it). Only the README's
  head is read: such notices are put at the top, and "deprecated" deep in a README is usually
  about an option, not the project.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # annotations only: `import crawler.sources` stays pydantic-free (sources/__init__.py)
    from crawler.models import GitHubMeta

__all__ = ["Activity", "activity", "readme_notice"]

Activity = Literal["active", "inactive", "dormant"]

INACTIVE_DAYS = 365  # 12 months
DORMANT_DAYS = 3 * 365  # 36 months
HEAD_CHARS = 4000  # how much of a README is scanned for a notice
MAX_NOTICE = 300  # characters of the sentence kept

_MARKERS = re.compile(
    r"moved\s+to|has\s+moved|been\s+moved|migrated\s+to|deprecated|no\s+longer\s+(?:being\s+)?maintained"
    r"|not\s+(?:being\s+)?maintained\s+anymore|unmaintained"
    r"|已迁移|迁移至|迁移到|不再维护|停止维护|请移步|已弃用",
    re.IGNORECASE,
)
_URL = re.compile(r"https?://[^\s<>()\[\]\"'`，。）]+", re.IGNORECASE)
# Sentence ends: ASCII . ! ? followed by space/end, CJK 。！？, or a line break.
_SENTENCE = re.compile(r"[^\n。！？]*?(?:[.!?](?=[*_`]*(?:\s|$))|[。！？]|\n|$)")
_MARKUP = re.compile(r"!\[[^\]]*\]\([^)]*\)|<[^>]+>|[*_`#>]+")
_MD_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]+)[^)]*\)")


def activity(meta: GitHubMeta | None, now: datetime) -> Activity | None:
    """``dormant`` after 36 months without a commit, ``inactive`` after 12, else ``active``; None when unknown.

    An archived or empty repository has no activity to speak of: None.
    """
    if meta is None or meta.empty:
        return None
    last = meta.last_commit or meta.pushed_at
    if last is None:
        return None
    days = (now - last).days
    if days >= DORMANT_DAYS:
        return "dormant"
    if days >= INACTIVE_DAYS:
        return "inactive"
    return "active"


def _clean(sentence: str) -> str:
    text = _MD_LINK.sub(lambda m: f"{m.group(1)} ({m.group(2)})" if m.group(1) else m.group(2), sentence)
    text = " ".join(_MARKUP.sub(" ", text).split())
    return text if len(text) <= MAX_NOTICE else text[: MAX_NOTICE - 1].rstrip() + "…"


def _url_in(text: str) -> str | None:
    for match in _URL.finditer(_MD_LINK.sub(lambda m: f" {m.group(2)} ", text)):
        url = match.group(0).rstrip(".,;:!?")
        # Badges and images name shields.io and the like, not a new home.
        if not re.search(r"shields\.io|badge|\.(?:png|svg|gif|jpe?g)$", url, re.IGNORECASE):
            return url
    return None


def readme_notice(text: str | None) -> tuple[str, str | None] | None:
    """(sentence, URL or None) for the first moved/deprecated notice near the README's top, else None."""
    if not text:
        return None
    head = text[:HEAD_CHARS]
    for match in _SENTENCE.finditer(head):
        sentence = match.group(0)
        if not sentence.strip() or not _MARKERS.search(sentence):
            continue
        notice = _clean(sentence)
        if not notice:
            continue
        after = head[match.end() : match.end() + 300].lstrip("\n").split("\n", 1)[0]
        return notice, _url_in(sentence) or _url_in(after)
    return None
