"""Host adapters: each claims the URLs its host's API can answer and answers them in one batch.

The protocol is :mod:`crawler.sources.base`; the API errors every adapter shares are
:mod:`crawler.sources.errors`. ``SOURCES`` is the registered adapters in order: a URL goes to the
first that claims it, and the link checker takes the rest. Adding a host is one module with a
``SOURCE`` object and one line here.

Adapters import pydantic and :mod:`crawler.models` inside the functions that build models (and the
GitHub and Hugging Face API clients inside ``fetch``), because ``check`` imports this package before
its first request to ask each ``claims()``: that import costs ~10 ms instead of ~72 ms (median of 15,
measured in a process that had already imported what ``check`` imports before it).
"""

from __future__ import annotations

from crawler.sources import (
    baidu_pan,
    figshare,
    gdrive,
    github,
    huggingface,
    kaggle,
    modelscope,
    physionet,
    tianchi,
    zenodo,
)
from crawler.sources.base import Source

__all__ = ["SOURCES", "source_names"]

SOURCES: tuple[Source, ...] = (
    github.SOURCE,
    huggingface.SOURCE,
    modelscope.SOURCE,
    zenodo.SOURCE,
    physionet.SOURCE,
    figshare.SOURCE,
    kaggle.SOURCE,
    gdrive.SOURCE,
    baidu_pan.SOURCE,
    tianchi.SOURCE,
)


def source_names() -> tuple[str, ...]:
    """The adapters' names in order (what ``--only`` takes besides ``links``)."""
    return tuple(source.name for source in SOURCES)
