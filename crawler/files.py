"""Atomic file replacement, the one way this package writes a file that someone reads later.

A crash, a kill or a full disk mid-write leaves the old file intact: the text goes to a
temporary file in the same folder, is fsynced, and is renamed over the target.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["TMP_PREFIX", "atomic_write_text"]

TMP_PREFIX = ".crawler-"  # leftovers of a killed run are recognisable and cleared by the next write


def atomic_write_text(path: Path, text: str) -> None:
    """Replace *path* with *text* atomically: temporary file in the same folder, fsync, rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f"{TMP_PREFIX}{path.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; reports are meant to be read
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    # Makes the rename itself durable; not every platform lets a folder be opened.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
