"""One Markdown cell or list item -> plain text and the links it holds.

Cells are parsed by markdown-it-py (CommonMark inline rules: links, autolinks, code spans,
emphasis, escapes, raw HTML), not by regexes, so ``[[Github](url)]`` gives the label
``Github``, ``<a href="url">x</a>`` gives ``x`` and the URL, ``**bold**`` and backticks become
plain text, and ``[text][ref]`` resolves with the file's ``[ref]: url`` definitions
(``references``). Bare URLs in text (GFM's autolink extension, which markdown-it-py only offers with
the optional linkify-it-py) are found with one URL pattern and cleaned of trailing Markdown
debris; every such cleaning is reported so nothing changes silently.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from html import unescape

from markdown_it import MarkdownIt
from markdown_it.common.utils import normalizeReference
from markdown_it.token import Token

from crawler.models import check_http_url

__all__ = ["CJK", "Cell", "Found", "clean_url", "is_reference", "parse_cell", "plain_text", "references", "split_cells"]

CJK = "\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_BARE_URL = re.compile(rf"https?://[^\s<>\"'`{CJK}]+")
_HREF = re.compile(r"""<a\s[^>]*?href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
_TRAILING_PUNCT = ".,;:!?'\"，。；：！？、"
_PAIRS = {")": "(", "]": "[", ">": "<", "）": "（"}
# Cells saying "nothing here": not text worth keeping or reporting.
PLACEHOLDERS = {"", "-", "--", "—", "–", "/", "none", "n/a", "na", "null", "x", "×", "✗", "✘", "无", "暂无", "-/-", "?"}


@lru_cache(maxsize=1)
def _md() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True})


# The file's link reference definitions (``[p1]: https://...``), so that ``[paper][p1]`` in a cell
# resolves as GitHub resolves it (CommonMark spec, "Link reference definitions"); set by ``references``.
_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:", re.M)
_REFERENCES: ContextVar[dict[str, Any] | None] = ContextVar("_REFERENCES", default=None)


@contextmanager
def references(document: str) -> Iterator[None]:
    """While inside, ``parse_cell`` resolves reference-style links with *document*'s definitions."""
    env: dict[str, Any] = {}
    if _DEFINITION.search(document):  # a full parse only when there is a definition to find
        _md().parse(document, env)
    token = _REFERENCES.set(env.get("references") or None)
    try:
        yield
    finally:
        _REFERENCES.reset(token)


@dataclass
class Found:
    """One link: the URL (cleaned), the URL as written, its label, how it was written."""

    url: str
    raw: str
    label: str | None
    markdown: bool  # [text](url), <url> or <a href>: the author marked it as a link


@dataclass
class Cell:
    """A parsed cell: its plain text, its links, and what could not be read."""

    text: str  # plain text, link labels kept in place, URLs of bare links kept too
    links: list[Found] = field(default_factory=list)
    rest: str = ""  # plain text after the last link (the whole text when there is none)
    gaps: list[str] = field(default_factory=list)  # plain text before each link, then after the last
    problems: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.text.strip().lower() in PLACEHOLDERS


def is_reference(label: str) -> bool:
    """Whether ``[label]`` is a link by the file's reference definitions (not a ``[Venue, Year]`` tag)."""
    refs = _REFERENCES.get()
    return bool(refs) and normalizeReference(label) in refs  # type: ignore[operator]


def clean_url(raw: str) -> str:
    """*raw* without trailing punctuation and unbalanced closing brackets (Markdown debris)."""
    url = raw.strip()
    while url[:1] in ("(", "<") and url[-1:] in (")", ">"):  # [x]((url)) and [x](<url>) written by hand
        url = url[1:-1].strip()
    while True:
        before = url
        url = url.rstrip(_TRAILING_PUNCT)
        for close, open_ in _PAIRS.items():
            if url.endswith(close) and url.count(close) > url.count(open_):
                url = url[:-1]
        if url == before:
            return url


def split_cells(line: str) -> list[str]:
    """The cells of one table row: pipes inside backticks or escaped as ``\\|`` do not split.

    GFM itself splits at a pipe inside a code span; lists write ``a|b`` in backticks and mean one
    cell, and the header/separator cell counts decide whether a table is found at all.
    """
    cells, current, in_code, i = [], [], 0, 0
    s = line.strip()
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s) and s[i + 1] == "|":
            current.append("|" if in_code else "\\|")
            i += 2
            continue
        if c == "`":
            run = len(s[i:]) - len(s[i:].lstrip("`"))
            if in_code == 0 and "`" * run in s[i + run :]:
                in_code = run
            elif in_code == run:
                in_code = 0
            current.append("`" * run)
            i += run
            continue
        if c == "|" and not in_code:
            cells.append("".join(current))
            current = []
        else:
            current.append(c)
        i += 1
    cells.append("".join(current))
    if s.startswith("|"):
        cells = cells[1:]
    if s.endswith("|") and not s.endswith("\\|") and cells:
        cells = cells[:-1]
    return [c.strip() for c in cells]


def _segments(children: list[Token]) -> list[tuple[str, str, str | None]]:
    """Inline tokens -> ("text", s, None) and ("link", label, href) pieces, in order."""
    out: list[tuple[str, str, str | None]] = []
    href: str | None = None
    label: list[str] = []

    def put(text: str) -> None:
        if href is not None:
            label.append(text)
        elif out and out[-1][0] == "text":
            out[-1] = ("text", out[-1][1] + text, None)
        else:
            out.append(("text", text, None))

    for tok in children:
        if tok.type == "link_open" and href is None:
            href, label = str(tok.attrGet("href") or ""), []
        elif tok.type == "link_close" and href is not None:
            out.append(("link", "".join(label), href))
            href = None
        elif tok.type == "html_inline":
            m = _HREF.match(tok.content)
            if m and href is None:
                href, label = unescape(next(g for g in m.groups() if g is not None)), []
            elif tok.content.lower().startswith("</a") and href is not None:
                out.append(("link", "".join(label), href))
                href = None
            elif re.match(r"<br\s*/?>", tok.content, re.I):
                put(" ")
        elif tok.type in ("text", "code_inline", "text_special"):
            put(tok.content)
        elif tok.type == "image":
            put(tok.content or "".join(c.content for c in tok.children or []))
        elif tok.type in ("softbreak", "hardbreak"):
            put(" ")
    if href is not None:  # an <a> never closed: keep what it held
        out.append(("link", "".join(label), href))
    return out


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


_STRAY = re.compile(r"(?:^|(?<=\s))[\[\]【】]+(?=\s|$)")  # a bracket left alone by a mistyped link
_OPEN = {"[": "]", "【": "】", "(": ")", "（": "）"}


def plain_text(markdown: str) -> str:
    """*markdown* (one line) as plain text: links become their labels, markup goes."""
    return parse_cell(markdown).text


def parse_cell(cell: str) -> Cell:
    """Plain text and links of one cell of Markdown (see the module docstring for the rules)."""
    refs = _REFERENCES.get()
    tokens = _md().parseInline(cell.strip(), {"references": refs} if refs else None)
    children = tokens[0].children if tokens and tokens[0].children else []
    links: list[Found] = []
    parts: list[str] = []  # the plain text, piece by piece
    problems: list[str] = []
    pending = ""  # text since the last link: labels a bare URL that follows; after the last link, the rest
    closer = ""  # "]" expected right after a link written as "[[label](url)]"
    gaps: list[str] = []

    def add(raw: str, label: str | None, markdown: bool) -> bool:
        try:
            url = check_http_url(clean_url(raw))
        except ValueError:
            return False
        links.append(Found(url, raw, label if label and label not in (raw, url) else None, markdown))  # <url>: no label
        return True

    for kind, value, href in _segments(children):
        if kind == "text":
            if closer and value.lstrip().startswith(closer):
                value = value.lstrip()[1:]
            closer = ""
            pos = 0
            for m in _BARE_URL.finditer(value):
                before = value[pos : m.start()]
                if add(m.group(0), _squash(pending + before).rstrip(":：").strip(), False):
                    parts.append(before + links[-1].url)
                    gaps.append(pending + before)
                    pending, pos = "", m.end()
            parts.append(value[pos:])
            pending += value[pos:]
            continue
        stripped = pending.rstrip()
        if stripped[-1:] in _OPEN:  # "[[Github](url)]": the outer brackets are decoration
            closer = _OPEN[stripped[-1]]
            pending = stripped[:-1]
            parts[-1] = parts[-1].rstrip()[:-1]
        label = _squash(value)
        while len(label) > 2 and label[0] + label[-1] in ("[]", "【】"):  # [[Paper]](url): the link text is "[Paper]"
            label = label[1:-1].strip()
        if add(href or "", label or _squash(pending).rstrip(":：").strip(), True):
            parts.append(f" {label} " if label else " ")
            gaps.append(pending)
            pending = ""
        else:
            problems.append(f"link target {href!r} is not an absolute http(s) URL; kept as text")
            parts.append(f"[{label}]({href})")
            pending += f"[{label}]({href})"
    text, rest = (_STRAY.sub(" ", _squash(x)).strip() for x in ("".join(parts), pending))
    gaps = [_STRAY.sub(" ", _squash(g)).strip() for g in [*gaps, pending]]
    return Cell(text=_squash(text), links=links, rest=_squash(rest), gaps=gaps, problems=problems)
