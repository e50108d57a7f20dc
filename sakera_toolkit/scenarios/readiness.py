"""Village readiness: facilities (computer, printer, internet) and a certified operator.

A village can go live only when it has the three facilities and at least one certified operator
(radarmadura 13/12/2021: "fasilitas lengkap beserta operator yang paham teknologi"). Readiness
comes from, in order of preference:

* facilities: a CSV ``village_code,has_computer,has_printer,has_internet,certified_operators[,ready_date]``
  or else the *assumed* table of :func:`assumed_readiness`, a deterministic rule whose every number
  lives in ``calibration/plan.yaml`` (all labelled assumption: the real facility survey is unknown);
* certified operators: the training database (``sakera_toolkit.sandbox.readiness``) when a
  database URL is given, else the same CSV or assumed table.

The assumed rule
----------------
* Kelurahan (town wards) have every facility and a certified operator.
* A desa has a computer, a printer and internet with the calibrated shares; the internet share is
  higher within ``internet_near_km`` of its kecamatan centre. A desa with all three facilities has a
  certified operator with share ``share_with_certified_operator``. The draws come from one seeded
  generator (``readiness_seed``) in village-code order, so the table is the same everywhere.
* ``ready_date``: villages ready at ``readiness_base_date`` keep that date. Missing facilities are
  bought in ``procurement_months``. Operators are trained ``operators_trainable_per_month`` at a time,
  farthest villages (travel time to the office) first; a village is ready when both are done.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import calibration
from .._io import read_csv_text
from ..errors import SakeraInputError
from ..registry import TravelModel, districts, haversine_km, villages

__all__ = [
    "READINESS_COLUMNS",
    "FACILITIES",
    "assumed_readiness",
    "read_readiness_csv",
    "load_readiness",
    "add_months",
]

FACILITIES = ("computer", "printer", "internet")
READINESS_COLUMNS = (
    "village_code",
    "has_computer",
    "has_printer",
    "has_internet",
    "certified_operators",
    "ready_date",
)


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole months (clamped to the end of shorter months)."""
    month0 = day.month - 1 + int(months)
    year = day.year + month0 // 12
    month = month0 % 12 + 1
    last = [
        31,
        29 if (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)) else 28,
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ]
    return dt.date(year, month, min(day.day, last[month - 1]))


def _ready_flags(df: pd.DataFrame) -> np.ndarray:
    """The readiness rule of :func:`sakera_toolkit.sandbox.readiness.ready_flags` on a table."""
    from ..sandbox.readiness import ready_flags

    return ready_flags(df["has_computer"], df["has_printer"], df["has_internet"], df["certified_operators"])


def _fill_ready_dates(df: pd.DataFrame, calib: calibration.Calibration, regency=None) -> pd.DataFrame:
    """Fill missing ``ready_date`` values with the procurement + training rule (module docstring)."""
    base = dt.date.fromisoformat(str(calib["readiness_base_date"]))
    per_month = int(calib["operators_trainable_per_month"])
    procure = int(calib["procurement_months"])
    travel = TravelModel(regency=regency).table("office")["travel_minutes"]
    out = df.copy()
    ready_now = _ready_flags(out)
    has_all = (
        out["has_computer"].to_numpy(bool) & out["has_printer"].to_numpy(bool) & out["has_internet"].to_numpy(bool)
    )
    facilities_date = [base if ok else add_months(base, procure) for ok in has_all]
    needs_training = out["certified_operators"].to_numpy() <= 0
    order = sorted(
        (int(i) for i in np.flatnonzero(needs_training)),
        key=lambda i: (-float(travel.get(out["village_code"].iat[i], 0.0)), out["village_code"].iat[i]),
    )
    trained = list(facilities_date)
    for slot, i in enumerate(order):
        trained[i] = add_months(base, slot // per_month + 1)
    dates: list[Any] = []
    for i in range(len(out)):
        current = out["ready_date"].iat[i] if "ready_date" in out else None
        if current is not None and not (isinstance(current, float) and math.isnan(current)) and current is not pd.NaT:
            dates.append(current)
        elif ready_now[i]:
            dates.append(base)
        else:
            dates.append(max(facilities_date[i], trained[i]))
    out["ready_date"] = dates
    return out


def assumed_readiness(calib: calibration.Calibration | None = None, regency=None) -> pd.DataFrame:
    """The assumed readiness table (see the module docstring for the rule).

    Returns
    -------
    DataFrame
        One row per village with :data:`READINESS_COLUMNS`.
    """
    c = calib or calibration.load("plan")
    vil = (regency.villages if regency is not None else villages()).sort_values("village_code").reset_index(drop=True)
    dis = (regency.districts if regency is not None else districts()).set_index("district_code")
    centre_km = haversine_km(
        vil["lat"].to_numpy(),
        vil["lon"].to_numpy(),
        dis.loc[vil["district_code"], "centre_lat"].to_numpy(),
        dis.loc[vil["district_code"], "centre_lon"].to_numpy(),
    )
    rng = np.random.default_rng(int(c["readiness_seed"]))
    u = rng.random((len(vil), 4))
    kel = vil["village_type"].to_numpy() == "kelurahan"
    p_net = np.where(
        centre_km <= float(c["internet_near_km"]),
        float(c["share_with_internet_near"]),
        float(c["share_with_internet_far"]),
    )
    computer = kel | (u[:, 0] < float(c["share_with_computer"]))
    printer = kel | (u[:, 1] < float(c["share_with_printer"]))
    internet = kel | (u[:, 2] < p_net)
    certified = kel | (computer & printer & internet & (u[:, 3] < float(c["share_with_certified_operator"])))
    df = pd.DataFrame(
        {
            "village_code": vil["village_code"],
            "has_computer": computer,
            "has_printer": printer,
            "has_internet": internet,
            "certified_operators": certified.astype("int64"),
        }
    )
    df["ready_date"] = None
    return _fill_ready_dates(df, c, regency)[list(READINESS_COLUMNS)]


_TRUE = {"1", "true", "yes", "ya", "y", "t"}
_FALSE = {"0", "false", "no", "tidak", "n", "f", ""}


def read_readiness_csv(path: str | Path, calib: calibration.Calibration | None = None, regency=None) -> pd.DataFrame:
    """Read a readiness CSV; villages it does not list are taken as not ready (no facilities).

    Columns ``village_code, has_computer, has_printer, has_internet, certified_operators`` are
    required, ``ready_date`` (ISO date) is optional. Without a date, a village that is ready (all
    facilities and a certified operator) is ready from ``readiness_base_date`` on, and one that is
    not ready has no ready date (it never goes live through a ``by: readiness`` rule).
    """
    name = str(path)
    raw = read_csv_text(path)
    need = {"village_code", "has_computer", "has_printer", "has_internet", "certified_operators"}
    if need - set(raw.columns):
        raise SakeraInputError(f"missing column(s) {sorted(need - set(raw.columns))}", source=name)
    known = set(regency.village_codes if regency is not None else villages()["village_code"])
    rows: dict[str, dict] = {}
    for i, rec in enumerate(raw.to_dict("records"), start=2):
        code = rec["village_code"].strip()
        if code not in known:
            raise SakeraInputError(f"unknown village_code {code!r}", source=name, location=f"row {i}")
        if code in rows:
            raise SakeraInputError(f"duplicate village_code {code!r}", source=name, location=f"row {i}")
        row: dict = {"village_code": code}
        for fac in FACILITIES:
            text = rec[f"has_{fac}"].strip().lower()
            if text not in _TRUE | _FALSE:
                raise SakeraInputError(f"{text!r} is not a yes/no value", source=name, location=f"row {i}, has_{fac}")
            row[f"has_{fac}"] = text in _TRUE
        text = rec["certified_operators"].strip()
        if not (text.isascii() and text.isdigit()):  # '²'.isdigit() is True but int('²') fails
            raise SakeraInputError(
                f"{text!r} must be a whole number >= 0", source=name, location=f"row {i}, certified_operators"
            )
        row["certified_operators"] = int(text)
        date_text = rec.get("ready_date", "").strip()
        if date_text:
            try:
                row["ready_date"] = dt.date.fromisoformat(date_text)
            except ValueError:
                raise SakeraInputError(
                    f"{date_text!r} is not a date (YYYY-MM-DD)", source=name, location=f"row {i}, ready_date"
                ) from None
        else:
            row["ready_date"] = None
        rows[code] = row
    table = []
    for code in sorted(known):
        table.append(
            rows.get(
                code,
                {
                    "village_code": code,
                    "has_computer": False,
                    "has_printer": False,
                    "has_internet": False,
                    "certified_operators": 0,
                    "ready_date": None,
                },
            )
        )
    df = pd.DataFrame(table)
    base = dt.date.fromisoformat(str((calib or calibration.load("plan"))["readiness_base_date"]))
    ready = _ready_flags(df)
    df["ready_date"] = [
        d if d is not None else (base if ok else None) for d, ok in zip(df["ready_date"], ready, strict=True)
    ]
    return df[list(READINESS_COLUMNS)]


def certified_from_store(db: str) -> pd.Series:
    """Certified operators per village from the training database (``sandbox.readiness``)."""
    try:
        from ..sandbox.readiness import certified_operators
    except ImportError as exc:
        raise SakeraInputError(
            f"the training database is not available in this installation ({exc})", location="--db"
        ) from None
    counts = certified_operators(db)
    codes = sorted(villages()["village_code"])
    return pd.Series([int(counts.get(c, 0)) for c in codes], index=pd.Index(codes, name="village_code"),
                     name="certified_operators", dtype="int64")


def load_readiness(source: str | Path | None = None, db: str | None = None, regency=None) -> pd.DataFrame:
    """Readiness table from a CSV ``source`` or the assumed rule (``None``/``"assumed"``).

    With ``db`` (a training-database URL), the certified operators come from the database instead:
    facilities still come from ``source`` (the database records who is certified, not computers),
    a village is ready from ``readiness_base_date`` when it has everything, and otherwise has no
    ready date.
    """
    if source is None or str(source) == "assumed":
        table = assumed_readiness(regency=regency)
    else:
        table = read_readiness_csv(source, regency=regency)
    if db:
        counts = certified_from_store(db)
        table = table.copy()
        table["certified_operators"] = table["village_code"].map(counts).fillna(0).astype("int64")
        base = dt.date.fromisoformat(str(calibration.load("plan")["readiness_base_date"]))
        table["ready_date"] = [base if ok else None for ok in _ready_flags(table)]
    return table
