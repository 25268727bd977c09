"""Start-up discipline: what `--help` and `check` import before their work, and how commands keep the
collector out of the crawl."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import time

import anyio
import anyio.lowlevel
import pytest
from loopback_server import LoopbackServer

from crawler.cli.common import CRAWL_GC_THRESHOLD, collector_kept_out, startup_done
from crawler.results import import_when_idle, result_builder
from crawler.net import build_client, exchange, witness
from crawler.settings import Settings


def test_help_imports_no_network_or_model_library():
    """`python -m crawler --help` parses flags without importing aiohttp, httpx, pydantic or rich."""
    code = (
        "import sys, runpy\n"
        "sys.argv = ['crawler', '--help']\n"
        "try:\n    runpy.run_module('crawler', run_name='__main__')\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('aiohttp', 'httpx', 'pydantic', 'rich', 'yaml') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_collector_is_off_in_start_up_frozen_for_the_crawl_and_restored_after():
    """Off during start-up, frozen with a high threshold after startup_done(), as before on exit."""
    before = (gc.isenabled(), gc.get_threshold(), gc.get_freeze_count())
    with collector_kept_out():
        assert not gc.isenabled()
        startup_done()
        assert gc.isenabled() and gc.get_threshold() == CRAWL_GC_THRESHOLD and gc.get_freeze_count() > 0
    assert (gc.isenabled(), gc.get_threshold(), gc.get_freeze_count()) == before


# Imports the real `check` makes of pydantic or the models before its event loop runs (early) and
# from then on (late), recorded by a spy on __import__ in a fresh interpreter (crawler.* importers
# only: what pydantic imports of itself is not a crawler import).
_IMPORT_SPY = """
import asyncio, builtins, json, runpy, sys

early, late, order = set(), set(), []
loop_seen = False
loaded_at_loop = None  # whether pydantic was in sys.modules when the loop's first import ran
real_import = builtins.__import__


def spy(name, globals=None, locals=None, fromlist=(), level=0):
    global loop_seen, loaded_at_loop
    try:
        asyncio.get_running_loop()
        if not loop_seen:
            loop_seen, loaded_at_loop = True, "pydantic" in sys.modules
    except RuntimeError:
        pass
    importer = (globals or {}).get("__name__") or ""
    targets = [name, *(f"{name}.{item}" for item in fromlist or ())]
    if importer.startswith("crawler") and any(
        t == "pydantic" or t.startswith("pydantic.") or t == "crawler.models" for t in targets
    ):
        (late if loop_seen else early).add((importer, name))
        order.append((importer, name))
    return real_import(name, globals, locals, fromlist, level)


builtins.__import__ = spy
sys.argv = ["crawler", *sys.argv[1:]]
try:
    runpy.run_module("crawler", run_name="__main__", alter_sys=True)
finally:
    builtins.__import__ = real_import
    found = {"early": sorted(early), "late": sorted(late), "loaded": loaded_at_loop, "first": order[:1],
             "sources": "crawler.sources" in sys.modules}  # fmt: skip
    print(json.dumps(found), file=sys.stderr)
"""


@pytest.fixture(scope="module")
def server():
    srv = LoopbackServer().start()
    yield srv
    srv.stop()


def _check_imports(*urls: str) -> dict:
    """Run the real `check` on *urls* (all answering ok) under the import spy; what it recorded."""
    done = subprocess.run(
        [sys.executable, "-c", _IMPORT_SPY, "check", "--allow-private", "--json", "-q", *urls],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert [r["status"] for r in json.loads(done.stdout)] == ["ok"] * len(urls)
    imports = json.loads(done.stderr.strip().splitlines()[-1])
    assert imports["early"] == [], "imported before the requests (~60 ms of start-up each run)"
    assert imports["loaded"] is False  # nor by anything else (a library) before the loop
    assert ["crawler.results", "crawler.models"] in imports["late"]  # the spy works: results.py imports it
    assert imports["first"] == [["crawler.results", "crawler.models"]]  # at the loop's first idle moment
    return imports


def test_check_imports_pydantic_and_the_models_only_inside_the_event_loop(server):
    """`check` on plain URLs imports pydantic and crawler.models only once its event loop runs."""
    _check_imports(server.url("/ok"))


def test_check_asks_the_adapters_about_host_names_without_importing_pydantic(server):
    """Host-name URLs no adapter claims: asking the adapters' claims() imports neither pydantic nor the models."""
    imports = _check_imports(*(f"http://localhost:{server.port}/ok/{n}" for n in range(3)))
    assert imports["sources"] is True  # the adapters were asked, inside the loop (an IP-literal list skips them)


def test_the_models_are_imported_only_once_the_loop_is_idle():
    """import_when_idle waits while another task keeps every loop iteration busy, then builds."""
    result_builder.cache_clear()
    built_while_busy = []

    async def busy() -> None:
        for _ in range(20):
            until = time.perf_counter() + 0.001
            while time.perf_counter() < until:  # 1 ms of work in each loop iteration
                pass
            built_while_busy.append(result_builder.cache_info().currsize)
            await anyio.lowlevel.checkpoint()

    async def main() -> None:
        async with anyio.create_task_group() as tg:
            tg.start_soon(busy)
            tg.start_soon(import_when_idle)

    anyio.run(main)
    assert built_while_busy == [0] * 20 and result_builder.cache_info().currsize == 1


def test_the_models_wait_for_the_first_request_to_be_out():
    """import_when_idle does not import while no request is out (names resolving, connections opening)."""
    result_builder.cache_clear()
    built_before = []

    async def main() -> None:
        requests_out = anyio.Event()
        async with anyio.create_task_group() as tg:
            tg.start_soon(import_when_idle, requests_out)
            for _ in range(20):  # an idle loop: every iteration runs nothing else
                await anyio.lowlevel.checkpoint()
            built_before.append(result_builder.cache_info().currsize)
            requests_out.set()

    anyio.run(main)
    assert built_before == [0] and result_builder.cache_info().currsize == 1


def test_the_pool_tells_the_witness_when_it_hands_out_its_first_connection(server):
    """The first request's connection calls on_first_connection once; later requests do not."""
    calls = []

    async def main() -> None:
        async with build_client(Settings(), concurrency=2, timeout=5) as client:
            witness(client).on_first_connection = lambda: calls.append("out")
            for _ in range(3):
                await exchange(client, "HEAD", server.url("/ok"))

    anyio.run(main)
    assert calls == ["out"]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_check_in_a_fresh_process_ends_when_no_connection_is_ever_made(server):
    """A refused URL (no connection, so no idle import) still ends: results, exit codes and messages as always."""
    refused = f"http://127.0.0.1:{_free_port()}/gone"
    args = [sys.executable, "-m", "crawler", "check", "--allow-private", "--json", "-q", "--timeout", "2"]
    mixed = subprocess.run([*args, refused, server.url("/ok")], capture_output=True, text=True, timeout=60)
    assert mixed.returncode == 0, mixed.stderr
    assert [r["status"] for r in json.loads(mixed.stdout)] == ["unverified", "ok"]  # refused: cannot tell (issue 9)
    down = subprocess.run([*args, refused], capture_output=True, text=True, timeout=60)
    assert down.returncode == 3 and "network looks down" in down.stderr and "Traceback" not in down.stderr


def test_run_with_the_models_imported_does_not_start_the_idle_import():
    """With the models imported (`run`), the checker hooks nothing on the pool: no import task waits on it."""
    import crawler.models  # noqa: F401  (`run` read its registry with them)
    from crawler.checker import CheckOptions, check_urls

    options = CheckOptions(allow_private=True, network_known_up=True)

    async def main() -> tuple[object, str]:
        async with build_client(Settings(), concurrency=2, timeout=5) as client:
            results = await check_urls(["http://127.0.0.2:9/"], client=client, options=options)  # refused
            return witness(client).on_first_connection, results["http://127.0.0.2:9/"].status.value

    hook, status = anyio.run(main)
    assert hook is None and status == "unverified"


def test_a_fresh_check_whose_every_request_fails_ends_with_exit_3_not_a_hang():
    """A new `check` process whose requests are all refused (no connection ever handed out) still ends: exit 3."""
    urls = [f"http://127.0.0.{i}:9/" for i in (2, 3)]  # port 9 (discard) is closed: refused
    done = subprocess.run(
        [sys.executable, "-m", "crawler", "check", "--allow-private", "--json", *urls],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 3 and done.stdout == ""
    assert "network looks down" in done.stderr and "Traceback" not in done.stderr
