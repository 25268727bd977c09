"""Escaping for Markdown tables: whatever a string holds, it stays inside its cell.

Two strengths. ``md_cell`` is for text the registry's authors wrote (names, training
data): it keeps their inline Markdown (a ``[label](url)`` stays a link) but neutralises
everything that breaks a table row or smuggles in HTML. ``md_literal`` is for text fetched
from the outside (descriptions, topics, licence names, reasons): on top of that it
backslash-escapes every Markdown punctuation mark, so it renders exactly as received.
URLs go through ``md_url`` (percent-encodes what could end a cell or an autolink).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

__all__ = ["http_url", "md_cell", "md_literal", "md_url", "one_line"]

# Everything Python or a Markdown renderer might treat as a line break, plus other controls.
_BREAKS = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]+")
_SPACES = re.compile(r" {2,}")
# Only a well-formed entity needs its ``&`` escaped; a bare ``&`` already renders as itself.
_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
# Inline syntax only: cells and list items never start a line, so block markers are harmless.
_MD_PUNCT = re.compile(r"([\\`*_\[\]~|])")
_URL_UNSAFE = {c: f"%{ord(c):02X}" for c in ' "<>\\^`{|}[]'}


def one_line(text: str | None) -> str:
    """*text* with every line break and control character folded into single spaces."""
    if not text:
        return ""
    return _SPACES.sub(" ", _BREAKS.sub(" ", text)).strip()


def _html_safe(text: str) -> str:
    return _ENTITY.sub("&amp;", text).replace("<", "&lt;").replace(">", "&gt;")


def md_cell(text: str | None) -> str:
    """Trusted text for a table cell: one line, ``|`` escaped, no raw HTML; inline Markdown kept."""
    return _html_safe(one_line(text)).replace("|", "\\|")


def md_literal(text: str | None) -> str:
    """Untrusted text for a table cell or a list item: rendered literally, whatever it holds."""
    return _MD_PUNCT.sub(r"\\\1", _html_safe(one_line(text)))


def md_url(url: str | None) -> str:
    """A URL safe to print bare in a cell (GFM autolinks it); non-http(s) URLs become literal text."""
    if not url:
        return ""
    if http_url(url) is None:
        return md_literal(url)
    return "".join(_URL_UNSAFE.get(c, c) for c in url)


def http_url(url: str | None) -> str | None:
    """*url* if it is an absolute http(s) URL fit for an ``href``, else None (no ``javascript:``)."""
    if not url or any(c.isspace() or ord(c) < 0x20 for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url
