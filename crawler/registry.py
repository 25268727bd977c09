"""Loading and validating ``registry.yaml``: every problem as ``FILE:LINE: message``.

The YAML is composed once into nodes (which carry line marks) and constructed from
those same nodes, so a pydantic error location such as ``('entries', 3, 'links', 0, 'url')``
can be walked back to the node it came from. Problems are collected, not raised one
at a time: a user fixing a file wants the whole list. Warnings (a valid file that is
probably not what its author meant) are ``registry_warnings.py``'s.
"""

from __future__ import annotations

import difflib
import hashlib
import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

import crawler
from crawler.errors import RegistryError
from crawler.models import LinkKind, Registry
from crawler.registry_warnings import canonical_github_url, guard_refusal, registry_warnings

__all__ = [
    "LoadedRegistry",
    "canonical_github_url",
    "default_registry_path",
    "display_path",
    "guard_refusal",
    "load_registry",
    "parse_registry",
]

REGISTRY_FILE = "registry.yaml"
_SCALARS = (str, int, float, bool, type(None))


def default_registry_path() -> Path:
    """``registry.yaml`` in the working directory if there is one, else the one shipped at the repository root."""
    here = Path.cwd() / REGISTRY_FILE
    if here.is_file():
        return here
    return Path(crawler.__file__).resolve().parent.parent / REGISTRY_FILE


def display_path(path: Path) -> str:
    """*path* relative to the working directory when it lies below it, as given otherwise."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


@dataclass
class LoadedRegistry:
    registry: Registry
    path: Path
    text: str
    sha256: str
    warnings: list[str] = field(default_factory=list)


def load_registry(path: Path | None = None) -> LoadedRegistry:
    """Read and validate the registry at *path* (default: ``default_registry_path()``).

    Raises ``RegistryError`` whose ``.problems`` lists every problem as ``FILE:LINE: message``.
    """
    path = default_registry_path() if path is None else Path(path)
    shown = display_path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise RegistryError(f"{shown}: no such registry file") from None
    except IsADirectoryError:
        raise RegistryError(f"{shown}: is a directory, not a registry file") from None
    except OSError as exc:
        raise RegistryError(f"{shown}: cannot read the registry: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        bad = raw[exc.start : exc.start + 4]
        raise RegistryError(f"{shown}:{line}: not UTF-8 text (bytes {bad!r})") from None
    registry, warnings = parse_registry(text, shown)
    return LoadedRegistry(
        registry=registry,
        path=path,
        text=text,
        sha256=hashlib.sha256(raw).hexdigest(),
        warnings=warnings,
    )


# libyaml's parser when PyYAML has it (the same nodes, lines and values, ~10x faster), for a text
# PyYAML's own reader accepts; any error is re-raised by the pure-Python loader, so every message
# (and the control characters the reader refuses) stays PyYAML's.
_FAST_LOADER = getattr(yaml, "CSafeLoader", None)


def _load_with(loader_class: type, text: str) -> tuple[yaml.Node | None, object]:
    loader = loader_class(text)  # the pure reader checks for control characters right here
    try:
        root = loader.get_single_node()
        return root, (loader.construct_document(root) if root is not None else None)
    finally:
        loader.dispose()


def _compose(text: str) -> tuple[yaml.Node | None, object]:
    if _FAST_LOADER is not None and not yaml.reader.Reader.NON_PRINTABLE.search(text):
        try:
            return _load_with(_FAST_LOADER, text)
        except yaml.YAMLError:
            pass  # the pure loader below raises it with PyYAML's message
    return _load_with(yaml.SafeLoader, text)


def parse_registry(text: str, filename: str = REGISTRY_FILE) -> tuple[Registry, list[str]]:
    """Validate registry YAML *text*; return the registry and its warnings or raise ``RegistryError``."""
    try:
        root, data = _compose(text)
    except yaml.MarkedYAMLError as exc:
        problem = _yaml_problem(exc, text, filename)
        raise RegistryError(problem, [problem]) from None
    except yaml.reader.ReaderError as exc:  # a control character: the reader gives a position, not a mark
        line = text[: exc.position].count("\n") + 1
        problem = f"{filename}:{line}: YAML syntax error: character {chr(exc.character)!r} is not allowed in YAML"
        raise RegistryError(problem, [problem]) from None
    except yaml.YAMLError as exc:
        raise RegistryError(f"{filename}: invalid YAML: {exc}") from None

    if not isinstance(data, dict) or root is None:
        line = root.start_mark.line + 1 if root is not None else 1
        got = "an empty file" if data is None else f"a {type(data).__name__}"
        raise RegistryError(
            f"{filename}:{line}: the registry must be a mapping with 'version' and 'entries', not {got}"
        )

    problems: list[tuple[int, str]] = list(_duplicate_keys(root))
    registry: Registry | None = None
    try:
        registry = Registry.model_validate(data)
    except ValidationError as exc:
        problems.extend(_pydantic_problem(err, root) for err in exc.errors())
    problems.extend(_cross_entry_problems(data, root))

    if problems:
        lines = [f"{filename}:{line}: {msg}" for line, msg in sorted(set(problems))]
        raise RegistryError(lines[0] if len(lines) == 1 else f"{filename}: {len(lines)} problems", lines)
    assert registry is not None
    found = registry_warnings(registry, lambda loc: _line(_node_at(root, loc)[0]))
    return registry, [f"{filename}:{line}: warning: {msg}" for line, msg in found]


# --------------------------------------------------------------------------- node helpers


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _yaml_problem(exc: yaml.MarkedYAMLError, text: str, filename: str) -> str:
    source_lines = text.splitlines()

    def snippet(mark: yaml.Mark | None) -> str:
        if mark is None or not 0 <= mark.line < len(source_lines) or not source_lines[mark.line].strip():
            return ""
        return f" in {source_lines[mark.line].strip()!r}"

    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else 1
    msg = f"{filename}:{line}: YAML syntax error: {exc.problem or exc.context or 'invalid YAML'}{snippet(mark)}"
    if exc.context and exc.problem and exc.context_mark is not None:
        # The context (e.g. where an unclosed bracket opened) is often where the actual mistake is.
        msg += f" ({exc.context} on line {exc.context_mark.line + 1}{snippet(exc.context_mark)})"
    return msg


def _mapping_get(node: yaml.Node, key: object) -> tuple[yaml.Node, yaml.Node] | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value == str(key):
            return k, v
    return None


def _node_at(root: yaml.Node, loc: Iterable[object]) -> tuple[yaml.Node, bool]:
    """The deepest node along *loc* and whether the whole path was found.

    For a mapping key the key node is returned at the last step, so an unknown key
    is reported on its own line.
    """
    node = root
    steps = list(loc)
    for i, step in enumerate(steps):
        last = i == len(steps) - 1
        if isinstance(step, int) and isinstance(node, yaml.SequenceNode) and 0 <= step < len(node.value):
            node = node.value[step]
            continue
        pair = _mapping_get(node, step)
        if pair is None:
            return node, False
        node = pair[0] if last else pair[1]
    return node, True


def _duplicate_keys(node: yaml.Node) -> Iterable[tuple[int, str]]:
    # PyYAML keeps the last of two equal keys silently; in a hand-edited file that hides an edit.
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode):
                if k.value in seen:
                    yield _line(k), f"duplicate key {k.value!r} (first on line {seen[k.value]})"
                else:
                    seen[k.value] = _line(k)
            yield from _duplicate_keys(v)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _duplicate_keys(item)


# --------------------------------------------------------------------------- messages


def _loc_text(loc: Iterable[object]) -> str:
    out = ""
    for step in loc:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out or "(top level)"


def _model_at(loc: Iterable[object]) -> type[BaseModel] | None:
    """The model class that the value at *loc* is validated against, if any."""
    tp: Any = Registry
    for step in loc:
        tp = _unwrap(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            info = tp.model_fields.get(str(step))
            if info is None:
                return None
            tp = info.annotation
        elif typing.get_origin(tp) in (list, dict):
            tp = typing.get_args(tp)[-1]
        else:
            return None
    tp = _unwrap(tp)
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def _unwrap(tp: Any) -> Any:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return args[0] if len(args) == 1 else tp
    return tp


def _pydantic_problem(err: Any, root: yaml.Node) -> tuple[int, str]:
    loc = tuple(err["loc"])
    node, _ = _node_at(root, loc)
    kind, value = err["type"], err.get("input")
    shown_value = f" (got {value!r})" if isinstance(value, _SCALARS) else ""
    if kind == "missing":
        msg = f"{_loc_text(loc[:-1])}: missing required field {loc[-1]!r}"
    elif kind == "extra_forbidden":
        msg = f"{_loc_text(loc[:-1])}: unknown key {loc[-1]!r}"
        model = _model_at(loc[:-1])
        if model is not None:
            close = difflib.get_close_matches(str(loc[-1]), list(model.model_fields), n=1)
            msg += f" (did you mean {close[0]!r}?)" if close else f" (allowed: {', '.join(model.model_fields)})"
    elif kind == "enum" and loc and loc[-1] == "kind":
        msg = f"{_loc_text(loc)}: unknown kind {value!r} (expected one of: {', '.join(k.value for k in LinkKind)})"
    elif kind == "value_error":
        msg = f"{_loc_text(loc)}: {err['msg'].removeprefix('Value error, ')}"
    else:
        msg = f"{_loc_text(loc)}: {err['msg']}{shown_value}"
    return _line(node), msg


def _cross_entry_problems(data: dict[str, Any], root: yaml.Node) -> Iterable[tuple[int, str]]:
    """Duplicate ids and dangling ``duplicate_of``, checked on the raw data so they show alongside schema errors."""
    entries = data.get("entries")
    if not isinstance(entries, list):
        return
    first_line: dict[str, int] = {}
    for i, entry in enumerate(entries):
        if isinstance(entry, dict) and isinstance(entry.get("id"), str):
            node, _ = _node_at(root, ("entries", i, "id"))
            ident = entry["id"]
            if ident in first_line:
                yield _line(node), f"entries[{i}].id: duplicate id {ident!r} (first used on line {first_line[ident]})"
            else:
                first_line[ident] = _line(node)
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("duplicate_of"), str):
            continue
        target = entry["duplicate_of"]
        node, _ = _node_at(root, ("entries", i, "duplicate_of"))
        if target == entry.get("id"):
            yield _line(node), f"entries[{i}].duplicate_of: an entry cannot be a duplicate of itself ({target!r})"
        elif target not in first_line:
            yield _line(node), f"entries[{i}].duplicate_of: unknown id {target!r}"
    yield from _duplicate_cycles(entries, root)


def _duplicate_cycles(entries: list[Any], root: yaml.Node) -> Iterable[tuple[int, str]]:
    """``a`` duplicate_of ``b`` duplicate_of ``a``: no entry in the loop is the original."""
    target_of = {
        e["id"]: e["duplicate_of"]
        for e in entries
        if isinstance(e, dict) and isinstance(e.get("id"), str) and isinstance(e.get("duplicate_of"), str)
    }
    index_of = {e["id"]: i for i, e in enumerate(entries) if isinstance(e, dict) and isinstance(e.get("id"), str)}
    reported: set[str] = set()
    for start in target_of:
        seen: list[str] = []
        current: str | None = start
        while current in target_of and current not in seen:
            seen.append(current)
            current = target_of[current]
        if current == start and len(seen) > 1 and not reported & set(seen):
            reported.update(seen)
            node, _ = _node_at(root, ("entries", index_of[start], "duplicate_of"))
            loop = " -> ".join([*seen, start])
            yield _line(node), f"entries[{index_of[start]}].duplicate_of: duplicates form a loop ({loop})"
