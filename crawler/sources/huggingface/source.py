"""The Hugging Face adapter: model, dataset and Space links via ``{HF_ENDPOINT}/api/...``.

Which links it claims: :mod:`.urls`; what the API's answers mean and where that is documented:
:mod:`.api`. Repositories are looked up one at a time (one request each, two when a link points
into a path), links into one repository share the answer. When the rate limit's reset is too
far away, or the API keeps failing, the remaining links fall back to page checks carrying their
previous metadata, marked stale.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from crawler.settings import Settings
from crawler.sources.base import SourceContext, SourceReport
from crawler.sources.errors import ApiUnavailable, BudgetExhausted
from crawler.sources.huggingface.urls import HF_HOSTS, HfRef, hub_hosts, parse_hf_url

if TYPE_CHECKING:  # imported where used: `import crawler.sources` stays light (sources/__init__.py)
    from crawler.models import Metadata
    from crawler.sources.huggingface.api import Answer

__all__ = ["SOURCE", "HuggingFaceSource", "claims"]

log = logging.getLogger(__name__)


def claims(url: str, settings: Settings) -> bool:
    """True for Hugging Face model, dataset and Space links (huggingface.co, hf.co, HF_ENDPOINT's host:port)."""
    return parse_hf_url(url, hub_hosts(settings)) is not None


def _fresh(ref: HfRef, answer: Answer | None, ctx: SourceContext) -> Metadata | None:
    """Metadata from a 200 the verdict could not use (e.g. no file list): kept, not stale."""
    from crawler.models import Metadata
    from crawler.sources.huggingface.api import link_meta, meta_from_api

    if answer is None or answer.status != 200 or not isinstance(answer.body, dict):
        return None
    try:
        at = ctx.now()
        return Metadata(
            huggingface=meta_from_api(answer.body, ref.repo_type, at), meta=link_meta(ref, answer.body, None, at)
        )
    except (ValueError, KeyError):  # pydantic's ValidationError is a ValueError
        return None


def _mirror_page(url: str, ref: HfRef, ctx: SourceContext) -> str | None:
    """The link's page on the ``HF_ENDPOINT`` mirror, when one is set and the link is not already on it.

    Where huggingface.co is blocked (mainland China) a page check of it would fail for every link;
    the mirror serves the same pages (hf-mirror.com: https://hf-mirror.com/ "使用方法").
    """
    endpoint = ctx.settings.hf_endpoint.rstrip("/")
    if urlsplit(endpoint).hostname in HF_HOSTS or url.startswith(endpoint + "/"):
        return None
    return replace(ref, base=endpoint).page_url(ref.repo_id)


class HuggingFaceSource:
    """The Hugging Face adapter (``--only huggingface``)."""

    name = "huggingface"

    def claims(self, url: str, settings: Settings) -> bool:
        return claims(url, settings)

    async def fetch(self, urls: Sequence[str], ctx: SourceContext) -> SourceReport:
        """One tagged answer per URL; see the module docstring."""
        from crawler.sources.huggingface.api import HubClient, outcome

        report = SourceReport()
        hosts = hub_hosts(ctx.settings)
        groups: dict[tuple[str, str], list[tuple[str, HfRef]]] = {}
        for url in dict.fromkeys(urls):
            ref = parse_hf_url(url, hosts)
            if ref is None:
                previous = ctx.previous.get(url)
                report.page_check(url, previous.carried() if previous else None, "not a repository link")
            else:
                groups.setdefault(ref.key, []).append((url, ref))
        api = HubClient(ctx.client, ctx.settings, report)
        stopped: str | None = None
        fell_back = 0
        for items in groups.values():
            answer: Answer | None = None
            if stopped is None:
                try:
                    answer = await api.get(items[0][1])
                    if answer.status == 200 and answer.api_url and any(ref.path for _, ref in items):
                        await api.file_sizes(answer)
                except BudgetExhausted as exc:
                    stopped = f"The Hugging Face API rate limit is reached (it resets in {exc.seconds or 0:.0f}s)"
                except ApiUnavailable as exc:
                    stopped = f"The Hugging Face API could not be used ({exc})"
            at = ctx.now()
            for url, ref in items:
                decided = outcome(url, ref, answer, at) if answer is not None else None
                if decided is not None:
                    report.answer(url, decided)
                    continue
                carry = _fresh(ref, answer, ctx)
                if carry is None:
                    previous = ctx.previous.get(url)
                    carry = previous.carried() if previous is not None else None
                report.page_check(url, carry, "the API could not decide this link", _mirror_page(url, ref, ctx))
                fell_back += answer is None
        if stopped:
            report.notices.append(
                f"{stopped}: {fell_back} Hugging Face link(s) fall back to page checks and keep their "
                "previous metadata, marked stale."
            )
        return report


SOURCE = HuggingFaceSource()
