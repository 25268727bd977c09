"""Kaggle datasets: the public API with a token, a page check without one.

Claimed links: ``[www.]kaggle.com/datasets/<owner>/<slug>[/...]``. Requests go to ``{KAGGLE_URL}``
(default https://www.kaggle.com).

- With ``KAGGLE_USERNAME`` and ``KAGGLE_KEY`` (settings): ``GET /api/v1/datasets/view/{owner_slug}/{dataset_slug}``
  with HTTP basic auth (username, key), the endpoint of ``ApiGetDatasetRequest`` in ``kagglesdk``
  (``datasets/types/dataset_api_service.py``, the SDK the official client github.com/Kaggle/kaggle-api
  depends on; the older generated client named the same path ``/datasets/view/{ownerSlug}/{datasetSlug}``
  with ``auth_settings = ['basicAuth']``). 200 answers an ``ApiDataset``: ``title``, ``totalBytes``,
  ``downloadCount``, ``licenseName``, ``lastUpdated``, ``currentVersionNumber``, ``isPrivate``;
  404 a missing (or private) dataset; 401 rejected credentials (one notice, then the page checks below).
- Without a token: the dataset page itself. 404 is ``broken``; 200 is ``ok``; a redirect to the
  sign-in page (``/account/login``) means only a login can tell: ``unverified``, cause
  ``login-required``.

Downloading any Kaggle dataset needs a Kaggle account (the API and the site both require one), so
``access`` is ``login`` for every dataset that exists. 429/5xx are retried (hostkit).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

from crawler.settings import Settings
from crawler.sources.base import Answered, PageCheck, SourceContext, SourceReport
from crawler.sources.hostkit import (
    HostClient,
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

__all__ = ["SOURCE", "KaggleSource", "dataset_ref"]

_HOSTS = frozenset({"kaggle.com", "www.kaggle.com"})
_PATH = re.compile(r"^/datasets/([A-Za-z0-9][\w-]*)/([A-Za-z0-9][\w.-]*)(?:/|$)")
_LOGIN = re.compile(r"/account/login|accounts\.google\.com", re.IGNORECASE)


def dataset_ref(url: str, settings: Settings) -> tuple[str, str] | None:
    """``(owner, slug)`` for a Kaggle dataset link, else None."""
    parts = matches_host(url, _HOSTS, settings.kaggle_url)
    match = _PATH.match(parts.path) if parts is not None else None
    return (match.group(1), match.group(2)) if match else None


def _login_meta(at) -> LinkMeta:
    from crawler.models import LinkMeta

    return LinkMeta(source="kaggle", access=Access.LOGIN, fetched_at=at)


class KaggleSource:
    name = "kaggle"

    def claims(self, url: str, settings: Settings) -> bool:
        """Kaggle dataset links."""
        return dataset_ref(url, settings) is not None

    async def fetch(self, urls: Sequence[str], ctx: SourceContext) -> SourceReport:
        """The API per dataset with credentials, else one page request per dataset."""
        from crawler.models import LinkMeta

        settings = ctx.settings
        base = settings.kaggle_url.rstrip("/")
        auth: dict[str, str] = {}
        if settings.kaggle_username and settings.kaggle_key is not None:
            pair = f"{settings.kaggle_username}:{settings.kaggle_key.get_secret_value()}".encode()
            auth = {"Authorization": "Basic " + base64.b64encode(pair).decode()}
        notices: list[str] = []

        async def page(api: HostClient, owner: str, slug: str) -> Callable[[str], Answered | PageCheck]:
            reply = await api.get(f"{base}/datasets/{quote(owner)}/{quote(slug)}", accept="text/html", cap=16 * 1024)
            at = ctx.now()
            target = reply.location or ""
            if reply.status in (404, 410):
                reason = f"Kaggle: dataset {owner}/{slug} not found (HTTP {reply.status})"
                return answer_for_each(LinkStatus.BROKEN, reason, at, http=reply.status, cause=f"http-{reply.status}")
            if reply.status in (401, 403) or _LOGIN.search(urlsplit(target).path + urlsplit(target).netloc):
                reason = (
                    f"Kaggle: dataset {owner}/{slug} is behind the sign-in; only a login can tell whether it exists"
                )
                return behind_login(reason, at, reply.status, _login_meta(at))
            if reply.status == 200:
                reason = f"Kaggle: dataset page {owner}/{slug} answers 200 (download needs a Kaggle login)"
                return answer_for_each(LinkStatus.OK, reason, at, http=200, meta=_login_meta(at))
            return lambda url: PageCheck(why=f"Kaggle answered HTTP {reply.status}")

        async def lookup(api: HostClient, ref: tuple[str, str]) -> Callable[[str], Answered | PageCheck]:
            owner, slug = ref
            if not auth:
                return await page(api, owner, slug)
            reply = await api.get(f"{base}/api/v1/datasets/view/{quote(owner)}/{quote(slug)}", headers=auth)
            at = ctx.now()
            body = reply.json()
            if reply.status == 401:
                auth.clear()
                notices.append("Kaggle rejected KAGGLE_USERNAME/KAGGLE_KEY (401); Kaggle links are page-checked.")
                return await page(api, owner, slug)
            if reply.status == 404:
                reason = f"Kaggle API: dataset {owner}/{slug} not found (missing or private)"
                return answer_for_each(LinkStatus.BROKEN, reason, at, http=404, cause="http-404")
            if reply.status != 200 or not isinstance(body, dict):
                return lambda url: PageCheck(why=f"Kaggle API answered HTTP {reply.status}")
            version = count(body.get("currentVersionNumber"))
            meta = LinkMeta(
                source="kaggle",
                title=body.get("title"),
                access=Access.LOGIN,
                license=spdx(body.get("licenseName")),
                size_bytes=count(body.get("totalBytes")),
                updated_at=to_datetime(body.get("lastUpdated")),
                downloads=count(body.get("downloadCount")),
                version=str(version) if version else None,
                fetched_at=at,
            )
            reason = f"Kaggle API: dataset {owner}/{slug} exists (download needs a Kaggle login)"
            return answer_for_each(LinkStatus.OK, reason, at, http=200, meta=meta)

        report = await answer_batch(urls, ctx, lambda url: dataset_ref(url, settings), lookup, "Kaggle")
        report.notices[:0] = notices
        return report


SOURCE = KaggleSource()
