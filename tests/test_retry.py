"""The retry seam: backoff, server wait hints, caps, and the testing switch."""

from __future__ import annotations

import anyio
import pytest

from crawler import retry
from crawler.retry import RetryPolicy, WaitTooLong, call_with_retries


class Flaky(Exception):
    def __init__(self, hint: float | None = None) -> None:
        self.hint = hint


def _policy(**kw) -> RetryPolicy:
    return RetryPolicy(retry_on=lambda e: isinstance(e, Flaky), wait_hint=lambda e: getattr(e, "hint", None), **kw)


def test_retries_until_success_without_sleeping():
    """A call that fails twice then succeeds returns, and the two waits are recorded, not slept."""
    calls = []

    async def fn():
        calls.append(1)
        if len(calls) < 3:
            raise Flaky()
        return "done"

    assert anyio.run(call_with_retries, _policy(attempts=3), fn) == "done"
    assert len(retry.recorded_waits()) == 2


def test_server_hint_is_honoured():
    """A Retry-After style hint replaces the exponential backoff."""
    calls = []

    async def fn():
        calls.append(1)
        if len(calls) == 1:
            raise Flaky(hint=7)
        return 1

    anyio.run(call_with_retries, _policy(), fn)
    assert retry.recorded_waits() == [7]


def test_hint_over_cap_raises_wait_too_long():
    """A hint longer than max_wait is not slept on."""

    async def fn():
        raise Flaky(hint=3600)

    with pytest.raises(WaitTooLong) as info:
        anyio.run(call_with_retries, _policy(max_wait=60), fn)
    assert info.value.seconds == 3600


def test_last_exception_propagates():
    """When attempts run out the caller sees the original exception."""

    async def fn():
        raise Flaky()

    with pytest.raises(Flaky):
        anyio.run(call_with_retries, _policy(attempts=2), fn)
