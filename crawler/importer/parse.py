"""A Markdown list -> registry: the whole import (``parse_markdown``, ``markdown_to_registry_yaml``).

The package's ``__init__`` re-exports these names lazily; see it for the pieces.
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

import yaml

from crawler.errors import RegistryError
from crawler.importer.bullets import BULLET_COLUMNS, bullet_rows
from crawler.importer.cells import parse_cell, plain_text, references
from crawler.importer.entries import ImportResult, Row, add_row, mark_duplicates
from crawler.importer.output import render_registry_yaml
from crawler.importer.roles import ROLES, assign_roles
from crawler.importer.tables import Table, find_tables
from crawler.models import SourceInfo

__all__ = ["counted", "markdown_to_registry_yaml", "parse_columns_option", "parse_markdown"]

_FRONT_MATTER = re.compile(r"\A(\+\+\+|---)[ \t]*\r?\n(.*?)\r?\n\1[ \t]*(?:\r?\n|\Z)", re.S)


def counted(n: int, noun: str) -> str:
    """``1 row``, ``2 rows``: the counts import prints."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def markdown_to_registry_yaml(text: str, *, source_file: str | None = None, **options: object) -> str:
    """Registry YAML (with ``# corrected:`` comments) for the list in *text*; options as ``parse_markdown``."""
    return render_registry_yaml(parse_markdown(text, source_file=source_file, **options))  # type: ignore[arg-type]


def parse_columns_option(value: str) -> dict[str, str]:
    """``ROLE=HEADER,...`` (``--columns``) -> {header: role}; ``extra=HEADER`` keeps a column as a plain field.

    Raises ``ValueError`` naming the bad part.
    """
    out: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in value.split(","))):
        role, sep, header = part.partition("=")
        role = role.strip().lower()
        if not sep or not header.strip():
            raise ValueError(f"{part!r} is not ROLE=HEADER")
        if role not in (*ROLES, "extra"):
            raise ValueError(f"unknown role {role!r} (roles: {', '.join((*ROLES, 'extra'))})")
        out[header.strip()] = role
    return out


def parse_markdown(text: str, **options: Any) -> ImportResult:
    """``_parse_markdown`` with the file's link reference definitions in force (``[x][ref]`` cells)."""
    with references(text):
        return _parse_markdown(text, **options)


def _parse_markdown(
    text: str,
    *,
    source_file: str | None = None,
    table: int | None = None,
    columns: dict[str, str] | None = None,
    bullets: bool = False,
    where: str | None = None,
) -> ImportResult:
    """Parse front matter and one list of *text*.

    The list is table number *table* (1-based, in file order) if given; else the table with the most
    links (the first of equals), unless the bulleted items hold more links than every table together;
    else, or with *bullets*, the bulleted items holding links. *columns*
    maps headers to roles, overriding the automatic choice. Raises ``RegistryError`` naming the file
    (*where*, default *source_file*) and line when there is no such table or no list at all, or an
    override names no header.
    """
    where = where or source_file or "<input>"  # errors name the file as the user gave it
    front_matter, title, body_start = _front_matter(text, where)
    lines = text.splitlines()
    tables = find_tables(lines, body_start)
    if title is None:
        heading = next((ln for ln in lines[body_start:] if ln.startswith("# ")), None)
        title = plain_text(heading[2:]) if heading else None
    listing = [f"table {n}: line {t.line}, {counted(len(t.headers), 'column')}, {counted(len(t.rows), 'row')}, "
               f"{counted(t.link_count, 'link')}" + (f" (under {t.heading!r})" if t.heading else "")
               for n, t in enumerate(tables, start=1)]
    rows = bullet_rows(text)
    bullet_links = sum(len(link_list) for link_list in (_row_links(r) for r in rows))
    if rows:
        listing.append(f"bulleted list: {counted(len(rows), 'item')} with links, {counted(bullet_links, 'link')}")
    if table is not None:
        if not 1 <= table <= len(tables):
            raise RegistryError(f"{where}:1: there is no table {table}; {len(tables)} table(s) found")
        chosen: Table | None = tables[table - 1]
    elif bullets:
        chosen = None
    else:
        # The table with the most links (the first of equals), unless the bulleted list holds more links
        # than all the tables together: then the file is a bulleted awesome-list with a few side tables.
        with_links = [t for t in tables if t.link_count]
        chosen = max(with_links, key=lambda t: t.link_count) if with_links else None
        if chosen is not None and not columns and bullet_links > sum(t.link_count for t in tables):
            chosen = None  # (--columns names a table's headers: then a table is what the user means)
        if chosen is None and not rows and tables:
            chosen = max(tables, key=lambda t: len(t.rows))  # a table without links: imported, with a warning
    if chosen is not None:
        result = _from_table(chosen, columns or {}, title, front_matter, source_file, where)
    elif columns:
        raise RegistryError(f"{where}:1: --columns applies to a table, and the bulleted list is read")
    else:
        if not rows:
            raise RegistryError(f"{where}:1: no Markdown table found (a header row, then a '| --- |' row), "
                                "and no bulleted list with links")
        result = _from_rows(rows, title, front_matter, source_file)
    marks = [t is chosen for t in tables] + ([chosen is None] if rows else [])
    result.tables = [f"{line} (chosen)" if mark else line for line, mark in zip(listing, marks, strict=True)]
    return result


def _row_links(row: Row) -> list[object]:
    return [f for *_, cell in row.cells for f in cell.links]


def _from_table(
    table: Table, overrides: dict[str, str], title: str | None, front_matter: str | None, source_file: str | None,
    where: str,
) -> ImportResult:
    headers = _unique_headers([plain_text(h) or f"column {i + 1}" for i, h in enumerate(table.headers)])
    width = len(headers)
    problems: list[str] = []
    parsed: list[tuple[int, list[str]]] = []
    for line, cells in table.rows:
        if len(cells) > width:
            problems.append(f"{line}: {len(cells)} cells but {width} headers; extra cells ignored, as GitHub does:"
                            f" {' | '.join(cells[width:])!r}")
        parsed.append((line, (cells + [""] * width)[:width]))
    columns = [[parse_cell(cells[i]) for _, cells in parsed] for i in range(width)]
    lower = {h.lower() for h in headers}
    for header in overrides:
        if header.lower() not in lower:
            raise RegistryError(f"{where}:{table.line}: --columns names {header!r}, which is not a header of the "
                                f"table ({', '.join(headers)})")
    roles = assign_roles(headers, columns, overrides)
    source = SourceInfo(title=title, file=source_file, front_matter=front_matter, columns=headers,
                        roles={h: r for h, r in zip(headers, roles, strict=True) if r})
    result = ImportResult(source=source, entries=[], problems=problems)
    taken: set[str] = set()
    for row_index, (line, cells) in enumerate(parsed):
        row = Row(line=line, cells=[(headers[i], roles[i], cells[i], columns[i][row_index]) for i in range(width)])
        add_row(result, row, taken)
    mark_duplicates(result.entries)
    result.problems.sort(key=lambda p: int(p.split(":", 1)[0]))
    return result


def _from_rows(rows: list[Row], title: str | None, front_matter: str | None, source_file: str | None) -> ImportResult:
    used = [h for h in BULLET_COLUMNS if h != "Tag" or any(r.cells[1][2] for r in rows)]
    source = SourceInfo(title=title, file=source_file, front_matter=front_matter, columns=used,
                        roles={h: r for h, r in BULLET_COLUMNS.items() if r and h in used})
    result = ImportResult(source=source, entries=[])
    taken: set[str] = set()
    for row in rows:
        add_row(result, row, taken)
    mark_duplicates(result.entries, by_repository=False)  # a model and its dataset share a repository
    return result


def _unique_headers(headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for h in headers:
        n = seen.get(h.lower(), 0) + 1
        seen[h.lower()] = n
        out.append(h if n == 1 else f"{h} ({n})")
    return out


def _front_matter(text: str, where: str) -> tuple[str | None, str | None, int]:
    m = _FRONT_MATTER.match(text)
    if not m:
        return None, None, 0
    delimiter, body = m.group(1), m.group(2)
    try:
        meta = tomllib.loads(body) if delimiter == "+++" else yaml.safe_load(body)
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        kind = "TOML" if delimiter == "+++" else "YAML"
        raise RegistryError(f"{where}:2: front matter is not valid {kind}: {exc}") from None
    title = meta.get("title") if isinstance(meta, dict) else None
    block = m.group(0) if m.group(0).endswith("\n") else m.group(0) + "\n"
    return block, str(title) if title is not None else None, m.group(0).count("\n")

