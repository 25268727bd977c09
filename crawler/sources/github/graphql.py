"""GitHub GraphQL lookups (with a token): one query per batch of about 50 repositories.

Each repository is an alias ``r<i>: repository(owner: "...", name: "...")`` (GitHub follows
renames by default, so ``nameWithOwner`` tells a moved repository). Path checks ride in
the same alias as ``p<j>: object(expression: "<ref>:<path>")`` and the ref itself as
``f<j>: object(expression: "<ref>")``: both are null when absent, so a missing path and a
missing ref (a renamed branch, which GitHub's pages redirect) are told apart.

Errors arrive in a 200 (docs.github.com "Rate limits and query limits for the GraphQL
API"; github/docs#22607): ``{"type": "NOT_FOUND", "path": ["r3"]}`` for a missing
repository; ``"type": "RATE_LIMITED"`` (some answers say ``RATE_LIMIT``) for a spent
budget; a "secondary rate limit" message (200 or 403) is waited out and retried.

``open_issues`` is open issues plus open pull requests, the number REST reports as
``open_issues_count``, so a run with a token and one without agree.

Health and size ride in the same alias, at no extra request (docs.github.com GraphQL reference,
objects "Repository", "Tree", "TreeEntry", "Blob"): ``isDisabled``, ``isLocked``, ``isEmpty``,
``isPrivate``, ``diskUsage`` (kilobytes, stored as bytes); each path check asks
``... on Blob { byteSize }`` (a file's size) and ``... on Tree { entries { type object { ... on
Blob { byteSize } } } }`` (a directory's direct files, counted and summed); and
``m<j>: object(expression: "HEAD:README.md") { ... on Blob { text } }`` for README.md,
readme.md, README.rst and README, scanned by :func:`crawler.sources.github.health.readme_notice`.
A blocked repository's error names no reason ("Repository access blocked"): the adapter asks
REST once for its ``block.reason`` (see :mod:`.rest`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import httpx

from crawler.settings import Secret
from crawler.sources.errors import ApiUnavailable, BadToken, BudgetExhausted, RetryableError
from crawler.sources.github.health import readme_notice
from crawler.sources.github.rest import SECONDARY_DEFAULT_WAIT, ApiState, api_headers, retry_after, send
from crawler.sources.github.urls import GitHubRef, PathState, RepoLookup

if TYPE_CHECKING:  # imported where built: `import crawler.sources` stays pydantic-free (sources/__init__.py)
    from crawler.models import GitHubMeta

__all__ = ["BATCH_SIZE", "Batch", "build_query", "lookup_batch", "meta_from_graphql"]

log = logging.getLogger(__name__)

BATCH_SIZE = 50

_REPO_FIELDS = """
    nameWithOwner stargazerCount forkCount
    issues(states: OPEN) { totalCount }
    pullRequests(states: OPEN) { totalCount }
    licenseInfo { spdxId }
    pushedAt createdAt isArchived isFork description homepageUrl
    isDisabled isLocked isEmpty isPrivate diskUsage
    repositoryTopics(first: 20) { nodes { topic { name } } }
    defaultBranchRef { name target { ... on Commit { committedDate } } }"""

_RATE_LIMIT_TYPES = frozenset({"RATE_LIMITED", "RATE_LIMIT"})
# A path's size rides in its existence check: a blob's bytes, a tree's direct entries.
_PATH_FIELDS = (
    "{ __typename ... on Blob { byteSize } ... on Tree { entries { type object { ... on Blob { byteSize } } } } }"
)
# GitHub shows the first README it finds; these are the names medical-corpus repositories use.
README_NAMES = ("README.md", "readme.md", "README.rst", "README")


def _literal(value: str) -> str:
    # A JSON string literal (ASCII, \u escapes) is a valid GraphQL string literal.
    return json.dumps(value, ensure_ascii=True)


@dataclass
class Batch:
    """A query and the map from its aliases back to repositories and (ref, path) readings."""

    query: str
    repos: dict[str, Sequence[GitHubRef]] = field(default_factory=dict)
    objects: dict[str, dict[str, tuple[str, str | None]]] = field(default_factory=dict)


def build_query(groups: Sequence[Sequence[GitHubRef]]) -> Batch:
    """One aliased query for *groups* (each: every link into one repository)."""
    batch = Batch(query="")
    parts = ["query {", "  rateLimit { cost remaining resetAt }"]
    for i, refs in enumerate(groups):
        alias = f"r{i}"
        first = refs[0]
        batch.repos[alias] = refs
        objects: dict[str, tuple[str, str | None]] = {}
        head = f"  {alias}: repository(owner: {_literal(first.owner)}, name: {_literal(first.repo)}) {{"
        lines = [head + _REPO_FIELDS]
        seen: set[tuple[str, str | None]] = set()
        for ref in refs:
            for ref_name, path in ref.candidates():
                for wanted in ((ref_name, None), (ref_name, path) if path else None):
                    if wanted is None or wanted in seen:
                        continue
                    seen.add(wanted)
                    prefix = "f" if wanted[1] is None else "p"
                    obj_alias = f"{prefix}{len(objects)}"
                    objects[obj_alias] = wanted
                    expression = wanted[0] if wanted[1] is None else f"{wanted[0]}:{wanted[1]}"
                    fields = "{ __typename }" if wanted[1] is None else _PATH_FIELDS
                    lines.append(f"    {obj_alias}: object(expression: {_literal(expression)}) {fields}")
        for j, name in enumerate(README_NAMES):
            lines.append(f"    m{j}: object(expression: {_literal('HEAD:' + name)}) {{ ... on Blob {{ text }} }}")
        lines.append("  }")
        batch.objects[alias] = objects
        parts.extend(lines)
    parts.append("}")
    batch.query = "\n".join(parts)
    return batch


def meta_from_graphql(node: dict[str, Any], fetched_at: datetime) -> GitHubMeta:
    from crawler.models import GitHubMeta

    issues = (node.get("issues") or {}).get("totalCount")
    pulls = (node.get("pullRequests") or {}).get("totalCount")
    branch = node.get("defaultBranchRef") or {}
    topics = [
        n["topic"]["name"]
        for n in ((node.get("repositoryTopics") or {}).get("nodes") or [])
        if isinstance(n, dict) and isinstance(n.get("topic"), dict)
    ]
    readme = next((t for j in range(len(README_NAMES)) if (t := (node.get(f"m{j}") or {}).get("text"))), None)
    notice = readme_notice(readme)
    return GitHubMeta(
        full_name=node["nameWithOwner"],
        stars=node.get("stargazerCount") or 0,
        forks=node.get("forkCount") or 0,
        open_issues=None if issues is None else issues + (pulls or 0),
        license=(node.get("licenseInfo") or {}).get("spdxId"),
        last_commit=(branch.get("target") or {}).get("committedDate"),
        pushed_at=node.get("pushedAt"),
        created_at=node.get("createdAt"),
        archived=bool(node.get("isArchived")),
        disabled=bool(node.get("isDisabled")),
        locked=bool(node.get("isLocked")),
        empty=bool(node.get("isEmpty")),
        notice=notice[0] if notice else None,
        moved_to=notice[1] if notice else None,
        fork=bool(node.get("isFork")),
        default_branch=branch.get("name"),
        description=node.get("description") or None,
        topics=topics,
        homepage=node.get("homepageUrl") or None,
        fetched_at=fetched_at,
    )


def _errors(body: Any) -> list[dict[str, Any]]:
    errors = body.get("errors") if isinstance(body, dict) else None
    return [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []


def _check(state: ApiState) -> Callable[[httpx.Response], None]:
    """Rate limits GraphQL reports inside a 200 (or a 403 with a message)."""

    def check(response: httpx.Response) -> None:
        if response.status_code not in (200, 403):
            return
        try:
            errors = _errors(response.json())
        except ValueError:
            return
        messages = " ".join(str(e.get("message", "")) for e in errors).lower()
        if "secondary rate limit" in messages:
            wait = retry_after(response.headers) or SECONDARY_DEFAULT_WAIT
            raise RetryableError("GraphQL secondary rate limit", wait)
        if any(e.get("type") in _RATE_LIMIT_TYPES or e.get("code") == "graphql_rate_limit" for e in errors):
            raise BudgetExhausted(state.reset_at)

    return check


async def lookup_batch(
    client: httpx.AsyncClient,
    *,
    url: str,
    token: Secret,
    state: ApiState,
    groups: Sequence[Sequence[GitHubRef]],
    now: Callable[[], datetime],
) -> dict[str, RepoLookup | None]:
    """Look up one batch; keys are repository keys, None where GraphQL could not tell."""
    from pydantic import ValidationError

    batch = build_query(groups)
    response = await send(
        client, "POST", url, headers=api_headers(token, rest=False), state=state,
        json={"query": batch.query}, check=_check(state),
    )  # fmt: skip
    if response.status_code == 401:
        raise BadToken()
    if response.status_code != 200:
        raise ApiUnavailable(f"GitHub GraphQL answered HTTP {response.status_code}")
    try:
        body = response.json()
    except ValueError:
        raise ApiUnavailable("GitHub GraphQL answered with something other than JSON") from None
    errors = _errors(body)
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        first = errors[0].get("message", "no data") if errors else "no data"
        raise ApiUnavailable(f"GitHub GraphQL refused the query: {first}")
    by_alias: dict[str, list[dict[str, Any]]] = {}
    for error in errors:
        path = error.get("path")
        if isinstance(path, list) and path and isinstance(path[0], str):
            by_alias.setdefault(path[0], []).append(error)
    fetched_at = now()
    results: dict[str, RepoLookup | None] = {}
    for alias, refs in batch.repos.items():
        key = refs[0].key
        node = data.get(alias)
        if not isinstance(node, dict):
            results[key] = _failed_alias(key, by_alias.get(alias, []))
            continue
        try:
            meta = meta_from_graphql(node, fetched_at)
        except (ValidationError, KeyError, TypeError) as exc:
            log.warning("Unexpected GitHub GraphQL answer for %s: %s", refs[0].full_name, exc)
            results[key] = None
            continue
        disk = node.get("diskUsage")
        size = disk * 1024 if isinstance(disk, int) and disk >= 0 else None
        paths = _paths(node, batch.objects[alias])
        results[key] = RepoLookup(key, "found", meta, paths, size_bytes=size, private=bool(node.get("isPrivate")))
    return results


def _failed_alias(key: str, errors: list[dict[str, Any]]) -> RepoLookup | None:
    if any(e.get("type") == "NOT_FOUND" for e in errors):
        return RepoLookup(key, "missing")
    text = " ".join(str(e.get("message", "")) for e in errors).lower()
    if "dmca" in text:
        return RepoLookup(key, "blocked", cause="dmca")
    if "terms of service" in text or "tos" in text.split():
        return RepoLookup(key, "blocked", cause="tos-blocked")
    if "access blocked" in text or "legal" in text or "unavailable for legal" in text:
        return RepoLookup(key, "blocked", cause="legal-block")
    return None


def _bytes(value: object) -> bool:
    """A byte count as a well-formed answer gives it (a negative or non-integer one is not)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _sizes(obj: Any) -> tuple[int | None, int | None]:
    """(bytes, files) of a path object: a blob's size, or a tree's direct files' total and count."""
    if not isinstance(obj, dict):
        return None, None
    if _bytes(obj.get("byteSize")):
        return obj["byteSize"], 1
    entries = obj.get("entries")
    if not isinstance(entries, list):
        return None, None
    blobs = [e.get("object") or {} for e in entries if isinstance(e, dict) and e.get("type") == "blob"]
    sizes = [b.get("byteSize") for b in blobs if isinstance(b, dict)]
    total = sum(sizes) if all(_bytes(v) for v in sizes) else None
    return total, len(blobs)


def _paths(node: dict[str, Any], objects: dict[str, tuple[str, str | None]]) -> dict[tuple[str, str], PathState]:
    refs_found = {ref: node.get(alias) is not None for alias, (ref, path) in objects.items() if path is None}
    paths: dict[tuple[str, str], PathState] = {(ref, ""): PathState(found, found) for ref, found in refs_found.items()}
    for alias, (ref, path) in objects.items():
        if path is not None:
            exists = node.get(alias) is not None
            size, count = _sizes(node.get(alias))
            paths[(ref, path)] = PathState(refs_found.get(ref) or exists, exists, size, count)
    return paths
