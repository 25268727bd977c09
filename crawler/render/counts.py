"""How many links are in each state: decided once, used by every report and the terminal.

The unit is the **unique URL**, listed with every entry that cites it: a URL cited by two
entries is one broken link, shown once, naming both. ``snapshot.summary`` counts the same way
(``build_snapshot``); ``broken-links.md``, ``index.html``, ``changes.md``, the link-health issue
body, the commit message and the terminal summary all count through :func:`link_counts`, so
their numbers agree.

Groups beside the five statuses:

- ``confirmed`` / ``newly_failing``: broken links that failed ``confirm_after`` runs in a row or
  more / fewer (history is per URL, so every citation of a URL has the same streak);
- ``refused``: links the address guard would not check (private, loopback, link-local or
  cloud-metadata targets), whatever status the checker gave them;
- ``unverifiable``: hosts that answer the same for a live and a dead link unless you log in
  (cause ``unverifiable-host``, e.g. Tianchi): unverified, but said once, never as an alarm.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from crawler.history import is_confirmed
from crawler.models import EntryRecord, LinkRecord, LinkResult, LinkStatus, Snapshot

__all__ = [
    "REFUSED_CAUSES",
    "UNVERIFIABLE_CAUSE",
    "CitedUrl",
    "LinkCounts",
    "cited_urls",
    "is_refused",
    "is_unverifiable",
    "link_counts",
    "plural",
]

# Causes the address guard's refusals carry (the checker's older ones only say so in the reason).
REFUSED_CAUSES = frozenset({"private-address", "refused-address", "address-refused", "guard-refused"})
_REFUSED_PREFIX = "refused to check"
UNVERIFIABLE_CAUSE = "unverifiable-host"


def is_refused(result: LinkResult) -> bool:
    """True when the address guard refused to check the link (private, loopback, metadata address)."""
    return result.cause in REFUSED_CAUSES or result.reason.lower().startswith(_REFUSED_PREFIX)


def is_unverifiable(result: LinkResult) -> bool:
    """True for a host that will not say whether the link exists without a login (Tianchi ...)."""
    return result.cause == UNVERIFIABLE_CAUSE


@dataclass(frozen=True)
class CitedUrl:
    """One unique URL: its record (result, metadata and history are the same for every citation)
    and the entries citing it, in registry order."""

    link: LinkRecord
    entries: tuple[EntryRecord, ...]

    @property
    def url(self) -> str:
        return self.link.url

    @property
    def result(self) -> LinkResult:
        return self.link.result

    @property
    def names(self) -> list[str]:
        """The citing entries' names, in registry order."""
        return [e.name for e in self.entries]


def cited_urls(snapshot: Snapshot) -> list[CitedUrl]:
    """Every URL of *snapshot* once, in first-cited order, with the entries citing it."""
    first: dict[str, LinkRecord] = {}
    citing: dict[str, list[EntryRecord]] = {}
    for entry, link in snapshot.links():
        first.setdefault(link.url, link)
        entries = citing.setdefault(link.url, [])
        if all(e.id != entry.id for e in entries):
            entries.append(entry)
    return [CitedUrl(first[url], tuple(citing[url])) for url in first]


@dataclass
class LinkCounts:
    """Unique URLs per status and per report group; every list in registry order."""

    confirm_after: int
    by_status: dict[LinkStatus, list[CitedUrl]] = field(default_factory=dict)
    confirmed: list[CitedUrl] = field(default_factory=list)
    newly_failing: list[CitedUrl] = field(default_factory=list)
    refused: list[CitedUrl] = field(default_factory=list)
    unverifiable: list[CitedUrl] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(len(urls) for urls in self.by_status.values())

    def count(self, status: LinkStatus) -> int:
        return len(self.by_status.get(status, []))

    @property
    def summary(self) -> dict[LinkStatus, int]:
        """Unique URLs per status, every status present (the shape of ``Snapshot.summary``)."""
        return {status: self.count(status) for status in LinkStatus}

    @property
    def broken(self) -> list[CitedUrl]:
        return self.by_status.get(LinkStatus.BROKEN, [])

    @property
    def moved(self) -> list[CitedUrl]:
        return self.by_status.get(LinkStatus.REDIRECTED, [])

    @property
    def unverified(self) -> list[CitedUrl]:
        """Unverified links that may be checked again later (the unverifiable hosts apart)."""
        return [c for c in self.by_status.get(LinkStatus.UNVERIFIED, []) if not is_unverifiable(c.result)]


def link_counts(snapshot: Snapshot, *, confirm_after: int = 2) -> LinkCounts:
    """The counts of *snapshot*, broken links split by whether ``confirm_after`` failing runs confirm them."""
    counts = LinkCounts(confirm_after=confirm_after, by_status={status: [] for status in LinkStatus})
    for cited in cited_urls(snapshot):
        status = cited.result.status
        counts.by_status[status].append(cited)
        if status is LinkStatus.BROKEN:
            (counts.confirmed if is_confirmed(cited.link, confirm_after) else counts.newly_failing).append(cited)
        if is_refused(cited.result):
            counts.refused.append(cited)
        elif status is LinkStatus.UNVERIFIED and is_unverifiable(cited.result):
            counts.unverifiable.append(cited)
    return counts


def plural(n: int, singular: str, plural_form: str | None = None) -> str:
    """*singular* or its plural for *n* (``link``/``links``, ``entry``/``entries``)."""
    return singular if n == 1 else plural_form or singular + "s"
