"""``LinkStatus`` and ``Access``: the closed sets of link states and access levels, apart from the
pydantic models that use them.

The engine's status rules (``classify.py``, ``redirects.py``, ``checker.py``) need only this enum
before the first request; keeping it out of ``models.py`` lets ``check`` start its requests without
importing pydantic and the models (~60 ms of its start-up, measured with ``-X importtime`` and
wall time), which then load in the event loop's first idle moment (``results.import_when_idle``).
The host adapters (``crawler/sources/``) map each host's words onto ``Access`` at import time, and
``import crawler.sources`` must stay pydantic-free for the same reason. ``crawler.models``
re-exports both: ``from crawler.models import LinkStatus, Access`` gives the same classes.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Access", "LinkStatus"]


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


class Access(StrEnum):
    """What a reader must do to download what a link points at (the same scale on every host)."""

    OPEN = "open"  # anyone can download it
    GATED = "gated"  # accept terms on the host (Hugging Face gated repos)
    CREDENTIALED = "credentialed"  # identity or training checks (PhysioNet credentialed access)
    LOGIN = "login"  # an account on the host (Kaggle, Tianchi, a Google sign-in)
    CODE = "code"  # a share password or extraction code (Baidu Netdisk)
    RESTRICTED = "restricted"  # on request, embargoed or closed
    UNKNOWN = "unknown"
