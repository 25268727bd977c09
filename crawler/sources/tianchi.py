"""Tianchi (天池, tianchi.aliyun.com) datasets: never ``ok`` from the page's 200.

Claimed links: ``tianchi.aliyun.com/dataset/<N>`` and ``/dataset/dataDetail?dataId=<N>`` (and the
host of ``TIANCHI_URL``, default https://tianchi.aliyun.com).

The dataset page is a single-page app whose shell answers 200 for any id, so its status says nothing
(``/dataset/dataDetail?dataId=N`` answers 302 to ``/dataset/N``). Tianchi publishes no dataset API.
What its front end calls (public notes and downloader scripts, found with the search tool): a keyword
search, ``POST /api/notebook/getDatasetList``, that needs the anonymous session's ``x-csrf-token``
cookie echoed in a ``csrf-token`` header (403 ``EBADCSRFTOKEN`` without it) and cannot look an id up;
``POST /api/notebook/dataDetail`` (``{"dataId": N}``) and ``GET /api/dataset/getFileDownloadUrl``,
which scripts call with a signed-in session's cookies; every other ``GET /api/dataset/*`` falls back to
the SPA's HTML. Downloading needs an Aliyun account. So no request is sent: every claimed link is
``unverified`` with cause ``unverifiable-host`` and ``access: login``, and the run gets ONE notice
(not one per link, and not an alarm).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import parse_qs

from crawler.settings import Settings
from crawler.sources.base import SourceContext, SourceReport
from crawler.sources.hostkit import make_outcome, matches_host
from crawler.status import Access, LinkStatus

__all__ = ["SOURCE", "TianchiSource", "dataset_id"]

_HOSTS = frozenset({"tianchi.aliyun.com"})
_PATH = re.compile(r"^/dataset/(\d+)/?$")
REASON = "Tianchi: login required, existence not verifiable (the page answers 200 for any dataset id)"


def dataset_id(url: str, settings: Settings) -> str | None:
    """The dataset id of a Tianchi dataset link, else None."""
    parts = matches_host(url, _HOSTS, settings.tianchi_url)
    if parts is None:
        return None
    match = _PATH.match(parts.path)
    if match:
        return match.group(1)
    if parts.path.rstrip("/") == "/dataset/dataDetail":
        found = (parse_qs(parts.query).get("dataId") or [""])[0]
        return found if found.isdigit() else None
    return None


class TianchiSource:
    name = "tianchi"

    def claims(self, url: str, settings: Settings) -> bool:
        """Tianchi dataset links."""
        return dataset_id(url, settings) is not None

    async def fetch(self, urls: Sequence[str], ctx: SourceContext) -> SourceReport:
        """Every link unverified (cause ``unverifiable-host``, access ``login``), one notice, no request."""
        from crawler.models import LinkMeta

        report = SourceReport()
        at = ctx.now()
        for url in dict.fromkeys(urls):
            meta = LinkMeta(source="tianchi", access=Access.LOGIN, fetched_at=at)
            report.answer(
                url, make_outcome(url, LinkStatus.UNVERIFIED, REASON, at, cause="unverifiable-host", meta=meta)
            )
        if report.answers:
            report.notices.append(
                f"{len(report.answers)} Tianchi dataset link(s) are reported 'login required, existence not "
                "verifiable': Tianchi answers 200 for any dataset id and has no public API."
            )
        return report


SOURCE = TianchiSource()
