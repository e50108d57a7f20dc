"""Output helpers shared by subcommands: tables as csv, json or aligned text."""

from __future__ import annotations

import json
import math
import sys
from typing import Any

import pandas as pd

FORMATS = ("table", "csv", "json")


def add_format_argument(parser, default: str = "table") -> None:
    """Add ``--format {table,csv,json}`` to ``parser``."""
    parser.add_argument("--format", choices=FORMATS, default=default, help=f"output format (default: {default})")


def emit_frame(df: pd.DataFrame, fmt: str, stream=None) -> None:
    """Write ``df`` to ``stream`` (stdout) as ``table``, ``csv`` or ``json`` (records)."""
    stream = stream or sys.stdout
    if fmt == "csv":
        df.to_csv(stream, index=False, lineterminator="\n")
    elif fmt == "json":
        stream.write(df.to_json(orient="records", force_ascii=False, indent=1))
        stream.write("\n")
    else:
        with pd.option_context("display.max_rows", None, "display.max_columns", None, "display.width", 200):
            stream.write(df.to_string(index=False))
            stream.write("\n")


def _strict(obj: Any) -> Any:
    """``obj`` with every non-finite float as ``None``: JSON has no NaN or Infinity (RFC 8259)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _strict(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_strict(v) for v in obj]
    return obj


def emit_json(obj: Any, stream=None) -> None:
    """Write ``obj`` as pretty, standard JSON (UTF-8, no ASCII escaping; NaN and infinities as null)."""
    stream = stream or sys.stdout
    json.dump(_strict(obj), stream, ensure_ascii=False, indent=2, default=str, allow_nan=False)
    stream.write("\n")
