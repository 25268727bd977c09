"""Metadata sources (GitHub, Hugging Face). They only fetch: no rendering, no files but their cache.

Each source module exposes ``claims(url, settings) -> bool`` and an async ``fetch(...)``
returning a :class:`SourceReport`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from crawler.models import GitHubMeta, HuggingFaceMeta, Outcome

__all__ = ["SourceReport"]


@dataclass
class SourceReport:
    """What a source learned in one run.

    ``outcomes``: URLs the API answered (status decided by the API; no page fetch needed).
    ``unanswered``: URLs the API could not answer this run (budget exhausted, API down):
    the pipeline page-checks them and attaches the given metadata, which is the previous
    snapshot's carried over with ``stale=True`` (or None when there was none).
    ``notices``: one-sentence messages for the user (bad token, budget exhausted ...), never a secret.
    """

    outcomes: dict[str, Outcome] = field(default_factory=dict)
    unanswered: dict[str, GitHubMeta | HuggingFaceMeta | None] = field(default_factory=dict)
    api_requests: int = 0
    notices: list[str] = field(default_factory=list)


# Corpus-host adapters (issue 10): one module each exposing SOURCE (crawler.sources.base.Source).
from crawler.sources import baidu_pan, figshare, gdrive, kaggle, modelscope, physionet, tianchi, zenodo

HOST_SOURCES = (
    modelscope.SOURCE,
    zenodo.SOURCE,
    physionet.SOURCE,
    figshare.SOURCE,
    kaggle.SOURCE,
    gdrive.SOURCE,
    baidu_pan.SOURCE,
    tianchi.SOURCE,
)
