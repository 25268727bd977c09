"""The per-cause rules of ``python -m crawler fix`` (steps 1 to 4 of ``plan.py``): each proposes a
new URL for one link from its snapshot record and says why (a :class:`Change`), or notes why not.

Pure: no I/O. ``plan.py`` runs them in order, then the https and canonical-GitHub steps.
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import quote, urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict

from crawler.fix.targets import home_page_of_deeper, repository_home, sign_in_page
from crawler.models import GitHubMeta, HuggingFaceMeta, LinkRecord, LinkStatus
from crawler.sources.github.urls import parse_github_url
from crawler.sources.huggingface import parse_hf_url

__all__ = ["Cause", "Change", "https_form", "propose_readme_target", "propose_redirect", "propose_rename"]

Cause = Literal[
    "github-rename", "huggingface-rename", "redirect", "readme-notice", "https", "canonical-github", "archived"
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Change(_Model):
    """One reason for an edit: a machine-readable cause and a readable sentence."""

    cause: Cause
    why: str


def https_form(url: str) -> str:
    """*url* with ``https`` for ``http``; an explicit port 80 goes (443 is https's default), others stay."""
    parts = urlsplit(url)
    netloc = parts.netloc[:-3] if parts.port == 80 and parts.netloc.endswith(":80") else parts.netloc
    return urlunsplit(("https", netloc, parts.path, parts.query, parts.fragment))


def _replace_segments(url: str, start: int, new_parts: list[str], count: int) -> str:
    """*url* with its path segments ``start`` .. ``start + count`` (empty ones skipped) replaced."""
    parts = urlsplit(url)
    raw = parts.path.split("/")
    filled = [i for i, s in enumerate(raw) if s][start : start + count]
    raw[filled[0] : filled[-1] + 1] = [quote(p, safe="") for p in new_parts]
    return urlunsplit((parts.scheme, parts.netloc, "/".join(raw), parts.query, parts.fragment))


def _github_rename(url: str, meta: GitHubMeta | None) -> str | None:
    ref = parse_github_url(url)
    if ref is None or meta is None or meta.full_name.lower() == ref.key or meta.full_name.count("/") != 1:
        return None
    return _replace_segments(url, 0, meta.full_name.split("/"), 2)


def _hf_rename(url: str, meta: HuggingFaceMeta | None) -> str | None:
    ref = parse_hf_url(url)
    if ref is None or meta is None or meta.id.lower() == ref.repo_id.lower():
        return None
    offset = 0 if ref.repo_type == "model" else 1  # /datasets/ or /spaces/ comes first
    return _replace_segments(url, offset, meta.id.split("/"), len(ref.repo_id.split("/")))


def _with_fragment(url: str, target: str) -> str:
    fragment = urlsplit(url).fragment
    return target if not fragment or urlsplit(target).fragment else f"{target}#{fragment}"


def propose_rename(url: str, record: LinkRecord) -> tuple[str, Change] | None:
    """Steps 1 and 2: the API's canonical name, when it differs from the URL's."""
    gh = record.github
    renamed = _github_rename(url, gh)
    if renamed is not None and gh is not None:
        return renamed, Change(
            cause="github-rename", why=f"GitHub says the repository is now {gh.full_name} (renamed or transferred)"
        )
    hf = record.huggingface
    renamed = _hf_rename(url, hf)
    if renamed is not None and hf is not None:
        return renamed, Change(
            cause="huggingface-rename", why=f"Hugging Face says the {hf.repo_type} is now {hf.id} (renamed)"
        )
    return None


def propose_redirect(url: str, record: LinkRecord, notes: list[str]) -> tuple[str, Change] | None:
    """Step 3: where a permanent redirect leads, unless that is the site's home page."""
    final = record.result.final_url
    if record.result.status is not LinkStatus.REDIRECTED or not final or final == url:
        return None
    if urlsplit(url).scheme == "https" and urlsplit(final).scheme == "http":
        notes.append(f"{url}: not proposed: it redirects to plain http ({final}); the https link is kept")
        return None
    if sign_in_page(final):
        notes.append(f"{url}: not proposed: it redirects to a sign-in page {final}, not to a new home")
        return None
    if home_page_of_deeper(url, final):
        notes.append(
            f"{url}: not proposed: it redirects to the site's home page {final}, as sites do for a removed page"
        )
        return None
    status = record.result.http_status  # the final answer's status for a page check, the hop's for an API
    code = f" (HTTP {status})" if status is not None and 300 <= status < 400 else ""
    return _with_fragment(url, final), Change(cause="redirect", why=f"the address redirects permanently{code}")


def propose_readme_target(url: str, current: str, record: LinkRecord, notes: list[str]) -> tuple[str, Change] | None:
    """Step 4: the URL a repository's README says it moved to, for links to the repository itself."""
    gh = record.github
    ref = parse_github_url(url)
    if gh is None or not gh.moved_to or ref is None or ref.kind is not None:
        return None
    if (
        not gh.moved_to.startswith(("https://", "http://"))
        or gh.moved_to.rstrip("/").lower() == current.rstrip("/").lower()
    ):
        return None
    if not repository_home(gh.moved_to):  # "v1 is deprecated; download v2 from <drive link>" is no new home
        notes.append(f"{url}: not proposed: its README names {gh.moved_to}, which is not a repository")
        return None
    notice = gh.notice or "moved"
    return gh.moved_to, Change(cause="readme-notice", why=f"the repository's README says: \u201c{notice}\u201d")
