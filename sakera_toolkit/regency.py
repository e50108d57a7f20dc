"""Regency packs: everything the toolkit knows about one kabupaten/kota, in one typed object.

A :class:`Regency` holds the villages (Kemendagri code, name, type, kecamatan, centroid, optional
population), the kecamatan (code, name, service-point centre, optional census weight), the service
points citizens travel to (the Dispendukcapil office, the Mal Pelayanan Publik with its opening
date, the kecamatan points), special travel legs (a boat to an island, a detour), the population
rule and calibration overrides. It is frozen: the tables it holds are private copies and every
accessor returns a copy, so one instance can be shared by the engine, the CLI and notebooks.

* :meth:`Regency.sampang` is the built-in pack, backed by the packaged data
  (``data/sampang_villages.csv``, ``data/sampang_districts.csv`` and
  ``data/calibration/registry.yaml``, each number with its source).
* :func:`load_pack` reads a pack folder (or its ``regency.yaml``) for any other regency; every
  problem names the file and the field or row. ``sakera regency init`` writes such a folder
  (:func:`init_pack`); ``docs/regency.md`` documents the format.
* :meth:`Regency.with_data` replaces the population estimate with a per-village CSV and the
  straight-line x circuity road estimate with a road-distance CSV; :meth:`Regency.describe` is the
  one line a run's header prints about the data it used.

Population rule (documented in ``docs/regency.md``)
---------------------------------------------------
Explicit per-village figures (a ``population`` column in the pack's villages, or
``--population-csv``) are used as given, for every year. Otherwise, for ``year``:

1. Regency total: ``total * (1 + g) ** (year - total_year)`` with ``g`` the calibration's
   ``annual_growth_rate``.
2. Kecamatan totals: the regency total split in proportion to the kecamatan census weights
   (Sampang: SP2020 counts); without weights, in proportion to the kecamatan's village weights
   (step 3), i.e. a flat split over villages.
3. Villages: villages with a sourced figure (``fixed``; Sampang: P. Mandangin) get it, grown at the
   same rate from its year; every other village of a kecamatan shares the remainder with weight 1
   for a desa and ``kelurahan_weight`` for a kelurahan.
4. Rounding: largest remainder, so figures are integers that sum exactly to the totals.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import os
import re
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from . import calibration
from ._io import made_folders, parse_number, read_csv_text, read_yaml
from .calibration import Calibration
from .errors import SakeraInputError

__all__ = [
    "SERVICE_POINTS",
    "VILLAGE_TYPES",
    "LEG_KINDS",
    "ServicePoint",
    "TravelLeg",
    "PopulationRule",
    "Regency",
    "TravelModel",
    "load_pack",
    "init_pack",
    "resolve",
    "haversine_km",
    "largest_remainder",
    "national_regencies",
    "national_districts",
]

#: The points a citizen can travel to for adminduk services.
SERVICE_POINTS = ("office", "mpp", "kecamatan")
#: Kemendagri village types.
VILLAGE_TYPES = ("desa", "kelurahan")
#: Kinds of special travel legs.
LEG_KINDS = ("boat", "detour")
#: Calibration files a pack may override.
OVERRIDABLE = ("registry", "flow", "demand")

EARTH_RADIUS_KM = 6371.0088
VILLAGE_COLUMNS = ("village_code", "village_name", "village_type", "district_code", "district_name", "lat", "lon")
_VILLAGE_CODE = re.compile(r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$")
_REGENCY_CODE = re.compile(r"^\d{2}\.\d{2}$")
# Indonesia's extent with a margin (degrees); a centroid outside is a typo.
_LAT_RANGE = (-11.5, 6.5)
_LON_RANGE = (94.5, 141.5)


# --------------------------------------------------------------------------------------------
# packaged national tables
# --------------------------------------------------------------------------------------------
def _data_path(name: str) -> Any:
    return resources.files("sakera_toolkit") / "data" / name


@cache
def _packaged_csv(name: str) -> pd.DataFrame:
    with _data_path(name).open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


def national_regencies() -> pd.DataFrame:
    """All kabupaten/kota of Indonesia (``code`` PP.RR, ``province_code``, ``name``)."""
    return _packaged_csv("indonesia_regencies.csv").copy()


def national_districts() -> pd.DataFrame:
    """All kecamatan of Indonesia (``code`` PP.RR.DD, ``regency_code``, ``name``)."""
    return _packaged_csv("indonesia_districts.csv").copy()


def haversine_km(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> np.ndarray:
    """Great-circle distance in km (vectorised over numpy arrays)."""
    a1, o1, a2, o2 = (np.radians(np.asarray(x, dtype="float64")) for x in (lat1, lon1, lat2, lon2))
    h = np.sin((a2 - a1) / 2) ** 2 + np.cos(a1) * np.cos(a2) * np.sin((o2 - o1) / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(h)))


def largest_remainder(shares: Any, total: int) -> np.ndarray:
    """Integers proportional to ``shares`` that sum exactly to ``total`` (ties by position)."""
    s = np.asarray(shares, dtype="float64")
    if len(s) == 0:
        return np.zeros(0, dtype="int64")
    if s.sum() <= 0:
        s = np.ones_like(s)
    exact = s / s.sum() * total
    floor = np.floor(exact).astype("int64")
    remainder = int(total) - int(floor.sum())
    if remainder > 0:
        order = np.argsort(-(exact - floor), kind="stable")
        floor[order[:remainder]] += 1
    return floor


# --------------------------------------------------------------------------------------------
# value objects
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ServicePoint:
    """A place citizens travel to.

    Attributes
    ----------
    kind
        ``office``, ``mpp`` or ``kecamatan`` (one entry stands for every kecamatan point; their
        locations are the kecamatan centres).
    name, address
        For reports.
    lat, lon
        Location (``None`` for ``kecamatan``).
    opens
        First day it serves citizens (``None``: before any simulated day).
    source
        Citation or ``assumption: ...`` for the location and the opening date.
    """

    kind: str
    name: str
    lat: float | None = None
    lon: float | None = None
    opens: dt.date | None = None
    address: str = ""
    source: str = ""

    def open_day(self, start_date: dt.date) -> float:
        """Day index (from ``start_date``) on which the point opens; 0 if already open."""
        if self.opens is None or self.opens <= start_date:
            return 0.0
        return float((self.opens - start_date).days)


@dataclass(frozen=True)
class TravelLeg:
    """A special leg on every trip from one village (a boat crossing, a detour).

    For a ``boat`` the road leg starts at the pier (``lat``, ``lon``); the crossing adds
    ``minutes + wait_minutes`` and ``fare_idr`` each way and its sea distance to ``distance_km``.
    A ``detour`` adds ``extra_km`` to the estimated road distance (not to a measured one) and
    ``minutes`` each way.
    """

    village_code: str
    kind: str
    name: str = ""
    lat: float | None = None
    lon: float | None = None
    minutes: float = 0.0
    wait_minutes: float = 0.0
    fare_idr: float = 0.0
    extra_km: float = 0.0
    source: str = ""


@dataclass(frozen=True)
class PopulationRule:
    """How village populations are estimated when no per-village figures are given (module doc).

    Attributes
    ----------
    total, total_year
        Registered (or census) population of the regency and its year.
    district_weights
        Kecamatan code -> census count used to split the total (empty: flat split over villages).
    fixed
        Village code -> (population, year) for villages with a sourced figure.
    source
        Where ``total`` comes from.
    """

    total: int
    total_year: int
    district_weights: Mapping[str, float] = field(default_factory=dict)
    fixed: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    source: str = ""


# --------------------------------------------------------------------------------------------
# strict readers for the per-village data files
# --------------------------------------------------------------------------------------------
def _frame(source: pd.DataFrame | str | Path) -> tuple[pd.DataFrame, str]:
    if isinstance(source, pd.DataFrame):
        return source.astype(str), "<DataFrame>"
    return read_csv_text(source), str(source)


#: Largest population accepted for one village or kecamatan (the largest Indonesian kelurahan has
#: about 200,000 residents; 10 million leaves room for any regency-wide total split).
MAX_POPULATION = 10_000_000
#: Longest road distance accepted between a village and a service point (km).
MAX_ROAD_KM = 1_000.0


def _number(
    text: str,
    name: str,
    where: str,
    *,
    whole: bool = False,
    minimum: float | None = 0.0,
    maximum: float | None = None,
) -> float:
    """A cell as a number within bounds (the rule lives in :func:`sakera_toolkit._io.parse_number`)."""
    if maximum is None and "population" in where:
        maximum = MAX_POPULATION
    return parse_number(text, name, where, whole=whole, minimum=minimum, maximum=maximum)


def read_population_csv(source: pd.DataFrame | str | Path, known: Sequence[str]) -> pd.Series:
    """Read and validate a per-village population table (``village_code,population``).

    Every code of ``known`` must appear once with a non-negative whole number. Errors name the
    file, the row (1-based, the header is row 1) and the problem.

    Returns
    -------
    pandas.Series
        Population (int64) indexed by ``village_code`` in the order of ``known``.
    """
    df, name = _frame(source)
    missing_cols = {"village_code", "population"} - set(df.columns)
    if missing_cols:
        raise SakeraInputError(f"missing column(s) {sorted(missing_cols)}", source=name)
    known_set = set(known)
    values: dict[str, int] = {}
    for i, (raw_code, pop) in enumerate(zip(df["village_code"], df["population"], strict=True), start=2):
        code = str(raw_code).strip()
        where = f"row {i}"
        if code not in known_set:
            raise SakeraInputError(f"unknown village_code {code!r}", source=name, location=where)
        if code in values:
            raise SakeraInputError(f"duplicate village_code {code!r}", source=name, location=where)
        values[code] = int(_number(pop, name, f"{where}, population", whole=True))
    absent = [c for c in known if c not in values]
    if absent:
        raise SakeraInputError(
            f"{len(absent)} village(s) missing, e.g. {absent[:3]}", source=name, location="village_code"
        )
    return pd.Series([values[c] for c in known], index=pd.Index(list(known), name="village_code"), dtype="int64",
                     name="population")  # fmt: skip


def read_road_distance_csv(source: pd.DataFrame | str | Path, known: Sequence[str]) -> pd.DataFrame:
    """Read a road-distance table ``village_code,point,road_km`` (point in office|mpp|kecamatan).

    Pairs not listed keep the straight-line x circuity estimate. For a village with a boat leg,
    ``road_km`` is the mainland leg from the pier.
    """
    df, name = _frame(source)
    need = {"village_code", "point", "road_km"}
    if need - set(df.columns):
        raise SakeraInputError(f"missing column(s) {sorted(need - set(df.columns))}", source=name)
    known_set = set(known)
    rows: list[tuple[str, str, float]] = []
    seen: set[tuple[str, str]] = set()
    for i, rec in enumerate(df.to_dict("records"), start=2):
        code, point = str(rec["village_code"]).strip(), str(rec["point"]).strip()
        if code not in known_set:
            raise SakeraInputError(f"unknown village_code {code!r}", source=name, location=f"row {i}")
        if point not in SERVICE_POINTS:
            raise SakeraInputError(
                f"point {point!r} is not one of {SERVICE_POINTS}", source=name, location=f"row {i}, point"
            )
        km = _number(rec["road_km"], name, f"row {i}, road_km", maximum=MAX_ROAD_KM)
        if (code, point) in seen:
            raise SakeraInputError("duplicate (village_code, point)", source=name, location=f"row {i}")
        seen.add((code, point))
        rows.append((code, point, km))
    return pd.DataFrame(rows, columns=["village_code", "point", "road_km"])


# --------------------------------------------------------------------------------------------
# the Regency
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Regency:
    """One kabupaten/kota: villages, kecamatan, service points, travel legs, population, calibration.

    Build with :meth:`sampang` (built-in) or :func:`load_pack`; derive variants with
    :meth:`with_data`. Tables are returned as copies (the object is immutable).

    Attributes
    ----------
    code, name
        Kemendagri code ``PP.RR`` and name (``Kabupaten Sampang``).
    service_points
        Office, MPP (optional) and kecamatan points (optional).
    legs
        Special travel legs by village.
    population_rule
        Used when no explicit per-village figures are given.
    origin
        ``built-in`` or the pack's path.
    population_source, road_distance_source
        What the run header says about the data (``None`` road source: straight-line estimate).
    """

    code: str
    name: str
    _villages: pd.DataFrame = field(repr=False)
    _districts: pd.DataFrame = field(repr=False)
    service_points: tuple[ServicePoint, ...]
    legs: tuple[TravelLeg, ...] = ()
    population_rule: PopulationRule | None = None
    _explicit_population: pd.Series | None = field(default=None, repr=False)
    _road_distances: pd.DataFrame | None = field(default=None, repr=False)
    _overrides: Mapping[str, Mapping[str, Any]] = field(default_factory=dict, repr=False)
    origin: str = "built-in"
    population_source: str = "registry estimate"
    road_distance_source: str | None = None

    # -- construction ---------------------------------------------------------------------
    @staticmethod
    def sampang() -> Regency:
        """The built-in pack for Kabupaten Sampang (35.27), backed by the packaged data."""
        return _sampang()

    def with_data(
        self,
        population_csv: pd.DataFrame | str | Path | None = None,
        road_distance_csv: pd.DataFrame | str | Path | None = None,
    ) -> Regency:
        """A copy using real per-village populations and/or measured road distances.

        Parameters
        ----------
        population_csv
            ``village_code,population`` for every village (validated, errors name file and row).
        road_distance_csv
            ``village_code,point,road_km`` for some or all (village, point) pairs.
        """
        changes: dict[str, Any] = {}
        codes = self.village_codes
        if population_csv is not None:
            changes["_explicit_population"] = read_population_csv(population_csv, codes)
            changes["population_source"] = (
                f"CSV {population_csv}" if not isinstance(population_csv, pd.DataFrame) else "per-village table"
            )
        if road_distance_csv is not None:
            changes["_road_distances"] = read_road_distance_csv(road_distance_csv, codes)
            changes["road_distance_source"] = (
                f"CSV {road_distance_csv}" if not isinstance(road_distance_csv, pd.DataFrame) else "road table"
            )
        return dataclasses.replace(self, **changes) if changes else self

    # -- tables ---------------------------------------------------------------------------
    @property
    def villages(self) -> pd.DataFrame:
        """Villages: ``village_code, village_name, village_type, district_code, district_name, lat, lon``."""
        return self._villages.copy()

    @property
    def districts(self) -> pd.DataFrame:
        """Kecamatan: ``district_code, district_name, centre_lat, centre_lon`` (+ packaged extras)."""
        return self._districts.copy()

    @property
    def village_codes(self) -> tuple[str, ...]:
        """Village codes in table order (sorted)."""
        return tuple(self._villages["village_code"])

    @property
    def district_codes(self) -> tuple[str, ...]:
        """Kecamatan codes in table order (sorted)."""
        return tuple(self._districts["district_code"])

    @property
    def road_distances(self) -> pd.DataFrame | None:
        """The measured road distances in use, if any."""
        return None if self._road_distances is None else self._road_distances.copy()

    # -- calibration ----------------------------------------------------------------------
    def calibration(self, name: str, path: str | Path | None = None) -> Calibration:
        """Packaged calibration ``name`` with this pack's overrides (and a user file on top)."""
        base = calibration.load(name)
        over = self._overrides.get(name)
        if over:
            base = calibration.override(base, over, f"{self.origin}: calibration.{name}")
        if path is not None:
            base = calibration.override(base, calibration.load_raw(path), str(path))
        return base

    @property
    def travel_calibration(self) -> Calibration:
        """The ``registry`` calibration with this pack's overrides."""
        return self.calibration("registry")

    # -- service points -------------------------------------------------------------------
    def point(self, kind: str) -> ServicePoint | None:
        """The service point of ``kind`` (None if the regency has none)."""
        if kind not in SERVICE_POINTS:
            raise SakeraInputError(f"unknown service point {kind!r}; choose one of {SERVICE_POINTS}", location="point")
        for p in self.service_points:
            if p.kind == kind:
                return p
        return None

    def point_open_day(self, kind: str, start_date: dt.date) -> float:
        """Day index from ``start_date`` when the point of ``kind`` opens (``inf``: never)."""
        p = self.point(kind)
        return math.inf if p is None else p.open_day(start_date)

    # -- population -----------------------------------------------------------------------
    def total(self, year: int) -> int:
        """Estimated regency total for ``year`` (step 1 of the rule), or the sum of explicit figures."""
        if self._explicit_population is not None:
            return int(self._explicit_population.sum())
        rule = self._rule()
        g = float(self.travel_calibration["annual_growth_rate"])
        return int(round(rule.total * (1.0 + g) ** (int(year) - rule.total_year)))

    def _rule(self) -> PopulationRule:
        if self.population_rule is None:
            raise SakeraInputError(f"regency {self.code} has neither village populations nor a population total",
                                   source=self.origin, location="population")  # fmt: skip
        return self.population_rule

    def population(self, year: int = 2025) -> pd.Series:
        """Population per village for ``year`` (int64, indexed by ``village_code``; module doc)."""
        if isinstance(year, bool) or not 1990 <= int(year) <= 2100:
            raise SakeraInputError(f"year {year} is outside 1990-2100", location="year")
        if self._explicit_population is not None:
            return self._explicit_population.copy()
        rule = self._rule()
        c = self.travel_calibration
        growth = 1.0 + float(c["annual_growth_rate"])
        kel_w = float(c["kelurahan_weight"])
        vil = self._villages
        weight = np.where(vil["village_type"].to_numpy() == "kelurahan", kel_w, 1.0)
        dis_codes = list(self._districts["district_code"])
        if rule.district_weights:
            shares = np.array([float(rule.district_weights.get(d, 0.0)) for d in dis_codes])
        else:
            by = pd.Series(weight, index=vil["district_code"].to_numpy()).groupby(level=0).sum()
            shares = by.reindex(dis_codes).fillna(0.0).to_numpy()
        dis_tot = dict(zip(dis_codes, largest_remainder(shares, self.total(year)), strict=True))
        out = pd.Series(0, index=pd.Index(vil["village_code"].to_numpy(), name="village_code"), dtype="int64",
                        name="population")  # fmt: skip
        fixed = {code: int(round(p * growth ** (int(year) - y))) for code, (p, y) in rule.fixed.items()}
        for code, group in vil.groupby("district_code", sort=True):
            remaining = int(dis_tot.get(str(code), 0))
            members = group
            held = [c for c in group["village_code"] if c in fixed]
            for c in held:
                out[c] = fixed[c]
                remaining -= fixed[c]
            if held:
                members = group[~group["village_code"].isin(held)]
            w = np.where(members["village_type"].to_numpy() == "kelurahan", kel_w, 1.0)
            out[members["village_code"].to_numpy()] = largest_remainder(w, max(remaining, 0))
        return out

    # -- travel ---------------------------------------------------------------------------
    def travel(self, mode: str | None = None) -> TravelModel:
        """The citizen travel model of this regency."""
        return TravelModel(mode=mode, regency=self)

    def village_table(self, year: int = 2025, point: str = "office", mode: str | None = None) -> pd.DataFrame:
        """One row per village: codes, names, centroid, population and travel to ``point``."""
        out = self.villages
        out["population"] = self.population(year).reindex(out["village_code"]).to_numpy()
        travel = self.travel(mode).table(point).drop(columns="boat")
        out = out.join(travel, on="village_code")
        return out[[*VILLAGE_COLUMNS, "population", "distance_km", "travel_minutes", "travel_cost_idr"]]

    def describe(self) -> str:
        """One line for a run's header: which regency and which data the run used."""
        roads = self.road_distance_source or (
            f"straight line x {float(self.travel_calibration['circuity_factor']):g} (estimate)"
        )
        return (
            f"regency {self.code} {self.name} ({self.origin}); population: {self.population_source}; "
            f"road distances: {roads}"
        )

    def data_summary(self) -> dict[str, str]:
        """The data sources as a mapping (for JSON output)."""
        return {
            "regency": f"{self.code} {self.name}",
            "regency_origin": self.origin,
            "population": self.population_source,
            "road_distances": self.road_distance_source or "estimate",
        }

    # -- export ---------------------------------------------------------------------------
    def to_pack(self, out: str | Path, *, overwrite: bool = False) -> Path:
        """Write this regency as a pack folder (``regency.yaml`` + CSVs), atomically."""
        doc: dict[str, Any] = {"code": self.code, "name": self.name, "villages": "villages.csv",
                               "districts": "districts.csv"}  # fmt: skip
        if self.population_rule is not None and self._explicit_population is None:
            r = self.population_rule
            pop: dict[str, Any] = {"total": int(r.total), "year": int(r.total_year), "source": r.source}
            if r.fixed:
                pop["fixed"] = [
                    {"village_code": c, "population": int(p), "year": int(y)} for c, (p, y) in r.fixed.items()
                ]
            doc["population"] = pop
        points: dict[str, Any] = {}
        for p in self.service_points:
            entry: dict[str, Any] = {"name": p.name}
            if p.lat is not None:
                entry.update(lat=float(p.lat), lon=float(p.lon) if p.lon is not None else None)
            if p.opens is not None:
                entry["opens"] = p.opens.isoformat()
            if p.address:
                entry["address"] = p.address
            entry["source"] = p.source
            points[p.kind] = entry
        doc["service_points"] = points
        if self.legs:
            doc["travel_legs"] = [
                {
                    k: v
                    for k, v in dataclasses.asdict(leg).items()
                    if v not in (None, "", 0.0) or k in ("village_code", "kind")
                }
                for leg in self.legs
            ]
        if self._overrides:
            doc["calibration"] = {k: dict(v) for k, v in self._overrides.items()}
        villages = self.villages
        if self._explicit_population is not None:
            villages["population"] = self._explicit_population.reindex(villages["village_code"]).to_numpy()
        dis = self.districts
        if self.population_rule is not None and self.population_rule.district_weights:
            dis["census_population"] = [self.population_rule.district_weights.get(d, 0) for d in dis["district_code"]]
        dis = dis[[c for c in ("district_code", "district_name", "centre_lat", "centre_lon", "census_population")
                   if c in dis.columns]]  # fmt: skip
        files = {
            "regency.yaml": yaml.safe_dump(doc, sort_keys=False, allow_unicode=True),
            "villages.csv": villages.to_csv(index=False, lineterminator="\n"),
            "districts.csv": dis.to_csv(index=False, lineterminator="\n"),
        }
        if self._road_distances is not None:
            doc["road_distances"] = "road_distances.csv"
            files["regency.yaml"] = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
            files["road_distances.csv"] = self._road_distances.to_csv(index=False, lineterminator="\n")
        return write_folder(out, files, overwrite=overwrite)


def write_folder(out: str | Path, files: Mapping[str, str], *, overwrite: bool = False) -> Path:
    """Write ``files`` (name -> text) as folder ``out``: all or nothing (temp folder + rename)."""
    target = Path(out)
    if target.exists() and not target.is_dir():
        raise SakeraInputError("exists and is not a directory", source=str(target), location="--out")
    if target.exists() and any(target.iterdir()) and not overwrite:
        raise SakeraInputError("folder exists and is not empty (use --force to replace it)", source=str(target),
                               location="--out")  # fmt: skip
    with made_folders(target.parent):  # missing parents created, and removed again if this fails
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
        try:
            for name, text in files.items():
                with open(tmp / name, "w", encoding="utf-8", newline="") as fh:
                    fh.write(text)
            if target.exists():
                old = target.with_name(f".{target.name}.old")
                shutil.rmtree(old, ignore_errors=True)
                os.replace(target, old)
                os.replace(tmp, target)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return target


# --------------------------------------------------------------------------------------------
# travel model
# --------------------------------------------------------------------------------------------
@dataclass
class TravelModel:
    """Citizen travel from each village of a regency to a service point.

    Road distance = haversine distance x ``circuity_factor`` (+ a detour leg's ``extra_km``) unless
    a road-distance table lists the pair. One-way minutes = access minutes + road km / speed of the
    mode + any special leg (boat crossing and wait, detour minutes). Costs are for a **round trip**
    by the chosen mode, plus a boat fare both ways.

    Parameters
    ----------
    mode
        ``motorbike`` (own), ``ojek`` or ``public_transport``; default from the calibration.
    road_distances
        Optional table from :func:`read_road_distance_csv` (default: the regency's, if any).
    calib
        Registry calibration (default: the regency's).
    regency
        Default: the built-in Sampang pack.
    """

    mode: str | None = None
    road_distances: pd.DataFrame | None = None
    calib: Calibration | None = None
    regency: Regency | None = None

    def __post_init__(self) -> None:
        self.regency = self.regency or Regency.sampang()
        self.calib = self.calib or self.regency.travel_calibration
        if self.road_distances is None:
            self.road_distances = self.regency.road_distances
        self.mode = self.mode or str(self.calib["usual_mode"])
        speeds = self.calib["mode_speed_kmh"]
        if self.mode not in speeds:
            raise SakeraInputError(
                f"unknown travel mode {self.mode!r}; choose one of {sorted(speeds)}", location="mode"
            )

    def _reg(self) -> Regency:
        assert self.regency is not None  # set in __post_init__
        return self.regency

    def _cal(self) -> Calibration:
        assert self.calib is not None  # set in __post_init__
        return self.calib

    def point_coordinates(self, point: str) -> pd.DataFrame:
        """Latitude/longitude of ``point`` for each village (the kecamatan point depends on the village)."""
        reg = self._reg()
        vil = reg.villages
        sp = reg.point(point)
        if sp is None:
            raise SakeraInputError(
                f"regency {reg.code} has no {point} service point", source=reg.origin, location="point"
            )
        if point == "kecamatan":
            dis = reg.districts.set_index("district_code")
            return pd.DataFrame(
                {
                    "lat": dis.loc[vil["district_code"], "centre_lat"].to_numpy(dtype=float),
                    "lon": dis.loc[vil["district_code"], "centre_lon"].to_numpy(dtype=float),
                },
                index=vil["village_code"],
            )
        return pd.DataFrame({"lat": float(sp.lat or 0.0), "lon": float(sp.lon or 0.0)}, index=vil["village_code"])

    def table(self, point: str = "office") -> pd.DataFrame:
        """Distance, one-way minutes and round-trip cost from every village to ``point``.

        Columns: ``distance_km`` (one way, road plus sea crossing), ``travel_minutes`` (one way),
        ``travel_cost_idr`` (round trip), ``boat`` (whether a boat leg is included).
        """
        c = self._cal()
        vil = self._reg().villages.set_index("village_code")
        dest = self.point_coordinates(point)
        n = len(vil)
        pos = {code: i for i, code in enumerate(vil.index)}
        origin_lat = vil["lat"].to_numpy(dtype=float).copy()
        origin_lon = vil["lon"].to_numpy(dtype=float).copy()
        is_boat = np.zeros(n, dtype=bool)
        leg_minutes = np.zeros(n)
        leg_fare = np.zeros(n)
        extra_km = np.zeros(n)
        sea_km = np.zeros(n)
        for leg in self._reg().legs:
            i = pos[leg.village_code]
            leg_minutes[i] += leg.minutes + leg.wait_minutes
            leg_fare[i] += leg.fare_idr
            if leg.kind == "boat" and leg.lat is not None and leg.lon is not None:
                is_boat[i] = True
                sea_km[i] = float(haversine_km(origin_lat[i], origin_lon[i], leg.lat, leg.lon))
                origin_lat[i], origin_lon[i] = leg.lat, leg.lon
            else:
                extra_km[i] += leg.extra_km
        road = (
            haversine_km(origin_lat, origin_lon, dest["lat"].to_numpy(), dest["lon"].to_numpy())
            * float(c["circuity_factor"])
            + extra_km
        )
        road_km = pd.Series(road, index=vil.index)
        if self.road_distances is not None:
            sub = self.road_distances[self.road_distances["point"] == point]
            road_km.loc[sub["village_code"].to_numpy()] = sub["road_km"].to_numpy(dtype=float)
        speed = float(c["mode_speed_kmh"][self.mode])
        fixed = float(c["mode_cost_fixed_idr"][self.mode])
        per_km = float(c["mode_cost_per_km_idr"][self.mode])
        minutes = float(c["access_minutes"]) + road_km.to_numpy() / speed * 60.0 + leg_minutes
        cost_one_way = fixed + per_km * road_km.to_numpy() + leg_fare
        return pd.DataFrame(
            {
                "distance_km": np.round(road_km.to_numpy() + sea_km, 2),
                "travel_minutes": np.round(minutes, 1),
                "travel_cost_idr": np.round(2 * cost_one_way, -2).astype("int64"),
                "boat": is_boat,
            },
            index=vil.index,
        )


# --------------------------------------------------------------------------------------------
# the built-in pack
# --------------------------------------------------------------------------------------------
def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


@cache
def _sampang() -> Regency:
    c = calibration.load("registry")
    vil = _packaged_csv("sampang_villages.csv").copy()
    vil["lat"] = vil["lat"].astype("float64")
    vil["lon"] = vil["lon"].astype("float64")
    dis = _packaged_csv("sampang_districts.csv").copy()
    for col in ("villages", "pop_sp2010", "pop_sp2020"):
        dis[col] = dis[col].astype("int64")
    for col in ("area_km2", "centroid_lat", "centroid_lon", "centre_lat", "centre_lon"):
        dis[col] = dis[col].astype("float64")
    points = (
        ServicePoint("office", "Dinas Kependudukan dan Pencatatan Sipil Kabupaten Sampang",
                     float(c["dispendukcapil_lat"]), float(c["dispendukcapil_lon"]),
                     address=str(c["dispendukcapil_address"]), source=c.sources["dispendukcapil_lat"]),
        ServicePoint("mpp", "Mal Pelayanan Publik Sampang", float(c["mpp_lat"]), float(c["mpp_lon"]),
                     opens=_as_date(c["mpp_opening_date"]), address=str(c["mpp_address"]),
                     source=c.sources["mpp_opening_date"]),
        ServicePoint("kecamatan", "Kantor kecamatan", source="sampang_districts.csv centre_lat/centre_lon"),
    )  # fmt: skip
    island = str(c["mandangin_code"])
    legs = (
        TravelLeg(island, "boat", "Pelabuhan Tanglok - Pulau Mandangin", float(c["tanglok_lat"]),
                  float(c["tanglok_lon"]), minutes=float(c["boat_minutes"]), wait_minutes=float(c["boat_wait_minutes"]),
                  fare_idr=float(c["boat_fare_idr"]), source=c.sources["boat_fare_idr"]),
    )  # fmt: skip
    rule = PopulationRule(
        total=int(c["registered_population_2025"]),
        total_year=int(c["registered_population_base_year"]),
        district_weights=dict(zip(dis["district_code"], dis["pop_sp2020"].astype(float), strict=True)),
        fixed={island: (int(c["mandangin_population_2021"]), 2021)},
        source=c.sources["registered_population_2025"],
    )
    return Regency(
        code="35.27",
        name="Kabupaten Sampang",
        _villages=vil,
        _districts=dis,
        service_points=points,
        legs=legs,
        population_rule=rule,
    )


def resolve(
    regency: Regency | str | Path | None = None,
    population_csv: str | Path | pd.DataFrame | None = None,
    road_distance_csv: str | Path | pd.DataFrame | None = None,
) -> Regency:
    """The regency a command runs on, with optional population and road-distance files applied.

    Parameters
    ----------
    regency
        A :class:`Regency`, a pack path, or None for the built-in Sampang pack.
    population_csv, road_distance_csv
        Passed to :meth:`Regency.with_data`.
    """
    if regency is None:
        reg = Regency.sampang()
    elif isinstance(regency, Regency):
        reg = regency
    else:
        reg = load_pack(regency)
    return reg.with_data(population_csv=population_csv, road_distance_csv=road_distance_csv)


# --------------------------------------------------------------------------------------------
# pack loading
# --------------------------------------------------------------------------------------------
class _Pack:
    """Validation context: the YAML file and helpers raising errors that name file and field."""

    def __init__(self, path: Path):
        self.path = path
        self.name = str(path)

    def fail(self, where: str, message: str, source: str | None = None) -> SakeraInputError:
        return SakeraInputError(message, source=source or self.name, location=where)

    def mapping(
        self, value: Any, where: str, allowed: tuple[str, ...], required: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        if value is None:
            value = {}
        if not isinstance(value, dict):
            raise self.fail(where, "must be a mapping")
        unknown = sorted(set(map(str, value)) - set(allowed))
        if unknown:
            raise self.fail(
                f"{where}.{unknown[0]}" if where else unknown[0], f"unknown field; allowed: {', '.join(allowed)}"
            )
        for key in required:
            if value.get(key) in (None, ""):
                raise self.fail(f"{where}.{key}" if where else key, "is required")
        return {str(k): v for k, v in value.items()}

    def number(self, value: Any, where: str, lo: float = 0.0, hi: float = math.inf) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(where, f"{value!r} is not a number")
        v = float(value)
        if not math.isfinite(v) or not lo <= v <= hi:
            raise self.fail(where, f"{value!r} must be between {lo:g} and {hi:g}")
        return v

    def integer(self, value: Any, where: str, lo: int = 0, hi: int = 10**10) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(where, f"{value!r} is not a whole number")
        if not lo <= value <= hi:
            raise self.fail(where, f"{value} must be between {lo} and {hi}")
        return int(value)

    def date(self, value: Any, where: str) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise self.fail(where, f"{value!r} is not a date YYYY-MM-DD") from None

    def text(self, value: Any, where: str) -> str:
        if value is None:
            return ""
        if not isinstance(value, (str, int, float)):
            raise self.fail(where, "must be text")
        return str(value).strip()

    def file(self, value: Any, where: str) -> Path:
        rel = self.text(value, where)
        p = (self.path.parent / rel) if not Path(rel).is_absolute() else Path(rel)
        if not p.is_file():
            raise self.fail(where, f"file {rel!r} not found")
        return p


def _check_latlon(lat: float, lon: float, name: str, where: str) -> None:
    if not _LAT_RANGE[0] <= lat <= _LAT_RANGE[1] or not _LON_RANGE[0] <= lon <= _LON_RANGE[1]:
        raise SakeraInputError(f"({lat}, {lon}) is outside Indonesia", source=name, location=where)


def read_villages_csv(source: str | Path | pd.DataFrame, regency_code: str) -> pd.DataFrame:
    """Read and validate a pack's villages table for ``regency_code``.

    Columns: ``village_code, village_name, lat, lon`` and optionally ``village_type`` (default from
    the code: 1xxx kelurahan, 2xxx desa), ``district_code`` (default: the code's first 8
    characters), ``district_name`` (default: the national table), ``population``. The kecamatan
    must exist in the packaged national table. Returns the table sorted by code.
    """
    df, name = _frame(source)
    df.columns = [str(c).strip().lower() for c in df.columns]
    missing = {"village_code", "village_name", "lat", "lon"} - set(df.columns)
    if missing:
        raise SakeraInputError(f"missing column(s) {sorted(missing)}", source=name)
    if df.empty:
        raise SakeraInputError("no villages", source=name)
    nat = national_districts()
    kec = dict(zip(nat.loc[nat["regency_code"] == regency_code, "code"], nat.loc[nat["regency_code"] == regency_code, "name"],
                   strict=True))  # fmt: skip
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    has_pop = "population" in df.columns
    for i, rec in enumerate(df.to_dict("records"), start=2):
        code = str(rec["village_code"]).strip()
        where = f"row {i}"
        if not _VILLAGE_CODE.match(code):
            raise SakeraInputError(
                f"village_code {code!r} is not PP.RR.DD.VVVV", source=name, location=f"{where}, village_code"
            )
        if not code.startswith(regency_code + "."):
            raise SakeraInputError(f"village_code {code!r} is not in regency {regency_code}", source=name,
                                   location=f"{where}, village_code")  # fmt: skip
        if code in seen:
            raise SakeraInputError(f"duplicate village_code {code!r}", source=name, location=f"{where}, village_code")
        seen.add(code)
        district = str(rec.get("district_code", "") or code[:8]).strip()
        if district != code[:8]:
            raise SakeraInputError(f"district_code {district!r} does not match village_code {code!r}", source=name,
                                   location=f"{where}, district_code")  # fmt: skip
        if district not in kec:
            raise SakeraInputError(f"kecamatan {district!r} is not in the national table for {regency_code}",
                                   source=name, location=f"{where}, district_code")  # fmt: skip
        vtype = str(rec.get("village_type", "") or ("kelurahan" if code[9] == "1" else "desa")).strip().lower()
        if vtype not in VILLAGE_TYPES:
            raise SakeraInputError(f"village_type {vtype!r} is not desa or kelurahan", source=name,
                                   location=f"{where}, village_type")  # fmt: skip
        vname = str(rec["village_name"]).strip()
        if not vname:
            raise SakeraInputError("village_name is missing", source=name, location=f"{where}, village_name")
        lat = _number(rec["lat"], name, f"{where}, lat", minimum=None)
        lon = _number(rec["lon"], name, f"{where}, lon", minimum=None)
        _check_latlon(lat, lon, name, f"{where}, lat/lon")
        row: dict[str, Any] = {
            "village_code": code, "village_name": vname, "village_type": vtype, "district_code": district,
            "district_name": str(rec.get("district_name", "") or kec[district]).strip(), "lat": lat, "lon": lon,
        }  # fmt: skip
        if has_pop:
            text = str(rec["population"]).strip()
            row["population"] = int(_number(text, name, f"{where}, population", whole=True)) if text else None
        rows.append(row)
    out = pd.DataFrame(rows).sort_values("village_code", kind="stable").reset_index(drop=True)
    if has_pop:
        blank = out["population"].isna()
        if blank.any() and not blank.all():
            code = out.loc[blank, "village_code"].iloc[0]
            raise SakeraInputError(f"population is missing for {code!r} (give all or none)", source=name,
                                   location="population")  # fmt: skip
        if blank.all():
            out = out.drop(columns="population")
        else:
            out["population"] = out["population"].astype("int64")
    return out


def _districts_for(villages: pd.DataFrame, source: Path | None, ctx: _Pack) -> pd.DataFrame:
    """Kecamatan of the pack: centres from ``districts.csv`` or the mean of village centroids."""
    grouped = villages.groupby("district_code", sort=True)
    out = pd.DataFrame(
        {
            "district_code": list(grouped.groups),
            "district_name": grouped["district_name"].first().to_numpy(),
            "centre_lat": grouped["lat"].mean().round(5).to_numpy(),
            "centre_lon": grouped["lon"].mean().round(5).to_numpy(),
        }
    )
    if source is None:
        return out
    df, name = _frame(source)
    df.columns = [str(c).strip().lower() for c in df.columns]
    if "district_code" not in df.columns:
        raise SakeraInputError("missing column 'district_code'", source=name)
    out = out.set_index("district_code")
    weights: dict[str, float] = {}
    for i, rec in enumerate(df.to_dict("records"), start=2):
        code = str(rec["district_code"]).strip()
        if code not in out.index:
            raise SakeraInputError(f"kecamatan {code!r} has no villages in the pack", source=name, location=f"row {i}")
        for col in ("centre_lat", "centre_lon"):
            if str(rec.get(col, "")).strip():
                out.loc[code, col] = _number(rec[col], name, f"row {i}, {col}", minimum=None)
        _check_latlon(float(out.at[code, "centre_lat"]), float(out.at[code, "centre_lon"]), name, f"row {i}")  # type: ignore[arg-type]
        if str(rec.get("census_population", "")).strip():
            weights[code] = _number(rec["census_population"], name, f"row {i}, census_population", whole=True)
    if weights and len(weights) != len(out):
        absent = sorted(set(out.index) - set(weights))
        raise SakeraInputError(f"census_population missing for {absent[:3]} (give all or none)", source=name,
                               location="census_population")  # fmt: skip
    out = out.reset_index()
    if weights:
        out["census_population"] = [int(weights[c]) for c in out["district_code"]]
    return out


def _overrides(ctx: _Pack, raw: Any) -> dict[str, dict[str, Any]]:
    """``calibration: {registry|flow|demand: {key: {value, source}}}``, checked against the packaged keys."""
    section = ctx.mapping(raw, "calibration", OVERRIDABLE)
    out: dict[str, dict[str, Any]] = {}
    for name, entries in section.items():
        where = f"calibration.{name}"
        if not isinstance(entries, dict):
            raise ctx.fail(where, "must map parameter names to {value, source}")
        try:
            calibration.override(calibration.load(name), entries, f"{ctx.name}: {where}")
        except SakeraInputError as exc:
            raise ctx.fail(f"{where}.{exc.location}" if exc.location else where, exc.problem) from None
        out[name] = dict(entries)
    return out


def load_pack(path: str | Path) -> Regency:
    """Read and validate a regency pack: a folder holding ``regency.yaml`` or the YAML itself.

    ``regency.yaml`` (paths relative to it; see ``docs/regency.md``)::

        code: "35.28"                 # kabupaten/kota code in the national table
        name: Kabupaten Pamekasan     # default: the national table's name
        villages: villages.csv        # default villages.csv
        districts: districts.csv      # optional: kecamatan centres, census_population
        road_distances: roads.csv     # optional: village_code,point,road_km
        population: {total: 850000, year: 2025, source: "...",
                     fixed: [{village_code: ..., population: ..., year: ..., source: ...}]}
        service_points:
          office: {name: ..., lat: ..., lon: ..., address: ..., source: ...}
          mpp: {name: ..., lat: ..., lon: ..., opens: 2021-11-01, source: ...}   # optional
          kecamatan: {name: ...}      # optional: a point at every kecamatan centre
        travel_legs:
          - {village_code: ..., kind: boat, lat: ..., lon: ..., minutes: 45, wait_minutes: 20,
             fare_idr: 10000, source: ...}
        calibration: {registry: {circuity_factor: {value: 1.3, source: "..."}}, flow: {...}}

    Raises
    ------
    SakeraInputError
        Naming the file and the field (``service_points.mpp.opens``) or row of any problem.
    """
    p = Path(path)
    yml = p / "regency.yaml" if p.is_dir() else p
    if not yml.is_file():
        raise SakeraInputError("regency pack not found (a folder with regency.yaml, or the YAML file)", source=str(p),
                               location="--regency")  # fmt: skip
    ctx = _Pack(yml)
    doc = ctx.mapping(
        read_yaml(yml),
        "",
        ("code", "name", "villages", "districts", "road_distances", "population", "service_points", "travel_legs",
         "calibration"),
        ("code",),
    )  # fmt: skip
    code = ctx.text(doc["code"], "code")
    if not _REGENCY_CODE.match(code):
        raise ctx.fail("code", f"{code!r} is not a kabupaten/kota code PP.RR")
    nat = national_regencies().set_index("code")
    if code not in nat.index:
        raise ctx.fail("code", f"{code!r} is not in the national list of kabupaten/kota")
    name = ctx.text(doc.get("name"), "name") or str(nat.loc[code, "name"])
    villages = read_villages_csv(ctx.file(doc.get("villages", "villages.csv"), "villages"), code)
    districts_file = ctx.file(doc["districts"], "districts") if doc.get("districts") else None
    districts = _districts_for(villages, districts_file, ctx)
    known = tuple(villages["village_code"])

    explicit = None
    pop_source = "registry estimate"
    if "population" in villages.columns:
        explicit = villages.set_index("village_code")["population"].astype("int64").rename("population")
        pop_source = f"pack villages ({yml.parent / str(doc.get('villages', 'villages.csv'))})"
        villages = villages.drop(columns="population")
    rule = None
    if doc.get("population") is not None:
        pm = ctx.mapping(doc["population"], "population", ("total", "year", "source", "fixed"), ("total", "year"))
        fixed: dict[str, tuple[int, int]] = {}
        for i, f in enumerate(pm.get("fixed") or []):
            w = f"population.fixed[{i}]"
            fm = ctx.mapping(
                f, w, ("village_code", "population", "year", "source"), ("village_code", "population", "year")
            )
            vc = ctx.text(fm["village_code"], f"{w}.village_code")
            if vc not in known:
                raise ctx.fail(f"{w}.village_code", f"unknown village_code {vc!r}")
            fixed[vc] = (
                ctx.integer(fm["population"], f"{w}.population"),
                ctx.integer(fm["year"], f"{w}.year", 1900, 2100),
            )
        weights = (
            dict(zip(districts["district_code"], districts["census_population"].astype(float), strict=True))
            if "census_population" in districts.columns
            else {}
        )
        rule = PopulationRule(
            total=ctx.integer(pm["total"], "population.total", 1),
            total_year=ctx.integer(pm["year"], "population.year", 1990, 2100),
            district_weights=weights,
            fixed=fixed,
            source=ctx.text(pm.get("source"), "population.source"),
        )
        if explicit is None:
            pop_source = f"estimate from total {rule.total:,} ({rule.total_year})"
    if rule is None and explicit is None:
        raise ctx.fail("population", "give village populations in the villages CSV or population: {total, year}")

    sp = ctx.mapping(doc.get("service_points"), "service_points", SERVICE_POINTS, ("office",))
    points: list[ServicePoint] = []
    for kind in SERVICE_POINTS:
        if kind not in sp:
            continue
        w = f"service_points.{kind}"
        allowed = ("name", "address", "source", "opens") + (() if kind == "kecamatan" else ("lat", "lon"))
        m = ctx.mapping(sp[kind], w, allowed, () if kind == "kecamatan" else ("lat", "lon"))
        lat = lon = None
        if kind != "kecamatan":
            lat = ctx.number(m["lat"], f"{w}.lat", -90, 90)
            lon = ctx.number(m["lon"], f"{w}.lon", -180, 180)
            _check_latlon(lat, lon, ctx.name, f"{w}.lat/lon")
        points.append(
            ServicePoint(
                kind=kind,
                name=ctx.text(m.get("name"), f"{w}.name") or kind,
                lat=lat,
                lon=lon,
                opens=ctx.date(m["opens"], f"{w}.opens") if m.get("opens") is not None else None,
                address=ctx.text(m.get("address"), f"{w}.address"),
                source=ctx.text(m.get("source"), f"{w}.source"),
            )
        )
    legs: list[TravelLeg] = []
    raw_legs = doc.get("travel_legs") or []
    if not isinstance(raw_legs, list):
        raise ctx.fail("travel_legs", "must be a list")
    for i, leg in enumerate(raw_legs):
        w = f"travel_legs[{i}]"
        m = ctx.mapping(leg, w, tuple(f.name for f in dataclasses.fields(TravelLeg)), ("village_code", "kind"))
        vc = ctx.text(m["village_code"], f"{w}.village_code")
        if vc not in known:
            raise ctx.fail(f"{w}.village_code", f"unknown village_code {vc!r}")
        kind = ctx.text(m["kind"], f"{w}.kind")
        if kind not in LEG_KINDS:
            raise ctx.fail(f"{w}.kind", f"{kind!r} is not one of {LEG_KINDS}")
        lat = ctx.number(m["lat"], f"{w}.lat", -90, 90) if m.get("lat") is not None else None
        lon = ctx.number(m["lon"], f"{w}.lon", -180, 180) if m.get("lon") is not None else None
        if kind == "boat" and (lat is None or lon is None):
            raise ctx.fail(f"{w}.lat", "a boat leg needs the pier's lat and lon")
        legs.append(
            TravelLeg(
                village_code=vc,
                kind=kind,
                name=ctx.text(m.get("name"), f"{w}.name"),
                lat=lat,
                lon=lon,
                minutes=ctx.number(m.get("minutes", 0), f"{w}.minutes", 0, 24 * 60),
                wait_minutes=ctx.number(m.get("wait_minutes", 0), f"{w}.wait_minutes", 0, 24 * 60),
                fare_idr=ctx.number(m.get("fare_idr", 0), f"{w}.fare_idr", 0, 10**7),
                extra_km=ctx.number(m.get("extra_km", 0), f"{w}.extra_km", 0, 1000),
                source=ctx.text(m.get("source"), f"{w}.source"),
            )
        )
    reg = Regency(
        code=code,
        name=name,
        _villages=villages[list(VILLAGE_COLUMNS)].copy(),
        _districts=districts,
        service_points=tuple(points),
        legs=tuple(legs),
        population_rule=rule,
        _explicit_population=explicit,
        _overrides=_overrides(ctx, doc.get("calibration")),
        origin=str(yml.parent if yml.name == "regency.yaml" else yml),
        population_source=pop_source,
    )
    if doc.get("road_distances"):
        roads = ctx.file(doc["road_distances"], "road_distances")
        reg = reg.with_data(road_distance_csv=roads)
    # fail now, not in the middle of a run, if the calibration overrides break the travel model
    TravelModel(regency=reg)
    return reg


# --------------------------------------------------------------------------------------------
# pack creation (``sakera regency init``)
# --------------------------------------------------------------------------------------------
def init_pack(
    code: str,
    villages_csv: str | Path,
    out: str | Path,
    *,
    total: int | None = None,
    year: int = 2025,
    office: tuple[float, float] | None = None,
    overwrite: bool = False,
) -> Regency:
    """Build a pack for kabupaten/kota ``code`` from a villages CSV and write it to ``out``.

    Parameters
    ----------
    code
        ``PP.RR`` (``35.28`` or ``3528``) from the packaged national list.
    villages_csv
        ``village_code, village_name, lat, lon`` (+ optional ``village_type``, ``district_code``,
        ``population``); kecamatan names come from the national table.
    total, year
        Regency population and its year, required when the CSV has no ``population``: the total is
        split over kecamatan and villages by the documented rule (flat split, kelurahan weighted).
    office
        (lat, lon) of the Dispendukcapil office; default: the mean centroid of the kelurahan (or of
        all villages when there is none), labelled an assumption.
    out
        Folder to write (``regency.yaml``, ``villages.csv``, ``districts.csv``), all or nothing.
    overwrite
        Replace a non-empty ``out``.
    """
    text = str(code).strip()
    if re.fullmatch(r"\d{4}", text):
        text = f"{text[:2]}.{text[2:]}"
    nat = national_regencies().set_index("code")
    if not _REGENCY_CODE.match(text) or text not in nat.index:
        raise SakeraInputError(f"{code!r} is not a kabupaten/kota code in the national list", location="CODE")
    villages = read_villages_csv(villages_csv, text)
    has_pop = "population" in villages.columns
    if not has_pop and total is None:
        raise SakeraInputError(
            "the villages CSV has no population column: give --total (and --year)", location="--total"
        )
    if has_pop and total is not None:
        raise SakeraInputError("the villages CSV has populations; --total would be ignored", location="--total")
    if total is not None and (isinstance(total, bool) or int(total) < 1):
        raise SakeraInputError(f"{total} must be >= 1", location="--total")
    if not 1990 <= int(year) <= 2100:
        raise SakeraInputError(f"{year} is outside 1990-2100", location="--year")
    if office is None:
        kel = villages[villages["village_type"] == "kelurahan"]
        base = kel if len(kel) else villages
        office = (round(float(base["lat"].mean()), 5), round(float(base["lon"].mean()), 5))
        office_source = "assumption: mean centroid of the kelurahan (the regency town) as a stand-in; replace with the office's coordinates"
    else:
        _check_latlon(office[0], office[1], "--office", "--office")
        office_source = "given with --office"
    districts = _districts_for(villages, None, _Pack(Path(out) / "regency.yaml"))
    points = (
        ServicePoint("office", f"Dispendukcapil {nat.at[text, 'name']!s}", office[0], office[1], source=office_source),
        ServicePoint("kecamatan", "Kantor kecamatan",
                     source="assumption: the kecamatan point is at the mean centroid of its villages"),
    )  # fmt: skip
    explicit = villages.set_index("village_code")["population"].astype("int64") if has_pop else None
    rule = None if has_pop else PopulationRule(total=int(total or 0), total_year=int(year),
                                               source="given with sakera regency init --total")  # fmt: skip
    reg = Regency(
        code=text,
        name=str(nat.loc[text, "name"]),
        _villages=villages[list(VILLAGE_COLUMNS)].copy(),
        _districts=districts,
        service_points=points,
        population_rule=rule,
        _explicit_population=explicit,
        origin=str(out),
    )
    reg.to_pack(out, overwrite=overwrite)
    return load_pack(out)
