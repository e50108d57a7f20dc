"""Strict readers for user files: one clear :class:`SakeraInputError` instead of a traceback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from .errors import SakeraInputError


def read_csv_text(path: str | Path) -> pd.DataFrame:
    """Read a CSV with every cell as text (no NaN guessing).

    Raises
    ------
    SakeraInputError
        If the file is missing or is not a readable CSV; the message names the file.
    """
    name = str(path)
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        raise SakeraInputError("file not found", source=name) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise SakeraInputError(f"not a readable CSV ({exc})", source=name) from None


def read_yaml(path: str | Path) -> Any:
    """Parse a YAML file safely.

    Raises
    ------
    SakeraInputError
        If the file is missing or is not valid YAML; the message names the file and the line.
    """
    p = Path(path)
    try:
        return yaml.safe_load(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SakeraInputError("file not found", source=str(p)) from None
    except UnicodeDecodeError as exc:
        raise SakeraInputError(f"not UTF-8 text ({exc.reason})", source=str(p)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        loc = f"line {mark.line + 1}" if mark is not None else None
        raise SakeraInputError(f"invalid YAML ({getattr(exc, 'problem', exc)})", source=str(p), location=loc) from None


def write_atomic(path: str | Path, data: str | bytes) -> Path:
    """Write ``data`` to ``path`` atomically: a temporary file in the target folder, then a rename.

    A reader never sees a half-written file, and a failed write leaves any old file untouched.

    Raises
    ------
    SakeraInputError
        If the folder does not exist or cannot be written; the message names the path.
    """
    import os
    import tempfile

    p = Path(path)
    folder = p.parent if str(p.parent) else Path(".")
    if not folder.is_dir():
        raise SakeraInputError("folder does not exist", source=str(folder))
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise SakeraInputError(f"cannot write here ({exc.strerror})", source=str(folder)) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the file the usual permissions
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return p
