"""Expected offered load of each village desk (a quick analytic check before simulating)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .. import demand
from .params import SERVICE_IDS, FlowParams

if TYPE_CHECKING:  # pragma: no cover
    from .inputs import EngineInputs

__all__ = ["desk_load", "operators_for", "desk_savings"]


def _hours(work_hours: tuple[float, float] | float) -> tuple[float, float]:
    """Opening and closing hour of validated ``FlowParams.work_hours`` (always a pair after validation)."""
    if not isinstance(work_hours, tuple):
        raise TypeError("FlowParams.work_hours is not validated")
    return float(work_hours[0]), float(work_hours[1])


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
    open_days = int((np.isin(days.day_of_week, params.working_days) & ~np.isin(days.date, np.array(params.holidays, dtype=object))).sum())
    skill = params.per_village("operator_skill", codes)
    factor = 1.0 + float(fc["skill_slowdown"]) * (1.0 - skill)
    visits = 1.0 / (1.0 - float(fc["incomplete_probability"]) * float(fc["return_probability"]))
    busy_min = (per_year * minutes[None, :]).sum(axis=1) * factor * visits / max(open_days, 1)
    h0, h1 = _hours(params.work_hours)
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
    h0, h1 = _hours(params.work_hours)
    open_min = (h1 - h0) * 60.0 - (
        (params.break_hours[1] - params.break_hours[0]) * 60.0 if params.break_hours else 0.0
    )
    need = [max(1, math.ceil(b / (open_min * target_utilisation))) for b in load["busy_minutes_per_day"]]
    return dict(zip(load["village_code"], need, strict=True))


def desk_savings(inputs: EngineInputs, window: tuple[float, float] | None = None) -> pd.DataFrame:
    """Expected requests, trips and travel hours a live desk saves per village, from the engine's own model.

    The same demand (rates, population, seasonality over ``window``), channel rule, visit rounds and
    trip costs the simulation uses: for each desk-eligible service (not biometric) of a village, a
    request at the counter its residents would use costs ``E[visits] + card`` trips to that point
    (a card is collected there), at the desk ``E[visits] + 1`` short trips (every document is
    collected at the desk). ``E[visits] = sum_k (p q)^k`` over the ``max_visits`` rounds (``p``
    incomplete, ``q`` return probability). Requests that are still in the system at the end of a
    horizon are counted as completed, so a simulated horizon saves slightly less.

    Parameters
    ----------
    inputs
        Compiled engine inputs of the base scenario (no village live is assumed here).
    window
        ``(from_day, to_day)``: count the requests arriving in this part of the horizon (the
        demand model's day weights); default: one average year.

    Returns
    -------
    pandas.DataFrame
        Per village code: ``requests`` (desk-eligible), ``trips_saved`` (outside trips avoided),
        ``travel_hours_saved``, for a desk live over the whole window (or a year).
    """
    from .channel import DESA, ChannelPolicy

    k = inputs.constants
    geo = inputs.geography
    rate = inputs.rate
    if isinstance(rate, pd.DataFrame):
        rv = rate.reindex(index=list(geo.village_codes), columns=list(SERVICE_IDS)).fillna(0.0).to_numpy(float)
    else:
        rv = np.broadcast_to(rate.reindex(list(SERVICE_IDS)).fillna(0.0).to_numpy(float), (inputs.villages, len(SERVICE_IDS)))
    share = np.ones(len(SERVICE_IDS))
    if window is not None:
        w = demand.day_weights(
            inputs.start_date, inputs.days, inputs.working_days, inputs.holidays, inputs.demand_calibration,
            inputs.monthly,
        )  # fmt: skip
        a, b = int(np.floor(window[0])), int(np.ceil(window[1]))
        share = w[a:b].sum(axis=0)
    per_village = geo.population[:, None] / 1000.0 * rv * share[None, :]  # (V, S) requests in the window
    eligible = ~inputs.biometric
    pq = k.incomplete_probability * k.return_probability
    visits = sum(pq**r for r in range(k.max_visits))
    policy = ChannelPolicy(
        trips=geo.trips, go_live=np.full(inputs.villages, np.inf), offered=inputs.offered, biometric=inputs.biometric,
        value_of_time_idr_per_hour=k.value_of_time_idr_per_hour, mpp_share=0.0,
    )  # fmt: skip
    V, S = per_village.shape
    vv, ss = np.meshgrid(np.arange(V), np.arange(S), indexing="ij")
    ch = policy.choose(vv.ravel(), ss.ravel(), np.zeros(V * S), np.ones(V * S)).reshape(V, S)
    counter_trips = visits + inputs.card.astype(float)  # (S,)
    counter_minutes = geo.trips.minutes[vv, ch] * counter_trips[None, :]
    desk_minutes = geo.trips.minutes[:, DESA][:, None] * (visits + 1.0)
    n = per_village * eligible[None, :]
    return pd.DataFrame(
        {
            "village_code": list(geo.village_codes),
            "requests": n.sum(axis=1),
            "trips_saved": (n * counter_trips[None, :]).sum(axis=1),
            "travel_hours_saved": (n * (counter_minutes - desk_minutes)).sum(axis=1) / 60.0,
        }
    )
