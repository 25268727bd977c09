"""``LinkStatus``: the closed set of link states, apart from the pydantic models that use it.

The engine's status rules (``classify.py``, ``redirects.py``, ``checker.py``) need only this enum
before the first request; keeping it out of ``models.py`` lets ``check`` start its requests without
importing pydantic and the models (~60 ms of its start-up, measured with ``-X importtime`` and
wall time), which then load in the event loop's first idle moment (``results.import_when_idle``).
``crawler.models`` re-exports it: ``from crawler.models import LinkStatus`` is the same class.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["LinkStatus"]


class LinkStatus(StrEnum):
    """The closed set of link states (modelled on lychee's)."""

    OK = "ok"
    REDIRECTED = "redirected"  # works, but a permanent hop says the registry should be updated
    BROKEN = "broken"  # definitely gone
    UNVERIFIED = "unverified"  # cannot tell right now (anti-bot, rate limit, 5xx, timeout)
    SKIPPED = "skipped"  # excluded by configuration or policy

    def is_ok(self) -> bool:
        return self in (LinkStatus.OK, LinkStatus.REDIRECTED)

    def is_failure(self) -> bool:
        """Not working as far as history is concerned (counts towards consecutive_failures)."""
        return self in (LinkStatus.BROKEN, LinkStatus.UNVERIFIED)
