"""The service flow of one regency, entry point :func:`run`.

Village desks and counters -> upload -> back-office verification -> TTE signing -> printing ->
delivery.

Each stage is a vectorised numpy computation or a compiled kernel over all requests at once
(:mod:`.kernel`, :mod:`.printing`); there is no per-event Python object. See ``docs/model.md``.
"""

from __future__ import annotations

import ctypes
import os
import sys
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
from numba import njit

from .. import demand
from ..regency import Regency
from .calendars import build_calendars, draw_outages
from .channel import CHANNELS, DESA, KECAMATAN, MPP, OFFICE, ChannelPolicy, TripCosts
from .kernel import Rounds, _add_work, _next_open, serve_rows, visit_summary
from .params import SERVICE_IDS, FlowParams
from .printing import print_cards
from .result import SimResult

__all__ = ["run", "STREAMS", "run_replication"]

#: Independent random streams of one replication, in spawn order (common random numbers: the same
#: seed gives the same demand whatever the scenario).
STREAMS = ("arrivals", "channel", "desk", "backoffice", "outages", "leave")
MINUTES = 1.0 / 1440.0


@dataclass
class _Static:
    """Everything derived from the parameters alone (shared by replications)."""

    codes: tuple[str, ...]
    district_of: np.ndarray  # (V,) kecamatan index
    district_codes: tuple[str, ...]
    population: pd.Series
    rate: pd.Series
    operators: np.ndarray
    skill: np.ndarray
    go_live: np.ndarray
    trips: TripCosts
    policy: ChannelPolicy
    card: np.ndarray  # (S,) output on card stock
    blanko: np.ndarray  # (S,) 0 ktp, 1 kia, -1 none
    biometric: np.ndarray
    desk_minutes: np.ndarray  # (S,)
    priority: np.ndarray  # (S,)
    fc: object  # flow calibration
    dcal: object  # demand calibration
    monthly: np.ndarray | None = None  # fitted monthly demand index (services x 12), if any


@lru_cache(maxsize=1)
def _tune_allocator() -> bool:
    """Let glibc keep freed large blocks for reuse instead of unmapping them (Linux only).

    A replication allocates ~150 MB of per-request arrays of a few MB each; by default glibc maps
    each with ``mmap`` and unmaps it when freed, so every replication page-faults its whole working
    set in again (a quarter of its CPU time). Raising ``M_MMAP_THRESHOLD`` (32 MB) and
    ``M_TRIM_THRESHOLD`` (512 MB) keeps that memory in the process for the next replication or
    scenario; the resident peak is unchanged. Process-wide; set ``SAKERA_MALLOC_TUNING=0`` to opt out.
    """
    if os.environ.get("SAKERA_MALLOC_TUNING", "1") == "0" or not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3
    return bool(mallopt(m_mmap_threshold, 32 << 20)) and bool(mallopt(m_trim_threshold, 512 << 20))


@lru_cache(maxsize=8)
def _trip_costs(regency: Regency, mode: str | None, village_trip_minutes: float) -> TripCosts:
    return TripCosts.from_travel(regency.village_codes, mode, village_trip_minutes, regency=regency)


@lru_cache(maxsize=8)
def _population(year: int, regency: Regency) -> pd.Series:
    return regency.population(year).reindex(list(regency.village_codes))


@lru_cache(maxsize=4)
def _geography(regency: Regency) -> tuple[tuple[str, ...], tuple[str, ...], np.ndarray]:
    """Village codes, kecamatan codes and each village's kecamatan index."""
    vil = regency.villages
    district_codes = regency.district_codes
    return tuple(vil["village_code"]), district_codes, pd.Index(district_codes).get_indexer(vil["district_code"])


def _catalogue_flags():
    from ..services import load_catalogue

    cat = load_catalogue()
    card = np.array([cat.get(s).medium == "card" for s in SERVICE_IDS])
    biometric = np.array([cat.get(s).needs_biometric for s in SERVICE_IDS])
    blanko = np.array([(1 if s == "kia" else 0) if cat.get(s).needs_blanko else -1 for s in SERVICE_IDS])
    return card, biometric, blanko


def _prepare(params: FlowParams) -> _Static:
    fc = params.flow_calibration()
    regency = params.regency
    codes, district_codes, district_of = _geography(regency)
    card, biometric, blanko = _catalogue_flags()
    trips = _trip_costs(regency, params.travel_mode, float(fc["village_trip_minutes"]))
    mpp_open = regency.point_open_day("mpp", params.start_date)  # inf: no MPP (Sampang: Nov 2021)
    offered = np.ones((len(SERVICE_IDS), 4), dtype=bool)
    offered[:, MPP] = np.isin(SERVICE_IDS, list(fc["mpp_services"])) & (params.mpp_counters > 0) & (mpp_open < params.days)
    offered[:, KECAMATAN] = (
        np.isin(SERVICE_IDS, list(fc["kecamatan_services"]))
        & (params.kecamatan_counters() > 0)
        & (regency.point("kecamatan") is not None)
    )
    go_live = params.go_live_days(codes)
    policy = ChannelPolicy(
        trips=trips,
        go_live=go_live,
        offered=offered,
        biometric=biometric,
        value_of_time_idr_per_hour=float(fc["value_of_time_idr_per_hour"]),
        mpp_share=float(fc["mpp_share"]),
        mpp_open_day=min(mpp_open, float(params.days)),
    )
    rate, monthly = demand.params_rates(params)
    prio = dict(fc["verify_priority"])
    default_prio = float(prio.pop("default", 1))
    return _Static(
        codes=codes,
        district_of=district_of,
        district_codes=district_codes,
        population=_population(params.population_year, regency),
        rate=rate,
        monthly=monthly,
        dcal=params.demand_calibration(),
        operators=params.per_village("operators_per_village", codes).astype(np.int64),
        skill=params.per_village("operator_skill", codes),
        go_live=go_live,
        trips=trips,
        policy=policy,
        card=card,
        blanko=blanko,
        biometric=biometric,
        desk_minutes=np.array([float(fc["desk_minutes"][s]) for s in SERVICE_IDS]),
        priority=np.array([float(prio.get(s, default_prio)) for s in SERVICE_IDS]),
        fc=fc,
    )


def _lognormal(mean: np.ndarray, cv: float, z: np.ndarray) -> np.ndarray:
    sigma2 = np.log1p(cv * cv)
    return mean * np.exp(np.sqrt(sigma2) * z - sigma2 / 2.0)


def _retry_draws(rng, mean, cv, p_fail, p_return, delay_mean, rounds, last_round_passes) -> Rounds:
    """Service times, failures and retry delays of every visit round (compact :class:`Rounds`).

    Round 0 is drawn for every request (so scenarios sharing a seed share these draws); later
    rounds only for requests that failed and came back. One uniform decides a round: it fails if
    ``u < p_fail`` and the citizen (or operator) comes back if ``u < p_fail * p_return``.
    """
    n = len(mean)
    p_fail = np.broadcast_to(np.asarray(p_fail, dtype=float), (n,))
    z = rng.standard_normal(n)
    u = rng.random(n)
    s0 = _lognormal(mean, cv, z)
    f0 = u < p_fail
    if last_round_passes and rounds == 1:
        f0[:] = False
    back = f0 & (u < p_fail * p_return)
    d0 = np.full(n, np.nan)
    d0[back] = rng.exponential(delay_mean, int(back.sum()))
    active = np.flatnonzero(back)
    parts = []
    for k in range(1, rounds):
        if not len(active):
            break
        z = rng.standard_normal(len(active))
        u = rng.random(len(active))
        pf = p_fail[active]
        f = u < pf
        if last_round_passes and k == rounds - 1:
            f[:] = False
        b = f & (u < pf * p_return)
        d = np.full(len(active), np.nan)
        d[b] = rng.exponential(delay_mean, int(b.sum()))
        parts.append((active, k, _lognormal(mean[active], cv, z), f, d))
        active = active[b]
    ids = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, np.int64)
    xptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(ids, minlength=n), out=xptr[1:])
    total = int(xptr[-1])
    xs, xf, xd = np.empty(total), np.empty(total, dtype=bool), np.empty(total)
    for idx, k, sv, f, d in parts:
        pos = xptr[idx] + k - 1
        xs[pos], xf[pos], xd[pos] = sv, f, d
    return Rounds(s0, f0, d0, xptr, xs, xf, xd, rounds)


@njit(cache=True)
def _desk_setup(
    channel,
    village,
    service,
    backlog,
    district_of,
    V,
    skill_v,
    office_skill,
    desk_minutes,
    biometric,
    office_factor,
    bio_minutes,
    slowdown,
    e0,
    e1,
):
    """Per request: desk/counter group, handling-time mean (minutes), operator error rate."""
    n = channel.shape[0]
    group = np.empty(n, dtype=np.int64)
    mean_min = np.empty(n, dtype=np.float64)
    err = np.empty(n, dtype=np.float64)
    for i in range(n):
        ch = channel[i]
        v = village[i]
        s = service[i]
        desa = ch == DESA
        if desa:
            group[i] = v
        elif ch == OFFICE:
            group[i] = V
        elif ch == MPP:
            group[i] = V + 1
        else:
            group[i] = V + 2 + district_of[v]
        skill = skill_v[v] if desa else office_skill
        m = desk_minutes[s] * (1.0 if desa else office_factor)
        m = m + (bio_minutes if (not desa and biometric[s]) else 0.0)
        mean_min[i] = m * (1.0 + slowdown * (1.0 - skill))
        err[i] = e0 + (e1 - e0) * skill
    return group, mean_min, err


@njit(cache=True)
def _after_desk(backlog, desk_end, desk_round, fail0, xptr, xfail, sptr, scs, sce, scum, upload_work):
    """Abandonment time at the desk and end of the upload (stops while the server is down)."""
    n = backlog.shape[0]
    abandoned_at = np.full(n, np.inf)
    upload_end = np.full(n, np.inf)
    for i in range(n):
        if backlog[i]:
            upload_end[i] = 0.0
        r = desk_round[i]
        if r < 0 or not np.isfinite(desk_end[i]):
            continue
        failed = fail0[i] if r == 0 else xfail[xptr[i] + r - 1]
        if failed:
            abandoned_at[i] = desk_end[i]
        else:
            upload_end[i] = _add_work(sptr, scs, sce, scum, 0, desk_end[i], upload_work)
    return abandoned_at, upload_end


@njit(cache=True)
def _next_instant(instants, t):
    """The first of the sorted ``instants`` at or after ``t`` (``inf`` if none)."""
    lo, hi = 0, instants.shape[0]
    while lo < hi:  # searchsorted(side="left")
        mid = (lo + hi) >> 1
        if instants[mid] < t:
            lo = mid + 1
        else:
            hi = mid
    return instants[lo] if lo < instants.shape[0] else np.inf


@njit(cache=True)
def _signing(verify_end, signing):
    n = verify_end.shape[0]
    signed = np.empty(n, dtype=np.float64)
    for i in range(n):
        signed[i] = _next_instant(signing, verify_end[i])
    return signed


@njit(cache=True)
def _finish(
    H,
    arrival,
    village,
    service,
    channel,
    backlog,
    group,
    card_s,
    signed,
    card_printed,
    abandoned_at,
    desk_visits,
    ptr,
    cs,
    ce,
    cum,
    hvs_work,
    courier,
    transit,
    workday_index,
    km,
    minutes,
    cost,
):
    """Output, delivery, outcome, trips and travel of every request (one pass)."""
    n = arrival.shape[0]
    total = workday_index.shape[0]
    printed = np.empty(n)
    ready = np.empty(n)
    outcome = np.empty(n, dtype=np.int8)
    exit_time = np.empty(n)
    exit_unclipped = np.empty(n)
    turnaround = np.empty(n)
    working = np.empty(n)
    trips16 = np.empty(n, dtype=np.int16)
    outside16 = np.empty(n, dtype=np.int16)
    base16 = np.empty(n, dtype=np.int16)
    t_km = np.empty(n)
    t_min = np.empty(n)
    t_cost = np.empty(n)
    o_km = np.empty(n)
    o_min = np.empty(n)
    o_cost = np.empty(n)
    for i in range(n):
        ch = channel[i]
        card = card_s[service[i]]
        sg = signed[i]
        if card:
            p = card_printed[i]
        elif not np.isfinite(sg):
            p = np.inf
        elif ch == DESA:
            p = _add_work(ptr, cs, ce, cum, group[i], sg, hvs_work)  # HVS print at the village
        else:
            p = sg  # PDF + PIN by e-mail/WA
        printed[i] = p
        r = p
        if card and (ch == DESA or ch == KECAMATAN) and np.isfinite(p):
            delivered = _next_instant(courier, p) + transit
            r = _next_open(ptr, cs, ce, group[i], delivered)
        ready[i] = r
        a_at = abandoned_at[i]
        completed = r <= H
        abandoned = a_at <= H
        outcome[i] = 0 if completed else (1 if abandoned else 2)
        exit_time[i] = r if completed else (a_at if abandoned else np.inf)
        exit_unclipped[i] = min(r, a_at)
        pickup = completed and (card or ch == DESA)
        if backlog[i]:
            trips = 0
            base = 0
        else:
            trips = desk_visits[i] + (1 if pickup else 0)
            base = desk_visits[i] + (1 if (completed and card) else 0)
        a = arrival[i]
        if completed:
            turnaround[i] = r - a
            day_arr = min(np.int64(np.floor(a)), total - 1)
            day_done = min(np.int64(np.floor(r)), total - 1)
            working[i] = float(workday_index[day_done] - workday_index[day_arr])
        else:
            turnaround[i] = np.nan
            working[i] = np.nan
        v = village[i]
        trips16[i] = trips
        outside16[i] = 0 if ch == DESA else trips
        base16[i] = base
        t_km[i] = trips * km[v, ch]
        t_min[i] = trips * minutes[v, ch]
        t_cost[i] = trips * cost[v, ch]
        o_km[i] = base * km[v, OFFICE]
        o_min[i] = base * minutes[v, OFFICE]
        o_cost[i] = base * cost[v, OFFICE]
    return (
        printed,
        ready,
        outcome,
        exit_time,
        exit_unclipped,
        turnaround,
        working,
        trips16,
        outside16,
        base16,
        t_km,
        t_min,
        t_cost,
        o_km,
        o_min,
        o_cost,
    )


def run_replication(params: FlowParams, st: _Static, ss: np.random.SeedSequence, replication: int) -> dict:
    """Simulate one replication; returns trace, timeseries and raw arrays."""
    fc = st.fc
    seeds = dict(zip(STREAMS, ss.spawn(len(STREAMS)), strict=True))
    rng = {k: np.random.default_rng(v) for k, v in seeds.items()}
    H = float(params.days)
    V = len(st.codes)
    n_points = 2 + len(st.district_codes)

    # -- demand and channel ------------------------------------------------------------------
    req = demand.generate(
        params.start_date,
        params.days,
        seed=seeds["arrivals"],
        population=st.population,
        rate=st.rate,
        working_days=params.working_days,
        work_hours=params.work_hours,
        holidays=params.holidays,
        initial_backlog=params.initial_backlog,
        calib=st.dcal,
        monthly=st.monthly,
    )
    n = len(req)
    arrival, village, service, backlog = (
        req.arrival,
        req.village.astype(np.int64),
        req.service.astype(np.int64),
        req.backlog,
    )
    channel = st.policy.choose(village, service, arrival, rng["channel"].random(n))

    outages = draw_outages(params, rng["outages"], float(fc["random_outage_mean_days"]))
    cal = build_calendars(
        params,
        V,
        st.operators,
        n_points,
        rng["leave"],
        outages,
        int(fc["calendar_tail_days"]),
        float(fc["courier_departure_hour"]),
    )

    # -- desk / counter visits with incomplete files and returns -------------------------------
    group, mean_min, err = _desk_setup(
        channel,
        village,
        service,
        backlog,
        st.district_of,
        V,
        st.skill,
        float(params.office_skill),
        st.desk_minutes,
        st.biometric,
        float(fc["office_minutes_factor"]),
        float(fc["biometric_minutes"]),
        float(fc["skill_slowdown"]),
        float(fc["error_rate_skill0"]),
        float(fc["error_rate_skill1"]),
    )
    servers = np.concatenate(
        [
            st.operators,
            [params.office_counters, max(params.mpp_counters, 1)],
            np.full(len(st.district_codes), max(params.kecamatan_counters(), 1)),
        ]
    )
    R = int(fc["max_visits"])
    desk_rounds = _retry_draws(
        rng["desk"],
        mean_min * MINUTES,
        float(fc["handling_cv"]),
        float(fc["incomplete_probability"]),
        float(fc["return_probability"]),
        float(fc["return_delay_days"]),
        R,
        last_round_passes=False,
    )
    if backlog.any():
        walk_in = np.flatnonzero(~backlog)
        dv = serve_rows(group[walk_in], arrival[walk_in], desk_rounds, servers, cal.service, rows=walk_in)
        dv["request"] = walk_in[dv["request"]]
    else:
        dv = serve_rows(group, arrival, desk_rounds, servers, cal.service)
    dv["group"] = group[dv["request"]]
    desk_start, desk_end, desk_round, desk_visits = visit_summary(n, dv, H)

    # -- upload (stops during outages) ---------------------------------------------------------
    abandoned_at, upload_end = _after_desk(
        backlog,
        desk_end,
        desk_round,
        desk_rounds.fail0,
        desk_rounds.xptr,
        desk_rounds.xfail,
        cal.server.ptr,
        cal.server.start,
        cal.server.end,
        cal.server.cum,
        float(fc["upload_minutes"]) * MINUTES,
    )

    # -- back-office verification with rejection and rework ----------------------------------
    Rv = int(fc["max_verifications"])
    verify_rounds = _retry_draws(
        rng["backoffice"],
        np.full(n, float(fc["verify_minutes"]) * MINUTES),
        float(fc["handling_cv"]),
        err,
        1.0,
        float(fc["rework_delay_days"]),
        Rv,
        last_round_passes=True,
    )
    entering = np.flatnonzero(upload_end < np.inf)
    vv = serve_rows(
        np.zeros(len(entering), np.int64),
        upload_end[entering],
        verify_rounds,
        np.array([params.office_verifiers]),
        cal.backoffice,
        st.priority[service[entering]],
        rows=entering,
    )
    vv["request"] = entering[vv["request"]]
    verify_start, verify_end, verify_round, verifications = visit_summary(n, vv, H)
    verify_end = np.where(np.isnan(verify_end), np.inf, verify_end)

    # -- TTE signing in batches -----------------------------------------------------------------
    signed = _signing(verify_end, cal.signing)

    # -- output: HVS print or card print + courier -----------------------------------------------
    card = st.card[service]
    ci = np.flatnonzero(card)
    card_printed, stock_eod, stockout, ordered = print_cards(
        signed[ci],
        st.blanko[service[ci]],
        cal.open_day,
        params.work_hours,
        params.card_print_per_day,
        [params.blanko_initial["ktp"], params.blanko_initial["kia"]],
        [params.blanko_reorder_point["ktp"], params.blanko_reorder_point["kia"]],
        [params.blanko_reorder_qty["ktp"], params.blanko_reorder_qty["kia"]],
        params.blanko_lead_days,
    )
    card_full = np.full(n, np.inf)
    card_full[ci] = card_printed
    (
        printed,
        ready,
        outcome,
        exit_time,
        exit_unclipped,
        turnaround,
        working,
        trips,
        outside_trips,
        base_trips,
        travel_km,
        travel_minutes,
        travel_cost,
        office_km,
        office_minutes,
        office_cost,
    ) = _finish(
        H,
        arrival,
        village,
        service,
        channel,
        backlog,
        group,
        st.card,
        signed,
        card_full,
        abandoned_at,
        desk_visits,
        cal.service.ptr,
        cal.service.start,
        cal.service.end,
        cal.service.cum,
        float(fc["hvs_print_minutes"]) * MINUTES,
        cal.courier,
        float(fc["courier_transit_hours"]) / 24.0,
        cal.workday_index,
        st.trips.km,
        st.trips.minutes,
        st.trips.cost_idr,
    )

    raw = {
        "request_id": np.arange(n, dtype=np.int64),
        "replication": np.full(n, replication, dtype=np.int32),
        "service": service,
        "village": village,
        "district": st.district_of[village],
        "channel": channel,
        "backlog": backlog,
        "arrival": arrival,
        "desk_start": desk_start,
        "desk_end": desk_end,
        "desk_visits": desk_visits.astype(np.int16),
        "upload_end": upload_end,
        "verify_start": verify_start,
        "verify_end": verify_end,
        "verifications": verifications.astype(np.int16),
        "signed": signed,
        "printed": printed,
        "ready": ready,
        "outcome": outcome,
        "exit": exit_time,  # inf: not left by the end of the horizon
        "turnaround_days": turnaround,
        "working_days": working,
        "trips": trips,
        "travel_km": travel_km,
        "travel_minutes": travel_minutes,
        "travel_cost_idr": travel_cost,
        "outside_trips": outside_trips,
        "office_only_trips": base_trips,
        "office_only_km": office_km,
        "office_only_minutes": office_minutes,
        "office_only_cost_idr": office_cost,
    }

    from .timeseries import resource_usage

    return {
        "raw": raw,
        "static": st,
        "usage": resource_usage(params, st, cal, dv, vv),
        "card": card,
        "stock_eod": stock_eod,
        "stockout": stockout,
        "ordered": ordered,
        "calendars": cal,
        "exit_time": exit_time,
        "exit_unclipped": exit_unclipped,
        "desk_visits": dv,
        "verify_visits": vv,
    }


OUTCOMES = ("completed", "abandoned", "in_system")


#: Stage times of the raw arrays; in the trace, times after the horizon become NaN.
STAGE_TIMES = (
    "desk_start",
    "desk_end",
    "upload_end",
    "verify_start",
    "verify_end",
    "signed",
    "printed",
    "ready",
    "exit",
)


def trace_frame(raw: dict, st: _Static, horizon: float) -> pd.DataFrame:
    """The tidy per-request trace from the raw arrays of a replication."""
    cols = dict(raw)
    for name in STAGE_TIMES:
        t = raw[name]
        cols[name] = np.where(t <= horizon, t, np.nan)
    cols["service"] = pd.Categorical.from_codes(raw["service"], categories=list(SERVICE_IDS))
    cols["village_code"] = pd.Categorical.from_codes(raw["village"], categories=list(st.codes))
    cols["district_code"] = pd.Categorical.from_codes(raw["district"], categories=list(st.district_codes))
    cols["channel"] = pd.Categorical.from_codes(raw["channel"], categories=list(CHANNELS))
    cols["outcome"] = pd.Categorical.from_codes(raw["outcome"], categories=list(OUTCOMES))
    del cols["village"], cols["district"]
    order = ["request_id", "replication", "service", "village_code", "district_code", "channel"]
    return pd.DataFrame({k: cols[k] for k in order + [k for k in cols if k not in order]})


def run(
    params: FlowParams | None = None,
    seed: int | np.random.SeedSequence = 0,
    replications: int = 1,
    progress: bool = False,
) -> SimResult:
    """Simulate the service flow.

    Parameters
    ----------
    params
        Scenario parameters (default: :meth:`FlowParams.all_live`).
    seed
        Int or SeedSequence. Replication ``r`` uses ``SeedSequence(seed).spawn(replications)[r]``,
        itself spawned into the streams :data:`STREAMS`; the same seed gives identical results.
    replications
        Independent replications (>= 1).
    progress
        Show a progress bar on stderr.

    Returns
    -------
    SimResult
        ``trace``, ``timeseries``, ``kpis`` (one row per replication) and ``summary()``.
    """
    from ..errors import SakeraInputError

    params = FlowParams.all_live() if params is None else params.validate()
    _tune_allocator()
    if isinstance(replications, bool) or not isinstance(replications, (int, np.integer)) or replications < 1:
        raise SakeraInputError(f"{replications!r} must be a positive whole number", location="replications")
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(int(seed))
    st = _prepare(params)
    children = root.spawn(int(replications))
    from tqdm import tqdm

    parts = []
    for r, ss in enumerate(tqdm(children, desc="replications", disable=not progress, file=sys.stderr, leave=False)):
        parts.append(run_replication(params, st, ss, r))
    return SimResult.from_parts(params, parts)
