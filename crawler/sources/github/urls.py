"""GitHub URLs and what a lookup found about them. Pure: no I/O.

``parse_github_url`` turns a github.com link into a :class:`GitHubRef`. :class:`RepoLookup`
is what the GraphQL or REST lookup learned about one repository, and :func:`outcome_for`
turns the pair into the link's :class:`~crawler.models.Outcome`.

Refs with slashes are ambiguous in a URL: ``/tree/feature/x/data`` is ref ``feature``
and path ``x/data``, or ref ``feature/x`` and path ``data``. GitHub itself resolves this
against the repository's branches. We take the shortest ref (``feature``) as ``ref``/``path``
and list every split in :meth:`GitHubRef.candidates`; GraphQL checks all of them in the
same query (they cost nothing extra), REST tries them in order while the first ones miss.
A link counts as ok when any split names an existing path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Literal
from urllib.parse import quote, unquote, urlsplit

from crawler.status import Access, LinkStatus

if TYPE_CHECKING:  # imported where built: `import crawler.sources` stays pydantic-free (sources/__init__.py)
    from crawler.models import GitHubMeta, LinkMeta, LinkResult, Outcome

__all__ = [
    "GitHubRef",
    "PathState",
    "RepoLookup",
    "link_meta",
    "outcome_for",
    "parse_github_url",
]

GITHUB_HOSTS = frozenset({"github.com", "www.github.com"})

# First path segments of github.com pages that are not owner names.
_RESERVED_OWNERS = frozenset(
    """
    about account apps blog codespaces collections contact customer-stories dashboard enterprise
    events explore features gist gists github-copilot issues join login logout marketplace new
    nonprofit notifications orgs organizations pricing pulls readme search security sessions settings
    site sponsors stars team topics trending users watching
    """.split()
)
_OWNER = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")
_REPO = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
# Splits of a ref/path tail checked at most (a ref rarely has more than three slashes).
_MAX_CANDIDATES = 4


@dataclass(frozen=True)
class GitHubRef:
    """A repository link, optionally into a tree or blob at a ref."""

    owner: str
    repo: str
    kind: Literal["tree", "blob"] | None = None
    ref: str | None = None
    path: str | None = None
    tail: tuple[str, ...] = field(default=(), repr=False, compare=False)
    host: str = field(default="github.com", repr=False, compare=False)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.repo}"

    @property
    def key(self) -> str:
        """Lookup key: GitHub owner and repository names are case-insensitive."""
        return self.full_name.lower()

    def candidates(self) -> list[tuple[str, str]]:
        """Every (ref, path) reading of the link, shortest ref first; [] for a repository link."""
        if self.kind is None or not self.tail:
            return []
        splits = [
            ("/".join(self.tail[:i]), "/".join(self.tail[i:])) for i in range(1, len(self.tail) + 1)
        ]
        return splits[:_MAX_CANDIDATES]

    def page_url(self, full_name: str | None = None) -> str:
        """The canonical https page of this link, under *full_name* if the repository moved."""
        url = f"https://{self.host}/{full_name or self.full_name}"
        if self.kind and self.tail:
            url += f"/{self.kind}/" + "/".join(quote(part, safe="") for part in self.tail)
        return url


def parse_github_url(url: str, hosts: frozenset[str] = GITHUB_HOSTS) -> GitHubRef | None:
    """Parse a github.com repository, tree or blob URL; None for anything else.

    Accepts ``http``/``https``, ``www.``, a ``.git`` suffix, trailing slashes, query strings
    and fragments; *hosts* may add a GitHub Enterprise web host. Owner pages, gists,
    ``/orgs/...`` and repository sub-pages other than ``tree``/``blob`` (issues, releases,
    wiki ...) are not repository links: None, so the link checker handles them.
    """
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    hostname = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or hostname not in hosts:
        return None
    host = "github.com" if hostname in GITHUB_HOSTS else hostname
    segments = [unquote(s) for s in parts.path.split("/") if s]
    if len(segments) < 2:
        return None
    owner, repo = segments[0], segments[1]
    if repo.lower().endswith(".git"):
        repo = repo[:-4]
    if owner.lower() in _RESERVED_OWNERS or not _OWNER.match(owner):
        return None
    if not _REPO.match(repo) or repo in (".", ".."):
        return None
    rest = segments[2:]
    if not rest:
        return GitHubRef(owner, repo, host=host)
    if rest[0] not in ("tree", "blob"):
        return None
    if len(rest) == 1:  # github.com/o/r/tree: GitHub shows the repository
        return GitHubRef(owner, repo, host=host)
    tail = tuple(rest[1:])
    path = "/".join(tail[1:]) or None
    return GitHubRef(owner, repo, rest[0], tail[0], path, tail=tail, host=host)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- lookups


@dataclass
class PathState:
    """What the API said about one (ref, path) reading; None means not asked.

    ``size_bytes``: a file's size, or the total of a directory's direct files; ``file_count``:
    1 for a file, the number of a directory's direct files (subdirectories not counted).
    """

    ref_exists: bool | None = None
    path_exists: bool | None = None
    size_bytes: int | None = None
    file_count: int | None = None


@dataclass
class RepoLookup:
    """What one GraphQL alias or one REST sequence learned about a repository.

    ``cause`` says why a ``blocked`` repository is blocked (``dmca``, ``tos-blocked``,
    ``legal-block``); ``size_bytes`` is the repository's size on disk; ``private`` is True for a
    repository only the token's owner can see.
    """

    key: str
    state: Literal["found", "missing", "blocked"]
    meta: GitHubMeta | None = None
    paths: dict[tuple[str, str], PathState] = field(default_factory=dict)
    cause: str | None = None
    size_bytes: int | None = None
    private: bool = False


def _result(url: str, status: LinkStatus, reason: str, at: datetime, **kw: object) -> LinkResult:
    from crawler.models import LinkResult

    return LinkResult(url=url, status=status, reason=reason, checked_at=at, **kw)  # type: ignore[arg-type]


_BLOCKED = {
    "dmca": ("GitHub API: repository blocked after a DMCA takedown notice", 451),
    "tos-blocked": ("GitHub API: repository access blocked by GitHub (terms of service)", 403),
    "legal-block": ("GitHub API: repository blocked for legal reasons", 451),
}


def link_meta(ref: GitHubRef, lookup: RepoLookup, at: datetime) -> LinkMeta | None:
    """The uniform :class:`LinkMeta` of *ref*: repository size for a repository link, the path's own for a path."""
    from crawler.models import LinkMeta

    meta = lookup.meta
    if meta is None:
        return None
    size, count = lookup.size_bytes, None
    # ``/tree/REF`` with no path is the whole repository at REF: it keeps the repository's size.
    if ref.kind is not None and len(ref.tail) > 1:
        size = None
        for reading in ref.candidates():
            state = lookup.paths.get(reading)
            if state is not None and state.path_exists:
                size, count = state.size_bytes, state.file_count
                break
    license_ = meta.license if meta.license not in (None, "NOASSERTION") else None
    return LinkMeta(
        source="github",
        title=meta.full_name,
        access=Access.RESTRICTED if lookup.private else Access.OPEN,
        license=license_ or ("other" if meta.license == "NOASSERTION" else None),
        size_bytes=size,
        file_count=count,
        updated_at=meta.last_commit or meta.pushed_at,
        fetched_at=at,
    )


def outcome_for(url: str, ref: GitHubRef, lookup: RepoLookup, at: datetime) -> Outcome | None:
    """The link's outcome from its repository's lookup; None when the API cannot decide it.

    None happens for a tree/blob link whose ref the API does not know (GitHub's pages
    redirect renamed branches such as master -> main, the API does not) and when the
    path was not asked (REST budget ran out): the link checker then fetches the page.
    A repository GitHub disabled is broken (cause ``disabled``); archived, locked and empty
    ones stay ok, flagged in :class:`GitHubMeta`.
    """
    from crawler.models import Outcome

    if lookup.state == "missing":
        reason = "GitHub API: repository not found"
        return Outcome(result=_result(url, LinkStatus.BROKEN, reason, at, http_status=404, cause="not-found"))
    if lookup.state == "blocked":
        cause = lookup.cause or "legal-block"
        reason, http = _BLOCKED.get(cause, _BLOCKED["legal-block"])
        return Outcome(result=_result(url, LinkStatus.BROKEN, reason, at, http_status=http, cause=cause))
    meta = lookup.meta
    assert meta is not None
    info = link_meta(ref, lookup, at)
    moved = meta.full_name.lower() != ref.key
    final_url = ref.page_url(meta.full_name) if moved else None
    if meta.disabled:
        reason = "GitHub API: repository disabled by GitHub; its contents cannot be had"
        result = _result(url, LinkStatus.BROKEN, reason, at, http_status=403, final_url=final_url, cause="disabled")
        return Outcome(result=result, github=meta, meta=info)
    if ref.kind is None or not ref.candidates():
        what = "repository exists"
    else:
        found, broken_reason = _path_verdict(ref, lookup)
        if found is None:
            return None
        if not found:
            result = _result(
                url, LinkStatus.BROKEN, broken_reason, at, http_status=404, final_url=final_url, cause="not-found"
            )
            return Outcome(result=result, github=meta, meta=info)
        what = f"{ref.kind} exists"
    if moved:
        reason = f"GitHub API: repository moved to {meta.full_name}; {what}"
        result = _result(url, LinkStatus.REDIRECTED, reason, at, http_status=301, final_url=final_url, cause="moved")
    else:
        result = _result(url, LinkStatus.OK, f"GitHub API: {what}", at, http_status=200)
    return Outcome(result=result, github=meta, meta=info)


def _path_verdict(ref: GitHubRef, lookup: RepoLookup) -> tuple[bool | None, str]:
    """(True, "") when a reading exists, (False, reason) when it surely does not, (None, "") otherwise.

    Git refs cannot nest (branches "main" and "main/x" cannot both exist), so once a
    reading's ref exists, the readings with longer refs need not be known.
    """
    states = [(c, lookup.paths.get(c)) for c in ref.candidates()]
    if any(s is not None and s.path_exists for _, s in states):
        return True, ""
    for (ref_name, path), state in states:
        if state is not None and state.ref_exists and state.path_exists is False:
            return False, f"GitHub API: path '{path}' not found at ref '{ref_name}'"
    return None, ""
