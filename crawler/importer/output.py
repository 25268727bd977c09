"""Registry YAML for an import: the entries, with a ``# corrected:`` comment above every cleaned URL."""

from __future__ import annotations

import json
import re

import yaml

from crawler.importer.entries import ImportResult

__all__ = ["render_registry_yaml"]


# Plain without asking the YAML parser (a 5,000-row list spent most of its time there): a URL with no
# space, and a word or phrase of letters, digits and ._-/() that starts with a letter and is not one of
# YAML 1.1's booleans or null (yaml.org/type/bool.html, yaml.org/type/null.html).
_PLAIN_URL = re.compile(r"https?://[^\s\"'`{}\[\],]*[^\s\"'`{}\[\],:]")
_PLAIN_WORDS = re.compile(r"[A-Za-z][\w.\-/() ]*[\w.)/]|[A-Za-z]")
_NOT_PLAIN = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}


def _scalar(value: object) -> str:
    """*value* as a one-line YAML scalar: plain when that reads back unchanged, else double-quoted."""
    if isinstance(value, str) and (
        _PLAIN_URL.fullmatch(value) or (_PLAIN_WORDS.fullmatch(value) and value.lower() not in _NOT_PLAIN)
    ):
        return value
    if isinstance(value, str) and "\n" not in value and value == value.strip() and value:
        try:
            if yaml.safe_load(f"k: {value}") == {"k": value}:
                return value
        except yaml.YAMLError:
            pass
    return json.dumps(value, ensure_ascii=False)


def _block(key: str, value: str, indent: str) -> str:
    """A multi-line string as a literal block, falling back to a quoted scalar if that would not round-trip."""
    if value.endswith("\n") and not value.endswith("\n\n") and not value.startswith((" ", "\n")):
        body = "".join(f"{indent}  {line}\n" if line else "\n" for line in value[:-1].split("\n"))
        if yaml.safe_load(f"{key}: |\n{body}") == {key: value}:
            return f"{indent}{key}: |\n{body}"
    return f"{indent}{key}: {_scalar(value)}\n"


def render_registry_yaml(result: ImportResult) -> str:
    """The registry YAML for *result*, with a ``# corrected:`` comment above every cleaned URL."""
    src = result.source
    command = f"python -m crawler import{' ' + src.file if src.file else ''}"
    out = ["# Registry of models and the corpora they were trained on.\n",
           f"# Imported by `{command}`; check with `python -m crawler validate`.\n", "version: 1\n", "source:\n"]
    if src.title is not None:
        out.append(f"  title: {_scalar(src.title)}\n")
    if src.file is not None:
        out.append(f"  file: {_scalar(src.file)}\n")
    if src.front_matter is not None:
        out.append(_block("front_matter", src.front_matter, "  "))
    out.append("  columns:\n" + "".join(f"    - {_scalar(c)}\n" for c in src.columns) if src.columns else "")
    if src.roles:
        out.append("  roles:  # header -> role, as import chose them; a header not listed is an extra field\n")
        out.extend(f"    {json.dumps(h, ensure_ascii=False)}: {r}\n" for h, r in src.roles.items())
    out.append("entries:\n")
    for i, entry in enumerate(result.entries):
        out.append(f"  - id: {_scalar(entry.id)}\n")
        out.append(f"    name: {_scalar(entry.name)}\n")
        if entry.aliases:
            out.append("    aliases:\n" + "".join(f"      - {_scalar(a)}\n" for a in entry.aliases))
        for key in ("duplicate_of", "description", "category", "base_model", "training_data", "notes"):
            value = getattr(entry, key)
            if value is not None:
                out.append(f"    {key}: {_scalar(value)}\n")
        if entry.extra:
            out.append("    extra:\n" + "".join(f"      {json.dumps(k, ensure_ascii=False)}: {_scalar(v)}\n" for k, v in entry.extra.items()))
        if not entry.links:
            out.append("    links: []\n")
            continue
        out.append("    links:\n")
        for j, link in enumerate(entry.links):
            raw = result.corrections.get((i, j))
            if raw is not None:
                out.append(f"      # corrected: the source writes {raw}; {raw[len(link.url):]!r} is Markdown debris\n")
            out.append(f"      - url: {_scalar(link.url)}\n        kind: {link.kind.value}\n")
            for key in ("label", "column", "note"):
                value = getattr(link, key)
                if value is not None:
                    out.append(f"        {key}: {_scalar(value)}\n")
    return "".join(out)
