"""``registry.enriched.yaml``: the registry as its authors wrote it, each link's findings added.

Each link mapping gets one more key, ``crawl:``, holding its status, HTTP status, reason, cause,
history and metadata (GitHub, Hugging Face, the host-neutral ``meta`` and any ``archive`` copy). The rest of the file is kept byte for byte (comments, order, quoting):
the ``crawl:`` blocks are inserted as text after each link, at the link's indentation, at
positions found by composing the YAML. When that cannot be done safely (no registry text, a
flow-style link, anchors, a registry that no longer matches the snapshot), the file is
rebuilt from the snapshot instead, which holds every registry field.
"""

from __future__ import annotations

import re

import yaml

from crawler.models import LinkRecord, Snapshot
from crawler.render.escape import one_line
from crawler.render.plain import plain, utc_stamp

__all__ = ["crawl_block", "render_enriched_yaml"]

_REGISTRY_FIELDS = {"url", "kind", "label", "note", "column", "archived"}
# libyaml's parser when PyYAML has it (same nodes and marks, ~15x faster): parsing the registry
# and re-parsing the annotated copy was most of `run`'s own time (benchmarks/README.md).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _CannotAnnotate(Exception):
    """The registry text cannot be annotated in place; rebuild from the snapshot."""


def crawl_block(link: LinkRecord) -> dict[str, object]:
    """What ``crawl:`` holds for *link*: result, history and metadata, ``None`` values left out."""
    result = link.result
    block: dict[str, object] = {"status": result.status.value}
    for key, value in (
        ("http_status", result.http_status),
        ("final_url", result.final_url),
        ("reason", result.reason),
        ("cause", result.cause),
        ("checked_at", utc_stamp(result.checked_at)),
    ):
        if value is not None:
            block[key] = value
    if link.consecutive_failures:
        block["consecutive_failures"] = link.consecutive_failures
    if link.failing_since is not None:
        block["failing_since"] = link.failing_since.isoformat()
    for key, meta in (
        ("github", link.github),
        ("huggingface", link.huggingface),
        ("meta", link.meta),
        ("archive", link.archive),
    ):
        if meta is not None:
            block[key] = plain(meta.model_dump(exclude_none=True))
    return block


class _Dumper(yaml.SafeDumper):
    """Multi-line strings as literal blocks (``|``), as people write them; PyYAML quotes them otherwise."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _str)

# libyaml's emitter (when PyYAML has it) writes the same text as PyYAML's for one-line strings of
# printable characters, and is ~10x faster; the two fold long double-quoted strings and write
# multi-line and escaped ones differently, so a block holding any other string (a line break, a
# control, format or non-BMP character, a BOM) goes through PyYAML's emitter as before.
_CDumper: type | None = None
if hasattr(yaml, "CSafeDumper"):

    class _CDumper(yaml.CSafeDumper):  # type: ignore[no-redef]
        pass

    _CDumper.add_representer(str, _str)

_NOT_PLAIN_TEXT = re.compile("[^\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]")


def _plain_text_only(data: object) -> bool:
    if isinstance(data, str):
        return _NOT_PLAIN_TEXT.search(data) is None
    if isinstance(data, dict):
        return all(_plain_text_only(k) and _plain_text_only(v) for k, v in data.items())
    if isinstance(data, list):
        return all(_plain_text_only(v) for v in data)
    return True


def _dump(data: object) -> str:
    dumper = _CDumper if _CDumper is not None and _plain_text_only(data) else _Dumper
    return yaml.dump(data, Dumper=dumper, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100)


def _header(snapshot: Snapshot) -> str:
    return (
        f"# {one_line(snapshot.registry_path)}, enriched by crawler {one_line(snapshot.tool_version)} "
        f"at {utc_stamp(snapshot.generated_at)}.\n"
        "# Generated: each link's `crawl:` block holds its status and metadata. Edit the registry, not this file.\n"
    )


def _scalar(node: yaml.MappingNode, key: str) -> str | None:
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            return v.value if isinstance(v, yaml.ScalarNode) else None
    return None


def _child(node: yaml.MappingNode, key: str) -> yaml.Node | None:
    return next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == key), None)


def _block_mapping(node: yaml.Node | None) -> yaml.MappingNode:
    if not isinstance(node, yaml.MappingNode) or node.flow_style or not node.value:
        raise _CannotAnnotate
    return node


def _block_sequence(node: yaml.Node | None) -> yaml.SequenceNode:
    if not isinstance(node, yaml.SequenceNode) or (node.flow_style and node.value):
        raise _CannotAnnotate  # an empty flow sequence (``links: []``) has nothing to annotate
    return node


def _annotate(text: str, snapshot: Snapshot) -> str:
    # The same URL may sit twice in one entry (as code and as data): match them in order.
    pending: dict[tuple[str, str], list[LinkRecord]] = {}
    for entry, record in snapshot.links():
        pending.setdefault((entry.id, record.url), []).append(record)
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError:
        raise _CannotAnnotate from None
    entries = _child(_block_mapping(root), "entries")
    inserts: list[tuple[int, str]] = []
    seen: set[int] = set()
    for entry_node in _block_sequence(entries).value:
        entry_id = _scalar(_block_mapping(entry_node), "id") or ""
        links = _child(entry_node, "links")
        if links is None:
            continue
        for link_node in _block_sequence(links).value:
            link_node = _block_mapping(link_node)
            queue = pending.get((entry_id, _scalar(link_node, "url") or ""))
            if id(link_node) in seen or not queue:
                raise _CannotAnnotate  # an anchor reused, or the registry changed since the snapshot
            seen.add(id(link_node))
            indent = " " * link_node.value[0][0].start_mark.column
            end = link_node.value[-1][1].end_mark
            line = end.line if end.column == 0 else end.line + 1
            block = _dump({"crawl": crawl_block(queue.pop(0))})
            inserts.append((line, "".join(f"{indent}{row}\n" for row in block.splitlines())))
    if any(pending.values()):
        raise _CannotAnnotate
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += "\n"
    for line, block in sorted(inserts, reverse=True):
        lines.insert(min(line, len(lines)), block)
    annotated = "".join(lines)
    try:
        yaml.load(annotated, Loader=_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError:
        raise _CannotAnnotate from None
    return annotated


def _rebuild(snapshot: Snapshot) -> str:
    entries = []
    for entry in snapshot.entries:
        data = plain(entry.model_dump(exclude={"links"}, exclude_none=True))
        data = {k: v for k, v in data.items() if v not in ([], {})}  # extra: {} is the default, not data
        data["links"] = [
            {**plain(link.model_dump(include=_REGISTRY_FIELDS, exclude_none=True)), "crawl": crawl_block(link)}
            for link in entry.links
        ]
        entries.append(data)
    document: dict[str, object] = {"version": 1}
    if snapshot.source is not None:
        source = plain(snapshot.source.model_dump(exclude_none=True))
        document["source"] = {k: v for k, v in source.items() if v != {}}  # roles: {} for a hand-written registry
    document["entries"] = entries
    return _dump(document)


def render_enriched_yaml(snapshot: Snapshot, registry_text: str | None) -> str:
    """The enriched registry: *registry_text* annotated in place, else rebuilt from *snapshot*."""
    if registry_text is not None:
        try:
            return _header(snapshot) + _annotate(registry_text, snapshot)
        except _CannotAnnotate:
            pass
    return _header(snapshot) + _rebuild(snapshot)
