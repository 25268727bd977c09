"""The live display of ``crawler.progress`` on an interactive terminal (rich: imported only here).

A crawl that is quiet or writes to a pipe or a CI log never imports this module, nor rich with it.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from typing import TextIO

from rich.console import Console, RenderableType
from rich.file_proxy import FileProxy
from rich.progress import BarColumn, MofNCompleteColumn, ProgressColumn, Task, TextColumn
from rich.progress import Progress as RichProgress
from rich.text import Text

from crawler.models import LinkResult, LinkStatus
from crawler.progress import STATUS_STYLE, Clock, _Tally

__all__ = ["LiveProgress"]


class _RateColumn(ProgressColumn):
    def __init__(self, tally: _Tally) -> None:
        super().__init__()
        self.tally = tally

    def render(self, task: Task) -> Text:
        now = self.tally.clock()
        return Text(f"{self.tally.rate(now):.1f}/s" if self.tally.done else "", style="progress.data.speed")


class _EtaColumn(ProgressColumn):
    def __init__(self, tally: _Tally) -> None:
        super().__init__()
        self.tally = tally

    def render(self, task: Task) -> Text:
        return Text(self.tally.eta_text(self.tally.clock()) or "ETA …", style="progress.remaining")


class _TwoLineProgress(RichProgress):
    """The bar line, then the per-status counts on their own line (so they never wrap into the bar)."""

    def __init__(self, *columns: ProgressColumn, tally: _Tally, **kwargs: object) -> None:
        self.tally = tally  # before rich's __init__, which may already render
        super().__init__(*columns, **kwargs)  # type: ignore[arg-type]

    def get_renderables(self) -> Iterable[RenderableType]:
        yield self.make_tasks_table(self.tasks)
        text = Text(no_wrap=True, overflow="ellipsis")
        for status in LinkStatus:
            if n := self.tally.counts[status]:
                text.append("  " if text else "", style="")
                text.append(f"{status.value} {n}", style=STATUS_STYLE[status])
        yield text


class LiveProgress:
    """A rich live display; log records are routed above it instead of tearing through it.

    The display is transient: on close (normal end or Ctrl-C) it is erased and one plain line
    says how far the crawl got, so no second, half-drawn bar is left on the screen.
    """

    def __init__(self, console: Console, *, clock: Clock) -> None:
        self.console = console
        self.tally = _Tally(clock)
        self.rich = _TwoLineProgress(
            TextColumn("[progress.description]{task.description}"),
            BarColumn(bar_width=None),
            MofNCompleteColumn(),
            _RateColumn(self.tally),
            _EtaColumn(self.tally),
            tally=self.tally,
            console=console,
            get_time=clock,
            refresh_per_second=8,
            transient=True,
            expand=True,
        )
        self.task = None
        self.swapped: list[tuple[logging.StreamHandler, TextIO]] = []
        self.closed = False

    def start(self, total: int) -> None:
        self.tally.start(total)
        self.task = self.rich.add_task("checking", total=total)
        self._route_logging()
        self.rich.start()

    def advance(self, result: LinkResult) -> None:
        self.tally.add(result)
        if self.task is not None:
            self.rich.advance(self.task)

    def close(self, *, final: bool = True) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            self.rich.stop()
        finally:
            for handler, original in self.swapped:
                handler.setStream(original)
            self.swapped.clear()
        if final and self.task is not None:
            self.console.print(Text(self._final_line(), no_wrap=True, overflow="ellipsis"), soft_wrap=False)

    def _final_line(self) -> str:
        t = self.tally
        what = "checked" if t.done >= t.total else "stopped after"
        counts = f" ({t.counts_text()})" if t.counts else ""
        return f"{what} {t.done}/{t.total} links{counts}"

    def _route_logging(self) -> None:
        terminals = {id(sys.stderr), id(sys.stdout), id(sys.__stderr__), id(sys.__stdout__), id(self.console.file)}
        for handler in logging.getLogger().handlers:
            if type(handler) is logging.StreamHandler and id(handler.stream) in terminals:
                original = handler.stream
                handler.setStream(FileProxy(self.console, original))  # type: ignore[arg-type]
                self.swapped.append((handler, original))
