"""Request streams per village x service: rates, hour/day/season profiles, holidays, backlog.

Rates are requests per 1,000 registered residents per year per service (``calibration/demand.yaml``,
each with its source). For every calendar year touched by the horizon, the annual volume of a
service is spread over that year's open days in proportion to

    weekday_profile[weekday] x seasonal multipliers (school months, post-Lebaran, pre-election)

and is zero on closed days (weekends, holidays): demand that would fall on a holiday moves to the
other open days of the year. Counts are Poisson per day x village x service (drawn by Poisson
splitting: a Poisson count per day x service, each request placed in a village with probability
proportional to its population), times within the day follow ``hour_profile`` over the opening
hours.

The arrival stream depends only on the demand inputs and the seed, never on which villages are
live, so two scenarios run with the same seed see the same requests (common random numbers).

SIAK activations (:data:`~sakera_toolkit.services.ACTIVATION_IDS`: Aktivasi IKD, Aktivasi NIK)
are an uptake of a stock of residents (``rate_aktivasi_*`` = 1,000 x stock share x uptake per
year, ``calibration/demand.yaml``). They are drawn by the same law from their own child of the
seed (:func:`activation_stream`), so the requests of every document service are the same for a
seed with or without them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from numba import njit

from . import calibration
from ._sort import stable_argsort
from .errors import SakeraInputError
from .services import ACTIVATION_IDS, DOCUMENT_IDS, SERVICE_IDS

__all__ = [
    "SERVICE_IDS",
    "Requests",
    "rates",
    "day_weights",
    "generate",
    "from_params",
    "read_fitted",
    "params_rates",
    "Fitted",
    "as_generator",
    "activation_stream",
    "rate_value",
]


def as_generator(seed: int | np.random.SeedSequence | np.random.Generator | None) -> np.random.Generator:
    """A numpy Generator from an int, a SeedSequence or a Generator (returned unchanged)."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


def rates(
    overrides: dict[str, float] | None = None, scale: float = 1.0, calib: calibration.Calibration | None = None
) -> pd.Series:
    """Requests per 1,000 residents per year for each service (calibrated, overridden, scaled)."""
    c = calib or calibration.load("demand")
    out = pd.Series({s: rate_value(c, s) for s in SERVICE_IDS}, name="rate_per_1000_per_year")
    for sid, value in (overrides or {}).items():
        if sid not in SERVICE_IDS:
            raise SakeraInputError(f"unknown service {sid!r}", location="demand_overrides")
        if not np.isfinite(value) or value < 0:
            raise SakeraInputError(f"rate {value!r} must be >= 0", location=f"demand_overrides[{sid!r}]")
        out[sid] = float(value)
    if not np.isfinite(scale) or scale < 0:
        raise SakeraInputError(f"scale {scale!r} must be >= 0", location="demand_scale")
    return out * float(scale)


def rate_value(c: calibration.Calibration, service: str) -> float:
    """The calibrated rate per 1,000 residents per year of ``service``.

    A number, or for a stock uptake ``{stock: <key>, uptake_per_year: u}``: 1,000 x the share of
    residents in the stock (the calibration entry ``<key>``) x ``u``.
    """
    value = c[f"rate_{service}"]
    if isinstance(value, dict):
        return 1000.0 * float(c[str(value["stock"])]) * float(value["uptake_per_year"])
    return float(value)


def _dates(c: calibration.Calibration, key: str) -> np.ndarray:
    return np.array([np.datetime64(str(d)) for d in c[key]], dtype="datetime64[D]")


def _season(days: np.ndarray, c: calibration.Calibration) -> np.ndarray:
    """Seasonal multipliers ``(len(days), n_services)`` for datetime64[D] ``days``."""
    mult = np.ones((len(days), len(SERVICE_IDS)))
    months = (days.astype("datetime64[M]").astype(int) % 12) + 1
    school = np.isin(months, np.asarray(c["school_months"], dtype=int))
    cols = np.array([SERVICE_IDS.index(s) for s in c["school_services"]], dtype=np.intp)
    mult[np.ix_(school, cols)] *= float(c["school_multiplier"])
    leb = _dates(c, "lebaran_dates")
    surge = np.zeros(len(days), dtype=bool)
    for d in leb:
        delta = (days - d).astype(int)
        surge |= (delta >= 0) & (delta < int(c["lebaran_surge_days"]))
    mult[surge] *= float(c["lebaran_multiplier"])
    el = _dates(c, "election_dates")
    pre = np.zeros(len(days), dtype=bool)
    for d in el:
        delta = (d - days).astype(int)
        pre |= (delta > 0) & (delta <= int(c["election_lead_days"]))
    cols = np.array([SERVICE_IDS.index(s) for s in c["election_services"]], dtype=np.intp)
    mult[np.ix_(pre, cols)] *= float(c["election_multiplier"])
    return mult


def _open_days(days: np.ndarray, working_days, holidays) -> np.ndarray:
    weekday = (days.astype(int) + 3) % 7  # 1970-01-01 was a Thursday
    hol = (
        np.array([np.datetime64(d.isoformat()) for d in holidays], dtype="datetime64[D]")
        if holidays
        else np.array([], "datetime64[D]")
    )
    return np.isin(weekday, np.asarray(working_days, dtype=int)) & ~np.isin(days, hol)


def day_weights(
    start_date: dt.date,
    days: int,
    working_days=(0, 1, 2, 3, 4),
    holidays=(),
    calib: calibration.Calibration | None = None,
    monthly: np.ndarray | None = None,
) -> np.ndarray:
    """Share of a service's annual volume falling on each day, shape ``(days, n_services)``.

    Each calendar year's weights (over its open days) sum to 1 per service. ``monthly``
    (services x 12, e.g. fitted from a log) replaces the calibrated seasonal multipliers.
    """
    c = calib or calibration.load("demand")
    first = np.datetime64(start_date.isoformat())
    horizon = first + np.arange(days)
    out = np.zeros((days, len(SERVICE_IDS)))
    years = np.unique(horizon.astype("datetime64[Y]"))
    profile = np.asarray(c["weekday_profile"], dtype=float)
    for y in years:
        year_days = np.arange(y.astype("datetime64[D]"), (y + 1).astype("datetime64[D]"))
        weekday = (year_days.astype(int) + 3) % 7
        season = (
            _season(year_days, c)
            if monthly is None
            else np.asarray(monthly, dtype=float).T[(year_days.astype("datetime64[M]").astype(int) % 12)]
        )
        w = (profile[weekday] * _open_days(year_days, working_days, holidays))[:, None] * season
        total = w.sum(axis=0)
        w = np.divide(w, total, out=np.zeros_like(w), where=total > 0)
        idx = (year_days - first).astype(int)
        keep = (idx >= 0) & (idx < days)
        out[idx[keep]] = w[keep]
    return out


@dataclass
class Requests:
    """A request stream: parallel numpy arrays sorted by arrival.

    Attributes
    ----------
    arrival
        Days from midnight of ``start_date`` (float64).
    village
        Index into ``village_codes`` (int32).
    service
        Index into ``SERVICE_IDS`` (int8).
    backlog
        True for the initial backlog (files already waiting at the back office at day 0).
    village_codes
        The village codes the indexes refer to.
    event
        Life-event model only (:mod:`sakera_toolkit.life_events`): index of the event whose bundle
        the request belongs to (documents of one event are handled in one visit); None otherwise.
    kind
        Life-event model only: index into :data:`sakera_toolkit.life_events.EVENT_KINDS`.
    """

    arrival: np.ndarray
    village: np.ndarray
    service: np.ndarray
    backlog: np.ndarray
    village_codes: tuple[str, ...]
    event: np.ndarray | None = None
    kind: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.arrival)

    def to_frame(self, start_date: dt.date | None = None) -> pd.DataFrame:
        """One row per request (``arrival`` in days, ``service`` and ``village_code`` as text)."""
        df = pd.DataFrame(
            {
                "arrival": self.arrival,
                "service": pd.Categorical.from_codes(self.service.astype(np.int64), categories=pd.Index(SERVICE_IDS)),
                "village_code": pd.Categorical.from_codes(
                    self.village.astype(np.int64), categories=pd.Index(self.village_codes)
                ),
                "backlog": self.backlog,
            }
        )
        if start_date is not None:
            df["arrival_time"] = pd.Timestamp(start_date) + pd.to_timedelta(self.arrival, unit="D")
        return df


def generate(
    start_date: dt.date,
    days: int,
    *,
    seed: int | np.random.SeedSequence | np.random.Generator | None = 0,
    population: pd.Series | None = None,
    population_year: int | None = None,
    rate: pd.Series | pd.DataFrame | None = None,
    working_days=(0, 1, 2, 3, 4),
    work_hours: tuple[float, float] = (8.0, 14.0),
    holidays=None,
    initial_backlog: int = 0,
    calib: calibration.Calibration | None = None,
    monthly: np.ndarray | None = None,
) -> Requests:
    """Draw the request stream for ``days`` days from ``start_date``.

    Parameters
    ----------
    start_date, days
        First day and length of the horizon.
    seed
        Int, SeedSequence or Generator; the same seed gives the same stream.
    population_year
        Registry year when ``population`` is not given (default: the year of ``start_date``).
    calib
        Demand calibration (default: packaged ``demand.yaml``).
    population
        Residents per village (index ``village_code``); default: registry for ``population_year``.
    rate
        Rates per 1,000 residents per year: per service (Series, default :func:`rates`) or per
        village and service (DataFrame indexed by village code, e.g. :attr:`Fitted.village_rates`).
    monthly
        Optional services x 12 monthly index replacing the calibrated seasonality.
    working_days, work_hours, holidays
        The service calendar; arrivals fall only on open days, within opening hours.
    initial_backlog
        Files already waiting for back-office verification at day 0 (arrival 0).
    """
    c = calib or calibration.load("demand")
    if population is None:
        from .registry import village_population

        population = village_population(population_year or start_date.year)
    if holidays is None:
        holidays = [dt.date.fromisoformat(str(d)) for d in c["holidays"]]
    rate = rates(calib=c) if rate is None else rate
    if int(initial_backlog) < 0:
        raise SakeraInputError("must be >= 0", location="initial_backlog")
    # children 0-2: the document services (as before the activations existed); child 3: activations
    s_counts, s_times, s_backlog, s_activation = _seed_sequence(seed).spawn(4)
    rng_counts, rng_times, rng_backlog = (np.random.default_rng(s) for s in (s_counts, s_times, s_backlog))
    codes = tuple(population.index)
    pop = population.to_numpy(dtype=float)
    rv: np.ndarray  # (S,) for every village, or (V, S) per village
    if isinstance(rate, pd.DataFrame):
        rv = rate.reindex(index=list(codes), columns=list(SERVICE_IDS)).fillna(0.0).to_numpy(dtype=float)
    else:
        rv = rate.reindex(list(SERVICE_IDS)).fillna(0.0).to_numpy(dtype=float)
    w = day_weights(start_date, days, working_days, holidays, c, monthly)  # (D, S)
    nd = len(DOCUMENT_IDS)
    arrival, village, service = _draw(rv[..., :nd], pop, w[:, :nd], rng_counts, rng_times, c, work_hours)
    annual = pop[:, None] / 1000.0 * (rv[:, :nd] if rv.ndim == 2 else rv[None, :nd])  # (V, documents)
    a2, v2, s2 = activation_stream(rv[..., nd:], pop, w[:, nd:], s_activation, c, work_hours)
    if len(a2):
        order = _merge_order(arrival, a2)  # = stable_argsort of the concatenation (both are sorted)
        arrival = np.concatenate([arrival, a2])[order]
        village = np.concatenate([village, v2])[order]
        service = np.concatenate([service, s2 + nd])[order]
    backlog = np.zeros(len(arrival), dtype=bool)
    nb = int(initial_backlog)
    if nb:
        # files waiting at the back office: documents only (an activation has no back office)
        weight = annual.ravel() / annual.sum()
        pick = rng_backlog.choice(weight.size, size=nb, p=weight)
        bv, bs = np.divmod(pick, nd)
        arrival = np.concatenate([np.zeros(nb), arrival])
        village = np.concatenate([bv, village])
        service = np.concatenate([bs, service])
        backlog = np.concatenate([np.ones(nb, dtype=bool), backlog])
    return Requests(
        arrival=arrival.astype(np.float64, copy=False),
        village=village.astype(np.int32, copy=False),
        service=service.astype(np.int8, copy=False),
        backlog=backlog,
        village_codes=codes,
    )


def _draw(
    rate: np.ndarray,
    pop: np.ndarray,
    w: np.ndarray,
    rng_counts: np.random.Generator,
    rng_times: np.random.Generator,
    c: calibration.Calibration,
    work_hours: tuple[float, float],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Arrival, village and (local) service index of the requests of ``rate``'s services.

    ``rate``: per 1,000 per year, ``(S',)`` for every village or ``(V, S')`` per village; ``w``:
    their day weights ``(D, S')``.
    """
    n_s = rate.shape[-1]
    if rate.ndim == 2:  # per village x service
        annual = pop[:, None] / 1000.0 * rate  # (V, S')
        # Poisson splitting: a Poisson count per day x service, each request then placed in a
        # village with probability proportional to its rate there (same law as independent cells).
        totals = annual.sum(axis=0)  # (S',)
        col = annual.sum(axis=0, keepdims=True)
        flat = np.linspace(0, 1, len(pop))[:, None]
        cum = np.where(col > 0, np.cumsum(annual, axis=0) / np.where(col > 0, col, 1.0), flat).T.copy()  # (S', V)
    else:
        totals = rate * pop.sum() / 1000.0  # (S',)
        cum_pop = np.cumsum(pop) / pop.sum() if pop.sum() > 0 else np.linspace(0, 1, len(pop))
        cum = np.broadcast_to(cum_pop, (n_s, len(pop)))
    counts = rng_counts.poisson(w * totals[None, :]).ravel()  # (D * S',)
    m = int(counts.sum())
    u_village = rng_counts.random(m)
    profile = np.asarray(c["hour_profile"], dtype=float)
    cdf = np.cumsum(profile / profile.sum())
    cdf[-1] = 1.0
    lower = np.concatenate([[0.0], cdf[:-1]])
    h0, h1 = work_hours
    arrival, village, service = _place(
        counts, n_s, np.ascontiguousarray(cum), u_village, cdf, lower, rng_times.random(m), float(h0), float(h1)
    )
    return arrival, village, service


def activation_stream(
    rate: np.ndarray,
    pop: np.ndarray,
    w: np.ndarray,
    seed: np.random.SeedSequence,
    c: calibration.Calibration,
    work_hours: tuple[float, float],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The SIAK activation requests (:data:`~sakera_toolkit.services.ACTIVATION_IDS`), own stream.

    Same law as the document services (Poisson per day x service, placed by population, hour
    profile), drawn from ``seed`` alone (split into counts and times), so adding or changing the
    activations never moves a document request. ``rate`` ``(A,)`` or ``(V, A)`` and ``w``
    ``(D, A)`` are the activations' columns; the service index returned is into ``ACTIVATION_IDS``.
    Used by both demand models (here and :func:`sakera_toolkit.life_events.generate`).
    """
    if rate.shape[-1] != len(ACTIVATION_IDS):
        raise SakeraInputError(f"expected {len(ACTIVATION_IDS)} activation rates", location="rate")
    r_counts, r_times = (np.random.default_rng(s) for s in seed.spawn(2))
    return _draw(rate, pop, w, r_counts, r_times, c, work_hours)


@njit(cache=True)
def _merge_order(a, b):
    """Order of ``concatenate([a, b])`` merging two sorted arrays, ``a`` first on ties (stable)."""
    na, nb = a.shape[0], b.shape[0]
    out = np.empty(na + nb, dtype=np.int64)
    i = j = 0
    for k in range(na + nb):
        if j >= nb or (i < na and a[i] <= b[j]):
            out[k] = i
            i += 1
        else:
            out[k] = na + j
            j += 1
    return out


@njit(cache=True)
def _place(counts, n_services, cum_pop, u_village, cdf, lower, u_time, h0, h1):
    """Village, service and arrival time of every request, sorted by arrival (stable).

    ``counts`` are the Poisson counts per (day, service) cell, day-major; request ``c`` (in cell
    order) lives in the village where ``u_village[c]`` falls in ``cum_pop[s]`` and arrives at the time
    where ``u_time[c]`` falls in the hour-profile ``cdf`` (uniform inside the slot).
    """
    m = u_village.shape[0]
    n_villages = cum_pop.shape[1]
    n_slots = cdf.shape[0]
    arrival = np.empty(m, dtype=np.float64)
    village = np.empty(m, dtype=np.int32)
    service = np.empty(m, dtype=np.int8)
    c = 0
    for cell in range(counts.shape[0]):
        day = cell // n_services
        s = cell - day * n_services
        row = cum_pop[s]  # one view per cell (a view per request costs more than the search)
        for _ in range(counts[cell]):
            village[c] = min(np.searchsorted(row, u_village[c], side="right"), n_villages - 1)
            service[c] = s
            u = u_time[c]
            slot = min(np.searchsorted(cdf, u, side="right"), n_slots - 1)
            within = (u - lower[slot]) / (cdf[slot] - lower[slot])  # uniform inside the slot
            frac = (slot + within) / n_slots
            arrival[c] = day + (h0 + frac * (h1 - h0)) / 24.0
            c += 1
    order = stable_argsort(arrival)
    return arrival[order], village[order], service[order]


def _seed_sequence(seed) -> np.random.SeedSequence:
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, np.random.Generator):
        return np.random.SeedSequence(int(seed.integers(0, 2**63)))
    return np.random.SeedSequence(seed)


def params_rates(params) -> tuple[pd.Series | pd.DataFrame, np.ndarray | None]:
    """Rates (per service, or per village x service) and monthly index of a ``FlowParams``.

    Without ``demand_fitted``: the calibrated rates with ``demand_overrides`` and ``demand_scale``.
    With it: the fit's village rates (the profile for villages it did not cover), then the same
    overrides and scale, and the fit's monthly index (None if it has none).
    """
    fitted_file = getattr(params, "demand_fitted", None)
    if not fitted_file:
        return rates(params.demand_overrides, params.demand_scale, params.demand_calibration()), None
    fitted = read_fitted(fitted_file)
    return fitted.rates_for(params.village_codes(), params.demand_overrides, params.demand_scale), fitted.monthly


def from_params(params, seed: int | np.random.SeedSequence | np.random.Generator | None = 0) -> Requests:
    """The request stream of a :class:`~sakera_toolkit.sim.FlowParams`."""
    calib = params.demand_calibration()
    rate, monthly = params_rates(params)
    return generate(
        params.start_date,
        params.days,
        seed=seed,
        population=params.regency.population(params.population_year),
        rate=rate,
        calib=calib,
        monthly=monthly,
        working_days=params.working_days,
        work_hours=params.work_hours,
        holidays=params.holidays,
        initial_backlog=params.initial_backlog,
    )


@dataclass(frozen=True)
class Fitted:
    """A demand override fitted from a request log (written by ``sakera demand fit``).

    Attributes
    ----------
    profile
        Rate per 1,000 residents per year by service (the regency profile of the log).
    village_rates
        Villages x services rates (shrunk toward the profile), or None.
    monthly
        Services x 12 monthly index (mean 1), or None.
    source
        The file it was read from.
    """

    profile: pd.Series
    village_rates: pd.DataFrame | None
    monthly: np.ndarray | None
    source: str

    def rates_for(self, codes, overrides: dict[str, float] | None = None, scale: float = 1.0) -> pd.DataFrame:
        """Villages x services rates for ``codes``: fitted village rates, else the profile.

        Villages the fit did not cover take the profile; ``overrides`` replace a service's rate
        everywhere; ``scale`` multiplies all.
        """
        base = pd.DataFrame(np.tile(self.profile.reindex(list(SERVICE_IDS)).fillna(0.0).to_numpy(), (len(codes), 1)),
                            index=list(codes), columns=list(SERVICE_IDS))  # fmt: skip
        if self.village_rates is not None:
            known = [c for c in codes if c in self.village_rates.index]
            base.loc[known] = self.village_rates.reindex(index=known, columns=list(SERVICE_IDS)).fillna(0.0).to_numpy()
        for sid, value in (overrides or {}).items():
            base[sid] = float(value)
        return base * float(scale)


def read_fitted(path: str | Path) -> Fitted:
    """Read a demand override YAML (``kind: sakera-demand-fit``); errors name the file and field."""
    from ._io import read_yaml

    name = str(path)
    doc = read_yaml(path)
    if not isinstance(doc, dict) or doc.get("kind") != "sakera-demand-fit":
        raise SakeraInputError("not a demand fit (expected kind: sakera-demand-fit)", source=name, location="kind")

    def rates_of(raw, where: str) -> pd.Series:
        if not isinstance(raw, dict):
            raise SakeraInputError("must map service ids to rates", source=name, location=where)
        out = {}
        for sid, v in raw.items():
            if sid not in SERVICE_IDS:
                raise SakeraInputError(f"unknown service {sid!r}", source=name, location=f"{where}.{sid}")
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v) or v < 0:
                raise SakeraInputError(f"{v!r} must be a rate >= 0", source=name, location=f"{where}.{sid}")
            out[sid] = float(v)
        return pd.Series(out, dtype=float).reindex(list(SERVICE_IDS)).fillna(0.0)

    profile = rates_of(doc.get("profile"), "profile")
    village_rates = None
    if doc.get("villages") is not None:
        if not isinstance(doc["villages"], dict):
            raise SakeraInputError("must map village codes to rates", source=name, location="villages")
        village_rates = pd.DataFrame({str(c): rates_of(r, f"villages.{c}") for c, r in doc["villages"].items()}).T
    monthly = None
    if doc.get("monthly") is not None:
        m = doc["monthly"]
        if not isinstance(m, dict):
            raise SakeraInputError("must map service ids to 12 monthly values", source=name, location="monthly")
        monthly = np.ones((len(SERVICE_IDS), 12))
        for sid, row in m.items():
            if sid not in SERVICE_IDS:
                raise SakeraInputError(f"unknown service {sid!r}", source=name, location=f"monthly.{sid}")
            arr = np.asarray(row, dtype=float) if isinstance(row, list) else np.array([])
            if arr.shape != (12,) or not np.isfinite(arr).all() or (arr < 0).any():
                raise SakeraInputError("needs 12 values >= 0", source=name, location=f"monthly.{sid}")
            monthly[SERVICE_IDS.index(sid)] = arr
    return Fitted(profile=profile, village_rates=village_rates, monthly=monthly, source=name)
