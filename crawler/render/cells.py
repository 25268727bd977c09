"""What one link shows in a report's cell: availability glyph, access, licence, size, counts, staleness.

Shared by the leaderboard; sizes, licences and the stale wording are ``crawler.render.columns``'s, which
index.html and the other reports use too: one wording everywhere. Sizes use decimal
units (1 kB = 1000 bytes), as Hugging Face and Zenodo display them. Hugging Face ``downloads`` is the
Hub's count over the last 30 days (huggingface_hub ``hf_api.py``, ``ModelInfo`` docstring: "downloads:
Number of downloads of the model over the last 30 days", beside ``downloads_all_time``), hence "/30d".
Hugging Face ``gated`` is ``auto`` or ``manual`` (the same docstring: "whether there is manual or
automatic approval"), shown as ``gated (manual)``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from crawler.history import day_of, is_confirmed
from crawler.models import Access, LinkRecord, LinkStatus
from crawler.render.columns import HEALTH_MARKS, human_size
from crawler.render.columns import link_licence as _licence
from crawler.render.columns import stale_text as stale_since

__all__ = ["UNVERIFIABLE", "access_word", "availability", "human_size", "link_facts", "link_name", "stale_since"]

UNVERIFIABLE = "🔒 login required, existence not verifiable"


def availability(link: LinkRecord, *, confirm_after: int = 2) -> str:
    """One glyph for the link's state; words where a glyph would mislead (login walls, archived copies).

    A broken link with an archived copy reads "gone" only once confirmed (``confirm_after`` failing
    runs in a row, as in ``broken-links.md``); before that the copy is named without the verdict.
    """
    if link.result.cause == "unverifiable-host":
        return UNVERIFIABLE
    if link.result.status is LinkStatus.BROKEN and link.archive is not None:
        when = day_of(link.archive.captured_at).isoformat() if link.archive.captured_at else "unknown date"
        if is_confirmed(link, confirm_after):
            return f"❌ gone; archived copy of {when}"
        return f"❌ not confirmed yet; archived copy of {when}"
    return HEALTH_MARKS[link.result.status]


def access_word(link: LinkRecord) -> str:
    """``open``, ``gated`` ... from the host adapter's ``LinkMeta``, else from Hugging Face's gating; '' if unknown."""
    if link.meta is not None and link.meta.access is not Access.UNKNOWN:
        access = link.meta.access.value
    elif link.huggingface is not None:
        access = "gated" if link.huggingface.gated else "open"
    else:
        return ""
    hf = link.huggingface
    if access == "gated" and hf is not None and hf.gated:
        access = f"gated ({hf.gated})"  # auto: accepted at once; manual: the authors approve each request
    return access


def link_name(link: LinkRecord) -> str:
    """A short name for the link: its label, else the last two path segments of its URL, else its host."""
    if link.label:
        return link.label
    parts = urlsplit(link.url)
    segments = [s for s in parts.path.split("/") if s]
    return "/".join(segments[-2:]) if segments else (parts.hostname or link.url)


def link_facts(link: LinkRecord, *, confirm_after: int = 2) -> list[str]:
    """The facts one link shows, in order: availability, access, licence, size, downloads, likes, archived, stale."""
    shown = availability(link, confirm_after=confirm_after)
    access = access_word(link)
    # "🔒 login required, ..." already says the access: no second "login" after it.
    facts = [shown, "" if access == "login" and shown == UNVERIFIABLE else access, _licence(link)]
    meta, hf, gh = link.meta, link.huggingface, link.github
    size = meta.size_bytes if meta is not None else None
    facts.append(human_size(size))
    if meta is not None and meta.file_count is not None:
        facts.append(f"{meta.file_count:,} file" + ("" if meta.file_count == 1 else "s"))
    downloads = meta.downloads if meta is not None and meta.downloads is not None else (hf.downloads if hf else None)
    likes = meta.likes if meta is not None and meta.likes is not None else (hf.likes if hf else None)
    if downloads is not None:
        facts.append(f"{downloads:,} downloads/30d" if hf is not None or (meta and meta.source == "huggingface")
                     else f"{downloads:,} downloads")
    if likes is not None:
        facts.append(f"{likes:,} likes")
    if gh is not None and gh.archived:
        facts.append("archived")
    if meta is not None and meta.newer_version:
        facts.append(f"newer version {meta.latest_version}" if meta.latest_version else "newer version exists")
    facts.append(stale_since(link))
    return [f for f in facts if f]
