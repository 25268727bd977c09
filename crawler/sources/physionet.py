"""PhysioNet projects: access policy, licence, storage size, newer versions, from ONE list request.

Claimed links: ``physionet.org/content/<slug>[/<version>][/...]`` and ``/files/<slug>/<version>/...``.
Requests go to ``{PHYSIONET_URL}`` (default https://physionet.org).

The API (MIT-LCP/physionet-build, ``physionet-django/export/urls.py`` mounted at ``/api/``,
``export/views.py`` and ``export/serializers.py``):

- ``GET /api/v1/project/published/``: every published project version, ordered by id (so in
  publication order), not paginated (no ``DEFAULT_PAGINATION_CLASS`` in ``physionet/settings/base.py``),
  each ``{"slug", "title", "abstract", "license": {"name"}, "dua": {"name"} | null,
  "main_storage_size", "compressed_storage_size"}`` (sizes in bytes, ``PublishedProject`` model).
  The current serializer adds ``version``, ``is_latest_version``, ``version_doi``/``core_doi``,
  ``publish_date`` and ``access_policy`` (``Open``, ``Restricted``, ``Credentialed``,
  ``Contributor Review``): when the entries carry ``version`` the list alone answers versioned
  links (the linked version's own size, DOI and access; the slug's newest version); an older
  deployment without it lists a slug once per version and its versions are asked below.
- ``GET /api/v1/project/published/<slug>/``: that project's versions (``slug, title, version``).

PhysioNet allows few anonymous requests an hour, so one list request serves every PhysioNet link of
the run; the versions of a slug are asked only when the list shows it has several (at most
``VERSION_LOOKUPS`` per run). The access policy is read from the data use agreement and licence
names (``PhysioNet Credentialed Health Data Use Agreement`` -> credentialed, ``... Restricted ...`` and
``... Contributor Review ...`` -> restricted, none -> open), matching ``AccessPolicy`` in
``project/modelcomponents/access.py``. A slug missing from the list is ``broken`` (not published).
A versioned link whose versions were not asked is page-checked (the page decides whether that
version exists) and carries the project's metadata. 429/5xx are retried after ``Retry-After``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from crawler.settings import Settings
from crawler.sources.base import SourceContext, SourceReport
from crawler.sources.hostkit import (
    HostClient,
    HostDown,
    carry,
    count,
    make_outcome,
    matches_host,
    spdx,
    to_datetime,
)
from crawler.status import Access, LinkStatus

if TYPE_CHECKING:  # imported where built: `import crawler.sources` stays pydantic-free (sources/__init__.py)
    from crawler.models import LinkMeta

__all__ = ["SOURCE", "PhysioNetSource", "project_ref"]

VERSION_LOOKUPS = 5
LIST_CAP = 64 * 1024 * 1024
_HOSTS = frozenset({"physionet.org", "www.physionet.org"})
_PATH = re.compile(r"^/(?:content|files)/([a-z0-9][a-z0-9-]*)(?:/(\d+(?:\.\d+)*))?(?:/|$)")


def project_ref(url: str, settings: Settings) -> tuple[str, str | None] | None:
    """``(slug, version or None)`` for a PhysioNet project link, else None."""
    parts = matches_host(url, _HOSTS, settings.physionet_url)
    match = _PATH.match(parts.path) if parts is not None else None
    return (match.group(1), match.group(2)) if match else None


def _name(value: object) -> str:
    return str(value.get("name") or "") if isinstance(value, dict) else ""


_POLICY = {
    "open": Access.OPEN,
    "restricted": Access.RESTRICTED,
    "credentialed": Access.CREDENTIALED,
    "contributor review": Access.RESTRICTED,
}


def access_of(entry: dict[str, Any]) -> Access:
    """The access policy of a list entry: its ``access_policy``, else implied by its DUA and licence names."""
    policy = entry.get("access_policy")
    if isinstance(policy, str) and policy.strip().lower() in _POLICY:
        return _POLICY[policy.strip().lower()]
    names = f"{_name(entry.get('dua'))} {_name(entry.get('license'))}".lower()
    if "credentialed" in names:
        return Access.CREDENTIALED
    if "restricted" in names or "contributor review" in names:
        return Access.RESTRICTED
    return Access.OPEN


def meta_from_entry(entry: dict[str, Any], at, version: str | None, versions: list[str] | None) -> LinkMeta:
    from crawler.models import LinkMeta

    latest = versions[-1] if versions else None
    return LinkMeta(
        source="physionet",
        title=entry.get("title"),
        access=access_of(entry),
        license=spdx(_name(entry.get("license"))),
        size_bytes=count(entry.get("main_storage_size")),
        doi=entry.get("version_doi") or entry.get("core_doi") or None,
        updated_at=to_datetime(entry.get("publish_date")),
        version=version or latest,
        latest_version=latest,
        newer_version=(version != latest) if version and latest else (False if latest else None),
        fetched_at=at,
    )


class PhysioNetSource:
    name = "physionet"

    def claims(self, url: str, settings: Settings) -> bool:
        """PhysioNet project content and files links."""
        return project_ref(url, settings) is not None

    async def fetch(self, urls: Sequence[str], ctx: SourceContext) -> SourceReport:
        """One list request for the run, a versions request for multi-version slugs (capped)."""
        report = SourceReport()
        base = ctx.settings.physionet_url.rstrip("/")
        api = HostClient(ctx, report)
        refs = {url: project_ref(url, ctx.settings) for url in dict.fromkeys(urls)}
        try:
            # Every version of every project with its abstract: megabytes, growing; a capped body
            # would not parse and every link would fall back to a page check.
            reply = await api.get(f"{base}/api/v1/project/published/", cap=LIST_CAP)
        except HostDown as exc:
            reply, stopped = None, str(exc)
        else:
            listed = reply.json() if reply.status == 200 else None
            # A list with no project in it is not PhysioNet's list (it publishes hundreds): a verdict
            # of "not published" from it would call every link broken.
            valid = isinstance(listed, list) and any(
                isinstance(e, dict) and isinstance(e.get("slug"), str) for e in listed
            )
            stopped = None if valid else f"HTTP {reply.status}" if reply.status != 200 else "an answer without projects"
        if reply is None or stopped:
            for url in refs:
                report.page_check(url, carry(ctx, url), stopped or "")
            report.notices.append(
                f"The PhysioNet API could not be asked ({stopped}): {len(refs)} link(s) fall back to page checks "
                "and keep their previous metadata, marked stale."
            )
            return report
        by_slug: dict[str, list[dict[str, Any]]] = {}
        for entry in reply.json():
            if isinstance(entry, dict) and isinstance(entry.get("slug"), str):
                by_slug.setdefault(entry["slug"], []).append(entry)
        at = ctx.now()
        versions: dict[str, list[str] | None] = {}
        lookups = 0
        for url, ref in refs.items():
            if ref is None:
                report.page_check(url, carry(ctx, url), "PhysioNet URL form not read")
                continue
            slug, version = ref
            entries = by_slug.get(slug)
            if not entries:
                reason = f"PhysioNet: no published project '{slug}'"
                report.answer(url, make_outcome(url, LinkStatus.BROKEN, reason, at, cause="not-found"))
                continue
            listed = [str(e["version"]) for e in entries if isinstance(e.get("version"), str | int | float)]
            if slug not in versions:
                versions[slug] = None
                if len(listed) == len(entries):  # the current API: the list names every version
                    versions[slug] = listed
                elif len(entries) > 1 and lookups < VERSION_LOOKUPS and version:
                    lookups += 1
                    versions[slug] = await self._versions(api, base, slug)
            known = versions[slug] or None
            entry = entries[listed.index(version)] if version in listed and len(listed) == len(entries) else entries[-1]
            try:
                meta = meta_from_entry(entry, at, version, known)
            except ValueError:  # pydantic's ValidationError: a field shaped unlike the documented one
                report.page_check(url, carry(ctx, url), "PhysioNet gave an unexpected answer")
                continue
            if version and known is None:
                report.page_check(url, carry(ctx, url, meta), "PhysioNet list names no versions")
            elif version and known is not None and version not in known:
                reason = f"PhysioNet: project '{slug}' has no version {version} (versions: {', '.join(known)})"
                outcome = make_outcome(url, LinkStatus.BROKEN, reason, at, http=404, cause="http-404", meta=meta)
                report.answer(url, outcome)
            else:
                reason = f"PhysioNet API: project '{slug}' is published ({meta.access.value} access)"
                if meta.newer_version:
                    reason += f"; a newer version {meta.latest_version} exists"
                report.answer(url, make_outcome(url, LinkStatus.OK, reason, at, http=200, meta=meta))
        return report

    async def _versions(self, api: HostClient, base: str, slug: str) -> list[str] | None:
        try:
            reply = await api.get(f"{base}/api/v1/project/published/{quote(slug)}/")
        except HostDown:
            return None
        body = reply.json()
        if reply.status != 200 or not isinstance(body, list):
            return None
        return [str(v["version"]) for v in body if isinstance(v, dict) and v.get("version")]


SOURCE = PhysioNetSource()
