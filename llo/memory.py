"""Large arrays go to the operating system and back, not into the heap.

glibc serves an allocation above its mmap threshold (128 KiB) with a mapping of its own, returned whole when it is
freed. By default the threshold rises to the size of each such block freed (up to 32 MiB), so after the ingest has
freed its columns, the monthly steps' frames land in the heap, where freed memory is kept and fragments: at 100x a
process that ran the ingest job and then the KPI job peaked at 2.15 GiB, and at 1.47 GiB with the threshold fixed.
Setting the threshold once fixes it at its default and turns that rise off. (The benchmark's full run still shows
a higher KPI-stage peak; BENCHMARKS.md, ninth round.)
"""

from __future__ import annotations

import ctypes

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
THRESHOLD_BYTES = 128 * 1024  # glibc's default


def fix_mmap_threshold() -> bool:
    """Fix glibc's mmap threshold for this process; False where the C library is not glibc."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.mallopt(M_MMAP_THRESHOLD, THRESHOLD_BYTES))
    except (OSError, AttributeError):
        return False
