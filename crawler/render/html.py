"""``index.html``: one self-contained page over a snapshot, for people who just want to look.

Everything is inline (CSS, JS, SVG) and the page declares a Content-Security-Policy that
allows no network at all, so it works from ``file://`` and cannot phone home even if a
fetched string tried. Jinja2 autoescaping covers every fetched string; ``href`` values are
only ever http(s) URLs. Star-history sparklines are SVG drawn here from the dated snapshots.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache

import jinja2
from markupsafe import Markup, escape

from crawler.history import star_series
from crawler.models import EntryRecord, LinkRecord, LinkStatus, Snapshot
from crawler.render.columns import (
    HEALTH_MARKS,
    SEVERITY,
    day_text,
    health_marks,
    last_commit,
    licence_text,
    primary_github,
    worst_status,
)
from crawler.render.escape import http_url, one_line
from crawler.render.leaderboard import DEFAULT_TITLE
from crawler.render.plain import utc_stamp

__all__ = ["render_index_html", "sparkline_svg"]

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


@dataclass(frozen=True)
class RowView:
    id: str
    name: str
    description: str
    about: str
    topics: list[str]
    training_data: str
    links: list[LinkView]
    stars: int | None
    spark: Markup
    licence: str
    last_commit: str
    archived: bool
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


def _link_view(link: LinkRecord) -> LinkView:
    result = link.result
    parts = [f"{result.status.value}: {one_line(result.reason)}"]
    if result.http_status is not None:
        parts.append(f"HTTP {result.http_status}")
    if result.final_url:
        parts.append(f"now at {result.final_url}")
    if link.failing_since is not None:
        parts.append(f"failing since {link.failing_since.isoformat()} ({link.consecutive_failures} runs)")
    text = link.url.split("://", 1)[-1].rstrip("/")
    label = f"{link.label} " if link.label else ""
    return LinkView(
        href=http_url(link.url),
        text=one_line(label + text),
        kind=link.kind.value,
        status=result.status.value,
        title=one_line(" · ".join(parts)),
    )


def _row(entry: EntryRecord, series: dict[str, list[tuple[date, int]]]) -> RowView:
    gh = primary_github(entry)
    worst = worst_status(entry)
    return RowView(
        id=entry.id,
        name=one_line(_MD_LINK.sub(r"\1", entry.name)),
        description=one_line(entry.description),
        about=one_line(gh.description) if gh is not None else "",
        topics=[one_line(t) for t in gh.topics] if gh is not None else [],
        training_data=one_line(entry.training_data),
        links=[_link_view(link) for link in entry.links],
        stars=gh.stars if gh is not None else None,
        spark=sparkline_svg(series.get(gh.full_name.lower(), [])) if gh is not None else Markup(""),
        licence=one_line(licence_text(entry)),
        last_commit=day_text(last_commit(entry)),
        archived=bool(gh is not None and gh.archived),
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


def render_index_html(snapshot: Snapshot, history: Sequence[Snapshot] = ()) -> str:
    """The page for *snapshot*; *history* (older snapshots, any order) feeds the sparklines."""
    series = star_series([*history, snapshot])
    title = (snapshot.source.title if snapshot.source and snapshot.source.title else None) or DEFAULT_TITLE
    return _environment().get_template("index.html.j2").render(
        title=one_line(title),
        stamp=utc_stamp(snapshot.generated_at),
        registry_path=snapshot.registry_path,
        tool_version=snapshot.tool_version,
        summary=[(status.value, snapshot.summary.get(status, 0), HEALTH_MARKS[status]) for status in LinkStatus],
        total=sum(snapshot.summary.values()),
        statuses=[status.value for status in LinkStatus],
        rows=[_row(entry, series) for entry in snapshot.entries],
    )
