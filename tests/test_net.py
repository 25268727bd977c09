"""The client seam: how it is built (User-Agent, proxies, CA, no cookies), the direct aiohttp
exchange on a loopback server, failure classification, and the address guard."""

from __future__ import annotations

import ipaddress
import socket
import ssl

import aiohttp
import anyio
import certifi
import httpx
import pytest
from loopback_server import LoopbackServer

from crawler.failures import FailureKind, describe_failure, from_aiohttp
from crawler.net import AddressGuard, build_client, exchange, non_public_reason, proxy_mounts
from crawler.settings import USER_AGENT, Settings


@pytest.fixture(scope="module")
def server():
    srv = LoopbackServer().start()
    yield srv
    srv.stop()


# --------------------------------------------------------------------------- client


def test_client_sends_the_user_agent_and_follows_no_redirects():
    """Every request carries the descriptive User-Agent; redirects come back unfollowed."""
    seen = []

    def handler(request):
        seen.append(request.headers["user-agent"])
        return httpx.Response(301, headers={"Location": "/elsewhere"})

    async def main():
        async with build_client(Settings(), transport=httpx.MockTransport(handler)) as client:
            return await client.get("https://a.test/")

    response = anyio.run(main)
    assert response.status_code == 301 and seen == [USER_AGENT]
    assert "medllm-crawler/" in USER_AGENT and "https://" in USER_AGENT


def test_client_keeps_no_cookies():
    """A Set-Cookie from one answer is not sent with the next request."""
    cookies = []

    def handler(request):
        cookies.append(request.headers.get("cookie"))
        return httpx.Response(200, headers={"Set-Cookie": "track=1; Path=/"})

    async def main():
        async with build_client(Settings(), transport=httpx.MockTransport(handler)) as client:
            await client.get("https://a.test/")
            await client.get("https://a.test/")
            return len(client.cookies)

    assert anyio.run(main) == 0 and cookies == [None, None]


def test_proxy_settings_become_mounts_and_no_proxy_hosts_go_direct():
    """HTTPS_PROXY/HTTP_PROXY/NO_PROXY come from Settings: proxied schemes, direct exceptions."""
    settings = Settings(
        https_proxy="proxy.corp:3128", http_proxy="http://proxy.corp:3128", no_proxy="localhost,.internal.org,10.0.0.1"
    )
    assert proxy_mounts(settings) == {
        "http://": "http://proxy.corp:3128",
        "https://": "http://proxy.corp:3128",
        "all://localhost": None,
        "all://*.internal.org": None,
        "all://10.0.0.1": None,
    }
    assert proxy_mounts(Settings(https_proxy="http://p:1", no_proxy="*")) == {}
    assert proxy_mounts(Settings(no_proxy="example.org")) == {}


def test_a_configured_proxy_routes_requests_through_httpx():
    """With a proxy, the direct aiohttp path is off and httpx's proxy transport is mounted."""
    client = build_client(Settings(https_proxy="http://proxy.corp:3128"))
    assert client.direct is None  # type: ignore[attr-defined]
    assert isinstance(client._transport_for_url(httpx.URL("https://example.org/")), httpx.AsyncHTTPTransport)
    anyio.run(client.aclose)
    assert build_client(Settings()).direct is not None  # type: ignore[attr-defined]


def test_ssl_cert_file_replaces_the_ca_bundle(tmp_path):
    """SSL_CERT_FILE (via Settings) is the CA bundle the TLS context trusts; a bad one fails loudly."""
    from crawler.tls import ssl_context as _ssl_context

    ctx = _ssl_context(Settings(ssl_cert_file=certifi.where()))
    assert isinstance(ctx, ssl.SSLContext) and ctx.cert_store_stats()["x509_ca"] > 10
    with pytest.raises(OSError):
        _ssl_context(Settings(ssl_cert_file=str(tmp_path / "missing.pem")))


# --------------------------------------------------------------------------- direct exchange


def test_direct_exchange_reads_status_headers_and_caps_the_body(server):
    """On the real aiohttp pool a GET reads at most body_cap bytes of a 4 MiB body."""

    async def main():
        async with build_client(Settings(), timeout=5) as client:
            big = await exchange(client, "GET", server.url("/big"), want_body=lambda c, h: True, body_cap=10_000)
            head = await exchange(client, "HEAD", server.url("/moved"))
            return big, head

    big, head = anyio.run(main)
    assert big.status == 200 and len(big.body or b"") == 10_000
    assert head.status == 301 and head.headers["location"] == "/ok" and head.body is None


def test_direct_exchange_raises_httpx_errors(server):
    """A refused connection on the direct path is an httpx.ConnectError classified as refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, not listening: connections are refused

        async def main():
            async with build_client(Settings(), timeout=5) as client:
                await exchange(client, "HEAD", f"http://127.0.0.1:{port}/")

        with pytest.raises(httpx.ConnectError) as info:
            anyio.run(main)
    failure = describe_failure(info.value)
    assert failure is not None and failure.kind is FailureKind.UNREACHABLE and failure.connection_level


def test_the_httpx_api_works_over_the_aiohttp_transport(server):
    """GitHub/Hugging Face code uses the plain httpx API on the same client."""

    async def main():
        async with build_client(Settings(), timeout=5) as client:
            return await client.get(server.url("/ok"))

    response = anyio.run(main)
    assert response.status_code == 200 and "ok" in response.text


# --------------------------------------------------------------------------- failures


def test_failures_are_classified_by_cause():
    """DNS, refused, timeouts, TLS and protocol errors each get their own kind and retry rule."""
    gai = httpx.ConnectError("dns")
    gai.__cause__ = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    again = httpx.ConnectError("dns")
    again.__cause__ = socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
    refused = httpx.ConnectError("nope")
    refused.__cause__ = ConnectionRefusedError(111, "Connection refused")
    tls = httpx.ConnectError("tls")
    tls.__cause__ = ssl.SSLCertVerificationError("certificate has expired")
    cases = {
        FailureKind.UNKNOWN_HOST: gai,
        FailureKind.DNS_TEMPORARY: again,
        FailureKind.UNREACHABLE: refused,
        FailureKind.CONNECT_TIMEOUT: httpx.ConnectTimeout("t"),
        FailureKind.TIMEOUT: httpx.ReadTimeout("t"),
        FailureKind.TLS: tls,
        FailureKind.PROTOCOL: httpx.RemoteProtocolError("bye"),
    }
    for kind, exc in cases.items():
        failure = describe_failure(exc)
        assert failure is not None and failure.kind is kind, kind
    assert not describe_failure(gai).retryable and not describe_failure(tls).retryable
    assert describe_failure(refused).retryable and describe_failure(TimeoutError()).kind is FailureKind.TIMEOUT
    assert describe_failure(ValueError("not a transport error")) is None


def test_aiohttp_errors_map_to_precise_httpx_errors():
    """aiohttp's DNS, disconnect and timeout errors do not all become ConnectTimeout."""
    key = aiohttp.client_reqrep.ConnectionKey("a.test", 443, True, True, None, None, None)
    dns = aiohttp.ClientConnectorDNSError(key, OSError(-2, "Name or service not known"))
    assert isinstance(from_aiohttp(dns), httpx.ConnectError)
    assert describe_failure(from_aiohttp(dns)).kind is FailureKind.UNKNOWN_HOST
    assert isinstance(from_aiohttp(aiohttp.ServerDisconnectedError()), httpx.RemoteProtocolError)
    assert isinstance(from_aiohttp(aiohttp.SocketTimeoutError()), httpx.ReadTimeout)
    assert isinstance(from_aiohttp(aiohttp.ConnectionTimeoutError()), httpx.ConnectTimeout)


# --------------------------------------------------------------------------- address guard


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("127.0.0.1", "loopback"),
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "cloud metadata"),
        ("192.0.0.192", "cloud metadata"),
        ("169.254.1.1", "link-local"),
        ("fd00:ec2::254", "cloud metadata"),
        ("::1", "loopback"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "not globally routable"),
        ("::ffff:127.0.0.1", "loopback"),
        ("64:ff9b::a00:1", "private"),
        ("fe80::1", "link-local"),
        ("93.184.216.34", None),
        ("2606:4700::1111", None),
    ],
)
def test_non_public_addresses_are_named(address, why):
    """Each kind of non-public address is recognised (IPv4, IPv6, mapped and NAT64 forms)."""
    assert non_public_reason(ipaddress.ip_address(address)) == why


def test_guard_resolves_each_host_once_even_when_asked_concurrently():
    """Ten concurrent checks of one name make one DNS lookup."""
    lookups = []

    async def resolver(host, port):
        lookups.append(host)
        await anyio.sleep(0)
        return ["93.184.216.34"]

    async def main():
        guard = AddressGuard(resolver=resolver)
        verdicts = []

        async def ask():
            verdicts.append(await guard.check("example.org"))

        async with anyio.create_task_group() as tg:
            for _ in range(10):
                tg.start_soon(ask)
        return verdicts

    verdicts = anyio.run(main)
    assert lookups == ["example.org"] and all(v.allowed for v in verdicts)


def test_guard_refuses_a_name_with_any_private_address():
    """A name resolving to a public and a private address is refused (the socket may pick either)."""

    async def resolver(host, port):
        return ["93.184.216.34", "10.0.0.7"]

    verdict = anyio.run(AddressGuard(resolver=resolver).check, "mixed.example")
    assert verdict.refused and "mixed.example (10.0.0.7)" in verdict.refused and "private" in verdict.refused


def test_guard_reports_dns_failures():
    """NXDOMAIN is an unknown host; EAI_AGAIN is a temporary DNS failure."""

    async def resolver(host, port):
        code = socket.EAI_AGAIN if host == "flaky.example" else socket.EAI_NONAME
        raise socket.gaierror(code, "lookup failed")

    guard = AddressGuard(resolver=resolver)
    assert anyio.run(guard.check, "gone.example").failure.kind is FailureKind.UNKNOWN_HOST
    assert anyio.run(guard.check, "flaky.example").failure.kind is FailureKind.DNS_TEMPORARY


def test_allow_private_skips_the_guard():
    """--allow-private lets everything through without a lookup."""

    async def resolver(host, port):
        raise AssertionError("no lookup expected")

    assert anyio.run(AddressGuard(allow_private=True, resolver=resolver).check, "127.0.0.1").allowed


def test_behind_a_proxy_a_name_unknown_locally_is_left_to_the_proxy():
    """With a proxy configured, local DNS failure does not refuse the host (the proxy resolves it)."""
    import socket

    import anyio

    from crawler.guard import AddressGuard

    async def no_dns(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    async def verdicts():
        direct = await AddressGuard(resolver=no_dns).check("example.org")
        proxied = await AddressGuard(resolver=no_dns, proxied=True).check("example.org")
        literal = await AddressGuard(resolver=no_dns, proxied=True).check("10.0.0.1")
        return direct, proxied, literal

    direct, proxied, literal = anyio.run(verdicts)
    assert direct.failure is not None
    assert proxied.failure is None and proxied.refused is None
    assert literal.refused  # IP literals are still refused behind a proxy


def test_check_options_know_about_the_proxy():
    """check_options_for marks options as proxied when HTTPS_PROXY is set, so the guard defers to the proxy."""
    from crawler.config import check_options_for
    from crawler.models import CrawlConfig
    from crawler.settings import Settings

    proxied = check_options_for(CrawlConfig(), Settings.from_env({"HTTPS_PROXY": "http://proxy.test:3128"}), pyproject=None)
    direct = check_options_for(CrawlConfig(), Settings.from_env({}), pyproject=None)
    assert proxied.proxied and not direct.proxied


def test_an_unreadable_ssl_cert_file_is_a_usage_error_not_a_dead_network(tmp_path):
    """SSL_CERT_FILE naming a missing file stops with one sentence naming it, before any request."""
    from crawler.errors import UsageError

    missing = tmp_path / "corporate-ca.pem"
    with pytest.raises(UsageError, match="SSL_CERT_FILE=.*corporate-ca.pem: cannot read that CA bundle"):
        build_client(Settings(ssl_cert_file=str(missing)))
