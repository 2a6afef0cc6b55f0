"""Freed memory goes back to the system between regions (llo.memory): a heap fragmented by construction, and a frame
kept only by a reference cycle."""

from __future__ import annotations

import gc
import sys
import weakref

import pytest

from llo import memory

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self")


def test_memory_freed_inside_the_heap_is_given_back():
    """250 MiB in blocks small enough for the heap, every fiftieth kept: the rest is freed but cannot shrink the heap
    from its top, so the process keeps it until the heap is trimmed."""
    if memory._libc() is None:
        pytest.skip("the C library is not glibc")
    blocks = [bytearray(64 * 1024) for _ in range(4000)]
    kept = blocks[::50]
    del blocks
    gc.collect()
    held = memory.resident_mib()
    assert memory.release_freed_memory(above_mib=0)
    assert held - memory.resident_mib() > 150, "the freed blocks stayed resident"
    assert len(kept) == 80


def test_a_validated_frame_is_freed_and_a_small_process_is_left_alone():
    """pandera leaves the frame it returns in a cycle with its accessor: without a collection it outlives its last
    reference. Below the threshold nothing is done."""
    import pandas as pd
    import pandera.pandas as pa

    gc.disable()
    try:
        frame = pa.DataFrameSchema({"a": pa.Column(int)}).validate(pd.DataFrame({"a": [1, 2, 3]}))
        alive = weakref.ref(frame)
        del frame
        assert alive() is not None  # kept by the cycle
        assert not memory.release_freed_memory(above_mib=1e9)
        assert alive() is not None
        assert memory.release_freed_memory(above_mib=0)
        assert alive() is None
    finally:
        gc.enable()
