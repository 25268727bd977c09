"""Bullet-style awesome-lists -> rows: ``- [Name](url) - description``, nested under headings.

Read with markdown-it-py's block parser (CommonMark lists, ATX and setext headings, fences
skipped for free). Every list item holding an absolute http(s) link is an entry; its category is
the path of headings above it (below the document's title) plus any link-less parent items.
Nested items under an entry add their links to it (an awesome-list's "paper / code / weights"
sub-bullets). The name is, in this order: the item's leading link text (unless it only names a kind:
``[Paper]``, ``[Code]``, ``[GitHub]`` ...), its leading bold text, or its text up to ``:`` or `` - ``;
a leading ``[Venue, Year]`` tag is kept as a field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from crawler.importer.cells import Cell, is_reference, parse_cell, plain_text
from crawler.importer.cells import _md as markdown
from crawler.importer.entries import Row
from crawler.importer.roles import CATEGORY, DESCRIPTION, LINK, NAME

__all__ = ["BULLET_COLUMNS", "bullet_rows"]

BULLET_COLUMNS = {"Category": CATEGORY, "Tag": None, "Name": NAME, "Description": DESCRIPTION, "Links": LINK}
_TAG = re.compile(r"^\s*\[((?:[^\[\]]|\[[^\]]*\])*)\](?![(\[])\s*")  # not [text](url) nor [text][ref]
_STRONG = re.compile(r"^\s*(\*\*|__)(.+?)\1\s*")
_LIST_ITEM = re.compile(r"^[ \t>]*(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)", re.M)  # CommonMark list markers
_GENERIC = re.compile(
    r"^(paper|pdf|arxiv|code|github|repo|repository|project(?: page)?|homepage|website|demo|model|weights?|"
    r"data|dataset|hf|hugging ?face|blog|论文|代码|项目|主页|模型|数据|数据集)$",
    re.I,
)
_SEPARATOR = re.compile(r"\s*(?::|：|\s[-–—]\s)\s*")


@dataclass
class _Item:
    line: int
    depth: int
    category: str | None
    raw: str = ""
    children: list[_Item] = field(default_factory=list)


def _items(text: str, title_level: int) -> list[_Item]:
    tokens = markdown().parse(text)
    headings: list[tuple[int, str]] = []
    roots: list[_Item] = []
    stack: list[_Item] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "heading_open":
            level = int(tok.tag[1])
            title = plain_text(tokens[i + 1].content)
            headings = [(lv, t) for lv, t in headings if lv < level]
            if level > title_level:
                headings.append((level, title))
        elif tok.type == "list_item_open":
            parent = stack[-1] if stack else None
            if parent is None:
                path = [t for _, t in headings]
            else:  # a link-less parent item is a sub-heading
                path = [parent.category] if parent.category else []
                if parent.raw.strip() and not parse_cell(parent.raw).links:
                    path.append(plain_text(parent.raw))
            item = _Item(line=(tok.map or [0])[0] + 1, depth=len(stack), category=" / ".join(path) or None)
            (parent.children if parent is not None else roots).append(item)
            stack.append(item)
        elif tok.type == "list_item_close":
            stack.pop()
        elif tok.type == "inline" and stack and not stack[-1].raw:
            stack[-1].raw = tok.content.replace("\n", " ")
        i += 1
    return roots


def _name_parts(raw: str) -> tuple[str | None, str, str, Cell]:
    """(tag, name, description, parsed links cell) of one item's Markdown."""
    tag = None
    m = _TAG.match(raw)
    if m and m.group(1).strip() and not is_reference(m.group(1)):  # [Name] defined below is a link, not a tag
        tag, raw = plain_text(m.group(1)), raw[m.end() :]
    cell = parse_cell(raw)
    strong = _STRONG.match(raw)
    if strong and not parse_cell(strong.group(2)).links:
        name = plain_text(strong.group(2)).strip(" :：")
        rest = parse_cell(raw[strong.end() :]).gaps[0] if cell.links else plain_text(raw[strong.end() :])
        return tag, name, rest.lstrip(":：-–— ").strip(), cell
    generic = bool(cell.links) and bool(_GENERIC.match(cell.links[0].label or ""))
    if cell.links and not cell.gaps[0] and generic and len(cell.gaps) > 1 and cell.gaps[1]:
        # "* [[Paper]](url) **Name**: title": a leading [Paper] / [Code] link names its kind, not the item
        parts = _SEPARATOR.split(cell.gaps[1], maxsplit=1)
        return tag, parts[0].strip(), (parts[1] if len(parts) > 1 else "").strip(), cell
    if cell.links and not cell.gaps[0]:  # "- [Name](url) - description"
        name = cell.links[0].label or ""
        return tag, name, (cell.gaps[1] if len(cell.gaps) > 1 else "").lstrip(":：-–— ").strip(), cell
    prefix = cell.gaps[0] if cell.links else cell.text
    parts = _SEPARATOR.split(prefix, maxsplit=1)
    return tag, parts[0].strip(), (parts[1] if len(parts) > 1 else "").strip(), cell


def _row(item: _Item) -> Row | None:
    tag, name, description, cell = _name_parts(item.raw)
    if not cell.links:
        return None  # a link-less item is a sub-heading for the items under it
    links = list(cell.links)
    for child in _descendants(item):
        links.extend(parse_cell(child.raw).links)
    if not links:
        return None
    name_link = links[:1] if cell.links and not cell.gaps[0] and name == (cell.links[0].label or "") else []
    rest = links[len(name_link) :]
    cells = [
        ("Category", CATEGORY, item.category or "", Cell(text=item.category or "")),
        ("Tag", None, tag or "", Cell(text=tag or "")),
        ("Name", NAME, name, Cell(text=name, links=name_link)),
        ("Description", DESCRIPTION, description, Cell(text=description)),
        ("Links", LINK, item.raw, Cell(text="", links=rest)),
    ]
    return Row(line=item.line, cells=cells)


def _descendants(item: _Item) -> list[_Item]:
    out: list[_Item] = []
    for child in item.children:
        out.append(child)
        out.extend(_descendants(child))
    return out


def bullet_rows(text: str, body_start_line: int = 0) -> list[Row]:
    """One row per list item with a link (sub-items' links folded into their item), in file order."""
    if not _LIST_ITEM.search(text):
        return []  # no list at all: spare a 5,000-row table two full Markdown parses
    levels = [int(t.tag[1]) for t in markdown().parse(text) if t.type == "heading_open"]
    title_level = 1 if levels.count(1) == 1 else 0  # a single "# Title" names the list, it is no category
    rows: list[Row] = []

    def walk(items: list[_Item]) -> None:
        for item in items:
            row = _row(item)
            if row is not None:
                row.line += body_start_line
                rows.append(row)
            else:
                walk(item.children)

    walk(_items(text, title_level))
    return rows
