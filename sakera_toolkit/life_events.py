"""Demand by life event, and document coverage that responds to access (``docs/life-events.md``).

Citizens come because something happened: a birth, a marriage, a death, a move, reaching 16/17, a
lost card, a data correction (research notes §9.4). Each event is drawn as a Poisson stream per day
(event rate per 1,000 residents x the seasonal day weights of its lead service, from
:func:`sakera_toolkit.demand.day_weights`), placed in a village by population, and produces its
bundle of documents (``calibration/life_events.yaml``), which arrive together at one service point
and are handled in one visit. Trips and travel are then counted per visit (:func:`visit_kpis`).

Coverage: a stock of residents lacking a document (children without akta kelahiran or KIA, adults
without KTP-el recording) takes the document up at a hazard

    h_v(d) = uptake_per_year x (g_v(d) / g_ref) ** (-elasticity)

where ``g_v(d)`` is the generalised cost (round-trip cost + value of time x (travel hours +
``visit_hours``)) of the cheapest point offering the document to village ``v`` on day ``d`` (its
own desk once live, unless the document needs biometric recording) and ``g_ref`` the
population-weighted mean cost of the office. Each person in the stock carries one Exp(1) draw and
takes up on the first day the cumulative hazard reaches it, so with the same seed every uptake of a
village whose access does not change is identical (common random numbers), and more access only
brings uptakes earlier (coverage is monotone in access, pathwise).

Opt-in: ``FlowParams(life_events=LifeEventSettings(...))`` or a scenario's ``demand: {model:
life_events}``; the document-rate model of :mod:`sakera_toolkit.demand` stays the default.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numba import njit

from . import calibration
from ._sort import stable_argsort
from .demand import Requests, _place, _seed_sequence, activation_stream, day_weights
from .errors import SakeraInputError
from .services import ACTIVATION_IDS, DOCUMENT_IDS, SERVICE_IDS

if TYPE_CHECKING:  # pragma: no cover
    from .sim.flow import Replication
    from .sim.inputs import EngineInputs
    from .sim.result import SimResult

__all__ = [
    "EVENTS",
    "COVERAGE_DOCUMENTS",
    "EVENT_KINDS",
    "LifeEventSettings",
    "EventTable",
    "event_table",
    "annual_documents",
    "generate",
    "uptake_multiplier",
    "visit_kpis",
    "coverage_kpis",
    "coverage_table",
    "coverage_summary",
    "elasticity_sweep",
]

_CAL = "life_events"


def _calib() -> calibration.Calibration:
    return calibration.load(_CAL)


#: Life events, in the order of ``calibration/life_events.yaml``.
EVENTS: tuple[str, ...] = tuple(k.removeprefix("event_") for k in _calib().values if k.startswith("event_"))
#: Documents with a coverage stock.
COVERAGE_DOCUMENTS = ("akta", "kia", "ktp")
#: Event kinds of a request stream: the life events, then the backlog uptakes of each document,
#: then the SIAK activations (one request per visit, drawn as in the document-rate model).
EVENT_KINDS: tuple[str, ...] = EVENTS + tuple(f"backlog_{c}" for c in COVERAGE_DOCUMENTS) + ACTIVATION_IDS


@dataclass(frozen=True)
class LifeEventSettings:
    """Switches and overrides of the life-event model (defaults: ``calibration/life_events.yaml``).

    Attributes
    ----------
    rates
        Event -> events per 1,000 residents per year, replacing the calibrated rate.
    scale
        Multiplies every event rate (>= 0).
    coverage
        Whether the coverage stocks take documents up (backlog uptake requests).
    elasticity
        Uptake elasticity to the generalised cost (default: calibrated ``uptake_elasticity``).
    uptake
        Document (``akta``, ``kia``, ``ktp``) -> uptake hazard per year, replacing the calibrated one.
    """

    rates: dict[str, float] = field(default_factory=dict)
    scale: float = 1.0
    coverage: bool = False
    elasticity: float | None = None
    uptake: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, v in self.rates.items():
            if name not in EVENTS:
                raise SakeraInputError(f"unknown life event {name!r}; use one of {EVENTS}", location=f"rates.{name}")
            _nonneg(v, f"rates.{name}")
        for name, v in self.uptake.items():
            if name not in COVERAGE_DOCUMENTS:
                raise SakeraInputError(
                    f"unknown document {name!r}; use one of {COVERAGE_DOCUMENTS}", location=f"uptake.{name}"
                )
            _nonneg(v, f"uptake.{name}")
        _nonneg(self.scale, "scale")
        if self.elasticity is not None:
            _nonneg(self.elasticity, "elasticity")

    def elasticity_value(self) -> float:
        """The uptake elasticity in force."""
        return float(_calib()["uptake_elasticity"] if self.elasticity is None else self.elasticity)


def _nonneg(v: Any, where: str) -> None:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v) or v < 0:
        raise SakeraInputError(f"{v!r} must be a number >= 0", location=where)


@dataclass(frozen=True)
class EventTable:
    """Events as arrays: rate per 1,000 per year ``(E,)``, lead service ``(E,)``, bundles ``(E, S)``."""

    events: tuple[str, ...]
    rate_per_1000: np.ndarray
    lead: np.ndarray
    bundle: np.ndarray


def event_table(settings: LifeEventSettings | None = None) -> EventTable:
    """The calibrated events with the overrides and scale of ``settings``."""
    st = settings or LifeEventSettings()
    c = _calib()
    rate = np.zeros(len(EVENTS))
    lead = np.zeros(len(EVENTS), dtype=np.int64)
    bundle = np.zeros((len(EVENTS), len(SERVICE_IDS)))
    for i, name in enumerate(EVENTS):
        entry = c[f"event_{name}"]
        rate[i] = float(st.rates.get(name, entry["rate_per_1000"])) * float(st.scale)
        lead[i] = SERVICE_IDS.index(entry["lead"])
        for sid, n in entry["bundle"].items():
            if sid not in DOCUMENT_IDS:  # activations have their own stream (demand.activation_stream)
                raise SakeraInputError(f"a bundle holds documents, not {sid!r}", location=f"event_{name}.bundle")
            bundle[i, SERVICE_IDS.index(sid)] = float(n)
    return EventTable(EVENTS, rate, lead, bundle)


def annual_documents(settings: LifeEventSettings | None = None) -> pd.Series:
    """Expected documents per 1,000 residents per year by service from the life events (no backlog)."""
    t = event_table(settings)
    return pd.Series(t.rate_per_1000 @ t.bundle, index=list(SERVICE_IDS), name="documents_per_1000_per_year")


def _coverage_entry(doc: str) -> dict[str, Any]:
    return dict(_calib()[f"coverage_{doc}"])


def stocks(population: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per coverage document: (eligible residents, residents lacking it at day 0) per village."""
    out = {}
    for doc in COVERAGE_DOCUMENTS:
        e = _coverage_entry(doc)
        eligible = np.asarray(population, dtype=float) * float(e["eligible_share"])
        out[doc] = (eligible, np.rint(eligible * (1.0 - float(e["initial_coverage"]))).astype(np.int64))
    return out


def uptake_multiplier(inputs: EngineInputs, service: int, elasticity: float) -> np.ndarray:
    """``(days, V)`` hazard multiplier ``(g_v(d) / g_ref) ** -elasticity`` of one service."""
    from .sim.channel import DESA, KECAMATAN, MPP, OFFICE

    t = inputs.geography.trips
    vot = inputs.constants.value_of_time_idr_per_hour
    hours = float(_calib()["visit_hours"])
    gen = t.cost_idr + vot * (t.minutes / 60.0 + hours)  # (V, 4)
    pop = inputs.geography.population
    g_ref = float(np.average(gen[:, OFFICE], weights=pop)) if pop.sum() > 0 else float(gen[:, OFFICE].mean())
    days = np.arange(inputs.days, dtype=float)[:, None]
    g = np.full((inputs.days, inputs.villages), np.inf)
    if inputs.offered[service, OFFICE]:
        g = np.minimum(g, gen[None, :, OFFICE])
    if inputs.offered[service, MPP]:
        g = np.minimum(g, np.where(days >= inputs.mpp_open_day, gen[None, :, MPP], np.inf))
    if inputs.offered[service, KECAMATAN]:
        g = np.minimum(g, gen[None, :, KECAMATAN])
    if not inputs.biometric[service]:
        g = np.minimum(g, np.where(days >= inputs.go_live[None, :], gen[None, :, DESA], np.inf))
    return np.asarray((g / g_ref) ** (-float(elasticity)))


def _hour_slots(c: calibration.Calibration) -> tuple[np.ndarray, np.ndarray]:
    profile = np.asarray(c["hour_profile"], dtype=float)
    cdf = np.cumsum(profile / profile.sum())
    cdf[-1] = 1.0
    return cdf, np.concatenate([[0.0], cdf[:-1]])


def _within_day(
    day: np.ndarray, u: np.ndarray, cdf: np.ndarray, lower: np.ndarray, hours: tuple[float, float]
) -> np.ndarray:
    """Arrival instants on ``day`` from uniforms ``u`` by the hour profile (the rule of demand._place)."""
    n = len(cdf)
    slot = np.minimum(np.searchsorted(cdf, u, side="right"), n - 1)
    within = (u - lower[slot]) / (cdf[slot] - lower[slot])
    frac = (slot + within) / n
    return np.asarray(day + (hours[0] + frac * (hours[1] - hours[0])) / 24.0)


@njit(cache=True)
def _bundle_docs(bundle, kind, u, S):
    """Documents per event and service: the floor of the expected count plus a Bernoulli of its fraction.

    ``bundle[kind[i], s]`` is the expected count; ``u[i, s]`` the event's uniform for document
    service ``s`` (``u`` has one column per document service; activation columns stay 0).
    """
    m, nd = u.shape
    docs = np.zeros((m, S), np.int64)
    for i in range(m):
        k = kind[i]
        for s in range(nd):
            b = bundle[k, s]
            f = math.floor(b)
            docs[i, s] = np.int64(f) + (1 if u[i, s] < b - f else 0)
    return docs


@njit(cache=True)
def _expand_documents(per, order):
    """One row per document: the event (position in ``order``) and the service, in event order.

    ``per[j, s]`` documents of service ``s`` belong to event ``j``; events are taken in ``order``
    and their documents by ascending service.
    """
    m, S = per.shape
    total = 0
    for j in range(m):
        for s in range(S):
            total += per[j, s]
    event = np.empty(total, np.int64)
    service = np.empty(total, np.int64)
    k = 0
    for i in range(order.shape[0]):
        j = order[i]
        for s in range(S):
            for _ in range(per[j, s]):
                event[k] = i
                service[k] = s
                k += 1
    return event, service


def generate(inputs: EngineInputs, seed: int | np.random.SeedSequence | np.random.Generator | None = 0) -> Requests:
    """The request stream of ``inputs`` under the life-event model (``inputs.life_events``)."""
    st = inputs.life_events if inputs.life_events is not None else LifeEventSettings()
    c = inputs.demand_calibration
    *children, s_activation = _seed_sequence(seed).spawn(7)  # the 7th: SIAK activations only
    r_counts, r_times, r_bundle, r_uptake, r_utimes, r_backlog = (np.random.default_rng(s) for s in children)
    pop = np.asarray(inputs.geography.population, dtype=float)
    V, S = len(pop), len(SERVICE_IDS)
    w = day_weights(inputs.start_date, inputs.days, inputs.working_days, inputs.holidays, c, inputs.monthly)
    table = event_table(st)
    E = len(table.events)
    totals = table.rate_per_1000 * pop.sum() / 1000.0
    counts = r_counts.poisson(w[:, table.lead] * totals[None, :]).ravel()  # (D * E,)
    m = int(counts.sum())
    cum_pop = np.cumsum(pop) / pop.sum() if pop.sum() > 0 else np.linspace(0, 1, V)
    cdf, lower = _hour_slots(c)
    h0, h1 = inputs.work_hours
    ev_arrival, ev_village, ev_kind = _place(
        counts, E, np.ascontiguousarray(np.broadcast_to(cum_pop, (E, V))), r_counts.random(m), cdf, lower,
        r_times.random(m), float(h0), float(h1),
    )  # fmt: skip
    ev_kind = ev_kind.astype(np.int64)
    # bundles: floor of the expected count + a Bernoulli of its fraction, per event and service
    # one uniform per event and document service (not per activation column: bundles hold documents
    # only, and the draws must not depend on how many activation types exist)
    nd = len(DOCUMENT_IDS)
    docs = _bundle_docs(table.bundle, ev_kind, r_bundle.random((m, nd)), S)  # (m, S)
    arrivals, villages, kinds, services_per = [ev_arrival], [ev_village.astype(np.int64)], [ev_kind], [docs]
    if st.coverage:
        elasticity = st.elasticity_value()
        for ci, (doc, (_, lacking)) in enumerate(stocks(pop).items()):
            entry = _coverage_entry(doc)
            s = SERVICE_IDS.index(entry["service"])
            hazard = float(st.uptake.get(doc, entry["uptake_per_year"]))
            cum = np.cumsum(hazard * uptake_multiplier(inputs, s, elasticity) * w[:, s][:, None], axis=0)  # (D, V)
            # one hazard draw and one time-of-day uniform per person in the stock, used or not, so
            # a village's uptakes do not depend on any other village's access (common random numbers)
            draws = r_uptake.exponential(1.0, int(lacking.sum()))
            u_all = r_utimes.random(int(lacking.sum()))
            bounds = np.concatenate([[0], np.cumsum(lacking)])
            day_parts, vill_parts, u_parts = [], [], []
            for v in range(V):
                d = np.searchsorted(cum[:, v], draws[bounds[v] : bounds[v + 1]], side="left")
                keep = d < inputs.days
                day_parts.append(d[keep])
                u_parts.append(u_all[bounds[v] : bounds[v + 1]][keep])
                vill_parts.append(np.full(int(keep.sum()), v, dtype=np.int64))
            day = np.concatenate(day_parts).astype(float)
            u = np.concatenate(u_parts)
            arrivals.append(_within_day(day, u, cdf, lower, (float(h0), float(h1))))
            villages.append(np.concatenate(vill_parts))
            kinds.append(np.full(len(day), E + ci, dtype=np.int64))
            one = np.zeros((len(day), S), dtype=np.int64)
            one[:, s] = 1
            services_per.append(one)
    # SIAK activations: the rates of inputs.rate (as in the document-rate model), own stream
    rv = (
        inputs.rate.reindex(index=list(inputs.village_codes), columns=list(SERVICE_IDS)).fillna(0.0)
        if isinstance(inputs.rate, pd.DataFrame)
        else inputs.rate.reindex(list(SERVICE_IDS)).fillna(0.0)
    ).to_numpy(dtype=float)
    act_a, act_v, act_s = activation_stream(rv[..., nd:], pop, w[:, nd:], s_activation, c, (float(h0), float(h1)))
    if len(act_a):
        arrivals.append(act_a)
        villages.append(act_v.astype(np.int64))
        kinds.append(E + len(COVERAGE_DOCUMENTS) + act_s.astype(np.int64))
        one = np.zeros((len(act_a), S), dtype=np.int64)
        one[np.arange(len(act_a)), nd + act_s.astype(np.int64)] = 1
        services_per.append(one)
    a = np.concatenate(arrivals)
    order = stable_argsort(a)
    a, vil, kind = a[order], np.concatenate(villages)[order], np.concatenate(kinds)[order]
    event, service = _expand_documents(np.concatenate(services_per), order)
    arrival, village, kind_doc = a[event], vil[event], kind[event]
    backlog = np.zeros(len(arrival), dtype=bool)
    nb = int(inputs.initial_backlog)
    if nb:  # files already at the back office: single documents in proportion to the expected mix
        mix = table.rate_per_1000 @ table.bundle
        bs = r_backlog.choice(S, size=nb, p=mix / mix.sum())
        bv = np.minimum(np.searchsorted(cum_pop, r_backlog.random(nb), side="right"), V - 1)
        first = len(a)
        arrival = np.concatenate([np.zeros(nb), arrival])
        village = np.concatenate([bv, village])
        service = np.concatenate([bs, service])
        event = np.concatenate([first + np.arange(nb), event])
        kind_doc = np.concatenate([np.full(nb, -1), kind_doc])
        backlog = np.concatenate([np.ones(nb, dtype=bool), backlog])
    return Requests(
        arrival=arrival.astype(np.float64, copy=False),
        village=village.astype(np.int32, copy=False),
        service=service.astype(np.int8, copy=False),
        backlog=backlog,
        village_codes=tuple(inputs.village_codes),
        event=event,
        kind=kind_doc.astype(np.int16),
    )


# -- KPIs -----------------------------------------------------------------------------------------
def visit_kpis(rep: Replication, inputs: EngineInputs, window: np.ndarray) -> dict[str, float]:
    """Trips and travel counted per visit: one visit = the documents of one event at one point.

    A visit's desk trips are the most desk visits any of its documents needed (they come back
    together); its pick-up trips are the distinct days on which its documents were collected. The
    office-only baseline counts the same way (cards collected at the office). Keys replace the
    per-document trip KPIs of :func:`~sakera_toolkit.sim.kpi.replication_kpis`.
    """
    from .sim.channel import DESA, OFFICE
    from .sim.stages import picks_up

    req, oc, dl = rep.requests, rep.outcome, rep.delivery
    assert req.event is not None
    w = np.asarray(window) & ~req.backlog
    idx = np.flatnonzero(w)
    n_docs = len(idx)
    ch = rep.channel[idx].astype(np.int64)
    ev = req.event[idx].astype(np.int64)
    if ev.size > 1 and not bool((ev[1:] >= ev[:-1]).all()):  # the visit kernels rely on it
        raise AssertionError("life events: documents are not in event order (generate() emits them so)")
    first, inv = _visit_groups(ev, ch)
    G = len(first)
    desk_visits = np.zeros(G, dtype=np.int64)
    np.maximum.at(desk_visits, inv, rep.desk.visits[idx].astype(np.int64))
    completed = oc.code[idx] == 0
    card = rep.output.card[idx]
    day = np.floor(np.where(completed, dl.ready[idx], 0.0)).astype(np.int64)

    pick = completed & picks_up(inputs, req.service[idx].astype(np.int64), ch, card)
    trips = desk_visits + _distinct_days(ev, inv, day, pick, G)
    base = desk_visits + _distinct_days(ev, inv, day, completed & card, G)
    v = req.village[idx][first].astype(np.int64)
    cg = ch[first]
    t = inputs.geography.trips
    k: dict[str, float] = {}
    k["visits"] = int(G)
    k["documents_per_visit"] = float(n_docs / G) if G else float("nan")
    k["trips_total_per_document"] = int(oc.trips[idx].sum())
    k["trips_total"] = int(trips.sum())
    k["trips_per_visit"] = float(trips.sum() / G) if G else float("nan")
    k["trips_per_request"] = float(trips.sum() / max(n_docs, 1))
    k["outside_trips"] = int(trips[cg != DESA].sum())
    k["travel_hours"] = float((trips * t.minutes[v, cg]).sum() / 60.0)
    k["travel_km"] = float((trips * t.km[v, cg]).sum())
    k["travel_cost_idr"] = float((trips * t.cost_idr[v, cg]).sum())
    k["office_only_trips"] = int(base.sum())
    k["office_only_travel_hours"] = float((base * t.minutes[v, OFFICE]).sum() / 60.0)
    k["office_only_travel_km"] = float((base * t.km[v, OFFICE]).sum())
    k["office_only_travel_cost_idr"] = float((base * t.cost_idr[v, OFFICE]).sum())
    k["outside_trips_saved"] = k["office_only_trips"] - k["outside_trips"]
    k["travel_hours_saved"] = k["office_only_travel_hours"] - k["travel_hours"]
    k["travel_km_saved"] = k["office_only_travel_km"] - k["travel_km"]
    k["travel_cost_saved_idr"] = k["office_only_travel_cost_idr"] - k["travel_cost_idr"]
    k["travel_hours_per_visit"] = float(k["travel_hours"] / G) if G else float("nan")
    return k


@njit(cache=True)
def _visit_groups(event, channel):
    """Visits: the documents of one event at one service point.

    ``event`` is non-decreasing. Returns the index of each visit's first document and each
    document's visit number; visits are numbered by (event, channel), as a sort of the pair would.
    """
    n = event.shape[0]
    inv = np.empty(n, np.int64)
    first = np.empty(n, np.int64)
    g = 0
    lo = 0
    while lo < n:
        hi = lo
        while hi < n and event[hi] == event[lo]:
            hi += 1
        prev = np.int64(-1)  # channels of this event are numbered in ascending order
        while True:
            c = prev
            for i in range(lo, hi):
                if channel[i] > prev and (c == prev or channel[i] < c):
                    c = channel[i]
            if c == prev:
                break
            first[g] = -1
            for i in range(lo, hi):
                if channel[i] == c:
                    if first[g] < 0:
                        first[g] = i
                    inv[i] = g
            g += 1
            prev = c
        lo = hi
    return first[:g].copy(), inv


@njit(cache=True)
def _distinct_days(event, visit, day, mask, G):
    """Per visit, the distinct days among its documents where ``mask`` holds (pick-up trips)."""
    out = np.zeros(G, np.int64)
    n = event.shape[0]
    lo = 0
    while lo < n:
        hi = lo
        while hi < n and event[hi] == event[lo]:
            hi += 1
        for i in range(lo, hi):
            if not mask[i]:
                continue
            seen = False
            for k in range(lo, i):
                if mask[k] and visit[k] == visit[i] and day[k] == day[i]:
                    seen = True
                    break
            if not seen:
                out[visit[i]] += 1
        lo = hi
    return out


def _completed_uptakes(rep: Replication, ci: int) -> np.ndarray:
    req = rep.requests
    assert req.kind is not None
    return np.asarray((req.kind == len(EVENTS) + ci) & (rep.outcome.code == 0))


def coverage_kpis(rep: Replication, inputs: EngineInputs) -> dict[str, float]:
    """Regency coverage of each document at day 0 and at the end (closed day-0 cohort)."""
    k: dict[str, float] = {}
    req = rep.requests
    assert req.kind is not None
    for ci, (doc, (eligible, lacking)) in enumerate(stocks(inputs.geography.population).items()):
        total = float(eligible.sum())
        held0 = total - float(lacking.sum())
        done = int(_completed_uptakes(rep, ci).sum())
        k[f"coverage_{doc}_start"] = held0 / total if total > 0 else float("nan")
        k[f"coverage_{doc}_end"] = (held0 + done) / total if total > 0 else float("nan")
        k[f"coverage_requests_{doc}"] = int((req.kind == len(EVENTS) + ci).sum())
    return k


def coverage_table(result: SimResult) -> pd.DataFrame:
    """Coverage by replication x kecamatan x month x document (end of month; closed day-0 cohort)."""
    inputs = result.inputs
    geo = inputs.geography
    months = pd.period_range(pd.Timestamp(inputs.start_date), periods=None,
                             end=pd.Timestamp(inputs.start_date) + pd.Timedelta(days=inputs.days - 1), freq="M")  # fmt: skip
    month_end_day = np.array(
        [min((m.end_time.normalize() - pd.Timestamp(inputs.start_date)).days + 1, inputs.days) for m in months]
    )
    K = len(geo.district_codes)
    rows = []
    st = stocks(geo.population)
    for rep in result.replications:
        for ci, (doc, (eligible, lacking)) in enumerate(st.items()):
            elig_k = np.bincount(geo.district_of, weights=eligible, minlength=K)
            held_k = elig_k - np.bincount(geo.district_of, weights=lacking.astype(float), minlength=K)
            done = _completed_uptakes(rep, ci)
            exit_day = rep.outcome.exit[done]
            dist = geo.district_of[rep.requests.village[done].astype(np.int64)]
            for mi, m in enumerate(months):
                got = np.bincount(dist[exit_day < month_end_day[mi]], minlength=K)
                cov = np.divide(held_k + got, elig_k, out=np.full(K, np.nan), where=elig_k > 0)
                for kk in range(K):
                    rows.append((rep.index, geo.district_codes[kk], str(m), doc, float(cov[kk])))
    return pd.DataFrame(rows, columns=["replication", "district_code", "month", "document", "coverage"])


def coverage_summary(result: SimResult) -> pd.DataFrame:
    """Mean coverage by kecamatan x month x document with a 95 % CI (Student t over replications)."""
    from scipy import stats  # type: ignore[import-untyped]  # scipy ships no type hints

    t = coverage_table(result)
    g = t.groupby(["district_code", "month", "document"], sort=True)["coverage"]
    out = g.agg(mean="mean", sd="std", replications="size").reset_index()
    n = out["replications"].to_numpy(dtype=float)
    q = np.where(n > 1, stats.t.ppf(0.975, np.maximum(n - 1, 1)), np.nan)
    half = q * out["sd"].to_numpy(dtype=float) / np.sqrt(n)
    out["ci95_low"] = out["mean"] - half
    out["ci95_high"] = out["mean"] + half
    return out.drop(columns="sd")


def elasticity_sweep(
    inputs: EngineInputs, elasticities: tuple[float, ...] = (0.0, 0.25, 0.5, 1.0), seed: int = 0, replications: int = 2
) -> pd.DataFrame:
    """Coverage KPIs at each uptake elasticity (same seed, so the runs are paired)."""
    import dataclasses

    from .sim.flow import run

    base = inputs.life_events if inputs.life_events is not None else LifeEventSettings()
    rows = []
    for e in elasticities:
        st = dataclasses.replace(base, coverage=True, elasticity=float(e))
        res = run(dataclasses.replace(inputs, life_events=st), seed=seed, replications=replications)
        cols = [c for c in res.kpis.columns if c.startswith("coverage_")]
        summary = res.kpis[cols].mean()
        rows.append({"elasticity": float(e), **{c: float(summary[c]) for c in cols}})
    return pd.DataFrame(rows)
