"""Runs take turns on shared files. Two runs at once (a scheduled run and `llo materialize`, or two of those) each
hold an exclusive lock on a folder they rewrite (the Great Expectations project with its Data Docs, the report
folder) for as long as they write it: the second waits, and neither reads a half-written file of the other. The
warehouse needs none of this: its writes are transactions (llo.warehouse)."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_FILE = ".lock"  # hidden: the report site serves no hidden file


@contextmanager
def taking_turns(folder: Path) -> Iterator[None]:
    """Hold the lock of `folder` until the block ends, waiting for another holder first. The operating system
    releases it when its holder ends, so a killed run never leaves it taken."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOCK_FILE, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
