"""The Kabupaten Sampang registry: module-level access to the built-in regency pack.

Everything here delegates to :meth:`sakera_toolkit.regency.Regency.sampang` (villages, kecamatan,
population rule, travel model, service points); other regencies are :class:`~sakera_toolkit.
regency.Regency` packs (:func:`sakera_toolkit.regency.load_pack`). The population rule and the
travel model are documented in :mod:`sakera_toolkit.regency` and ``docs/regency.md``.

Reference data are the real Kemendagri codes and centroids shipped in ``sakera_toolkit/data``
(see ``ATTRIBUTION.md``). Numbers that are not in the reference tables come from the calibration
file ``calibration/registry.yaml``, each with its source or the word "assumption".
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from . import calibration
from . import regency as _regency
from .regency import SERVICE_POINTS, Regency, TravelModel, haversine_km, national_districts

__all__ = [
    "SERVICE_POINTS",
    "Regency",
    "districts",
    "villages",
    "village_population",
    "regency_total",
    "read_population_csv",
    "read_road_distance_csv",
    "haversine_km",
    "TravelModel",
    "village_table",
    "provinces",
    "regencies",
    "national_districts",
]


def _sampang() -> Regency:
    return Regency.sampang()


def districts() -> pd.DataFrame:
    """The 14 kecamatan of Sampang (code, name, admin centre, area, census counts, centroids)."""
    return _sampang().districts


def villages() -> pd.DataFrame:
    """The 186 desa/kelurahan (code, name, type, kecamatan, centroid lat/lon)."""
    return _sampang().villages


def provinces() -> pd.DataFrame:
    """All provinces of Indonesia (``code`` PP, ``name``)."""
    return _regency._packaged_csv("indonesia_provinces.csv").copy()


def regencies() -> pd.DataFrame:
    """All kabupaten/kota of Indonesia (``code`` PP.RR, ``province_code``, ``name``)."""
    return _regency.national_regencies()


def _largest_remainder(shares: np.ndarray, total: int) -> np.ndarray:
    """Integers proportional to ``shares`` that sum exactly to ``total`` (ties by position)."""
    return _regency.largest_remainder(shares, total)


def regency_total(year: int = 2025, calib: calibration.Calibration | None = None) -> int:
    """Registered population of Kabupaten Sampang in ``year`` (population rule, step 1)."""
    if calib is None:
        return _sampang().total(year)
    base = int(calib["registered_population_2025"])
    years = int(year) - int(calib["registered_population_base_year"])
    return int(round(base * (1.0 + float(calib["annual_growth_rate"])) ** years))


def village_population(
    year: int = 2025,
    override: pd.DataFrame | str | Path | None = None,
    calib: calibration.Calibration | None = None,
) -> pd.Series:
    """Population per village of Sampang for ``year``, indexed by ``village_code``.

    Parameters
    ----------
    year
        Reference year (1990-2100).
    override
        Real per-village figures: a DataFrame or CSV path with ``village_code,population``;
        every village must be listed.
    calib
        Registry calibration replacing the packaged one (growth rate, kelurahan weight ...).
    """
    reg = _sampang()
    if calib is not None:
        over = {k: {"value": v, "source": calib.sources[k]} for k, v in calib.values.items()}
        reg = dataclasses.replace(reg, _overrides={"registry": over})
    if override is not None:
        reg = reg.with_data(population_csv=override)
    return reg.population(year)


def read_population_csv(source: pd.DataFrame | str | Path) -> pd.DataFrame:
    """Read and validate a Sampang per-village population table (``village_code,population``).

    Every one of the 186 codes must appear once with a non-negative integer. Errors name the file,
    the row (1-based, the header is row 1) and the problem.
    """
    s = _regency.read_population_csv(source, _sampang().village_codes)
    return s.reset_index()


def read_road_distance_csv(source: str | Path) -> pd.DataFrame:
    """Read a Sampang road-distance table ``village_code,point,road_km`` (point in office|mpp|kecamatan).

    For P. Mandangin, ``road_km`` is the mainland leg from Pelabuhan Tanglok.
    """
    return _regency.read_road_distance_csv(source, _sampang().village_codes)


def village_table(
    year: int = 2025,
    point: str = "office",
    mode: str | None = None,
    population_csv: str | Path | None = None,
    road_distance_csv: str | Path | None = None,
    regency: Regency | None = None,
) -> pd.DataFrame:
    """One row per village: codes, names, centroid, population and travel to ``point``.

    This is what ``sakera villages`` prints.
    """
    reg = (regency or _sampang()).with_data(population_csv=population_csv, road_distance_csv=road_distance_csv)
    return reg.village_table(year=year, point=point, mode=mode)
