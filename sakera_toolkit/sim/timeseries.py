"""Daily time series of one replication: queues, backlog, blanko stock, utilisation."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["daily", "count_between"]


def _upto(times: np.ndarray, days: int) -> np.ndarray:
    """Number of ``times`` < d + 1 for each day d (NaN/inf never count)."""
    t = times[np.isfinite(times)]
    idx = np.minimum(np.floor(t), days).astype(np.int64)
    return np.cumsum(np.bincount(idx, minlength=days + 1)[:days])


def count_between(enter: np.ndarray, leave: np.ndarray, days: int) -> np.ndarray:
    """Items with ``enter <= t < leave`` at the end of each day (``t = d + 1``; NaN/inf = never)."""
    return _upto(np.asarray(enter, float), days) - _upto(np.asarray(leave, float), days)


def _busy(day_of_start: np.ndarray, work: np.ndarray, days: int) -> np.ndarray:
    ok = np.isfinite(day_of_start) & (day_of_start < days)
    return np.bincount(day_of_start[ok].astype(np.int64), weights=work[ok], minlength=days)[:days]


def daily(params, st, cal, raw: dict, dv: dict, vv: dict, exit_time, card, stock_eod, stockout, ordered, replication: int) -> pd.DataFrame:
    """One row per simulated day (state at the end of the day, flows during the day)."""
    H = int(params.days)
    V = len(st.codes)
    arrival = raw["arrival"]
    walk_in = ~raw["backlog"]
    outcome = raw["outcome"]
    exit_day = np.floor(raw["exit"])

    def per_day(mask, day):
        return np.bincount(day[mask].astype(np.int64), minlength=H)[:H]

    desk_mask = dv["group"] < V
    nan = np.nan
    couriered = card & np.isin(raw["channel"], [0, 3])

    open_service = cal.open_per_day(cal.service)[:, :H]
    days_idx = np.arange(H)
    live = days_idx[None, :] >= st.go_live[:, None]
    desk_cap = (open_service[:V] * st.operators[:, None] * live).sum(axis=0)
    counters = np.concatenate(
        [[params.office_counters, params.mpp_counters], np.full(len(st.district_codes), params.kecamatan_counters())]
    )
    counter_cap = (open_service[V:] * counters[:, None]).sum(axis=0)
    verifier_cap = cal.open_per_day(cal.backoffice)[0, :H] * params.office_verifiers
    d_start = np.floor(dv["start"])
    desk_busy = _busy(d_start[desk_mask], dv["work"][desk_mask], H)
    counter_busy = _busy(d_start[~desk_mask], dv["work"][~desk_mask], H)
    verifier_busy = _busy(np.floor(vv["start"]), vv["work"], H)

    def ratio(a, b):
        return np.divide(a, b, out=np.full(H, np.nan), where=b > 0)

    return pd.DataFrame(
        {
            "replication": np.full(H, replication, dtype=np.int32),
            "day": days_idx,
            "date": pd.Timestamp(params.start_date) + pd.to_timedelta(days_idx, unit="D"),
            "arrivals": per_day(walk_in & (arrival < H), np.floor(arrival)),
            "completed": per_day(outcome == 0, exit_day),
            "abandoned": per_day(outcome == 1, exit_day),
            "in_system": count_between(arrival, exit_time, H),
            "desk_queue": count_between(dv["arrival"][desk_mask], dv["start"][desk_mask], H),
            "counter_queue": count_between(dv["arrival"][~desk_mask], dv["start"][~desk_mask], H),
            "verification_queue": count_between(vv["arrival"], vv["start"], H),
            "awaiting_signature": count_between(raw["verify_end"], raw["signed"], H),
            "print_queue": count_between(np.where(card, raw["signed"], nan), np.where(card, raw["printed"], nan), H),
            "in_transit": count_between(np.where(couriered, raw["printed"], nan), np.where(couriered, raw["ready"], nan), H),
            "blanko_ktp": stock_eod[0, :H],
            "blanko_kia": stock_eod[1, :H],
            "stockout_ktp": stockout[0, :H],
            "stockout_kia": stockout[1, :H],
            "blanko_ordered_ktp": ordered[0, :H],
            "blanko_ordered_kia": ordered[1, :H],
            "utilisation_desk": ratio(desk_busy, desk_cap),
            "utilisation_counter": ratio(counter_busy, counter_cap),
            "utilisation_verifier": ratio(verifier_busy, verifier_cap),
            "busy_desk": desk_busy,
            "capacity_desk": desk_cap,
            "busy_counter": counter_busy,
            "capacity_counter": counter_cap,
            "busy_verifier": verifier_busy,
            "capacity_verifier": verifier_cap,
        }
    )
