"""Finding GFM tables in a Markdown file (every form GitHub renders), outside code fences.

GFM spec, "Tables (extension)" (https://github.github.com/gfm/#tables-extension-): a header row,
then a delimiter row whose cells are ``-`` runs of any length with optional ``:`` on either side,
with the same number of cells as the header; leading and trailing pipes are optional; ``\\|``
is a pipe inside a cell; the table ends at a blank line or another block. Rows with fewer cells
are padded, extra cells are ignored by GitHub (we report them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from crawler.importer.cells import parse_cell, split_cells

__all__ = ["Table", "find_tables"]

_DELIMITER_CELL = re.compile(r"^:?-+:?$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


@dataclass
class Table:
    """One table: 1-based line of its header, its header cells and its rows (line, cells)."""

    line: int
    headers: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    heading: str | None = None  # the nearest heading above it

    @cached_property  # weighed several times when choosing the default table; parsing every cell is the cost
    def link_count(self) -> int:
        """How many links its cells hold (what the default choice of table weighs)."""
        return sum(len(parse_cell(c).links) for _, cells in self.rows for c in cells)


def _is_delimiter(line: str, width: int) -> bool:
    if "-" not in line or not re.fullmatch(r"[\s|:\-]+", line):
        return False
    cells = split_cells(line)
    return len(cells) == width and all(_DELIMITER_CELL.match(c) for c in cells)


def find_tables(lines: list[str], start: int = 0) -> list[Table]:
    """Every table in *lines* from index *start* on, in order."""
    tables: list[Table] = []
    fence: str | None = None
    heading: str | None = None
    i = start
    while i < len(lines):
        line = lines[i]
        m = _FENCE.match(line)
        if fence is not None:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                fence = None
            i += 1
            continue
        if m:
            fence = m.group(1)
            i += 1
            continue
        if re.match(r"^ {0,3}#{1,6}\s", line):
            heading = line.strip().lstrip("#").strip()
        if "|" in line and i + 1 < len(lines):
            headers = split_cells(line)
            if _is_delimiter(lines[i + 1], len(headers)) and not line.lstrip().startswith(("- ", "* ", "> ")):
                table = Table(line=i + 1, headers=headers, heading=heading)
                j = i + 2
                while j < len(lines) and lines[j].strip() and "|" in lines[j] and not _FENCE.match(lines[j]):
                    table.rows.append((j + 1, split_cells(lines[j])))
                    j += 1
                tables.append(table)
                i = j
                continue
        i += 1
    return tables
