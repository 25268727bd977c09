"""Loopback fakes of GitHub REST, GitHub GraphQL and the Hugging Face Hub API.

Two real HTTP servers on 127.0.0.1 (free ports), answering from an in-memory
:class:`World` with bodies and headers shaped like the real APIs' documented ones,
and counting every request::

    world = World(github_token="ghp_test")
    world.add_repo("org/corpus", paths={"main": {"data/train.jsonl"}})
    world.rename("old/name", "org/corpus")
    world.add_hf("dataset", "org/med-qa", gated="manual")
    with FakeApis(world) as fake:
        env = fake.env()          # GITHUB_API_URL, GITHUB_GRAPHQL_URL, HF_ENDPOINT
        ...                       # run the crawler against fake.github_api_url etc.
        fake.counts["graphql"]    # requests per endpoint: "graphql", "rest", "hf"

``world.script(endpoint, status, body, headers, times)`` queues canned answers (rate
limits, 5xx) served before the world is consulted. GraphQL queries are read with a
regex: every ``<alias>: repository(owner: "o", name: "n")`` and, after it, every
``<alias>: object(expression: "ref:path")``: a Blob answers ``byteSize``, a Tree its direct
``entries`` with their blobs' sizes, ``HEAD:<readme name>`` the README's ``text``.
``world.block(name, reason)`` answers REST 451 (``dmca``) or 403 with a ``block`` object
(``tos``), and GraphQL a FORBIDDEN error. The Hub honours ``expand[]=`` and ``blobs=true``.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.fakes.serving import FakeServer, stop_all
from tests.fakes.repos import FakeHfRepo, FakeRepo

__all__ = ["FakeApis", "FakeHfRepo", "FakeRepo", "Recorded", "World"]

_STR = r'"(?:[^"\\]|\\.)*"'
_REPO_ALIAS = re.compile(rf"(\w+):\s*repository\(owner:\s*({_STR}),\s*name:\s*({_STR})\)")
_OBJECT_ALIAS = re.compile(rf"(\w+):\s*object\(expression:\s*({_STR})\)")
DOCS = "https://docs.github.com/rest"


@dataclass
class Scripted:
    endpoint: str  # "graphql", "rest" or "hf"
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    times: int = 1


@dataclass
class Recorded:
    endpoint: str
    method: str
    path: str
    authorization: str | None
    if_none_match: str | None
    status: int = 0


@dataclass
class World:
    """What the fake APIs know. Keys are case-insensitive like GitHub's and the Hub's."""

    github_token: str | None = None  # when set, any other bearer token is answered 401
    hf_token: str | None = None
    rest_limit: int = 60
    rest_remaining: int = 60
    graphql_remaining: int = 5000
    repos: dict[str, FakeRepo] = field(default_factory=dict)
    renames: dict[str, str] = field(default_factory=dict)
    blocked: dict[str, str] = field(default_factory=dict)  # full name -> block reason (dmca, tos ...)
    hf: dict[tuple[str, str], FakeHfRepo] = field(default_factory=dict)
    hf_renames: dict[tuple[str, str], str] = field(default_factory=dict)
    scripts: list[Scripted] = field(default_factory=list)

    def add_repo(self, full_name: str, **kw: Any) -> FakeRepo:
        repo = FakeRepo(full_name, id=kw.pop("id", 1000 + len(self.repos)), **kw)
        self.repos[full_name.lower()] = repo
        return repo

    def rename(self, old: str, new: str) -> None:
        self.renames[old.lower()] = new

    def block(self, full_name: str, reason: str = "dmca") -> None:
        self.blocked[full_name.lower()] = reason

    def add_hf(self, repo_type: str, repo_id: str, **kw: Any) -> FakeHfRepo:
        repo = FakeHfRepo(repo_id, repo_type, **kw)
        self.hf[(repo_type, repo_id.lower())] = repo
        return repo

    def rename_hf(self, repo_type: str, old: str, new: str) -> None:
        self.hf_renames[(repo_type, old.lower())] = new

    def script(self, endpoint: str, status: int, body: Any = None, headers: dict[str, str] | None = None,
               times: int = 1) -> None:  # fmt: skip
        self.scripts.append(Scripted(endpoint, status, body, headers or {}, times))

    def resolve(self, owner: str, name: str) -> tuple[str, FakeRepo | None]:
        """("ok"|"moved"|"blocked"|"missing", repo) for owner/name, following renames."""
        key = f"{owner}/{name}".lower()
        if key in self.blocked:
            return "blocked", None
        if key in self.repos:
            return "ok", self.repos[key]
        if key in self.renames:
            return "moved", self.repos.get(self.renames[key].lower())
        return "missing", None


class _Handler(BaseHTTPRequestHandler):
    server: FakeServer
    protocol_version = "HTTP/1.1"
    # One buffered write per response and no Nagle delay: keep-alive requests stay fast.
    wbufsize = 1 << 16
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass

    def _reply(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        data = b"" if body is None or status == 304 else json.dumps(body).encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if data:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self.server.fake.requests[-1].status = status

    def _handle(self, method: str) -> None:
        fake = self.server.fake
        parts = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)) if method == "POST" else b""
        endpoint = self.server.kind if self.server.kind == "hf" else ("graphql" if parts.path == "/graphql" else "rest")
        authorization, if_none_match = self.headers.get("Authorization"), self.headers.get("If-None-Match")
        with fake.lock:
            fake.counts[endpoint] += 1
            fake.requests.append(Recorded(endpoint, method, self.path, authorization, if_none_match))
            scripted = next((s for s in fake.world.scripts if s.endpoint == endpoint and s.times > 0), None)
            if scripted is not None:
                scripted.times -= 1
                return self._reply(scripted.status, scripted.body, scripted.headers)
            if endpoint == "graphql":
                return self._reply(*fake.graphql(authorization, body))
            if endpoint == "rest":
                return self._reply(*fake.rest(parts, authorization, if_none_match))
            return self._reply(*fake.huggingface(parts, authorization))

    def do_GET(self) -> None:  # noqa: N802
        self._handle("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._handle("POST")


class FakeApis:
    """Context manager running the fake GitHub and Hugging Face servers on loopback."""

    def __init__(self, world: World | None = None) -> None:
        self.world = world or World()
        self.counts: Counter[str] = Counter()
        self.requests: list[Recorded] = []
        self.lock = threading.RLock()
        self._servers: list[FakeServer] = []

    def __enter__(self) -> FakeApis:
        self._servers = [FakeServer(_Handler, self, kind).start() for kind in ("github", "hf")]
        return self

    def __exit__(self, *exc: object) -> None:
        stop_all(self._servers)

    @property
    def github_api_url(self) -> str:
        return f"http://127.0.0.1:{self._servers[0].server_address[1]}"

    @property
    def graphql_url(self) -> str:
        return self.github_api_url + "/graphql"

    @property
    def hf_endpoint(self) -> str:
        return f"http://127.0.0.1:{self._servers[1].server_address[1]}"

    def env(self) -> dict[str, str]:
        """Environment variables pointing the crawler at these fakes."""
        return {"GITHUB_API_URL": self.github_api_url, "GITHUB_GRAPHQL_URL": self.graphql_url,
                "HF_ENDPOINT": self.hf_endpoint}  # fmt: skip

    # ------------------------------------------------------------------ GitHub

    def _limit_headers(self, resource: str, limit: int, remaining: int) -> dict[str, str]:
        return {"x-ratelimit-limit": str(limit), "x-ratelimit-remaining": str(max(remaining, 0)),
                "x-ratelimit-used": str(limit - max(remaining, 0)), "x-ratelimit-reset": str(int(time.time()) + 3600),
                "x-ratelimit-resource": resource}  # fmt: skip

    def _bad_token(self, authorization: str | None) -> bool:
        token = self.world.github_token
        return authorization is not None and token is not None and authorization != f"Bearer {token}"

    def graphql(self, authorization: str | None, raw: bytes) -> tuple[int, Any, dict[str, str]]:
        world = self.world
        if authorization is None or self._bad_token(authorization):
            return 401, {"message": "Bad credentials", "documentation_url": "https://docs.github.com/graphql"}, {}
        if world.graphql_remaining <= 0:
            headers = self._limit_headers("graphql", 5000, 0)
            error = {"type": "RATE_LIMITED", "message": "API rate limit exceeded for user ID 1."}
            return 200, {"errors": [error]}, headers
        world.graphql_remaining -= 1
        query = json.loads(raw or b"{}").get("query", "")
        data: dict[str, Any] = {"rateLimit": {"cost": 1, "remaining": world.graphql_remaining,
                                              "resetAt": "2030-01-01T00:00:00Z"}}  # fmt: skip
        errors: list[dict[str, Any]] = []
        matches = list(_REPO_ALIAS.finditer(query))
        for i, match in enumerate(matches):
            alias, owner, name = match.group(1), json.loads(match.group(2)), json.loads(match.group(3))
            block = query[match.end() : matches[i + 1].start() if i + 1 < len(matches) else len(query)]
            state, repo = world.resolve(owner, name)
            if repo is None:
                data[alias] = None
                error = {"type": "NOT_FOUND", "path": [alias], "locations": [{"line": 2, "column": 3}],
                         "message": f"Could not resolve to a Repository with the name '{owner}/{name}'."}  # fmt: skip
                if state == "blocked":
                    error = {"type": "FORBIDDEN", "path": [alias], "message": "Repository access blocked"}
                errors.append(error)
                continue
            node = repo.graphql_node()
            for obj in _OBJECT_ALIAS.finditer(block):
                node[obj.group(1)] = self._object(repo, json.loads(obj.group(2)), block[obj.end() : obj.end() + 200])
            data[alias] = node
        body: dict[str, Any] = {"data": data}
        if errors:
            body["errors"] = errors
        return 200, body, self._limit_headers("graphql", 5000, world.graphql_remaining)

    @staticmethod
    def _object(repo: FakeRepo, expression: str, selection: str) -> dict[str, Any] | None:
        """A GraphQL ``object(expression:)`` answer: a Commit, a Blob (byteSize, text) or a Tree (entries)."""
        ref, _, path = expression.partition(":")
        if ref == "HEAD":  # README reads: HEAD is the default branch
            if repo.empty or path != repo.readme_name or repo.readme is None:
                return None
            return {"text": repo.readme}
        if not (repo.has_ref(ref) and (not path or repo.has_path(ref, path))):
            return None
        if not path:
            return {"__typename": "Commit"}
        if path in repo.paths.get(ref, set()):
            return {"__typename": "Blob", "byteSize": repo.size_of(path)} if "byteSize" in selection else {
                "__typename": "Blob"}  # fmt: skip
        entries = [{"type": kind, "object": {"byteSize": repo.size_of(name)} if kind == "blob" else {}}
                   for kind, name in repo.entries(ref, path)]  # fmt: skip
        return {"__typename": "Tree", "entries": entries} if "entries" in selection else {"__typename": "Tree"}

    def rest(self, parts: Any, authorization: str | None, if_none_match: str | None) -> tuple[int, Any, dict[str, str]]:
        world = self.world
        if self._bad_token(authorization):
            return 401, {"message": "Bad credentials", "documentation_url": DOCS}, {}
        limit = world.rest_limit
        if world.rest_remaining <= 0:
            body = {"message": "API rate limit exceeded for 127.0.0.1. (But here's the good news: Authenticated "
                    "requests get a higher rate limit. Check out the documentation for more details.)",
                    "documentation_url": f"{DOCS}/overview/resources-in-the-rest-api#rate-limiting"}  # fmt: skip
            return 403, body, self._limit_headers("core", limit, 0)
        status, body, headers = self._rest_route(parts)
        etag = 'W/"' + hashlib.sha1(json.dumps(body, sort_keys=True).encode()).hexdigest() + '"'
        if status == 200 and if_none_match == etag:
            return 304, None, {"ETag": etag, **self._limit_headers("core", limit, world.rest_remaining)}
        world.rest_remaining -= 1
        headers.update(self._limit_headers("core", limit, world.rest_remaining))
        if status == 200:
            headers["ETag"] = etag
        return status, body, headers

    def _rest_route(self, parts: Any) -> tuple[int, Any, dict[str, str]]:
        world, base = self.world, self.github_api_url
        segments = [unquote(s) for s in parts.path.split("/") if s]
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        not_found = {"message": "Not Found", "documentation_url": DOCS, "status": "404"}
        if len(segments) == 2 and segments[0] == "repositories":
            repo = next((r for r in world.repos.values() if str(r.id) == segments[1]), None)
            return (200, repo.rest_body(base), {}) if repo else (404, not_found, {})
        if len(segments) < 3 or segments[0] != "repos":
            return 404, not_found, {}
        state, repo = world.resolve(segments[1], segments[2])
        if state == "blocked":
            reason = world.blocked[f"{segments[1]}/{segments[2]}".lower()]
            block = {"reason": reason, "created_at": "2023-01-01T00:00:00Z",
                     "html_url": "https://github.com/github/dmca/blob/master/2023/01/2023-01-01-example.md"}
            # 451 for a legal takedown; GitHub's own blocks (terms of service) answer 403 with the block.
            return (451 if reason == "dmca" else 403), {"message": "Repository access blocked", "block": block}, {}
        if repo is None:
            return 404, not_found, {}
        if state == "moved":
            location = f"{base}/repositories/{repo.id}" + ("/" + "/".join(segments[3:]) if segments[3:] else "")
            body = {"message": "Moved Permanently", "url": location, "documentation_url": DOCS}
            return 301, body, {"Location": location}
        rest = segments[3:]
        if not rest:
            return 200, repo.rest_body(base), {}
        if rest == ["commits"]:
            if repo.last_commit is None or repo.empty:
                return 409, {"message": "Git Repository is empty.", "documentation_url": DOCS}, {}
            if query.get("sha", repo.default_branch) != repo.default_branch:
                return 404, not_found, {}
            date = repo.last_commit
            commit = {"sha": "abc123", "commit": {"author": {"date": date}, "committer": {"date": date},
                                                  "message": "Update data"}}  # fmt: skip
            return 200, [commit], {}
        if rest[0] == "contents":
            ref, path = query.get("ref", repo.default_branch), "/".join(rest[1:])
            if not repo.has_ref(ref):
                return 404, {"message": f"No commit found for the ref {ref}", "documentation_url": DOCS,
                             "status": "404"}, {}  # fmt: skip
            if path and not repo.has_path(ref, path):
                return 404, not_found, {}
            if path in repo.paths.get(ref, set()):
                return 200, {"type": "file", "path": path, "name": path.rsplit("/", 1)[-1],
                             "size": repo.size_of(path)}, {}  # fmt: skip
            listing = [{"type": "file" if kind == "blob" else "dir", "path": name, "name": name.rsplit("/", 1)[-1],
                        "size": repo.size_of(name) if kind == "blob" else 0}
                       for kind, name in repo.entries(ref, path)]  # fmt: skip
            return 200, listing, {}
        return 404, not_found, {}

    # ------------------------------------------------------------------ Hugging Face

    def huggingface(self, parts: Any, authorization: str | None) -> tuple[int, Any, dict[str, str]]:
        world = self.world
        limits = {"RateLimit": '"api";r=499;t=250', "RateLimit-Policy": '"fixed window";"api";q=500;w=300'}
        if authorization is not None and world.hf_token is not None and authorization != f"Bearer {world.hf_token}":
            return 401, {"error": "Invalid credentials in Authorization header"}, limits
        segments = [unquote(s) for s in parts.path.split("/") if s]
        types = {"models": "model", "datasets": "dataset", "spaces": "space"}
        if len(segments) < 3 or segments[0] != "api" or segments[1] not in types:
            return 404, {"error": "Sorry, we can't find the page you are looking for."}, limits
        repo_type, repo_id = types[segments[1]], "/".join(segments[2:])
        key = (repo_type, repo_id.lower())
        if key in world.hf_renames:
            location = f"/api/{segments[1]}/{world.hf_renames[key]}"
            return 307, {"message": f"Moved to {location}"}, {"Location": location, **limits}
        repo = world.hf.get(key)
        if repo is None or (repo.private and authorization is None):
            headers = {"X-Error-Code": "RepoNotFound", "X-Error-Message": "Repository not found", **limits}
            if authorization is None:
                return 401, {"error": "Invalid username or password."}, headers
            return 404, {"error": "Repository not found"}, headers
        query = parse_qs(parts.query)
        return 200, repo.answer(query.get("expand[]", []), query.get("blobs", [""])[0] == "true"), limits
