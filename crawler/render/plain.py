"""Models to plain JSON/YAML data in fixed formats, so every machine-readable file is stable.

Datetimes become ``YYYY-MM-DDTHH:MM:SSZ`` (UTC, whole seconds), dates ``YYYY-MM-DD``,
enums their value; whatever pydantic's own defaults are or become.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

__all__ = ["plain", "utc_stamp"]


def utc_stamp(moment: datetime) -> str:
    """*moment* as ``YYYY-MM-DDTHH:MM:SSZ`` (naive datetimes are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def plain(value: Any) -> Any:
    """*value* (from ``model_dump()``) with datetimes, dates and enums as fixed-format strings."""
    if isinstance(value, datetime):
        return utc_stamp(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(plain(k)): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value
