"""``LinkResult`` objects from the engine's verdicts: built fast, with the model imported late.

Start-up (issue 13): pydantic and ``crawler.models`` cost ~60 ms of ``check``'s start-up
(``-X importtime`` and wall time on the benchmark machine), so the engine does not import them
before its first requests. Importing them at the first result merely moved the 60 ms: the first
answer then waited for the import and every later one with it (measured: the same wall time).
:func:`import_when_idle` imports them in the first moment the event loop has nothing else to do
once the first request is written: its answer is not back yet. (Importing in the first idle
moment of all fell, for host names, while the names resolved: it then delayed every connection,
~60 ms at 100 ``localhost`` URLs.) Measured on the benchmark's link farm
(50 ms latency, ``check --json -q``, median wall): 0.406 -> 0.352 s at 100 URLs, 2.72 -> 2.65 s
at 5,000 (the loop itself: 190 -> 141 ms at 100 URLs).

:func:`result_builder` gives the function every result of the process is built with (the model
imported on first call if :func:`import_when_idle` has not done it yet).
"""

from __future__ import annotations

import functools
import sys
import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

import anyio
import anyio.lowlevel

if TYPE_CHECKING:
    from crawler.classify import Verdict
    from crawler.models import LinkResult

    Builder = Callable[[str, Verdict, datetime, int], LinkResult]

__all__ = ["import_when_idle", "models_imported", "result_builder"]

_FIELD_ORDER = ["url", "status", "http_status", "final_url", "reason", "cause", "checked_at", "duration_ms"]
_new_object = object.__new__
_set_attribute = object.__setattr__
# A loop iteration that runs nothing but the caller's checkpoint takes some 20-40 us here; one in
# which a request is written or an answer read, 100 us or more. Two quick ones in a row: idle.
_QUIET_SECONDS = 0.0002
_QUIET_ROUNDS = 2


@functools.cache
def result_builder() -> Builder:
    """The function ``(url, verdict, checked_at, duration_ms) -> LinkResult`` of this process."""
    from crawler.models import LinkResult

    # A result's ``model_fields_set`` (the fields given to ``model_construct``): every field is
    # given, so every result can share one set instead of carrying its own (728 bytes each: 36 MB
    # at 50,000 URLs). Sharing is safe: assigning a field adds a name the set already holds, and
    # ``model_copy`` copies the set.
    all_fields = set(LinkResult.model_fields)
    # What ``model_construct(all_fields, **all fields)`` does for this model, without its per-field
    # loop over aliases and defaults (every field is given): the same ``__dict__`` (same keys, same
    # order), the same shared fields set, no extra, no private attributes. Used only while the model
    # keeps the shape this relies on; otherwise ``model_construct`` itself.
    plain_model = (
        list(LinkResult.model_fields) == _FIELD_ORDER
        and not LinkResult.__pydantic_root_model__
        and not LinkResult.__pydantic_post_init__
        and LinkResult.model_config.get("extra") != "allow"
        and not LinkResult.__private_attributes__
    )

    def constructed(url: str, verdict: Verdict, checked_at: datetime, duration_ms: int) -> LinkResult:
        return LinkResult.model_construct(
            all_fields,  # every field is given: one shared set, not a 728-byte set per result
            url=url,
            status=verdict.status,
            http_status=verdict.http_status,
            final_url=verdict.final_url,
            reason=verdict.reason,
            cause=verdict.cause,
            checked_at=checked_at,
            duration_ms=duration_ms,
        )

    def plain(url: str, verdict: Verdict, checked_at: datetime, duration_ms: int) -> LinkResult:
        result = _new_object(LinkResult)
        _set_attribute(result, "__dict__", {
            "url": url,
            "status": verdict.status,
            "http_status": verdict.http_status,
            "final_url": verdict.final_url,
            "reason": verdict.reason,
            "cause": verdict.cause,
            "checked_at": checked_at,
            "duration_ms": duration_ms,
        })  # fmt: skip
        _set_attribute(result, "__pydantic_fields_set__", all_fields)
        _set_attribute(result, "__pydantic_extra__", None)
        _set_attribute(result, "__pydantic_private__", None)
        return result

    return plain if plain_model else constructed


def models_imported() -> bool:
    """Whether ``crawler.models`` is already imported (``run``: the registry was read with it)."""
    return "crawler.models" in sys.modules


async def import_when_idle(requests_out: anyio.Event | None = None) -> None:
    """Build :func:`result_builder` (importing the models) once requests are out and the loop idle.

    Start it beside the workers. It first waits for *requests_out*, which the caller sets when
    the pool hands its first connection to a request (written in the same step:
    ``NetworkWitness.on_first_connection``) and at its first result, so that the import does not
    hold up resolving names and opening connections, and the task always ends; then it
    checkpoints until two loop iterations in a row ran nothing else. If a result was built
    meanwhile, that result imported the models itself and nothing is left to do.
    """
    if requests_out is not None:
        await requests_out.wait()  # blocks in the event loop like any other wait: no spinning
    quiet = 0
    while quiet < _QUIET_ROUNDS:
        if result_builder.cache_info().currsize:
            return  # a result came first: it imported the models itself
        started = time.perf_counter()
        await anyio.lowlevel.checkpoint()
        quiet = quiet + 1 if time.perf_counter() - started < _QUIET_SECONDS else 0
    result_builder()
