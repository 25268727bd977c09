"""Software Heritage: is a repository archived (and when was it last visited), and "save code now".

From the swh-web source (SoftwareHeritage/swh-web, ``swh/web/api/views/origin.py``,
``swh/web/save_code_now/api_views.py``, ``swh/web/config.py``) and its API page
(https://archive.softwareheritage.org/api/)::

    GET  {SWH_API_URL}/origin/<origin url>/visit/latest/?require_snapshot=true
    POST {SWH_API_URL}/origin/save/git/url/<origin url>/      [Authorization: Bearer $SWH_TOKEN]

- ``visit/latest``: 200 with ``{"date": ISO 8601 UTC, "status": "full"|"partial"|...,
  "snapshot": id, "origin": url, ...}``; ``require_snapshot=true`` returns only a visit that
  produced a snapshot (something to browse). 404 ``{"exception": "NotFoundExc", "reason":
  "No visit for origin ... found"}`` when the origin is unknown or was never archived.
- save: 200 with ``{"id", "save_request_status": "accepted"|"pending"|"rejected",
  "save_task_status": ..., "request_url", ...}``; GitHub origins are accepted at once.
  400 invalid origin, 403 origin blocked; 401 a bad token.
- rate limits: 120 requests an hour anonymously and 1,200 with a token for the API in general
  (``X-RateLimit-Limit/-Remaining/-Reset`` on every answer); ``visit/latest`` has its own
  700 a minute; save requests (POST) 10 an hour anonymously, 10x that with a token. A
  throttled request gets 429 ``{"exception": "Throttled", ...}``.
- a browsable page for an origin: ``https://archive.softwareheritage.org/browse/origin/?origin_url=<url>``
  (the ``/browse/`` URI scheme, docs.softwareheritage.org ``devel/swh-web/uri-scheme-browse``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote

from crawler.archive.service import Lookup, SaveAnswer, Service
from crawler.models import ArchiveCopy, Link, LinkKind
from crawler.sources.github.urls import parse_github_url

__all__ = ["browse_url", "latest_visit", "origin_for", "request_save"]


def origin_for(link: Link) -> str | None:
    """The Software Heritage origin of a repository link: ``https://github.com/owner/name`` for any
    GitHub link, the URL itself for another host's ``repository`` link, else None."""
    ref = parse_github_url(link.url)
    if ref is not None:
        return f"https://{ref.host}/{ref.full_name}"
    if link.kind is LinkKind.REPOSITORY:
        return link.url.rstrip("/").removesuffix(".git")
    return None


def browse_url(api_url: str, origin: str) -> str:
    """The archive's page for *origin* (the web UI lives at the API's host, without ``/api/1``)."""
    web = api_url.rstrip("/").removesuffix("/api/1")
    return f"{web}/browse/origin/?origin_url={quote(origin, safe=':/')}"


def _parse_date(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)  # 3.11 reads "Z" and fractions
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC).replace(microsecond=0)


async def latest_visit(service: Service, api_url: str, origin: str) -> Lookup:
    """The latest visit of *origin* that has a snapshot, as an archived copy (``copy`` None: not archived)."""
    response = await service.request("GET", f"{api_url}/origin/{origin}/visit/latest/", subject=origin,
                                     params={"require_snapshot": "true"})  # fmt: skip
    if response is None:
        return Lookup(False)
    if response.status_code == 404:
        return Lookup(True)
    try:
        body = response.json() if response.status_code == 200 else None
    except ValueError:
        body = None
    date = _parse_date(body.get("date")) if isinstance(body, dict) else None
    if date is None:
        service.fail(origin, f"visit/latest answered HTTP {response.status_code} without a visit date")
        return Lookup(False)
    return Lookup(True, ArchiveCopy(url=browse_url(api_url, origin), source="software-heritage", captured_at=date))


async def request_save(service: Service, api_url: str, origin: str) -> SaveAnswer:
    """Ask Software Heritage to visit (save) the git repository *origin* now."""
    response = await service.request("POST", f"{api_url}/origin/save/git/url/{origin}/", subject=origin)
    if response is None:
        return SaveAnswer("software-heritage", origin, False, "not asked")
    if response.status_code == 401:
        service.stopped = "it refused the token (HTTP 401); check SWH_TOKEN"
        return SaveAnswer("software-heritage", origin, False, "HTTP 401")
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code == 200 and isinstance(body, dict):
        status = str(body.get("save_request_status") or "unknown")
        return SaveAnswer("software-heritage", origin, status in ("accepted", "pending"), f"save request {status}")
    reason = body.get("reason") if isinstance(body, dict) else None
    if response.status_code in (400, 403):  # invalid or blocked origin: a verdict on this origin only
        why = f"HTTP {response.status_code}" + (f": {reason}" if reason else "")
        return SaveAnswer("software-heritage", origin, False, f"refused ({why})")
    service.fail(origin, f"save answered HTTP {response.status_code}")
    return SaveAnswer("software-heritage", origin, False, f"HTTP {response.status_code}")
