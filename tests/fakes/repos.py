"""What the fake APIs hold per repository: a GitHub repository and a Hugging Face repository.

Each answers in the shapes of the real APIs' documented bodies: ``FakeRepo.rest_body`` (REST
"Get a repository"), ``graphql_node`` (the fields the crawler's GraphQL query asks),
``FakeHfRepo.answer`` (``/api/{type}/{id}`` with ``expand[]=`` and ``blobs=true``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

__all__ = ["FakeHfRepo", "FakeRepo"]


@dataclass
class FakeRepo:
    full_name: str
    id: int = 0
    stars: int = 10
    forks: int = 2
    open_issues: int = 3
    open_pulls: int = 1
    license: str | None = "MIT"
    description: str | None = "A medical corpus"
    homepage: str | None = None
    topics: list[str] = field(default_factory=lambda: ["medical", "nlp"])
    archived: bool = False
    fork: bool = False
    default_branch: str = "main"
    created_at: str = "2023-03-01T08:00:00Z"
    pushed_at: str = "2024-09-01T12:00:00Z"
    last_commit: str | None = "2024-06-15T09:30:00Z"
    paths: dict[str, set[str]] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)  # file path -> bytes (default: 100 per character)
    disk_usage_kb: int = 2048
    disabled: bool = False
    locked: bool = False
    empty: bool = False
    private: bool = False
    readme: str | None = "# Corpus\n\nA medical corpus.\n"
    readme_name: str = "README.md"

    def size_of(self, path: str) -> int:
        return self.sizes.get(path, 100 * len(path))

    def entries(self, ref: str, path: str) -> list[tuple[str, str]]:
        """(type, path) of a directory's direct entries: "blob" files and "tree" subdirectories."""
        prefix = path.rstrip("/") + "/" if path else ""
        found: dict[str, str] = {}
        for file in self.paths.get(ref, set()):
            if file.startswith(prefix):
                head, sep, _ = file[len(prefix) :].partition("/")
                found[prefix + head] = "tree" if sep else "blob"
        return sorted((kind, name) for name, kind in found.items())

    def has_ref(self, ref: str) -> bool:
        return ref == self.default_branch or ref in self.paths

    def has_path(self, ref: str, path: str) -> bool:
        files = self.paths.get(ref, set())
        return path in files or any(f.startswith(path.rstrip("/") + "/") for f in files)

    def rest_body(self, base: str) -> dict[str, Any]:
        owner, name = self.full_name.split("/")
        lic = None if self.license is None else {
            "key": self.license.lower(), "name": self.license, "spdx_id": self.license,
            "url": None if self.license == "NOASSERTION" else f"{base}/licenses/{self.license.lower()}",
            "node_id": "MDc6TGljZW5zZTA=",
        }  # fmt: skip
        return {
            "id": self.id, "node_id": f"R_{self.id}", "name": name, "full_name": self.full_name,
            "owner": {"login": owner, "id": 1, "type": "Organization"},
            "html_url": f"https://github.com/{self.full_name}", "description": self.description,
            "fork": self.fork, "url": f"{base}/repos/{self.full_name}", "homepage": self.homepage or "",
            "stargazers_count": self.stars, "watchers_count": self.stars, "forks_count": self.forks,
            "open_issues_count": self.open_issues + self.open_pulls, "license": lic, "topics": self.topics,
            "archived": self.archived, "disabled": self.disabled, "default_branch": self.default_branch,
            "size": self.disk_usage_kb, "private": self.private,
            "created_at": self.created_at, "updated_at": self.pushed_at, "pushed_at": self.pushed_at,
        }  # fmt: skip

    def graphql_node(self) -> dict[str, Any]:
        target = {"committedDate": self.last_commit} if self.last_commit else None
        return {
            "nameWithOwner": self.full_name, "stargazerCount": self.stars, "forkCount": self.forks,
            "issues": {"totalCount": self.open_issues}, "pullRequests": {"totalCount": self.open_pulls},
            "licenseInfo": {"spdxId": self.license} if self.license else None,
            "pushedAt": self.pushed_at, "createdAt": self.created_at, "isArchived": self.archived,
            "isFork": self.fork, "description": self.description, "homepageUrl": self.homepage,
            "isDisabled": self.disabled, "isLocked": self.locked, "isEmpty": self.empty, "isPrivate": self.private,
            "diskUsage": self.disk_usage_kb,
            "repositoryTopics": {"nodes": [{"topic": {"name": t}} for t in self.topics]},
            "defaultBranchRef": {"name": self.default_branch, "target": target},
        }  # fmt: skip


@dataclass
class FakeHfRepo:
    id: str
    repo_type: str = "dataset"
    downloads: int | None = 1234
    likes: int = 56
    license: str | list[str] | None = "apache-2.0"
    tags: list[str] = field(default_factory=list)
    last_modified: str = "2024-07-01T10:00:00.000Z"
    created_at: str = "2023-05-05T05:05:05.000Z"
    gated: bool | str = False
    private: bool = False
    disabled: bool = False
    siblings: list[str] = field(default_factory=lambda: ["README.md", "data/train.parquet"])
    sizes: dict[str, int] = field(default_factory=dict)  # file -> bytes (default: 1000 per character)
    downloads_all_time: int | None = 98765

    def size_of(self, name: str) -> int:
        return self.sizes.get(name, 1000 * len(name))

    def answer(self, expand: list[str], blobs: bool) -> dict[str, Any]:
        """The info body as the Hub shapes it: ``expand[]`` keeps only the named fields, ``blobs`` adds sizes."""
        body = self.body()
        body["usedStorage"] = sum(self.size_of(n) for n in self.siblings)
        if self.repo_type != "space":
            body["downloadsAllTime"] = self.downloads_all_time
        if blobs:
            body["siblings"] = [{"rfilename": n, "size": self.size_of(n), "blobId": "0" * 40} for n in self.siblings]
        if expand:
            body = {k: v for k, v in body.items() if k in expand or k in ("_id", "id")}
        else:
            body.pop("usedStorage")
            body.pop("downloadsAllTime", None)
        return body

    def body(self) -> dict[str, Any]:
        card = {"license": self.license} if self.license is not None else {}
        body = {
            "_id": hashlib.sha1(self.id.encode()).hexdigest()[:24], "id": self.id, "author": self.id.split("/")[0],
            "sha": "0123456789abcdef0123456789abcdef01234567", "lastModified": self.last_modified,
            "createdAt": self.created_at, "private": self.private, "gated": self.gated, "disabled": self.disabled,
            "likes": self.likes, "tags": self.tags, "cardData": card,
            "siblings": [{"rfilename": name} for name in self.siblings],
        }  # fmt: skip
        if self.repo_type != "space":
            body["downloads"] = self.downloads
        return body
