"""From the service flow to the central server's workload, and back: which transactions each
request sends, the background load of every logged-in desk, and the server KPIs.

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

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import calibration
from .server import SUCCESS, ServerOutcome, ServerPolicy, ServerWindows, serve_transactions, service_draws

__all__ = [
    "KIND_NAMES",
    "CentralLoad",
    "StageTimes",
    "Transactions",
    "CentralResult",
    "policy_from_calibration",
    "build_transactions",
    "serve_stage",
    "server_kpis",
    "hourly_profile",
    "open_loop",

    "next_open_times",
    "open_hour_bins",
    "client_intervals",
]

#: Transaction kinds, in code order.
KIND_NAMES = ("lookup", "upload", "verify", "tte", "print", "session")
LOOKUP, UPLOAD, VERIFY, TTE, PRINT, SESSION = range(len(KIND_NAMES))


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


def policy_from_calibration(cal: calibration.Calibration | None = None, **overrides: float | int | bool) -> ServerPolicy:
    """The server policy of ``data/calibration/server.yaml``, with keyword overrides."""
    c = cal or calibration.load("server")
    names = (
        "capacity_tps",
        "workers",
        "timeout_s",
        "max_attempts",
        "backoff_s",
        "backoff_factor",
        "jitter",
        "give_up_after",
        "max_days",
        "discard_stale",
        "service_cv",
        "queue_limit",
        "defer_spread_s",
    )
    values = {k: c[k] for k in names}
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
    request: np.ndarray  # -1 for background session traffic
    kind: np.ndarray


def spread_batches(t: np.ndarray, spread_days: float) -> np.ndarray:
    """Spread transactions submitted at the same instant (a TTE batch, a print run) evenly over
    ``spread_days`` after it: one signer or printer works through a batch file after file."""
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


def _session_times(
    open_start: np.ndarray,
    open_end: np.ndarray,
    weight: np.ndarray,
    tph: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Poisson background transactions over each client's open intervals (``weight`` sessions)."""
    if tph <= 0 or not len(open_start):
        return np.zeros(0)
    length = np.maximum(open_end - open_start, 0.0)
    counts = rng.poisson(length * 24.0 * tph * weight)
    idx = np.repeat(np.arange(len(length)), counts)
    return open_start[idx] + rng.random(idx.size) * length[idx]


def build_transactions(
    times: StageTimes,
    load: CentralLoad,
    rng: np.random.Generator,
    *,
    operator_clients: int,
    clients: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None,
    horizon_days: float,
) -> Transactions:
    """Turn stage times into server transactions (plus background session traffic).

    ``clients`` = ``(start, end, owner, sessions)`` open intervals of the clients that keep a
    session (see :func:`client_intervals`); their polling is fire-and-forget (never retried).
    Desk groups ``< operator_clients`` (the village desks, one or two operators each) give up for
    the day after repeated failures; the counters of the office, MPP and kecamatan points and the
    back office keep trying.
    """
    n = times.desk_start.shape[0]
    parts_t: list[np.ndarray] = []
    parts_o: list[np.ndarray] = []
    parts_r: list[np.ndarray] = []
    parts_k: list[np.ndarray] = []
    parts_w: list[np.ndarray] = []
    rid = np.arange(n, dtype=np.int64)

    def add(t: np.ndarray, owner: np.ndarray, req: np.ndarray, kind: int, work: np.ndarray) -> None:
        keep = np.isfinite(t) & (t < horizon_days)
        parts_t.append(t[keep])
        parts_o.append(owner[keep].astype(np.int64))
        parts_r.append(req[keep])
        parts_k.append(np.full(int(keep.sum()), kind, np.int8))
        parts_w.append(work[keep])

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
    if load.desk_lookups > 0 and di.size:
        per = load.desk_lookups * (1.0 + load.lookup_skill_extra * (1.0 - times.skill[di]))
        k = np.floor(per + rng.random(di.size)).astype(np.int64)  # unbiased integer count
        req = np.repeat(di, k)
        pos = rng.random(req.size)
        t = times.desk_start[req] + pos * (times.desk_end[req] - times.desk_start[req]) + shift[req]
        t = np.where(batched[req], upload_t[req] - (1.0 - pos) * 60.0 / 86400.0, t)  # just before the upload
        own = times.desk_group[req]
        own = np.where(batched[req], -1, own)  # an unattended batch job keeps retrying
        add(t, np.where(own < operator_clients, own, -1), req, LOOKUP, np.full(req.size, load.lookup_work))
    back = np.full(n, -1, np.int64)  # back office and signing: staff keep trying, no give-up
    operator = np.where(times.desk_group < operator_clients, times.desk_group, -1)
    operator = np.where(batched, -1, operator)
    add(upload_t, operator, rid, UPLOAD, np.full(n, load.upload_work))
    if load.verify_transactions > 0:
        req = np.repeat(rid, load.verify_transactions)
        add(times.verify_start[req], back[req], req, VERIFY, np.ones(req.size))
    spread = load.batch_spread_minutes / 1440.0
    add(spread_batches(times.signed, spread), back, rid, TTE, np.full(n, load.tte_work))
    add(spread_batches(times.printed, spread), back, rid, PRINT, np.full(n, load.print_work))
    if clients is not None:
        ts = _session_times(clients[0], clients[1], clients[3], load.session_tph, rng)
        add(ts, np.full(ts.size, -2, np.int64), np.full(ts.size, -1, np.int64), SESSION, np.ones(ts.size))
    t = np.concatenate(parts_t)
    order = np.argsort(t)
    return Transactions(
        submit=t[order],
        work=np.concatenate(parts_w)[order],
        owner=np.concatenate(parts_o)[order],
        request=np.concatenate(parts_r)[order],
        kind=np.concatenate(parts_k)[order],
    )


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
) -> CentralResult:
    """Serve the transactions and map the outcome back to requests."""
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
    )
    has_req = tx.request >= 0
    req = tx.request[has_req]
    waited = out.waited[has_req]
    # a citizen at the desk waits at most one day's attempts; a look-up that only succeeded on a
    # later day held the desk for its day's attempts (timeouts and backoffs)
    same_day_cap = (policy.max_attempts * policy.timeout_s + policy.backoff_s * sum(policy.backoff_factor**k for k in range(policy.max_attempts - 1))) / 86400.0
    finite_wait = np.minimum(np.where(np.isfinite(waited), waited, same_day_cap), same_day_cap)
    is_lookup = tx.kind[has_req] == LOOKUP
    desk_delay = np.bincount(req[is_lookup], weights=finite_wait[is_lookup], minlength=n_requests)
    desk_side = (tx.kind[has_req] == LOOKUP) | (tx.kind[has_req] == UPLOAD)
    failed = (
        np.bincount(req, weights=((out.outcome[has_req] != SUCCESS) & desk_side).astype(np.float64), minlength=n_requests)
        > 0
    )
    deferred = np.bincount(req, weights=out.deferrals[has_req].astype(np.float64), minlength=n_requests) > 0
    upload_done = np.full(n_requests, np.inf)
    is_upload = tx.kind[has_req] == UPLOAD
    upload_done[req[is_upload]] = out.done[has_req][is_upload]
    return CentralResult(tx, out, desk_delay, upload_done, failed, deferred)


def server_kpis(result: CentralResult, open_hours: np.ndarray) -> dict[str, float]:
    """Server KPIs with names that say what they are.

    ``open_hours`` selects the hourly bins when desks were open (for utilisation and response
    times during service hours).
    """
    out = result.server
    hours = open_hours[open_hours < out.hours]
    util = out.utilisation()[hours] if hours.size else np.zeros(1)
    offered = float(out.attempts.size)
    served = float((out.outcome == SUCCESS).sum())
    return {
        "server_transactions": offered,
        "server_utilisation_open_hours": float(util.mean()),
        "server_utilisation_peak_hour": float(util.max()),
        "server_response_p50_s": out.response_quantile(0.50, hours),
        "server_response_p95_s": out.response_quantile(0.95, hours),
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


def client_intervals(
    ptr: np.ndarray, start: np.ndarray, end: np.ndarray, go_live: np.ndarray, n_villages: int, weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Open intervals of every client that keeps a session: live village desks from their go-live
    day, and every counter group (``weights`` = clients per group, e.g. counters at the office).

    Returns ``(start, end, owner, weight)`` arrays, one row per interval.
    """
    groups = ptr.shape[0] - 1
    owner = np.repeat(np.arange(groups), np.diff(ptr))
    live_from = np.concatenate([go_live.astype(np.float64), np.zeros(groups - n_villages)])
    keep = start >= live_from[owner]
    return start[keep], end[keep], owner[keep], weights[owner[keep]]


def open_loop(part: dict, params, policy: ServerPolicy | None = None, load: CentralLoad | None = None, seed: int = 0):
    """Serve one replication's requests on the central server after the fact (no feedback).

    ``part`` is a replication of :func:`sakera_toolkit.sim.flow.run_replication`. Returns
    ``(CentralResult, kpis)``.
    """
    policy = policy or policy_from_calibration()
    load = load or CentralLoad.from_calibration()
    raw, st, cal = part["raw"], part["static"], part["calendars"]
    rng = np.random.default_rng(seed)
    V = len(st.codes)
    channel = raw["channel"]
    village = raw["village"]
    from .channel import DESA, KECAMATAN, MPP, OFFICE

    group = np.where(
        channel == DESA,
        village,
        np.where(channel == OFFICE, V, np.where(channel == MPP, V + 1, V + 2 + st.district_of[village])),
    )
    skill = np.where(channel == DESA, st.skill[village], float(params.office_skill))
    times = StageTimes(
        desk_start=raw["desk_start"],
        desk_end=raw["desk_end"],
        desk_group=group,
        skill=skill,
        upload=np.where(np.isfinite(raw["upload_end"]), raw["desk_end"], np.inf),
        verify_start=raw["verify_start"],
        signed=raw["signed"],
        printed=raw["printed"],
        district=st.district_of[village],
    )
    groups = cal.service.ptr.shape[0] - 1
    sessions = np.concatenate(
        [st.operators.astype(np.float64), [params.office_counters, params.mpp_counters], np.full(groups - V - 2, float(params.kecamatan_counters()))]
    )
    clients = client_intervals(cal.service.ptr, cal.service.start, cal.service.end, st.go_live, V, sessions)
    horizon = float(params.days)
    tx = build_transactions(times, load, rng, operator_clients=V, clients=clients, horizon_days=horizon)
    windows = ServerWindows.from_list([(a, b, 0.0) for a, b in cal.outages])
    res = serve_stage(
        tx,
        raw["arrival"].shape[0],
        policy,
        rng,
        next_open=next_open_times(cal.open_day, cal.day_start_hour),
        windows=windows,
        horizon_days=horizon,
    )
    hours = open_hour_bins(cal.open_day[: int(horizon)], cal.day_start_hour, cal.day_end_hour)
    return res, server_kpis(res, hours)
