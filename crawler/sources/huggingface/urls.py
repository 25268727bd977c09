"""Hugging Face repository links: which URLs the adapter claims and what they point at. Pure: no I/O.

Claimed: ``huggingface.co/<namespace>/<name>`` (models), ``/datasets/<id>`` and ``/spaces/<id>``,
optionally ``/tree/main[/<path>]``, ``/blob/main/<path>`` or ``/resolve/main/<path>`` (checked
against the repository's file list). ``hf.co`` and the ``HF_ENDPOINT`` mirror's host:port are
the same Hub. A one-segment ``huggingface.co/<name>`` is a user or organisation page as often as
a legacy model, so it is left to the link checker, as are revisions other than ``main``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import SplitResult, quote, unquote, urlsplit

from crawler.settings import Settings

__all__ = ["API_PATH", "HF_HOSTS", "HfRef", "RepoType", "hub_hosts", "parse_hf_url"]

RepoType = Literal["model", "dataset", "space"]
HF_HOSTS = frozenset({"huggingface.co", "www.huggingface.co", "hf.co"})
_PREFIX: dict[RepoType, str] = {"model": "", "dataset": "datasets/", "space": "spaces/"}
API_PATH: dict[RepoType, str] = {"model": "models", "dataset": "datasets", "space": "spaces"}
_RESERVED = frozenset(
    """
    api blog changelog chat collections datasets docs enterprise hardware join learn login logout models
    new notifications oauth organizations papers posts pricing privacy search security settings spaces
    tasks terms-of-service welcome
    """.split()
)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")
_DEFAULT_REVISION = "main"
_KINDS = ("tree", "blob", "resolve")


@dataclass(frozen=True)
class HfRef:
    repo_type: RepoType
    repo_id: str
    kind: Literal["tree", "blob", "resolve"] | None = None
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


def hub_hosts(settings: Settings) -> frozenset[str]:
    """The Hub's hosts plus HF_ENDPOINT's host:port.

    The endpoint is matched as host:port (default ports filled in): a loopback mirror must not
    claim every local URL, and https://mirror and https://mirror:443 are the same place.
    """
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
    take = 2 if len(segments) >= 2 and segments[1] not in _KINDS else 1
    if repo_type == "model" and take == 1:
        return None
    repo_id, rest = segments[:take], segments[take:]
    if not repo_id or not all(_NAME.match(s) for s in repo_id):
        return None
    base = "https://huggingface.co" if hostname in HF_HOSTS else f"{parts.scheme}://{parts.netloc}"
    if not rest:
        return HfRef(repo_type, "/".join(repo_id), base=base)
    if rest[0] not in _KINDS or len(rest) < 2 or rest[1] != _DEFAULT_REVISION:
        return None
    path = "/".join(rest[2:]) or None
    if rest[0] == "resolve" and path is None:
        return None
    return HfRef(repo_type, "/".join(repo_id), rest[0], rest[1], path, base)  # type: ignore[arg-type]
