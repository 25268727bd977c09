"""GitHub REST lookups (no token) and the HTTP rules shared with the GraphQL client.

Without a token GitHub allows 60 REST requests an hour, so every request here is
conditional (ETag cache: a 304 is free), requests run one at a time (GitHub asks for
serial requests to stay clear of secondary limits), and ``x-ratelimit-remaining`` is
checked before each repository: when it would fall under what the repository needs
plus a small reserve, the lookups stop and the caller falls back to page checks.

Rate limits (docs.github.com "Rate limits for the REST API"): 403/429 with
``x-ratelimit-remaining: 0`` is the exhausted primary budget (not waited on: it resets
within the hour); 403/429 with ``retry-after`` or a "secondary rate limit" message is
waited out and retried through :mod:`crawler.retry` (one minute when no header says).

What the answers mean (docs.github.com REST "Repositories" > "Get a repository", "Commits" and
"Repository contents"):

- ``GET /repos/{owner}/{repo}``: 404 missing; 301 to ``/repositories/{id}`` renamed or
  transferred; 451 "Repository access blocked" with ``block: {reason: "dmca", created_at,
  html_url}`` a legal takedown (cause ``dmca``; another reason: ``legal-block``); 403 with a
  ``block`` object GitHub's own block, reason ``tos`` or ``unavailable`` (cause ``tos-blocked``;
  python-github-backup#488 and Octokit's ``RepositoryUnavailable`` tell it from other 403s the
  same way). In a 200: ``size`` in kilobytes, ``disabled``, ``archived``, ``private``.
- ``GET /repos/{owner}/{repo}/commits?per_page=1&sha=BRANCH``: the newest commit's date;
  409 "Git Repository is empty." -> ``GitHubMeta.empty``.
- ``GET /repos/{owner}/{repo}/contents/PATH?ref=REF``: a file is an object with ``size``; a
  directory is an array of its direct entries (``type`` file/dir, ``size``; at most 1,000
  entries, the API's documented cap): their files are counted and summed. Only that summary is
  cached with the ETag.

REST tells no ``locked`` and the README is not read here (each repository already costs two
or three of the 60 hourly requests): those signals need a token.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urljoin, urlsplit

import httpx

from crawler.retry import RetryPolicy, WaitTooLong, call_with_retries
from crawler.settings import Secret
from crawler.sources.errors import ApiUnavailable, BadToken, BudgetExhausted, RetryableError
from crawler.sources.etag_cache import EtagCache
from crawler.sources.github.urls import GitHubRef, PathState, RepoLookup

if TYPE_CHECKING:  # imported where built: `import crawler.sources` stays pydantic-free (sources/__init__.py)
    from crawler.models import GitHubMeta

__all__ = ["API_VERSION", "ApiState", "RestClient", "api_headers", "send"]

log = logging.getLogger(__name__)

API_VERSION = "2022-11-28"
SECONDARY_DEFAULT_WAIT = 60.0  # GitHub: "wait for at least one minute before retrying"
_REDIRECTS = (301, 302, 307, 308)


POLICY = RetryPolicy(
    attempts=3,
    max_wait=90.0,
    retry_on=lambda exc: isinstance(exc, RetryableError),
    wait_hint=lambda exc: exc.wait if isinstance(exc, RetryableError) else None,
)


@dataclass
class ApiState:
    """Requests made and the budget GitHub last reported, shared across one run."""

    requests: int = 0
    remaining: int | None = None
    reset_at: datetime | None = None

    def observe(self, response: httpx.Response) -> None:
        remaining = _int(response.headers.get("x-ratelimit-remaining"))
        if remaining is not None:
            self.remaining = remaining
        reset = _int(response.headers.get("x-ratelimit-reset"))
        if reset is not None:
            self.reset_at = datetime.fromtimestamp(reset, UTC)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def retry_after(headers: httpx.Headers, now: datetime | None = None) -> float | None:
    """Seconds from a ``retry-after`` header (delta-seconds or HTTP date)."""
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)


def api_headers(token: Secret | None, *, rest: bool = True) -> dict[str, str]:
    """Per-request headers for the GitHub API host only (the shared client fetches other sites too)."""
    headers: dict[str, str] = {}
    if rest:  # REST versioning headers; GraphQL is unversioned
        headers["Accept"] = "application/vnd.github+json"
        headers["X-GitHub-Api-Version"] = API_VERSION
    if token is not None:
        headers["Authorization"] = f"Bearer {token.get_secret_value()}"
    return headers


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("message", "")) if isinstance(body, dict) else ""


def classify_limits(response: httpx.Response, state: ApiState) -> None:
    """Raise for rate limits and server errors; return for answers the caller interprets."""
    status = response.status_code
    if status in (403, 429):
        if response.headers.get("x-ratelimit-remaining") == "0" and "retry-after" not in response.headers:
            raise BudgetExhausted(state.reset_at)
        wait = retry_after(response.headers)
        if wait is not None:
            raise RetryableError(f"secondary rate limit (HTTP {status})", wait)
        if status == 429 or "secondary rate limit" in _message(response).lower():
            raise RetryableError(f"secondary rate limit (HTTP {status})", SECONDARY_DEFAULT_WAIT)
    elif status >= 500:
        raise RetryableError(f"HTTP {status}")


async def send(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    headers: dict[str, str],
    state: ApiState,
    json: Any = None,
    check: Callable[[httpx.Response], None] | None = None,
) -> httpx.Response:
    """One API call with GitHub's retry rules; raises BudgetExhausted or ApiUnavailable."""

    async def once() -> httpx.Response:
        state.requests += 1
        try:
            response = await client.request(method, url, headers=headers, json=json, follow_redirects=False)
        except httpx.TransportError as exc:
            from crawler.failures import failure_words  # lazily: it imports aiohttp

            raise RetryableError(f"{failure_words(exc)} talking to the GitHub API") from None
        state.observe(response)
        classify_limits(response, state)
        if check is not None:
            check(response)
        return response

    try:
        return await call_with_retries(POLICY, once)
    except WaitTooLong as exc:
        wait_until = datetime.now(UTC) + timedelta(seconds=exc.seconds)
        raise BudgetExhausted(max(filter(None, [state.reset_at, wait_until]))) from None
    except RetryableError as exc:
        raise ApiUnavailable(str(exc)) from None


def meta_from_rest(
    repo: dict[str, Any], last_commit: str | None, fetched_at: datetime, *, empty: bool = False
) -> GitHubMeta:
    """GitHubMeta from a ``GET /repos/{owner}/{repo}`` body (open_issues counts PRs, as GitHub's does).

    REST tells no ``locked`` and has no README in this body: those stay unset without a token.
    """
    from crawler.models import GitHubMeta

    license_ = repo.get("license") or {}
    return GitHubMeta(
        full_name=repo["full_name"],
        stars=repo.get("stargazers_count") or 0,
        forks=repo.get("forks_count") or 0,
        open_issues=repo.get("open_issues_count"),
        license=license_.get("spdx_id") if isinstance(license_, dict) else None,
        last_commit=last_commit,  # type: ignore[arg-type]
        pushed_at=repo.get("pushed_at"),
        created_at=repo.get("created_at"),
        archived=bool(repo.get("archived")),
        disabled=bool(repo.get("disabled")),
        empty=empty,
        fork=bool(repo.get("fork")),
        default_branch=repo.get("default_branch"),
        description=repo.get("description") or None,
        topics=list(repo.get("topics") or []),
        homepage=repo.get("homepage") or None,
        fetched_at=fetched_at,
    )


def _block_cause(status: int, body: Any) -> str | None:
    """``dmca`` / ``tos-blocked`` / ``legal-block`` for a blocked repository's answer, else None.

    451 is a legal takedown; 403 with a ``block`` object is GitHub's own block (terms of
    service, reason ``tos`` or ``unavailable``); a 403 without ``block`` is a rate limit or
    permissions matter, not a verdict on the repository.
    """
    block = body.get("block") if isinstance(body, dict) else None
    reason = str(block.get("reason", "")).lower() if isinstance(block, dict) else ""
    if status == 451:
        return "dmca" if reason in ("dmca", "") else "legal-block"
    if status == 403 and isinstance(block, dict):
        return "dmca" if reason == "dmca" else "tos-blocked"
    return None


def _contents_summary(body: Any) -> dict[str, int | None]:
    """{size, files} of a contents answer: a file's size, or a directory's direct files' total and count."""
    if isinstance(body, list):
        files = [e for e in body if isinstance(e, dict) and e.get("type") == "file"]
        sizes = [e.get("size") for e in files]
        total = sum(sizes) if all(isinstance(v, int) and v >= 0 for v in sizes) else None  # type: ignore[arg-type]
        return {"size": total, "files": len(files)}
    if isinstance(body, dict) and isinstance(body.get("size"), int) and body["size"] >= 0:
        return {"size": body["size"], "files": 1}
    return {"size": None, "files": None}


class RestClient:
    """Serial, conditional REST lookups of whole repositories."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        api_url: str,
        token: Secret | None,
        cache: EtagCache,
        state: ApiState,
        now: Callable[[], datetime],
        reserve: int = 2,
    ) -> None:
        self.client = client
        self.api_url = api_url.rstrip("/")
        self.token = token
        self.cache = cache
        self.state = state
        self.now = now
        self.reserve = reserve

    def _afford(self, needed: int) -> bool:
        remaining = self.state.remaining
        return remaining is None or remaining - needed >= self.reserve

    async def _get(
        self, url: str, *, summarise: Callable[[Any], Any] | None = None
    ) -> tuple[int, Any, httpx.Response]:
        """GET with If-None-Match; a 304 is answered from the cache as a 200.

        *summarise* shrinks a 200's body before it is returned and cached (a directory listing
        becomes its size and file count), so a 304 later answers with the same summary.
        """
        cached = self.cache.get(url)
        headers = api_headers(self.token)
        if cached is not None:
            headers["If-None-Match"] = cached.etag
        response = await send(self.client, "GET", url, headers=headers, state=self.state)
        status = response.status_code
        if status == 304 and cached is not None:
            return 200, cached.body, response
        if status == 401 and self.token is not None:
            raise BadToken()
        try:
            body = response.json()
        except ValueError:
            body = None
        if status == 200:
            if summarise is not None:
                body = summarise(body)
            self.cache.put(url, response.headers.get("etag"), body)
        else:
            self.cache.forget(url)
        return status, body, response

    def _same_api(self, location: str) -> bool:
        api, target = urlsplit(self.api_url), urlsplit(location)
        return (api.scheme, api.netloc) == (target.scheme, target.netloc)

    async def lookup(self, refs: Sequence[GitHubRef]) -> RepoLookup | None:
        """Look up one repository and the paths its links point at; None when REST cannot tell."""
        from pydantic import ValidationError

        first = refs[0]
        first_tries = {ref.candidates()[0] for ref in refs if ref.candidates()}
        if not self._afford(2 + len(first_tries)):
            raise BudgetExhausted(self.state.reset_at, planned=True)
        url = f"{self.api_url}/repos/{quote(first.owner)}/{quote(first.repo)}"
        status, body, response = await self._get(url)
        for _ in range(2):  # renamed or transferred: 301 to /repositories/{id}
            if status not in _REDIRECTS:
                break
            location = response.headers.get("location") or (body or {}).get("url")
            if not location or not self._same_api(urljoin(url, location)):
                return None
            status, body, response = await self._get(urljoin(url, location))
        if status == 404:
            return RepoLookup(first.key, "missing")
        blocked = _block_cause(status, body)
        if blocked is not None:
            return RepoLookup(first.key, "blocked", cause=blocked)
        if status != 200 or not isinstance(body, dict) or "full_name" not in body:
            log.info("GitHub REST answered %s for %s; the link checker will decide.", status, first.full_name)
            return None
        full_name = body["full_name"]
        last_commit, empty = await self._last_commit(full_name, body.get("default_branch"))
        try:
            meta = meta_from_rest(body, last_commit, self.now(), empty=empty)
        except ValidationError as exc:
            log.warning("Unexpected GitHub REST answer for %s: %s", full_name, exc.errors()[0]["msg"])
            return None
        size = body.get("size")  # kilobytes
        size_bytes = size * 1024 if isinstance(size, int) and size >= 0 else None
        lookup = RepoLookup(first.key, "found", meta, size_bytes=size_bytes, private=bool(body.get("private")))
        for ref in refs:
            await self._check_paths(full_name, ref, lookup)
        return lookup

    async def block_cause(self, ref: GitHubRef) -> str | None:
        """Why a repository GraphQL called blocked is blocked (``dmca``, ``tos-blocked`` ...), from REST's ``block``.

        GraphQL's error names no reason; REST's answer does (451 or 403 with ``block.reason``).
        """
        url = f"{self.api_url}/repos/{quote(ref.owner)}/{quote(ref.repo)}"
        status, body, _ = await self._get(url)
        return _block_cause(status, body)

    async def _last_commit(self, full_name: str, branch: str | None) -> tuple[str | None, bool]:
        """(date of the default branch's newest commit, repository is empty)."""
        if not branch:
            return None, False
        url = f"{self.api_url}/repos/{full_name}/commits?per_page=1&sha={quote(branch, safe='')}"
        status, body, _ = await self._get(url)
        # 409 "Git Repository is empty." has no commit to report.
        if status == 409:
            return None, True
        if status != 200 or not isinstance(body, list) or not body:
            return None, False
        commit = body[0].get("commit") or {}
        return (commit.get("committer") or {}).get("date") or (commit.get("author") or {}).get("date"), False

    async def _check_paths(self, full_name: str, ref: GitHubRef, lookup: RepoLookup) -> None:
        for index, (ref_name, path) in enumerate(ref.candidates()):
            known = lookup.paths.get((ref_name, path))
            if known is None:
                if index > 0 and not self._afford(1):
                    return
                known = await self._check_path(full_name, ref_name, path)
                lookup.paths[(ref_name, path)] = known
            # Git refs cannot nest ("feature" and "feature/x" cannot both be branches).
            if known.path_exists or known.ref_exists:
                return

    async def _check_path(self, full_name: str, ref_name: str, path: str) -> PathState:
        url = f"{self.api_url}/repos/{full_name}/contents"
        if path:
            url += "/" + quote(path)
        url += f"?ref={quote(ref_name, safe='')}"
        status, body, _ = await self._get(url, summarise=_contents_summary)
        if status == 200:
            summary = body if isinstance(body, dict) else {}
            return PathState(True, True, summary.get("size"), summary.get("files"))
        if status == 404:
            message = str((body or {}).get("message", "")) if isinstance(body, dict) else ""
            if "no commit found for the ref" in message.lower():
                return PathState(ref_exists=False, path_exists=False)
            if path:
                return PathState(ref_exists=True, path_exists=False)
        return PathState()
