"""The one protocol every host adapter implements, and the tagged answers it gives.

An adapter is a module in ``crawler/sources/`` exposing a :class:`Source`: it says which URLs
it *claims* and answers them in one batch per run (``fetch``), with its own rate-limit rules.
For each claimed URL it returns exactly one of:

- :class:`Answered`: the host's API decided the link (status, ``cause``, metadata). No page
  fetch follows.
- :class:`PageCheck`: the API could not answer this run (budget spent, API down, a URL form it
  does not read); the link checker fetches the page as for any link and attaches ``carry``
  (fresh metadata from a partial answer, or the previous snapshot's marked ``stale``).

Adding a host is one module with a ``SOURCE = ...`` object and one line in
``crawler/sources/__init__.py``'s ``SOURCES``. Adapters never write files but their caches,
never render, never read ``os.environ`` (their base URL comes from :class:`Settings`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from crawler.settings import Settings

if TYPE_CHECKING:  # the models are imported where built: `import crawler.sources` stays pydantic-free
    import httpx

    from crawler.models import Metadata, Outcome

__all__ = ["Answered", "PageCheck", "Source", "SourceContext", "SourceReport"]


def _no_metadata() -> Metadata:
    from crawler.models import Metadata

    return Metadata()


@dataclass(frozen=True)
class Answered:
    """The host's API decided this link."""

    outcome: Outcome


@dataclass(frozen=True)
class PageCheck:
    """Check this link as a page; attach *carry* to the page check's result. *why* is for logs.

    *via*: check this URL instead, the same page on a mirror the user configured (``HF_ENDPOINT``),
    because the link's own host may be unreachable from where the crawler runs (mainland China):
    a page check of a blocked host would call a live link broken.
    """

    carry: Metadata = field(default_factory=_no_metadata)
    why: str = ""
    via: str | None = None


@dataclass(frozen=True)
class SourceContext:
    """What an adapter gets for one run.

    ``previous``: the freshest earlier snapshot's outcome per URL (to carry metadata over when
    the host cannot be asked this run). ``now``: the run's clock (tests inject it).
    """

    client: httpx.AsyncClient
    settings: Settings
    previous: Mapping[str, Outcome]
    now: Callable[[], datetime]


@dataclass
class SourceReport:
    """What one adapter learned in one run: exactly one tagged answer per claimed URL.

    ``notices``: one-sentence messages for the user (bad token, budget spent, host unverifiable),
    never a secret. ``api_requests``: requests sent to the host's API this run.
    """

    answers: dict[str, Answered | PageCheck] = field(default_factory=dict)
    api_requests: int = 0
    notices: list[str] = field(default_factory=list)

    def answer(self, url: str, outcome: Outcome) -> None:
        self.answers[url] = Answered(outcome)

    def page_check(self, url: str, carry: Metadata | None = None, why: str = "", via: str | None = None) -> None:
        self.answers[url] = PageCheck(carry or _no_metadata(), why, via)

    @property
    def outcomes(self) -> dict[str, Outcome]:
        """The ``Answered`` URLs and their outcomes (a read-only view for callers and tests)."""
        return {url: a.outcome for url, a in self.answers.items() if isinstance(a, Answered)}

    @property
    def page_checks(self) -> dict[str, Metadata]:
        """The ``PageCheck`` URLs and the metadata to attach to their page check."""
        return {url: a.carry for url, a in self.answers.items() if isinstance(a, PageCheck)}


class Source(Protocol):
    """A host adapter. ``name`` is also the part name ``--only`` takes (``--only zenodo,links``)."""

    name: str

    def claims(self, url: str, settings: Settings) -> bool:
        """True when this adapter can read *url* (pure: no I/O)."""
        ...

    async def fetch(self, urls: Sequence[str], ctx: SourceContext) -> SourceReport:
        """One tagged answer for every URL of *urls* (all claimed by this adapter)."""
        ...
