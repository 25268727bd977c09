"""Markdown leaderboard table ► registry YAML. Pure: text in, text out.

A table like the seed's (``| 模型 | 开源地址 | 所用数据 | 数据下载地址 |``) becomes one entry
per row. Cells are kept as written; only URLs are cleaned of Markdown debris (a stray
``)``, trailing punctuation), and every such correction is written next to the link as
a ``# corrected:`` comment so that nothing changes silently.
"""

from __future__ import annotations

import json
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import yaml

from crawler.errors import RegistryError
from crawler.models import Entry, Link, LinkKind, SourceInfo, check_http_url

__all__ = ["ImportResult", "classify_url", "clean_url", "markdown_to_registry_yaml", "parse_markdown",
           "render_registry_yaml", "split_cells"]

NAME, CODE, TRAINING, DATA = "name", "code", "training", "data"
_ROLE_WORDS = {  # checked in this order: "数据下载地址" is a data-links column, not training data
    DATA: ("下载", "download", "数据地址", "数据链接", "data link", "dataset link", "data url"),
    CODE: ("开源", "代码", "code", "repo", "github", "source", "地址", "link", "url"),
    TRAINING: ("数据", "语料", "data", "corpus", "training"),
}
_FRONT_MATTER = re.compile(r"\A(\+\+\+|---)[ \t]*\r?\n(.*?)\r?\n\1[ \t]*(?:\r?\n|\Z)", re.S)
_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_CJK = "\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_TOKEN = re.compile(
    r"\[(?P<text>[^\]]*)\]\((?P<mdurl>[^()\s]+(?:\([^()\s]*\)[^()\s]*)*)\)"  # [text](url), one level of parens
    rf"|(?P<url>https?://[^\s<>\"'`{_CJK}]+)"
)
_NAME = re.compile(r"^(?P<head>[^\s（(]+)(?P<paren>\s*[（(][^）)]*[）)])?\s*(?P<rest>.*)$", re.S)
_FORMERLY = ("原", "曾用名", "又名", "formerly", "aka", "a.k.a.", "also ")
_TRAILING_PUNCT = ".,;:!?'\"，。；：！？、"
_PAIRS = {")": "(", "]": "[", ">": "<", "）": "（"}
_MODEL_NAME = r"([A-Za-z][A-Za-z0-9_./-]*(?: [A-Z][A-Za-z0-9_.-]*)?[A-Za-z0-9])"  # ASCII: \w matches CJK
_BASE_MODEL = [
    re.compile(rf"基于\s*{_MODEL_NAME}"),
    re.compile(rf"在\s*{_MODEL_NAME}\s*的基础上"),
    re.compile(rf"{_MODEL_NAME}\s*作为(?:骨干|底座|基座)"),
    re.compile(rf"的\s*{_MODEL_NAME}\s*模型"),
    re.compile(rf"对\s*{_MODEL_NAME}\s*进行"),
    re.compile(rf"微调\s*{_MODEL_NAME}"),
]
_BLOG_HOSTS = ("csdn.net", "medium.com", "zhihu.com", "mp.weixin.qq.com", "substack.com", "juejin.cn",
               "cnblogs.com", "jianshu.com", "blogspot.com", "wordpress.com", "hashnode.dev", "dev.to")
_PAPER_HOSTS = ("arxiv.org", "doi.org", "aclanthology.org", "openreview.net", "biorxiv.org", "medrxiv.org",
                "pubmed.ncbi.nlm.nih.gov", "semanticscholar.org", "papers.nips.cc", "proceedings.mlr.press")
_CODE_HOSTS = ("github.com", "gitlab.com", "gitee.com", "bitbucket.org")


@dataclass
class ImportResult:
    """What a Markdown table holds, as domain objects, plus the URL corrections made on the way."""

    source: SourceInfo
    entries: list[Entry]
    corrections: dict[tuple[int, int], str] = field(default_factory=dict)  # (entry, link) -> URL as written


def markdown_to_registry_yaml(text: str, *, source_file: str | None = None) -> str:
    """Registry YAML (with ``# corrected:`` comments) for the first Markdown table in *text*."""
    return render_registry_yaml(parse_markdown(text, source_file=source_file))


# --------------------------------------------------------------------------- parsing


def parse_markdown(text: str, *, source_file: str | None = None) -> ImportResult:
    """Parse front matter and the first table of *text*; raise ``RegistryError`` if there is no table."""
    where = source_file or "<input>"
    front_matter, title, body_start = _front_matter(text, where)
    lines = text.splitlines()
    header_at = next(
        (i for i in range(body_start, len(lines) - 1) if "|" in lines[i] and _SEPARATOR.match(lines[i + 1])), None
    )
    if header_at is None:
        raise RegistryError(f"{where}:1: no Markdown table found (a header row, then a '| --- |' row)")
    if title is None:
        heading = next((ln for ln in lines[body_start:header_at] if ln.startswith("# ")), None)
        title = heading[2:].strip() if heading else None
    columns = split_cells(lines[header_at])
    roles = _roles(columns)
    result = ImportResult(
        source=SourceInfo(title=title, file=source_file, front_matter=front_matter, columns=columns),
        entries=[],
    )
    taken: set[str] = set()
    for line in lines[header_at + 2 :]:
        if "|" not in line or not line.strip():
            break
        cells = split_cells(line) + [""] * len(columns)
        _add_row(result, {role: cells[i] for role, i in roles.items()}, taken)
    _mark_duplicates(result.entries)
    return result


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


def split_cells(line: str) -> list[str]:
    """The cells of one table row: pipes inside backticks or escaped as ``\\|`` do not split."""
    cells, current, in_code, i = [], [], False, 0
    s = line.strip()
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s) and s[i + 1] == "|":
            current.append("|")
            i += 2
            continue
        if c == "`":
            in_code = not in_code
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


def _roles(columns: list[str]) -> dict[str, int]:
    roles: dict[str, int] = {NAME: 0} if columns else {}
    for i, header in enumerate(columns[1:], start=1):
        low = header.lower()
        role = next((r for r, words in _ROLE_WORDS.items() if r not in roles and any(w in low for w in words)), None)
        if role is not None:
            roles[role] = i
    free = [i for i in range(1, len(columns)) if i not in roles.values()]
    for role in (CODE, TRAINING, DATA):  # the seed's column order, for headers no keyword recognises
        if role not in roles and free:
            roles[role] = free.pop(0)
    return roles


def clean_url(raw: str) -> str:
    """*raw* without trailing punctuation and unbalanced closing brackets (Markdown debris)."""
    url = raw
    while True:
        before = url
        url = url.rstrip(_TRAILING_PUNCT)
        for close, open_ in _PAIRS.items():
            if url.endswith(close) and url.count(close) > url.count(open_):
                url = url[:-1]
        if url == before:
            return url


def classify_url(url: str, role: str) -> LinkKind:
    """The kind of *url* found in a column playing *role* (name, code, training, data)."""
    if role == TRAINING:
        return LinkKind.REFERENCE  # cited inside the text, not a column of its own
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    segments = [s for s in parts.path.split("/") if s]

    def on(hosts: tuple[str, ...]) -> bool:
        return any(host == h or host.endswith("." + h) for h in hosts)

    if host in ("huggingface.co", "hf.co"):
        first = segments[0] if segments else ""
        return {"datasets": LinkKind.DATASET, "spaces": LinkKind.HOMEPAGE, "papers": LinkKind.PAPER,
                "docs": LinkKind.DOCS, "blog": LinkKind.BLOG}.get(first, LinkKind.MODEL if first else LinkKind.HOMEPAGE)
    if on(_PAPER_HOSTS):
        return LinkKind.PAPER
    if on(_BLOG_HOSTS) or host.startswith("blog.") or "blog" in segments[:1]:
        return LinkKind.BLOG
    if on(_CODE_HOSTS):
        return LinkKind.DATA if role == DATA else LinkKind.REPOSITORY
    return LinkKind.DATASET if role == DATA else LinkKind.HOMEPAGE


@dataclass
class _Found:
    url: str
    raw: str  # as written, before cleaning
    label: str | None
    markdown: bool  # written as [text](url)


def _links_in(cell: str) -> tuple[list[_Found], str]:
    """URLs in *cell* with the text written right before each, and any text after the last one."""
    found: list[_Found] = []
    pos = 0
    for m in _TOKEN.finditer(cell):
        before = cell[pos : m.start()].strip().rstrip(":：").strip()
        markdown = m.group("mdurl") is not None
        raw = m.group("mdurl") if markdown else m.group("url")
        try:
            url = check_http_url(clean_url(raw))
        except ValueError:
            continue  # not a usable URL (relative link, bare "https://"): it stays part of the text
        label = (m.group("text").strip() if markdown else "") or before or None
        found.append(_Found(url, raw, label, markdown))
        pos = m.end()
    return found, cell[pos:].strip()


def _add_row(result: ImportResult, cells: dict[str, str], taken: set[str]) -> None:
    index = len(result.entries)
    name_cell = cells.get(NAME, "")
    name_links, _ = _links_in(name_cell)
    name, aliases, description = _split_name(_TOKEN.sub(lambda m: m.group("text") or m.group(0), name_cell))
    training = cells.get(TRAINING, "") or None
    links: list[tuple[_Found, LinkKind]] = []
    notes: list[str] = []
    for role in (CODE, NAME, DATA, TRAINING):
        found, rest = (name_links, "") if role == NAME else _links_in(cells.get(role, ""))
        for f in found:
            if role == NAME and any(f.url == g.url for g, _ in links):
                continue  # the name is a link to the row's own repository: one link is enough
            links.append((f, classify_url(f.url, role)))
        if rest and role in (CODE, DATA):
            column = "code" if role == CODE else "data"
            notes.append(f"The {column} column also names {rest!r} without a URL.")
    entry_links = []
    for j, (f, kind) in enumerate(links):
        # Inside prose the text before a bare URL is a sentence, not a label.
        label = f.label if kind is not LinkKind.REFERENCE or f.markdown else None
        entry_links.append(Link(url=f.url, kind=kind, label=label))
        if f.raw != f.url:
            result.corrections[(index, j)] = f.raw
    ident = _unique(_slug_for(name, entry_links, index), taken)
    base_model = _base_model(f"{description or ''} {training or ''}")
    result.entries.append(Entry(id=ident, name=name, aliases=aliases, description=description, base_model=base_model,
                                training_data=training, links=entry_links, notes=" ".join(notes) or None))


def _split_name(cell: str) -> tuple[str, list[str], str | None]:
    m = _NAME.match(cell.strip())
    if not m:
        return cell.strip(), [], None
    head, paren, rest = m.group("head"), (m.group("paren") or "").strip(), m.group("rest").strip()
    aliases: list[str] = []
    if paren:
        inner = paren[1:-1].strip()
        prefix = next((p for p in _FORMERLY if inner.lower().startswith(p)), None)
        if prefix:
            aliases.append(inner[len(prefix) :].strip(" :："))
        else:
            head += paren
    return head, aliases, rest or None


def _base_model(text: str) -> str | None:
    return next((m.group(1) for pattern in _BASE_MODEL if (m := pattern.search(text))), None)


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _slug_for(name: str, links: list[Link], index: int) -> str:
    cjk = len(re.findall(f"[{_CJK}]", name))
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
        if link.kind is LinkKind.REPOSITORY and (parts.hostname or "").lower() in _CODE_HOSTS and len(segments) >= 2:
            return f"{parts.hostname}/{segments[0]}/{segments[1].removesuffix('.git')}"
    return None


def _mark_duplicates(entries: list[Entry]) -> None:
    """Later rows repeating an earlier row's name or repository point at it with ``duplicate_of``."""
    by_name: dict[str, Entry] = {}
    by_repo: dict[str, Entry] = {}
    for row, entry in enumerate(entries, start=1):
        repo = (_repository(entry) or "").lower()
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


# --------------------------------------------------------------------------- YAML output


def _scalar(value: object) -> str:
    """*value* as a one-line YAML scalar: plain when that reads back unchanged, else double-quoted."""
    if isinstance(value, str) and "\n" not in value and value == value.strip() and value:
        try:
            if yaml.safe_load(f"k: {value}") == {"k": value}:
                return value
        except yaml.YAMLError:
            pass
    return json.dumps(value, ensure_ascii=False)


def _block(key: str, value: str, indent: str) -> str:
    """A multi-line string as a literal block, falling back to a quoted scalar if that would not round-trip."""
    if value.endswith("\n") and not value.endswith("\n\n") and not value.startswith((" ", "\n")):
        body = "".join(f"{indent}  {line}\n" if line else "\n" for line in value[:-1].split("\n"))
        if yaml.safe_load(f"{key}: |\n{body}") == {key: value}:
            return f"{indent}{key}: |\n{body}"
    return f"{indent}{key}: {_scalar(value)}\n"


def render_registry_yaml(result: ImportResult) -> str:
    """The registry YAML for *result*, with a ``# corrected:`` comment above every cleaned URL."""
    src = result.source
    command = f"python -m crawler import{' ' + src.file if src.file else ''}"
    out = ["# Registry of models and the corpora they were trained on.\n",
           f"# Imported by `{command}`; check with `python -m crawler validate`.\n", "version: 1\n", "source:\n"]
    if src.title is not None:
        out.append(f"  title: {_scalar(src.title)}\n")
    if src.file is not None:
        out.append(f"  file: {_scalar(src.file)}\n")
    if src.front_matter is not None:
        out.append(_block("front_matter", src.front_matter, "  "))
    out.append("  columns:\n" + "".join(f"    - {_scalar(c)}\n" for c in src.columns) if src.columns else "")
    out.append("entries:\n")
    for i, entry in enumerate(result.entries):
        out.append(f"  - id: {_scalar(entry.id)}\n")
        out.append(f"    name: {_scalar(entry.name)}\n")
        if entry.aliases:
            out.append("    aliases:\n" + "".join(f"      - {_scalar(a)}\n" for a in entry.aliases))
        for key in ("duplicate_of", "description", "base_model", "training_data", "notes"):
            value = getattr(entry, key)
            if value is not None:
                out.append(f"    {key}: {_scalar(value)}\n")
        if not entry.links:
            out.append("    links: []\n")
            continue
        out.append("    links:\n")
        for j, link in enumerate(entry.links):
            raw = result.corrections.get((i, j))
            if raw is not None:
                out.append(f"      # corrected: the source writes {raw}; {raw[len(link.url):]!r} is Markdown debris\n")
            out.append(f"      - url: {_scalar(link.url)}\n        kind: {link.kind.value}\n")
            for key in ("label", "note"):
                value = getattr(link, key)
                if value is not None:
                    out.append(f"        {key}: {_scalar(value)}\n")
    return "".join(out)
