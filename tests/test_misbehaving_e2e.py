"""Issue 9 end to end: the engine against real loopback servers that misbehave as real hosts do.

One test (or two) per item of the issue; every server is real (``misbehaving_servers.py``), on
127.0.0.0/8. Nothing sleeps for real: host pauses and retries run on the virtual clock
(``retry.set_testing``, autouse), which the token-bucket server reads too; timeouts are 0.2 s.
"""

from __future__ import annotations

import dataclasses
import json
import socket
import time
from pathlib import Path

import aiohttp.abc
import anyio
import pytest
from misbehaving_servers import (
    CookieBounce,
    EscapedOnly,
    forward_proxy,
    RawRedirect,
    Servers,
    TokenBucket,
    ok,
    proxy_502,
    proxy_hangup,
    silent,
    soft_not_found,
    wall_999,
)

from crawler import retry
from crawler.checker import CheckOptions, check_urls
from crawler.errors import NetworkDown
from crawler.models import LinkResult
from crawler.net import build_client
from crawler.pipeline import RunOptions, run
from crawler.settings import Settings

pytest.importorskip("crawler.pipeline")
from crawler.cli import main


@pytest.fixture
def servers():
    srv = Servers()
    yield srv
    srv.stop()


def check_cli(argv: list[str], capsys) -> tuple[int, dict[str, dict], str]:
    """`python -m crawler check --json` in process: exit code, results by URL, stderr."""
    try:
        code = main(["check", "--json", *argv])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 2
    out, err = capsys.readouterr()
    results = {r["url"]: r for r in json.loads(out)} if out.strip() else {}
    return code, results, err


def check(urls: list[str], *, settings: Settings | None = None, fallback=None, **options) -> dict[str, LinkResult]:
    """check_urls on a real client; *fallback* replaces the connector's DNS for unpinned names."""

    async def go() -> dict[str, LinkResult]:
        async with build_client(settings or Settings(), timeout=options.get("timeout", 20.0)) as client:
            if fallback is not None:
                client.resolver.fallback = fallback
            resolver = options.pop("resolver", None)
            return await check_urls(urls, client=client, options=CheckOptions(**options), resolver=resolver)

    return anyio.run(go)


class FakeDns(aiohttp.abc.AbstractResolver):
    """The connection's DNS: *answers* by name, anything else does not exist."""

    def __init__(self, answers: dict[str, str] | None = None) -> None:
        self.answers = answers or {}
        self.asked: list[str] = []

    async def resolve(self, host, port=0, family=socket.AF_INET):
        self.asked.append(host)
        if host not in self.answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        address = self.answers[host]
        return [{"hostname": host, "host": address, "port": port, "family": family, "proto": 0, "flags": 0}]

    async def close(self) -> None:
        return None


# --------------------------------------------------------------------------- 1. rate limits


def test_a_token_bucket_host_gets_every_link_ok_by_pausing_the_host(servers, capsys):
    """20 live URLs on a 1 req/s, burst-5 host answering 429 + Retry-After: 5: all ok, few 429s."""
    bucket = TokenBucket(rate=1.0, burst=5, retry_after=5, clock=lambda: retry.clock().now())
    port = servers.app(bucket)
    urls = [f"http://127.0.0.1:{port}/item/{i}" for i in range(20)]
    code, results, err = check_cli(["--allow-private", *urls], capsys)
    assert code == 0, err
    assert [results[u]["status"] for u in urls] == ["ok"] * 20
    assert bucket.answers[200] == 20
    assert bucket.answers[429] <= 12  # the first burst's in-flight requests, then one per pause
    waits = retry.recorded_waits()
    assert waits and all(w <= 5.0 for w in waits)  # the host waited as asked, never longer


def test_a_wait_past_the_budget_is_unverified_rate_limited_for_the_whole_host(servers, capsys):
    """With max_wait 8 s and Retry-After: 5, the host stops after the budget: the rest are rate-limited."""
    bucket = TokenBucket(rate=0.01, burst=2, retry_after=5, clock=lambda: retry.clock().now())
    port = servers.app(bucket)
    urls = [f"http://127.0.0.1:{port}/item/{i}" for i in range(10)]
    results = check(urls, allow_private=True, max_wait=8, host_concurrency=1)
    statuses = [results[u].status.value for u in urls]
    assert statuses[:2] == ["ok", "ok"]
    assert set(statuses[2:]) == {"unverified"}
    assert {results[u].cause for u in urls[2:]} == {"rate-limited"}
    assert "wait budget" in results[urls[-1]].reason
    assert sum(bucket.answers.values()) <= 5  # the rest were never sent


def test_a_503_with_retry_after_as_an_http_date_pauses_the_host_then_ok(servers):
    """503 + Retry-After as an HTTP date (3 s after the answer's Date): the host waits, then ok."""
    from email.utils import formatdate

    from aiohttp import web

    seen: list[str] = []

    async def maintenance(request):
        seen.append(request.method)
        if len(seen) == 1:
            now = time.time()
            headers = {"Retry-After": formatdate(now + 3, usegmt=True), "Date": formatdate(now, usegmt=True)}
            return web.Response(status=503, headers=headers)
        return web.Response(text="back")

    url = f"http://127.0.0.1:{servers.app(maintenance)}/page"
    result = check([url], allow_private=True)[url]
    assert result.status.value == "ok" and len(seen) == 2
    assert any(2.0 <= w <= 3.0 for w in retry.recorded_waits())  # waited about what the date said


def test_a_host_answering_429_forever_without_retry_after_ends_rate_limited(servers):
    """429 with no Retry-After, forever: backoff 1, 2, 4 ... s until max_wait, then rate-limited."""
    from aiohttp import web

    hits: list[str] = []

    async def always_429(request):
        hits.append(request.path)
        return web.Response(status=429)

    port = servers.app(always_429)
    urls = [f"http://127.0.0.1:{port}/{i}" for i in range(5)]
    results = check(urls, allow_private=True, max_wait=20)
    assert {results[u].cause for u in urls} == {"rate-limited"}
    assert {results[u].status.value for u in urls} == {"unverified"}
    assert "kept rate limiting" in results[urls[0]].reason
    assert len(hits) <= 5 + 5  # the first in-flight requests, then one per pause (1+2+4+8 s)


def test_a_real_redirect_loop_is_unverified_redirect_loop(servers):
    """/a -> /b -> /a ... (no cookie would help): unverified, cause redirect-loop, 11 requests."""
    from aiohttp import web

    async def loop(request):
        return web.Response(status=302, headers={"Location": "/b" if request.path == "/a" else "/a"})

    url = f"http://127.0.0.1:{servers.app(loop)}/a"
    result = check([url], allow_private=True)[url]
    assert result.status.value == "unverified" and result.cause == "redirect-loop"
    assert servers.hits["127.0.0.1"] == 11


# --------------------------------------------------------------------------- 2. silent hosts


def test_a_silent_host_costs_one_timeout_budget_not_one_per_url(servers, capsys):
    """16 URLs on a host that never answers + 1 live: all 16 unverified (timeout) fast, few requests."""
    silent_port = servers.raw(silent, host="127.0.0.2")
    live_port = servers.app(ok)
    urls = [f"http://127.0.0.2:{silent_port}/page/{i}" for i in range(16)]
    live = f"http://127.0.0.1:{live_port}/"
    started = time.monotonic()
    code, results, err = check_cli(["--allow-private", "--timeout", "0.2", *urls, live], capsys)
    elapsed = time.monotonic() - started
    assert code == 0, err
    assert results[live]["status"] == "ok"
    assert {results[u]["status"] for u in urls} == {"unverified"}
    assert {results[u]["cause"] for u in urls} == {"timeout"}
    assert len({results[u]["reason"] for u in urls}) == 1  # the same outcome, in flight or queued
    assert "never answers" in results[urls[-1]]["reason"]
    # Each of the 8 URLs in flight: HEAD (timed out) then GET, then GET only; the other 8: nothing.
    assert servers.hits["127.0.0.2"] <= 8 * 4
    assert elapsed < 3 * 3 * 0.2 + 1.5  # not one timeout budget per URL (16 x 3 x 2 x 0.2 s = 19 s)


def test_a_silent_redirect_target_costs_one_timeout_budget_too(servers):
    """16 URLs redirecting to a host that never answers: the target is marked once, not per URL."""
    from aiohttp import web

    silent_port = servers.raw(silent, host="127.0.0.2")

    async def to_silent(request):
        return web.Response(status=302, headers={"Location": f"http://127.0.0.2:{silent_port}{request.path}"})

    port = servers.app(to_silent, host="127.0.0.3")
    urls = [f"http://127.0.0.3:{port}/doc/{i}" for i in range(16)]
    results = check(urls, allow_private=True, timeout=0.2)
    assert {results[u].cause for u in urls} == {"timeout"}
    assert len({results[u].reason for u in urls}) == 1
    assert servers.hits["127.0.0.2"] <= 8 * 4  # the URLs in flight when it was marked, nothing after


def test_an_idn_host_is_one_host_for_the_dispatcher_and_the_hops(servers):
    """A Unicode host name and its IDNA form share one Host record (one pause, one dead verdict)."""
    from crawler.checker import _Run

    run = _Run.__new__(_Run)
    run.any_exclude = None
    assert _Run._precheck(run, "http://bücher.example/a") == "xn--bcher-kva.example"
    assert _Run._precheck(run, "http://BÜCHER.example:8080/a") == "xn--bcher-kva.example:8080"


# --------------------------------------------------------------------------- 3. exact URLs


def test_a_url_is_sent_exactly_as_written(servers, capsys):
    """Gal%2AGun%3A is sent as written (ok, one request); the unescaped spelling is redirected to it."""
    canonical = "/ratings/34456/Gal%2AGun%3A+Double+Peace/"
    site = EscapedOnly(canonical)
    port = servers.app(site)
    escaped = f"http://127.0.0.1:{port}{canonical}"
    plain = f"http://127.0.0.1:{port}/ratings/34456/Gal*Gun:+Double+Peace/"
    code, results, err = check_cli(["--allow-private", escaped, plain], capsys)
    assert code == 0, err
    assert results[escaped]["status"] == "ok" and results[escaped]["http_status"] == 200
    assert results[plain]["status"] == "redirected" and results[plain]["final_url"] == escaped
    assert site.targets.count(canonical) == 2  # once for each link: no decoding, no loop


def test_only_unsendable_characters_are_escaped(servers):
    """A space and non-ASCII are escaped (UTF-8), existing escapes and reserved characters kept."""
    site = EscapedOnly("/caf%C3%A9%20menu/a%2Fb(1)")
    port = servers.app(site)
    url = f"http://127.0.0.1:{port}/caf\u00e9 menu/a%2Fb(1)"
    assert check([url], allow_private=True)[url].status.value == "ok"
    assert site.targets == ["/caf%C3%A9%20menu/a%2Fb(1)"]


# --------------------------------------------------------------------------- 4. Location bytes


def test_a_latin1_location_is_percent_encoded_byte_for_byte(servers):
    """Location: /caf\\xe9 (Latin-1) is followed as /caf%E9, no byte dropped."""
    site = RawRedirect(b"/caf\xe9 au lait", b"/caf%E9%20au%20lait")
    port = servers.raw(site)
    url = f"http://127.0.0.1:{port}/start"
    result = check([url], allow_private=True)[url]
    assert result.status.value == "ok", result.reason
    assert site.targets[-1] == b"/caf%E9%20au%20lait"
    assert result.final_url == f"http://127.0.0.1:{port}/caf%E9%20au%20lait"


def test_a_location_that_cannot_be_a_url_is_unverified_not_guessed(servers):
    """Non-UTF-8 bytes in a redirect's host name: unverified, cause bad-redirect, nothing requested."""
    site = RawRedirect(b"http://ex\xe9mple.test/x", b"/never")
    port = servers.raw(site)
    url = f"http://127.0.0.1:{port}/start"
    result = check([url], allow_private=True)[url]
    assert result.status.value == "unverified" and result.cause == "bad-redirect"
    assert "cannot be represented" in result.reason


# --------------------------------------------------------------------------- 5. cookies


def test_cookies_follow_a_chain_across_hosts_and_back(servers):
    """A sets a cookie, sends us through B and back: A gets its cookie, the link is ok (not a loop)."""
    bounce = CookieBounce()
    a_port = servers.app(bounce.on_a, host="127.0.0.2")
    b_port = servers.app(bounce.on_b, host="127.0.0.3")
    bounce.a, bounce.b = f"http://127.0.0.2:{a_port}", f"http://127.0.0.3:{b_port}"
    url = f"{bounce.a}/start"
    result = check([url], allow_private=True)[url]
    assert result.status.value == "ok", result.reason
    assert "after 2 redirects" in result.reason


# --------------------------------------------------------------------------- 6. network down


def _registry(tmp_path: Path, urls: list[str], config: str = "") -> Path:
    links = "".join(f"      - url: {u}\n        kind: homepage\n" for u in urls)
    path = tmp_path / "registry.yaml"
    path.write_text(f"version: 1\n{config}entries:\n  - id: one\n    name: One\n    links:\n{links}", encoding="utf-8")
    return path


def _run(tmp_path: Path, urls: list[str], *, settings: Settings | None = None, fallback=None, config: str = ""):
    """`run` on a registry of *urls*, on a client whose connector DNS is *fallback*."""
    registry = _registry(tmp_path, urls, config)
    out = tmp_path / "reports"
    # The archive cache goes under tmp_path, not into the checkout's .cache/ (Settings()'s default).
    settings = dataclasses.replace(settings or Settings(), cache_dir=tmp_path / "cache")
    client = build_client(settings, timeout=0.5)
    if fallback is not None:
        client.resolver.fallback = fallback
    options = RunOptions(registry_path=registry, out_dir=out, allow_private=True, pyproject=None)
    try:
        return run(options, settings, client=client), out
    finally:
        anyio.run(client.aclose)


def test_dead_domains_are_broken_when_one_host_answers(servers, tmp_path):
    """11 names that do not resolve + 1 live host: 11 broken (cause dns), 1 ok, reports written."""
    port = servers.app(ok)
    dead = [f"https://dead{i}.invalid/" for i in range(11)]
    live = f"http://127.0.0.1:{port}/"
    result, out = _run(tmp_path, [*dead, live], fallback=FakeDns())
    links = {link.url: link.result for _, link in result.snapshot.links()}
    assert links[live].status.value == "ok"
    assert {links[u].status.value for u in dead} == {"broken"}
    assert {links[u].cause for u in dead} == {"dns"}
    assert (out / "latest.json").exists()


def test_unresolvable_names_alone_are_network_down(tmp_path):
    """No name resolves and nothing answered: NetworkDown, nothing written."""
    with pytest.raises(NetworkDown):
        _run(tmp_path, [f"https://dead{i}.invalid/" for i in range(4)], fallback=FakeDns())
    assert not (tmp_path / "reports" / "latest.json").exists()


@pytest.mark.parametrize("proxy", [proxy_hangup, proxy_502], ids=["closes-every-connect", "answers-502"])
def test_a_proxy_that_answers_nothing_is_network_down(servers, tmp_path, proxy):
    """Behind an HTTPS proxy that gives no answer to any CONNECT: exit 3's error, nothing written."""
    port = servers.raw(proxy)
    settings = Settings(https_proxy=f"http://127.0.0.1:{port}")
    with pytest.raises(NetworkDown, match="no host gave any HTTP answer"):
        _run(tmp_path, ["https://93.184.216.34/a", "https://93.184.216.34/b", "https://1.1.1.1/"], settings=settings)
    assert not (tmp_path / "reports" / "latest.json").exists()
    assert servers.hits["127.0.0.1"] >= 1


def test_a_proxy_answering_502_to_plain_http_is_network_down_and_keeps_the_reports(servers, tmp_path):
    """HTTP_PROXY and HTTPS_PROXY on a proxy that answers 502 to everything (plain-http requests
    included, which get the proxy's own 502 page): exit 3's error, latest.json byte-identical."""
    live = f"http://127.0.0.1:{servers.app(ok)}/x"
    urls = [live, "http://93.184.216.34/a", "https://1.1.1.1/"]
    _run(tmp_path, urls, fallback=FakeDns())  # a good run first: reports exist
    before = (tmp_path / "reports" / "latest.json").read_bytes()
    proxy = f"http://127.0.0.1:{servers.raw(proxy_502)}"
    with pytest.raises(NetworkDown, match="the proxy answered HTTP 502"):
        _run(tmp_path, urls, settings=Settings(http_proxy=proxy, https_proxy=proxy))
    assert (tmp_path / "reports" / "latest.json").read_bytes() == before


def test_through_a_working_proxy_links_are_checked_and_the_network_is_up(servers):
    """A proxy that works (CONNECT tunnels, plain-http forwarding): https and http links are ok,
    a host's 404 through it is broken, and the run is not network down."""
    from tests.fakes.dual_scheme_server import CA_FILE, DualSchemeServer

    proxy = f"http://127.0.0.1:{servers.raw(forward_proxy)}"
    settings = Settings(http_proxy=proxy, https_proxy=proxy, ssl_cert_file=str(CA_FILE))
    with DualSchemeServer({("https", "/secure"): 200, ("http", "/plain"): 200}) as site:
        urls = [site.url("https", "/secure"), site.url("http", "/plain"), site.url("http", "/gone")]
        results = check(urls, settings=settings, allow_private=True, proxied=True, timeout=2)
    assert [results[u].status.value for u in urls] == ["ok", "ok", "broken"]
    assert servers.hits["127.0.0.1"] >= 3  # every request went through the proxy


def test_a_hosts_own_502_without_a_proxy_is_an_answer(servers):
    """Without a proxy a 502 is the host's: the network is up, the link unverified (http-502)."""
    from aiohttp import web

    async def bad_gateway(request):
        return web.Response(status=502)

    url = f"http://127.0.0.1:{servers.app(bad_gateway)}/x"
    result = check([url], allow_private=True, timeout=0.5)[url]
    assert result.status.value == "unverified" and result.cause == "http-502"


def test_check_exits_3_when_no_host_answers(servers, capsys):
    """`check` on hosts that all hang up after connecting: exit 3, no results printed."""
    port = servers.raw(proxy_hangup)  # reads the request, closes without answering
    code, results, err = check_cli(["--allow-private", "--timeout", "0.2", f"http://127.0.0.1:{port}/x"], capsys)
    assert code == 3 and not results and "network looks down" in err


# --------------------------------------------------------------------------- 7. soft 404s


def test_a_redirect_to_an_error_page_is_broken_soft_404(servers):
    """/old -> /404.html answering 200 is broken (cause soft-404); error-handling docs are not."""
    port = servers.app(soft_not_found)
    old, docs = f"http://127.0.0.1:{port}/old", f"http://127.0.0.1:{port}/moved-doc"
    results = check([old, docs], allow_private=True)
    assert results[old].status.value == "broken" and results[old].cause == "soft-404"
    assert "/404.html" in results[old].reason and results[old].final_url.endswith("/404.html")
    assert results[docs].status.value == "ok"


def test_a_redirect_to_a_hosts_known_error_url_is_broken_soft_404(servers):
    """www.gpo.gov's error page (/maintenance/error.htm, no 404 in it) behind a redirect is broken."""
    from aiohttp import web

    async def gpo(request):
        if request.path == "/fdsys/old-report":
            return web.Response(status=302, headers={"Location": "/maintenance/error.htm"})
        return web.Response(text="<title>GPO</title>", content_type="text/html")

    port = servers.app(gpo)
    url = f"http://www.gpo.gov:{port}/fdsys/old-report"
    result = check([url], allow_private=True, fallback=FakeDns({"www.gpo.gov": "127.0.0.1"}))[url]
    assert result.status.value == "broken" and result.cause == "soft-404"
    assert "/maintenance/error.htm" in result.reason


# --------------------------------------------------------------------------- 8. configuration


def test_a_999_bot_wall_can_be_accepted_in_the_registry_config(servers, tmp_path):
    """accept: [999] in the registry's config makes LinkedIn's 999 ok, cause accepted."""
    port = servers.app(wall_999)
    url = f"http://127.0.0.1:{port}/in/someone"
    result, _ = _run(tmp_path, [url], config="config:\n  accept: [999]\n")
    (link,) = [link.result for _, link in result.snapshot.links()]
    assert link.status.value == "ok" and link.http_status == 999 and link.cause == "accepted"


def test_without_the_config_999_is_an_anti_bot_wall(servers):
    """Not accepted, 999 is unverified (anti-bot), never broken."""
    port = servers.app(wall_999)
    url = f"http://127.0.0.1:{port}/in/someone"
    result = check([url], allow_private=True)[url]
    assert result.status.value == "unverified" and result.cause == "anti-bot"


# --------------------------------------------------------------------------- 9. DNS rebinding


def test_the_connection_only_reaches_the_addresses_the_guard_vetted(servers):
    """Public to the guard, 127.0.0.1 to the connection: the connection goes to the public address."""
    port = servers.app(ok)

    async def guard_dns(host, port_):
        return ["93.184.216.34"]

    rebinding = FakeDns({"rebind.test": "127.0.0.1"})
    url = f"http://rebind.test:{port}/"
    result = check([url, url + "again"], resolver=guard_dns, fallback=rebinding, timeout=0.2, network_known_up=True)
    assert servers.hits["127.0.0.1"] == 0  # the private address was never reached
    assert rebinding.asked == []  # the connection never asked its own DNS
    assert result[url].status.value == "unverified"
