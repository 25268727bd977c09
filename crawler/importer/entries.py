"""Rows of cells -> registry entries: names, ids, links in the order the row cites them, duplicates.

Shared by tables and bullet lists: a row is a mapping column -> (role, cell) plus a line number.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from crawler.importer.cells import CJK, Cell, Found
from crawler.importer.roles import (
    CATEGORY,
    CODE,
    CODE_HOSTS,
    DATA,
    DESCRIPTION,
    LINK_ROLES,
    NAME,
    TRAINING,
    classify_url,
)
from crawler.models import Entry, Link, LinkKind, SourceInfo

__all__ = ["ImportResult", "Row", "add_row", "mark_duplicates"]

_PAREN = re.compile(r"^(?P<head>[^\s（(]+)(?P<paren>\s*[（(][^）)]*[）)])\s*(?P<rest>.*)$", re.S)
_FORMERLY = ("原", "曾用名", "又名", "formerly", "aka", "a.k.a.", "also ")
_MODEL_NAME = r"([A-Za-z][A-Za-z0-9_./-]*(?: [A-Z][A-Za-z0-9_.-]*)?[A-Za-z0-9])"  # ASCII: \w matches CJK
_BASE_MODEL = [
    re.compile(rf"基于\s*{_MODEL_NAME}"),
    re.compile(rf"在\s*{_MODEL_NAME}\s*的基础上"),
    re.compile(rf"{_MODEL_NAME}\s*作为(?:骨干|底座|基座)"),
    re.compile(rf"的\s*{_MODEL_NAME}\s*模型"),
    re.compile(rf"对\s*{_MODEL_NAME}\s*进行"),
    re.compile(rf"微调\s*{_MODEL_NAME}"),
]
# Links are listed code first, then the name's, then the other columns in order, the training text's last
# (the seed's registry does so).
_ORDER = {CODE: 0, NAME: 1, TRAINING: 3}


@dataclass
class ImportResult:
    """What a Markdown list holds, as domain objects, plus what import noticed on the way."""

    source: SourceInfo
    entries: list[Entry]
    corrections: dict[tuple[int, int], str] = field(default_factory=dict)  # (entry, link) -> URL as written
    problems: list[str] = field(default_factory=list)  # "LINE: what could not be read", in file order
    tables: list[str] = field(default_factory=list)  # one line per table found, for the listing


@dataclass
class Row:
    """One table row or list item: its 1-based line and (header, role, raw text, parsed cell) per column."""

    line: int
    cells: list[tuple[str, str | None, str, Cell]]


def add_row(result: ImportResult, row: Row, taken: set[str]) -> None:
    """Append the entry *row* describes to *result* (id unique within *taken*)."""
    index = len(result.entries)
    # In a list of datasets the name links to the dataset itself.
    dataset_list = any(role == NAME and re.search(r"data|数据", header, re.I) for header, role, *_ in row.cells)
    by_role = {role: (header, raw, cell) for header, role, raw, cell in reversed(row.cells) if role}
    _, name_raw, name_cell = by_role.get(NAME, ("", "", Cell(text="")))
    if DESCRIPTION in by_role:
        name, aliases, description = name_cell.text, [], by_role[DESCRIPTION][2].text or None
    else:
        name, aliases, description = _split_name(name_cell.text)
    training = by_role[TRAINING][1] if TRAINING in by_role else None  # kept as written (the seed's rule)
    found: list[tuple[int, int, Found, LinkKind, str]] = []
    notes: list[str] = []
    extra: dict[str, str] = {}
    ordered = sorted(enumerate(row.cells), key=lambda item: (_ORDER.get(item[1][1] or "", 2), item[0]))
    for col, (header, role, _raw, cell) in ordered:
        for problem in cell.problems:
            result.problems.append(f"{row.line}: column {header!r}: {problem}")
        if role in LINK_ROLES:
            if cell.links and cell.rest and not Cell(text=cell.rest).empty:
                what = "code" if role == CODE else "data" if role == DATA else repr(header)
                notes.append(f"The {what} column also names {cell.rest!r} without a URL.")
            elif not cell.links and not cell.empty:  # kept as text, and shown: the column is for links
                extra[header] = cell.text
                result.problems.append(f"{row.line}: column {header!r}: no URL in {cell.text!r}")
        elif role not in (NAME, DESCRIPTION, TRAINING, CATEGORY) and cell.text.strip():
            extra[header] = cell.text  # "x", "✗" or "-" in a survey's feature column is data: kept as written
        for f in cell.links:
            if role == NAME and any(f.url == g.url for *_, g, _k, _h in found):
                continue  # the name is a link to the row's own repository: one link is enough
            kind_role = DATA if role == NAME and dataset_list else role
            kind = _kind(f, kind_role)
            if any(f.url == g.url and kind is k for *_, g, k, _h in found):
                continue  # a stars badge linking to the code link again: validate would warn "cites twice"
            found.append((_ORDER.get(role or "", 2), col, f, kind, header))
    links: list[Link] = []
    for j, (_o, _c, f, kind, header) in enumerate(found):
        # Inside prose the text before a bare URL is a sentence, not a label.
        label = f.label if kind is not LinkKind.REFERENCE or f.markdown else None
        links.append(Link(url=f.url, kind=kind, label=label, column=header or None))
        if f.raw != f.url:
            result.corrections[(index, j)] = f.raw
    ident = _unique(_slug_for(name, links, index), taken)
    base_model = _base_model(f"{description or ''} {training or ''}")
    category = by_role[CATEGORY][2].text if CATEGORY in by_role else None
    result.entries.append(Entry(id=ident, name=name or f"row {row.line}", aliases=aliases, description=description,
                                base_model=base_model, training_data=training or None, links=links,
                                notes=" ".join(notes) or None, category=category or None, extra=extra))


_LABEL_KINDS = [  # what a link's own label says, for hosts that say nothing
    (re.compile(r"^(paper|pdf|arxiv|论文|article)\b", re.I), LinkKind.PAPER),
    (re.compile(r"^(model|weights?|checkpoints?|hf|hugging ?face|模型|权重)\b", re.I), LinkKind.MODEL),
    (re.compile(r"^(data|datasets?|corpus|数据|数据集|下载)", re.I), LinkKind.DATASET),
    (re.compile(r"^(code|github|repo|repository|代码)\b", re.I), LinkKind.REPOSITORY),
    (re.compile(r"^(blog|博客)\b", re.I), LinkKind.BLOG),
]


def _kind(found: Found, role: str | None) -> LinkKind:
    kind = classify_url(found.url, role)
    if kind is LinkKind.HOMEPAGE and found.label:
        return next((k for pattern, k in _LABEL_KINDS if pattern.match(found.label)), kind)
    return kind


def _split_name(cell: str) -> tuple[str, list[str], str | None]:
    """Name, aliases and description of a name cell: ``Name（原Alias） 描述`` or ``Name 中文描述``."""
    text = cell.strip()
    m = _PAREN.match(text)
    if m:
        head, paren, rest = m.group("head"), m.group("paren").strip(), m.group("rest").strip()
        inner = paren[1:-1].strip()
        prefix = next((p for p in _FORMERLY if inner.lower().startswith(p)), None)
        if prefix:
            return head, [inner[len(prefix) :].strip(" :：")], rest or None
        if not rest:
            return text, [], None
        return f"{head}{paren}", [], rest
    # A Latin name followed by a Chinese description: split before the first word holding CJK.
    words = text.split(" ")
    cut = next((i for i, w in enumerate(words) if i > 0 and re.search(f"[{CJK}]", w)), None)
    if cut is None:
        return text, [], None
    return " ".join(words[:cut]), [], " ".join(words[cut:])


def _base_model(text: str) -> str | None:
    return next((m.group(1) for pattern in _BASE_MODEL if (m := pattern.search(text))), None)


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].strip("-")


def _slug_for(name: str, links: list[Link], index: int) -> str:
    cjk = len(re.findall(f"[{CJK}]", name))
    latin = len(re.findall(r"[A-Za-z]", name))
    if latin >= cjk and _slug(name):
        return _slug(name)
    # Mostly Chinese: no transliteration (it would be a guess); the repository's name if there is one.
    for link in links:
        if link.kind is LinkKind.REPOSITORY:
            segments = [s for s in urlsplit(link.url).path.split("/") if s]
            if len(segments) >= 2 and _slug(segments[1]):
                return _slug(segments[1])
    return f"entry-{index + 1}"


def _unique(slug: str, taken: set[str]) -> str:
    candidate, n = slug, 2
    while candidate in taken:
        candidate, n = f"{slug}-{n}", n + 1
    taken.add(candidate)
    return candidate


def _repository(entry: Entry) -> str | None:
    for link in entry.links:
        parts = urlsplit(link.url)
        segments = [s for s in parts.path.split("/") if s]
        if link.kind is LinkKind.REPOSITORY and (parts.hostname or "").lower() in CODE_HOSTS and len(segments) >= 2:
            return f"{parts.hostname}/{segments[0]}/{segments[1].removesuffix('.git')}"
    return None


def mark_duplicates(entries: list[Entry], *, by_repository: bool = True) -> None:
    """Later rows repeating an earlier row's name (or repository) point at it with ``duplicate_of``."""
    by_name: dict[str, Entry] = {}
    by_repo: dict[str, Entry] = {}
    for row, entry in enumerate(entries, start=1):
        repo = (_repository(entry) or "").lower() if by_repository else ""
        original = by_name.get(entry.name.casefold()) or (by_repo.get(repo) if repo else None)
        if original is not None:
            first = next(e for e in entries if e.id == (original.duplicate_of or original.id))
            entry.duplicate_of = first.id
            first_row = entries.index(first) + 1
            if first.name.casefold() == entry.name.casefold():
                why = f"Same name as row {first_row}"
                first_repo, here = _repository(first), _repository(entry)
                if here and first_repo and here.lower() != first_repo.lower():
                    why += f"; the repository differs (row {first_row}: {first_repo}, here: {here})"
            else:
                why = f"Same repository as row {first_row} ({first.name})"
                for a, b in ((first, entry), (entry, first)):
                    if b.name not in a.aliases:
                        a.aliases.append(b.name)
            entry.notes = " ".join(filter(None, [f"Row {row} repeats row {first_row}. {why}.", entry.notes]))
        by_name.setdefault(entry.name.casefold(), entry)
        if repo:
            by_repo.setdefault(repo, entry)
