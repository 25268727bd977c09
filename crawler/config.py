"""Crawl configuration from ``[tool.crawler]`` in ``pyproject.toml``, and how it merges with the registry's.

Precedence, highest first (documented in docs/cli.md):

1. command-line flags (``--concurrency``, ``--host-concurrency``, ``--timeout``), applied by the caller;
2. the registry's ``config:`` block: it travels with the data it describes;
3. ``[tool.crawler]`` in ``pyproject.toml``: project-wide defaults;
4. built-in defaults.

Scalars (``concurrency``, ``host_concurrency``, ``timeout``, ``max_wait``) take the highest source that sets them.
Lists are additive: ``exclude`` and ``accept`` are the union of both files (pyproject's first), because
an exclusion written in either file was written on purpose. ``hosts`` merge per host and per field
the same way (scalars by precedence, a host's ``accept`` list unioned).

Keys may be written with dashes, as is usual in TOML (``host-concurrency``, ``min-interval-ms``);
host names are never rewritten.

Start-up: pydantic and ``crawler.models`` (~60 ms, measured) are imported only where a
configuration is validated or merged, so ``check`` without a ``[tool.crawler]`` table
(``check_options_for(None, ...)``) starts its requests without them.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from crawler.checker import CheckOptions
from crawler.errors import ConfigError

if TYPE_CHECKING:  # imported where used: not at start-up (see above)
    from pydantic import BaseModel

    from crawler.models import CrawlConfig, HostConfig
    from crawler.settings import Settings

__all__ = ["check_options_for", "load_pyproject_config", "merge_config"]

T = TypeVar("T")
_TABLE = "[tool.crawler]"


def load_pyproject_config(path: Path) -> CrawlConfig | None:
    """Read and validate ``[tool.crawler]`` from *path*; ``None`` if the file or the table is absent.

    Raises ``ConfigError`` naming the file and each bad field, e.g.
    ``pyproject.toml: [tool.crawler] hosts."example.org".concurrency: must be at least 1``.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the file: {exc.strerror or exc}.") from None
    try:
        document = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}.") from None
    tool = document.get("tool")
    if not isinstance(tool, dict) or "crawler" not in tool:
        return None
    table = tool["crawler"]
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: {_TABLE} must be a table, not {_toml_type(table)}.")
    normalized, problems = _normalize(table)
    if not problems:
        from pydantic import ValidationError

        from crawler.models import CrawlConfig

        try:
            return CrawlConfig.model_validate(normalized)
        except ValidationError as exc:
            problems = [_describe(err, table) for err in exc.errors()]
    raise _config_error(path, problems)


def merge_config(registry_config: CrawlConfig, pyproject_config: CrawlConfig | None) -> CrawlConfig:
    """One ``CrawlConfig``: the registry's ``config:`` over ``[tool.crawler]``; lists are unioned."""
    from crawler.models import CrawlConfig

    if pyproject_config is None:
        return registry_config.model_copy(deep=True)
    low, high = pyproject_config, registry_config
    hosts: dict[str, HostConfig] = {}
    for name in (*low.hosts, *high.hosts):
        if name not in hosts:
            hosts[name] = _merge_host(low.hosts.get(name), high.hosts.get(name))
    return CrawlConfig(
        exclude=_union(low.exclude, high.exclude),
        accept=_union(low.accept, high.accept),
        hosts=hosts,
        concurrency=_pick(high.concurrency, low.concurrency),
        host_concurrency=_pick(high.host_concurrency, low.host_concurrency),
        timeout=_pick(high.timeout, low.timeout),
        max_wait=_pick(high.max_wait, low.max_wait),
    )


# --------------------------------------------------------------------------- merging


def _pick(high: T | None, low: T | None) -> T | None:
    return high if high is not None else low


def _union(low: Sequence[T], high: Sequence[T]) -> list[T]:
    return list(dict.fromkeys([*low, *high]))


def _merge_host(low: HostConfig | None, high: HostConfig | None) -> HostConfig:
    from crawler.models import HostConfig

    if low is None or high is None:
        return (high or low or HostConfig()).model_copy(deep=True)
    return HostConfig(
        concurrency=_pick(high.concurrency, low.concurrency),
        min_interval_ms=_pick(high.min_interval_ms, low.min_interval_ms),
        accept=_union(low.accept, high.accept),
        max_wait=_pick(high.max_wait, low.max_wait),
    )


# --------------------------------------------------------------------------- validation


def _normalize(table: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Dashes to underscores in field names (not in host names); report a key given in both spellings."""
    problems: list[str] = []

    def fields(mapping: Mapping[str, Any], where: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        spelled: dict[str, str] = {}  # field name -> the key as first written, to name both spellings
        for key, value in mapping.items():
            name = key.replace("-", "_")
            if name in out:
                problems.append(f"{where}{_key(key)}: given twice (as {spelled[name]!r} and {key!r}); keep one")
            out[name] = value
            spelled.setdefault(name, key)
        return out

    top = fields(table, "")
    hosts = top.get("hosts")
    if isinstance(hosts, dict):
        top["hosts"] = {
            host: fields(value, f"hosts.{_key(host)}.") if isinstance(value, dict) else value
            for host, value in hosts.items()
        }
    return top, problems


def _describe(err: Mapping[str, Any], original: Mapping[str, Any]) -> str:
    loc: tuple[str | int, ...] = tuple(err.get("loc", ()))
    path = _display_loc(loc, original)
    kind = err.get("type", "")
    if kind == "extra_forbidden":
        model = _model_at(loc[:-1])
        allowed = sorted(f.replace("_", "-") for f in model.model_fields)  # TOML's usual spelling
        close = difflib.get_close_matches(str(loc[-1]).replace("_", "-"), allowed, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else f" (allowed: {', '.join(allowed)})"
        return f"{path}: unknown key{hint}"
    message = str(err.get("msg", "invalid value"))
    if kind == "value_error":  # our own validators: the message already quotes the value
        return f"{path}: {message.removeprefix('Value error, ')}"
    if "input" in err and kind != "missing":
        message += f" (got {_short(err['input'])})"
    return f"{path}: {message}" if path else message


def _model_at(loc: tuple[str | int, ...]) -> type[BaseModel]:
    from crawler.models import CrawlConfig, HostConfig

    # The only nesting in CrawlConfig is hosts.<name>.<field>.
    return HostConfig if len(loc) >= 2 and loc[0] == "hosts" else CrawlConfig


def _display_loc(loc: tuple[str | int, ...], original: Mapping[str, Any]) -> str:
    """The field path as the user wrote it: dotted TOML keys, original dash spelling, ``[i]`` for lists."""
    parts: list[str] = []
    node: Any = original
    for i, item in enumerate(loc):
        if isinstance(item, int):
            parts.append(f"[{item}]")
            node = node[item] if isinstance(node, list) and item < len(node) else None
            continue
        key = str(item)
        is_host_name = i == 1 and loc[0] == "hosts"
        if isinstance(node, dict) and not is_host_name and key not in node and key.replace("_", "-") in node:
            key = key.replace("_", "-")
        parts.append(("." if parts else "") + _key(key))
        node = node.get(key) if isinstance(node, dict) else None
    return "".join(parts)


def _key(key: str) -> str:
    bare = key and all(c.isascii() and (c.isalnum() or c in "-_") for c in key)
    return key if bare else '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _toml_type(value: Any) -> str:
    return {str: "a string", int: "an integer", float: "a float", bool: "a boolean", list: "an array"}.get(
        type(value), type(value).__name__
    )


def _config_error(path: Path, problems: list[str]) -> ConfigError:
    lines = [f"{path}: {_TABLE} {p}" for p in problems]
    if len(lines) == 1:
        return ConfigError(lines[0] if lines[0].endswith(".") else lines[0] + ".")
    error = ConfigError(f"{path}: {_TABLE} has {len(lines)} problems.")
    # Same shape as RegistryError.problems: the CLI prints each line, then the one-sentence summary.
    error.problems = lines  # type: ignore[attr-defined]
    return error


def check_options_for(
    registry_config: CrawlConfig | None,
    settings: Settings,
    *,
    pyproject: Path | None = Path("pyproject.toml"),
    concurrency: int | None = None,
    host_concurrency: int | None = None,
    timeout: float | None = None,
    allow_private: bool = False,
) -> CheckOptions:
    """Checker options: flags over the registry's ``config:`` over ``[tool.crawler]`` (shared by run and check).

    *registry_config* ``None`` (``check``: no registry) is the empty configuration, without
    importing the models unless ``[tool.crawler]`` is there to merge.
    """
    from_pyproject = load_pyproject_config(pyproject) if pyproject and pyproject.exists() else None
    if registry_config is None and from_pyproject is not None:
        from crawler.models import CrawlConfig

        registry_config = CrawlConfig()
    return CheckOptions.from_config(
        merge_config(registry_config, from_pyproject) if registry_config is not None else None,
        concurrency=concurrency,
        host_concurrency=host_concurrency,
        timeout=timeout,
        allow_private=allow_private or None,
        proxied=bool(settings.https_proxy or settings.http_proxy) or None,
    )
