"""Atomic output files for the engine: the toolkit's one writer, :func:`sakera_toolkit._io.atomic_write`."""

from __future__ import annotations

from .._io import atomic_write

__all__ = ["atomic_write"]
