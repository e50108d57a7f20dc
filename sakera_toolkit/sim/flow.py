"""The service flow of one regency, entry point :func:`run`.

Village desks and counters -> upload -> back-office verification -> TTE signing -> printing ->
delivery.

Each stage is a vectorised numpy computation or a compiled kernel over all requests at once
(:mod:`.kernel`, :mod:`.printing`); there is no per-event Python object. See ``docs/model.md``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from .. import demand
from ..registry import districts, village_population, villages
from .calendars import build_calendars, draw_outages
from .channel import CHANNELS, DESA, KECAMATAN, MPP, OFFICE, ChannelPolicy, TripCosts
from .kernel import Rounds, serve_groups, visit_summary
from .params import SERVICE_IDS, FlowParams
from .printing import next_instant, print_cards
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


@lru_cache(maxsize=8)
def _trip_costs(codes: tuple[str, ...], mode: str | None, village_trip_minutes: float) -> TripCosts:
    return TripCosts.from_travel(codes, mode, village_trip_minutes)


@lru_cache(maxsize=8)
def _population(year: int, codes: tuple[str, ...]) -> pd.Series:
    return village_population(year).reindex(list(codes))


@lru_cache(maxsize=1)
def _geography() -> tuple[tuple[str, ...], tuple[str, ...], np.ndarray]:
    """Village codes, kecamatan codes and each village's kecamatan index."""
    vil = villages()
    district_codes = tuple(districts()["district_code"])
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
    codes, district_codes, district_of = _geography()
    card, biometric, blanko = _catalogue_flags()
    trips = _trip_costs(codes, params.travel_mode, float(fc["village_trip_minutes"]))
    offered = np.ones((len(SERVICE_IDS), 4), dtype=bool)
    offered[:, MPP] = np.isin(SERVICE_IDS, list(fc["mpp_services"])) & (params.mpp_counters > 0)
    offered[:, KECAMATAN] = np.isin(SERVICE_IDS, list(fc["kecamatan_services"])) & (params.kecamatan_counters() > 0)
    go_live = params.go_live_days(codes)
    policy = ChannelPolicy(
        trips=trips,
        go_live=go_live,
        offered=offered,
        biometric=biometric,
        value_of_time_idr_per_hour=float(fc["value_of_time_idr_per_hour"]),
        mpp_share=float(fc["mpp_share"]),
    )
    prio = dict(fc["verify_priority"])
    default_prio = float(prio.pop("default", 1))
    return _Static(
        codes=codes,
        district_of=district_of,
        district_codes=district_codes,
        population=_population(params.population_year, codes),
        rate=demand.rates(params.demand_overrides, params.demand_scale, params.demand_calibration()),
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


def _failed(rounds: Rounds, request: np.ndarray, rnd: np.ndarray) -> np.ndarray:
    """Whether visit ``rnd`` of ``request`` failed."""
    out = rounds.fail0[request].copy()
    later = rnd > 0
    out[later] = rounds.xfail[rounds.xptr[request[later]] + rnd[later] - 1]
    return out


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
    group = np.where(
        channel == DESA,
        village,
        np.where(channel == OFFICE, V, np.where(channel == MPP, V + 1, V + 2 + st.district_of[village])),
    )
    servers = np.concatenate(
        [
            st.operators,
            [params.office_counters, max(params.mpp_counters, 1)],
            np.full(len(st.district_codes), max(params.kecamatan_counters(), 1)),
        ]
    )
    R = int(fc["max_visits"])
    slowdown = float(fc["skill_slowdown"])
    skill = np.where(channel == DESA, st.skill[village], params.office_skill)
    mean_min = st.desk_minutes[service] * np.where(channel == DESA, 1.0, float(fc["office_minutes_factor"]))
    mean_min = mean_min + np.where((channel != DESA) & st.biometric[service], float(fc["biometric_minutes"]), 0.0)
    mean_min = mean_min * (1.0 + slowdown * (1.0 - skill))
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
    walk_in = np.flatnonzero(~backlog) if backlog.any() else np.arange(n)
    if len(walk_in) == n:
        dv = serve_groups(group, arrival, desk_rounds, servers, cal.service)
    else:
        dv = serve_groups(group[walk_in], arrival[walk_in], desk_rounds.subset(walk_in), servers, cal.service)
    dv_request = walk_in[dv["request"]]
    dv = {**dv, "request": dv_request, "group": group[dv_request]}
    desk_start, desk_end, desk_round, desk_visits = visit_summary(n, dv, H)
    last_failed = np.zeros(n, dtype=bool)
    has = desk_round >= 0
    has_idx = np.flatnonzero(has)
    last_failed[has_idx] = _failed(desk_rounds, has_idx, desk_round[has_idx])
    abandoned_at = np.where(has & last_failed & np.isfinite(desk_end), desk_end, np.inf)
    desk_ok = has & ~last_failed & np.isfinite(desk_end)

    # -- upload (stops during outages) ---------------------------------------------------------
    upload_end = np.full(n, np.inf)
    upload_end[backlog] = 0.0
    idx = np.flatnonzero(desk_ok)
    upload_end[idx] = cal.server.add_work(
        np.zeros(len(idx), np.int64), desk_end[idx], float(fc["upload_minutes"]) * MINUTES
    )

    # -- back-office verification with rejection and rework ----------------------------------
    Rv = int(fc["max_verifications"])
    e0, e1 = float(fc["error_rate_skill0"]), float(fc["error_rate_skill1"])
    err = e0 + (e1 - e0) * skill
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
    entering = np.flatnonzero(np.isfinite(upload_end))
    vv = serve_groups(
        np.zeros(len(entering), np.int64),
        upload_end[entering],
        verify_rounds.subset(entering) if len(entering) < n else verify_rounds,
        np.array([params.office_verifiers]),
        cal.backoffice,
        st.priority[service[entering]],
    )
    vv_request = entering[vv["request"]]
    vv = {**vv, "request": vv_request}
    verify_start, verify_end, verify_round, verifications = visit_summary(n, vv, H)
    verify_end = np.where(np.isnan(verify_end), np.inf, verify_end)

    # -- TTE signing in batches -----------------------------------------------------------------
    signed = next_instant(cal.signing, verify_end)

    # -- output: HVS print or card print + courier -----------------------------------------------
    card = st.card[service]
    printed = np.full(n, np.inf)
    hvs = ~card & np.isfinite(signed)
    hvs_desa = hvs & (channel == DESA)
    i = np.flatnonzero(hvs_desa)
    printed[i] = cal.service.add_work(group[i], signed[i], float(fc["hvs_print_minutes"]) * MINUTES)
    printed[hvs & (channel != DESA)] = signed[hvs & (channel != DESA)]  # PDF + PIN by e-mail/WA
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
    printed[ci] = card_printed
    ready = printed.copy()
    courier = card & ((channel == DESA) | (channel == KECAMATAN)) & np.isfinite(printed)
    k = np.flatnonzero(courier)
    delivered = next_instant(cal.courier, printed[k]) + float(fc["courier_transit_hours"]) / 24.0
    ready[k] = cal.service.next_open(group[k], delivered)
    completion = ready

    # -- outcomes, trips and travel ---------------------------------------------------------------
    completed = completion <= H
    abandoned = abandoned_at <= H
    outcome = np.where(completed, 0, np.where(abandoned, 1, 2)).astype(np.int8)
    pickup = completed & (card | (channel == DESA))
    trips = np.where(backlog, 0, desk_visits + pickup)
    ch = channel.astype(np.int64)
    base_trips = np.where(backlog, 0, desk_visits + (completed & card))
    exit_time = np.where(completed, completion, np.where(abandoned, abandoned_at, np.inf))
    wd = cal.workday_index
    day_arr = np.minimum(np.floor(arrival).astype(np.int64), cal.total_days - 1)
    day_done = np.minimum(np.floor(np.where(completed, completion, 0)).astype(np.int64), cal.total_days - 1)

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
        "turnaround_days": np.where(completed, completion - arrival, np.nan),
        "working_days": np.where(completed, (wd[day_done] - wd[day_arr]).astype(float), np.nan),
        "trips": trips.astype(np.int16),
        "travel_km": trips * st.trips.km[village, ch],
        "travel_minutes": trips * st.trips.minutes[village, ch],
        "travel_cost_idr": trips * st.trips.cost_idr[village, ch],
        "outside_trips": np.where(ch == DESA, 0, trips).astype(np.int16),
        "office_only_trips": base_trips.astype(np.int16),
        "office_only_km": base_trips * st.trips.km[village, OFFICE],
        "office_only_minutes": base_trips * st.trips.minutes[village, OFFICE],
        "office_only_cost_idr": base_trips * st.trips.cost_idr[village, OFFICE],
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
        "exit_unclipped": np.minimum(completion, abandoned_at),
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
