"""The domain model: registry entries, links, link results, metadata and snapshots.

Every other module speaks in these types; nothing passes untyped dict bags around.
Registry-side models reject unknown keys (a typo in ``registry.yaml`` is an error,
not a silently ignored field). Snapshot-side models are what ``reports/*.json``
holds; their JSON Schema is generated from here (``crawler.snapshot.json_schema``).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from crawler.status import Access, LinkStatus  # their own module: needed before pydantic (status.py)

__all__ = [
    "Access",
    "ArchiveCopy",
    "CrawlConfig",
    "Entry",
    "EntryRecord",
    "GitHubMeta",
    "HostConfig",
    "HuggingFaceMeta",
    "Link",
    "LinkKind",
    "LinkMeta",
    "Metadata",
    "LinkRecord",
    "LinkResult",
    "LinkStatus",
    "Outcome",
    "Registry",
    "Snapshot",
    "SourceInfo",
    "carried_over",
]

SCHEMA_VERSION = 1
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class _Strict(BaseModel):
    # Schemas are built on first use: `check` uses 3 of the ~20 models, and building them all cost
    # ~30 ms of its start-up (benchmarks/README.md).
    model_config = ConfigDict(extra="forbid", frozen=False, defer_build=True)


# --------------------------------------------------------------------------- registry


class LinkKind(StrEnum):
    """What a link points at. Closed set: an unknown kind is a validation error."""

    REPOSITORY = "repository"  # source code (GitHub, GitLab ...)
    DATASET = "dataset"  # a dataset's landing page (Hugging Face, Tianchi ...)
    DATA = "data"  # a file or folder of training data inside a repository
    MODEL = "model"  # model weights (Hugging Face model repo ...)
    BLOG = "blog"
    PAPER = "paper"
    HOMEPAGE = "homepage"
    DOCS = "docs"
    REFERENCE = "reference"  # cited inside a description, not a column of its own

    @property
    def is_data(self) -> bool:
        """True for kinds the leaderboard lists under its data-download column."""
        return self in (LinkKind.DATASET, LinkKind.DATA)


def check_http_url(value: str) -> str:
    """Return *value* if it is an absolute http(s) URL with a host, else raise ValueError."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or not parts.hostname:
        raise ValueError(f"not an absolute http(s) URL: {value!r}")
    if any(c.isspace() for c in value):
        raise ValueError(f"URL contains whitespace: {value!r}")
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number in 0-65535
    except ValueError:
        raise ValueError(f"invalid port in URL: {value!r}") from None
    return value


class Link(_Strict):
    """A URL cited by a registry entry."""

    url: str
    kind: LinkKind
    label: str | None = Field(default=None, description="Text the source writes next to the URL.")
    note: str | None = Field(default=None, description="Why this link is odd, e.g. it belongs to another project.")
    archived: str | None = Field(
        default=None,
        description="An archived copy of a link that is gone, accepted by the maintainer "
        "(`python -m crawler fix --accept-archived URL`); `url` stays as cited.",
    )
    column: str | None = Field(
        default=None, description="The source table's header this link was found under (imported lists)."
    )

    @field_validator("url", "archived")
    @classmethod
    def _absolute_http(cls, v: str | None) -> str | None:
        return None if v is None else check_http_url(v)


class Entry(_Strict):
    """One row of the leaderboard: a model and the data it was trained on."""

    id: str = Field(description="Stable slug, unique in the registry.")
    name: str = Field(description="The name as the source writes it (Chinese kept).")
    description: str | None = None
    base_model: str | None = None
    training_data: str | None = Field(default=None, description="The source's training-data text, kept as written.")
    links: list[Link] = Field(default_factory=list)
    aliases: list[str] = Field(default_factory=list)
    duplicate_of: str | None = Field(default=None, description="Id of the entry this row repeats.")
    notes: str | None = None
    category: str | None = Field(default=None, description="The heading the source lists this entry under.")
    extra: dict[str, str] = Field(
        default_factory=dict, description="The source's other columns, header -> cell text (nothing is dropped)."
    )

    @field_validator("id")
    @classmethod
    def _slug(cls, v: str) -> str:
        if not _SLUG.match(v):
            raise ValueError(f"id must be a lowercase slug (a-z, 0-9, single dashes): {v!r}")
        return v


# Any three-digit status: hosts answer outside 1xx-5xx (LinkedIn's 999 bot wall) and users accept them.
HttpStatus = Annotated[int, Field(ge=100, le=999)]
# Seconds of server-asked waiting (429/503 + Retry-After) one host may cost a run (host.py).
WaitBudget = Annotated[float, Field(ge=0, le=86400, allow_inf_nan=False)]


class _StrictConfig(_Strict):
    # Configuration is typed by hand: "8" or true where a number belongs is a mistake to report.
    model_config = ConfigDict(extra="forbid", strict=True)


class HostConfig(_StrictConfig):
    """Per-host politeness and acceptance overrides."""

    concurrency: int | None = Field(default=None, ge=1)
    min_interval_ms: int | None = Field(default=None, ge=0)
    accept: list[HttpStatus] = Field(default_factory=list, description="Extra HTTP statuses counted as ok.")
    max_wait: WaitBudget | None = Field(default=None, description="Seconds of Retry-After waiting this host may cost.")


class CrawlConfig(_StrictConfig):
    """Crawl settings kept with the data (registry ``config:`` or ``[tool.crawler]``)."""

    exclude: list[str] = Field(default_factory=list, description="Regular expressions; matching URLs are skipped.")
    accept: list[HttpStatus] = Field(default_factory=list, description="Extra HTTP statuses counted as ok everywhere.")
    hosts: dict[str, HostConfig] = Field(default_factory=dict)
    concurrency: int | None = Field(default=None, ge=1)
    host_concurrency: int | None = Field(default=None, ge=1)
    timeout: float | None = Field(default=None, gt=0, le=3600, allow_inf_nan=False)
    max_wait: WaitBudget | None = Field(
        default=None, description="Seconds of Retry-After waiting one host may cost (default 120); then unverified."
    )

    @field_validator("exclude")
    @classmethod
    def _regexes(cls, v: list[str]) -> list[str]:
        for pattern in v:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from None
        return v


class SourceInfo(_Strict):
    """Where the registry came from, kept so the leaderboard can be regenerated in its own format."""

    title: str | None = None
    file: str | None = None
    front_matter: str | None = Field(default=None, description="The source's front matter, verbatim.")
    columns: list[str] = Field(default_factory=list, description="The source table's headers.")
    roles: dict[str, str] = Field(
        default_factory=dict,
        description="Header -> role (name, description, code, model, data, training, paper, date, license, link,"
        " category) as import chose it; headers without a role are kept in each entry's extra.",
    )


class Registry(_Strict):
    version: Literal[1] = 1
    source: SourceInfo | None = None
    config: CrawlConfig = Field(default_factory=CrawlConfig)
    entries: list[Entry]

    def unique_urls(self) -> list[str]:
        """Every URL cited, once, in first-cited order."""
        return list(dict.fromkeys(link.url for e in self.entries for link in e.links))


# --------------------------------------------------------------------------- results


class LinkResult(_Strict):
    """What checking one URL found: the one verdict type of the whole tool.

    ``status`` is the closed contract; ``cause`` is the machine-readable why beside the human
    ``reason`` (a lowercase slug: ``http-404``, ``timeout``, ``dns``, ``tls``, ``rate-limited``,
    ``soft-404``, ``anti-bot``, ``removed``, ``unverifiable-host``, ...; the list is in the README).
    """

    url: str
    status: LinkStatus
    http_status: int | None = None
    final_url: str | None = None
    reason: str = Field(description="One readable sentence.")
    cause: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
        description="Machine-readable cause of the status, e.g. http-404, timeout, rate-limited, soft-404.",
    )
    checked_at: datetime
    duration_ms: int = 0


class GitHubMeta(_Strict):
    full_name: str
    stars: int
    forks: int
    open_issues: int | None = None
    license: str | None = Field(default=None, description="SPDX id as GitHub gives it; NOASSERTION kept.")
    last_commit: datetime | None = Field(default=None, description="Newest commit on the default branch.")
    pushed_at: datetime | None = None
    created_at: datetime | None = None
    archived: bool = False
    disabled: bool = Field(default=False, description="GitHub disabled the repository (its contents cannot be had).")
    locked: bool = False
    empty: bool = Field(default=False, description="The repository has no commits.")
    notice: str | None = Field(default=None, description="README sentence saying the project moved or is deprecated.")
    moved_to: str | None = Field(default=None, description="The URL that README sentence names, if any.")
    fork: bool = False
    default_branch: str | None = None
    description: str | None = None
    topics: list[str] = Field(default_factory=list)
    homepage: str | None = None
    fetched_at: datetime
    stale: bool = Field(default=False, description="Carried over from an earlier snapshot; not refreshed this run.")


class HuggingFaceMeta(_Strict):
    id: str
    repo_type: Literal["model", "dataset", "space"]
    downloads: int | None = None
    likes: int | None = None
    license: str | list[str] | None = None
    last_modified: datetime | None = None
    created_at: datetime | None = None
    gated: Literal[False, "auto", "manual"] = False
    private: bool = False
    disabled: bool = False
    fetched_at: datetime
    stale: bool = False


class LinkMeta(_Strict):
    """What a host adapter learned about a link's target: one shape whatever the host.

    Every field but ``source``, ``access`` and ``fetched_at`` is optional: a host fills what it tells.
    Host-specific detail stays in ``GitHubMeta`` / ``HuggingFaceMeta``; this is what reports compare.
    """

    source: str = Field(description="The adapter that answered: github, huggingface, zenodo, physionet, ...")
    title: str | None = None
    access: Access = Access.UNKNOWN
    license: str | None = Field(default=None, description="SPDX id where one exists, else the host's licence string.")
    size_bytes: int | None = Field(default=None, ge=0)
    file_count: int | None = Field(default=None, ge=0)
    updated_at: datetime | None = None
    downloads: int | None = Field(default=None, ge=0, description="The host's headline count (HF: last 30 days).")
    downloads_all_time: int | None = Field(default=None, ge=0)
    likes: int | None = Field(default=None, ge=0)
    doi: str | None = None
    version: str | None = Field(default=None, description="The version the link points at, where the host versions.")
    latest_version: str | None = Field(default=None, description="The newest version the host knows.")
    newer_version: bool | None = Field(default=None, description="True when a newer version than the linked one exists.")
    fetched_at: datetime
    stale: bool = Field(default=False, description="Carried over from an earlier snapshot; not refreshed this run.")


class ArchiveCopy(_Strict):
    """A surviving copy of a link's target in a public archive."""

    url: str
    source: Literal["wayback", "software-heritage"]
    captured_at: datetime | None = None


MetaT = TypeVar("MetaT", GitHubMeta, HuggingFaceMeta, LinkMeta)


def carried_over(meta: MetaT | None) -> MetaT | None:
    """*meta* from an earlier snapshot, kept for this one and marked ``stale`` (not refreshed this run)."""
    return None if meta is None else meta.model_copy(update={"stale": True})


class Metadata(_Strict):
    """Everything known about one URL besides its verdict (shared by ``Outcome`` and ``LinkRecord``)."""

    github: GitHubMeta | None = None
    huggingface: HuggingFaceMeta | None = None
    meta: LinkMeta | None = Field(default=None, description="Access, licence, size ...: the same shape on every host.")
    archive: ArchiveCopy | None = Field(default=None, description="A surviving archived copy (broken links).")

    def carried(self) -> Metadata:
        """This metadata marked stale, for a URL not refreshed this run (the archive copy is kept as is)."""
        return Metadata(
            github=carried_over(self.github),
            huggingface=carried_over(self.huggingface),
            meta=carried_over(self.meta),
            archive=self.archive,
        )


class Outcome(Metadata):
    """Everything one run learned about one URL: its result and any metadata."""

    result: LinkResult


# --------------------------------------------------------------------------- snapshot


class LinkRecord(Link):
    """A registry link as it stands in a snapshot: result, metadata and history."""

    result: LinkResult
    github: GitHubMeta | None = None
    huggingface: HuggingFaceMeta | None = None
    meta: LinkMeta | None = None
    archive: ArchiveCopy | None = None
    consecutive_failures: int = Field(default=0, description="Runs in a row this link was not ok; 1 on the first.")
    failing_since: date | None = None


class EntryRecord(Entry):
    links: list[LinkRecord] = Field(default_factory=list)  # type: ignore[assignment]


class Snapshot(_Strict):
    schema_version: int = SCHEMA_VERSION
    generated_at: datetime
    tool_version: str
    registry_path: str
    registry_sha256: str
    source: SourceInfo | None = Field(
        default=None, description="The registry's source (front matter, headers), to re-render the leaderboard."
    )
    summary: dict[LinkStatus, int]
    entries: list[EntryRecord]

    def links(self) -> list[tuple[EntryRecord, LinkRecord]]:
        return [(e, link) for e in self.entries for link in e.links]
