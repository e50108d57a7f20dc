"""Shared argument types of the ``sakera`` command: every bad value is one line naming the flag.

Each type is a callable for ``add_argument(type=...)``; a bad value raises
:class:`argparse.ArgumentTypeError`, which the parser prints as ``argument --flag: problem`` with
exit status 2. Numbers accept ASCII digits only (``int('١٠')`` is 10 in Python, ``'²'.isdigit()``
is true: both are refused). Output paths are checked when the arguments are parsed, before any
computation starts. Limits are documented in docs/bad-input.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
from collections.abc import Callable
from pathlib import Path

__all__ = [
    "whole",
    "positive_int",
    "seed",
    "number",
    "positive_float",
    "iso_date",
    "output_file",
    "output_dir",
    "scheduler_address",
    "MAX_SEED",
    "MAX_DAYS",
]

#: Largest seed (numpy's SeedSequence accepts any non-negative integer; 2**63 - 1 keeps it portable).
MAX_SEED = 2**63 - 1
#: Longest horizon in days any command accepts (100 years).
MAX_DAYS = 36_525


def _ascii_number(text: str) -> str:
    t = text.strip()
    if not t or not t.isascii():
        raise argparse.ArgumentTypeError(f"{text!r} is not a number (use ASCII digits 0-9)")
    return t


def whole(minimum: int | None = None, maximum: int | None = None) -> Callable[[str], int]:
    """A type for whole numbers in ``[minimum, maximum]`` (either end open when ``None``)."""

    def parse(text: str) -> int:
        t = _ascii_number(text)
        try:
            value = int(t)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            raise argparse.ArgumentTypeError(f"{value} is out of range ({_range(minimum, maximum)})")
        return value

    parse.__name__ = "whole number"
    return parse


def _range(lo: float | None, hi: float | None) -> str:
    parts = ([] if lo is None else [f">= {lo:g}"]) + ([] if hi is None else [f"<= {hi:g}"])
    return " and ".join(parts) or "any"


def positive_int(maximum: int | None = None) -> Callable[[str], int]:
    """A whole number >= 1 (at most ``maximum``)."""
    return whole(1, maximum)


#: A seed: a whole number from 0 to :data:`MAX_SEED`.
seed = whole(0, MAX_SEED)


def number(
    minimum: float | None = None, maximum: float | None = None, *, open_low: bool = False, open_high: bool = False
) -> Callable[[str], float]:
    """A finite number in the range (``open_low``/``open_high``: the end itself is excluded)."""

    def parse(text: str) -> float:
        t = _ascii_number(text)
        try:
            value = float(t)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"{text!r} must be a finite number")
        low_bad = minimum is not None and (value <= minimum if open_low else value < minimum)
        high_bad = maximum is not None and (value >= maximum if open_high else value > maximum)
        if low_bad or high_bad:
            lo = None if minimum is None else f"{'>' if open_low else '>='} {minimum:g}"
            hi = None if maximum is None else f"{'<' if open_high else '<='} {maximum:g}"
            raise argparse.ArgumentTypeError(f"{value:g} is out of range ({' and '.join(x for x in (lo, hi) if x)})")
        return value

    parse.__name__ = "number"
    return parse


def positive_float(maximum: float | None = None) -> Callable[[str], float]:
    """A finite number > 0 (at most ``maximum``)."""
    return number(0.0, maximum, open_low=True)


def iso_date(
    earliest: dt.date | None = None, latest: Callable[[], dt.date] | dt.date | None = None
) -> Callable[[str], str]:
    """A real ``YYYY-MM-DD`` date (2022-02-30 is refused) within the bounds; returns the text."""

    def parse(text: str) -> str:
        try:
            day = dt.date.fromisoformat(text.strip()) if text.strip().isascii() else None
        except ValueError:
            day = None
        if day is None or len(text.strip()) != 10:
            raise argparse.ArgumentTypeError(f"{text!r} is not a real date YYYY-MM-DD")
        hi = latest() if callable(latest) else latest
        if (earliest is not None and day < earliest) or (hi is not None and day > hi):
            raise argparse.ArgumentTypeError(f"{text} is outside {earliest or '...'} .. {hi or '...'}")
        return day.isoformat()

    parse.__name__ = "date"
    return parse


def _writable_folder(folder: Path) -> None:
    if not folder.is_dir():
        raise argparse.ArgumentTypeError(f"folder {str(folder)!r} does not exist")
    _probe(folder)


def _probe(folder: Path) -> None:
    """Create and remove a scratch file: ``os.access`` says yes to root on a read-only folder."""
    import tempfile

    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise argparse.ArgumentTypeError(f"folder {str(folder)!r} is not writable ({exc.strerror})") from None


def output_file(*suffixes: str) -> Callable[[str], str]:
    """An output file name: not a directory, in an existing writable folder, with one of ``suffixes``."""

    def parse(text: str) -> str:
        p = Path(text)
        if not text or p.is_dir():
            raise argparse.ArgumentTypeError(f"{text!r} is a directory, not a file name")
        if suffixes and not text.lower().endswith(suffixes):
            raise argparse.ArgumentTypeError(f"{text!r}: use a file name ending in {' or '.join(suffixes)}")
        _writable_folder(p.parent if str(p.parent) else Path("."))
        return text

    parse.__name__ = "output file"
    return parse


def output_dir(text: str) -> str:
    """An output folder: an existing directory, or a new one (missing parents are created too).

    The nearest existing ancestor must be a writable directory (``packs/pamekasan`` works in an
    empty folder, as ``mkdir -p`` would).
    """
    p = Path(text)
    if p.exists() and not p.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} exists and is not a directory")
    if p.is_dir():
        _probe(p)
        return text
    ancestor = p.parent if str(p.parent) else Path(".")
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise argparse.ArgumentTypeError(f"{str(ancestor)!r} is not a directory")
    _probe(ancestor)
    return text


def scheduler_address(text: str) -> str:
    """A Dask scheduler address ``[tcp://|tls://]HOST:PORT`` (port 1-65535)."""
    import re

    m = re.fullmatch(r"(?:(tcp|tls|inproc|ucx)://)?([A-Za-z0-9._\-]+|\[[0-9A-Fa-f:]+\]):(\d{1,5})", text.strip())
    if m is None or not text.isascii() or not 1 <= int(m.group(3)) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a scheduler address like tcp://10.0.0.5:8786")
    return text.strip()


def add_replications(parser: argparse.ArgumentParser, default: int = 10) -> None:
    """The ``--replications/-n`` option of the commands that compare scenarios (1..10,000)."""
    parser.add_argument(
        "--replications",
        "-n",
        type=positive_int(10_000),
        default=default,
        help=f"replications per scenario (default {default})",
    )
