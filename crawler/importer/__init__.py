"""A Markdown list of models and datasets (a GFM table or a bulleted awesome-list) -> registry YAML.

Pure: text in, text and domain objects out. The pieces: ``tables`` finds every GFM table,
``bullets`` reads bulleted lists, ``cells`` turns one cell into plain text and links (markdown-it-py),
``roles`` decides each column's role and each link's kind, ``entries`` builds the entries and
``output`` writes the YAML. Every column is kept: a column with no role becomes an ``extra`` field of
each entry, each link remembers the header it was under (``column``), and ``source.roles`` records
the mapping chosen, so ``leaderboard.md`` can put every cell back under its own header.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crawler.importer.cells import clean_url, split_cells
    from crawler.importer.entries import ImportResult
    from crawler.importer.output import render_registry_yaml
    from crawler.importer.parse import counted, markdown_to_registry_yaml, parse_columns_option, parse_markdown
    from crawler.importer.roles import ROLES, classify_url, header_role

__all__ = [
    "ROLES",
    "ImportResult",
    "classify_url",
    "clean_url",
    "counted",
    "header_role",
    "markdown_to_registry_yaml",
    "parse_columns_option",
    "parse_markdown",
    "render_registry_yaml",
    "split_cells",
]

# Imported on first use (PEP 562): importing ``crawler.importer.roles`` (the leaderboard does, for
# the role names) runs this file, and must not load markdown-it-py and the parser with it.
_HOME = {
    "ROLES": "roles",
    "classify_url": "roles",
    "header_role": "roles",
    "clean_url": "cells",
    "split_cells": "cells",
    "ImportResult": "entries",
    "render_registry_yaml": "output",
    "counted": "parse",
    "markdown_to_registry_yaml": "parse",
    "parse_columns_option": "parse",
    "parse_markdown": "parse",
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value
