"""Per-host politeness: how many requests a host gets at once, and how far apart they start.

Modelled on lychee's per-host limits (``--host-concurrency``, ``--host-request-interval``).
:class:`HostLimiter` is the per-host politeness (each ``host.Host`` record holds one; a host
rate limited once drops to concurrency 1); :class:`Dispatcher` hands jobs to a fixed pool
of workers so that a worker never sits waiting on a busy host while another host's jobs are
ready (no head-of-line blocking, and the number of tasks stays at ``--concurrency`` however
long the URL list is). Clocks and sleeps are injectable so tests never wait for real.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Iterable
from contextlib import asynccontextmanager
from typing import Generic, TypeVar

import anyio

__all__ = ["Clock", "Dispatcher", "HostLimiter", "Sleep"]

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
J = TypeVar("J")
H = TypeVar("H", bound=Hashable)


class HostLimiter:
    """At most *concurrency* requests to one host at once, starts at least *min_interval* apart."""

    def __init__(
        self,
        concurrency: int = 8,
        min_interval: float = 0.0,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = anyio.sleep,
    ) -> None:
        if concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, not {concurrency}")
        self.concurrency = concurrency
        self.min_interval = max(0.0, min_interval)
        self.active = 0
        self._clock = clock
        self._sleep = sleep
        self._next_start = float("-inf")
        self._waiters: deque[anyio.Event] = deque()

    @property
    def has_room(self) -> bool:
        return self.active < self.concurrency

    def try_acquire(self) -> bool:
        """Take a slot if one is free, without waiting."""
        if self.active >= self.concurrency:
            return False
        self.active += 1
        return True

    async def acquire(self) -> None:
        """Take a slot, waiting for one (first come, first served)."""
        while not self.try_acquire():
            event = anyio.Event()
            self._waiters.append(event)
            await event.wait()

    def release(self) -> None:
        if self.active <= 0:
            raise RuntimeError("release() without a matching acquire()")
        self.active -= 1
        if self._waiters:
            self._waiters.popleft().set()

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """``async with limiter.slot():`` one request's worth of the host."""
        await self.acquire()
        try:
            yield
        finally:
            self.release()

    async def pace(self) -> None:
        """Wait for this request's turn: *min_interval* after the previous request's start."""
        now = self._clock()
        start = max(now, self._next_start)
        self._next_start = start + self.min_interval
        if start > now:
            await self._sleep(start - now)


class Dispatcher(Generic[H, J]):
    """Hands out ``(host, job)`` pairs to workers, round-robin over hosts with room.

    ``next()`` takes the host's slot; the worker calls ``done(host)`` when the job is over.
    ``next()`` returns None once every job has been handed out. *limiters* looks a host's
    limiter up (the caller owns it) every time: a limiter whose concurrency drops takes effect.
    """

    def __init__(self, jobs: Iterable[tuple[H, J]], limiters: Callable[[H], HostLimiter]) -> None:
        self._pending: dict[H, deque[J]] = {}
        for host, job in jobs:
            self._pending.setdefault(host, deque()).append(job)
        self._left = sum(len(q) for q in self._pending.values())
        self._limiter = limiters  # the caller owns the per-host state; looked up, never copied
        self._ready: deque[H] = deque(h for h in self._pending if limiters(h).has_room)
        self._queued: set[H] = set(self._ready)
        self._idle: deque[anyio.Event] = deque()

    def __len__(self) -> int:
        """Jobs not handed out yet."""
        return self._left

    async def next(self) -> tuple[H, J] | None:
        while True:
            if self._left == 0:
                return None
            while self._ready:
                host = self._ready.popleft()
                limiter = self._limiter(host)
                queue = self._pending[host]
                if not queue or not limiter.try_acquire():
                    self._queued.discard(host)
                    continue
                job = queue.popleft()
                self._left -= 1
                if queue and limiter.has_room:
                    self._ready.append(host)
                else:
                    self._queued.discard(host)
                if self._left == 0:
                    self._wake_all()
                return host, job
            event = anyio.Event()
            self._idle.append(event)
            await event.wait()

    def done(self, host: H) -> None:
        """The job taken for *host* is over: free its slot."""
        limiter = self._limiter(host)
        limiter.release()
        if self._pending[host] and host not in self._queued and limiter.has_room:
            self._ready.append(host)
            self._queued.add(host)
            if self._idle:
                self._idle.popleft().set()

    def drop(self, host: H) -> list[J]:
        """Take every job still queued for *host* out of the queue (the host is known dead)."""
        queue = self._pending.get(host)
        if not queue:
            return []
        jobs = list(queue)
        queue.clear()
        self._left -= len(jobs)
        if self._left == 0:
            self._wake_all()
        return jobs

    def _wake_all(self) -> None:
        while self._idle:
            self._idle.popleft().set()
