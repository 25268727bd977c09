"""`python -m crawler import`: turn a Markdown leaderboard table into registry YAML."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from crawler.cli.common import add_verbosity, new_parser
from crawler.errors import UsageError

EXAMPLES = """\
  python -m crawler import leaderboard.md                     # registry YAML on stdout
  python -m crawler import leaderboard.md -o registry.yaml    # write a file (refuses to overwrite)
  python -m crawler import leaderboard.md -o registry.yaml --force

The first Markdown table is read (front matter, TOML +++ or YAML ---, is kept); columns are
recognised by their headers (模型/model, 开源地址/code, 所用数据/data, 数据下载地址/download).
URLs cleaned of Markdown debris get a '# corrected:' comment. Review the result, then run
`python -m crawler validate --registry registry.yaml`.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = new_parser(sub, "import", "Convert a Markdown leaderboard table into registry YAML.", EXAMPLES)
    p.add_argument("file", type=Path, metavar="FILE.md", help="Markdown file holding the table")
    p.add_argument("-o", "--output", type=Path, default=None, metavar="PATH", help="write here instead of stdout")
    p.add_argument("--force", action="store_true", help="overwrite PATH if it exists")
    add_verbosity(p)
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from crawler.files import atomic_write_text
    from crawler.importer import markdown_to_registry_yaml
    from crawler.registry import display_path, parse_registry
    source: Path = args.file
    try:
        text = source.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UsageError(f"{source}: no such file") from None
    except UnicodeDecodeError:
        raise UsageError(f"{source}: not UTF-8 text") from None
    except OSError as exc:
        raise UsageError(f"{source}: cannot read: {exc.strerror or exc}") from None
    output: Path | None = args.output
    if output is not None and output.exists() and not args.force:
        raise UsageError(f"{output}: already exists; pass --force to overwrite it")

    result = markdown_to_registry_yaml(text, source_file=source.name)
    shown = display_path(output) if output is not None else "<stdout>"
    registry, _ = parse_registry(result, shown)  # the importer's output must load; RegistryError if not
    if output is None:
        sys.stdout.write(result)
    else:
        try:
            atomic_write_text(output, result)
        except OSError as exc:
            raise UsageError(f"{output}: cannot write: {exc.strerror or exc}") from None
    if args.quiet == 0:
        n_links = sum(len(e.links) for e in registry.entries)
        print(f"{source}: {len(registry.entries)} rows, {n_links} links -> {shown}", file=sys.stderr)
    return 0
