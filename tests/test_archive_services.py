"""The archive clients against respx answers shaped like the documented ones (CDX, SPN2, SWH API)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from urllib.parse import parse_qs

import anyio
import httpx
import respx

from crawler import retry
from crawler.archive import swh, wayback
from crawler.archive.service import Service

WB = "https://web.archive.org"
SWH = "https://archive.softwareheritage.org/api/1"
ORIGIN = "https://github.com/org/gone"
PAGE = "https://example.org/data.zip"
HEADER = ["timestamp", "original", "statuscode"]
QUOTA = {"X-RateLimit-Limit": "120", "X-RateLimit-Remaining": "119", "X-RateLimit-Reset": "1764500000"}


def _go(router: respx.MockRouter, body):
    """Run *body(client)* with a client whose transport is *router*."""

    async def main():
        async with httpx.AsyncClient(transport=httpx.MockTransport(router.handler)) as client:
            return await body(client)

    return anyio.run(main)


def test_swh_latest_visit_gives_the_browse_page_and_visit_date():
    """visit/latest 200: a software-heritage copy dated by the visit, pointing at /browse/origin/."""
    router = respx.MockRouter()
    route = router.get(f"{SWH}/origin/{ORIGIN}/visit/latest/").respond(
        200, json={"origin": ORIGIN, "date": "2024-03-02T10:15:00.123456+00:00", "status": "full",
                   "snapshot": "ab" * 20, "visit": 3, "type": "git"}, headers=QUOTA)  # fmt: skip

    async def body(client):
        return await swh.latest_visit(Service("SWH", client, 5), SWH, ORIGIN)

    answer = _go(router, body)
    assert answer.answered and answer.copy is not None
    assert answer.copy.source == "software-heritage"
    browse = "https://archive.softwareheritage.org/browse/origin/?origin_url=https://github.com/org/gone"
    assert answer.copy.url == browse
    assert answer.copy.captured_at == datetime(2024, 3, 2, 10, 15, tzinfo=UTC)
    assert route.calls[0].request.url.params["require_snapshot"] == "true"


def test_swh_404_means_not_archived():
    """404 NotFoundExc is an answer: no copy, and the service is fine."""
    router = respx.MockRouter()
    router.get(f"{SWH}/origin/{ORIGIN}/visit/latest/").respond(
        404, json={"exception": "NotFoundExc", "reason": f"No visit for origin {ORIGIN} found"}, headers=QUOTA
    )

    async def body(client):
        service = Service("SWH", client, 5)
        return await swh.latest_visit(service, SWH, ORIGIN), service

    answer, service = _go(router, body)
    assert answer.answered and answer.copy is None and service.notice("lookups") is None


def test_swh_429_stops_the_service_for_the_run_and_says_when_it_resets():
    """429 Throttled with X-RateLimit headers: no answer, no further request, one notice naming the reset."""
    router = respx.MockRouter()
    route = router.get(url__regex=rf"{SWH}/origin/.*/visit/latest/").respond(
        429, json={"exception": "Throttled", "reason": "Request was throttled. Expected available in 3600 seconds."},
        headers={"X-RateLimit-Limit": "120", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1764504000"},
    )  # fmt: skip

    async def body(client):
        service = Service("Software Heritage", client, 5)
        first = await swh.latest_visit(service, SWH, ORIGIN)
        second = await swh.latest_visit(service, SWH, ORIGIN + "2")
        return first, second, service

    first, second, service = _go(router, body)
    assert not first.answered and not second.answered
    assert route.call_count == 1
    notice = service.notice("archive lookups")
    assert notice and "HTTP 429" in notice and "12:00 UTC" in notice and "2 archive lookups were not made" in notice


def test_swh_quota_used_up_keeps_the_answer_and_asks_no_more():
    """X-RateLimit-Remaining: 0 on a 200: that answer counts, the next lookup is not sent."""
    router = respx.MockRouter()
    route = router.get(url__regex=rf"{SWH}/origin/.*/visit/latest/").respond(
        200, json={"date": "2025-01-01T00:00:00+00:00", "status": "full"},
        headers={"X-RateLimit-Limit": "120", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1764504000"},
    )  # fmt: skip

    async def body(client):
        service = Service("Software Heritage", client, 5)
        return [await swh.latest_visit(service, SWH, o) for o in (ORIGIN, ORIGIN + "2")], service

    (first, second), service = _go(router, body)
    assert first.copy is not None and not second.answered and route.call_count == 1
    assert "used up until 12:00 UTC" in (service.notice("archive lookups") or "")


def test_wayback_prefers_the_newest_capture_from_before_the_failure():
    """CDX is asked with to= the day before failing_since, limit=-1 and filter=statuscode:200."""
    router = respx.MockRouter()
    route = router.get(f"{WB}/cdx/search/cdx").respond(200, json=[HEADER, ["20240302101500", PAGE, "200"]])

    async def body(client):
        return await wayback.newest_capture(Service("WB", client, 5), WB, PAGE, date(2026, 11, 20))

    answer = _go(router, body)
    params = route.calls[0].request.url.params
    assert params["to"] == "20261119" and params["limit"] == "-1" and params["filter"] == "statuscode:200"
    assert params["output"] == "json" and params["url"] == PAGE
    assert answer.copy is not None and answer.copy.url == f"{WB}/web/20240302101500/{PAGE}"
    assert answer.copy.captured_at == datetime(2024, 3, 2, 10, 15, tzinfo=UTC) and route.call_count == 1


def test_wayback_falls_back_to_any_good_capture_when_none_predates_the_failure():
    """An empty [] before failing_since: a second query without to= finds the newest 200 capture."""
    router = respx.MockRouter()

    def cdx(request: httpx.Request) -> httpx.Response:
        if "to" in request.url.params:
            return httpx.Response(200, json=[])
        return httpx.Response(200, json=[HEADER, ["20261125000000", PAGE, "200"]])

    route = router.get(f"{WB}/cdx/search/cdx").mock(side_effect=cdx)

    async def body(client):
        return await wayback.newest_capture(Service("WB", client, 5), WB, PAGE, date(2026, 11, 20))

    answer = _go(router, body)
    assert route.call_count == 2 and answer.copy is not None and answer.copy.captured_at.year == 2026


def test_wayback_no_capture_at_all_is_an_answer():
    """[] twice: answered, no copy (so the answer can be cached)."""
    router = respx.MockRouter()
    router.get(f"{WB}/cdx/search/cdx").respond(200, json=[])

    async def body(client):
        return await wayback.newest_capture(Service("WB", client, 5), WB, PAGE, date(2026, 11, 20))

    answer = _go(router, body)
    assert answer.answered and answer.copy is None


def test_wayback_429_with_retry_after_stops_asking():
    """429 + Retry-After from CDX: the service stops for the run (ignored 429s get an IP blocked)."""
    router = respx.MockRouter()
    route = router.get(f"{WB}/cdx/search/cdx").respond(429, text="Too Many Requests", headers={"Retry-After": "60"})

    async def body(client):
        service = Service("the Wayback Machine", client, 5)
        answers = [await wayback.newest_capture(service, WB, u, None) for u in (PAGE, PAGE + "?2")]
        return answers, service

    answers, service = _go(router, body)
    assert route.call_count == 1 and not any(a.answered for a in answers)
    assert "Retry-After 60" in (service.notice("archive lookups") or "")


def test_wayback_too_many_requests_page_is_a_rate_limit_whatever_the_status():
    """The HTML 'Too Many Requests' page where JSON was expected counts as a rate limit, not a failure."""
    router = respx.MockRouter()
    router.get(f"{WB}/cdx/search/cdx").respond(
        200, text="<html><title>Too Many Requests</title></html>", headers={"Content-Type": "text/html"}
    )

    async def body(client):
        service = Service("the Wayback Machine", client, 5)
        return await wayback.newest_capture(service, WB, PAGE, None), service

    answer, service = _go(router, body)
    assert not answer.answered and service.stopped and service.failed == 0


def test_wayback_5xx_is_retried_once_then_counted_as_one_failure():
    """503 twice: two requests, the lookup fails, the notice names the URL once."""
    router = respx.MockRouter()
    route = router.get(f"{WB}/cdx/search/cdx").respond(503)

    async def body(client):
        service = Service("the Wayback Machine", client, 5)
        return await wayback.newest_capture(service, WB, PAGE, None), service

    answer, service = _go(router, body)
    assert route.call_count == 2 and not answer.answered
    assert service.notice("archive lookups") == (
        f"the Wayback Machine: 1 of its archive lookups failed (first: {PAGE}: HTTP 503)."
    )


def test_wayback_cdx_requests_are_paced_24_a_minute():
    """Consecutive CDX requests wait 2.5 s apart (the waits are recorded, never slept in tests)."""
    router = respx.MockRouter()
    router.get(f"{WB}/cdx/search/cdx").respond(200, json=[])
    retry.set_testing(True)

    async def body(client):
        service = Service("WB", client, 5, min_interval=wayback.CDX_INTERVAL)
        for i in range(3):
            await wayback.newest_capture(service, WB, f"{PAGE}?{i}", None)

    _go(router, body)
    waits = retry.recorded_waits()
    assert len(waits) == 2 and all(2.0 < w <= 5.0 for w in waits)


def test_budget_caps_requests_per_run():
    """A budget of 1: the second lookup is not sent and the notice says the budget is spent."""
    router = respx.MockRouter()
    route = router.get(f"{WB}/cdx/search/cdx").respond(200, json=[])

    async def body(client):
        service = Service("the Wayback Machine", client, 1)
        for u in (PAGE, PAGE + "?2"):
            await wayback.newest_capture(service, WB, u, None)
        return service

    service = _go(router, body)
    assert route.call_count == 1
    assert "per-run budget of 1 requests is spent" in (service.notice("archive lookups") or "")


def test_parse_cdx_and_timestamps():
    """Header row + rows; [] is empty; a resume-key tail is ignored; short stamps pad to the period start."""
    rows = wayback.parse_cdx(b'[["timestamp","original","statuscode"],["20240302101500","u","200"],[],["key"]]')
    assert rows == [{"timestamp": "20240302101500", "original": "u", "statuscode": "200"}]
    assert wayback.parse_cdx(b"[]") == [] and wayback.parse_cdx(b"<html>") is None
    assert wayback.parse_timestamp("2024") == datetime(2024, 1, 1, tzinfo=UTC)
    assert wayback.parse_timestamp("20241301000000") is None and wayback.parse_timestamp("x") is None


def test_spn2_capture_request_with_s3_keys():
    """POST /save with Authorization LOW key:secret and the form fields SPN2 documents; job_id = queued."""
    router = respx.MockRouter()
    route = router.post(f"{WB}/save").respond(200, json={"url": PAGE, "job_id": "ac58789b-f3ca"})

    async def body(client):
        service = Service("Save Page Now", client, 5, headers={"Authorization": "LOW acc:sec"})
        return await wayback.request_capture(service, WB, PAGE, 30)

    answer = _go(router, body)
    request = route.calls[0].request
    form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
    assert form == {"url": PAGE, "if_not_archived_within": "30d", "skip_first_archive": "1"}
    assert request.headers["Authorization"] == "LOW acc:sec" and request.headers["Accept"] == "application/json"
    assert answer.requested and "ac58789b-f3ca" in answer.detail


def test_spn2_user_session_limit_stops_capturing():
    """status_ext error:user-session-limit: not requested, and no more captures this run."""
    router = respx.MockRouter()
    route = router.post(f"{WB}/save").respond(
        200, json={"status": "error", "status_ext": "error:user-session-limit", "message": "limit"}
    )

    async def body(client):
        service = Service("Save Page Now", client, 5)
        return [await wayback.request_capture(service, WB, u, 30) for u in (PAGE, PAGE + "?2")]

    first, second = _go(router, body)
    assert route.call_count == 1 and not first.requested and "user-session-limit" in first.detail
    assert second.detail == "not asked"


def test_swh_save_request_with_token_and_blocked_origin():
    """POST save/git/url/<origin>/ with the bearer token; 'accepted' is requested, 403 is a refusal."""
    router = respx.MockRouter()
    ok = router.post(f"{SWH}/origin/save/git/url/{ORIGIN}/").respond(
        200, json={"id": 1, "save_request_status": "accepted", "save_task_status": "pending"}, headers=QUOTA
    )
    router.post(f"{SWH}/origin/save/git/url/{ORIGIN}2/").respond(
        403, json={"exception": "ForbiddenExc", "reason": "The provided origin url is blacklisted."}
    )

    async def body(client):
        service = Service("SWH", client, 5, headers={"Authorization": "Bearer swh-secret"})
        return [await swh.request_save(service, SWH, o) for o in (ORIGIN, ORIGIN + "2")], service

    (accepted, refused), service = _go(router, body)
    assert ok.calls[0].request.headers["Authorization"] == "Bearer swh-secret"
    assert accepted.requested and accepted.detail == "save request accepted"
    assert not refused.requested and "HTTP 403" in refused.detail and service.failed == 0
    assert "swh-secret" not in repr(service.notice("save requests"))


def test_origin_for_repository_links():
    """Any GitHub link maps to its repository origin; other repositories to their URL; pages to None."""
    from crawler.models import Link, LinkKind

    assert swh.origin_for(Link(url="https://github.com/Org/Repo/tree/main/data", kind=LinkKind.DATA)) == (
        "https://github.com/Org/Repo"
    )
    assert swh.origin_for(Link(url="https://gitlab.com/a/b.git", kind=LinkKind.REPOSITORY)) == "https://gitlab.com/a/b"
    assert swh.origin_for(Link(url="https://example.org/", kind=LinkKind.HOMEPAGE)) is None


def test_settings_read_archive_urls_and_credentials_from_the_environment():
    """WAYBACK_URL / SWH_API_URL select the services; SWH_TOKEN and the IA keys are secrets, never shown."""
    from crawler.settings import Settings

    env = {"WAYBACK_URL": "http://127.0.0.2:81/", "SWH_API_URL": "http://127.0.0.3:82/api/1/",
           "SWH_TOKEN": "swh-secret", "IA_ACCESS_KEY": "ia-access", "IA_SECRET_KEY": "ia-secret"}  # fmt: skip
    settings = Settings.from_env(env)
    assert settings.wayback_url == "http://127.0.0.2:81" and settings.swh_api_url == "http://127.0.0.3:82/api/1"
    assert settings.swh_token is not None and settings.swh_token.get_secret_value() == "swh-secret"
    assert not any(secret in repr(settings) for secret in ("swh-secret", "ia-access", "ia-secret"))
    default = Settings.from_env({})
    assert default.wayback_url == WB and default.swh_api_url == SWH and default.ia_access_key is None


def test_run_archive_flags_are_validated(capsys):
    """Age limits must be whole days >= 1 and the lookup budget >= 0: otherwise exit 2 with usage."""
    from crawler.cli import main

    for argv in (["--archive-swh-age-days", "0"], ["--archive-wayback-age-days", "x"], ["--archive-lookups", "-1"]):
        try:
            code = main(["run", *argv])
        except SystemExit as exc:
            code = exc.code
        assert code == 2
    assert "--archive" in capsys.readouterr().err


def test_an_unreachable_archive_is_asked_once_then_left_alone_for_the_run():
    """A closed port (a real connection refused): one lookup and its retry, then no more requests, one notice."""
    import socket

    with socket.socket() as probe:  # a loopback port with nothing listening on it
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}"

    async def main():
        async with httpx.AsyncClient(timeout=2) as client:
            service = Service("the Wayback Machine", client, 40)
            answers = [await wayback.newest_capture(service, base, f"{PAGE}?{i}", None) for i in range(5)]
            return answers, service

    answers, service = anyio.run(main)
    assert not any(a.answered for a in answers)
    assert service.sent == 2 and service.failed == 1 and service.unasked == 4
    notice = service.notice("archive lookups")
    assert notice is not None and "could not be reached" in notice and notice.count("could not connect") == 1
