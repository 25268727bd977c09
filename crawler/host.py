"""Everything one run knows about one host, in one record (as lychee keeps one per host).

A :class:`Host` holds the host's politeness (a :class:`~crawler.hosts.HostLimiter`: concurrency
and minimum interval), the pause a server asked for (``Retry-After``), the wait budget left,
whether it takes HEAD, whether it answered at all, and the verdict its remaining URLs get once
it is known to be dead. :class:`HostTable` is the run's only per-host map of these; redirect
targets get a record of their own like any host. The addresses a name was vetted with are not
here: they are the address guard's (one lookup per name, not per ``name:port``), written to the
client's ``pins`` that its connector resolves from (``netstate.VettedResolver``), one map for the
guard and the connector alike. A host is ``name`` or ``name:port`` (another port is another server).

Rate limits (issue 9 item 1). A 429, or a 503 with ``Retry-After`` (RFC 9110 section 10.2.3:
"how long the user agent ought to wait before making a follow-up request"), pauses the whole
host: no request to it starts before the time asked for, and from then on it gets one request at
a time. The pause is not a failed attempt. Each host may wait at most ``max_wait`` seconds in all
(``CheckOptions.max_wait``, registry ``config: max_wait`` or per host ``hosts.<name>.max_wait``);
a wait that would pass it ends the host: its remaining links are ``unverified`` with cause
``rate-limited``. A 429 without ``Retry-After`` pauses 1, 2, 4 ... seconds (at most 30).

Times come from ``retry.clock()`` (virtual in tests, so no test waits).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import anyio

from crawler.classify import Verdict
from crawler.hosts import HostLimiter
from crawler.retry import Clock

__all__ = ["RATE_LIMIT_BACKOFF_MAX", "Host", "HostTable"]

RATE_LIMIT_BACKOFF_MAX = 30.0  # seconds: the longest pause for a 429 that names no wait


@dataclass
class Host:
    """One host's state for one run (``name`` is the URL's host, lower case, no port)."""

    name: str
    accept: frozenset[int]  # statuses counted as ok here
    limiter: HostLimiter
    max_wait: float  # seconds of server-asked waiting this host may cost in all
    get_only: bool = False  # refused HEAD (405/501) or let it time out: GET straight away
    answered: bool = False  # gave at least one HTTP answer this run
    dead: Verdict | None = None  # set when every further URL of the host would fail the same way
    paused_until: float = 0.0  # clock time before which no request starts
    waited: float = 0.0  # seconds of pause charged to the budget so far
    throttled: bool = False  # rate limited once: one request at a time from now on
    rate_limits: int = 0  # 429s that named no wait, for the backoff
    _serial: anyio.Lock | None = field(default=None, repr=False)

    # ------------------------------------------------------------------ rate limits

    def pause(self, seconds: float | None, clock: Clock) -> bool:
        """The host asked to wait *seconds* (None: a 429 without Retry-After). Pause the host and
        throttle it to one request at a time; False when the wait would pass the budget."""
        if seconds is None:
            seconds = min(RATE_LIMIT_BACKOFF_MAX, 2.0**self.rate_limits)
            self.rate_limits += 1
        seconds = max(seconds, 1.0)  # "Retry-After: 0" forever must still reach the budget
        now = clock.now()
        until = now + seconds
        extra = max(0.0, until - max(now, self.paused_until))  # overlapping pauses are charged once
        if self.waited + extra > self.max_wait:
            return False
        self.waited += extra
        self.paused_until = max(self.paused_until, until)
        if not self.throttled:
            self.throttled = True
            self.limiter.concurrency = 1
        return True

    async def ready(self, clock: Clock) -> None:
        """Wait until the host's pause is over (a pause set while waiting is waited for too)."""
        while (left := self.paused_until - clock.now()) > 0:
            await clock.sleep(left)

    def serial(self) -> anyio.Lock:
        """The lock that keeps a throttled host at one request in flight."""
        if self._serial is None:
            self._serial = anyio.Lock()
        return self._serial


class HostTable:
    """The run's hosts by name; a host's record is made the first time it is needed."""

    def __init__(self, make: Callable[[str], Host]) -> None:
        self._make = make
        self._hosts: dict[str, Host] = {}

    def __getitem__(self, name: str) -> Host:
        host = self._hosts.get(name)
        if host is None:
            host = self._hosts[name] = self._make(name)
        return host

    def values(self) -> list[Host]:
        return list(self._hosts.values())
