"""Google Drive files and folders, and Google Docs documents: alive, gone, or behind a sign-in.

Claimed links: ``drive.google.com/file/d/<id>[/...]``, ``/drive/[u/<n>/]folders/<id>``,
``/open?id=<id>``, ``/uc?id=<id>``; ``docs.google.com/{document,spreadsheets,presentation,forms}/d/<id>``.
Requests go to ``{GDRIVE_URL}`` / ``{GDOCS_URL}`` (defaults https://drive.google.com,
https://docs.google.com) with the link's own path and query.

Behaviour relied on (Google Drive help "Share files from Google Drive": an item shared with
"Anyone with the link" opens without signing in, a "Restricted" one only for the accounts added;
Archiveteam wiki "Google Drive": since the September 2021 security update an item opens only for
a signed-in account with permission or through a link carrying its ``resourcekey``, which is why
the link's query is kept as written; a logged-out fetch of a restricted item gets the sign-in page,
not the file; a wrong or deleted id answers "404 Page Not Found"):
200 is ``ok``, access ``open``; 404 is ``broken`` (cause ``http-404``); a redirect to
``accounts.google.com`` (``/ServiceLogin``, ``/v3/signin``, ``/AccountChooser``) is ``unverified``,
access ``login``, cause ``login-required`` (the item may exist; only a permitted account can tell).
Redirects inside Drive (``/open?id=`` to ``/file/d/<id>/view``) are followed, at most 3.
429/5xx are retried (hostkit); Drive's own rate limit page (``/sorry/``) ends in a page check.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from urllib.parse import parse_qs, urlsplit

from crawler.settings import Settings
from crawler.sources.base import Answered, PageCheck, SourceContext, SourceReport
from crawler.sources.hostkit import HostClient, answer_batch, answer_for_each, behind_login, matches_host
from crawler.status import Access, LinkStatus

__all__ = ["SOURCE", "GoogleDriveSource", "drive_ref"]

_DRIVE = frozenset({"drive.google.com"})
_DOCS = frozenset({"docs.google.com"})
_FILE = re.compile(r"^/(?:file/d|drive/(?:u/\d+/)?folders)/([\w-]{10,})(?:/|$)")
_DOC = re.compile(r"^/(?:document|spreadsheets|presentation|forms)/d/(?:e/)?([\w-]{10,})(?:/|$)")
_SIGN_IN = re.compile(r"(^|\.)accounts\.google\.com$", re.IGNORECASE)
_HOPS = 3


def drive_ref(url: str, settings: Settings) -> tuple[str, str] | None:
    """``(request URL on the configured base, item id)`` for a Drive or Docs link, else None."""
    for hosts, base, pattern in ((_DRIVE, settings.gdrive_url, _FILE), (_DOCS, settings.gdocs_url, _DOC)):
        parts = matches_host(url, hosts, base)
        if parts is None:
            continue
        match = pattern.match(parts.path)
        item = match.group(1) if match else None
        if item is None and hosts is _DRIVE and parts.path in ("/open", "/uc"):
            item = (parse_qs(parts.query).get("id") or [None])[0]
        if not item:
            return None
        target = base.rstrip("/") + parts.path + (f"?{parts.query}" if parts.query else "")
        return target, item
    return None


class GoogleDriveSource:
    name = "gdrive"

    def claims(self, url: str, settings: Settings) -> bool:
        """Google Drive file/folder links and Google Docs document links."""
        return drive_ref(url, settings) is not None

    async def fetch(self, urls: Sequence[str], ctx: SourceContext) -> SourceReport:
        """One page request per item (plus Drive-internal redirects)."""
        from crawler.models import LinkMeta

        async def lookup(api: HostClient, ref: tuple[str, str]) -> Callable[[str], Answered | PageCheck]:
            target, item = ref
            origin = urlsplit(target)[:2]
            reply = await api.get(target, accept="text/html", cap=16 * 1024)
            for _ in range(_HOPS):
                location = reply.location
                if location is None or urlsplit(location)[:2] != origin:
                    break
                reply = await api.get(location, accept="text/html", cap=16 * 1024)
            at = ctx.now()
            location = reply.location
            if location and _SIGN_IN.search(urlsplit(location).hostname or ""):
                meta = LinkMeta(source="gdrive", access=Access.LOGIN, fetched_at=at)
                reason = f"Google Drive: item {item} redirects to the Google sign-in; only a permitted account can tell"
                return behind_login(reason, at, reply.status, meta, final=location)
            if reply.status in (404, 410):
                reason = f"Google Drive: item {item} not found (HTTP {reply.status})"
                return answer_for_each(LinkStatus.BROKEN, reason, at, http=reply.status, cause=f"http-{reply.status}")
            if reply.status == 200:
                meta = LinkMeta(source="gdrive", access=Access.OPEN, fetched_at=at)
                reason = f"Google Drive: item {item} opens without signing in"
                return answer_for_each(LinkStatus.OK, reason, at, http=200, meta=meta)
            return lambda url: PageCheck(why=f"Google Drive answered HTTP {reply.status}")

        return await answer_batch(
            urls, ctx, lambda url: drive_ref(url, ctx.settings), lookup, "Google Drive", page_says_nothing=True
        )


SOURCE = GoogleDriveSource()
