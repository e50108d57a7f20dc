"""Key performance indicators of a simulated replication, and their summary over replications.

KPIs cover requests arriving in the KPI window ``[warmup_days, days)`` (the initial backlog is
left out) unless the name says otherwise (``*_all``, ``backlog_end``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from numba import njit

from ..services import SERVICE_IDS
from .channel import CHANNELS
from .timeseries import count_between

if TYPE_CHECKING:  # pragma: no cover
    from .flow import Replication
    from .inputs import EngineInputs

__all__ = ["replication_kpis", "turnaround_table", "summarise"]


def _quantiles(x: np.ndarray, qs) -> tuple[float, ...]:
    """Quantiles (linear interpolation, as numpy's default) by partial sorting (O(n))."""
    n = len(x)
    if not n:
        return tuple(float("nan") for _ in qs)
    pos = [q * (n - 1) for q in qs]
    lo = [int(np.floor(p)) for p in pos]
    hi = [min(i + 1, n - 1) for i in lo]
    part = np.partition(x, sorted(set(lo + hi)))
    return tuple(float(part[a] + (part[b] - part[a]) * (p - a)) for p, a, b in zip(pos, lo, hi, strict=True))


@njit(cache=True)
def _group_by_code(codes, values, keep, n_codes):
    """``values[keep]`` grouped by ``codes`` (0..n_codes-1) in their order, and the group bounds.

    A counting sort: the same as a stable argsort of the codes followed by ``searchsorted``.
    """
    counts = np.zeros(n_codes + 1, dtype=np.int64)
    for i in range(codes.shape[0]):
        if keep[i]:
            counts[codes[i] + 1] += 1
    bounds = np.cumsum(counts)
    fill = bounds[:-1].copy()
    out = np.empty(bounds[-1], dtype=values.dtype)
    for i in range(codes.shape[0]):
        if keep[i]:
            c = codes[i]
            out[fill[c]] = values[i]
            fill[c] += 1
    return out, bounds


def _window(rep: Replication, inputs: EngineInputs) -> np.ndarray:
    a = rep.requests.arrival
    return np.asarray((a >= inputs.warmup_days) & (a < inputs.days) & ~rep.requests.backlog)


def _sla_observable(arrival: np.ndarray, days: int, workday_index: np.ndarray, n_days: int) -> np.ndarray:
    """Requests whose N-working-day deadline falls inside the horizon (so success is observable)."""
    day = np.floor(arrival).astype(np.int64)
    wd_end = workday_index[min(int(days), len(workday_index) - 1)]
    return np.asarray(workday_index[np.minimum(day, len(workday_index) - 1)] + n_days < wd_end)


def replication_kpis(rep: Replication, inputs: EngineInputs) -> dict[str, float]:
    """KPIs of one replication (a flat dict of numbers) from its stage records."""
    oc, req = rep.outcome, rep.requests
    raw = {
        "arrival": req.arrival,
        "channel": rep.channel,
        "service": req.service,
        "turnaround_days": oc.turnaround_days,
        "working_days": oc.working_days,
        "trips": oc.trips,
        "outside_trips": oc.outside_trips,
        "travel_minutes": oc.travel_minutes,
        "travel_km": oc.travel_km,
        "travel_cost_idr": oc.travel_cost_idr,
        "office_only_trips": oc.office_only_trips,
        "office_only_minutes": oc.office_only_minutes,
        "office_only_km": oc.office_only_km,
        "office_only_cost_idr": oc.office_only_cost_idr,
        "desk_visits": rep.desk.visits,
        "verifications": rep.back_office.verifications,
    }
    workday_index = rep.calendars.workday_index
    w = _window(rep, inputs)
    out = oc.code  # 0 completed, 1 abandoned, 2 in_system
    ow = out[w]
    k: dict[str, float] = {}
    k["arrivals"] = int(w.sum())
    k["completed"] = int((ow == 0).sum())
    k["abandoned"] = int((ow == 1).sum())
    k["in_system"] = int((ow == 2).sum())
    k["arrivals_all"] = int(len(out))
    k["completed_all"] = int((out == 0).sum())
    k["abandoned_all"] = int((out == 1).sum())
    k["in_system_all"] = int((out == 2).sum())
    k["backlog_end"] = k["in_system_all"]
    # turnaround and the service standard are of documents: a SIAK activation (Aktivasi IKD/NIK,
    # no back office) is finished in minutes and is reported only under its own service
    document = inputs.back_office[raw["service"]]
    done_all = w & (out == 0)
    done = done_all & document
    ta = raw["turnaround_days"][done]
    k["turnaround_median_days"], k["turnaround_p90_days"] = _quantiles(ta, (0.5, 0.9))
    k["turnaround_mean_days"] = float(ta.mean()) if len(ta) else float("nan")
    for key, names in (("channel", CHANNELS), ("service", SERVICE_IDS)):
        sel_done = done_all if key == "service" else done
        grouped, bounds = _group_by_code(raw[key], raw["turnaround_days"], sel_done, len(names))
        for code, name in enumerate(names):
            q50, q90 = _quantiles(grouped[bounds[code] : bounds[code + 1]], (0.5, 0.9))
            k[f"turnaround_median_days.{name}"] = q50
            k[f"turnaround_p90_days.{name}"] = q90
    n_sla = inputs.constants.sla_working_days
    obs = w & document & _sla_observable(raw["arrival"], inputs.days, workday_index, n_sla) & (out != 1)
    within = (out == 0) & (raw["working_days"] <= n_sla)
    k["sla_working_days"] = n_sla
    k["share_within_sla"] = float(within[obs].mean()) if obs.any() else float("nan")
    n_w = max(k["arrivals"], 1)
    # the window is one block of the arrival-sorted requests: sum slices, not masked copies
    idx = np.flatnonzero(w)
    sel: np.ndarray | slice = w
    if len(idx) and idx[-1] - idx[0] + 1 == len(idx):
        sel = slice(int(idx[0]), int(idx[-1]) + 1)
    k["desk_share"] = float((raw["channel"][sel] == 0).sum() / n_w)
    k["trips_per_request"] = float(raw["trips"][sel].sum() / n_w)
    k["trips_total"] = int(raw["trips"][sel].sum())
    k["outside_trips"] = int(raw["outside_trips"][sel].sum())
    k["travel_hours"] = float(raw["travel_minutes"][sel].sum() / 60.0)
    k["travel_km"] = float(raw["travel_km"][sel].sum())
    k["travel_cost_idr"] = float(raw["travel_cost_idr"][sel].sum())
    k["office_only_trips"] = int(raw["office_only_trips"][sel].sum())
    k["office_only_travel_hours"] = float(raw["office_only_minutes"][sel].sum() / 60.0)
    k["office_only_travel_km"] = float(raw["office_only_km"][sel].sum())
    k["office_only_travel_cost_idr"] = float(raw["office_only_cost_idr"][sel].sum())
    k["outside_trips_saved"] = k["office_only_trips"] - k["outside_trips"]
    k["travel_hours_saved"] = k["office_only_travel_hours"] - k["travel_hours"]
    k["travel_km_saved"] = k["office_only_travel_km"] - k["travel_km"]
    k["travel_cost_saved_idr"] = k["office_only_travel_cost_idr"] - k["travel_cost_idr"]
    k["desk_visits_per_request"] = float(raw["desk_visits"][sel].sum() / n_w)
    ver = raw["verifications"][sel]
    k["rejections_per_file"] = float((ver[ver > 0] - 1).mean()) if (ver > 0).any() else float("nan")
    w0, H = int(inputs.warmup_days), int(inputs.days)
    usage = rep.usage
    for res in ("desk", "counter", "verifier"):
        cap = float(getattr(usage, f"capacity_{res}")[w0:H].sum())
        busy = float(getattr(usage, f"busy_{res}")[w0:H].sum())
        k[f"utilisation_{res}"] = busy / cap if cap > 0 else float("nan")
    k["stockout_days_ktp"] = int(rep.output.stockout[0, w0:H].sum())
    k["stockout_days_kia"] = int(rep.output.stockout[1, w0:H].sum())
    vv = rep.back_office.log
    k["verification_queue_mean"] = float(count_between(vv.arrival, vv.start, H)[w0:H].mean())
    if rep.server is not None:  # the shared central server (sim/central.py), whole horizon
        k.update(rep.server.kpis)
    if req.event is not None:  # life-event demand: trips per visit, coverage (life_events.py)
        from .. import life_events

        k.update(life_events.visit_kpis(rep, inputs, w))
        if req.kind is not None and inputs.life_events is not None and inputs.life_events.coverage:
            k.update(life_events.coverage_kpis(rep, inputs))
    return k


def turnaround_table(trace: pd.DataFrame, inputs: EngineInputs) -> pd.DataFrame:
    """Turnaround per replication x service x channel: n, median, p90 (days), share within SLA."""
    a = trace["arrival"].to_numpy()
    w = (a >= inputs.warmup_days) & (a < inputs.days) & ~trace["backlog"].to_numpy()
    t = trace[w & (trace["outcome"] == "completed").to_numpy()]
    n_sla = inputs.constants.sla_working_days
    g = t.groupby(["replication", "service", "channel"], observed=True)
    out = g["turnaround_days"].agg(n="size", median_days="median", p90_days=lambda x: float(np.quantile(x, 0.9)))
    out["share_within_sla_of_completed"] = g["working_days"].apply(lambda x: float((x <= n_sla).mean()))
    return out.reset_index()


def summarise(kpis: pd.DataFrame) -> pd.DataFrame:
    """Mean and 95 % confidence interval (Student t over replications) of every KPI."""
    from scipy import stats  # type: ignore[import-untyped]  # scipy ships no type hints

    rows = []
    n = len(kpis)
    for col in kpis.columns:
        if col == "replication":
            continue
        x = pd.to_numeric(kpis[col], errors="coerce").to_numpy(dtype=float)
        x = x[np.isfinite(x)]
        m = float(x.mean()) if len(x) else float("nan")
        if len(x) > 1:
            half = float(stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x)))
        else:
            half = float("nan")
        rows.append({"kpi": col, "mean": m, "ci95_low": m - half, "ci95_high": m + half, "replications": n})
    return pd.DataFrame(rows)
