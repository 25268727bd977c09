"""Text for GitHub from untrusted strings: inert Markdown, and cutting by whole lines to a size limit.

Every string fetched from the web or typed by contributors is escaped: no markup, no HTML, no
``@mention`` that pings someone, no ``#123`` cross-reference. GitHub refuses an issue or pull
request body over 65,536 characters and drops a step summary over 1 MiB; :func:`fit` cuts a text
by whole lines, with a note saying so, and never exceeds the limit.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

__all__ = ["MAX_TEXT", "fit", "issue_size", "md_text", "md_url", "md_url_target", "plain", "plural_s"]

_WJ = "\u2060"  # WORD JOINER: invisible, and breaks GitHub's @mention and #reference patterns
# Inline Markdown only: escaped text never starts a line (it follows "- " or "#### ").
_MD_ESCAPE = set("\\`*_[]()#!|~$")
MAX_TEXT = 200
_MAX_URL = 2000


def issue_size(text: str) -> int:
    """Size as GitHub may count it: UTF-16 code units, never fewer than characters, so either way fits."""
    return len(text.encode("utf-16-le")) // 2


def plural_s(n: int) -> str:
    return "" if n == 1 else "s"


def plain(text: str) -> str:
    """One line with no control or format characters (they could hide or reorder what is shown)."""
    cleaned = "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in text)
    return " ".join(cleaned.split())


def md_text(text: str, max_len: int = MAX_TEXT) -> str:
    """Untrusted text as inert Markdown: escaped punctuation and HTML, no mentions or references."""
    text = plain(text)
    if len(text) > max_len:
        text = text[: max_len - 1] + "…"
    out = []
    for c in text:
        if c == "&":
            out.append("&amp;")
        elif c == "<":
            out.append("&lt;")
        elif c == ">":
            out.append("&gt;")
        elif c in _MD_ESCAPE:
            out.append("\\" + c + (_WJ if c == "#" else ""))
        elif c == "@":
            out.append("@" + _WJ)
        else:
            out.append(c)
    return "".join(out)


def md_url_target(url: str) -> str:
    """Percent-encode what could end an autolink or a link destination early, or hide in it."""
    out = []
    for c in url:
        if c in '<>"`\\()[] ' or ord(c) < 0x20 or ord(c) == 0x7F or unicodedata.category(c) in ("Cf", "Zl", "Zp"):
            out.append("".join(f"%{b:02X}" for b in c.encode("utf-8")))
        else:
            out.append(c)
    return "".join(out)


def md_url(url: str) -> str:
    """A clickable autolink, or escaped text when the URL is too long to be worth linking."""
    if len(url) > _MAX_URL or not url.startswith(("http://", "https://")):
        return md_text(url)
    return f"<{md_url_target(url)}>"


def fit(lines: list[str], limit: int, size: Callable[[str], int], note: Callable[[int], str]) -> str:
    """Join *lines*; if that exceeds *limit*, keep the longest prefix of whole lines that fits with *note*."""
    text = "\n".join(lines) + "\n" if lines else ""
    if size(text) <= limit:
        return text
    worst_note = "\n" + note(len(lines)) + "\n"
    budget = limit - size(worst_note) - size("```\n")  # room to close a code fence left open
    kept: list[str] = []
    used = 0
    for line in lines:
        cost = size(line) + 1
        if used + cost > budget:
            break
        kept.append(line)
        used += cost
    while kept and (not kept[-1].strip() or kept[-1].lstrip().startswith("#")):
        kept.pop()  # no dangling heading or trailing blank line above the note
    omitted = len(lines) - len(kept)
    if sum(1 for line in kept if line.lstrip().startswith("```")) % 2:
        kept.append("```")
    result = ("\n".join(kept) + "\n\n" if kept else "") + note(omitted) + "\n"
    if size(result) <= limit:
        return result
    # The limit is smaller than the note itself: a hard cut is the only way to honour it.
    hard = note(omitted)
    while hard and size(hard) > limit:
        hard = hard[:-1]
    return hard
