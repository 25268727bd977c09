"""The exception tree. Every error the package raises on purpose is one of these.

    CrawlerError                    base; ``str(exc)`` is one sentence fit to show a user
    ├── UsageError                  bad flags or arguments                       (exit 2)
    ├── RegistryError               the registry file cannot be loaded or is invalid (exit 2)
    │                               ``.problems`` holds every ``FILE:LINE: message``
    ├── ConfigError                 ``[tool.crawler]`` or ``config:`` is invalid  (exit 2)
    ├── SnapshotError               a snapshot file is missing or unreadable      (exit 2)
    └── AbortError                  the run stopped and wrote nothing             (exit 3)
        ├── NetworkDown             no host (API included) gave any HTTP answer
        └── Interrupted             Ctrl-C / SIGTERM

The CLI catches ``CrawlerError`` and prints its message; anything else is a bug and
is allowed to crash (a red CI job is the right answer to a bug).
"""

from __future__ import annotations

__all__ = [
    "AbortError",
    "ConfigError",
    "CrawlerError",
    "Interrupted",
    "NetworkDown",
    "RegistryError",
    "SnapshotError",
    "UsageError",
]


class CrawlerError(Exception):
    exit_code = 2


class UsageError(CrawlerError):
    exit_code = 2


class RegistryError(CrawlerError):
    exit_code = 2

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or [message]


class ConfigError(CrawlerError):
    exit_code = 2


class SnapshotError(CrawlerError):
    exit_code = 2


class AbortError(CrawlerError):
    exit_code = 3


class NetworkDown(AbortError):
    pass


class Interrupted(AbortError):
    pass
