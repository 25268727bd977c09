"""Loopback fakes of the Wayback Machine and Software Heritage, answering as their docs say.

Two real HTTP servers (the Wayback Machine on 127.0.0.2, Software Heritage on 127.0.0.3, free
ports) answering from an in-memory :class:`ArchiveWorld`::

    world = ArchiveWorld()
    world.capture("https://example.org/data", "20240302101500")    # a 200 capture
    world.visit("https://github.com/org/repo", "2024-01-05T10:00:00+00:00")
    with FakeArchives(world) as fake:
        env = fake.env()                   # WAYBACK_URL, SWH_API_URL
        fake.counts["cdx"], fake.saves     # requests per endpoint; save requests received

Endpoints: ``GET /cdx/search/cdx`` (``url``, ``output=json``, ``fl``, ``filter=statuscode:200``,
``from``, ``to``, ``limit=-1``), ``POST /save`` (SPN2, form ``url``), ``GET
/api/1/origin/<url>/visit/latest/`` and ``POST /api/1/origin/save/git/url/<url>/``. Software
Heritage answers carry ``X-RateLimit-Limit/-Remaining/-Reset`` and turn to 429 ``Throttled``
when ``swh_remaining`` reaches 0. ``world.script(endpoint, status, body, headers, times)``
queues canned answers ("cdx", "spn", "swh-visit", "swh-save"); a ``str`` body is sent as HTML.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.serving import FakeServer, stop_all

__all__ = ["TOO_MANY_PAGE", "ArchiveWorld", "FakeArchives"]

TOO_MANY_PAGE = (
    "<html><head><title>Too Many Requests</title></head><body><h1>Too Many Requests</h1>"
    "<p>We are limiting the number of URLs you can submit to be Archived to the Wayback Machine, using the "
    "Save Page Now features, to no more than 15 per minute.</p></body></html>"
)
_VISIT = re.compile(r"^/api/1/origin/(.+)/visit/latest/$")
_SAVE = re.compile(r"^/api/1/origin/save/git/url/(.+)/$")


@dataclass
class _Scripted:
    endpoint: str
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    times: int = 1


@dataclass
class ArchiveWorld:
    """What the fake archives hold: captures per URL, visits per origin, and the SWH quota."""

    captures: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # url -> [(timestamp, status)]
    visits: dict[str, str] = field(default_factory=dict)  # origin -> ISO date of the latest visit
    swh_limit: int = 120
    swh_remaining: int = 120
    scripts: list[_Scripted] = field(default_factory=list)

    def capture(self, url: str, timestamp: str, status: str = "200") -> None:
        self.captures.setdefault(url, []).append((timestamp, status))
        self.captures[url].sort()

    def visit(self, origin: str, date: str) -> None:
        self.visits[origin] = date

    def script(self, endpoint: str, status: int, body: Any = None, headers: dict[str, str] | None = None,
               times: int = 1) -> None:  # fmt: skip
        self.scripts.append(_Scripted(endpoint, status, body, headers or {}, times))


class _Handler(BaseHTTPRequestHandler):
    server: FakeServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        if isinstance(body, str):
            data, kind = body.encode(), "text/html; charset=utf-8"
        else:
            data, kind = json.dumps(body).encode(), "application/json"
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _handle(self, method: str) -> None:
        fake = self.server.fake
        parts = urlsplit(self.path)
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)) if method == "POST" else b""
        form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        with fake.lock:
            endpoint = fake.endpoint(self.server.kind, method, parts.path)
            fake.counts[endpoint] += 1
            fake.authorizations.append(self.headers.get("Authorization"))
            scripted = next((s for s in fake.world.scripts if s.endpoint == endpoint and s.times > 0), None)
            if scripted is not None:
                scripted.times -= 1
                return self._reply(scripted.status, scripted.body, scripted.headers)
            if endpoint == "cdx":
                return self._reply(200, fake.cdx(query))
            if endpoint == "spn":
                fake.saves.append(("wayback", form.get("url", "")))
                return self._reply(200, {"url": form.get("url"), "job_id": f"spn2-{len(fake.saves):04d}"})
            if endpoint in ("swh-visit", "swh-save"):
                return self._reply(*fake.swh(endpoint, parts.path))
            return self._reply(404, {"error": "no such endpoint"})

    def do_GET(self) -> None:  # noqa: N802
        self._handle("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._handle("POST")


class FakeArchives:
    """Context manager running the fake Wayback Machine (127.0.0.2) and Software Heritage (127.0.0.3)."""

    def __init__(self, world: ArchiveWorld | None = None) -> None:
        self.world = world or ArchiveWorld()
        self.counts: Counter[str] = Counter()
        self.saves: list[tuple[str, str]] = []  # (archive, url or origin) of every save request taken
        self.authorizations: list[str | None] = []
        self.lock = threading.RLock()
        self._servers: list[FakeServer] = []

    def __enter__(self) -> FakeArchives:
        self._servers = [
            FakeServer(_Handler, self, kind, host).start() for kind, host in (("wayback", "127.0.0.2"), ("swh", "127.0.0.3"))
        ]
        return self

    def __exit__(self, *exc: object) -> None:
        stop_all(self._servers)

    @property
    def wayback_url(self) -> str:
        host, port = self._servers[0].server_address[:2]
        return f"http://{host}:{port}"

    @property
    def swh_api_url(self) -> str:
        host, port = self._servers[1].server_address[:2]
        return f"http://{host}:{port}/api/1"

    def env(self) -> dict[str, str]:
        """Environment variables pointing the crawler at these fakes."""
        return {"WAYBACK_URL": self.wayback_url, "SWH_API_URL": self.swh_api_url}

    @staticmethod
    def endpoint(kind: str, method: str, path: str) -> str:
        if kind == "wayback":
            return {"/cdx/search/cdx": "cdx", "/save": "spn"}.get(path, "wayback-other")
        if _SAVE.match(path) and method == "POST":
            return "swh-save"
        return "swh-visit" if _VISIT.match(path) else "swh-other"

    def cdx(self, query: dict[str, str]) -> list[list[str]]:
        url = query.get("url", "")
        rows = [(ts, status) for ts, status in self.world.captures.get(url, [])]
        for flt in [query["filter"]] if "filter" in query else []:
            name, _, pattern = flt.partition(":")
            if name == "statuscode":
                rows = [r for r in rows if re.fullmatch(pattern, r[1])]
        lo, hi = query.get("from", ""), query.get("to", "")
        rows = [r for r in rows if (not lo or r[0] >= lo.ljust(14, "0")) and (not hi or r[0] <= hi.ljust(14, "9"))]
        if query.get("limit") == "-1":
            rows = rows[-1:]
        if not rows:
            return []
        fields = query.get("fl", "urlkey,timestamp,original,mimetype,statuscode,digest,length").split(",")
        values = {"timestamp": 0, "statuscode": 1}
        table = [fields] + [[r[values[f]] if f in values else (url if f == "original" else "-") for f in fields]
                            for r in rows]  # fmt: skip
        return table

    def swh(self, endpoint: str, path: str) -> tuple[int, Any, dict[str, str]]:
        world = self.world
        reset = str(int(time.time()) + 3600)
        if world.swh_remaining <= 0:
            headers = {"X-RateLimit-Limit": str(world.swh_limit), "X-RateLimit-Remaining": "0",
                       "X-RateLimit-Reset": reset}  # fmt: skip
            body = {"exception": "Throttled", "reason": "Request was throttled. Expected available in 3600 seconds."}
            return 429, body, headers
        world.swh_remaining -= 1
        headers = {"X-RateLimit-Limit": str(world.swh_limit), "X-RateLimit-Remaining": str(world.swh_remaining),
                   "X-RateLimit-Reset": reset}  # fmt: skip
        match = (_SAVE if endpoint == "swh-save" else _VISIT).match(path)
        origin = match.group(1) if match else ""
        if endpoint == "swh-save":
            self.saves.append(("software-heritage", origin))
            body = {"id": len(self.saves), "origin_url": origin, "visit_type": "git",
                    "save_request_date": "2026-11-30T10:00:00+00:00", "save_request_status": "accepted",
                    "save_task_status": "pending", "visit_date": None, "visit_status": None, "note": None,
                    "snapshot_swhid": None, "request_url": f"/api/1/origin/save/{len(self.saves)}/"}  # fmt: skip
            return 200, body, headers
        date = world.visits.get(origin)
        if date is None:
            return 404, {"exception": "NotFoundExc", "reason": f"No visit for origin {origin} found"}, headers
        body = {"origin": origin, "visit": 7, "date": date, "status": "full", "type": "git",
                "snapshot": "673156c31a876c5b99b2fe3e89615529de9a3c44",
                "origin_url": f"/api/1/origin/{origin}/get/",
                "snapshot_url": "/api/1/snapshot/673156c31a876c5b99b2fe3e89615529de9a3c44/"}  # fmt: skip
        return 200, body, headers
