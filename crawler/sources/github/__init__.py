"""GitHub: repository, tree and blob links, answered by the GraphQL API (token) or REST (no token).

Modules: :mod:`.source` (the adapter, ``SOURCE``), :mod:`.urls` (URL parsing and verdicts, pure),
:mod:`.graphql` and :mod:`.rest` (the two API clients), :mod:`.health` (activity and README
notices, pure).
"""

from crawler.sources.github.health import activity, readme_notice
from crawler.sources.github.source import SOURCE, GitHubSource, claims
from crawler.sources.github.urls import parse_github_url

__all__ = ["SOURCE", "GitHubSource", "activity", "claims", "parse_github_url", "readme_notice"]
