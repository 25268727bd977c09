"""The one place retries are configured (tenacity behind a small private seam).

Callers describe *what* is retryable and may hint *how long* the server asked them to
wait (``Retry-After``, ``RateLimit: t=``); this module decides the backoff. Hints above
``max_wait`` are not slept on: :class:`WaitTooLong` is raised instead, so the caller can
mark the link ``unverified`` (or stop calling an API) instead of stalling the run.

Tests call ``set_testing(True)``: every wait becomes zero seconds and is recorded in
``recorded_waits()``, so no test sleeps for real (the idea comes from hynek/stamina).

Waits that are not retries (a host paused by ``Retry-After``, ``host.py``) go through
:func:`clock`: the real monotonic clock, or, in testing, a virtual one whose ``sleep`` moves
time forward at once instead of waiting (loopback servers in tests read the same clock, so a
server's "5 s later" and the checker's agree without anyone sleeping).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

import anyio
import anyio.lowlevel

if TYPE_CHECKING:
    import tenacity

__all__ = ["Clock", "RetryPolicy", "WaitTooLong", "call_with_retries", "clock", "pause", "recorded_waits", "set_testing"]

T = TypeVar("T")

_testing = False
_waits: list[float] = []


def set_testing(on: bool = True) -> None:
    """Make every retry wait instantaneous (the waits are still computed and recorded)."""
    global _testing, _virtual
    _testing = on
    _virtual = Clock(virtual=True)
    _waits.clear()


def recorded_waits() -> list[float]:
    """The waits (seconds) retries asked for since ``set_testing(True)``."""
    return list(_waits)


class Clock:
    """Monotonic seconds (``now``) and a matching ``sleep``; real unless ``virtual``."""

    def __init__(self, *, virtual: bool = False) -> None:
        self.virtual = virtual
        self._now = 1000.0  # virtual time stands still until someone sleeps

    def now(self) -> float:
        return self._now if self.virtual else time.monotonic()

    async def sleep(self, seconds: float) -> None:
        if not self.virtual:
            await anyio.sleep(seconds)
            return
        _waits.append(seconds)
        self._now += max(seconds, 0.0)
        await anyio.lowlevel.checkpoint()


_REAL = Clock()
_virtual = Clock(virtual=True)


def clock() -> Clock:
    """The clock waits run on: real, or virtual while ``set_testing(True)``."""
    return _virtual if _testing else _REAL


async def _sleep(seconds: float) -> None:
    await clock().sleep(seconds)


async def pause(seconds: float) -> None:
    """Wait *seconds* between requests to a paced API (instant and recorded under ``set_testing``)."""
    if seconds > 0:
        await _sleep(seconds)


class WaitTooLong(Exception):
    """The server asked for a wait longer than the policy allows."""

    def __init__(self, seconds: float, last: BaseException) -> None:
        super().__init__(f"server asked to wait {seconds:.0f}s")
        self.seconds = seconds
        self.last = last


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3
    initial: float = 0.5
    maximum: float = 8.0
    jitter: float = 0.5
    max_wait: float = 60.0  # longest server-requested wait honoured
    retry_on: Callable[[BaseException], bool] = field(default=lambda exc: False)
    wait_hint: Callable[[BaseException], float | None] = field(default=lambda exc: None)


def _wait_strategy(policy: RetryPolicy) -> Callable[[tenacity.RetryCallState], float]:
    import tenacity

    backoff = tenacity.wait_exponential_jitter(multiplier=policy.initial, max=policy.maximum, jitter=policy.jitter)

    def wait(state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        hint = policy.wait_hint(exc) if exc is not None else None
        if hint is not None:
            if hint > policy.max_wait:
                raise WaitTooLong(hint, exc)  # type: ignore[arg-type]
            return max(hint, 0.0)
        return backoff(state)

    return wait


async def call_with_retries(policy: RetryPolicy, fn: Callable[[], Awaitable[T]]) -> T:
    """Run ``await fn()``, retrying per *policy*; the last exception propagates unchanged."""
    # Imported on the first call: the checker calls this only once a bare first attempt has failed
    # (fetch.py), so a `check` whose every request is answered at once never pays for tenacity
    # (~5 ms of start-up); the API sources call it for every request.
    import tenacity

    retrying = tenacity.AsyncRetrying(
        stop=tenacity.stop_after_attempt(policy.attempts),
        wait=_wait_strategy(policy),
        retry=tenacity.retry_if_exception(policy.retry_on),
        sleep=_sleep,
        reraise=True,
    )
    async for attempt in retrying:
        with attempt:
            return await fn()
    raise AssertionError("unreachable")  # pragma: no cover
