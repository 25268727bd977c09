"""Zenodo records: existence, access right, licence, files, DOI and the concept's newest version.

Claimed links: ``zenodo.org/records/N`` and ``/record/N`` (anything below them too, e.g.
``/files/x.zip``), and DOIs ``10.5281/zenodo.N`` on ``doi.org`` / ``dx.doi.org``. Requests go to
``{ZENODO_URL}/api/records/N`` (default https://zenodo.org).

Documented answers (Zenodo REST API, https://developers.zenodo.org/ "Records" and "Rate limiting";
InvenioRDM's legacy record serializer that ``/api/records`` still speaks):

- 200 with ``metadata.access_right`` (``open``, ``embargoed``, ``restricted``, ``closed``),
  ``metadata.license.id`` (lower-case SPDX-like ids: ``cc-by-4.0``), ``files[].size`` (bytes),
  ``doi``, ``metadata.version``, ``stats.downloads``, ``updated``, and the concept's newest
  version in ``metadata.relations.version[0].last_child.pid_value`` / ``links.latest``
  (``/api/records/N/versions/latest``). When the linked record is not the newest, one more request
  reads the newest record's version label.
- 410 Gone for a removed record: InvenioRDM (inveniosoftware/invenio-rdm-records,
  ``resources/config.py``) maps ``RecordDeletedException`` to ``HTTPJSONException(code=410,
  description="Record deleted", tombstone=record.tombstone.dump())`` (``removal_reason``, ``note``,
  ``removal_date``; Zenodo's tombstone pages show "Reason for removal: Spam", zenodo/zenodo#160):
  ``broken``, cause ``removed``, the reason quoting the tombstone.
- 404 is ambiguous: an id that never existed, a tombstone that is not visible, but also a *concept*
  id ("cite all versions": ``zenodo.org/records/<conceptrecid>`` and the concept DOI resolve to the
  newest version on the site, while ``/api/records/<conceptrecid>`` answers 404, zenodo/zenodo#2499).
  So a 404 asks the search once, ``/api/records?q=conceptrecid:N`` (search by concept id,
  zenodo/zenodo-rdm#604; it lists the newest version): a hit answers the link from the newest version;
  no hit leaves the verdict to a page check of the record page (404 there is ``broken``), never a
  ``broken`` from the API's 404 alone.
- 401/403 for a restricted record's metadata: ``unverified``, access ``restricted``.
- 429 Too Many Requests past the guest limits (60 requests a minute, 2000 an hour), with
  ``X-RateLimit-Limit``/``-Remaining``/``-Reset`` (Unix time) and ``Retry-After``: retried after the
  wait (hostkit); a wait too long ends Zenodo lookups for the run (page checks, stale metadata).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from crawler.settings import Settings
from crawler.sources.base import Answered, PageCheck, SourceContext, SourceReport
from crawler.sources.hostkit import (
    HostClient,
    HostDown,
    answer_batch,
    answer_for_each,
    behind_login,
    count,
    matches_host,
    spdx,
    to_datetime,
)
from crawler.status import Access, LinkStatus

if TYPE_CHECKING:  # imported where built: `import crawler.sources` stays pydantic-free (sources/__init__.py)
    from crawler.models import LinkMeta

__all__ = ["SOURCE", "ZenodoSource", "record_id"]

_HOSTS = frozenset({"zenodo.org", "www.zenodo.org"})
_DOI_HOSTS = frozenset({"doi.org", "dx.doi.org", "www.doi.org"})
_RECORD = re.compile(r"^/records?/(\d+)(?:/|$)")
_DOI = re.compile(r"^/10\.5281/zenodo\.(\d+)/?$", re.IGNORECASE)
_ACCESS = {
    "open": Access.OPEN,
    "embargoed": Access.RESTRICTED,
    "restricted": Access.RESTRICTED,
    "closed": Access.RESTRICTED,
}


def record_id(url: str, settings: Settings) -> str | None:
    """The record id a Zenodo record or DOI link names, else None."""
    parts = matches_host(url, _HOSTS, settings.zenodo_url)
    if parts is not None:
        match = _RECORD.match(parts.path)
        return match.group(1) if match else None
    parts = matches_host(url, _DOI_HOSTS, "")
    match = _DOI.match(parts.path) if parts is not None else None
    return match.group(1) if match else None


def _latest_id(body: dict[str, Any]) -> str | None:
    relations = (body.get("metadata") or {}).get("relations") or {}
    versions = relations.get("version") if isinstance(relations, dict) else None
    if isinstance(versions, list) and versions and isinstance(versions[0], dict):
        child = versions[0].get("last_child") or {}
        if isinstance(child, dict) and child.get("pid_value"):
            return str(child["pid_value"])
    latest = (body.get("links") or {}).get("latest")
    match = re.search(r"/records?/(\d+)/?$", latest) if isinstance(latest, str) else None
    return match.group(1) if match else None


def _tombstone_note(body: object) -> str:
    """`` (Spam: note, 2024-01-01)`` from a 410 body's tombstone, '' when it says nothing."""
    if not isinstance(body, dict):
        return ""
    stone = body.get("tombstone") if isinstance(body.get("tombstone"), dict) else {}
    why = stone.get("removal_reason")
    title = why.get("title") or why.get("id") if isinstance(why, dict) else why
    if isinstance(title, dict):  # a vocabulary title, per language: {"en": "Spam"}
        title = title.get("en") or next(iter(title.values()), "")
    parts = [
        str(title or ""),
        str(stone.get("note") or ""),
        str(stone.get("removal_date") or ""),
    ]
    text = ", ".join(p for p in parts if p) or str(body.get("message") or "")
    return f" ({text[:200]})" if text else ""


def meta_from_record(body: dict[str, Any], at, latest: dict[str, Any] | None = None) -> LinkMeta:
    """LinkMeta from a ``/api/records/N`` body (and the newest version's body when it differs)."""
    from crawler.models import LinkMeta

    metadata = body.get("metadata") or {}
    files = [f for f in body.get("files") or [] if isinstance(f, dict)]
    sizes = [count(f.get("size")) for f in files]
    licence = metadata.get("license")
    licence_id = licence.get("id") if isinstance(licence, dict) else licence
    version = metadata.get("version") or str(body.get("id") or "")
    newer = latest is not None and str(latest.get("id")) != str(body.get("id"))
    latest_meta = (latest or {}).get("metadata") or {}
    return LinkMeta(
        source="zenodo",
        title=metadata.get("title") or body.get("title"),
        access=_ACCESS.get(str(metadata.get("access_right") or "").lower(), Access.UNKNOWN),
        license=spdx(licence_id),
        size_bytes=sum(s for s in sizes if s is not None) if files else None,
        file_count=len(files) if files or "files" in body else None,
        updated_at=to_datetime(body.get("updated") or body.get("modified")),
        downloads=count((body.get("stats") or {}).get("downloads")),
        doi=body.get("doi") or metadata.get("doi"),
        version=version or None,
        latest_version=(latest_meta.get("version") or str(latest.get("id"))) if latest is not None else version or None,
        newer_version=newer,
        fetched_at=at,
    )


async def _concept_newest(api: HostClient, base: str, recid: str) -> dict[str, Any] | None:
    """The newest version's record body when *recid* is a concept id, else None (one search request)."""
    try:
        reply = await api.get(f"{base}/api/records?q=conceptrecid:{recid}&size=1")
    except HostDown:
        return None
    body = reply.json() if reply.status == 200 else None
    hits = (body.get("hits") or {}).get("hits") if isinstance(body, dict) else None
    first = hits[0] if isinstance(hits, list) and hits and isinstance(hits[0], dict) else None
    return first if first is not None and str(first.get("conceptrecid")) == recid else None


class ZenodoSource:
    name = "zenodo"

    def claims(self, url: str, settings: Settings) -> bool:
        """Zenodo record pages and Zenodo DOIs."""
        return record_id(url, settings) is not None

    async def fetch(self, urls: Sequence[str], ctx: SourceContext) -> SourceReport:
        """One ``/api/records/N`` request per record (two when a newer version exists)."""
        from crawler.models import LinkMeta

        base = ctx.settings.zenodo_url.rstrip("/")

        async def lookup(api: HostClient, recid: str) -> Callable[[str], Answered | PageCheck]:
            reply = await api.get(f"{base}/api/records/{recid}")
            at = ctx.now()
            body = reply.json()
            if reply.status == 410:
                reason = f"Zenodo: record {recid} was removed" + _tombstone_note(body)
                return answer_for_each(LinkStatus.BROKEN, reason, at, http=410, cause="removed")
            if reply.status == 404:
                body = await _concept_newest(api, base, recid)
                if body is None:
                    why = f"Zenodo API has no record {recid} (a concept id answers 404 there): the page decides"
                    return lambda url: PageCheck(why=why)
                meta = meta_from_record(body, at, body)
                reason = f"Zenodo API: concept record {recid} exists; its newest version is record {body.get('id')}"
                return answer_for_each(LinkStatus.OK, reason, at, http=200, meta=meta)
            if reply.status in (401, 403):
                meta = LinkMeta(source="zenodo", access=Access.RESTRICTED, fetched_at=at)
                reason = f"Zenodo: record {recid} is restricted; its existence cannot be confirmed without access"
                return behind_login(reason, at, reply.status, meta)
            if reply.status != 200 or not isinstance(body, dict):
                why = f"Zenodo answered HTTP {reply.status} for record {recid}"
                return lambda url: PageCheck(why=why)
            latest_id = _latest_id(body)
            latest = None
            if latest_id and latest_id != str(body.get("id", recid)):
                latest = {"id": latest_id}  # its version label is a nicety: the record's answer stands without it
                try:
                    newest = await api.get(f"{base}/api/records/{latest_id}")
                except HostDown:
                    newest = None
                if newest is not None and newest.status == 200 and isinstance(newest.json(), dict):
                    latest = newest.json()
            elif latest_id:
                latest = body
            meta = meta_from_record(body, at, latest)
            reason = f"Zenodo API: record {recid} exists ({meta.access.value} access)"
            if meta.newer_version:
                reason += f"; a newer version exists (record {latest_id})"
            return answer_for_each(LinkStatus.OK, reason, at, http=200, meta=meta)

        return await answer_batch(urls, ctx, lambda url: record_id(url, ctx.settings), lookup, "The Zenodo API")


SOURCE = ZenodoSource()
