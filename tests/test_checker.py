"""The link-checking engine against mocked transports: every status rule, retries, HEAD->GET,
the body cap, the address guard, the network-down guard and dedup. Nothing sleeps for real."""

from __future__ import annotations

import socket
import ssl
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import anyio
import httpx
import pytest

from crawler import retry
from crawler.checker import CheckOptions, check_urls
from crawler.errors import NetworkDown
from crawler.models import CrawlConfig, HostConfig, LinkResult, LinkStatus
from crawler.net import build_client
from crawler.settings import Settings

PUBLIC = "93.184.216.34"


async def fake_dns(host: str, port: int) -> list[str]:
    """Every *.test name is public; internal.test is private; anything else does not exist."""
    if host == "internal.test":
        return ["10.1.2.3"]
    if host.endswith(".test"):
        return [PUBLIC]
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


Handler = Callable[[httpx.Request], httpx.Response]


def run(urls: list[str], handler: Handler, *, resolver=fake_dns, on_result=None, **options) -> dict[str, LinkResult]:
    """check_urls over a MockTransport, with instant retries (conftest) and a fake resolver."""

    async def go() -> dict[str, LinkResult]:
        client = build_client(Settings(), transport=httpx.MockTransport(handler))
        async with client:
            return await check_urls(
                urls, client=client, options=CheckOptions(**options), on_result=on_result, resolver=resolver
            )

    return anyio.run(go)


def answer(status: int, **headers: str) -> Handler:
    return lambda request: httpx.Response(status, headers={k.replace("_", "-"): v for k, v in headers.items()})


class Recorder:
    """A handler that logs (method, url) and answers from a per-path script."""

    def __init__(self, routes: dict[str, list[httpx.Response] | Callable[[httpx.Request], httpx.Response]]) -> None:
        self.routes = routes
        self.calls: list[tuple[str, str]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append((request.method, str(request.url)))
        route = self.routes[request.url.path]
        if callable(route):
            return route(request)
        return route.pop(0) if len(route) > 1 else route[0]


# --------------------------------------------------------------------------- status rules


def test_200_is_ok():
    """A 200 answer is ok, with its status and a readable reason."""
    result = run(["https://a.test/"], answer(200))["https://a.test/"]
    assert (result.status, result.http_status, result.reason) == (LinkStatus.OK, 200, "HTTP 200 OK")
    assert result.final_url is None and result.checked_at.tzinfo is not None


@pytest.mark.parametrize("code", [404, 410])
def test_404_and_410_are_broken(code):
    """404 and 410 (confirmed by GET) mean the link is gone."""
    result = run(["https://a.test/x"], answer(code))["https://a.test/x"]
    assert result.status is LinkStatus.BROKEN and result.http_status == code
    assert result.reason.startswith(f"HTTP {code} ")


@pytest.mark.parametrize("code", [301, 308])
def test_permanent_redirect_is_redirected_with_final_url(code):
    """A 301/308 hop to a working page is 'redirected' and final_url says where to."""
    rec = Recorder({"/old": [httpx.Response(code, headers={"Location": "/new"})], "/new": [httpx.Response(200)]})
    result = run(["https://a.test/old"], rec)["https://a.test/old"]
    assert result.status is LinkStatus.REDIRECTED
    assert result.final_url == "https://a.test/new"
    assert result.reason == "moved permanently to https://a.test/new"


@pytest.mark.parametrize("code", [302, 303, 307])
def test_temporary_redirect_is_ok(code):
    """A temporary hop is not a reason to edit the registry: ok, with where it ended."""
    rec = Recorder(
        {"/a": [httpx.Response(code, headers={"Location": "https://b.test/b"})], "/b": [httpx.Response(200)]}
    )
    result = run(["https://a.test/a"], rec)["https://a.test/a"]
    assert result.status is LinkStatus.OK and result.final_url == "https://b.test/b"


def test_permanent_then_temporary_hop_suggests_the_permanent_target():
    """301 then 302: the registry should move to the 301's target, not the temporary one."""
    rec = Recorder(
        {
            "/a": [httpx.Response(301, headers={"Location": "/b"})],
            "/b": [httpx.Response(302, headers={"Location": "/session/123"})],
            "/session/123": [httpx.Response(200)],
        }
    )
    result = run(["https://a.test/a"], rec)["https://a.test/a"]
    assert result.status is LinkStatus.REDIRECTED and result.final_url == "https://a.test/b"


def test_redirect_to_a_missing_page_is_broken():
    """A hop that lands on a 404 is broken, and the reason names where it ended."""
    rec = Recorder({"/a": [httpx.Response(301, headers={"Location": "/gone"})], "/gone": [httpx.Response(404)]})
    result = run(["https://a.test/a"], rec)["https://a.test/a"]
    assert result.status is LinkStatus.BROKEN and "https://a.test/gone" in result.reason


def test_redirect_loop_is_unverified():
    """A page that redirects to itself forever is unverified after max_redirects hops."""
    result = run(["https://a.test/loop"], answer(302, location="/loop"), max_redirects=5)["https://a.test/loop"]
    assert result.status is LinkStatus.UNVERIFIED and "more than 5 redirects" in result.reason


@pytest.mark.parametrize("code", [401, 403, 999])
def test_auth_and_anti_bot_answers_are_unverified(code):
    """401, 403 and LinkedIn's 999 say nothing about the link: unverified, never broken."""
    result = run(["https://a.test/"], answer(code))["https://a.test/"]
    assert result.status is LinkStatus.UNVERIFIED and result.http_status == code


def test_cloudflare_challenge_header_is_unverified_and_named():
    """A 403 with cf-mitigated: challenge is reported as Cloudflare's bot challenge."""
    result = run(["https://a.test/"], answer(403, cf_mitigated="challenge", server="cloudflare"))["https://a.test/"]
    assert result.status is LinkStatus.UNVERIFIED and "Cloudflare's bot challenge" in result.reason


def test_challenge_page_on_a_404_is_unverified():
    """A 'not found' served by a bot wall (challenge markup in the body) is not trusted."""
    page = b"<html><title>Just a moment...</title><script src='/cdn-cgi/challenge-platform/x.js'></script>"
    result = run(["https://a.test/"], lambda r: httpx.Response(404, content=page))["https://a.test/"]
    assert result.status is LinkStatus.UNVERIFIED and "Cloudflare" in result.reason


def test_aws_waf_challenge_on_202_is_unverified():
    """AWS WAF answers 202 with x-amzn-waf-action: challenge instead of the page."""
    result = run(["https://a.test/"], answer(202, x_amzn_waf_action="challenge"))["https://a.test/"]
    assert result.status is LinkStatus.UNVERIFIED and "AWS WAF" in result.reason


# --------------------------------------------------------------------------- retries


def test_5xx_is_retried_until_it_works():
    """A 503 followed by a 200 is ok; the retry waited (instantly) once."""
    rec = Recorder({"/": [httpx.Response(503), httpx.Response(503), httpx.Response(200)]})
    result = run(["https://a.test/"], rec)["https://a.test/"]
    assert result.status is LinkStatus.OK
    assert len(retry.recorded_waits()) == 1  # HEAD 503 -> GET 503 is one attempt, then HEAD 200


def test_5xx_that_outlasts_the_retries_is_unverified():
    """A server that keeps answering 500 is unverified after 3 attempts, not broken."""
    rec = Recorder({"/": [httpx.Response(500)]})
    result = run(["https://a.test/"], rec)["https://a.test/"]
    assert result.status is LinkStatus.UNVERIFIED and result.http_status == 500
    assert "after 3 attempts" in result.reason
    assert len(retry.recorded_waits()) == 2


def test_retry_after_in_seconds_is_honoured():
    """429 with Retry-After: 7 waits exactly 7 s (recorded, not slept) and then succeeds."""
    rec = Recorder({"/": [httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200)]})
    assert run(["https://a.test/"], rec)["https://a.test/"].status is LinkStatus.OK
    assert retry.recorded_waits() == [7.0]


def test_retry_after_as_http_date_is_honoured():
    """Retry-After as an HTTP date is measured against the answer's Date header."""
    sent = datetime(2026, 1, 5, 12, 0, 0, tzinfo=UTC)
    headers = {
        "Date": format_datetime(sent, usegmt=True),
        "Retry-After": format_datetime(sent + timedelta(seconds=30), usegmt=True),
    }
    rec = Recorder(
        {"/": [httpx.Response(503, headers=headers), httpx.Response(503, headers=headers), httpx.Response(200)]}
    )
    assert run(["https://a.test/"], rec)["https://a.test/"].status is LinkStatus.OK
    assert retry.recorded_waits() == [30.0, 30.0]  # two pauses of the host, neither an attempt


def test_retry_after_over_the_cap_is_unverified_without_waiting():
    """A server asking for an hour is not waited on: unverified, cause rate-limited, the budget named."""
    rec = Recorder({"/": [httpx.Response(429, headers={"Retry-After": "3600"})]})
    result = run(["https://a.test/"], rec, max_wait=60)["https://a.test/"]
    assert result.status is LinkStatus.UNVERIFIED and result.http_status == 429
    assert result.cause == "rate-limited"
    assert "asked to wait 3600 s" in result.reason and "60 s wait budget" in result.reason
    assert retry.recorded_waits() == [] and len(rec.calls) == 1


def test_429_is_still_unverified_when_rate_limiting_persists():
    """429 without Retry-After pauses the host 1, 2, 4 ... s until the wait budget is spent: unverified."""
    result = run(["https://a.test/"], answer(429))["https://a.test/"]
    assert result.status is LinkStatus.UNVERIFIED and "rate limited" in result.reason
    assert result.cause == "rate-limited"
    waits = retry.recorded_waits()
    assert waits[:3] == [1.0, 2.0, 4.0] and sum(waits) <= 120


def test_timeouts_that_outlast_the_retries_are_unverified():
    """A read timeout on every attempt is unverified, after 3 attempts."""
    calls = []

    def handler(request):
        calls.append(request.method)
        raise httpx.ReadTimeout("slow", request=request)

    result = run(["https://a.test/", "https://b.test/"], handler, network_known_up=True)["https://a.test/"]
    assert result.status is LinkStatus.UNVERIFIED and "timed out" in result.reason and "3 attempts" in result.reason
    assert result.cause == "timeout"
    # HEAD timed out once per host: GET only from then on (never HEAD-timeout then GET-timeout again).
    assert calls.count("HEAD") == 2 and calls.count("GET") == 6


def test_tls_errors_are_unverified_and_not_retried():
    """A certificate problem is reported once as unverified (retrying would not fix it)."""
    calls = []

    def handler(request):
        calls.append(request.method)
        raise httpx.ConnectError("certificate verify failed", request=request) from ssl.SSLCertVerificationError(
            "certificate has expired"
        )

    urls = ["https://bad.test/", "https://a.test/", "https://b.test/"]

    def mixed(request):
        return handler(request) if request.url.host == "bad.test" else httpx.Response(200)

    result = run(urls, mixed)["https://bad.test/"]
    assert result.status is LinkStatus.UNVERIFIED and "TLS" in result.reason
    assert calls == ["HEAD"]


# --------------------------------------------------------------------------- HEAD then GET


@pytest.mark.parametrize("code", [405, 501])
def test_head_refused_falls_back_to_get(code):
    """405/501 to HEAD is followed by a GET, whose answer decides."""
    rec = Recorder({"/": lambda r: httpx.Response(code if r.method == "HEAD" else 200)})
    assert run(["https://a.test/"], rec)["https://a.test/"].status is LinkStatus.OK
    assert [m for m, _ in rec.calls] == ["HEAD", "GET"]


def test_head_error_that_get_does_not_give_is_not_trusted():
    """A server that 404s HEAD but serves GET is ok."""
    rec = Recorder({"/": lambda r: httpx.Response(404 if r.method == "HEAD" else 200)})
    assert run(["https://a.test/"], rec)["https://a.test/"].status is LinkStatus.OK


def test_a_host_that_refused_head_gets_get_straight_away():
    """After one 405 to HEAD, the same host's other URLs are checked with GET only."""
    rec = Recorder({"/1": lambda r: httpx.Response(405 if r.method == "HEAD" else 200), "/2": [httpx.Response(200)]})
    run(["https://a.test/1", "https://a.test/2"], rec, host_concurrency=1)
    assert [m for m, u in rec.calls if u.endswith("/2")] == ["GET"]


def test_get_sends_identity_encoding_and_every_request_the_user_agent():
    """The descriptive User-Agent is on every request; a GET asks for the page uncompressed."""
    seen = []

    def handler(request):
        seen.append((request.method, request.headers["user-agent"], request.headers.get("accept-encoding")))
        return httpx.Response(405 if request.method == "HEAD" else 200)

    run(["https://a.test/"], handler)
    assert all(ua.startswith("medllm-crawler/") and "+https://" in ua for _, ua, _ in seen)
    assert seen[1][2] == "identity"


class CountingStream(httpx.AsyncByteStream):
    """A 1 GiB body in 1 KiB chunks that counts how much of it was pulled."""

    def __init__(self) -> None:
        self.chunks = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for _ in range(1024 * 1024):
            self.chunks += 1
            yield b"x" * 1024

    async def aclose(self) -> None:
        pass


def test_body_cap_stops_reading_a_huge_body():
    """An error page is read for markers, but never beyond the body cap."""
    stream = CountingStream()
    result = run(["https://a.test/"], lambda r: httpx.Response(403, stream=stream), body_cap=8 * 1024)
    assert result["https://a.test/"].status is LinkStatus.UNVERIFIED
    assert stream.chunks <= 9


def test_a_working_page_body_is_not_downloaded():
    """A 200 to GET without a small Content-Length is not read at all (never download a dataset)."""
    stream = CountingStream()

    def handler(request):
        return httpx.Response(405) if request.method == "HEAD" else httpx.Response(200, stream=stream)

    assert run(["https://a.test/data.tar"], handler)["https://a.test/data.tar"].status is LinkStatus.OK
    assert stream.chunks == 0


# --------------------------------------------------------------------------- safety


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://10.0.0.1/admin",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[fd00:ec2::254]/",
        "http://0.0.0.0/",
        "http://internal.test/",
    ],
)
def test_private_targets_are_refused_without_a_request(url):
    """Private, loopback, link-local, metadata and unspecified targets are skipped, unrequested."""
    rec = Recorder({})
    result = run([url], rec)[url]
    assert result.status is LinkStatus.SKIPPED and "--allow-private" in result.reason
    assert rec.calls == []


def test_private_target_is_refused_after_a_redirect():
    """A public page that redirects to the metadata service is refused at the hop."""
    rec = Recorder({"/": [httpx.Response(302, headers={"Location": "http://169.254.169.254/latest/"})]})
    result = run(["https://a.test/"], rec)["https://a.test/"]
    assert result.status is LinkStatus.SKIPPED and "cloud metadata" in result.reason
    assert result.final_url == "http://169.254.169.254/latest/"
    assert [u for _, u in rec.calls] == ["https://a.test/"]


def test_allow_private_checks_loopback_targets():
    """--allow-private lets loopback targets through (and does not resolve names itself)."""
    result = run(["http://127.0.0.1:8000/"], answer(200), allow_private=True)
    assert result["http://127.0.0.1:8000/"].status is LinkStatus.OK


def test_only_http_is_checked_and_malformed_urls_are_broken():
    """mailto: and ftp: are skipped; a string that is not an absolute URL is broken."""
    results = run(["mailto:a@b.test", "ftp://a.test/f", "not a url", "https:///nohost"], Recorder({}))
    assert [r.status for r in results.values()] == [
        LinkStatus.SKIPPED,
        LinkStatus.SKIPPED,
        LinkStatus.BROKEN,
        LinkStatus.BROKEN,
    ]


# --------------------------------------------------------------------------- network down


def test_every_host_refusing_connections_is_network_down():
    """When every host fails at the connection level the run raises NetworkDown naming the network."""

    def handler(request):
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    with pytest.raises(NetworkDown, match="network"):
        run([f"https://h{i}.test/" for i in range(5)], handler)


def test_no_dns_at_all_is_network_down():
    """When no name resolves (offline resolver), that is the network, not 4 dead links."""

    async def offline(host, port):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(NetworkDown):
        run(["https://a.test/", "https://b.test/", "https://c.test/", "https://d.test/"], answer(200), resolver=offline)


def test_unknown_host_among_working_ones_is_broken():
    """One name that does not resolve, while other hosts answer, is broken."""
    urls = ["https://a.test/", "https://b.test/", "https://gone.invalid/"]
    results = run(urls, answer(200))
    assert results["https://gone.invalid/"].status is LinkStatus.BROKEN
    assert "unknown host" in results["https://gone.invalid/"].reason


def test_refusing_host_among_working_ones_is_unverified_and_short_circuited():
    """A host that refuses connections is unverified, and its other URLs do not retry again."""
    calls = Counter()

    def handler(request):
        calls[request.url.host] += 1
        if request.url.host == "down.test":
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        return httpx.Response(200)

    urls = [f"https://down.test/{i}" for i in range(6)] + ["https://a.test/", "https://b.test/"]
    results = run(urls, handler, host_concurrency=1)
    assert {results[u].status for u in urls[:6]} == {LinkStatus.UNVERIFIED}
    assert "connection refused" in results[urls[5]].reason
    assert calls["down.test"] == 3


# --------------------------------------------------------------------------- dedup, config


def test_a_url_cited_three_times_is_requested_once():
    """One result per unique URL, one request for it; fragments share the request too."""
    rec = Recorder({"/": [httpx.Response(200)]})
    got: list[LinkResult] = []
    urls = ["https://a.test/", "https://a.test/", "https://a.test/", "https://a.test/#intro"]
    results = run(urls, rec, on_result=got.append)
    assert list(results) == ["https://a.test/", "https://a.test/#intro"]
    assert len(rec.calls) == 1 and len(got) == 2


def test_fragments_of_an_excluded_or_skipped_url_each_get_a_result():
    """Every cited string gets its own result, even when the request key was decided up front."""
    urls = ["https://x.test/p#a", "mailto:a@b.test", "https://x.test/p#b"]
    results = run(urls, Recorder({}), exclude=("x\\.test",))
    assert list(results) == urls and {r.status for r in results.values()} == {LinkStatus.SKIPPED}


def test_excluded_urls_are_skipped():
    """A URL matching an exclude pattern is skipped with the pattern named, and not requested."""
    rec = Recorder({"/": [httpx.Response(200)]})
    results = run(["https://a.test/", "https://x.test/private"], rec, exclude=(r"x\.test/",))
    assert results["https://x.test/private"].status is LinkStatus.SKIPPED
    assert "x\\\\.test/" in results["https://x.test/private"].reason
    assert len(rec.calls) == 1


def test_accepted_statuses_count_as_ok():
    """Statuses listed in accept (everywhere or per host) are ok without retries."""
    results = run(
        ["https://a.test/", "https://b.test/"],
        lambda r: httpx.Response(403 if r.url.host == "a.test" else 503),
        accept=frozenset({403}),
        hosts={"b.test": HostConfig(accept=[503])},
    )
    assert {r.status for r in results.values()} == {LinkStatus.OK}
    assert retry.recorded_waits() == []


def test_options_from_config_take_overrides_but_ignore_none():
    """CheckOptions.from_config merges the registry config with CLI flags; None flags keep the config."""
    config = CrawlConfig(exclude=["a"], accept=[403], concurrency=10, timeout=5)
    options = CheckOptions.from_config(config, concurrency=None, host_concurrency=3, allow_private=None)
    assert (options.concurrency, options.host_concurrency, options.timeout) == (10, 3, 5)
    assert options.exclude == ("a",) and options.accept == frozenset({403}) and options.allow_private is False
    with pytest.raises(TypeError):
        CheckOptions.from_config(config, no_such_option=1)


def test_cookies_set_by_a_redirect_are_sent_to_the_next_hop_only():
    """A site that sets a cookie and redirects to itself gets it back; nothing else does."""

    def handler(request):
        if request.url.path == "/start":
            return httpx.Response(302, headers={"Location": "/page", "Set-Cookie": "sess=abc; Path=/"})
        return httpx.Response(
            200 if request.headers.get("cookie") == "sess=abc" else 302, headers={"Location": "/start"}
        )

    results = run(["https://a.test/start", "https://a.test/page"], handler, max_redirects=3, host_concurrency=1)
    assert results["https://a.test/start"].status is LinkStatus.OK
    assert results["https://a.test/page"].status is LinkStatus.OK  # via /start, which sets the cookie


def test_451_is_broken():
    """HTTP 451 (unavailable for legal reasons, e.g. a DMCA takedown) is broken, as in the GitHub source."""
    from crawler.classify import classify_answer

    assert classify_answer(451, {}, b"").status is LinkStatus.BROKEN


def test_head_that_never_answers_falls_back_to_get():
    """A server that lets HEAD time out but answers GET is ok, judged by the GET."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "HEAD":
            raise httpx.ReadTimeout("timed out", request=request)
        return httpx.Response(200)

    assert run(["https://slowhead.test/x"], handler)["https://slowhead.test/x"].status is LinkStatus.OK


def test_url_the_client_cannot_send_is_broken_not_a_crash():
    """A URL longer than the client accepts becomes one broken result instead of ending the run."""
    url = "https://long.test/" + "a" * 70_000
    results = run([url, "https://fine.test/"], answer(200))
    assert results[url].status is LinkStatus.BROKEN and "malformed URL" in results[url].reason
    assert results["https://fine.test/"].status is LinkStatus.OK


def test_redirect_target_is_paced_by_its_own_host_settings():
    """A hop to another host uses that host's configured min interval, not the origin's (or none)."""
    from types import SimpleNamespace

    from crawler.checker import _Run
    from crawler.net import AddressGuard

    options = CheckOptions(hosts={"publisher.test": HostConfig(min_interval_ms=2000)})
    run_ = _Run(SimpleNamespace(), options, AddressGuard(allow_private=True), None)
    host = run_.hosts["publisher.test"]
    assert host.limiter.min_interval == 2.0 and run_.hosts["publisher.test"] is host
