"""Writing a fix plan into the registry's text: in place, every other byte kept.

ruamel.yaml's composer locates each link's ``url`` scalar: its start and end offsets, its quoting
style and whether its mapping is written in flow style. Only that span is replaced, in the same
quoting style (a plain URL that would need quotes gets double quotes), and a comment is appended
to its line: ``# was OLD (crawler fix YYYY-MM-DD)``. Accepting an archived copy adds an
``archived:`` key below the ``url`` line, at its indentation (``, archived: "..."`` inside a flow
mapping), commented ``# archived copy accepted (crawler fix YYYY-MM-DD)``.

Why not ruamel's round-trip dump: it writes the whole document again with one global indentation
and line width, so it reproduces a file only when the file happens to use those settings (the
shipped registry does; a hand-edited one need not). Editing spans keeps every comment, key order,
quoting and indentation by construction. The new text is then validated again and must equal the
registry with exactly the planned changes; otherwise ``RegistryError`` and nothing is written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import date

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from crawler.errors import RegistryError
from crawler.fix.plan import Edit
from crawler.registry import parse_registry

__all__ = ["apply_edits", "comment_marker", "registry_diff"]

# What this command wrote on an earlier run; replaced (not stacked) when the line changes again.
_OUR_COMMENT = re.compile(
    r"[ \t]+# (?:was \S+|archived copy accepted)(?:; was \S+)* \(crawler fix \d{4}-\d{2}-\d{2}\)$"
)
# An explicit tag before a scalar (``!!str``, ``!<tag:yaml.org,2002:str>``) and the blanks after it.
_TAG = re.compile(r"(?:!<[^>]*>|![^\s]*)[ \t]+|")
# A URL that reads back as itself as a plain scalar, in block and in flow context alike.
_PLAIN_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^\s,\[\]{}'\"]*$")


def comment_marker(old_url: str, today: date) -> str:
    """The comment left on a changed line: ``# was OLD (crawler fix YYYY-MM-DD)``."""
    return f"# was {old_url} (crawler fix {today.isoformat()})"


def _get(node: Node | None, key: str) -> tuple[ScalarNode, Node] | None:
    if not isinstance(node, MappingNode):
        return None
    for k, v in node.value:
        if isinstance(k, ScalarNode) and k.value == key:
            return k, v
    return None


def _link_node(root: Node, edit: Edit, filename: str) -> MappingNode:
    entries = _get(root, "entries")
    if entries is not None and isinstance(entries[1], SequenceNode):
        for entry in entries[1].value:
            ident = _get(entry, "id")
            links = _get(entry, "links")
            if ident is None or ident[1].value != edit.entry_id or links is None:
                continue
            items = links[1].value if isinstance(links[1], SequenceNode) else []
            if edit.link_index < len(items) and isinstance(items[edit.link_index], MappingNode):
                link = items[edit.link_index]
                url = _get(link, "url")
                # An anchored node is also read wherever it is aliased (``*name``): editing it in
                # place would change those links too, and its span starts at the ``&name`` it would erase.
                for node in (links[1], link, url[1] if url else None):
                    if node is not None and getattr(node, "anchor", None):
                        raise RegistryError(
                            f"{filename}:{node.start_mark.line + 1}: this link is shared through the "
                            f"YAML anchor &{node.anchor}; edit it by hand."
                        )
                return link
    raise RegistryError(f"{filename}: entry {edit.entry_id!r} has no link {edit.link_index + 1}; run `fix` again.")


def _scalar(value: str, style: str | None) -> str:
    if style == "'":
        return "'" + value.replace("'", "''") + "'"
    if style is None and _PLAIN_URL.match(value) and not value.endswith(":"):
        return value
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid YAML double-quoted scalar


def _line_end(text: str, pos: int) -> int:
    """Offset of the end of the line holding *pos*, before its ``\\n`` or ``\\r\\n``."""
    end = text.find("\n", pos)
    end = len(text) if end < 0 else end
    return end - 1 if end > 0 and text[end - 1] == "\r" else end


def apply_edits(
    text: str,
    edits: Sequence[Edit],
    *,
    today: date,
    filename: str,
    refused: list[tuple[Edit, str]] | None = None,
) -> str:
    """*text* with *edits* made in place; *text* itself when there are none.

    An edit that cannot be made in place (the link moved since the plan, a url written over several
    lines, an ``archived:`` key already there) raises ``RegistryError``, one sentence naming the file
    and line; with a *refused* list it is appended there instead and the other edits are made.
    """
    if not edits:
        return text
    try:
        root = YAML().compose(text)
    except YAMLError as exc:
        raise RegistryError(f"{filename}: cannot locate the links to edit ({type(exc).__name__}).") from None
    stamp = f"(crawler fix {today.isoformat()})"
    ops: list[tuple[int, int, str]] = []  # (start, end, replacement) in the original text
    comments: dict[int, list[str]] = {}  # line end offset -> comment parts for that line
    made: list[Edit] = []
    for edit in edits:
        try:
            _locate(root, text, edit, filename, stamp, ops, comments)
        except RegistryError as exc:
            if refused is None:
                raise
            refused.append((edit, str(exc)))
        else:
            made.append(edit)
    for end, parts in comments.items():
        start = text.rfind("\n", 0, end) + 1
        mine = _OUR_COMMENT.search(text[start:end])
        comment = f"  # {'; '.join(parts)} {stamp}"
        ops.append((start + mine.start(), end, comment) if mine else (end, end, comment))
    new_text = text
    for start, end, replacement in sorted(ops, key=lambda op: (op[0], op[1]), reverse=True):
        new_text = new_text[:start] + replacement + new_text[end:]
    _verify(text, new_text, made, filename)
    return new_text


def _locate(
    root: Node,
    text: str,
    edit: Edit,
    filename: str,
    stamp: str,
    ops: list[tuple[int, int, str]],
    comments: dict[int, list[str]],
) -> None:
    """Add *edit*'s text operations to *ops* and its comment to *comments*, or raise ``RegistryError``."""
    link = _link_node(root, edit, filename)
    pair = _get(link, "url")
    if pair is None or not isinstance(pair[1], ScalarNode) or pair[1].value != edit.old_url:
        line = link.start_mark.line + 1
        raise RegistryError(f"{filename}:{line}: this link's url is not {edit.old_url}; run `fix` again.")
    key, value = pair
    line = value.start_mark.line + 1
    if value.style in ("|", ">") or value.start_mark.line != value.end_mark.line:
        raise RegistryError(f"{filename}:{line}: the url spans several lines; edit it by hand.")
    end_of_line = _line_end(text, value.end_mark.index)
    if edit.field == "url":
        # The node's span starts at its tag when one is written (``url: !!str https://...``); keep it.
        start = _TAG.match(text, value.start_mark.index, value.end_mark.index).end()  # type: ignore[union-attr]
        ops.append((start, value.end_mark.index, _scalar(edit.new_url, value.style)))
        comments.setdefault(end_of_line, []).append(f"was {edit.old_url}")
    elif _get(link, "archived") is not None:
        raise RegistryError(f"{filename}:{line}: this link already has an archived: key; edit it by hand.")
    elif link.flow_style:
        ops.append((value.end_mark.index, value.end_mark.index, f", archived: {json.dumps(edit.new_url)}"))
        comments.setdefault(end_of_line, []).append("archived copy accepted")
    else:
        newline = "\r\n" if text[end_of_line : end_of_line + 2] == "\r\n" else "\n"
        added = (
            f"{' ' * key.start_mark.column}archived: {_scalar(edit.new_url, None)}  # archived copy accepted {stamp}"
        )
        at = end_of_line + len(newline)
        if end_of_line == len(text):  # the url was on the last line, with no newline after it
            added, at = newline + added, len(text)
        else:
            added += newline
        ops.append((at, at, added))


def _verify(old_text: str, new_text: str, edits: Sequence[Edit], filename: str) -> None:
    """The edited text must be a valid registry equal to the old one with exactly *edits* made."""
    expected, _ = parse_registry(old_text, filename)
    by_id = {entry.id: entry for entry in expected.entries}
    for edit in edits:
        link = by_id[edit.entry_id].links[edit.link_index]
        setattr(link, edit.field, edit.new_url)
    try:
        got, _ = parse_registry(new_text, filename)
    except RegistryError as exc:
        raise RegistryError(f"{filename}: the edited file would not be valid ({exc}); edit it by hand.") from None
    if got.model_dump() != expected.model_dump():
        raise RegistryError(f"{filename}: the links could not be edited in place exactly; edit them by hand.")


def registry_diff(old: str, new: str, filename: str) -> str:
    """A unified diff of the registry (``a/FILE`` -> ``b/FILE``, 3 lines of context); '' when equal."""
    import difflib

    name = filename.lstrip("/")  # an absolute path shown as a/tmp/x.yaml, as `git diff --no-index` does
    lines = difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True), f"a/{name}", f"b/{name}")
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)
