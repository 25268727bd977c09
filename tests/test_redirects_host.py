"""Pure parts of the engine: URLs on the wire, Location resolution, soft-404 paths, the Host pause budget."""

from __future__ import annotations

import anyio
import pytest
from yarl import URL

from crawler.classify import CAUSES, error_page
from crawler.host import Host
from crawler.hosts import HostLimiter
from crawler.redirects import resolve_location, wire_url
from crawler.retry import Clock


@pytest.mark.parametrize(
    ("written", "sent"),
    [
        ("https://h.test/ratings/34456/Gal%2AGun%3A+Double+Peace/", "/ratings/34456/Gal%2AGun%3A+Double+Peace/"),
        ("https://h.test/a%2Fb%28c%29?q=%2a#frag", "/a%2Fb%28c%29?q=%2a"),
        ("https://h.test/caf\u00e9 au lait?x=\u00e9 y", "/caf%C3%A9%20au%20lait?x=%C3%A9%20y"),
        ("https://h.test/a<b>{c}", "/a%3Cb%3E%7Bc%7D"),
        ("https://h.test", "/"),
    ],
)
def test_wire_url_escapes_only_what_a_request_line_cannot_carry(written, sent):
    """Escapes are never decoded; spaces, non-ASCII and <>{} are escaped as browsers do."""
    assert wire_url(written).raw_path_qs == sent


def test_wire_url_encodes_an_idn_host_and_keeps_the_port():
    """A non-ASCII host is IDNA-encoded; the port stays."""
    url = wire_url("http://b\u00fccher.test:8080/x y")
    assert url.raw_host == "xn--bcher-kva.test" and url.port == 8080 and url.raw_path == "/x%20y"


def test_wire_url_rejects_a_bad_port():
    """A port that is not a number is a ValueError (the checker calls it malformed)."""
    with pytest.raises(ValueError):
        wire_url("http://h.test:99999/")


def test_relative_locations_resolve_without_decoding_the_base():
    """'../x' from /a%2Fb/c is /x: %2F is not a path separator."""
    base = URL("http://h.test/a%2Fb/c", encoded=True)
    assert str(resolve_location(base, "../x%2A")) == "http://h.test/x%2A"


def test_latin1_location_bytes_are_kept_byte_for_byte():
    """A Latin-1 byte (surrogate-escaped by net.py) becomes %E9, a UTF-8 target %C3%A9."""
    base = URL("http://h.test/", encoded=True)
    assert resolve_location(base, "/caf\udce9").raw_path == "/caf%E9"
    assert resolve_location(base, "/caf\u00e9").raw_path == "/caf%C3%A9"


@pytest.mark.parametrize("path", ["/404", "/404.html", "/error/404.html", "/not-found", "/notfound", "/errors/x",
                                  "/en/page-not-found/", "/error"])  # fmt: skip
def test_error_pages_are_recognised(path):
    """The error-page paths of issue 9 item 7 are soft-404 targets."""
    assert error_page("h.test", path)


@pytest.mark.parametrize("path", ["/guide/error-handling.html", "/docs/errors", "/", "/a/b", "/4040"])
def test_ordinary_pages_are_not_error_pages(path):
    """Pages about errors, and paths that merely contain 404, are not error pages."""
    assert not error_page("h.test", path)


def test_causes_are_slugs():
    """Every documented cause is a lowercase slug, as LinkResult.cause requires."""
    import re

    assert all(re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", c) for c in CAUSES)


def test_a_pause_is_charged_once_however_many_urls_hit_it():
    """Three 429s asking 5 s at the same moment cost 5 s of budget, not 15; the host goes to one at a time."""
    clock = Clock(virtual=True)
    host = Host(name="h.test", accept=frozenset(), limiter=HostLimiter(8), max_wait=12)
    assert host.pause(5, clock) and host.pause(5, clock) and host.pause(5, clock)
    assert host.waited == 5 and host.throttled and host.limiter.concurrency == 1
    anyio.run(host.ready, clock)
    assert clock.now() == host.paused_until
    assert host.pause(5, clock)  # 10 s in all
    anyio.run(host.ready, clock)
    assert not host.pause(5, clock)  # 15 s would pass the 12 s budget


def test_a_429_without_retry_after_backs_off_and_zero_still_costs_something():
    """No Retry-After: 1, 2, 4 ... s; "Retry-After: 0" is charged 1 s so a loop ends at the budget."""
    clock = Clock(virtual=True)
    host = Host(name="h.test", accept=frozenset(), limiter=HostLimiter(8), max_wait=100)
    waits = []
    for _ in range(3):
        before = host.paused_until or clock.now()
        host.pause(None, clock)
        waits.append(host.paused_until - before)
        anyio.run(host.ready, clock)
    assert waits == [1.0, 2.0, 4.0]
    spent = host.waited
    host.pause(0, clock)
    assert host.waited == spent + 1.0
