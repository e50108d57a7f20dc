"""The Kabupaten Sampang registry: kecamatan, villages, population and the citizen travel model.

Reference data are the real Kemendagri codes and centroids shipped in ``sakera_toolkit/data``
(see ``ATTRIBUTION.md``). Numbers that are not in the reference tables come from the calibration
file ``calibration/registry.yaml``, each with its source or the word "assumption".

Population per village
----------------------
No per-village census figures are public (research notes, "Not found"). The default method is
deterministic and documented:

1. Regency total for ``year``: the 2025 registered total (1,033,926) grown or shrunk at the
   calibrated annual rate: ``total = P2025 * (1 + g) ** (year - 2025)``.
2. Kecamatan totals: the regency total split in proportion to the SP2020 census counts.
3. Villages: P. Mandangin gets its sourced figure (scaled by the same growth from 2021); every
   other village of a kecamatan shares the remainder with weight 1 for a desa and
   ``kelurahan_weight`` for a kelurahan.
4. Rounding: largest-remainder, so village figures are integers that sum exactly to the kecamatan
   totals.

A user CSV (``village_code,population``) replaces step 3 with real figures; it is validated
(unknown or duplicate codes, missing or negative numbers are errors naming the row).

Travel model
------------
Road distance = haversine distance x ``circuity_factor`` unless a road-distance CSV
(``village_code,point,road_km``) is supplied. One-way minutes = access minutes + road km / speed of
the mode (+ the boat leg for P. Mandangin: walk/ride to the island pier, wait, boat, then road from
Pelabuhan Tanglok). Costs are for a **round trip** (a citizen goes and comes back) by the chosen
mode, plus the boat fare both ways for the island.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from . import calibration
from ._io import read_csv_text
from .errors import SakeraInputError

__all__ = [
    "SERVICE_POINTS",
    "districts",
    "villages",
    "village_population",
    "read_population_csv",
    "read_road_distance_csv",
    "haversine_km",
    "TravelModel",
    "village_table",
    "provinces",
    "regencies",
    "national_districts",
]

#: The points a citizen can travel to for adminduk services.
SERVICE_POINTS = ("office", "mpp", "kecamatan")

EARTH_RADIUS_KM = 6371.0088


def _data_path(name: str):
    return resources.files("sakera_toolkit") / "data" / name


@cache
def _read_csv(name: str) -> pd.DataFrame:
    with _data_path(name).open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


def districts() -> pd.DataFrame:
    """The 14 kecamatan of Sampang (code, name, admin centre, area, census counts, centroids)."""
    df = _read_csv("sampang_districts.csv").copy()
    for col in ("villages", "pop_sp2010", "pop_sp2020"):
        df[col] = df[col].astype("int64")
    for col in ("area_km2", "centroid_lat", "centroid_lon", "centre_lat", "centre_lon"):
        df[col] = df[col].astype("float64")
    return df


def villages() -> pd.DataFrame:
    """The 186 desa/kelurahan (code, name, type, kecamatan, centroid lat/lon)."""
    df = _read_csv("sampang_villages.csv").copy()
    df["lat"] = df["lat"].astype("float64")
    df["lon"] = df["lon"].astype("float64")
    return df


def provinces() -> pd.DataFrame:
    """All provinces of Indonesia (``code`` PP, ``name``)."""
    return _read_csv("indonesia_provinces.csv").copy()


def regencies() -> pd.DataFrame:
    """All kabupaten/kota of Indonesia (``code`` PP.RR, ``province_code``, ``name``)."""
    return _read_csv("indonesia_regencies.csv").copy()


def national_districts() -> pd.DataFrame:
    """All kecamatan of Indonesia (``code`` PP.RR.DD, ``regency_code``, ``name``)."""
    return _read_csv("indonesia_districts.csv").copy()


def _largest_remainder(shares: np.ndarray, total: int) -> np.ndarray:
    """Integers proportional to ``shares`` that sum exactly to ``total`` (ties by position)."""
    shares = np.asarray(shares, dtype="float64")
    exact = shares / shares.sum() * total
    floor = np.floor(exact).astype("int64")
    remainder = total - int(floor.sum())
    if remainder > 0:
        order = np.argsort(-(exact - floor), kind="stable")
        floor[order[:remainder]] += 1
    return floor


def regency_total(year: int = 2025, calib: calibration.Calibration | None = None) -> int:
    """Registered population of Kabupaten Sampang in ``year`` (see module docstring, step 1)."""
    c = calib or calibration.load("registry")
    base = int(c["registered_population_2025"])
    years = int(year) - int(c["registered_population_base_year"])
    return int(round(base * (1.0 + float(c["annual_growth_rate"])) ** years))


def village_population(
    year: int = 2025,
    override: pd.DataFrame | str | Path | None = None,
    calib: calibration.Calibration | None = None,
) -> pd.Series:
    """Population per village for ``year``, indexed by ``village_code``.

    Parameters
    ----------
    year
        Reference year (1990-2100).
    override
        Real per-village figures: a DataFrame or CSV path with ``village_code,population``.
        Villages it lists take its figure; every village must be listed.
    calib
        Calibration to use (default: the packaged ``registry`` calibration).
    """
    if not 1990 <= int(year) <= 2100:
        raise SakeraInputError(f"year {year} is outside 1990-2100", location="year")
    if override is not None:
        table = read_population_csv(override)
        return table.set_index("village_code")["population"].rename("population")

    c = calib or calibration.load("registry")
    vil = villages()
    dis = districts()
    total = regency_total(year, c)
    dis_tot = _largest_remainder(dis["pop_sp2020"].to_numpy(), total)
    dis_tot = dict(zip(dis["district_code"], dis_tot, strict=False))
    growth = 1.0 + float(c["annual_growth_rate"])
    mandangin = str(c["mandangin_code"])
    mand_pop = int(round(float(c["mandangin_population_2021"]) * growth ** (int(year) - 2021)))

    out = pd.Series(0, index=vil["village_code"], dtype="int64", name="population")
    kel_w = float(c["kelurahan_weight"])
    for code, group in vil.groupby("district_code", sort=True):
        remaining = dis_tot[code]
        members = group
        if mandangin in set(group["village_code"]):
            out[mandangin] = mand_pop
            remaining -= mand_pop
            members = group[group["village_code"] != mandangin]
        weights = np.where(members["village_type"].to_numpy() == "kelurahan", kel_w, 1.0)
        out[members["village_code"].to_numpy()] = _largest_remainder(weights, remaining)
    return out


def read_population_csv(source: pd.DataFrame | str | Path) -> pd.DataFrame:
    """Read and validate a per-village population table (``village_code,population``).

    Every one of the 186 codes must appear once with a non-negative integer. Errors name the file,
    the row (1-based, after the header) and the problem.
    """
    name = "<DataFrame>"
    if isinstance(source, (str, Path)):
        name = str(source)
        df = read_csv_text(source)
    else:
        df = source.astype(str)
    missing_cols = {"village_code", "population"} - set(df.columns)
    if missing_cols:
        raise SakeraInputError(f"missing column(s) {sorted(missing_cols)}", source=name)
    known = set(villages()["village_code"])
    seen: set[str] = set()
    pops: list[int] = []
    for i, (code, pop) in enumerate(zip(df["village_code"], df["population"], strict=False), start=2):
        code = code.strip()
        where = f"row {i}"
        if code not in known:
            raise SakeraInputError(f"unknown village_code {code!r}", source=name, location=where)
        if code in seen:
            raise SakeraInputError(f"duplicate village_code {code!r}", source=name, location=where)
        seen.add(code)
        text = pop.strip()
        if text in ("", "nan", "None"):
            raise SakeraInputError("population is missing", source=name, location=f"{where}, population")
        try:
            value = float(text)
        except ValueError:
            raise SakeraInputError(f"population {text!r} is not a number", source=name, location=f"{where}, population") from None
        if not math.isfinite(value) or value < 0 or value != int(value):
            raise SakeraInputError(
                f"population {text!r} must be a non-negative whole number", source=name, location=f"{where}, population"
            )
        pops.append(int(value))
    absent = sorted(known - seen)
    if absent:
        raise SakeraInputError(
            f"{len(absent)} village(s) missing, e.g. {absent[:3]}", source=name, location="village_code"
        )
    return pd.DataFrame({"village_code": [c.strip() for c in df["village_code"]], "population": pops})


def haversine_km(lat1, lon1, lat2, lon2):
    """Great-circle distance in km (vectorised over numpy arrays)."""
    lat1, lon1, lat2, lon2 = (np.radians(np.asarray(x, dtype="float64")) for x in (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a))


def read_road_distance_csv(source: str | Path) -> pd.DataFrame:
    """Read a road-distance table ``village_code,point,road_km`` (point in office|mpp|kecamatan).

    For P. Mandangin, ``road_km`` is the mainland leg from Pelabuhan Tanglok.
    """
    name = str(source)
    df = read_csv_text(source)
    need = {"village_code", "point", "road_km"}
    if need - set(df.columns):
        raise SakeraInputError(f"missing column(s) {sorted(need - set(df.columns))}", source=name)
    known = set(villages()["village_code"])
    rows = []
    for i, rec in enumerate(df.to_dict("records"), start=2):
        code, point, km = rec["village_code"].strip(), rec["point"].strip(), rec["road_km"].strip()
        if code not in known:
            raise SakeraInputError(f"unknown village_code {code!r}", source=name, location=f"row {i}")
        if point not in SERVICE_POINTS:
            raise SakeraInputError(f"point {point!r} is not one of {SERVICE_POINTS}", source=name, location=f"row {i}, point")
        try:
            value = float(km)
        except ValueError:
            raise SakeraInputError(f"road_km {km!r} is not a number", source=name, location=f"row {i}, road_km") from None
        if not math.isfinite(value) or value < 0:
            raise SakeraInputError(f"road_km {km!r} must be >= 0", source=name, location=f"row {i}, road_km")
        rows.append((code, point, value))
    out = pd.DataFrame(rows, columns=["village_code", "point", "road_km"])
    dup = out.duplicated(["village_code", "point"])
    if dup.any():
        first = int(np.flatnonzero(dup.to_numpy())[0]) + 2
        raise SakeraInputError("duplicate (village_code, point)", source=name, location=f"row {first}")
    return out


@dataclass
class TravelModel:
    """Citizen travel from each village to a service point.

    Parameters
    ----------
    mode
        ``motorbike`` (own), ``ojek`` or ``public_transport``; default from the calibration.
    road_distances
        Optional table from :func:`read_road_distance_csv`; listed pairs replace the
        straight-line x circuity estimate.
    calib
        Registry calibration (default: packaged).
    """

    mode: str | None = None
    road_distances: pd.DataFrame | None = None
    calib: calibration.Calibration | None = None

    def __post_init__(self) -> None:
        self.calib = self.calib or calibration.load("registry")
        self.mode = self.mode or str(self.calib["usual_mode"])
        speeds = self.calib["mode_speed_kmh"]
        if self.mode not in speeds:
            raise SakeraInputError(f"unknown travel mode {self.mode!r}; choose one of {sorted(speeds)}", location="mode")

    # -- geometry -----------------------------------------------------------------------------
    def point_coordinates(self, point: str) -> pd.DataFrame:
        """Latitude/longitude of ``point`` for each village (kecamatan office depends on village)."""
        vil = villages()
        c = self.calib
        if point == "office":
            lat, lon = float(c["dispendukcapil_lat"]), float(c["dispendukcapil_lon"])
            return pd.DataFrame({"lat": lat, "lon": lon}, index=vil["village_code"])
        if point == "mpp":
            lat, lon = float(c["mpp_lat"]), float(c["mpp_lon"])
            return pd.DataFrame({"lat": lat, "lon": lon}, index=vil["village_code"])
        if point == "kecamatan":
            dis = districts().set_index("district_code")
            return pd.DataFrame(
                {
                    "lat": dis.loc[vil["district_code"], "centre_lat"].to_numpy(),
                    "lon": dis.loc[vil["district_code"], "centre_lon"].to_numpy(),
                },
                index=vil["village_code"],
            )
        raise SakeraInputError(f"unknown service point {point!r}; choose one of {SERVICE_POINTS}", location="point")

    def table(self, point: str = "office") -> pd.DataFrame:
        """Distance, one-way minutes and round-trip cost from every village to ``point``.

        Columns: ``distance_km`` (one way, road plus sea crossing), ``travel_minutes`` (one way),
        ``travel_cost_idr`` (round trip), ``boat`` (whether a boat leg is included).
        """
        c = self.calib
        vil = villages().set_index("village_code")
        dest = self.point_coordinates(point)
        island = str(c["mandangin_code"])
        origin_lat = vil["lat"].to_numpy().copy()
        origin_lon = vil["lon"].to_numpy().copy()
        is_island = vil.index.to_numpy() == island
        # The island's road leg starts at Pelabuhan Tanglok.
        origin_lat[is_island] = float(c["tanglok_lat"])
        origin_lon[is_island] = float(c["tanglok_lon"])
        road_km = haversine_km(origin_lat, origin_lon, dest["lat"].to_numpy(), dest["lon"].to_numpy()) * float(
            c["circuity_factor"]
        )
        road_km = pd.Series(road_km, index=vil.index)
        if self.road_distances is not None:
            sub = self.road_distances[self.road_distances["point"] == point]
            road_km.loc[sub["village_code"].to_numpy()] = sub["road_km"].to_numpy()
        speed = float(c["mode_speed_kmh"][self.mode])
        fixed = float(c["mode_cost_fixed_idr"][self.mode])
        per_km = float(c["mode_cost_per_km_idr"][self.mode])
        minutes = float(c["access_minutes"]) + road_km / speed * 60.0
        cost_one_way = fixed + per_km * road_km
        boat_min = float(c["boat_minutes"]) + float(c["boat_wait_minutes"])
        minutes = minutes + np.where(is_island, boat_min, 0.0)
        cost_one_way = cost_one_way + np.where(is_island, float(c["boat_fare_idr"]), 0.0)
        sea_km = np.where(
            is_island,
            haversine_km(vil["lat"].to_numpy(), vil["lon"].to_numpy(), float(c["tanglok_lat"]), float(c["tanglok_lon"])),
            0.0,
        )
        return pd.DataFrame(
            {
                "distance_km": (road_km + sea_km).round(2),
                "travel_minutes": np.round(minutes, 1),
                "travel_cost_idr": np.round(2 * cost_one_way, -2).astype("int64"),
                "boat": is_island,
            },
            index=vil.index,
        )


def village_table(
    year: int = 2025,
    point: str = "office",
    mode: str | None = None,
    population_csv: str | Path | None = None,
    road_distance_csv: str | Path | None = None,
) -> pd.DataFrame:
    """One row per village: codes, names, centroid, population and travel to ``point``.

    This is what ``sakera villages`` prints.
    """
    vil = villages()
    pop = village_population(year, override=population_csv)
    roads = read_road_distance_csv(road_distance_csv) if road_distance_csv else None
    travel = TravelModel(mode=mode, road_distances=roads).table(point)
    out = vil.copy()
    out["population"] = pop.reindex(out["village_code"]).to_numpy()
    out = out.join(travel.drop(columns="boat"), on="village_code")
    return out[
        [
            "village_code",
            "village_name",
            "village_type",
            "district_code",
            "district_name",
            "lat",
            "lon",
            "population",
            "distance_km",
            "travel_minutes",
            "travel_cost_idr",
        ]
    ]
