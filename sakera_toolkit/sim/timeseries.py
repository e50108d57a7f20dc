"""Daily time series of one replication: queues, backlog, blanko stock, utilisation."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numba import njit

__all__ = ["daily", "resource_usage", "count_between"]


@njit(cache=True)
def _count_between(enter, leave, days):
    out = np.zeros(days + 1, dtype=np.int64)
    for i in range(enter.shape[0]):
        t = enter[i]
        if np.isfinite(t):
            out[min(int(np.floor(t)), days)] += 1
    for i in range(leave.shape[0]):
        t = leave[i]
        if np.isfinite(t):
            out[min(int(np.floor(t)), days)] -= 1
    return np.cumsum(out[:days])


def count_between(enter: np.ndarray, leave: np.ndarray, days: int) -> np.ndarray:
    """Items with ``enter <= t < leave`` at the end of each day (``t = d + 1``; NaN/inf = never)."""
    return _count_between(
        np.ascontiguousarray(enter, dtype=np.float64), np.ascontiguousarray(leave, dtype=np.float64), int(days)
    )


@njit(cache=True)
def _busy_split(start, work, group, split, days):
    """Work per day of the visits' start, for visits of groups ``< split`` and the others."""
    low = np.zeros(days, dtype=np.float64)
    high = np.zeros(days, dtype=np.float64)
    for v in range(start.shape[0]):
        d = np.floor(start[v])
        if np.isfinite(d) and d < days:
            if group[v] < split:
                low[int(d)] += work[v]
            else:
                high[int(d)] += work[v]
    return low, high


def resource_usage(params, st, cal, dv: dict, vv: dict) -> dict[str, np.ndarray]:
    """Busy and available server time (days) per day for desks, counters and verifiers."""
    H = int(params.days)
    V = len(st.codes)
    open_service = cal.open_per_day(cal.service)[:, :H]
    days_idx = np.arange(H)
    live = days_idx[None, :] >= st.go_live[:, None]
    counters = np.concatenate(
        [[params.office_counters, params.mpp_counters], np.full(len(st.district_codes), params.kecamatan_counters())]
    )
    busy_desk, busy_counter = _busy_split(dv["start"], dv["work"], dv["group"], V, H)
    busy_verifier, _ = _busy_split(vv["start"], vv["work"], np.zeros(len(vv["start"]), np.int64), 1, H)
    return {
        "capacity_desk": (open_service[:V] * st.operators[:, None] * live).sum(axis=0),
        "capacity_counter": (open_service[V:] * counters[:, None]).sum(axis=0),
        "capacity_verifier": cal.open_per_day(cal.backoffice)[0, :H] * params.office_verifiers,
        "busy_desk": busy_desk,
        "busy_counter": busy_counter,
        "busy_verifier": busy_verifier,
    }


def daily(part: dict, params) -> pd.DataFrame:
    """One row per simulated day of a replication (state at the end of the day, flows during it)."""
    raw, dv, vv, usage = part["raw"], part["desk_visits"], part["verify_visits"], part["usage"]
    stock_eod, stockout, ordered = part["stock_eod"], part["stockout"], part["ordered"]
    replication = int(raw["replication"][0]) if len(raw["replication"]) else 0
    H = int(params.days)
    V = len(part["static"].codes)
    arrival = raw["arrival"]
    walk_in = ~raw["backlog"]
    outcome = raw["outcome"]
    exit_day = np.floor(raw["exit"])

    def per_day(mask, day):
        return np.bincount(day[mask].astype(np.int64), minlength=H)[:H]

    desk_mask = dv["group"] < V
    nan = np.nan
    card = part["card"]
    couriered = card & np.isin(raw["channel"], [0, 3])
    days_idx = np.arange(H)

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
            "in_system": count_between(arrival, part["exit_time"], H),
            "desk_queue": count_between(dv["arrival"][desk_mask], dv["start"][desk_mask], H),
            "counter_queue": count_between(dv["arrival"][~desk_mask], dv["start"][~desk_mask], H),
            "verification_queue": count_between(vv["arrival"], vv["start"], H),
            "awaiting_signature": count_between(raw["verify_end"], raw["signed"], H),
            "print_queue": count_between(np.where(card, raw["signed"], nan), np.where(card, raw["printed"], nan), H),
            "in_transit": count_between(
                np.where(couriered, raw["printed"], nan), np.where(couriered, raw["ready"], nan), H
            ),
            "blanko_ktp": stock_eod[0, :H],
            "blanko_kia": stock_eod[1, :H],
            "stockout_ktp": stockout[0, :H],
            "stockout_kia": stockout[1, :H],
            "blanko_ordered_ktp": ordered[0, :H],
            "blanko_ordered_kia": ordered[1, :H],
            "utilisation_desk": ratio(usage["busy_desk"], usage["capacity_desk"]),
            "utilisation_counter": ratio(usage["busy_counter"], usage["capacity_counter"]),
            "utilisation_verifier": ratio(usage["busy_verifier"], usage["capacity_verifier"]),
            **{
                k: usage[k]
                for k in (
                    "busy_desk",
                    "capacity_desk",
                    "busy_counter",
                    "capacity_counter",
                    "busy_verifier",
                    "capacity_verifier",
                )
            },
        }
    )
