"""A registry whose links moved, and its snapshot, for the ``fix`` tests (built like ``snapshot_factory``'s).

Every kind of fix ``fix`` proposes, each on a link written in its own style (quoted, flow,
commented), plus what it must leave alone: a broken link with an archived copy, a redirect to a
home page, a link whose https form does not work.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import yaml

from crawler.models import ArchiveCopy, HuggingFaceMeta, LinkResult, LinkStatus, Outcome, Registry, Snapshot
from crawler.snapshot import build_snapshot, sha256_hex
from tests.snapshot_factory import _gh, day

TODAY = date(2026, 11, 30)
DEAD = "https://dead.example.net/corpus.zip"
WAYBACK = "https://web.archive.org/web/20240302101500/https://dead.example.net/corpus.zip"

MOVED_YAML = """\
# Links that moved since they were written down.
version: 1
entries:
  - id: moved-repo
    name: Moved repository  # transferred to another organisation
    links:
      # the data folder, inside the repository
      - url: https://github.com/old-owner/OldName/tree/main/data?plain=1#readme  # as the paper cites it
        kind: data
      - url: "https://github.com/old-owner/OldName"
        kind: repository

  - id: renamed-dataset
    name: 重命名的数据集
    links:
      - {url: 'https://huggingface.co/datasets/someone/old-set', kind: dataset}

  - id: plain-http
    name: Plain http
    links:
      - url: {http_ok}
        kind: data
        label: corpus
      - url: {http_only}
        kind: homepage

  - id: non-canonical
    name: Non-canonical
    links:
      - url: http://www.github.com/owner/repo.git/
        kind: repository

  - id: redirected
    name: Redirected
    links:
      - url: https://docs.example.com/old-page#section
        kind: docs
      - url: https://blog.example.com/2023/post
        kind: blog

  - id: gone
    name: Gone
    links:
      - url: {dead}
        kind: data

  - id: deprecated
    name: Deprecated
    links:
      - url: https://github.com/lab/old-repo
        kind: repository
"""

HTTP_OK = "http://corpus.example.org/download"
HTTP_ONLY = "http://plain.example.org/"


def moved_yaml(http_ok: str = HTTP_OK, http_only: str = HTTP_ONLY) -> str:
    """The registry text, with the two http:// links given (a loopback server's, in the end-to-end test)."""
    return MOVED_YAML.replace("{http_ok}", http_ok).replace("{http_only}", http_only).replace("{dead}", DEAD)


def _ok(url: str, now: datetime, status: LinkStatus = LinkStatus.OK, **kw: object) -> LinkResult:
    return LinkResult(url=url, status=status, reason="OK.", checked_at=now, **kw)  # type: ignore[arg-type]


def outcomes(now: datetime, http_ok: str = HTTP_OK, http_only: str = HTTP_ONLY) -> dict[str, Outcome]:
    """One run's findings: the renames, redirects and the dead link with its Wayback copy."""
    moved = _gh("new-org/NewName", 10, now)
    redirected = LinkStatus.REDIRECTED
    data = "https://github.com/old-owner/OldName/tree/main/data?plain=1#readme"
    return {
        data: Outcome(result=_ok(data, now, redirected, http_status=301), github=moved),
        "https://github.com/old-owner/OldName": Outcome(
            result=_ok(
                "https://github.com/old-owner/OldName",
                now,
                redirected,
                http_status=301,
                final_url="https://github.com/new-org/NewName",
            ),
            github=moved,
        ),
        "https://huggingface.co/datasets/someone/old-set": Outcome(
            result=_ok("https://huggingface.co/datasets/someone/old-set", now, redirected, http_status=307),
            huggingface=HuggingFaceMeta(id="someone-else/new-set", repo_type="dataset", fetched_at=now),
        ),
        http_ok: Outcome(result=_ok(http_ok, now)),
        http_only: Outcome(result=_ok(http_only, now)),
        "http://www.github.com/owner/repo.git/": Outcome(
            result=_ok("http://www.github.com/owner/repo.git/", now), github=_gh("owner/repo", 5, now)
        ),
        "https://docs.example.com/old-page#section": Outcome(
            result=_ok(
                "https://docs.example.com/old-page#section",
                now,
                redirected,
                http_status=308,
                final_url="https://docs.example.com/v2/new-page",
            )
        ),
        "https://blog.example.com/2023/post": Outcome(
            result=_ok(
                "https://blog.example.com/2023/post",
                now,
                redirected,
                http_status=301,
                final_url="https://blog.example.com/",
            )
        ),
        DEAD: Outcome(
            result=LinkResult(
                url=DEAD,
                status=LinkStatus.BROKEN,
                http_status=404,
                reason="Not found (HTTP 404).",
                cause="http-404",
                checked_at=now,
            ),
            archive=ArchiveCopy(url=WAYBACK, source="wayback", captured_at=datetime(2024, 3, 2, 10, 15, tzinfo=UTC)),
        ),
        "https://github.com/lab/old-repo": Outcome(
            result=_ok("https://github.com/lab/old-repo", now),
            github=_gh(
                "lab/old-repo",
                3,
                now,
                archived=True,
                notice="This repository has moved to https://github.com/lab/new-repo.",
                moved_to="https://github.com/lab/new-repo",
            ),
        ),
    }


def registry(text: str) -> Registry:
    return Registry.model_validate(yaml.safe_load(text))


def snapshots(text: str, runs: int = 2, **urls: str) -> list[Snapshot]:
    """*runs* daily snapshots of *text* (the dead link confirmed broken from the second on)."""
    out: list[Snapshot] = []
    for n in range(1, runs + 1):
        out.append(
            build_snapshot(
                registry(text),
                registry_path="registry.yaml",
                registry_sha256=sha256_hex(text),
                outcomes=outcomes(day(n), **urls),
                previous=out[-1] if out else None,
                now=day(n),
                tool_version="0.1.0",
            )
        )
    return out
