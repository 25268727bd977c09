"""Hugging Face metadata for model, dataset and Space links via ``{HF_ENDPOINT}/api/...``.

Claimed links: ``huggingface.co/<namespace>/<name>`` (models), ``/datasets/<id>`` and
``/spaces/<id>``, optionally ``/tree/main[/<path>]`` or ``/blob/main/<path>`` (checked
against the repository's file list). A one-segment ``huggingface.co/<name>`` is a user or
organisation page as often as a legacy model, so it is left to the link checker.

Answers (huggingface_hub ``hf_raise_for_status``; hub-docs "Hub Rate limits"):
200 is ok, with ``gated`` kept (gated repositories' metadata is public); a missing
repository is 401 without a token and 404 ``X-Error-Code: RepoNotFound`` with one, both
broken; a renamed repository answers a redirect to its new API URL (followed once: the
link is ``redirected``); 429 is retried after ``Retry-After`` or the ``t=`` of the
``RateLimit: "api";r=<remaining>;t=<seconds to reset>`` header, and when that wait is
too long the remaining links fall back to page checks with stale metadata.
A repository Hugging Face has disabled is reported broken (its files cannot be had).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import SplitResult, quote, unquote, urljoin, urlsplit

import httpx
from pydantic import SecretStr, ValidationError

from crawler.classify import retry_after_seconds
from crawler.models import HuggingFaceMeta, LinkResult, LinkStatus, Outcome, carried_over
from crawler.retry import RetryPolicy, WaitTooLong, call_with_retries
from crawler.settings import Settings
from crawler.sources import SourceReport

__all__ = ["HfRef", "claims", "fetch", "parse_hf_url", "rate_limit_reset"]

log = logging.getLogger(__name__)

RepoType = Literal["model", "dataset", "space"]
HF_HOSTS = frozenset({"huggingface.co", "www.huggingface.co", "hf.co"})
_PREFIX: dict[RepoType, str] = {"model": "", "dataset": "datasets/", "space": "spaces/"}
_API: dict[RepoType, str] = {"model": "models", "dataset": "datasets", "space": "spaces"}
_RESERVED = frozenset(
    """
    api blog changelog chat collections datasets docs enterprise hardware join learn login logout models
    new notifications oauth organizations papers posts pricing privacy search security settings spaces
    tasks terms-of-service welcome
    """.split()
)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")
_RATELIMIT_T = re.compile(r"(?:^|;)\s*t=(\d+)")
_REDIRECTS = (301, 302, 307, 308)
_DEFAULT_REVISION = "main"


@dataclass(frozen=True)
class HfRef:
    repo_type: RepoType
    repo_id: str
    kind: Literal["tree", "blob"] | None = None
    revision: str | None = None
    path: str | None = None
    base: str = "https://huggingface.co"

    @property
    def key(self) -> tuple[str, str]:
        return self.repo_type, self.repo_id.lower()

    def page_url(self, repo_id: str) -> str:
        url = f"{self.base}/{_PREFIX[self.repo_type]}{repo_id}"
        if self.kind:
            url += f"/{self.kind}/{self.revision}" + (f"/{quote(self.path)}" if self.path else "")
        return url


def _host_port(parts: SplitResult) -> str:
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return ""
    return f"{(parts.hostname or '').lower()}:{port}"


def _hosts(settings: Settings) -> frozenset[str]:
    # The endpoint is matched as host:port (default ports filled in): a loopback mirror must not
    # claim every local URL, and https://mirror and https://mirror:443 are the same place.
    endpoint = urlsplit(settings.hf_endpoint)
    return HF_HOSTS | {_host_port(endpoint)} if endpoint.hostname else HF_HOSTS


def parse_hf_url(url: str, hosts: frozenset[str] = HF_HOSTS) -> HfRef | None:
    """Parse a Hugging Face repository link; None for pages the API cannot answer for."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    hostname = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or (hostname not in HF_HOSTS and _host_port(parts) not in hosts):
        return None
    segments = [unquote(s) for s in parts.path.split("/") if s]
    repo_type: RepoType = "model"
    if segments and segments[0] in ("datasets", "spaces"):
        repo_type = "dataset" if segments[0] == "datasets" else "space"
        segments = segments[1:]
    elif not segments or segments[0].lower() in _RESERVED:
        return None
    # Legacy one-segment ids exist under /datasets/ and /spaces/; for models they clash with user pages.
    take = 2 if len(segments) >= 2 and segments[1] not in ("tree", "blob") else 1
    if repo_type == "model" and take == 1:
        return None
    repo_id, rest = segments[:take], segments[take:]
    if not repo_id or not all(_NAME.match(s) for s in repo_id):
        return None
    base = "https://huggingface.co" if hostname in HF_HOSTS else f"{parts.scheme}://{parts.netloc}"
    if not rest:
        return HfRef(repo_type, "/".join(repo_id), base=base)
    if rest[0] not in ("tree", "blob") or len(rest) < 2 or rest[1] != _DEFAULT_REVISION:
        return None
    path = "/".join(rest[2:]) or None
    return HfRef(repo_type, "/".join(repo_id), rest[0], rest[1], path, base)  # type: ignore[arg-type]


def claims(url: str, settings: Settings) -> bool:
    """True for Hugging Face model, dataset and Space links (huggingface.co, hf.co, HF_ENDPOINT's host:port)."""
    return parse_hf_url(url, _hosts(settings)) is not None


def utcnow() -> datetime:
    return datetime.now(UTC)


def rate_limit_reset(headers: httpx.Headers) -> float | None:
    """Seconds to wait from ``Retry-After`` or the ``t=`` parameter of ``RateLimit``."""
    seconds = retry_after_seconds(headers)
    if seconds is not None:
        return seconds
    match = _RATELIMIT_T.search(headers.get("ratelimit", ""))
    return float(match.group(1)) if match else None


class _Retry(Exception):
    def __init__(self, reason: str, wait: float | None = None) -> None:
        super().__init__(reason)
        self.wait = wait


class _Exhausted(Exception):
    def __init__(self, seconds: float) -> None:
        super().__init__(f"rate limited for {seconds:.0f}s")
        self.seconds = seconds


class _Unavailable(Exception):
    pass


_POLICY = RetryPolicy(
    attempts=3,
    max_wait=90.0,
    retry_on=lambda exc: isinstance(exc, _Retry),
    wait_hint=lambda exc: exc.wait if isinstance(exc, _Retry) else None,
)


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


@dataclass
class _Answer:
    status: int
    body: Any = None
    moved: bool = False
    conclusive: bool = True  # False: the API did not speak for the repo (e.g. a mirror without this route)


class _Client:
    def __init__(self, client: httpx.AsyncClient, settings: Settings, report: SourceReport) -> None:
        self.client = client
        self.endpoint = settings.hf_endpoint.rstrip("/")
        self.token: SecretStr | None = settings.hf_token
        self.report = report

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self.token is not None:
            headers["Authorization"] = f"Bearer {self.token.get_secret_value()}"
        return headers

    async def _send(self, url: str) -> httpx.Response:
        async def once() -> httpx.Response:
            self.report.api_requests += 1
            try:
                response = await self.client.get(url, headers=self._headers(), follow_redirects=False)
            except httpx.TransportError as exc:
                raise _Retry(f"{type(exc).__name__} talking to {self.endpoint}") from None
            if response.status_code == 429:
                raise _Retry("HTTP 429", rate_limit_reset(response.headers))
            if response.status_code >= 500:
                raise _Retry(f"HTTP {response.status_code}")
            return response

        try:
            return await call_with_retries(_POLICY, once)
        except WaitTooLong as exc:
            raise _Exhausted(exc.seconds) from None
        except _Retry as exc:
            raise _Unavailable(str(exc)) from None

    async def get(self, ref: HfRef) -> _Answer:
        url = f"{self.endpoint}/api/{_API[ref.repo_type]}/{quote(ref.repo_id, safe='/')}"
        moved = False
        for _ in range(3):
            response = await self._send(url)
            repo_not_found = response.headers.get("x-error-code") == "RepoNotFound"
            if response.status_code == 401 and self.token is not None and not repo_not_found:
                self.token = None
                self.report.notices.append(
                    "Hugging Face rejected the token in HF_TOKEN (401); continuing without it."
                )
                response = await self._send(url)
            if response.status_code in _REDIRECTS and response.headers.get("location"):
                target = urljoin(url, response.headers["location"])
                if urlsplit(target)[:2] != urlsplit(self.endpoint)[:2]:
                    return _Answer(response.status_code)
                url, moved = target, True
                continue
            try:
                body = response.json()
            except ValueError:
                body = None
            if response.status_code == 404 and not repo_not_found:
                # The Hub marks a missing repo with X-Error-Code; a bare 404 is a route this
                # endpoint (often a mirror) lacks, so the page is checked instead.
                return _Answer(404, None, moved, conclusive=False)
            if response.status_code == 403 and "disabled" in response.headers.get("x-error-message", "").lower():
                return _Answer(403, {"id": ref.repo_id, "disabled": True}, moved)
            return _Answer(response.status_code, body, moved)
        return _Answer(response.status_code)  # a redirect chain too long: no verdict, page-check it


def _outcome(url: str, ref: HfRef, answer: _Answer, at: datetime) -> Outcome | None:
    def result(status: LinkStatus, reason: str, http: int, final: str | None = None) -> LinkResult:
        return LinkResult(url=url, status=status, reason=reason, checked_at=at, http_status=http, final_url=final)

    if not answer.conclusive:
        return None
    if answer.status in (401, 404, 410):
        return Outcome(result=result(LinkStatus.BROKEN, "Hugging Face API: repository not found", answer.status))
    if answer.status == 451:
        reason = "Hugging Face API: repository blocked for legal reasons"
        return Outcome(result=result(LinkStatus.BROKEN, reason, 451))
    disabled_403 = answer.status == 403 and isinstance(answer.body, dict) and answer.body.get("disabled") is True
    if (answer.status != 200 and not disabled_403) or not isinstance(answer.body, dict) or "id" not in answer.body:
        return None
    try:
        meta = meta_from_api(answer.body, ref.repo_type, at)
    except ValidationError as exc:
        log.warning("Unexpected Hugging Face answer for %s: %s", ref.repo_id, exc.errors()[0]["msg"])
        return None
    what = f"{ref.repo_type} exists" + (f" (gated: {meta.gated} approval)" if meta.gated else "")
    if meta.disabled:
        reason = "Hugging Face API: repository disabled"
        return Outcome(result=result(LinkStatus.BROKEN, reason, answer.status), huggingface=meta)
    if ref.kind and ref.path:
        siblings = answer.body.get("siblings")
        if not isinstance(siblings, list):
            return None
        names = [s.get("rfilename", "") for s in siblings if isinstance(s, dict)]
        if not any(n == ref.path or n.startswith(ref.path.rstrip("/") + "/") for n in names):
            reason = f"Hugging Face API: path '{ref.path}' not found at revision '{ref.revision}'"
            return Outcome(result=result(LinkStatus.BROKEN, reason, 404), huggingface=meta)
        what = f"{ref.kind} exists"
    if answer.moved or meta.id.lower() != ref.repo_id.lower():
        final = ref.page_url(meta.id)
        reason = f"Hugging Face API: repository moved to {meta.id}; {what}"
        return Outcome(result=result(LinkStatus.REDIRECTED, reason, 307, final), huggingface=meta)
    return Outcome(result=result(LinkStatus.OK, f"Hugging Face API: {what}", 200), huggingface=meta)


async def fetch(
    urls: Sequence[str],
    *,
    client: httpx.AsyncClient,
    settings: Settings,
    previous: Mapping[str, HuggingFaceMeta],
    now: Callable[[], datetime] = utcnow,
) -> SourceReport:
    """Look up every Hugging Face URL; one request per repository, one at a time."""
    report = SourceReport()
    hosts = _hosts(settings)
    groups: dict[tuple[str, str], list[tuple[str, HfRef]]] = {}
    for url in dict.fromkeys(urls):
        ref = parse_hf_url(url, hosts)
        if ref is None:
            report.unanswered[url] = carried_over(previous.get(url))
        else:
            groups.setdefault(ref.key, []).append((url, ref))
    api = _Client(client, settings, report)
    stopped: str | None = None
    fell_back = 0
    for items in groups.values():
        answer: _Answer | None = None
        if stopped is None:
            try:
                answer = await api.get(items[0][1])
            except _Exhausted as exc:
                stopped = f"The Hugging Face API rate limit is reached (it resets in {exc.seconds:.0f}s)"
            except _Unavailable as exc:
                stopped = f"The Hugging Face API could not be used ({exc})"
        at = now()
        for url, ref in items:
            outcome = _outcome(url, ref, answer, at) if answer is not None else None
            if outcome is not None:
                report.outcomes[url] = outcome
                continue
            fresh = None
            if answer is not None and answer.status == 200 and isinstance(answer.body, dict):
                try:
                    fresh = meta_from_api(answer.body, ref.repo_type, at)
                except (ValidationError, KeyError):
                    fresh = None
            report.unanswered[url] = fresh or carried_over(previous.get(url))
            fell_back += answer is None
    if stopped:
        report.notices.append(
            f"{stopped}: {fell_back} Hugging Face link(s) fall back to page checks and keep their "
            "previous metadata, marked stale."
        )
    return report

