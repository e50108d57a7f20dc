"""Expected offered load of each village desk (a quick analytic check before simulating)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .. import demand
from .params import SERVICE_IDS, FlowParams

__all__ = ["desk_load", "operators_for"]


def desk_load(params: FlowParams) -> pd.DataFrame:
    """Per village: expected desk requests per open day and utilisation with its operators.

    Uses the annual rates (no seasonality), the open days of the first year, handling minutes at the
    village's skill and ``incomplete_probability`` returns; biometric services (KTP-el baru) are
    excluded because they go to a counter.
    """
    fc = params.flow_calibration()
    vil = params.regency.villages
    codes = list(vil["village_code"])
    pop = params.regency.population(params.population_year).reindex(codes).to_numpy(dtype=float)
    rate = demand.rates(params.demand_overrides, params.demand_scale, params.demand_calibration())
    from ..services import load_catalogue

    cat = load_catalogue()
    desk = np.array([not cat.get(s).needs_biometric for s in SERVICE_IDS])
    minutes = np.array([float(fc["desk_minutes"][s]) for s in SERVICE_IDS])
    per_year = pop[:, None] / 1000.0 * rate.to_numpy()[None, :] * desk[None, :]
    days = pd.date_range(params.start_date, periods=365, freq="D")
    open_days = int((np.isin(days.day_of_week, params.working_days) & ~np.isin(days.date, params.holidays)).sum())
    skill = params.per_village("operator_skill", codes)
    factor = 1.0 + float(fc["skill_slowdown"]) * (1.0 - skill)
    visits = 1.0 / (1.0 - float(fc["incomplete_probability"]) * float(fc["return_probability"]))
    busy_min = (per_year * minutes[None, :]).sum(axis=1) * factor * visits / max(open_days, 1)
    h0, h1 = params.work_hours
    open_min = (h1 - h0) * 60.0 - (
        (params.break_hours[1] - params.break_hours[0]) * 60.0 if params.break_hours else 0.0
    )
    ops = params.per_village("operators_per_village", codes)
    return pd.DataFrame(
        {
            "village_code": codes,
            "village_name": vil["village_name"].to_numpy(),
            "population": pop.astype(int),
            "requests_per_day": per_year.sum(axis=1) / max(open_days, 1),
            "busy_minutes_per_day": busy_min,
            "operators": ops.astype(int),
            "utilisation": busy_min / (open_min * ops),
        }
    )


def operators_for(params: FlowParams, target_utilisation: float = 0.75) -> dict[str, int]:
    """Operators per village so the expected desk utilisation stays at or below the target."""
    load = desk_load(params)
    h0, h1 = params.work_hours
    open_min = (h1 - h0) * 60.0 - (
        (params.break_hours[1] - params.break_hours[0]) * 60.0 if params.break_hours else 0.0
    )
    need = [max(1, math.ceil(b / (open_min * target_utilisation))) for b in load["busy_minutes_per_day"]]
    return dict(zip(load["village_code"], need, strict=True))
