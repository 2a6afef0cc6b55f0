"""The process's memory: large arrays go to the operating system and back, and what a region's work freed is handed
back before the next region's.

- glibc serves an allocation above its mmap threshold (128 KiB) with a mapping of its own, returned whole when it is
  freed. By default the threshold rises to the size of each such block freed (up to 32 MiB), so after the ingest has
  freed its columns, the monthly steps' frames land in the heap, where freed memory is kept and fragments: at 100x a
  process that ran the ingest job and then the KPI job peaked at 2.15 GiB, and at 1.47 GiB with the threshold
  fixed. `fix_mmap_threshold`, once per process, fixes it at its default and turns that rise off (BENCHMARKS.md,
  ninth round).
- At the national 1000x scale a region's work allocates and frees about 1.5 GiB, yet a run over 35 regions held
  6.8 GiB in its ingest stage. pandera caches its accessor on every frame it validates, and the accessor refers back
  to the frame: a cycle, which only a full garbage collection frees, and with the frame its columns; and what small
  objects freed stays in the heap until it is trimmed. `release_freed_memory`, before each region, does both once
  the process is large enough for it to matter: a full collection walks every object, about 0.1 s with the pipeline
  loaded (BENCHMARKS.md, tenth round, fourth session).
"""

from __future__ import annotations

import ctypes
import functools
import gc
import os

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
THRESHOLD_BYTES = 128 * 1024  # glibc's default
RELEASE_ABOVE_MIB = 512  # below this resident size a release costs more than it gives


@functools.cache
def _libc():
    """glibc, or None where the C library is another (macOS, musl)."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


def fix_mmap_threshold() -> bool:
    """Fix glibc's mmap threshold for this process; False where the C library is not glibc."""
    libc = _libc()
    return bool(libc and libc.mallopt(M_MMAP_THRESHOLD, THRESHOLD_BYTES))


def resident_mib() -> float | None:
    """The process's resident memory (Linux), None where it cannot be read."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return None


def release_freed_memory(above_mib: float = RELEASE_ABOVE_MIB) -> bool:
    """Free the cyclic garbage and give the free pages of glibc's heap back to the system, when the process holds
    more than `above_mib` (or its size is unknown); whether it did."""
    resident = resident_mib()
    if resident is not None and resident <= above_mib:
        return False
    gc.collect()
    if (libc := _libc()) is not None:
        libc.malloc_trim(0)
    return True
