"""figshare articles: existence, licence, files and size, DOI, version.

Claimed links: ``figshare.com/articles/<type>/<slug>/<ID>[/<version>]`` (and ``*.figshare.com``
institutional portals of the same shape), ``figshare.com/s/...`` is a private link and not claimed;
``api.figshare.com/v2/articles/ID``; DOIs ``10.6084/m9.figshare.ID[.vN]`` on ``doi.org``.
Requests go to ``{FIGSHARE_API_URL}/articles/ID`` (default https://api.figshare.com/v2).

Documented answers (figshare API v2, https://docs.figshare.com/ "Public articles": ``GET
/v2/articles/{article_id}`` and ``/v2/articles/{article_id}/versions/{v_number}``, no token needed):
200 with ``title``, ``doi``, ``license.name`` (e.g. ``CC BY 4.0``), ``files[].size`` (bytes),
``size``, ``version``, ``modified_date``, ``is_public``; 404 ``{"message": "Entity not found:
article", "code": "EntityNotFound"}`` for a missing or private article (``broken``). 429 is retried
after ``Retry-After`` (hostkit). The unversioned endpoint answers the newest version, so a link
pinned to an older ``/N`` version is reported ``newer_version``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from crawler.settings import Settings
from crawler.sources.base import Answered, PageCheck, SourceContext, SourceReport
from crawler.sources.hostkit import HostClient, answer_batch, answer_for_each, count, matches_host, spdx, to_datetime
from crawler.status import Access, LinkStatus

if TYPE_CHECKING:  # imported where built: `import crawler.sources` stays pydantic-free (sources/__init__.py)
    from crawler.models import LinkMeta

__all__ = ["SOURCE", "FigshareSource", "article_ref"]

_API_HOSTS = frozenset({"api.figshare.com"})
_DOI_HOSTS = frozenset({"doi.org", "dx.doi.org", "www.doi.org"})
_ARTICLE = re.compile(r"^/articles/(?:[^/]+/)*?(\d+)(?:/(\d+))?/?$")
_API = re.compile(r"^(?:/v2)?/articles/(\d+)(?:/versions/(\d+))?/?$")
_DOI = re.compile(r"^/10\.6084/m9\.figshare\.(\d+)(?:\.v(\d+))?/?$", re.IGNORECASE)


def article_ref(url: str, settings: Settings) -> tuple[str, int | None] | None:
    """``(article id, pinned version or None)`` for a figshare article link, else None."""
    parts = matches_host(url, _API_HOSTS, settings.figshare_api_url)
    if parts is not None:
        match = _API.match(parts.path)
    elif (parts := matches_host(url, _DOI_HOSTS, "")) is not None:
        match = _DOI.match(parts.path)
    else:
        try:
            page = urlsplit(url.strip())
        except ValueError:
            return None
        host = (page.hostname or "").lower()
        if page.scheme not in ("http", "https") or (host != "figshare.com" and not host.endswith(".figshare.com")):
            return None
        match = _ARTICLE.match(page.path)
    if not match:
        return None
    return match.group(1), int(match.group(2)) if match.group(2) else None


def meta_from_article(body: dict[str, Any], at, pinned: int | None, latest: int | None) -> LinkMeta:
    """LinkMeta from a ``/v2/articles/ID`` body."""
    from crawler.models import LinkMeta

    files = [f for f in body.get("files") or [] if isinstance(f, dict)]
    sizes = [count(f.get("size")) for f in files]
    licence = body.get("license")
    version = pinned or count(body.get("version"))
    return LinkMeta(
        source="figshare",
        title=body.get("title"),
        access=Access.OPEN if body.get("is_public", True) and files else Access.UNKNOWN,
        license=spdx(licence.get("name") if isinstance(licence, dict) else licence),
        size_bytes=count(body.get("size")) if body.get("size") is not None else sum(s for s in sizes if s),
        file_count=len(files),
        updated_at=to_datetime(body.get("modified_date")),
        downloads=count(body.get("downloads")),
        doi=body.get("doi") or None,
        version=str(version) if version else None,
        latest_version=str(latest) if latest else None,
        newer_version=(version < latest) if version and latest else None,
        fetched_at=at,
    )


class FigshareSource:
    name = "figshare"

    def claims(self, url: str, settings: Settings) -> bool:
        """figshare article pages, API article URLs and figshare DOIs."""
        return article_ref(url, settings) is not None

    async def fetch(self, urls: Sequence[str], ctx: SourceContext) -> SourceReport:
        """One request per article (the newest version), one more for a pinned older version."""
        base = ctx.settings.figshare_api_url.rstrip("/")

        async def lookup(api: HostClient, ref: tuple[str, int | None]) -> Callable[[str], Answered | PageCheck]:
            article, pinned = ref
            reply = await api.get(f"{base}/articles/{article}")
            body = reply.json()
            latest = count(body.get("version")) if isinstance(body, dict) else None
            if reply.status == 200 and pinned and latest and pinned != latest:
                reply = await api.get(f"{base}/articles/{article}/versions/{pinned}")
                body = reply.json()
            at = ctx.now()
            what = f"article {article}" + (f" version {pinned}" if pinned else "")
            if reply.status == 404:
                reason = f"figshare: {what} not found (missing or private)"
                return answer_for_each(LinkStatus.BROKEN, reason, at, http=404, cause="http-404")
            if reply.status != 200 or not isinstance(body, dict):
                why = f"figshare answered HTTP {reply.status} for {what}"
                return lambda url: PageCheck(why=why)
            meta = meta_from_article(body, at, pinned, latest)
            reason = f"figshare API: {what} exists" + ("; a newer version exists" if meta.newer_version else "")
            return answer_for_each(LinkStatus.OK, reason, at, http=200, meta=meta)

        return await answer_batch(urls, ctx, lambda url: article_ref(url, ctx.settings), lookup, "The figshare API")


SOURCE = FigshareSource()
