"""Process-wide memory-allocator tuning for long simulation runs (called by the CLI, never by the library).

A replication allocates ~150 MB of per-request arrays of a few MB each; by default glibc maps each
with ``mmap`` and unmaps it when freed, so every replication page-faults its whole working set in
again (a quarter of its CPU time). Raising ``M_MMAP_THRESHOLD`` (32 MB) and ``M_TRIM_THRESHOLD``
(512 MB) keeps that memory in the process for the next replication or scenario; the resident peak
is unchanged. Because this changes the whole process, library calls never do it: the ``sakera``
commands that simulate call :func:`tune_allocator` once, and ``SAKERA_MALLOC_TUNING=0`` opts out.
Notebooks and scripts may call it themselves.
"""

from __future__ import annotations

import ctypes
import os
import sys
from functools import lru_cache

__all__ = ["tune_allocator"]


@lru_cache(maxsize=1)
def tune_allocator() -> bool:
    """Keep freed large blocks for reuse (glibc on Linux); True if applied. Opt out: ``SAKERA_MALLOC_TUNING=0``."""
    if os.environ.get("SAKERA_MALLOC_TUNING", "1") == "0" or not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3
    return bool(mallopt(m_mmap_threshold, 32 << 20)) and bool(mallopt(m_trim_threshold, 512 << 20))
