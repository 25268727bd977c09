"""``index.html``: one self-contained page over a snapshot, for people who just want to look.

Everything is inline (CSS, JS, SVG) and the page declares a Content-Security-Policy that
allows no network at all, so it works from ``file://`` and cannot phone home even if a
fetched string tried. Jinja2 autoescaping covers every fetched string; ``href`` values are
only ever http(s) URLs. Star-history sparklines are SVG drawn here from the dated snapshots.

Beside link health the page shows everything the crawl collected: per data link the corpus
columns (availability glyph, access, licence, size, downloads; ``columns.corpus``), Hugging Face
downloads, likes, gated status and licence, repository flags (archived, disabled, locked,
empty, inactive, dormant, a README notice), archived copies of broken links, and a *stale*
marker with its date on metadata carried over from an earlier run. Readers filter by status,
access and licence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

import jinja2
from markupsafe import Markup, escape

from crawler.history import star_series
from crawler.models import Access, EntryRecord, LinkRecord, LinkStatus, Snapshot
from crawler.render.columns import (
    ACCESS_TEXT,
    HEALTH_MARKS,
    SEVERITY,
    UNVERIFIABLE_MARK,
    UNVERIFIABLE_TEXT,
    archive_text,
    corpus,
    data_links,
    day_text,
    github_flags,
    health_marks,
    hf_licence,
    last_commit,
    licence_text,
    primary_github,
    stale_text,
    worst_status,
)
from crawler.render.counts import is_refused, is_unverifiable, link_counts
from crawler.render.escape import http_url, one_line
from crawler.render.leaderboard import DEFAULT_TITLE
from crawler.render.plain import utc_stamp

__all__ = ["licence_options", "render_index_html", "sparkline_svg"]

_SPARK_W, _SPARK_H, _PAD = 96, 24, 2
# The source writes some names as Markdown links; the page shows the text (the URL is a link of its own).
_MD_LINK = re.compile(r"\[([^\]]*)\]\((?:[^()\s]*)\)")


@dataclass(frozen=True)
class LinkView:
    href: str | None
    text: str
    kind: str
    status: str
    title: str
    note: str  # why it is not simply ok/broken: refused by the guard, login-only host, README notice
    archive_href: str | None
    archive_text: str
    badges: list[str]  # Hugging Face: downloads, likes, gated, licence; GitHub: archived, dormant ...
    stale: str
    gone: str = ""  # a broken link: "gone" once confirmed, else "failing since DATE (first time)"


@dataclass(frozen=True)
class CorpusView:
    """One data link in the corpus column."""

    href: str | None
    text: str
    mark: str
    availability: str
    access: str
    access_title: str
    licence: str
    size: str
    size_title: str
    downloads: str
    newer: str
    stale: str
    archive_href: str | None
    archive_text: str


@dataclass(frozen=True)
class HubView:
    """The entry's Hugging Face numbers: summed downloads (sort key) and one line per repo."""

    downloads: int | None
    lines: list[str]


@dataclass(frozen=True)
class RowView:
    id: str
    name: str
    description: str
    about: str
    topics: list[str]
    training_data: str
    links: list[LinkView]
    corpus: list[CorpusView]
    access: str
    licences: str
    hub: HubView
    stars: int | None
    stars_stale: str
    spark: Markup
    licence: str
    last_commit: str
    flags: list[str]
    notice: str
    moved_to: str | None
    health: str
    health_rank: int
    marks: str
    statuses: str


def sparkline_svg(points: Sequence[tuple[date, int]]) -> Markup:
    """An inline SVG line of *points* (x by day, y by stars); empty markup for fewer than two."""
    if len(points) < 2:
        return Markup("")
    first_day, last_day = points[0][0], points[-1][0]
    span_days = max((last_day - first_day).days, 1)
    low, high = min(v for _, v in points), max(v for _, v in points)
    coords = []
    for day, value in points:
        x = _PAD + (day - first_day).days / span_days * (_SPARK_W - 2 * _PAD)
        y = _SPARK_H / 2 if high == low else _SPARK_H - _PAD - (value - low) / (high - low) * (_SPARK_H - 2 * _PAD)
        coords.append((x, y))
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    last_x, last_y = coords[-1]
    label = f"Stars: {points[0][1]:,} on {first_day.isoformat()}, {points[-1][1]:,} on {last_day.isoformat()}"
    return Markup(
        f'<svg class="spark" viewBox="0 0 {_SPARK_W} {_SPARK_H}" width="{_SPARK_W}" height="{_SPARK_H}" '
        f'role="img" aria-label="{escape(label)}"><title>{escape(label)}</title>'
        f'<polyline points="{path}" fill="none" stroke="currentColor" stroke-width="1.5" '
        f'stroke-linejoin="round" stroke-linecap="round"/>'
        f'<circle cx="{last_x:.1f}" cy="{last_y:.1f}" r="2" fill="currentColor"/></svg>'
    )


def _short(url: str) -> str:
    return url.split("://", 1)[-1].rstrip("/")


def _hf_badges(link: LinkRecord) -> list[str]:
    hf = link.huggingface
    if hf is None:
        return []
    badges = []
    if hf.downloads is not None:
        badges.append(f"↓ {hf.downloads:,} downloads")
    if hf.likes is not None:
        badges.append(f"♥ {hf.likes:,}")
    if hf.gated:
        badges.append(f"gated ({hf.gated})")
    if hf.disabled:
        badges.append("disabled")
    if licence := hf_licence(hf):
        badges.append(f"licence {licence}")
    return [one_line(b) for b in badges]


def _gone(link: LinkRecord, confirm_after: int) -> str:
    """What a broken link reads: "gone" once confirmed (as broken-links.md and the leaderboard say), else
    that it is failing for the first time, so one flaky night does not read as a dead link."""
    if link.result.status is not LinkStatus.BROKEN:
        return ""
    if link.consecutive_failures >= confirm_after or link.failing_since is None:
        return "gone"
    return f"failing since {link.failing_since.isoformat()}, not yet confirmed"


def _link_view(link: LinkRecord, now: datetime, confirm_after: int = 2) -> LinkView:
    result = link.result
    parts = [f"{result.status.value}: {one_line(result.reason)}"]
    if result.cause:
        parts.append(result.cause)
    if result.http_status is not None:
        parts.append(f"HTTP {result.http_status}")
    if result.final_url:
        parts.append(f"now at {result.final_url}")
    if link.failing_since is not None:
        parts.append(f"failing since {link.failing_since.isoformat()} ({link.consecutive_failures} runs)")
    label = f"{link.label} " if link.label else ""
    note = ""
    if is_unverifiable(result):
        note = UNVERIFIABLE_TEXT
    elif is_refused(result):
        note = one_line(result.reason)
    copy = link.archive if result.status is LinkStatus.BROKEN else None
    # Activity (inactive, dormant) is the entry's, shown once under Last commit, not on every link of the repo.
    flags = [flag for flag in github_flags(link.github, now) if flag not in ("inactive", "dormant")]
    return LinkView(
        href=http_url(link.url),
        text=one_line(label + _short(link.url)),
        kind=link.kind.value,
        status=result.status.value,
        title=one_line(" · ".join(parts)),
        note=note,
        archive_href=http_url(copy.url) if copy is not None else None,
        archive_text=archive_text(copy),
        badges=[*_hf_badges(link), *flags],
        stale=stale_text(link),
        gone=_gone(link, confirm_after),
    )


def _corpus_view(link: LinkRecord) -> CorpusView:
    c = corpus(link)
    access_title = ACCESS_TEXT[Access(c.access)] if c.access else "the host does not say"
    size_title = f"{c.size_bytes:,} bytes" if c.size_bytes is not None else ""
    if c.file_count is not None and size_title:
        size_title += f" in {c.file_count:,} file{'s' if c.file_count != 1 else ''}"
    return CorpusView(
        href=http_url(link.url),
        text=one_line((f"{link.label} " if link.label else "") + _short(link.url)),
        mark=c.mark,
        availability=c.availability,
        access=c.access,
        access_title=access_title,
        licence=one_line(c.licence),
        size=c.size,
        size_title=size_title,
        downloads=f"↓ {c.downloads:,}" if c.downloads is not None else "",
        newer=one_line(c.newer_version),
        stale=c.stale,
        archive_href=http_url(link.archive.url) if link.archive and link.result.status is LinkStatus.BROKEN else None,
        archive_text=archive_text(link.archive) if link.result.status is LinkStatus.BROKEN else "",
    )


def _hub(entry: EntryRecord) -> HubView:
    seen: set[str] = set()
    total: int | None = None
    lines = []
    for link in entry.links:
        hf = link.huggingface
        if hf is None or hf.id in seen:
            continue
        seen.add(hf.id)
        if hf.downloads is not None:
            total = (total or 0) + hf.downloads
        parts = [hf.id]
        if hf.downloads is not None:
            parts.append(f"↓ {hf.downloads:,}")
        if hf.likes is not None:
            parts.append(f"♥ {hf.likes:,}")
        if hf.gated:
            parts.append("gated")
        if licence := hf_licence(hf):
            parts.append(licence)
        if hf.stale:
            parts.append(f"stale, as of {day_text(hf.fetched_at)}")
        lines.append(one_line(" · ".join(parts)))
    return HubView(downloads=total, lines=lines)


def _row(
    entry: EntryRecord, series: dict[str, list[tuple[date, int]]], now: datetime, confirm_after: int = 2
) -> RowView:
    gh = primary_github(entry)
    worst = worst_status(entry)
    data = data_links(entry)
    corpus_views = [_corpus_view(link) for link in data]
    access = sorted({v.access or "unknown" for v in corpus_views})
    licences = sorted({v.licence for v in corpus_views if v.licence})
    return RowView(
        id=entry.id,
        name=one_line(_MD_LINK.sub(r"\1", entry.name)),
        description=one_line(entry.description),
        about=one_line(gh.description) if gh is not None else "",
        topics=[one_line(t) for t in gh.topics] if gh is not None else [],
        training_data=one_line(entry.training_data),
        links=[_link_view(link, now, confirm_after) for link in entry.links],
        corpus=corpus_views,
        access=" ".join(access),
        licences="|".join(licences),
        hub=_hub(entry),
        stars=gh.stars if gh is not None else None,
        stars_stale=f"stale, as of {day_text(gh.fetched_at)}" if gh is not None and gh.stale else "",
        spark=sparkline_svg(series.get(gh.full_name.lower(), [])) if gh is not None else Markup(""),
        licence=one_line(licence_text(entry)),
        last_commit=day_text(last_commit(entry)),
        flags=github_flags(gh, now),
        notice=one_line(gh.notice) if gh is not None and gh.notice else "",
        moved_to=http_url(gh.moved_to) if gh is not None else None,
        health=worst.value if worst is not None else "none",
        health_rank=SEVERITY[worst] if worst is not None else len(SEVERITY),
        marks=health_marks(entry),
        statuses=" ".join(sorted({link.result.status.value for link in entry.links})),
    )


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("crawler.render", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def licence_options(licences: Iterable[str]) -> list[str]:
    """The licence filter's options: each once, case-insensitive order, ``Apache-2.0`` before ``apache-2.0``.

    The tie-break keeps the page byte-identical from run to run (a set's order changes with the hash seed).
    """
    return sorted(set(licences), key=lambda value: (value.lower(), value))


def render_index_html(snapshot: Snapshot, history: Sequence[Snapshot] = (), *, confirm_after: int = 2) -> str:
    """The page for *snapshot*; *history* (older snapshots, any order) feeds the sparklines; a broken link
    reads "gone" after *confirm_after* failing runs in a row."""
    series = star_series([*history, snapshot])
    title = (snapshot.source.title if snapshot.source and snapshot.source.title else None) or DEFAULT_TITLE
    counts = link_counts(snapshot)
    rows = [_row(entry, series, snapshot.generated_at, confirm_after) for entry in snapshot.entries]
    present = {a for row in rows for a in row.access.split()}
    notes = []
    if counts.unverifiable:
        notes.append(
            f"{UNVERIFIABLE_MARK} {len(counts.unverifiable)} link{'s' if len(counts.unverifiable) != 1 else ''} "
            f"on hosts that show the same page for any id without a login: {UNVERIFIABLE_TEXT}."
        )
    if counts.refused:
        notes.append(
            f"{len(counts.refused)} link{'s' if len(counts.refused) != 1 else ''} not checked: the address guard "
            "refused private, loopback or cloud-metadata addresses (run --allow-private to check them)."
        )
    return (
        _environment()
        .get_template("index.html.j2")
        .render(
            title=one_line(title),
            stamp=utc_stamp(snapshot.generated_at),
            registry_path=snapshot.registry_path,
            tool_version=snapshot.tool_version,
            summary=[(status.value, counts.count(status), HEALTH_MARKS[status]) for status in LinkStatus],
            total=counts.total,
            notes=notes,
            statuses=[status.value for status in LinkStatus],
            unverifiable_text=UNVERIFIABLE_TEXT,
            access_values=[(a.value, ACCESS_TEXT[a]) for a in Access if a.value in present],
            licence_values=licence_options(lic for row in rows for lic in row.licences.split("|") if lic),
            rows=rows,
        )
    )
