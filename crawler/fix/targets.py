"""What ``fix`` accepts as a link's new home: the redirect and README-notice targets it vets. Pure.

A permanent redirect is not always a move (``crawler.fix.plan``, step 3): sites answer for a
removed page with their home page, and for a protected one with a sign-in page
(``/accounts/login?next=/old``; ``next``, ``continue``, ``returnUrl`` ... carry the page asked
for back after the login). A README's "deprecated" sentence may name a download or a docs page
rather than the project's new repository (step 4): only a repository on a code host is a new
home for a repository link.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

from crawler.sources.github.urls import parse_github_url

__all__ = ["home_page_of_deeper", "repository_home", "sign_in_page"]

# Where a README's "moved to" may point for `fix` to propose it: a repository on a code host.
_CODE_HOSTS = frozenset({"gitlab.com", "gitee.com", "bitbucket.org", "codeberg.org", "sr.ht", "git.sr.ht"})
_SIGN_IN_PATH = re.compile(r"/(?:log-?in|sign-?in|sign_in|auth|sso|cas|oauth2?|session/new)(?:/|$|\.)", re.IGNORECASE)
_RETURN_KEYS = frozenset({"next", "continue", "return_to", "returnto", "returnurl", "redirect", "redirect_uri"})


def home_page_of_deeper(url: str, target: str) -> bool:
    """True when *target* is a site's home page and *url* was a deeper page."""
    return urlsplit(target).path in ("", "/") and urlsplit(url).path not in ("", "/")


def sign_in_page(target: str) -> bool:
    """True when *target* looks like a sign-in page: by its path, or a parameter carrying the page back."""
    parts = urlsplit(target)
    keys = {k.lower() for k, _ in parse_qsl(parts.query, keep_blank_values=True)}
    return bool(_SIGN_IN_PATH.search(parts.path)) or bool(keys & _RETURN_KEYS)


def repository_home(url: str) -> bool:
    """True for a repository's own page on a code host: GitHub ``owner/name`` (no tree/blob path);
    GitLab, Gitee, Bitbucket, Codeberg, sourcehut with two path segments or more."""
    ref = parse_github_url(url)
    if ref is not None:
        return ref.kind is None
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    return (parts.hostname or "").lower().removeprefix("www.") in _CODE_HOSTS and len(segments) >= 2
