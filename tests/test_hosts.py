"""Per-host politeness: slots, minimum intervals on an injected clock, and the fair dispatcher."""

from __future__ import annotations

import functools

import anyio
import pytest

from crawler.hosts import Dispatcher, HostLimiter


class FakeClock:
    """A clock that only moves when the code under test sleeps on it."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


def test_slots_are_limited_and_released():
    """try_acquire hands out at most `concurrency` slots; release frees one."""
    limiter = HostLimiter(2)
    assert limiter.try_acquire() and limiter.try_acquire()
    assert not limiter.try_acquire() and not limiter.has_room
    limiter.release()
    assert limiter.has_room and limiter.try_acquire()


def test_release_without_acquire_is_a_bug():
    """Releasing more than was taken raises instead of silently raising the limit."""
    with pytest.raises(RuntimeError):
        HostLimiter(1).release()


def test_waiters_get_slots_in_order():
    """acquire() waits for a slot and waiters are served first come, first served."""
    order: list[int] = []

    async def main() -> None:
        limiter = HostLimiter(1)

        async def job(i: int) -> None:
            async with limiter.slot():
                order.append(i)
                await anyio.lowlevel.checkpoint()

        async with anyio.create_task_group() as tg:
            for i in range(4):
                tg.start_soon(job, i)
        assert limiter.active == 0

    anyio.run(main)
    assert order == [0, 1, 2, 3]


def test_min_interval_spaces_request_starts():
    """With a 1 s interval, back-to-back requests start 1 s apart (on the fake clock)."""
    clock = FakeClock()

    async def main() -> None:
        limiter = HostLimiter(8, 1.0, clock=clock, sleep=clock.sleep)
        for _ in range(3):
            await limiter.pace()

    anyio.run(main)
    assert clock.sleeps == [1.0, 1.0]


def test_no_interval_means_no_waiting():
    """Without a minimum interval pace() never sleeps."""
    clock = FakeClock()

    async def main() -> None:
        limiter = HostLimiter(8, 0.0, clock=clock, sleep=clock.sleep)
        for _ in range(5):
            await limiter.pace()

    anyio.run(main)
    assert clock.sleeps == []


def test_interval_already_elapsed_is_not_waited_again():
    """A request that comes after the interval has passed starts at once."""
    clock = FakeClock()

    async def main() -> None:
        limiter = HostLimiter(8, 1.0, clock=clock, sleep=clock.sleep)
        await limiter.pace()
        clock.now += 5
        await limiter.pace()

    anyio.run(main)
    assert clock.sleeps == []


def test_dispatcher_round_robins_over_hosts():
    """Jobs come out interleaved across hosts, not host after host."""

    async def main() -> list[tuple[str, int]]:
        jobs = [("a", 1), ("a", 2), ("a", 3), ("b", 1), ("b", 2), ("c", 1)]
        d: Dispatcher[str, int] = Dispatcher(jobs, functools.cache(lambda h: HostLimiter(5)))
        out = []
        while (item := await d.next()) is not None:
            out.append(item)
        return out

    assert anyio.run(main) == [("a", 1), ("b", 1), ("c", 1), ("a", 2), ("b", 2), ("a", 3)]


def test_dispatcher_holds_a_busy_host_back_but_not_the_others():
    """With one slot per host, a host's second job waits for done() while other hosts proceed."""

    async def main() -> None:
        d: Dispatcher[str, int] = Dispatcher([("a", 1), ("a", 2), ("b", 1)], functools.cache(lambda h: HostLimiter(1)))
        assert await d.next() == ("a", 1)
        assert await d.next() == ("b", 1)
        got = []

        async def take() -> None:
            got.append(await d.next())

        async with anyio.create_task_group() as tg:
            tg.start_soon(take)
            await anyio.wait_all_tasks_blocked()
            assert got == []  # a is busy: the worker waits instead of spinning
            d.done("a")
        assert got == [("a", 2)]
        d.done("b")
        d.done("a")
        assert await d.next() is None

    anyio.run(main)


def test_dispatcher_drop_wakes_idle_workers():
    """Dropping a dead host's queued jobs ends the run for workers waiting on it."""

    async def main() -> None:
        d: Dispatcher[str, int] = Dispatcher([("a", 1), ("a", 2), ("a", 3)], functools.cache(lambda h: HostLimiter(1)))
        assert await d.next() == ("a", 1)
        ended = []

        async def worker() -> None:
            ended.append(await d.next())

        async with anyio.create_task_group() as tg:
            tg.start_soon(worker)
            await anyio.wait_all_tasks_blocked()
            assert d.drop("a") == [2, 3]
        assert ended == [None] and len(d) == 0

    anyio.run(main)
