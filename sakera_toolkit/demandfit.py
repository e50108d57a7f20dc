"""Request logs in, demand overrides out: read a Dispendukcapil-style log and fit per-village rates.

A request log has one row per request. Column names may be Indonesian or English, as an export
would have them (:data:`COLUMN_ALIASES`: ``tanggal``/``date``, ``kode_desa``/``village_code`` or
``kecamatan``, ``layanan``/``service``, optionally ``tanggal_selesai``/``completed`` and
``kanal``/``channel``), or mapped explicitly (``--columns service=jenis_layanan,date=tgl``).
Columns that identify people (:data:`PERSONAL_COLUMNS`: NIK, nama, alamat, no_hp ...) are dropped
as soon as the file is read and reported; they never reach any output.

Fitting (:func:`fit`)
---------------------
The log is taken to cover the villages that appear in it (``coverage="log"``; with ``"regency"``
every village of the regency counts, absent ones with zero requests). For the observed period of
``T`` years and the covered population ``P``:

* regency profile: ``r_s = n_s / (P T) * 1000`` requests per 1,000 residents per year;
* per village (``--by village,service``): the Poisson-gamma posterior mean of the village's
  relative rate ``theta_vs = (n_vs + a) / (e_vs + a)`` with ``e_vs = r_s P_v T / 1000`` the count
  the profile predicts and ``a`` the prior strength in requests (``demand_fit_prior_requests`` in
  ``calibration/demand.yaml``), so a village with few records stays near the regency profile and
  one with many follows its own data; the rate is ``r_s * theta_vs``. Rows that name only a
  kecamatan are spread over its villages in proportion to population;
* per month (``month`` in ``--by``): a monthly index per service (mean 1 over the months observed,
  months not observed 1), shrunk the same way toward 1.

The result (:class:`DemandFit`) is written as a demand override YAML (:meth:`DemandFit.write`,
atomically) that a scenario references as ``demand: {fitted: demand.yaml}``; the engine reads it
with :func:`sakera_toolkit.demand.read_fitted`.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from . import calibration
from ._io import read_csv_text
from .errors import SakeraInputError
from .regency import Regency
from .services import SERVICE_IDS

__all__ = [
    "PERSONAL_COLUMNS",
    "COLUMN_ALIASES",
    "CHANNEL_ALIASES",
    "BY_CHOICES",
    "RequestLog",
    "DemandFit",
    "read_log",
    "parse_columns",
    "fit",
    "fit_rates",
]

#: Columns of a request log that identify people; dropped on reading.
PERSONAL_COLUMNS = frozenset(
    {
        "nik", "no_kk", "nomor_kk", "kk", "no_nik", "name", "nama", "nama_lengkap", "nama_pemohon", "pemohon",
        "phone", "telepon", "no_hp", "no_telp", "hp", "wa", "email", "alamat", "address", "rt", "rw", "dusun",
        "birth_date", "tanggal_lahir", "tgl_lahir", "tempat_lahir", "ibu_kandung", "nama_ibu", "mother_name",
        "ayah", "nama_ayah",
    }
)  # fmt: skip

#: Canonical field -> accepted column names (lower case), in order of preference.
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "date": ("tanggal", "tanggal_pengajuan", "tanggal_permohonan", "tgl_pengajuan", "tgl", "date", "arrival"),
    "village_code": ("kode_desa", "kode_kelurahan", "kode_desa_kelurahan", "kode_wilayah", "village_code"),
    "kecamatan": ("kecamatan", "kode_kecamatan", "nama_kecamatan", "district_code", "district"),
    "service": ("layanan", "jenis_layanan", "kode_layanan", "service"),
    "completed": ("tanggal_selesai", "tgl_selesai", "tanggal_terbit", "completed", "completion_date"),
    "channel": ("kanal", "tempat_layanan", "lokasi_layanan", "channel"),
    "request_id": ("no_permohonan", "nomor_permohonan", "id_permohonan", "request_id"),
}

#: Channel labels as written in logs -> engine channel codes.
CHANNEL_ALIASES = {
    "desa": "desa", "kelurahan": "desa", "village": "desa", "sakera_mesem": "desa", "desa/kelurahan": "desa",
    "office": "office", "kantor": "office", "dinas": "office", "dispendukcapil": "office", "disdukcapil": "office",
    "mpp": "mpp", "mal pelayanan publik": "mpp", "kecamatan": "kecamatan", "kec": "kecamatan",
}  # fmt: skip

#: Dimensions ``--by`` accepts.
BY_CHOICES = ("village", "service", "month")


def parse_columns(text: str | None) -> dict[str, str]:
    """``"service=jenis_layanan,date=tgl"`` -> ``{"service": "jenis_layanan", "date": "tgl"}``."""
    out: dict[str, str] = {}
    for item in (text or "").split(","):
        if not item.strip():
            continue
        key, sep, col = item.partition("=")
        key, col = key.strip().lower(), col.strip().lower()
        if not sep or not col:
            raise SakeraInputError(f"{item!r} must be FIELD=COLUMN", location="--columns")
        if key not in COLUMN_ALIASES:
            raise SakeraInputError(
                f"unknown field {key!r}; use one of {', '.join(COLUMN_ALIASES)}", location="--columns"
            )
        out[key] = col
    return out


def _service_lookup() -> dict[str, str]:
    """Service ids and catalogue names (Indonesian, English), lower case -> service id."""
    from .services import load_catalogue

    out = {sid: sid for sid in SERVICE_IDS}
    for s in load_catalogue():
        out[s.name_id.strip().lower()] = s.id
        out[s.name_en.strip().lower()] = s.id
    return out


@dataclass(frozen=True)
class RequestLog:
    """A validated request log with personal columns already removed.

    Attributes
    ----------
    frame
        ``date`` (datetime64[ns], day), ``service`` (id), and when the log has them
        ``village_code``, ``district_code``, ``completed`` (datetime64, NaT if open), ``channel``.
    source
        File name (or ``<DataFrame>``).
    dropped_columns
        Personal columns removed on reading.
    columns
        Canonical field -> the log's column it was read from.
    """

    frame: pd.DataFrame
    source: str
    dropped_columns: tuple[str, ...]
    columns: Mapping[str, str]

    @property
    def start(self) -> dt.date:
        """First request date."""
        return pd.Timestamp(self.frame["date"].min()).date()

    @property
    def end(self) -> dt.date:
        """Last request date."""
        return pd.Timestamp(self.frame["date"].max()).date()

    def has(self, name: str) -> bool:
        """Whether the log has the canonical column ``name``."""
        return name in self.frame.columns

    def note(self) -> str:
        """One line: rows, period and the personal columns dropped."""
        dropped = ", ".join(self.dropped_columns) if self.dropped_columns else "none"
        return (
            f"{self.source}: {len(self.frame):,} requests {self.start} .. {self.end}; "
            f"personal columns dropped on reading: {dropped}"
        )


def read_log(
    source: str | Path | pd.DataFrame, regency: Regency | None = None, columns: Mapping[str, str] | None = None
) -> RequestLog:
    """Read and validate a request log (see the module docstring for the columns).

    Raises
    ------
    SakeraInputError
        Naming the file, the row (header = row 1), the column and the problem.
    """
    reg = regency or Regency.sampang()
    if isinstance(source, pd.DataFrame):
        name, raw = "<DataFrame>", source.astype(str)
    else:
        name, raw = str(source), read_csv_text(source)
    raw = raw.copy()
    raw.columns = [str(c).strip().lower() for c in raw.columns]
    dropped = tuple(c for c in raw.columns if c in PERSONAL_COLUMNS and c not in set((columns or {}).values()))
    raw = raw.drop(columns=list(dropped))
    if raw.empty:
        raise SakeraInputError("the log has no rows", source=name)
    mapping: dict[str, str] = {}
    for key, aliases in COLUMN_ALIASES.items():
        explicit = (columns or {}).get(key)
        if explicit is not None:
            if explicit not in raw.columns:
                raise SakeraInputError(f"column {explicit!r} (for {key}) is not in the log", source=name,
                                       location="--columns")  # fmt: skip
            mapping[key] = explicit
            continue
        for alias in aliases:
            if alias in raw.columns:
                mapping[key] = alias
                break
    for need in ("date", "service"):
        if need not in mapping:
            raise SakeraInputError(
                f"needs a {need} column ({' or '.join(COLUMN_ALIASES[need][:2])}, or map one with --columns {need}=NAME)",
                source=name,
            )
    out = pd.DataFrame(index=raw.index)

    def fail(i: int, key: str, message: str) -> SakeraInputError:
        return SakeraInputError(message, source=name, location=f"row {i + 2}, {mapping[key]}")

    def dates(key: str, allow_blank: bool) -> pd.Series:
        text = raw[mapping[key]].str.strip()
        parsed = pd.to_datetime(text, errors="coerce", format="mixed", dayfirst=False)
        bad = parsed.isna() & ~(allow_blank & (text == ""))
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise fail(i, key, f"{text.iloc[i]!r} is not a date (YYYY-MM-DD)")
        return parsed.dt.normalize()

    out["date"] = dates("date", False)
    lookup = _service_lookup()
    svc = raw[mapping["service"]].str.strip().str.lower().map(lookup)
    if svc.isna().any():
        i = int(np.flatnonzero(svc.isna().to_numpy())[0])
        raise fail(i, "service", f"unknown service {raw[mapping['service']].iloc[i]!r} (use a service id or its name)")
    out["service"] = svc
    vil = reg.villages
    if "village_code" in mapping:
        vc = raw[mapping["village_code"]].str.strip()
        bad = ~vc.isin(set(reg.village_codes))
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise fail(i, "village_code", f"unknown village code {vc.iloc[i]!r} for regency {reg.code}")
        out["village_code"] = vc
        out["district_code"] = vc.str.slice(0, 8)
    elif "kecamatan" in mapping:
        by_name = {
            n.lower(): c for n, c in zip(reg.districts["district_name"], reg.districts["district_code"], strict=True)
        }
        by_name.update({c: c for c in reg.district_codes})
        kc = raw[mapping["kecamatan"]].str.strip().str.lower().map(by_name)
        if kc.isna().any():
            i = int(np.flatnonzero(kc.isna().to_numpy())[0])
            raise fail(
                i, "kecamatan", f"unknown kecamatan {raw[mapping['kecamatan']].iloc[i]!r} for regency {reg.code}"
            )
        out["district_code"] = kc
    if "completed" in mapping:
        done = dates("completed", True)
        early = done.notna() & (done < out["date"])
        if early.any():
            i = int(np.flatnonzero(early.to_numpy())[0])
            raise fail(i, "completed", f"completion {raw[mapping['completed']].iloc[i]!r} is before the request date")
        out["completed"] = done
    if "channel" in mapping:
        ch = raw[mapping["channel"]].str.strip().str.lower().map(CHANNEL_ALIASES)
        if ch.isna().any():
            i = int(np.flatnonzero(ch.isna().to_numpy())[0])
            raise fail(
                i, "channel", f"unknown channel {raw[mapping['channel']].iloc[i]!r} (desa, kantor, mpp, kecamatan)"
            )
        out["channel"] = ch
    del vil
    return RequestLog(frame=out.reset_index(drop=True), source=name, dropped_columns=dropped, columns=mapping)


@dataclass(frozen=True)
class DemandFit:
    """Fitted demand: regency profile, per-village rates, monthly index (see module docstring).

    Attributes
    ----------
    profile
        Rate per 1,000 residents per year by service (index: service ids).
    village_rates
        Villages x services rates per 1,000 per year (shrunk), or None if not fitted by village.
    monthly
        Services x 12 months index (mean 1), or None if not fitted by month.
    counts
        Observed requests per service.
    meta
        Log, period, population, coverage, prior, dropped columns (written to the YAML).
    """

    profile: pd.Series
    village_rates: pd.DataFrame | None
    monthly: pd.DataFrame | None
    counts: pd.Series
    meta: dict[str, Any] = field(default_factory=dict)

    def table(self) -> pd.DataFrame:
        """Per service: observed requests, profile rate and (if fitted) the spread over villages."""
        out = pd.DataFrame({"service": list(self.profile.index), "requests": self.counts.reindex(self.profile.index)
                            .fillna(0).astype(int).to_numpy(), "rate_per_1000_per_year": self.profile.round(3).to_numpy()})  # fmt: skip
        if self.village_rates is not None:
            out["village_rate_min"] = self.village_rates.min(axis=0).round(3).to_numpy()
            out["village_rate_max"] = self.village_rates.max(axis=0).round(3).to_numpy()
        if self.monthly is not None:
            out["monthly_peak"] = self.monthly.max(axis=1).round(3).to_numpy()
        return out

    def to_dict(self) -> dict[str, Any]:
        """The demand override document (YAML-ready)."""
        doc: dict[str, Any] = {"kind": "sakera-demand-fit", "version": 1, **self.meta}
        doc["profile"] = {s: round(float(v), 4) for s, v in self.profile.items()}
        if self.village_rates is not None:
            doc["villages"] = {
                str(code): {s: round(float(v), 4) for s, v in row.items()}
                for code, row in self.village_rates.iterrows()
            }
        if self.monthly is not None:
            doc["monthly"] = {str(s): [round(float(v), 4) for v in row] for s, row in self.monthly.iterrows()}
        return doc

    def write(self, path: str | Path) -> Path:
        """Write the override YAML atomically (temp file in the target folder + rename)."""
        target = Path(path)
        if target.is_dir():
            raise SakeraInputError("is a directory", source=str(target), location="--out")
        target.parent.mkdir(parents=True, exist_ok=True)
        text = yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True, width=120)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return target


def _parse_by(by: str | Sequence[str]) -> tuple[str, ...]:
    items = [b.strip().lower() for b in (by.split(",") if isinstance(by, str) else by) if b.strip()]
    for b in items:
        if b not in BY_CHOICES:
            raise SakeraInputError(f"{b!r} is not one of {', '.join(BY_CHOICES)}", location="--by")
    if "service" not in items:
        raise SakeraInputError("rates are always per service: include 'service'", location="--by")
    return tuple(items)


def fit(
    log: RequestLog | str | Path | pd.DataFrame,
    regency: Regency | None = None,
    *,
    by: str | Sequence[str] = ("village", "service"),
    population_year: int | None = None,
    period_days: int | None = None,
    coverage: str = "log",
    prior_requests: float | None = None,
    columns: Mapping[str, str] | None = None,
) -> DemandFit:
    """Fit demand rates from a request log (module docstring).

    Parameters
    ----------
    log
        A :class:`RequestLog` or what :func:`read_log` reads.
    regency
        Villages and population (default: built-in Sampang).
    by
        ``village``, ``service``, ``month`` (comma-separated or a sequence; ``service`` required).
    population_year
        Population year for the denominators (default: the year of the log's middle day).
    period_days
        Length of the observed period (default: last date - first date + 1).
    coverage
        ``log`` (villages/kecamatan that appear in the log) or ``regency`` (all villages).
    prior_requests
        Shrinkage strength ``a`` (default: ``demand_fit_prior_requests`` of ``demand.yaml``).
    columns
        Explicit column mapping (:func:`parse_columns`).
    """
    reg = regency or Regency.sampang()
    dims = _parse_by(by)
    rl = log if isinstance(log, RequestLog) else read_log(log, reg, columns)
    df = rl.frame
    if "village" in dims and not (rl.has("village_code") or rl.has("district_code")):
        raise SakeraInputError("--by village needs a village (kode_desa) or kecamatan column", source=rl.source,
                               location="--by")  # fmt: skip
    if coverage not in ("log", "regency"):
        raise SakeraInputError(f"{coverage!r} is not 'log' or 'regency'", location="--coverage")
    days = int(period_days) if period_days is not None else int((df["date"].max() - df["date"].min()).days) + 1
    if days < 1:
        raise SakeraInputError(f"{days} must be >= 1", location="--period-days")
    years = days / 365.25
    mid = df["date"].min() + (df["date"].max() - df["date"].min()) / 2
    year = int(population_year or mid.year)
    pop = reg.population(year).astype(float)
    vil = reg.villages.set_index("village_code")
    if coverage == "regency":
        covered = pop.index
    elif rl.has("village_code"):
        covered = pd.Index(sorted(df["village_code"].unique()), name="village_code")
    elif rl.has("district_code"):
        covered = vil.index[vil["district_code"].isin(set(df["district_code"]))]
    else:
        covered = pop.index
    pop = pop.reindex(covered)
    total_pop = float(pop.sum())
    if total_pop <= 0:
        raise SakeraInputError("the covered villages have no population", source=rl.source)
    prior = float(
        prior_requests if prior_requests is not None else calibration.load("demand")["demand_fit_prior_requests"]
    )
    if not np.isfinite(prior) or prior < 0:
        raise SakeraInputError(f"{prior} must be >= 0", location="--prior")
    services = list(SERVICE_IDS)
    counts = df["service"].value_counts().reindex(services, fill_value=0).astype(int)
    profile = (counts / (total_pop * years) * 1000.0).rename("rate_per_1000_per_year")

    village_rates = None
    if "village" in dims:
        if rl.has("village_code"):
            n = pd.crosstab(df["village_code"], df["service"]).reindex(index=covered, columns=services, fill_value=0)
        else:  # kecamatan only: spread each kecamatan's requests over its villages by population
            k = pd.crosstab(df["district_code"], df["service"]).reindex(columns=services, fill_value=0)
            share = pop / pop.groupby(vil.loc[covered, "district_code"].to_numpy()).transform("sum").to_numpy()
            n = pd.DataFrame(
                k.reindex(vil.loc[covered, "district_code"]).fillna(0).to_numpy() * share.to_numpy()[:, None],
                index=covered,
                columns=services,
            )
        expected = pop.to_numpy()[:, None] * profile.to_numpy()[None, :] / 1000.0 * years
        theta = (
            (n.to_numpy(dtype=float) + prior) / (expected + prior)
            if prior > 0
            else np.divide(n.to_numpy(dtype=float), expected, out=np.ones_like(expected), where=expected > 0)
        )
        village_rates = pd.DataFrame(theta * profile.to_numpy()[None, :], index=covered, columns=services)

    monthly = None
    if "month" in dims:
        month = df["date"].dt.month.to_numpy()
        observed = pd.date_range(df["date"].min(), periods=days, freq="D")
        open_days = pd.Series(1, index=observed).groupby(observed.month).sum().reindex(range(1, 13), fill_value=0)
        m = pd.crosstab(df["service"], month).reindex(index=services, columns=range(1, 13), fill_value=0)
        per_day = m.to_numpy(dtype=float) / np.maximum(open_days.to_numpy(dtype=float), 1.0)[None, :]
        seen = open_days.to_numpy() > 0
        mean = np.where(seen[None, :], per_day, 0.0).sum(axis=1) / max(int(seen.sum()), 1)
        expected_m = mean[:, None] * open_days.to_numpy(dtype=float)[None, :]
        idx = (
            (m.to_numpy(dtype=float) + prior) / (expected_m + prior)
            if prior > 0
            else np.divide(m.to_numpy(dtype=float), expected_m, out=np.ones_like(expected_m), where=expected_m > 0)
        )
        idx = np.where(seen[None, :], idx, 1.0)
        idx = idx / idx[:, seen].mean(axis=1, keepdims=True) if seen.any() else idx
        monthly = pd.DataFrame(idx, index=services, columns=list(range(1, 13)))

    meta = {
        "log": rl.source,
        "rows": int(len(df)),
        "period": [rl.start.isoformat(), rl.end.isoformat()],
        "period_days": days,
        "regency": reg.code,
        "population_year": year,
        "population": int(total_pop),
        "coverage": coverage,
        "villages_covered": int(len(covered)),
        "by": list(dims),
        "prior_requests": prior,
        "dropped_columns": list(rl.dropped_columns),
    }
    return DemandFit(profile=profile, village_rates=village_rates, monthly=monthly, counts=counts, meta=meta)


def fit_rates(
    source: str | Path | pd.DataFrame,
    population_year: int | None = None,
    period_days: int | None = None,
    population: int | None = None,
) -> pd.DataFrame:
    """Regency-wide rates per service from a log (the table form of :func:`fit` by service).

    Returns
    -------
    pandas.DataFrame
        ``service, requests, rate_per_1000_per_year`` for every service (0 if absent); usable as
        ``FlowParams.demand_overrides`` via ``dict(zip(df.service, df.rate_per_1000_per_year))``.
        ``df.attrs`` holds ``period_days``, ``population``, ``dropped_columns``. With
        ``population`` the denominator is that many residents instead of the whole regency.
    """
    f = fit(source, by="service", population_year=population_year, period_days=period_days, coverage="regency")
    out = f.table()[["service", "requests", "rate_per_1000_per_year"]].copy()
    out["rate_per_1000_per_year"] = f.profile.to_numpy()
    if population is not None:
        if int(population) < 1:
            raise SakeraInputError(f"{population} must be >= 1", location="population")
        out["rate_per_1000_per_year"] = out["rate_per_1000_per_year"] * f.meta["population"] / int(population)
        f.meta["population"] = int(population)
    out.attrs.update(
        {
            "period_days": f.meta["period_days"],
            "population": f.meta["population"],
            "dropped_columns": f.meta["dropped_columns"],
        }
    )
    return out
