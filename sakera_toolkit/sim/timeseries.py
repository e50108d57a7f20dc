"""Daily time series of one replication: queues, backlog, blanko stock, utilisation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from numba import njit

if TYPE_CHECKING:  # pragma: no cover
    from .calendars import Calendars
    from .flow import Replication
    from .inputs import EngineInputs
    from .stages import Visits

__all__ = ["daily", "resource_usage", "count_between", "ResourceUsage"]


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
def _busy_by_day(start, work, group, split, ptr, cs, ce, days):
    """Work per day, following each visit through its group's open intervals (groups ``< split`` and the others).

    A visit's ``work`` runs in the open time of its group from ``start``; the part falling on day
    ``d`` is booked on day ``d`` (open intervals never cross midnight). The kernel lists a group's
    visits together with non-decreasing starts, so the interval cursor walks on from the previous
    visit (a search only when the group changes or a start goes back: the same interval either way).
    """
    low = np.zeros(days, dtype=np.float64)
    high = np.zeros(days, dtype=np.float64)
    prev_g = -1
    prev_t = np.inf
    k = 0
    for v in range(start.shape[0]):
        t = start[v]
        if not np.isfinite(t) or t >= days:
            continue
        g = group[v]
        hi = ptr[g + 1]
        if g == prev_g and t >= prev_t:
            while k < hi and ce[k] <= t:
                k += 1
        else:
            lo = ptr[g]
            k = lo + np.searchsorted(ce[lo:hi], t, side="right")  # first interval ending after t
        prev_g = g
        prev_t = t
        j = k
        rem = work[v]
        while rem > 0.0 and j < hi:
            s = cs[j] if cs[j] > t else t
            seg = ce[j] - s
            if seg > rem:
                seg = rem
            d = int(np.floor(s))
            if d >= days:
                break
            if g < split:
                low[d] += seg
            else:
                high[d] += seg
            rem -= seg
            j += 1
    return low, high


@dataclass(frozen=True)
class ResourceUsage:
    """Busy and available server time (days) per day for desks, counters and verifiers, shape ``(H,)``."""

    capacity_desk: np.ndarray
    capacity_counter: np.ndarray
    capacity_verifier: np.ndarray
    busy_desk: np.ndarray
    busy_counter: np.ndarray
    busy_verifier: np.ndarray

    def columns(self) -> dict[str, np.ndarray]:
        """The six series by name."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def resource_usage(inputs: EngineInputs, cal: Calendars, desk: Visits, verify: Visits) -> ResourceUsage:
    """Busy and available server time per day for desks, counters and verifiers."""
    H = int(inputs.days)
    V = inputs.villages
    open_service = cal.open_per_day(cal.service)[:, :H]
    live = np.arange(H)[None, :] >= inputs.go_live[:, None]
    sv, bo = cal.service, cal.backoffice
    busy_desk, busy_counter = _busy_by_day(desk.start, desk.work, desk.group, V, sv.ptr, sv.start, sv.end, H)
    busy_verifier, _ = _busy_by_day(verify.start, verify.work, verify.group, 1, bo.ptr, bo.start, bo.end, H)
    return ResourceUsage(
        capacity_desk=(open_service[:V] * inputs.operators[:, None] * live).sum(axis=0),
        capacity_counter=(open_service[V:] * inputs.counters[:, None]).sum(axis=0),
        capacity_verifier=cal.open_per_day(bo)[0, :H] * inputs.office_verifiers,
        busy_desk=busy_desk,
        busy_counter=busy_counter,
        busy_verifier=busy_verifier,
    )


def daily(rep: Replication, inputs: EngineInputs) -> pd.DataFrame:
    """One row per simulated day of a replication (state at the end of the day, flows during it)."""
    req, oc, dv, vv, usage = rep.requests, rep.outcome, rep.desk.log, rep.back_office.log, rep.usage
    out = rep.output
    H = int(inputs.days)
    V = inputs.villages
    arrival = req.arrival
    walk_in = ~req.backlog
    exit_day = np.floor(oc.exit)

    def per_day(mask: np.ndarray, day: np.ndarray) -> np.ndarray:
        return np.bincount(day[mask].astype(np.int64), minlength=H)[:H]

    desk_mask = dv.group < V
    nan = np.nan
    card = out.card
    couriered = card & np.isin(rep.channel, [0, 3])
    days_idx = np.arange(H)

    def ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.divide(a, b, out=np.full(H, np.nan), where=b > 0)

    return pd.DataFrame(
        {
            "replication": np.full(H, rep.index, dtype=np.int32),
            "day": days_idx,
            "date": pd.Timestamp(inputs.start_date) + pd.to_timedelta(days_idx, unit="D"),
            "arrivals": per_day(walk_in & (arrival < H), np.floor(arrival)),
            "completed": per_day(oc.code == 0, exit_day),
            "abandoned": per_day(oc.code == 1, exit_day),
            "in_system": count_between(arrival, oc.exit, H),
            "desk_queue": count_between(dv.arrival[desk_mask], dv.start[desk_mask], H),
            "counter_queue": count_between(dv.arrival[~desk_mask], dv.start[~desk_mask], H),
            "verification_queue": count_between(vv.arrival, vv.start, H),
            "awaiting_signature": count_between(rep.back_office.end, rep.signing.signed, H),
            "print_queue": count_between(np.where(card, rep.signing.signed, nan), np.where(card, out.printed, nan), H),
            "in_transit": count_between(
                np.where(couriered, out.printed, nan), np.where(couriered, rep.delivery.ready, nan), H
            ),
            "blanko_ktp": out.stock_end_of_day[0, :H],
            "blanko_kia": out.stock_end_of_day[1, :H],
            "stockout_ktp": out.stockout[0, :H],
            "stockout_kia": out.stockout[1, :H],
            "blanko_ordered_ktp": out.ordered[0, :H],
            "blanko_ordered_kia": out.ordered[1, :H],
            "utilisation_desk": ratio(usage.busy_desk, usage.capacity_desk),
            "utilisation_counter": ratio(usage.busy_counter, usage.capacity_counter),
            "utilisation_verifier": ratio(usage.busy_verifier, usage.capacity_verifier),
            **{
                k: getattr(usage, k)
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
