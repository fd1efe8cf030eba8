"""Allocator settings for training on the CPU with glibc.

Training changes process-wide malloc thresholds for its duration; this module
keeps that one side effect in one place, with its undo.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable


def _glibc() -> ctypes.CDLL | None:
    """The GNU C library, or None elsewhere (macOS, Windows, musl)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.gnu_get_libc_version  # noqa: B018 -- only glibc has it
        return libc
    except (OSError, AttributeError):
        return None


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt parameters, <malloc.h>
_MMAP_THRESHOLD_MAX = 32 * 2**20  # the cap of glibc's own adaptive threshold (64-bit)


def hold_freed_memory() -> Callable[[], None]:
    """Keep freed heap memory in the process while training; return the undo.

    Image batches allocate blocks of tens of MB in every step. With its default
    adaptive thresholds glibc often hands them back to the system at the end of
    each step, and the next step faults them in again page by page: in 6 of 8
    fresh processes measured, that took a third of a conv autoencoder's CPU
    time (benchmarks/conv_speed.py). Dense training gains too: without it the
    dense MNIST benchmark took 3.6 s instead of 2.9 s. Raising the trim
    threshold for the duration of training keeps the blocks for reuse;
    afterwards free memory is returned with ``malloc_trim`` and the
    thresholds are left at the values glibc's adaptive rule reaches on its
    own (call the returned function to do that). Nothing happens without
    glibc.
    """
    libc = _glibc()
    if libc is None:
        return lambda: None
    libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_MAX)
    libc.mallopt(_M_TRIM_THRESHOLD, 2**30)

    def release() -> None:
        libc.mallopt(_M_TRIM_THRESHOLD, 2 * _MMAP_THRESHOLD_MAX)
        libc.malloc_trim(0)

    return release
