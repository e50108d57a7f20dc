"""Cost-benefit of the village desks, by phase of the rollout, with intervals over replications.

Costs (``calibration/costs.yaml``; facility prices from ``plan.yaml``):

* **one-off** per village going live: computer + printer + connection (installation and its first
  12 months, as ``plan.yaml`` prices it) and the operator's set-up/training. With
  ``one_off_basis: missing`` only the facilities the readiness table says a village lacks are
  charged (the same rule as the rollout planner).
* **running** per live village: operator honorarium and blanko logistics every month, internet from
  the 13th month after go-live, paper and ink per document completed at the desk (simulated).

Benefits: what the citizens of the phase's villages save against the baseline, per replication
(paired): travel cost (fares/fuel, Rp) + travel hours x the value of time (``flow.yaml``
``value_of_time_idr_per_hour``). Nothing is counted for villages not live in the scenario.

Per phase, benefits and running costs are turned into **yearly rates at full operation**: the
amount in the KPI window divided by the village-days live in the window, times 365.25 x villages.
Then, over ``appraisal_years`` discounted at ``discount_rate``:

``BCR = PV(benefits) / (one-off + PV(running))``,
``payback (months) = one-off / ((benefit - running in year 1) / 12)`` (undiscounted; "never" when the
net monthly saving is not positive).

Each replication gives one value; the table shows the mean with a Student-t interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .. import calibration
from ..errors import SakeraInputError
from .kpis import ci_row
from .run import EvidenceRun

__all__ = ["CostBenefit", "cost_benefit", "village_costs"]

MONTH_DAYS = 365.25 / 12


def village_costs(ev: EvidenceRun, calib: calibration.Calibration | None = None) -> pd.DataFrame:
    """Villages going live in the scenario: phase, go-live day, days live in the KPI window, one-off cost.

    Columns: ``village_code, phase, phase_name, go_live_date, go_live_day, live_days,
    internet_days, one_off_idr``.
    """
    c = calib or calibration.load("costs")
    plan = calibration.load("plan")
    s = ev.scenarios[ev.scenario]
    frame = s.village_frame()
    live = frame[frame["go_live_date"].notna()].copy()
    start = pd.Timestamp(ev.start_date)
    live["go_live_day"] = (pd.to_datetime(live["go_live_date"]) - start).dt.days.astype(float)
    live = live[live["go_live_day"] < ev.days]
    lo = np.maximum(live["go_live_day"].to_numpy(float), ev.warmup_days)
    live["live_days"] = np.maximum(0.0, ev.days - lo)
    lo_net = np.maximum(live["go_live_day"].to_numpy(float) + 365.25, ev.warmup_days)
    live["internet_days"] = np.maximum(0.0, ev.days - lo_net)
    basis = str(c["one_off_basis"])
    if basis not in ("full", "missing"):
        raise SakeraInputError(f"one_off_basis must be 'full' or 'missing', got {basis!r}", source="costs.yaml")
    one_off = np.full(len(live), float(c["setup_training_idr"]))
    for fac in ("computer", "printer", "internet"):
        price = float(plan[f"cost_{fac}_idr"])
        if basis == "full":
            one_off += price
        else:
            one_off += np.where(live[f"has_{fac}"].to_numpy(bool), 0.0, price)
    live["one_off_idr"] = one_off
    names = [p.name for p in s.rollout.phases]
    live["phase"] = live["phase"].astype(int)
    live["phase_name"] = [names[i] if 0 <= i < len(names) else str(i) for i in live["phase"]]
    cols = [
        "village_code",
        "phase",
        "phase_name",
        "go_live_date",
        "go_live_day",
        "live_days",
        "internet_days",
        "one_off_idr",
    ]
    return live[cols].reset_index(drop=True)


@dataclass
class CostBenefit:
    """Cost-benefit per phase (and in total).

    Attributes
    ----------
    table
        One row per phase and a ``total`` row: villages, go-live range, one-off cost, yearly running
        cost, yearly benefit (travel cost + time), BCR and payback months, each stochastic figure with
        ``_low``/``_high``.
    per_replication
        The per-replication values behind the intervals.
    assumptions
        The calibration values used (name -> value).
    """

    table: pd.DataFrame
    per_replication: pd.DataFrame
    assumptions: dict[str, Any]


def cost_benefit(ev: EvidenceRun, calib: calibration.Calibration | None = None) -> CostBenefit:
    """Cost-benefit of the rollout scenario against the baseline (see the module docstring)."""
    c = calib or calibration.load("costs")
    wage = float(calibration.load("flow")["value_of_time_idr_per_hour"])
    vc = village_costs(ev, c)
    years, rate = int(c["appraisal_years"]), float(c["discount_rate"])
    pv_all = sum((1 + rate) ** -t for t in range(1, years + 1))
    pv_after_first = pv_all - (1 + rate) ** -1
    monthly = float(c["operator_honorarium_idr_per_month"]) + float(c["blanko_logistics_idr_per_village_month"])
    internet = float(c["internet_idr_per_month"])
    paper = float(c["paper_ink_idr_per_document"])
    base = [d.villages.set_index("village_code") for d in ev.digests[ev.baseline]]
    scen = [d.villages.set_index("village_code") for d in ev.digests[ev.scenario]]
    groups = [(str(p), g) for p, g in vc.groupby("phase_name", sort=False)] + [("total", vc)]
    rows, per_rep = [], []
    conf = ev.comparison.confidence
    for name, g in groups:
        codes = g["village_code"].tolist()
        village_days = float(g["live_days"].sum())
        n_v = len(codes)
        one_off = float(g["one_off_idr"].sum())
        full_year = 365.25 * n_v / village_days if village_days > 0 else math.nan
        benefits, running, bcr, payback, travel_part = [], [], [], [], []
        for r, (b, s) in enumerate(zip(base, scen, strict=True)):
            cost_saved = float(b.loc[codes, "travel_cost_idr"].sum() - s.loc[codes, "travel_cost_idr"].sum())
            hours_saved = float(b.loc[codes, "travel_hours"].sum() - s.loc[codes, "travel_hours"].sum())
            benefit_yr = (cost_saved + hours_saved * wage) * full_year
            paper_yr = float(s.loc[codes, "desk_documents"].sum()) * paper * full_year
            run_first = monthly * 12 * n_v + paper_yr
            run_later = run_first + internet * 12 * n_v
            pv_cost = one_off + run_first * (1 + rate) ** -1 + run_later * pv_after_first
            ratio = benefit_yr * pv_all / pv_cost if pv_cost > 0 else math.nan
            net_month = (benefit_yr - run_first) / 12
            months = one_off / net_month if net_month > 0 else math.inf
            benefits.append(benefit_yr)
            travel_part.append(cost_saved * full_year)
            running.append(run_later)
            bcr.append(ratio)
            payback.append(months)
            per_rep.append(
                {
                    "phase": name,
                    "replication": r,
                    "benefit_idr_per_year": benefit_yr,
                    "running_idr_per_year": run_later,
                    "bcr": ratio,
                    "payback_months": months,
                }
            )
        dates = pd.to_datetime(g["go_live_date"])
        row: dict[str, Any] = {
            "phase": name,
            "villages": n_v,
            "go_live_first": dates.min().date().isoformat() if n_v else "",
            "go_live_last": dates.max().date().isoformat() if n_v else "",
            "one_off_idr": one_off,
        }
        finite = np.isfinite(payback)
        for key, vals in (
            ("running_idr_per_year", running),
            ("benefit_idr_per_year", benefits),
            ("travel_cost_saved_idr_per_year", travel_part),
            ("bcr", bcr),
            ("payback_months", [p for p, f in zip(payback, finite, strict=True) if f]),
        ):
            ci = ci_row(vals, conf) if len(vals) else {"mean": math.nan, "ci_low": math.nan, "ci_high": math.nan}
            row[key], row[f"{key}_low"], row[f"{key}_high"] = ci["mean"], ci["ci_low"], ci["ci_high"]
        row["payback_never_share"] = float((~finite).mean()) if len(payback) else math.nan
        rows.append(row)
    assumptions = {k: c[k] for k in c.values} | {
        "value_of_time_idr_per_hour (flow.yaml)": wage,
        **{
            f"cost_{f}_idr (plan.yaml)": calibration.load("plan")[f"cost_{f}_idr"]
            for f in ("computer", "printer", "internet")
        },
    }
    return CostBenefit(table=pd.DataFrame(rows), per_replication=pd.DataFrame(per_rep), assumptions=assumptions)
