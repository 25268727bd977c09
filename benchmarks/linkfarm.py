"""A loopback link farm: one process, one port, answering as many hosts (127.0.H.1).

Linux routes all of 127.0.0.0/8 to the loopback interface, so binding 127.0.H.1 for
H in 1..N gives N distinct hosts (distinct per-host limits, connection pools and DNS-free
addresses) without any network. Paths, for any integer N:

    /ok/N       200 with a small HTML body
    /missing/N  404
    /moved/N    301 to /ok/N
    /nohead/N   405 to HEAD (with ``Allow: GET``), 200 to GET

Every answer waits ``--latency-ms`` first, like a server across the internet would.

    .venv/bin/python benchmarks/linkfarm.py --hosts 50 --port 8631 --latency-ms 50

It prints ``ready`` on stdout once every address listens and stops by itself after
``--lifetime`` seconds (default 900), so a forgotten farm never outlives a benchmark.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from aiohttp import web

BODY = b"<!doctype html><title>ok</title><p>" + b"x" * 512 + b"</p>\n"


def host_address(h: int) -> str:
    """The loopback address of farm host *h* (1-based)."""
    return f"127.0.{h}.1"


def make_handler(latency: float):
    async def handle(request: web.BaseRequest) -> web.StreamResponse:
        if latency:
            await asyncio.sleep(latency)
        kind, _, n = request.path.lstrip("/").partition("/")
        if kind == "ok":
            return web.Response(body=BODY, content_type="text/html")
        if kind == "missing":
            return web.Response(status=404, text="not found")
        if kind == "moved":
            return web.Response(status=301, headers={"Location": f"/ok/{n}"})
        if kind == "nohead":
            if request.method == "HEAD":
                return web.Response(status=405, headers={"Allow": "GET"})
            return web.Response(body=BODY, content_type="text/html")
        return web.Response(status=404, text="no such path")

    return handle


async def serve(hosts: int, port: int, latency: float, lifetime: float) -> None:
    server = web.Server(make_handler(latency), access_log=None)
    runner = web.ServerRunner(server, access_log=None)
    await runner.setup()
    for h in range(1, hosts + 1):
        await web.TCPSite(runner, host_address(h), port, backlog=1024).start()
    print("ready", flush=True)
    try:
        await asyncio.sleep(lifetime)
    finally:
        await runner.cleanup()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Loopback link farm for the link-checker benchmark.")
    p.add_argument("--hosts", type=int, default=50, help="number of hosts 127.0.H.1 (1..254)")
    p.add_argument("--port", type=int, default=8631)
    p.add_argument("--latency-ms", type=float, default=50.0, help="delay before every answer")
    p.add_argument("--lifetime", type=float, default=900.0, help="seconds before the farm stops by itself")
    args = p.parse_args(argv)
    if not 1 <= args.hosts <= 254:
        p.error("--hosts must be between 1 and 254")
    try:
        asyncio.run(serve(args.hosts, args.port, args.latency_ms / 1000, args.lifetime))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
