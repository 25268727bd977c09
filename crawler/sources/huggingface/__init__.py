"""Hugging Face: model, dataset and Space links, answered by the Hub API (``HF_ENDPOINT`` mirrors honoured).

Modules: :mod:`.source` (the adapter, ``SOURCE``), :mod:`.urls` (which links, pure), :mod:`.api`
(the client and what its answers mean, with their documentation).
"""

from typing import TYPE_CHECKING

from crawler.sources.huggingface.source import SOURCE, HuggingFaceSource, claims
from crawler.sources.huggingface.urls import HfRef, parse_hf_url

if TYPE_CHECKING:
    from crawler.sources.huggingface.api import rate_limit_reset

__all__ = ["SOURCE", "HfRef", "HuggingFaceSource", "claims", "parse_hf_url", "rate_limit_reset"]


def __getattr__(name: str) -> object:
    # The API client is imported by the adapter's fetch, not with the package (start-up: sources/__init__.py).
    if name == "rate_limit_reset":
        from crawler.sources.huggingface.api import rate_limit_reset

        return rate_limit_reset
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
