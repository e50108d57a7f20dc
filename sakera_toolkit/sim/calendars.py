"""Working calendars of desks, counters, the back office and the central server.

All calendars are built once per replication as numpy arrays of open intervals (days from day 0),
covering the horizon plus ``calendar_tail_days`` so work started inside the horizon can finish.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from .kernel import Calendar

if TYPE_CHECKING:  # pragma: no cover
    from .inputs import EngineInputs

__all__ = ["Calendars", "build_calendars", "subtract_intervals", "draw_outages"]


@njit(cache=True)
def _open_per_day(ptr, start, end, groups, total_days):
    out = np.zeros((groups, total_days), dtype=np.float64)
    for g in range(groups):
        for k in range(ptr[g], ptr[g + 1]):
            out[g, min(int(np.floor(start[k])), total_days - 1)] += end[k] - start[k]
    return out


def subtract_intervals(
    start: np.ndarray, end: np.ndarray, cuts: list[tuple[float, float]]
) -> tuple[np.ndarray, np.ndarray]:
    """Remove the closed periods ``cuts`` ([a, b) pairs) from sorted disjoint open intervals."""
    start = np.asarray(start, dtype=float)
    end = np.asarray(end, dtype=float)
    for a, b in cuts:
        inside = (start >= a) & (end <= b)
        split = (start < a) & (end > b)
        left_clip = (start < a) & (end > a) & ~split  # ends inside the cut
        right_clip = (start < b) & (end > b) & ~split  # starts inside the cut
        new_end = np.where(left_clip, a, end)
        new_start = np.where(right_clip, b, start)
        keep = ~inside
        extra_s = new_start[split].copy()
        extra_e = np.full(extra_s.shape, a)
        tail_s = np.full(extra_s.shape, b)
        tail_e = new_end[split]
        s = np.concatenate([new_start[keep & ~split], extra_s, tail_s])
        e = np.concatenate([new_end[keep & ~split], extra_e, tail_e])
        order = np.argsort(s, kind="stable")
        start, end = s[order], e[order]
        ok = end > start
        start, end = start[ok], end[ok]
    return start, end


def draw_outages(params: EngineInputs, rng: np.random.Generator, mean_days: float) -> list[tuple[float, float]]:
    """Scheduled outages plus random ones (Poisson count, uniform start, exponential length)."""
    out = list(params.outages)
    rate = params.random_outages_per_year * params.days / 365.25
    n = int(rng.poisson(rate)) if rate > 0 else 0
    starts = rng.uniform(0, params.days, n)
    lengths = rng.exponential(mean_days, n)
    out += [(float(a), float(a + b)) for a, b in zip(starts, lengths, strict=True)]
    return sorted(out)


@dataclass
class Calendars:
    """Everything time-related the flow needs.

    ``service`` groups: villages ``0..V-1`` (desks), then office, MPP and the kecamatan points.
    """

    total_days: int
    open_day: np.ndarray  # (T,) office open days
    workday_index: np.ndarray  # (T,) open days before each day
    service: Calendar  # desks and counters
    backoffice: Calendar  # verifiers: office hours minus outages
    server: Calendar  # central server up (for uploads)
    signing: np.ndarray  # sorted TTE batch instants
    courier: np.ndarray  # sorted courier departures
    outages: list[tuple[float, float]]
    day_start_hour: float
    day_end_hour: float

    def open_per_day(self, cal: Calendar, groups: int | None = None) -> np.ndarray:
        """Open time (days) per group and day, shape ``(groups, total_days)``."""
        g = cal.groups if groups is None else groups
        return _open_per_day(cal.ptr, cal.start, cal.end, g, self.total_days)


def build_calendars(
    params: EngineInputs,
    n_villages: int,
    operators: np.ndarray,
    n_points: int,
    rng_leave: np.random.Generator,
    outages: list[tuple[float, float]],
    tail_days: int,
    courier_hour: float,
) -> Calendars:
    """Build the calendars of one replication."""
    total = int(params.days + tail_days)
    first = np.datetime64(params.start_date.isoformat())
    days = first + np.arange(total)
    weekday = (days.astype(np.int64) + 3) % 7
    hol = np.array([np.datetime64(d.isoformat()) for d in params.holidays], dtype="datetime64[D]")
    open_day = np.isin(weekday, np.asarray(params.working_days)) & ~np.isin(days, hol)
    workday_index = np.concatenate([[0], np.cumsum(open_day)[:-1]])
    h0, h1 = params.work_hours
    d = np.flatnonzero(open_day).astype(float)
    if params.break_hours is not None:
        b0, b1 = params.break_hours
        s = np.stack([d + h0 / 24, d + b1 / 24], axis=1).ravel()
        e = np.stack([d + b0 / 24, d + h1 / 24], axis=1).ravel()
    else:
        s, e = d + h0 / 24, d + h1 / 24
    # Desks close on days when every operator is on leave.
    per_day = np.clip(params.leave_days_per_year / max(open_day[:365].sum(), 1), 0.0, 1.0)
    p_closed = per_day ** operators.astype(float)
    u = rng_leave.random((n_villages, total))
    closed = u < p_closed[:, None]
    interval_day = np.floor(s).astype(np.int64)
    keep_desk = ~closed[:, interval_day]
    keep_points = np.ones((n_points, len(s)), dtype=bool)
    service = Calendar.from_masks(s, e, np.vstack([keep_desk, keep_points]))
    bs, be = subtract_intervals(s, e, outages)
    backoffice = Calendar(np.array([0, len(bs)]), bs, be)
    us, ue = subtract_intervals(np.array([0.0]), np.array([float(total)]), outages)
    server = Calendar(np.array([0, len(us)]), us, ue)
    sign = (d[:, None] + np.asarray(params.signing_times)[None, :] / 24).ravel()
    if outages:
        a = np.array([o[0] for o in outages])
        b = np.array([o[1] for o in outages])
        down = ((sign[:, None] >= a[None, :]) & (sign[:, None] < b[None, :])).any(axis=1)
        sign = sign[~down]
    courier_days = d[np.isin(weekday[d.astype(np.int64)], np.asarray(params.courier_weekdays))]
    return Calendars(
        total_days=total,
        open_day=open_day,
        workday_index=workday_index,
        service=service,
        backoffice=backoffice,
        server=server,
        signing=np.sort(sign),
        courier=courier_days + courier_hour / 24,
        outages=outages,
        day_start_hour=h0,
        day_end_hour=h1,
    )


def date_of(start_date: dt.date, day: float) -> dt.date:
    """Calendar date of a day index."""
    return start_date + dt.timedelta(days=int(np.floor(day)))
