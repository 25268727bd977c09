"""The API errors every host adapter raises and handles: one set for all hosts.

An adapter's HTTP helper turns answers into these; its ``fetch`` catches them and falls back
to page checks (``PageCheck``) with a one-sentence notice. They never leave an adapter.

- :class:`RetryableError`: a secondary rate limit, a 429, a 5xx or a network error; retried
  through :mod:`crawler.retry` (``wait``: seconds the host asked for, if it said).
- :class:`BudgetExhausted`: the host's rate limit is spent (or would be, ``planned``) and the
  wait is too long for this run: ``reset_at`` (UTC) or ``seconds`` say when it resets.
- :class:`BadToken`: the host answered 401 to the token; the adapter goes on without it.
- :class:`ApiUnavailable`: the API kept failing after retries, or refused for another reason
  (the corpus hosts raise its subclass ``hostkit.HostDown``, which adds the wait a rate limit asked).
"""

from __future__ import annotations

from datetime import datetime

__all__ = ["ApiUnavailable", "BadToken", "BudgetExhausted", "RetryableError"]


class RetryableError(Exception):
    """A secondary rate limit, 429, 5xx or network error: retried through crawler.retry."""

    def __init__(self, reason: str, wait: float | None = None) -> None:
        super().__init__(reason)
        self.wait = wait


class BudgetExhausted(Exception):
    """The rate limit is spent (or would be): stop calling this API for the rest of the run."""

    def __init__(
        self, reset_at: datetime | None = None, *, planned: bool = False, seconds: float | None = None
    ) -> None:
        super().__init__("API rate limit exhausted")
        self.reset_at = reset_at
        self.planned = planned
        self.seconds = seconds


class BadToken(Exception):
    """The API answered 401 to the token."""


class ApiUnavailable(Exception):
    """The API kept failing (5xx, network) after retries, or refused for another reason."""
