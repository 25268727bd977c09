"""Loopback fakes of the corpus hosts (issue 10): one small real HTTP server per host on 127.0.0.x.

Each host answers from a :class:`HostWorld` with bodies, statuses and headers shaped like the real
host's documented answers (see each adapter's module docstring)::

    world = HostWorld()
    world.zenodo[42] = zenodo_record(42, title="MedQA")
    with FakeHosts(world) as fake:
        settings = Settings.from_env(fake.env())   # ZENODO_URL, PHYSIONET_URL ... -> the fakes
        fake.counts["zenodo"]                       # requests each host received

``world.script(host, status, body, headers, times)`` queues canned answers (429 with Retry-After,
503) served before the world is consulted.
"""

from __future__ import annotations

import json
import threading
from collections import Counter, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.serving import FakeServer, stop_all

__all__ = ["FakeHosts", "HostWorld", "figshare_article", "physionet_entry", "zenodo_record"]

Answer = tuple[int, Any, dict[str, str]]
HOSTS = ("zenodo", "modelscope", "physionet", "figshare", "kaggle", "gdrive", "baidu", "tianchi")
TOMBSTONE = {
    "status": 410,
    "message": "Record deleted",
    "tombstone": {
        "removal_reason": {"id": "spam", "title": {"en": "Spam"}},
        "note": "User was blocked",
        "removed_by": {"user": "system"},
        "removal_date": "2026-04-17",
        "is_visible": True,
    },
}
BAIDU_DELETED = (
    "<html><body><div class=error-reason>啊哦，你来晚了，分享的文件已经被删除了，下次要早点哟。</div></body></html>"
)
BAIDU_CANCELLED = "<html><body>啊哦，你来晚了，分享的文件已经被取消了，下次要早点哟。</body></html>"
BAIDU_BANNED = "<html><body>此链接分享内容可能因为涉及侵权、色情、反动、低俗等信息，无法访问！</body></html>"
BAIDU_EXPIRED = "<html><body>啊哦，来晚了，该分享文件已过期</body></html>"
BAIDU_ALIVE = (
    '<html><body>medqa 给您分享了文件 <script>locals.mset({"server_filename":"train.json"})</script></body></html>'
)
BAIDU_CODE_PAGE = "<html><body>请输入提取码：<input id=accessCode></body></html>"


def zenodo_record(recid: int, *, title: str = "A corpus", access: str = "open", license: str | None = "cc-by-4.0",
                  sizes: tuple[int, ...] = (1000, 2000), version: str | None = "1.0",
                  latest: int | None = None) -> dict[str, Any]:  # fmt: skip
    """A ``/api/records/N`` body as Zenodo's legacy serializer writes it."""
    newest = latest or recid
    return {
        "id": recid, "recid": str(recid), "conceptrecid": str(recid - 1), "doi": f"10.5281/zenodo.{recid}",
        "updated": "2024-05-01T10:00:00.000000+00:00", "status": "published",
        "metadata": {"title": title, "access_right": access, "version": version,
                     **({"license": {"id": license}} if license else {}),
                     "relations": {"version": [{"index": 0, "is_last": newest == recid, "count": 2,
                                                "last_child": {"pid_type": "recid", "pid_value": str(newest)}}]}},
        "files": [{"key": f"part{i}.zip", "size": s} for i, s in enumerate(sizes)],
        "links": {"latest": f"https://zenodo.org/api/records/{newest}/versions/latest"},
        "stats": {"downloads": 321, "unique_downloads": 300},
    }  # fmt: skip


def physionet_entry(slug: str, *, title: str = "A database", dua: str | None = None,
                    license: str = "Open Data Commons Attribution License v1.0", size: int = 5_000_000,
                    version: str | None = None, latest: bool = True, policy: str = "Open") -> dict[str, Any]:  # fmt: skip
    """One item of ``/api/v1/project/published/`` (physionet-build ``PublishedProjectSerializer``).

    Without *version* the older serializer's shape; with it the current one's (``version``,
    ``is_latest_version``, ``version_doi``, ``publish_date``, ``access_policy``)."""
    entry = {"slug": slug, "title": title, "abstract": "...", "license": {"name": license},
             "dua": {"name": dua} if dua else None, "main_storage_size": size, "compressed_storage_size": size // 2}  # fmt: skip
    if version is not None:
        entry.update(version=version, is_latest_version=latest, version_doi=f"10.13026/{slug}-{version}",
                     core_doi=f"10.13026/{slug}", publish_date="2023-01-02", access_policy=policy)  # fmt: skip
    return entry


def figshare_article(article: int, *, version: int = 1, title: str = "Figures") -> dict[str, Any]:
    """A ``/v2/articles/ID`` body."""
    return {"id": article, "title": title, "doi": f"10.6084/m9.figshare.{article}.v{version}", "version": version,
            "license": {"value": 1, "name": "CC BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"},
            "files": [{"id": 1, "name": "a.csv", "size": 4096}, {"id": 2, "name": "b.csv", "size": 1024}],
            "size": 5120, "is_public": True, "modified_date": "2023-02-01T00:00:00Z"}  # fmt: skip


@dataclass
class HostWorld:
    """What each fake host knows."""

    zenodo: dict[int, dict[str, Any]] = field(default_factory=dict)
    zenodo_removed: set[int] = field(default_factory=set)
    zenodo_restricted: set[int] = field(default_factory=set)
    modelscope: dict[str, dict[str, Any]] = field(default_factory=dict)  # "models/o/n" -> Data
    physionet: list[dict[str, Any]] = field(default_factory=list)
    physionet_versions: dict[str, list[str]] = field(default_factory=dict)
    figshare: dict[int, dict[int, dict[str, Any]]] = field(default_factory=dict)  # id -> version -> body
    kaggle: dict[str, dict[str, Any]] = field(default_factory=dict)  # "o/s" -> API body
    kaggle_login_walled: set[str] = field(default_factory=set)
    kaggle_credentials: tuple[str, str] | None = None
    gdrive: dict[str, str] = field(default_factory=dict)  # id -> "open" | "private"
    baidu: dict[str, str] = field(default_factory=dict)  # surl -> page text, or "code"
    scripted: dict[str, deque[Answer]] = field(default_factory=dict)

    def script(self, host: str, status: int, body: Any = None, headers: dict[str, str] | None = None,
               times: int = 1) -> None:  # fmt: skip
        """Serve *status* (*times* times) before consulting the world, e.g. a 429 with Retry-After."""
        queue = self.scripted.setdefault(host, deque())
        queue.extend([(status, body, headers or {})] * times)


class _Handler(BaseHTTPRequestHandler):
    server: FakeServer

    def log_message(self, *args: object) -> None:
        return None

    def do_GET(self) -> None:
        fake, host = self.server.fake, self.server.kind
        parts = urlsplit(self.path)
        with fake.lock:
            fake.counts[host] += 1
            fake.paths.append(f"{host} {self.path}")
            queue = fake.world.scripted.get(host)
            answer = queue.popleft() if queue else getattr(fake, host)(parts.path, parse_qs(parts.query), self.headers)
        status, body, headers = answer
        raw = body.encode() if isinstance(body, str) else (b"" if body is None else json.dumps(body).encode())
        self.send_response(status)
        kind = "text/html; charset=utf-8" if isinstance(body, str) else "application/json"
        for name, value in {"Content-Type": kind, **headers}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


class FakeHosts:
    """Context manager running one fake server per corpus host on 127.0.0.11, .12, ..."""

    def __init__(self, world: HostWorld | None = None) -> None:
        self.world = world or HostWorld()
        self.counts: Counter[str] = Counter()
        self.paths: list[str] = []
        self.lock = threading.RLock()
        self.servers: dict[str, FakeServer] = {}

    def __enter__(self) -> FakeHosts:
        for i, host in enumerate(HOSTS):
            self.servers[host] = FakeServer(_Handler, self, host, f"127.0.0.{11 + i}").start()
        return self

    def __exit__(self, *exc: object) -> None:
        stop_all(self.servers.values())

    def base(self, host: str) -> str:
        address, port = self.servers[host].server_address[:2]
        return f"http://{address}:{port}"

    def env(self) -> dict[str, str]:
        """Environment variables pointing every corpus adapter at these fakes."""
        return {"MODELSCOPE_ENDPOINT": self.base("modelscope"), "MODELSCOPE_INTL_ENDPOINT": self.base("modelscope"),
                "ZENODO_URL": self.base("zenodo"), "PHYSIONET_URL": self.base("physionet"),
                "FIGSHARE_API_URL": self.base("figshare") + "/v2", "KAGGLE_URL": self.base("kaggle"),
                "GDRIVE_URL": self.base("gdrive"), "GDOCS_URL": self.base("gdrive"),
                "BAIDU_PAN_URL": self.base("baidu"), "TIANCHI_URL": self.base("tianchi")}  # fmt: skip

    # ------------------------------------------------------------------ hosts

    def zenodo(self, path: str, query: dict[str, list[str]], headers: Any) -> Answer:
        if path == "/api/records":  # search; only ``q=conceptrecid:N`` is served, newest version first
            concept = (query.get("q") or [""])[0].removeprefix("conceptrecid:")
            hits = sorted((r for r in self.world.zenodo.values() if r.get("conceptrecid") == concept),
                          key=lambda r: -int(r["id"]))  # fmt: skip
            return 200, {"hits": {"hits": hits[:1], "total": len(hits)}, "aggregations": {}}, {}
        recid = int(path.rsplit("/", 1)[-1]) if path.startswith("/api/records/") else -1
        if recid in self.world.zenodo_removed:
            return 410, TOMBSTONE, {}
        if recid in self.world.zenodo_restricted:
            return 403, {"status": 403, "message": "Permission denied."}, {}
        if recid in self.world.zenodo:
            return 200, self.world.zenodo[recid], {"X-RateLimit-Limit": "133", "X-RateLimit-Remaining": "132"}
        return 404, {"status": 404, "message": "The persistent identifier does not exist."}, {}

    def modelscope(self, path: str, query: dict[str, list[str]], headers: Any) -> Answer:
        key = path.removeprefix("/api/v1/")
        data = self.world.modelscope.get(key)
        if data is None:  # the real API: HTTP 200, an error Code in the body
            return 200, {"Code": 10010205, "Message": "Model not exists!", "RequestId": "r-1", "Success": False}, {}
        return 200, {"Code": 200, "Data": data, "Message": "success", "RequestId": "r-2", "Success": True}, {}

    def physionet(self, path: str, query: dict[str, list[str]], headers: Any) -> Answer:
        if path == "/api/v1/project/published/":
            return 200, self.world.physionet, {}
        slug = path.removeprefix("/api/v1/project/published/").strip("/")
        versions = self.world.physionet_versions.get(slug)
        if versions is None:
            return 200, [], {}
        return 200, [{"slug": slug, "title": "t", "version": v, "abstract": ""} for v in versions], {}

    def figshare(self, path: str, query: dict[str, list[str]], headers: Any) -> Answer:
        segments = path.removeprefix("/v2/articles/").split("/")
        versions = self.world.figshare.get(int(segments[0])) if segments[0].isdigit() else None
        if not versions:
            return 404, {"message": "Entity not found: article", "code": "EntityNotFound"}, {}
        wanted = int(segments[2]) if len(segments) == 3 and segments[2].isdigit() else max(versions)
        if wanted not in versions:
            return 404, {"message": "Entity not found: article_version", "code": "EntityNotFound"}, {}
        return 200, versions[wanted], {}

    def kaggle(self, path: str, query: dict[str, list[str]], headers: Any) -> Answer:
        if path.startswith("/api/v1/datasets/view/"):
            import base64

            expected = self.world.kaggle_credentials
            auth = headers.get("Authorization") or ""
            if not expected or auth != "Basic " + base64.b64encode(":".join(expected).encode()).decode():
                return 401, {"code": 401, "message": "Unauthenticated"}, {}
            body = self.world.kaggle.get(path.removeprefix("/api/v1/datasets/view/"))
            return (200, body, {}) if body else (404, {"code": 404, "message": "Not found"}, {})
        ref = path.removeprefix("/datasets/")
        if ref in self.world.kaggle_login_walled:
            return 302, "", {"Location": f"/account/login?returnUrl=%2Fdatasets%2F{ref}"}
        if ref in self.world.kaggle:
            return 200, "<html><title>Kaggle dataset</title></html>", {}
        return 404, "<html>404 - Page not found</html>", {}

    def gdrive(self, path: str, query: dict[str, list[str]], headers: Any) -> Answer:
        if path in ("/open", "/uc"):
            return 302, "", {"Location": f"/file/d/{query.get('id', [''])[0]}/view"}
        item = path.split("/")[3] if path.startswith(("/file/d/", "/document/d/")) else path.rsplit("/", 1)[-1]
        state = self.world.gdrive.get(item)
        if state == "open":
            return 200, "<html><title>file - Google Drive</title></html>", {}
        if state == "private":
            login = "https://accounts.google.com/ServiceLogin?service=wise&passive=1209600&continue=x"
            return 302, "", {"Location": login}
        return 404, "<html>Sorry, the file you have requested does not exist.</html>", {}

    def baidu(self, path: str, query: dict[str, list[str]], headers: Any) -> Answer:
        if path == "/share/init":
            return 200, BAIDU_CODE_PAGE, {}
        if path.startswith("/error/"):
            return 200, "<html>404</html>", {}
        surl = path.removeprefix("/s/")
        page = self.world.baidu.get(surl)
        if page is None:
            return 302, "", {"Location": "/error/404.html"}
        if page == "code":
            return 302, "", {"Location": f"/share/init?surl={surl[1:]}"}
        return 200, page, {}

    def tianchi(self, path: str, query: dict[str, list[str]], headers: Any) -> Answer:
        return 200, "<!doctype html><div id=root></div><script src=/app.js></script>", {}  # the SPA shell, any id
