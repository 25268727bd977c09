"""Hugging Face: model, dataset and Space links, answered by the Hub API (``HF_ENDPOINT`` mirrors honoured).

Modules: :mod:`.source` (the adapter, ``SOURCE``), :mod:`.urls` (which links, pure), :mod:`.api`
(the client and what its answers mean, with their documentation).
"""

from crawler.sources.huggingface.api import rate_limit_reset
from crawler.sources.huggingface.source import SOURCE, HuggingFaceSource, claims
from crawler.sources.huggingface.urls import HfRef, parse_hf_url

__all__ = ["SOURCE", "HfRef", "HuggingFaceSource", "claims", "parse_hf_url", "rate_limit_reset"]
