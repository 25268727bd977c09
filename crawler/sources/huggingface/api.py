"""The Hub API client and what its answers mean: metadata, the uniform LinkMeta, each link's verdict.

One ``GET {HF_ENDPOINT}/api/{models,datasets,spaces}/{id}`` per repository, with ``expand[]=``
naming the fields wanted (huggingface_hub ``HfApi.dataset_info(expand=...)``; the properties per
repository type are ``ExpandDatasetProperty_T`` etc. in ``hf_api.py``): ``usedStorage`` (bytes),
``downloads`` (30 days), ``downloadsAllTime``, ``likes``, ``lastModified``, ``gated``,
``disabled``, ``private``, ``cardData`` (licence), ``tags`` (``license:...``) and ``siblings``
(file names). Only for a repository with a link into a path a second request asks
``?blobs=true`` (huggingface_hub ``files_metadata=True``; it cannot be combined with
``expand``), whose ``siblings[].size`` give the path's size. An endpoint that rejects
``expand`` (400, an old mirror) is asked again without it.

Answers (huggingface_hub ``utils/_http.py`` ``hf_raise_for_status``; hub-docs "Hub API
Endpoints" and "Hub Rate limits"): 200 with ``gated`` ``auto``/``manual`` is a gated repository
(its metadata is public) -> ok, access ``gated``; ``disabled: true`` or a 403 whose
``X-Error-Message`` is "Access to this resource is disabled." -> broken, cause ``disabled``;
a missing or private repository is 401 without a token and 404 ``X-Error-Code: RepoNotFound``
with one -> broken, cause ``not-found``; a 403 ``X-Error-Code: GatedRepo`` says the repository
exists behind a gate -> ok, access ``gated``; 410 -> ``removed``; 451 -> ``legal-block``; a
renamed repository answers a redirect to its new API URL (followed: ``redirected``, cause
``moved``); 429 is retried after ``Retry-After`` or the ``t=`` of
``RateLimit: "api";r=<remaining>;t=<seconds to reset>``.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote, urljoin, urlsplit

import httpx

from crawler.classify import retry_after_seconds
from crawler.retry import RetryPolicy, WaitTooLong, call_with_retries
from crawler.settings import Secret, Settings
from crawler.sources.base import SourceReport
from crawler.sources.errors import ApiUnavailable, BudgetExhausted, RetryableError
from crawler.sources.huggingface.urls import API_PATH, HfRef, RepoType
from crawler.status import Access, LinkStatus

if TYPE_CHECKING:  # imported where built: `import crawler.sources` stays pydantic-free (sources/__init__.py)
    from crawler.models import HuggingFaceMeta, LinkMeta, LinkResult, Outcome

__all__ = ["Answer", "HubClient", "link_meta", "meta_from_api", "outcome", "rate_limit_reset"]

log = logging.getLogger(__name__)

_RATELIMIT_T = re.compile(r"(?:^|;)\s*t=(\d+)")
_REDIRECTS = (301, 302, 307, 308)
_COMMON = ("cardData", "createdAt", "disabled", "lastModified", "likes", "private", "sha", "siblings", "tags",
           "usedStorage")  # fmt: skip
EXPAND: dict[RepoType, tuple[str, ...]] = {
    "model": (*_COMMON, "downloads", "downloadsAllTime", "gated"),
    "dataset": (*_COMMON, "downloads", "downloadsAllTime", "gated"),
    "space": _COMMON,  # Spaces have no downloads and no gate
}

_POLICY = RetryPolicy(
    attempts=3,
    max_wait=90.0,
    retry_on=lambda exc: isinstance(exc, RetryableError),
    wait_hint=lambda exc: exc.wait if isinstance(exc, RetryableError) else None,
)


def rate_limit_reset(headers: httpx.Headers) -> float | None:
    """Seconds to wait from ``Retry-After`` or the ``t=`` parameter of ``RateLimit``."""
    seconds = retry_after_seconds(headers)
    if seconds is not None:
        return seconds
    match = _RATELIMIT_T.search(headers.get("ratelimit", ""))
    return float(match.group(1)) if match else None


def _license(body: dict[str, Any]) -> str | list[str] | None:
    card = body.get("cardData")
    value = card.get("license") if isinstance(card, dict) else None
    if isinstance(value, list):
        return [str(v) for v in value] or None
    if value:
        return str(value)
    tags = [t.split(":", 1)[1] for t in body.get("tags") or [] if isinstance(t, str) and t.startswith("license:")]
    return tags[0] if len(tags) == 1 else (tags or None)


def _gated(value: object) -> Literal[False, "auto", "manual"]:
    if value in ("auto", "manual"):
        return value  # type: ignore[return-value]
    return "manual" if value else False


def meta_from_api(body: dict[str, Any], repo_type: RepoType, fetched_at: datetime) -> HuggingFaceMeta:
    from crawler.models import HuggingFaceMeta

    return HuggingFaceMeta(
        id=body["id"],
        repo_type=repo_type,
        downloads=body.get("downloads"),
        likes=body.get("likes"),
        license=_license(body),
        last_modified=body.get("lastModified"),
        created_at=body.get("createdAt"),
        gated=_gated(body.get("gated")),
        private=bool(body.get("private")),
        disabled=bool(body.get("disabled")),
        fetched_at=fetched_at,
    )


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _file_names(siblings: object) -> list[str]:
    """The ``rfilename`` of each sibling (a malformed entry is skipped, not a crash)."""
    if not isinstance(siblings, list):
        return []
    return [s["rfilename"] for s in siblings if isinstance(s, dict) and isinstance(s.get("rfilename"), str)]


def _under(name: str, path: str) -> bool:
    return name == path or name.startswith(path.rstrip("/") + "/")


def link_meta(ref: HfRef, body: dict[str, Any], sizes: dict[str, int | None] | None, at: datetime) -> LinkMeta:
    """The uniform :class:`LinkMeta` of *ref* from the repository's answer (*sizes*: file -> bytes, if asked)."""
    from crawler.models import LinkMeta

    meta = meta_from_api(body, ref.repo_type, at)
    names = _file_names(body.get("siblings"))
    licence = meta.license if isinstance(meta.license, str) or meta.license is None else ", ".join(meta.license)
    if meta.gated:
        access = Access.GATED
    elif meta.private:
        access = Access.RESTRICTED
    else:
        access = Access.OPEN
    size, count = _count(body.get("usedStorage")), len(names) if names else None
    if ref.path:
        inside = [n for n in (sizes or dict.fromkeys(names)) if _under(n, ref.path)]
        values = [(sizes or {}).get(n) for n in inside]
        count = len(inside)
        size = sum(v for v in values if v is not None) if values and all(v is not None for v in values) else None
    elif size is None and sizes and all(v is not None for v in sizes.values()):
        size = sum(v for v in sizes.values() if v is not None)
    return LinkMeta(
        source="huggingface",
        title=meta.id,
        access=access,
        license=licence,
        size_bytes=size,
        file_count=count,
        updated_at=meta.last_modified,
        downloads=_count(body.get("downloads")),
        downloads_all_time=_count(body.get("downloadsAllTime")),
        likes=_count(body.get("likes")),
        fetched_at=at,
    )


@dataclass
class Answer:
    status: int
    body: Any = None
    moved: bool = False
    conclusive: bool = True  # False: the API did not speak for the repo (e.g. a mirror without this route)
    api_url: str = ""
    error_code: str = ""
    sizes: dict[str, int | None] | None = None  # file -> bytes, from ?blobs=true


class HubClient:
    """Serial Hub API calls with the Hub's retry rules; counts requests into *report*."""

    def __init__(self, client: httpx.AsyncClient, settings: Settings, report: SourceReport) -> None:
        self.client = client
        self.endpoint = settings.hf_endpoint.rstrip("/")
        self.token: Secret | None = settings.hf_token
        self.report = report

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self.token is not None:
            headers["Authorization"] = f"Bearer {self.token.get_secret_value()}"
        return headers

    async def _send(self, url: str, params: list[tuple[str, str]]) -> httpx.Response:
        async def once() -> httpx.Response:
            self.report.api_requests += 1
            try:
                response = await self.client.get(url, params=params, headers=self._headers(), follow_redirects=False)
            except httpx.TransportError as exc:
                from crawler.failures import failure_words  # lazily: it imports aiohttp

                raise RetryableError(f"{failure_words(exc)} talking to {self.endpoint}") from None
            if response.status_code == 429:
                raise RetryableError("HTTP 429", rate_limit_reset(response.headers))
            if response.status_code >= 500:
                raise RetryableError(f"HTTP {response.status_code}")
            return response

        try:
            return await call_with_retries(_POLICY, once)
        except WaitTooLong as exc:
            raise BudgetExhausted(seconds=exc.seconds) from None
        except RetryableError as exc:
            raise ApiUnavailable(str(exc)) from None

    async def _get(self, url: str, params: list[tuple[str, str]]) -> httpx.Response:
        response = await self._send(url, params)
        repo_not_found = response.headers.get("x-error-code") == "RepoNotFound"
        if response.status_code == 401 and self.token is not None and not repo_not_found:
            self.token = None
            self.report.notices.append("Hugging Face rejected the token in HF_TOKEN (401); continuing without it.")
            response = await self._send(url, params)
        if response.status_code == 400 and params:  # an endpoint that does not know expand[]
            response = await self._send(url, [])
        return response

    async def get(self, ref: HfRef) -> Answer:
        """The repository's info, following renames (at most two hops, on the same endpoint)."""
        url = f"{self.endpoint}/api/{API_PATH[ref.repo_type]}/{quote(ref.repo_id, safe='/')}"
        params = [("expand[]", name) for name in EXPAND[ref.repo_type]]
        moved = False
        for _ in range(3):
            response = await self._get(url, params)
            if response.status_code in _REDIRECTS and response.headers.get("location"):
                target = urljoin(url, response.headers["location"]).split("?", 1)[0]
                if urlsplit(target)[:2] != urlsplit(self.endpoint)[:2]:
                    return Answer(response.status_code)
                url, moved = target, True
                continue
            try:
                body = response.json()
            except ValueError:
                body = None
            code = response.headers.get("x-error-code", "")
            if response.status_code == 404 and code != "RepoNotFound":
                # The Hub marks a missing repo with X-Error-Code; a bare 404 is a route this
                # endpoint (often a mirror) lacks, so the page is checked instead.
                return Answer(404, None, moved, conclusive=False)
            message = response.headers.get("x-error-message", "").lower()
            if response.status_code == 403 and "disabled" in message:
                return Answer(403, {"id": ref.repo_id, "disabled": True}, moved, api_url=url)
            return Answer(response.status_code, body, moved, api_url=url, error_code=code)
        return Answer(response.status_code)  # a redirect chain too long: no verdict, page-check it

    async def file_sizes(self, answer: Answer) -> None:
        """Fill ``answer.sizes`` from ``?blobs=true``; left None when the endpoint does not tell."""
        response = await self._get(answer.api_url, [("blobs", "true")])
        try:
            body = response.json() if response.status_code == 200 else None
        except ValueError:
            body = None
        siblings = body.get("siblings") if isinstance(body, dict) else None
        if isinstance(siblings, list):
            answer.sizes = {
                s["rfilename"]: _count(s.get("size"))
                for s in siblings
                if isinstance(s, dict) and isinstance(s.get("rfilename"), str)
            }


def outcome(url: str, ref: HfRef, answer: Answer, at: datetime) -> Outcome | None:
    """The link's outcome from its repository's answer; None when the API cannot decide it."""
    from pydantic import ValidationError

    from crawler.models import LinkMeta, LinkResult, Outcome

    def result(status: LinkStatus, reason: str, http: int, cause: str | None, final: str | None = None) -> LinkResult:
        return LinkResult(
            url=url, status=status, reason=reason, checked_at=at, http_status=http, final_url=final, cause=cause
        )

    if not answer.conclusive:
        return None
    if answer.status in (401, 404):
        return Outcome(result=result(LinkStatus.BROKEN, "Hugging Face API: repository not found", answer.status,
                                     "not-found"))  # fmt: skip
    if answer.status == 410:
        return Outcome(result=result(LinkStatus.BROKEN, "Hugging Face API: repository removed", 410, "removed"))
    if answer.status == 451:
        reason = "Hugging Face API: repository blocked for legal reasons"
        return Outcome(result=result(LinkStatus.BROKEN, reason, 451, "legal-block"))
    if answer.status == 403 and answer.error_code == "GatedRepo":
        info = LinkMeta(source="huggingface", title=ref.repo_id, access=Access.GATED, fetched_at=at)
        reason = "Hugging Face API: repository exists behind a gate"
        return Outcome(result=result(LinkStatus.OK, reason, 403, "gated"), meta=info)
    body = answer.body
    disabled_403 = answer.status == 403 and isinstance(body, dict) and body.get("disabled") is True
    if (answer.status != 200 and not disabled_403) or not isinstance(body, dict) or "id" not in body:
        return None
    try:
        meta = meta_from_api(body, ref.repo_type, at)
        info = link_meta(ref, body, answer.sizes, at)
    except ValidationError as exc:
        log.warning("Unexpected Hugging Face answer for %s: %s", ref.repo_id, exc.errors()[0]["msg"])
        return None
    if meta.disabled:
        reason = "Hugging Face API: repository disabled"
        return Outcome(result=result(LinkStatus.BROKEN, reason, answer.status, "disabled"), huggingface=meta, meta=info)
    what = f"{ref.repo_type} exists" + (f" (gated: {meta.gated} approval)" if meta.gated else "")
    if ref.kind and ref.path:
        siblings = body.get("siblings")
        if not isinstance(siblings, list):
            return None
        names = _file_names(siblings)
        if not any(_under(n, ref.path) for n in names):
            reason = f"Hugging Face API: path '{ref.path}' not found at revision '{ref.revision}'"
            broken = result(LinkStatus.BROKEN, reason, 404, "not-found")
            unknown = info.model_copy(update={"size_bytes": None, "file_count": None})
            return Outcome(result=broken, huggingface=meta, meta=unknown)
        what = ("file" if ref.kind == "resolve" else ref.kind) + " exists"
    cause = "gated" if meta.gated else None
    if answer.moved or meta.id.lower() != ref.repo_id.lower():
        final = ref.page_url(meta.id)
        reason = f"Hugging Face API: repository moved to {meta.id}; {what}"
        moved = result(LinkStatus.REDIRECTED, reason, 307, "moved", final)
        return Outcome(result=moved, huggingface=meta, meta=info)
    ok = result(LinkStatus.OK, f"Hugging Face API: {what}", 200, cause)
    return Outcome(result=ok, huggingface=meta, meta=info)
