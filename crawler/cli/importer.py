"""`python -m crawler import`: turn a Markdown list (a table or an awesome-list's bullets) into registry YAML."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from crawler.cli.common import add_verbosity, new_parser
from crawler.errors import UsageError

EXAMPLES = """\
  python -m crawler import leaderboard.md                     # registry YAML on stdout
  python -m crawler import leaderboard.md -o registry.yaml    # write a file (refuses to overwrite)
  python -m crawler import README.md --table 2                # the second table of the file
  python -m crawler import README.md --bullets                # the bulleted list, not a table
  python -m crawler import README.md --columns "model=Model Weight,data=Data,extra=Backbone"

Tables: every GitHub-flavoured form (any dash count, alignment colons, escaped pipes, no outer
pipes). By default the table with the most links is read; the bulleted items when no table has
links or they hold more links than all the tables together; every table and the bulleted list
found are listed on stderr. Columns get roles from their headers (English or
Chinese: model/模型, code/GitHub/代码, weights/checkpoint/权重, data/dataset/数据, paper/论文,
date/日期, licence/许可) and from their links' hosts; --columns ROLE=HEADER overrides (roles:
name description code model data training paper date license link category extra). A column
with no role is kept as an `extra` field. The mapping, the counts per link kind and every cell that
could not be read (with its line) are printed on stderr. URLs cleaned of Markdown debris get a
'# corrected:' comment. Then run `python -m crawler validate --registry registry.yaml`.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = new_parser(sub, "import", "Convert a Markdown table or bulleted list into registry YAML.", EXAMPLES)
    p.add_argument("file", type=Path, metavar="FILE.md", help="Markdown file holding the list")
    p.add_argument("-o", "--output", type=Path, default=None, metavar="PATH", help="write here instead of stdout")
    p.add_argument("--force", action="store_true", help="overwrite PATH if it exists")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--table", type=int, default=None, metavar="N", help="read table N (1 = first in the file)")
    which.add_argument("--bullets", action="store_true", help="read the bulleted list even if there are tables")
    p.add_argument("--columns", default=None, metavar="ROLE=HEADER,...", help="set the role of these columns")
    add_verbosity(p, requests=False)  # offline: no requests to list
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from crawler.files import atomic_write_text
    from crawler.importer import counted, parse_columns_option, parse_markdown, render_registry_yaml
    from crawler.registry import display_path, parse_registry

    source: Path = args.file
    try:
        columns = parse_columns_option(args.columns) if args.columns else None
    except ValueError as exc:
        raise UsageError(f"--columns: {exc}") from None
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

    imported = parse_markdown(text, source_file=source.name, table=args.table, columns=columns, bullets=args.bullets,
                              where=str(source))
    result = render_registry_yaml(imported)
    shown = display_path(output) if output is not None else "<stdout>"
    registry, _ = parse_registry(result, shown)  # the importer's output must load; RegistryError if not
    if output is None:
        sys.stdout.write(result)
    else:
        try:
            atomic_write_text(output, result)
        except OSError as exc:
            raise UsageError(f"{output}: cannot write: {exc.strerror or exc}") from None
    err = sys.stderr
    if args.quiet == 0:
        for line in imported.tables:
            print(f"{source}: {line}", file=err)
        mapping = ", ".join(f"{h} -> {imported.source.roles.get(h, 'extra')}" for h in imported.source.columns)
        print(f"{source}: columns: {mapping}", file=err)
        kinds = Counter(link.kind.value for e in registry.entries for link in e.links)
        n_links = sum(kinds.values())
        per_kind = ", ".join(f"{n} {kind}" for kind, n in kinds.most_common())
        rows_links = f"{counted(len(registry.entries), 'row')}, {counted(n_links, 'link')}"
        print(f"{source}: {rows_links} ({per_kind or 'none'}) -> {shown}", file=err)
    bullets = next((t for t in imported.tables if t.startswith("bulleted list")), None)
    if args.quiet == 0 and bullets and not bullets.endswith("(chosen)"):
        print(f"{source}: note: a table was read; --bullets reads the bulleted list instead", file=err)
    elif args.quiet == 0 and bullets and len(imported.tables) > 1:
        print(f"{source}: note: the bulleted list was read (it holds more links than the tables); "
              "--table N reads a table instead", file=err)
    for problem in imported.problems:
        print(f"{source}:{problem}", file=err)
    if not any(e.links for e in registry.entries):  # links in a name column count: nothing to warn about then
        print(f"{source}: warning: no column holds links, so nothing will be checked; name one with "
              "--columns code=HEADER (or data=, model=, paper=)", file=err)
    return 0
