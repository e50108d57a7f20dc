"""From the service flow to the central server's workload, and back.

Which transactions each request sends, the background load of every logged-in desk, and the
server KPIs.

Every request sends transactions at the times its stages happen (research notes §9.7: desks,
kecamatan points, the office and the MPP all use the same remote SIAK):

* desk data entry and look-ups: ``desk_lookups`` spread over the desk visit (an operator of skill
  0 makes ``1 + lookup_skill_extra`` times as many: searching by name, re-typing);
* the upload of the file with its scans (``upload_work`` units) when the desk visit ends;
* back-office verification (``verify_transactions``), TTE signing and the print fetch.

Each open client (a live village desk, a counter) also keeps a session that polls and refreshes:
``session_tph`` transactions per open hour. This background load grows with the number of live
villages even when total requests do not (a request moved from the office to a village desk sends
the same transactions); it is the mechanism the Kepala Dinas described in July 2022, "banyak desa
yang memakai program yang sama" (research notes §1.2, §9.7). Its size is an assumption
(``data/calibration/server.yaml``) and, with ``capacity_tps``, it decides where the rollout
saturates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from numba import njit

from .. import calibration
from .._sort import stable_argsort
from . import rules
from .server import (
    POLICY_FIELDS,
    SUCCESS,
    Background,
    ServerOutcome,
    ServerPolicy,
    ServerWindows,
    serve_transactions,
    service_draws,
)

__all__ = [
    "KIND_NAMES",
    "CentralLoad",
    "StageTimes",
    "Transactions",
    "CentralResult",
    "policy_from_calibration",
    "back_office_transactions",
    "build_transactions",
    "session_traffic",
    "serve_stage",
    "server_kpis",
    "hourly_profile",
    "next_open_times",
    "open_hour_bins",
    "client_intervals",
    "server_windows",
]

#: Transaction kinds, in code order.
KIND_NAMES = ("lookup", "upload", "verify", "tte", "print")  # background polling: session_traffic
LOOKUP, UPLOAD, VERIFY, TTE, PRINT = range(len(KIND_NAMES))


@dataclass(frozen=True)
class CentralLoad:
    """How stages turn into server transactions (units of work: one standard look-up = 1).

    Levers: ``upload_window = (h0, h1)`` (hours) makes village desks capture files locally and
    upload them (with the file's look-ups) in that off-peak window of the same day (or the next day
    when the visit ended after ``h0``); ``stagger_hours`` shifts the desk-side
    transactions of every other kecamatan by that many hours (staggered opening hours).
    """

    desk_lookups: int = 3
    lookup_skill_extra: float = 1.0
    lookup_work: float = 1.0
    upload_work: float = 6.0
    verify_transactions: int = 2
    tte_work: float = 1.0
    print_work: float = 2.0
    session_tph: float = 30.0
    batch_spread_minutes: float = 60.0
    upload_window: tuple[float, float] | None = None
    stagger_hours: float = 0.0

    @property
    def batch_upload(self) -> bool:
        """Village desks capture locally and upload in the off-peak window."""
        return self.upload_window is not None

    @classmethod
    def from_calibration(cls, cal: calibration.Calibration | None = None) -> CentralLoad:
        """The defaults of ``data/calibration/server.yaml``."""
        c = cal or calibration.load("server")
        return cls(
            desk_lookups=int(c["desk_lookups"]),
            lookup_skill_extra=float(c["lookup_skill_extra"]),
            lookup_work=float(c["lookup_work"]),
            upload_work=float(c["upload_work"]),
            verify_transactions=int(c["verify_transactions"]),
            tte_work=float(c["tte_work"]),
            print_work=float(c["print_work"]),
            session_tph=float(c["session_tph"]),
            batch_spread_minutes=float(c["batch_spread_minutes"]),
        )


def policy_from_calibration(
    cal: calibration.Calibration | None = None, **overrides: float | int | bool
) -> ServerPolicy:
    """The server policy of ``data/calibration/server.yaml``, with keyword overrides."""
    c = cal or calibration.load("server")
    values = {k: c[k] for k in (*POLICY_FIELDS, "discard_stale")}
    values.update(overrides)
    return ServerPolicy(**values)  # type: ignore[arg-type]


@dataclass(frozen=True)
class StageTimes:
    """Per-request stage times (days; ``nan``/``inf`` where a stage did not happen).

    ``desk_group`` is the desk/counter each request was served at (its client on the server) and
    ``skill`` that desk's operator skill in [0, 1].
    """

    desk_start: np.ndarray
    desk_end: np.ndarray
    desk_group: np.ndarray
    skill: np.ndarray
    upload: np.ndarray
    verify_start: np.ndarray
    signed: np.ndarray
    printed: np.ndarray
    district: np.ndarray | None = None


@dataclass(frozen=True)
class Transactions:
    """The server's input, sorted by submission time."""

    submit: np.ndarray
    work: np.ndarray
    owner: np.ndarray
    request: np.ndarray
    kind: np.ndarray


def spread_batches(t: np.ndarray, spread_days: float) -> np.ndarray:
    """Spread transactions submitted at the same instant (a TTE batch, a print run).

    They are spread evenly over ``spread_days`` after it: one signer or printer works through a
    batch file after file.
    """
    if not t.size or spread_days <= 0:
        return t
    finite = np.isfinite(t)
    out = t.copy()
    tf = t[finite]
    order = np.argsort(tf, kind="stable")
    ts = tf[order]
    first = np.concatenate([[True], ts[1:] != ts[:-1]])
    group = np.cumsum(first) - 1
    starts = np.flatnonzero(first)
    counts = np.diff(np.append(starts, ts.size))
    rank = np.arange(ts.size) - starts[group]
    spread = ts + rank / counts[group] * spread_days
    res = np.empty_like(tf)
    res[order] = spread
    out[finite] = res
    return out


def session_traffic(
    open_start: np.ndarray,
    open_end: np.ndarray,
    weight: np.ndarray,
    tph: float,
    rng: np.random.Generator,
    *,
    horizon_days: float,
    service_cv: float,
) -> Background:
    """Poisson background polling of every open client, as one sorted stream.

    Client ``k`` keeps ``weight[k]`` sessions open over ``[open_start[k], open_end[k])`` (days),
    each sending ``tph`` polls per hour. The superposition is a Poisson process whose rate is the
    step function of the number of open sessions. It is drawn directly in time order: unit-rate
    exponential gaps in integrated-rate space, mapped back through the step function, in one
    compiled pass (no sort, no temporary arrays of the millions of polls). Each poll is one
    standard transaction of work times a service draw (:func:`~.server.service_draws`).
    """
    end = np.minimum(np.asarray(open_end, dtype=np.float64), horizon_days)
    start = np.maximum(np.asarray(open_start, dtype=np.float64), 0.0)
    keep = end > start
    if tph <= 0 or not keep.any():
        return Background()
    rate = np.asarray(weight, dtype=np.float64)[keep] * tph * 24.0  # polls per day
    knots = np.concatenate([start[keep], end[keep]])
    step = np.concatenate([rate, -rate])
    order = np.argsort(knots, kind="stable")
    knots = knots[order]
    level = np.maximum(np.cumsum(step[order]), 0.0)  # rate after each knot (clamped rounding)
    lam = np.concatenate([[0.0], np.cumsum(level[:-1] * np.diff(knots))])  # integrated rate at knots
    total = float(lam[-1])
    times = _poisson_times(rng, lam, knots, level, int(total + 8.0 * math.sqrt(total) + 64.0))
    return Background(times, service_draws(rng, times.shape[0], service_cv))


def _poisson_times(rng: np.random.Generator, lam, knots, level, guess: int) -> np.ndarray:
    """Event times of the Poisson process whose rate is the step function (``knots``, ``level``).

    ``lam`` is its integral at the knots. Unit exponential gaps are accumulated in integrated-rate
    space up to ``lam[-1]`` and each point is mapped back to time. ``guess`` sizes the output; in
    the (rare) case the draw exceeds it the output is enlarged and the same draw continues.
    """
    out = np.empty(max(int(guess), 1))
    n, x, k = _poisson_fill(rng, lam, knots, level, out, 0, rng.standard_exponential(), 0)
    while x < lam[-1]:
        out = np.concatenate([out[:n], np.empty(n)])
        n, x, k = _poisson_fill(rng, lam, knots, level, out, n, x, k)
    return out[:n]


@njit(cache=True)
def _poisson_fill(rng, lam, knots, level, out, n, x, k):
    """Fill ``out`` from ``n`` on with points mapped from integrated rate ``x`` (cursor ``k``).

    Stops at the end of the process or when ``out`` is full; returns the new ``n``, ``x``, ``k``.
    """
    total = lam[lam.shape[0] - 1]
    cap = out.shape[0]
    last = knots.shape[0] - 2
    while x < total and n < cap:
        while k < last and lam[k + 1] < x:
            k += 1
        t = knots[k] + (x - lam[k]) / level[k] if level[k] > 0.0 else knots[k]
        out[n] = t if t < knots[k + 1] else knots[k + 1]
        n += 1
        x += rng.standard_exponential()
    return n, x, k


def _parts(rows: list[tuple[np.ndarray, np.ndarray, np.ndarray, int, np.ndarray]], horizon_days: float):
    """Concatenate ``(time, owner, request, kind, work)`` parts, dropping what falls outside the horizon."""
    keep = [np.isfinite(t) & (t < horizon_days) for t, *_ in rows]
    t = np.concatenate([r[0][k] for r, k in zip(rows, keep, strict=True)])
    owner = np.concatenate([r[1][k].astype(np.int64) for r, k in zip(rows, keep, strict=True)])
    req = np.concatenate([r[2][k] for r, k in zip(rows, keep, strict=True)])
    kind = np.concatenate([np.full(int(k.sum()), r[3], np.int8) for r, k in zip(rows, keep, strict=True)])
    work = np.concatenate([r[4][k] for r, k in zip(rows, keep, strict=True)])
    return t, owner, req, kind, work


def back_office_transactions(times: StageTimes, load: CentralLoad, *, horizon_days: float) -> Transactions:
    """Back-office verification, TTE signing and print fetches, sorted by submission time.

    They are placed at the times of the flow's later stages, which the desk-server feedback does
    not move (see :func:`desk_and_server`), so they are built once per replication. Staff keep
    trying (owner -1: no give-up rule).
    """
    n = times.desk_start.shape[0]
    rid = np.arange(n, dtype=np.int64)
    back = np.full(n, -1, np.int64)
    rows = []
    if load.verify_transactions > 0:
        req = np.repeat(rid, load.verify_transactions)
        rows.append((times.verify_start[req], back[req], req, VERIFY, np.ones(req.size)))
    spread = load.batch_spread_minutes / 1440.0
    rows.append((spread_batches(times.signed, spread), back, rid, TTE, np.full(n, load.tte_work)))
    rows.append((spread_batches(times.printed, spread), back, rid, PRINT, np.full(n, load.print_work)))
    t, owner, req, kind, work = _parts(rows, horizon_days)
    order = stable_argsort(t)
    return Transactions(submit=t[order], work=work[order], owner=owner[order], request=req[order], kind=kind[order])


def build_transactions(
    times: StageTimes,
    load: CentralLoad,
    rng: np.random.Generator,
    *,
    operator_clients: int,
    horizon_days: float,
    back_office: Transactions | None = None,
) -> Transactions:
    """Turn stage times into the requests' server transactions, sorted by submission time.

    The clients' background polling is drawn on its own (:func:`session_traffic`): it does not
    depend on the stage times. Desk groups ``< operator_clients`` (the village desks, one or two
    operators each) give up for the day after repeated failures; the counters of the office, MPP
    and kecamatan points and the back office keep trying. ``back_office``: the
    :func:`back_office_transactions` of ``times`` when already built (the feedback passes share
    them); at equal submission times the desk's transactions come first.
    """
    n = times.desk_start.shape[0]
    rid = np.arange(n, dtype=np.int64)
    village_desk = times.desk_group < operator_clients
    shift = np.zeros(n)
    if load.stagger_hours and times.district is not None:
        shift = np.where(village_desk & (times.district % 2 == 1), load.stagger_hours / 24.0, 0.0)
    desk = np.isfinite(times.desk_start) & np.isfinite(times.desk_end)
    upload_t = times.upload + shift
    batched = np.zeros(n, dtype=bool)
    if load.upload_window is not None:
        # captured locally at the desk; the batch job sends the file's look-ups and its upload
        # in the off-peak window of the same day (or the next one if the visit ended later)
        h0, h1 = load.upload_window
        batched = village_desk & np.isfinite(times.upload)
        end = np.where(batched, times.upload, 0.0)
        day = np.floor(end)
        batch_day = day + ((end - day) * 24.0 >= h0)
        upload_t = np.where(batched, batch_day + (h0 + rng.random(n) * (h1 - h0)) / 24.0, upload_t)
    di = rid[desk]
    look_t, look_o, look_r = np.zeros(0), np.zeros(0, np.int64), np.zeros(0, np.int64)
    if load.desk_lookups > 0 and di.size:
        per = load.desk_lookups * (1.0 + load.lookup_skill_extra * (1.0 - times.skill[di]))
        k = np.floor(per + rng.random(di.size)).astype(np.int64)  # unbiased integer count
        look_r = np.repeat(di, k)
        pos = rng.random(look_r.size)
        t = times.desk_start[look_r] + pos * (times.desk_end[look_r] - times.desk_start[look_r]) + shift[look_r]
        look_t = np.where(batched[look_r], upload_t[look_r] - (1.0 - pos) * 60.0 / 86400.0, t)  # just before the upload
        own = np.where(batched[look_r], -1, times.desk_group[look_r])  # an unattended batch job keeps retrying
        look_o = np.where(own < operator_clients, own, -1)
    operator = np.where(times.desk_group < operator_clients, times.desk_group, -1)
    operator = np.where(batched, -1, operator)
    t = np.concatenate([look_t, upload_t])
    t = np.where(t < horizon_days, t, np.inf)  # nan and beyond the horizon sort last and are dropped
    back = back_office if back_office is not None else back_office_transactions(times, load, horizon_days=horizon_days)
    fields = _merge(
        stable_argsort(t),
        t,
        np.concatenate([look_o, operator]).astype(np.int64),
        np.concatenate([look_r, rid]),
        look_t.size,
        float(load.lookup_work),
        float(load.upload_work),
        back.submit,
        back.work,
        back.owner,
        back.request,
        back.kind,
    )
    return Transactions(*fields)


@njit(cache=True)
def _merge(order, t, owner, request, n_lookup, lookup_work, upload_work, bt, bwork, bowner, brequest, bkind):
    """The desk's transactions merged with the sorted back-office ones, in time order.

    The desk's are the look-ups (the first ``n_lookup`` of ``t``) and the uploads, taken in
    ``order`` up to the first infinite time (dropped). One pass writing every field; at equal times
    the desk's transaction comes first.
    """
    na = 0
    while na < order.shape[0] and t[order[na]] < np.inf:
        na += 1
    nb = bt.shape[0]
    n = na + nb
    st = np.empty(n)
    w = np.empty(n)
    o = np.empty(n, np.int64)
    r = np.empty(n, np.int64)
    k = np.empty(n, np.int8)
    i = 0
    j = 0
    for c in range(n):
        if j >= nb or (i < na and t[order[i]] <= bt[j]):
            x = order[i]
            st[c] = t[x]
            lookup = x < n_lookup
            w[c] = lookup_work if lookup else upload_work
            o[c] = owner[x]
            r[c] = request[x]
            k[c] = LOOKUP if lookup else UPLOAD
            i += 1
        else:
            st[c] = bt[j]
            w[c] = bwork[j]
            o[c] = bowner[j]
            r[c] = brequest[j]
            k[c] = bkind[j]
            j += 1
    return st, w, o, r, k


@dataclass(frozen=True)
class CentralResult:
    """The server's outcome mapped back to requests.

    ``desk_delay`` (days) is the time the desk visit was held up by its look-ups (the sum over its
    look-ups of the time beyond their nominal service, at most one day's attempts each);
    ``upload_done`` when the file reached the back office (``inf`` if the citizen gave up);
    ``failed`` requests had a desk look-up or the upload that never succeeded within ``max_days``
    working days (the citizen gave up because of the server); ``deferred`` ones had a transaction
    pushed to a later day.
    """

    tx: Transactions
    server: ServerOutcome
    desk_delay: np.ndarray
    upload_done: np.ndarray
    failed: np.ndarray
    deferred: np.ndarray


def serve_stage(
    tx: Transactions,
    n_requests: int,
    policy: ServerPolicy,
    rng: np.random.Generator,
    *,
    next_open: np.ndarray | None = None,
    windows: ServerWindows | None = None,
    horizon_days: float,
    background: Background | None = None,
    stats: bool = True,
) -> CentralResult:
    """Serve the transactions (and the background polling) and map the outcome back to requests.

    ``stats=False`` skips the hourly busy time and response histogram (a feedback pass).
    """
    work = tx.work * service_draws(rng, tx.submit.size, policy.service_cv)
    out = serve_transactions(
        tx.submit,
        work,
        policy,
        owner=tx.owner,
        next_open=next_open,
        windows=windows,
        horizon_days=horizon_days,
        rng=rng,
        background=background,
        stats=stats,
    )
    # a citizen at the desk waits at most one day's attempts; a look-up that only succeeded on a
    # later day held the desk for its day's attempts (timeouts and backoffs)
    same_day_cap = (
        policy.max_attempts * policy.timeout_s
        + policy.backoff_s * sum(policy.backoff_factor**k for k in range(policy.max_attempts - 1))
    ) / 86400.0
    desk_delay, upload_done, failed, deferred = _per_request(
        tx.request, tx.kind, out.done, out.outcome, out.deferrals, out.waited, same_day_cap, n_requests
    )
    return CentralResult(tx, out, desk_delay, upload_done, failed, deferred)


@njit(cache=True)
def _per_request(req, kind, done, outcome, deferrals, waited, same_day_cap, n_requests):
    """The server's outcome per request, in one pass over its transactions.

    ``desk_delay``: the look-ups' waits (each at most ``same_day_cap`` days); ``upload_done``: the
    upload's completion; ``failed``: a look-up or the upload never succeeded; ``deferred``: a
    transaction was pushed to a later day.
    """
    desk_delay = np.zeros(n_requests)
    upload_done = np.full(n_requests, np.inf)
    failed = np.zeros(n_requests, np.bool_)
    deferred = np.zeros(n_requests, np.bool_)
    for i in range(req.shape[0]):
        r = req[i]
        k = kind[i]
        if k == LOOKUP:
            w = waited[i]
            desk_delay[r] += w if w < same_day_cap else same_day_cap
        elif k == UPLOAD:
            upload_done[r] = done[i]
        if outcome[i] != SUCCESS and (k == LOOKUP or k == UPLOAD):
            failed[r] = True
        if deferrals[i] > 0:
            deferred[r] = True
    return desk_delay, upload_done, failed, deferred


def server_kpis(result: CentralResult, open_hours: np.ndarray) -> dict[str, float]:
    """Server KPIs with names that say what they are.

    ``open_hours`` selects the hourly bins when desks were open (for utilisation and response
    times during service hours).
    """
    out = result.server
    hours = open_hours[open_hours < out.hours]
    util = out.utilisation()[hours] if hours.size else np.zeros(1)
    offered = float(out.attempts.size + out.background_attempts)
    served = float((out.outcome == SUCCESS).sum() + out.background_attempts - out.background_failed)
    return {
        "server_transactions": offered,
        "server_utilisation_open_hours": float(util.mean()),
        "server_utilisation_peak_hour": float(util.max()),
        "server_response_p50_s": out.response_quantile(0.50, hours),
        "server_response_p95_s": out.response_quantile(0.95, hours),
        "server_request_response_p95_s": out.response_quantile(0.95, hours, requests_only=True),
        "server_timeout_share": out.timeout_share(),
        "server_goodput_share": served / offered if offered else 1.0,
        "server_desk_minutes_lost": float(result.desk_delay.sum() * 1440.0),
        "server_files_delayed": float(result.deferred.sum()),
        "server_citizens_gave_up": float(result.failed.sum()),
    }


def hourly_profile(result: CentralResult, open_hours: np.ndarray) -> pd.DataFrame:
    """Utilisation and response-time quantiles by hour of day over the open hours."""
    out = result.server
    hours = open_hours[open_hours < out.hours]
    hod = hours % 24
    rows = []
    util = out.utilisation()
    for h in np.unique(hod):
        sel = hours[hod == h]
        rows.append(
            {
                "hour": int(h),
                "utilisation": float(util[sel].mean()),
                "response_p50_s": out.response_quantile(0.50, sel),
                "response_p95_s": out.response_quantile(0.95, sel),
                "timeout_share": float(out.timeouts_h[sel].sum() / max(out.attempts_h[sel].sum(), 1)),
            }
        )
    return pd.DataFrame(rows)


def next_open_times(open_day: np.ndarray, start_hour: float) -> np.ndarray:
    """``out[d]`` = opening instant (days) of the first open day after day ``d``."""
    days = np.flatnonzero(open_day)
    idx = np.searchsorted(days, np.arange(open_day.shape[0]), side="right")
    out = np.full(open_day.shape[0], np.inf)
    ok = idx < days.size
    out[ok] = days[idx[ok]] + start_hour / 24.0
    return out


def open_hour_bins(open_day: np.ndarray, h0: float, h1: float) -> np.ndarray:
    """Indexes of the hourly bins inside service hours of open days."""
    days = np.flatnonzero(open_day)
    hrs = np.arange(int(np.floor(h0)), int(np.ceil(h1)))
    return (days[:, None] * 24 + hrs[None, :]).ravel()


def server_windows(
    outages: list[tuple[float, float]], degraded: tuple[tuple[float, float, float], ...] = ()
) -> ServerWindows:
    """The server's outage and degraded windows, disjoint.

    Outages (scheduled and random ones, which may overlap each other) are merged into their
    union; degraded periods (disjoint, checked when the scenario is read) keep their factor
    outside the outages and are cut where an outage falls inside them.
    """
    from .calendars import subtract_intervals

    merged: list[list[float]] = []
    for a, b in sorted((float(a), float(b)) for a, b in outages if b > a):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    cuts = [(a, b) for a, b in merged]  # subtract_intervals takes pairs
    rows = [(a, b, 0.0) for a, b in merged]
    for a, b, f in degraded:
        s, e = subtract_intervals(np.array([a]), np.array([b]), cuts)
        rows += [(float(x), float(y), float(f)) for x, y in zip(s, e, strict=True)]
    return ServerWindows.from_list(rows)


def client_intervals(
    ptr: np.ndarray, start: np.ndarray, end: np.ndarray, go_live: np.ndarray, n_villages: int, weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Open intervals of every client that keeps a session.

    Live village desks from their go-live day, and every counter group (``weights`` = clients per
    group, e.g. counters at the office).

    Returns ``(start, end, owner, weight)`` arrays, one row per interval.
    """
    groups = ptr.shape[0] - 1
    owner = np.repeat(np.arange(groups), np.diff(ptr))
    live_from = np.concatenate([go_live.astype(np.float64), np.zeros(groups - n_villages)])
    keep = start >= live_from[owner]
    return start[keep], end[keep], owner[keep], weights[owner[keep]]


# -- the stage inside the engine -------------------------------------------------------------------
#: Keys of a scenario's ``server:`` section that configure the central server (besides
#: ``random_outages_per_year``), with (minimum, maximum) for numbers.
SERVER_KEYS: dict[str, tuple[float, float]] = {
    key: (rules.LIMITS[key].low, rules.LIMITS[key].high)
    for key in (
        "capacity_tps",
        "workers",
        "timeout_s",
        "max_attempts",
        "backoff_s",
        "give_up_after",
        "max_days",
        "queue_limit",
        "session_tph",
        "stagger_hours",
    )
}
#: Keys of :data:`SERVER_KEYS` that belong to the load model (the others to the policy).
LOAD_KEYS = ("session_tph", "stagger_hours")


@dataclass(frozen=True)
class CentralSettings:
    """The central-server stage of a scenario: policy, load model and degraded periods."""

    policy: ServerPolicy
    load: CentralLoad
    degraded: tuple[tuple[float, float, float], ...] = ()
    feedback_rounds: int = 2
    section: tuple[tuple[str, object], ...] = ()  # the scenario's server: keys, for YAML round trips

    def to_section(self) -> dict[str, object]:
        """The ``server:`` keys this came from (``central: true`` when built in code)."""
        return dict(self.section) if self.section else {"central": True}

    @classmethod
    def default(cls) -> CentralSettings:
        """Everything from ``data/calibration/server.yaml``."""
        return cls(policy_from_calibration(), CentralLoad.from_calibration())


def settings_from_section(section: dict, start_date, fail) -> CentralSettings | None:
    """Build :class:`CentralSettings` from a scenario's ``server:`` mapping (``None`` if off).

    ``fail(path, message)`` returns the exception to raise (field paths like ``server.timeout_s``).
    The stage is on when ``central: true`` or any of :data:`SERVER_KEYS`, ``batch_upload`` or
    ``degraded`` is given.
    """
    import datetime as dt

    keys = set(section) - {"random_outages_per_year"}
    if not keys or section.get("central") is False:
        return None
    base = CentralSettings.default()
    policy_kw: dict[str, float | int] = {}
    load_kw: dict[str, object] = {}
    for key in SERVER_KEYS:
        if key not in section:
            continue
        try:
            value = rules.check(key, section[key])
        except rules.Invalid as exc:
            raise fail(f"server.{key}", str(exc)) from None
        (load_kw if key in LOAD_KEYS else policy_kw)[key] = value
    if "central" in section and not isinstance(section["central"], bool):
        raise fail("server.central", f"{section['central']!r} must be true or false")
    if section.get("batch_upload") is not None:
        text = str(section["batch_upload"]).strip()
        try:
            h0, h1 = (float(x) for x in text.split("-", 1))
        except ValueError:
            raise fail("server.batch_upload", f"{text!r} must be a window of hours H0-H1, e.g. 15-21") from None
        if not 0 <= h0 < h1 <= 24:
            raise fail("server.batch_upload", f"{text!r}: need 0 <= H0 < H1 <= 24")
        load_kw["upload_window"] = (h0, h1)
    degraded: list[tuple[float, float, float]] = []
    raw = section.get("degraded") or []
    if not isinstance(raw, list):
        raise fail("server.degraded", "must be a list of {start, end, factor}")
    for i, item in enumerate(raw):
        path = f"server.degraded[{i}]"
        if (
            not isinstance(item, dict)
            or set(item) - {"start", "end", "factor"}
            or not {"start", "end", "factor"} <= set(item)
        ):
            raise fail(path, "must be a mapping with start, end (dates or date-times) and factor (0..1)")
        try:
            a = _as_day(item["start"], start_date)
            b = _as_day(item["end"], start_date)
        except ValueError as exc:
            raise fail(path, str(exc)) from None
        f = item["factor"]
        if isinstance(f, bool) or not isinstance(f, (int, float)) or not 0 <= f <= 1:
            raise fail(f"{path}.factor", f"{f!r} must be a number in 0..1 (0 = down)")
        if b <= a:
            raise fail(f"{path}.end", "must be after start")
        degraded.append((a, b, float(f)))
    try:
        policy = replace(base.policy, **policy_kw)  # type: ignore[arg-type]
        ServerWindows.from_list(degraded)
    except Exception as exc:  # SakeraInputError from the policy or windows checks
        raise fail("server", str(exc)) from None
    del dt
    kept = tuple((k, v) for k, v in section.items() if k != "random_outages_per_year")
    return CentralSettings(policy, replace(base.load, **load_kw), tuple(degraded), section=kept)  # type: ignore[arg-type]


def _as_day(value, start_date) -> float:
    import datetime as dt

    if isinstance(value, dt.datetime):
        base = dt.datetime.combine(start_date, dt.time())
        return (value - base).total_seconds() / 86400.0
    if isinstance(value, dt.date):
        return float((value - start_date).days)
    try:
        parsed = dt.datetime.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{value!r} is not a date (YYYY-MM-DD) or date-time (YYYY-MM-DD HH:MM)") from None
    return (parsed - dt.datetime.combine(start_date, dt.time())).total_seconds() / 86400.0


def _reserve_desk(inputs, req, rec, cal, extra: np.ndarray):
    """Serve the desk again with each visit's handling time lengthened by ``extra`` (days)."""
    from .kernel import Rounds, serve_rows, visit_summary
    from .stages import DeskRecord, Visits

    r = rec.rounds
    n = len(req)
    ids = np.repeat(np.arange(n), np.diff(r.xptr))
    rounds = Rounds(r.service0 + extra, r.fail0, r.delay0, r.xptr, r.xservice + extra[ids], r.xfail, r.xdelay, r.rounds)
    group = rec.group
    if req.backlog.any():
        walk_in = np.flatnonzero(~req.backlog)
        out = serve_rows(group[walk_in], req.arrival[walk_in], rounds, inputs.desk_servers, cal.service, rows=walk_in)
        log = Visits.from_kernel(out, walk_in, group)
    else:
        out = serve_rows(group, req.arrival, rounds, inputs.desk_servers, cal.service)
        log = Visits.from_kernel(out, None, group)
    start, end, last_round, visits = visit_summary(n, log.request, log.round, log.start, log.end, inputs.days)
    return DeskRecord(group, start, end, last_round, visits, rec.error_rate, rounds, log)


def _stage_times(inputs, req, channel, rec, skill_of_request, later) -> StageTimes:
    verify_start, signed, printed = later
    return StageTimes(
        desk_start=rec.start,
        desk_end=rec.end,
        desk_group=rec.group,
        skill=skill_of_request,
        upload=np.where(np.isfinite(rec.end) & ~req.backlog, rec.end, np.inf),
        verify_start=verify_start,
        signed=signed,
        printed=printed,
        district=inputs.geography.district_of[req.village.astype(np.int64)],
    )


@dataclass(frozen=True)
class ServerStageRecord:
    """What the central server did in a replication (desk-side pass; see :func:`desk_and_server`)."""

    result: CentralResult
    kpis: dict[str, float]
    hourly: pd.DataFrame


def desk_and_server(inputs, req, channel, cal, rec, later, rng: np.random.Generator, settings: CentralSettings):
    """Desk visits and the central server, solved together.

    The desk's look-ups and uploads go to the server, whose response times lengthen the visits,
    which moves the look-ups: a fixed point, reached by ``settings.feedback_rounds`` passes
    (desk -> server -> desk with the look-up waits added to handling). Back-office, TTE and print
    transactions are placed at ``later = (verify_start, signed, printed)``, the times of the flow's
    later stages in a pass without the server (one pass behind: they move little), so the server
    carries the load of every channel and stage.

    Returns the final :class:`~.stages.DeskRecord`, the per-request upload completion and
    give-up flags, and a :class:`ServerStageRecord`.
    """
    from .channel import DESA

    V = inputs.villages
    village = req.village.astype(np.int64)
    skill = np.where(channel == DESA, inputs.skill[village], inputs.office_skill)
    groups = cal.service.ptr.shape[0] - 1
    sessions = np.concatenate([inputs.operators.astype(np.float64), inputs.counters.astype(np.float64)])[:groups]
    clients = client_intervals(
        cal.service.ptr, cal.service.start, cal.service.end, np.asarray(inputs.go_live), V, sessions
    )
    windows = server_windows(cal.outages, settings.degraded)
    next_open = next_open_times(cal.open_day, cal.day_start_hour)
    horizon = float(inputs.days)
    seed_tx, seed_srv = rng.integers(0, 2**63 - 1, size=2)
    # the clients' polling does not depend on the stage times: drawn once, served in every pass
    background = session_traffic(
        clients[0],
        clients[1],
        clients[3],
        settings.load.session_tph,
        np.random.default_rng([int(seed_tx), 1]),
        horizon_days=horizon,
        service_cv=settings.policy.service_cv,
    )
    extra = np.zeros(len(req))
    res = None
    rounds = max(1, settings.feedback_rounds)
    back = None
    for k in range(rounds):
        if k:
            rec = _reserve_desk(inputs, req, rec, cal, extra)
        times = _stage_times(inputs, req, channel, rec, skill, later)
        if back is None:
            back = back_office_transactions(times, settings.load, horizon_days=horizon)
        tx = build_transactions(
            times,
            settings.load,
            np.random.default_rng(seed_tx),
            operator_clients=V,
            horizon_days=horizon,
            back_office=back,
        )
        res = serve_stage(
            tx,
            len(req),
            settings.policy,
            np.random.default_rng(seed_srv),
            next_open=next_open,
            windows=windows,
            horizon_days=horizon,
            background=background,
            stats=k == rounds - 1,  # only the last pass is reported
        )
        extra = res.desk_delay
        if k < rounds - 1:
            del tx  # free the feedback pass before the next one is built
            res = None
    assert res is not None
    hours = open_hour_bins(cal.open_day[: int(horizon)], cal.day_start_hour, cal.day_end_hour)
    return rec, res, ServerStageRecord(res, server_kpis(res, hours), hourly_profile(res, hours))


def upload_record(up, res: CentralResult, req, desk_rec, horizon: int):
    """The upload stage with the server.

    A file reaches the back office when its upload transaction succeeds; a citizen whose look-ups
    or upload never got through within ``max_days`` working days gives up (abandoned at the desk).
    """
    from .stages import UploadRecord

    sent = np.isfinite(desk_rec.end) & ~req.backlog & np.isfinite(up.end)
    end = np.where(sent, res.upload_done, up.end)
    gave_up = sent & res.failed
    end = np.where(gave_up, np.inf, end)
    abandoned_at = np.where(gave_up, desk_rec.end, up.abandoned_at)
    return UploadRecord(abandoned_at, end)
