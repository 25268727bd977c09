"""Whether the ``https://`` form of ``http://`` links works: checked at fix time, with the engine.

Checked when ``fix`` runs rather than recorded by ``run``: the answer is only needed for the
few ``http://`` links, it must be fresh when the edit is proposed (a site may have gained or
lost TLS since the crawl), and ``run`` stays one request chain per link. ``--offline`` skips it:
then no ``http://`` link is moved to https (the rest of the plan needs no network).

A form works when the link checker calls it ``ok`` (a 2xx, possibly after temporary redirects);
a permanent redirect elsewhere, ``unverified`` or ``broken`` do not count.
"""

from __future__ import annotations

from collections.abc import Collection

from crawler.checker import CheckOptions, check_urls
from crawler.errors import NetworkDown
from crawler.models import LinkStatus
from crawler.net import build_client
from crawler.settings import Settings

__all__ = ["check_https"]


async def check_https(forms: Collection[str], settings: Settings, options: CheckOptions) -> dict[str, bool]:
    """Each https URL in *forms* -> True when it works now; {} when the network is down."""
    if not forms:
        return {}
    async with build_client(settings, concurrency=options.concurrency, timeout=options.timeout) as client:
        try:
            results = await check_urls(forms, client=client, options=options)
        except NetworkDown:
            return {}
    return {url: result.status is LinkStatus.OK for url, result in results.items()}
