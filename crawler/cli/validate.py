"""`python -m crawler validate`: check the registry's schema, print warnings and a one-line summary."""

from __future__ import annotations

import argparse
import sys

from crawler.cli.common import add_registry_option, add_verbosity, new_parser

EXAMPLES = """\
  python -m crawler validate                       # ./registry.yaml, else the shipped one
  python -m crawler validate --registry my.yaml    # another registry file
  python -m crawler validate -q                    # problems and the summary only, no warnings

exit codes: 0 valid (warnings allowed), 2 invalid; every problem is printed as FILE:LINE: message.
"""


def register(sub: argparse._SubParsersAction) -> None:
    help_text = "Check the registry file against the schema, without touching the network."
    p = new_parser(sub, "validate", help_text, EXAMPLES)
    add_registry_option(p)
    add_verbosity(p, requests=False)  # offline: no requests to list
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from pathlib import Path

    from crawler.config import load_pyproject_config
    from crawler.registry import display_path, load_registry

    # An invalid registry raises RegistryError, an invalid [tool.crawler] ConfigError; the CLI
    # frame prints the problems and exits 2, as `run` would.
    loaded = load_registry(args.registry)
    pyproject = Path("pyproject.toml")
    if pyproject.is_file():
        load_pyproject_config(pyproject)
    if args.quiet == 0:
        for warning in loaded.warnings:
            print(warning, file=sys.stderr)
    registry = loaded.registry
    n_links = sum(len(e.links) for e in registry.entries)
    print(
        f"{display_path(loaded.path)}: {_count(len(registry.entries), 'entry', 'entries')}, {_count(n_links, 'link')} "
        f"({_count(len(registry.unique_urls()), 'unique URL')}), {_count(len(loaded.warnings), 'warning')}"
    )
    return 0


def _count(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n} {singular if n == 1 else plural or singular + 's'}"
