"""Options shared by several subcommands, defined once; how the collector is kept out of a crawl."""

from __future__ import annotations

import argparse
import gc
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = [
    "add_crawl_options",
    "add_output_options",
    "add_registry_option",
    "add_verbosity",
    "collector_kept_out",
    "new_parser",
    "startup_done",
]



def only_choices() -> tuple[str, ...]:
    """``links`` and every registered host adapter's name (imported late: parsing stays cheap)."""
    from crawler.sources import source_names

    return ("links", *source_names())


# Allocations between two young-generation collections once start-up is frozen (CPython's
# default is 700). Measured on the benchmark's 5,000 and 50,000-URL lists: ~10% less CPU than
# the default, the same peak memory (the crawl makes little cyclic garbage), and cycles are still
# collected, so a run full of failures (exceptions hold frames in cycles) cannot pile them up.
CRAWL_GC_THRESHOLD = (50_000, 50, 1000)


@contextmanager
def collector_kept_out() -> Iterator[None]:
    """Run a command with the cyclic garbage collector off during start-up; restore it after.

    Start-up (imports, pydantic schemas, argument parsing) allocates some 75,000 objects that
    live as long as the process, so collecting them only costs time (193 collections on the
    benchmark's 5,000 URLs before, 10 after). The command calls :func:`startup_done` once its
    imports are done. On exit the collector's state is put back as it was (tests call ``main`` in-process).
    """
    enabled, threshold, frozen = gc.isenabled(), gc.get_threshold(), gc.get_freeze_count()
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() and not frozen:
            gc.unfreeze()
        gc.set_threshold(*threshold)
        if enabled:
            gc.enable()


def startup_done() -> None:
    """Freeze everything start-up built (never scanned again) and collect rarely from now on."""
    gc.freeze()
    gc.set_threshold(*CRAWL_GC_THRESHOLD)
    gc.enable()


def new_parser(sub: argparse._SubParsersAction, name: str, help: str, examples: str) -> argparse.ArgumentParser:
    return sub.add_parser(
        name,
        help=help,
        description=help,
        epilog="examples:\n" + examples,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def add_verbosity(p: argparse.ArgumentParser, *, requests: bool = True) -> None:
    """-v/-q; *requests*: the command sends requests, so -vv lists them (offline commands send none)."""
    more = "more output (-vv: every request)" if requests else "more output"
    p.add_argument("-v", "--verbose", action="count", default=0, help=more)
    p.add_argument("-q", "--quiet", action="count", default=0, help="less output")


def add_registry_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--registry", type=Path, default=None, metavar="PATH", help="registry file (default: registry.yaml)"
    )


def add_output_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", type=Path, default=Path("reports"), metavar="DIR", help="output folder (default: reports/)")


class _LazyHelp:
    """A help text computed only when help is shown: listing the adapters imports them all
    (aiohttp, httpx, pydantic), which `python -m crawler --help` and every other command must not pay."""

    def __init__(self, make: Callable[[], str]) -> None:
        self._make = make

    def __bool__(self) -> bool:
        return True

    def __contains__(self, part: str) -> bool:
        return part in self._make()

    def strip(self) -> str:
        return self._make().strip()

    def __mod__(self, params: object) -> str:  # argparse expands help as `help % params`
        return self._make() % params


def _only(value: str) -> frozenset[str]:
    parts = frozenset(v.strip() for v in value.split(",") if v.strip())
    choices = only_choices()
    unknown = parts - set(choices)
    if unknown or not parts:
        raise argparse.ArgumentTypeError(f"choose from {', '.join(choices)} (comma-separated), not {value!r}")
    return parts


def _seconds(value: str) -> float:
    try:
        n = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {value!r}") from None
    if not math.isfinite(n) or n <= 0 or n > 3600:
        raise argparse.ArgumentTypeError(f"must be more than 0 and at most 3600 seconds, not {value}")
    return n


def int_at_least(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number of at least *minimum*."""

    def parse(value: str) -> int:
        try:
            n = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
        if n < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, not {value}")
        return n

    return parse


positive_int = int_at_least(1)


def add_crawl_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--concurrency", type=positive_int, default=None, metavar="N", help="requests in flight (default 64)")
    p.add_argument(
        "--host-concurrency", type=positive_int, default=None, metavar="N", help="requests in flight per host (default 8)"
    )
    p.add_argument("--timeout", type=_seconds, default=None, metavar="SECONDS", help="per-request timeout (default 20)")
    p.add_argument(
        "--allow-private",
        action="store_true",
        help="allow targets on private, loopback and link-local addresses (refused by default)",
    )


def add_only_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--only",
        type=_only,
        default=None,
        metavar="PARTS",
        help=_LazyHelp(
            lambda: f"comma-separated parts to run: {', '.join(only_choices())} (default: all; "
            "'links' is every URL no host adapter claims)"
        ),
    )


def add_fail_on(p: argparse.ArgumentParser, listed: str = "the reports list them") -> None:
    p.add_argument(
        "--fail-on",
        choices=("broken", "never"),
        default="never",
        help=f"exit 1 when broken links are found (default: never; {listed})",
    )


def add_confirm_after(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--confirm-after",
        type=positive_int,
        default=2,
        metavar="N",
        help="runs in a row a link must fail before it counts as confirmed broken (default 2)",
    )
