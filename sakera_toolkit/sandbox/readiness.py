"""Village readiness: the one rule and the certified operators from the training database.

A village can go live when it has a computer, a printer and internet **and** at least one
certified operator (radarmadura 13/12/2021: "fasilitas lengkap beserta operator yang paham
teknologi"). :func:`ready_flags` is that rule; the rollout planner
(:mod:`sakera_toolkit.scenarios.readiness`) and the training summary both use it, and both take
the certified operators from :func:`certified_operators`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import calibration
from .._io import read_csv_text
from ..errors import SakeraInputError

__all__ = ["certified_operators", "read_facilities_csv", "ready_flags", "village_readiness"]

_TRUE = {"1", "true", "yes", "ya", "y", "t"}
_FALSE = {"0", "false", "no", "tidak", "n", "f"}


def ready_flags(has_computer: Any, has_printer: Any, has_internet: Any, certified_operators: Any) -> np.ndarray:
    """Village by village: all three facilities and at least one certified operator."""
    return (
        np.asarray(has_computer, dtype=bool)
        & np.asarray(has_printer, dtype=bool)
        & np.asarray(has_internet, dtype=bool)
        & (np.asarray(certified_operators) > 0)
    )


def _with_session(db: Any, work: Any) -> Any:
    from sqlalchemy.orm import Session

    if isinstance(db, Session):
        return work(db)
    from ..store.db import session_scope

    with session_scope(db) as session:
        return work(session)


def certified_operators(db: Any = None) -> dict[str, int]:
    """Per village code: active users serving it who hold an active certification.

    ``db`` is a store session, an engine, a database URL or None (``$SAKERA_DATABASE_URL`` /
    the default file).
    """
    from ..store.repositories import certified_counts

    return dict(_with_session(db, certified_counts))


def read_facilities_csv(path: str | Path) -> dict[str, bool]:
    """Read a facilities CSV into ``{village_code: has_facilities}``.

    Columns: ``village_code`` plus either ``facilities`` or all of ``has_computer, has_printer,
    has_internet`` (yes/no, ya/tidak, 1/0, true/false).

    Raises
    ------
    SakeraInputError
        Naming the file, row and field of the first problem.
    """
    from ..store.models import check_village_code

    name = str(path)
    raw = read_csv_text(path)
    three = ["has_computer", "has_printer", "has_internet"]
    if "village_code" not in raw.columns:
        raise SakeraInputError("missing column 'village_code'", source=name)
    if "facilities" in raw.columns:
        flag_cols = ["facilities"]
    elif set(three) <= set(raw.columns):
        flag_cols = three
    else:
        raise SakeraInputError("needs a 'facilities' column or has_computer, has_printer, has_internet", source=name)
    out: dict[str, bool] = {}
    for i, rec in enumerate(raw.to_dict("records"), start=2):
        try:
            code = check_village_code(rec["village_code"])
        except SakeraInputError as exc:
            raise SakeraInputError(exc.problem, source=name, location=f"row {i}, village_code") from None
        if code in out:
            raise SakeraInputError(f"duplicate village_code {code!r}", source=name, location=f"row {i}")
        flags = []
        for col in flag_cols:
            text = str(rec[col]).strip().lower()
            if text not in _TRUE | _FALSE:
                raise SakeraInputError(f"{rec[col]!r} is not a yes/no value", source=name, location=f"row {i}, {col}")
            flags.append(text in _TRUE)
        out[code] = all(flags)
    return out


def village_readiness(
    db: Any = None,
    *,
    facilities_csv: str | Path | None = None,
    facilities_default: bool | None = None,
) -> pd.DataFrame:
    """Readiness of the 186 villages: facilities + a certified operator -> ready.

    Parameters
    ----------
    db
        A store session, an engine, a database URL, or None (``$SAKERA_DATABASE_URL`` / default file).
    facilities_csv
        Optional CSV of facilities per village (see :func:`read_facilities_csv`); villages it does
        not list take ``facilities_default``.
    facilities_default
        Default facilities flag (calibration ``store.facilities_default``).

    Returns
    -------
    DataFrame
        One row per village: ``village_code, village_name, district_code, district_name,
        facilities, certified_operators`` and ``ready`` (:func:`ready_flags`).
    """
    from ..registry import villages

    counts = certified_operators(db)
    if facilities_default is None:
        facilities_default = bool(calibration.load("store")["facilities_default"])
    facilities = read_facilities_csv(facilities_csv) if facilities_csv is not None else {}
    vil = villages().sort_values("village_code").reset_index(drop=True)
    df = vil[["village_code", "village_name", "district_code", "district_name"]].copy()
    df["facilities"] = [facilities.get(c, bool(facilities_default)) for c in df["village_code"]]
    df["certified_operators"] = [int(counts.get(c, 0)) for c in df["village_code"]]
    df["ready"] = ready_flags(df["facilities"], df["facilities"], df["facilities"], df["certified_operators"])
    return df
