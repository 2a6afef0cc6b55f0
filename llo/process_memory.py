"""Memory the process has freed, handed back to the operating system between the regions of a long run.

At the national 1000x scale a region's work allocates and frees about 1.5 GiB, yet a run over 35 regions held 6.8 GiB
in its ingest stage. Two things kept what a region had freed:
- pandera caches its accessor on every frame it validates, and the accessor refers back to the frame: a cycle, which
  only a full garbage collection frees, and with the frame its columns;
- glibc keeps freed memory in its heaps (after the first large frees it raises the size from which it maps memory of
  its own), where only a trim gives it back.
`release_freed_memory` does both before each region, once the process is large enough for it to matter: a full
collection walks every object, about 0.1 s with the pipeline loaded (BENCHMARKS.md, tenth round, fourth session).
"""

from __future__ import annotations

import ctypes
import functools
import gc
import os

RELEASE_ABOVE_MIB = 512  # below this resident size a release costs more than it gives


@functools.cache
def _malloc_trim():
    """glibc's malloc_trim, or None where the C library has none (macOS, musl)."""
    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None


def resident_mib() -> float | None:
    """The process's resident memory (Linux), None where it cannot be read."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return None


def release_freed_memory(above_mib: float = RELEASE_ABOVE_MIB) -> bool:
    """Free the cyclic garbage and give the free pages of the C library's heap back to the system, when the process
    holds more than `above_mib` (or its size is unknown); whether it did."""
    resident = resident_mib()
    if resident is not None and resident <= above_mib:
        return False
    gc.collect()
    if (trim := _malloc_trim()) is not None:
        trim(0)
    return True
