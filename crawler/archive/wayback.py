"""The Wayback Machine: the newest good capture of a URL, and Save Page Now capture requests.

Lookups use the CDX server (internetarchive/wayback ``wayback-cdx-server/README.md``)::

    GET {WAYBACK_URL}/cdx/search/cdx?url=U&output=json&fl=timestamp,original,statuscode
        &filter=statuscode:200&limit=-1[&to=YYYYMMDD][&from=YYYYMMDD]

- ``output=json``: a JSON array whose first row names the fields, then one row per capture;
  ``[]`` when there is none. ``fl=`` picks the fields. ``filter=statuscode:200`` keeps
  captures that were answered 200 (a regex on the field). ``limit=-1`` returns the **last**
  (newest) capture only. ``from=``/``to=`` bound the timestamp, inclusive, padded to the
  bound (``to=20240301`` is up to 2024-03-01 23:59:59).
- A capture is replayed at ``{WAYBACK_URL}/web/<timestamp>/<original>`` (SPN2 docs, below);
  timestamps are ``YYYYMMDDhhmmss`` in UTC.

The lookup rule: the newest 200 capture from **before** the link started failing (``to`` =
the day before ``failing_since``), else the newest 200 capture at all. Two requests at most.
The availability API (``archive.org/wayback/available``) is not used: it picks the capture
*closest* to a date whatever its status, the CDX answer says the status and date directly.

Captures use Save Page Now 2 (SPN2 public API docs, V. Banos, updated 2025-10-22:
https://docs.google.com/document/d/1Nsv52MvSjbLb2PCpHlat0gkzw0EvtSgpKHu4mk0MnrA)::

    POST {WAYBACK_URL}/save   Accept: application/json   [Authorization: LOW <access>:<secret>]
    url=U&if_not_archived_within=<N>d&skip_first_archive=1

- answers ``{"url": ..., "job_id": ...}`` when the capture is queued, or ``{"status": "error",
  "status_ext": "error:...", "message": ...}``; ``error:user-session-limit`` (too many
  captures running for this user) and ``error:too-many-daily-captures`` are limits, not
  verdicts on the page.
- limits: 3 captures a minute anonymously, 7 with S3 keys (https://archive.org/account/s3.php);
  the crawler paces them 20 s / 10 s apart. ``if_not_archived_within`` makes SPN2 return the
  recent capture instead of making a new one.

Rate limits: CDX allows 24 requests a minute (edgi-govdata-archiving/wayback v0.5.1) and
blocks an IP for an hour when 429s are ignored; see :mod:`crawler.archive.service`.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from crawler.archive.service import Lookup, SaveAnswer, Service
from crawler.models import ArchiveCopy

__all__ = [
    "CDX_INTERVAL",
    "SPN_INTERVAL",
    "SPN_INTERVAL_AUTHENTICATED",
    "capture_url",
    "captured_since",
    "newest_capture",
    "parse_cdx",
    "parse_timestamp",
    "request_capture",
]

CDX_INTERVAL = 2.5  # seconds between CDX requests: 24 a minute
SPN_INTERVAL = 20.0  # seconds between anonymous captures: 3 a minute
SPN_INTERVAL_AUTHENTICATED = 10.0  # 7 a minute with S3 keys; 6 leaves room for a retry

# Refusals that say "not now" rather than "this page cannot be captured".
_SPN_LIMITS = ("error:user-session-limit", "error:too-many-daily-captures", "error:max-daily-bandwidth")


def parse_timestamp(stamp: str) -> datetime | None:
    """A Wayback ``YYYYMMDDhhmmss`` timestamp (UTC) as a datetime; None if it is not one."""
    digits = stamp.strip()
    if not digits.isdigit() or not 4 <= len(digits) <= 14:
        return None
    full = digits + "0101000000"[len(digits) - 4 :]  # a short stamp means the start of that period
    try:
        return datetime.strptime(full, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def capture_url(base: str, timestamp: str, original: str) -> str:
    """Where a capture is replayed: ``{base}/web/<timestamp>/<original>``."""
    return f"{base.rstrip('/')}/web/{timestamp}/{original}"


def parse_cdx(body: bytes) -> list[dict[str, str]] | None:
    """Rows of a CDX ``output=json`` answer as dicts keyed by the header row; None if malformed."""
    try:
        rows = json.loads(body or b"[]")
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
        return None
    rows = [r for r in rows if r]  # a resume key is preceded by an empty row
    if not rows:
        return []
    header, *data = rows
    return [dict(zip(header, (str(v) for v in row), strict=False)) for row in data if len(row) == len(header)]


async def _newest(service: Service, base: str, url: str, **bounds: str) -> Lookup:
    params = {"url": url, "output": "json", "fl": "timestamp,original,statuscode",
              "filter": "statuscode:200", "limit": "-1", **bounds}  # fmt: skip
    response = await service.request("GET", f"{base}/cdx/search/cdx", subject=url, params=params)
    if response is None:
        return Lookup(False)
    if response.status_code != 200:
        service.fail(url, f"CDX answered HTTP {response.status_code}")
        return Lookup(False)
    rows = parse_cdx(response.content)
    if rows is None:
        service.fail(url, "CDX answer is not the documented JSON")
        return Lookup(False)
    for row in reversed(rows):
        stamp, original = row.get("timestamp", ""), row.get("original") or url
        captured = parse_timestamp(stamp)
        if captured is not None and row.get("statuscode", "200") == "200":
            return Lookup(True, ArchiveCopy(url=capture_url(base, stamp, original), source="wayback",
                                            captured_at=captured))  # fmt: skip
    return Lookup(True)


async def newest_capture(service: Service, base: str, url: str, failing_since: date | None) -> Lookup:
    """The newest 200 capture of *url*, preferring one from before *failing_since*."""
    if failing_since is not None:
        before = await _newest(service, base, url, to=f"{failing_since - timedelta(days=1):%Y%m%d}")
        if not before.answered or before.copy is not None:
            return before
    return await _newest(service, base, url)


async def captured_since(service: Service, base: str, url: str, since: datetime) -> Lookup:
    """The newest 200 capture of *url* made on or after *since* (``copy`` None: none that recent)."""
    return await _newest(service, base, url, **{"from": f"{since.astimezone(UTC):%Y%m%d%H%M%S}"})


async def request_capture(service: Service, base: str, url: str, within_days: int) -> SaveAnswer:
    """Ask Save Page Now to capture *url* unless it was captured in the last *within_days* days."""
    form = {"url": url, "if_not_archived_within": f"{within_days}d", "skip_first_archive": "1"}
    response = await service.request("POST", f"{base}/save", subject=url, data=form)
    if response is None:
        return SaveAnswer("wayback", url, False, "not asked")
    if response.status_code in (401, 403):
        service.stopped = f"it refused the credentials (HTTP {response.status_code}); check IA_ACCESS_KEY/IA_SECRET_KEY"
        return SaveAnswer("wayback", url, False, f"HTTP {response.status_code}")
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code == 200 and isinstance(body, dict) and body.get("job_id"):
        return SaveAnswer("wayback", url, True, f"capture queued (job {body['job_id']})")
    if isinstance(body, dict) and body.get("status") == "error":
        code = str(body.get("status_ext") or "error")
        if code in _SPN_LIMITS[:1]:  # every further capture would be refused the same way
            service.stopped = f"it answered {code}"
        limit = " (a limit; asked again next run)" if code in _SPN_LIMITS else ""
        return SaveAnswer("wayback", url, False, code + limit)
    if response.status_code == 200:
        return SaveAnswer("wayback", url, True, "capture requested")  # anonymous answers may be an HTML page
    service.fail(url, f"Save Page Now answered HTTP {response.status_code}")
    return SaveAnswer("wayback", url, False, f"HTTP {response.status_code}")
