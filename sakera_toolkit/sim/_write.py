"""Atomic output files: written to a temporary file in the target folder, renamed on success."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["atomic_write"]


def atomic_write(path: str | Path, writer: Callable[[Path], Any]) -> Path:
    """Call ``writer(tmp)`` to write a temporary file next to ``path``, then rename it to ``path``.

    A failure (or an interrupt) leaves ``path`` as it was and removes the temporary file.
    """
    target = Path(path)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or Path("."))
    os.close(fd)
    tmp = Path(name)
    try:
        writer(tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target
