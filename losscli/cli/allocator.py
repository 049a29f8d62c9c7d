"""glibc's allocator tuned for chunk-sized arrays (the command line only).

Every chunk allocates a few arrays of 8 MB (a million float64 losses, their
differences, …) and frees them before the next. glibc serves blocks that large with
``mmap`` and trims freed memory at the top of the heap past 128 KB (or twice the
largest block freed), so each chunk's arrays come back as fresh pages: one page fault
per 4 KiB, ~20 % of a two-model ``compare``. Serving blocks under 32 MiB from the heap
and keeping up to 128 MiB of freed heap for the next chunk reuses the same pages.
The cost is that up to 128 MiB freed inside a run are not handed back to the system
before it ends. Not glibc (musl, macOS): nothing changes.
"""

from __future__ import annotations

import sys

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
HEAP_BLOCKS = 32 << 20  # blocks below this come from the heap (glibc's own cap for its adaptive threshold)
KEPT = 128 << 20  # freed memory at the top of the heap kept for reuse


def reuse_chunk_memory() -> bool:
    """Set glibc's thresholds (see the module); True when they were set."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
        libc.gnu_get_libc_version  # noqa: B018 - glibc only: musl has mallopt as a stub
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, HEAP_BLOCKS)) and bool(mallopt(M_TRIM_THRESHOLD, KEPT))
